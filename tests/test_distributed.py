"""Many workers, one archive: scrapy-redis workers and the single ingester, on a real
redis-server started on a free loopback port (CI installs it; missing, the tests fail)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from conftest import BLOGARCHIVE, LOOPBACK, PROJECT_ROOT, check_captures, rows, run_blogarchive

FAST = [*LOOPBACK, "-s", "BLOGARCHIVE_REDIS_IDLE_SECONDS=3"]
ROWS = "select url, title, text, tags from posts order by url"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    assert server, "redis-server is not installed (apt-get install redis-server)"
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def _workers(
    n: int, redis_url: str, run: str, urls: list[str], *extra: str
) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [BLOGARCHIVE, "crawl", "--redis", redis_url, "--run", run, *urls, *FAST, *extra],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def single_db(demo_blogs: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo blogs crawled by one ordinary process: what the workers must reproduce."""
    db = tmp_path_factory.mktemp("single") / "single.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    result = run_blogarchive("crawl", *urls, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture(scope="module")
def single_rows(single_db: Path) -> list[dict]:
    return rows(single_db, ROWS)


def captured_pages(db: Path) -> Counter:
    """How many times each address was captured (robots.txt aside: each worker asks)."""
    return Counter(
        row["url"]
        for row in rows(db, "SELECT url FROM captures")
        if not row["url"].endswith("/robots.txt")
    )


def _ingest(redis_url: str, db: Path) -> None:
    result = run_blogarchive("ingest", "--redis", redis_url, "--db", str(db), "--once")
    assert result.returncode == 0, result.stderr


def test_three_workers_one_ingester_archive_every_post_once(
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_rows: list[dict], single_db: Path
) -> None:
    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    # one request at a time each, a fifth of a second apart, so that one worker cannot finish
    # the whole crawl (~80 requests) in the second or two the others take to start
    workers = _workers(
        3, redis_url, "three", urls, "-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.2"
    )
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    _ingest(redis_url, db)
    archived = rows(db, ROWS)
    assert archived == single_rows
    assert len({row["url"] for row in archived}) == len(archived) > 10
    # more than one worker did part of the crawl
    busy = [out for out, _ in outputs if not out.startswith("worker of run three: 0 responses")]
    assert len(busy) >= 2, outputs
    crawls = rows(db, "select status, found, new from crawls")
    assert len(crawls) == 2 and {row["status"] for row in crawls} == {"ok"}
    assert sum(row["new"] for row in crawls) == len(archived)
    # every response the workers received is in the ingester's WARC files, once, indexed in
    # `captures` and linked from the post versions, as a single process would have kept them
    check_captures(db, sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert captured_pages(db) == captured_pages(single_db)
    # the ingester is idempotent: a second drain of an empty queue changes nothing
    _ingest(redis_url, db)
    assert rows(db, ROWS) == archived


def test_a_worker_killed_halfway_loses_nothing(
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_rows: list[dict]
) -> None:
    import redis

    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    client = redis.Redis.from_url(redis_url)
    workers = _workers(3, redis_url, "killed", urls)
    deadline = time.monotonic() + 120
    while client.llen("blogarchive:items") < len(single_rows) // 3:
        assert time.monotonic() < deadline, "the workers pushed nothing"
        time.sleep(0.02)
    workers[0].send_signal(signal.SIGKILL)
    for worker in workers[1:]:
        worker.communicate(timeout=300)
        assert worker.returncode == 0
    workers[0].wait(timeout=10)
    _ingest(redis_url, db)
    # What the killed worker had in flight is fetched by the next run (a new run name:
    # fresh fingerprints, every post listed again), and stored once.
    again = _workers(1, redis_url, "killed-next", urls)[0]
    again.communicate(timeout=300)
    assert again.returncode == 0
    _ingest(redis_url, db)
    archived = rows(db, ROWS)
    assert archived == single_rows
    check_captures(db, sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert client.llen("blogarchive:items") == 0
    assert client.llen("blogarchive:items:processing") == 0


class HeldBatch(NamedTuple):
    """An ingester that has taken every pushed item as one batch and waits to write it."""

    db: Path
    client: Any
    pushed: int
    ingester: subprocess.Popen
    blocker: Any  # the sqlite3 connection holding the archive's write lock

    def release(self) -> None:
        self.blocker.execute("ROLLBACK")
        self.blocker.close()


def _held_batch(demo_blogs: Any, redis_url: str, tmp_path: Path, run: str) -> HeldBatch:
    """One worker's whole crawl pushed, then `ingest --once` started while the archive's write
    lock is held elsewhere: it takes its batch and waits to write it (to be killed, or to
    meet a second ingester)."""
    import sqlite3

    import redis

    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    client = redis.Redis.from_url(redis_url)
    worker = _workers(1, redis_url, run, urls)[0]
    worker.communicate(timeout=300)
    assert worker.returncode == 0
    pushed = client.llen("blogarchive:items")
    assert run_blogarchive("add", urls[0], "--db", str(db)).returncode == 0
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    ingester = subprocess.Popen(
        [BLOGARCHIVE, "ingest", "--redis", redis_url, "--db", str(db), "--once"]
        + ["--batch-size", "1000"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while client.llen("blogarchive:items:processing") < pushed:
        assert time.monotonic() < deadline and ingester.poll() is None, "no batch taken"
        time.sleep(0.02)
    return HeldBatch(db, client, pushed, ingester, blocker)


def test_an_ingester_killed_mid_batch_is_completed_in_order_by_the_next(
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_rows: list[dict]
) -> None:
    """kill -9 of the ingester while it holds a batch: the next one puts the batch back in the
    order it was taken, so each post still follows its capture and links to it (put back in
    reverse, every post of the batch came before its capture and lost the link)."""
    held = _held_batch(demo_blogs, redis_url, tmp_path, "ingester-killed")
    assert held.pushed > len(single_rows)
    held.ingester.send_signal(signal.SIGKILL)
    held.ingester.communicate(timeout=10)
    held.release()

    result = run_blogarchive("ingest", "--redis", redis_url, "--db", str(held.db), "--once")
    assert result.returncode == 0, result.stderr
    assert f"{held.pushed} items of an interrupted ingest put back" in result.stderr
    assert rows(held.db, ROWS) == single_rows
    check_captures(held.db, sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert held.client.llen("blogarchive:items") == 0
    assert held.client.llen("blogarchive:items:processing") == 0


def test_a_batch_written_before_the_ingester_died_is_not_written_again(
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_rows: list[dict]
) -> None:
    """An ingester killed after its commit but before it deleted the batch from Redis: the
    next one put the batch back and wrote it again (every capture and failure twice). Redis is
    put in that state here by hand: the batch written, its items back in the processing list,
    as the ingester had moved them."""
    import redis

    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    client = redis.Redis.from_url(redis_url)
    worker = _workers(1, redis_url, "committed-batch", urls)[0]
    worker.communicate(timeout=300)
    assert worker.returncode == 0
    pushed = client.lrange("blogarchive:items", 0, -1)
    ingest = ["ingest", "--redis", redis_url, "--db", str(db), "--once", "--batch-size", "1000"]
    first = run_blogarchive(*ingest)
    assert first.returncode == 0, first.stderr
    assert rows(db, ROWS) == single_rows
    before = {table: rows(db, f"SELECT * FROM {table}") for table in ("captures", "failures")}
    # taken one by one from the queue's right end onto the processing list's left end
    client.rpush("blogarchive:items:processing", *pushed)

    again = run_blogarchive(*ingest)
    assert again.returncode == 0, again.stderr
    assert f"the {len(pushed)} items an interrupted ingest left in Redis were written" in (
        again.stderr
    )
    assert {table: rows(db, f"SELECT * FROM {table}") for table in before} == before
    assert rows(db, "SELECT items FROM ingest_batches") == [{"items": len(pushed)}]
    assert client.llen("blogarchive:items:processing") == 0
    assert client.llen("blogarchive:items") == 0


def test_a_second_ingester_steps_back_while_one_is_running(
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_db: Path
) -> None:
    """Two `ingest` at once (cron starting one while the last still drains) share one queue
    and one processing list: the second put the first one's batch back and wrote it again
    (every capture twice). Now it exits with 75 (try later) and touches nothing."""
    held = _held_batch(demo_blogs, redis_url, tmp_path, "two-ingesters")
    command = ["ingest", "--redis", redis_url, "--db", str(held.db), "--once"]
    second = subprocess.Popen(
        [BLOGARCHIVE, *command],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        second.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass  # it waits for the archive, holding what it took
    held.release()
    _, second_err = second.communicate(timeout=120)
    first_out, first_err = held.ingester.communicate(timeout=120)
    assert held.ingester.returncode == 0, first_err
    assert f"{held.pushed} items ingested" in first_out
    assert second.returncode == 75, second_err
    assert "another ingester is running" in second_err
    assert captured_pages(held.db) == captured_pages(single_db)
    check_captures(held.db, sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert held.client.llen("blogarchive:items") == 0
    assert held.client.llen("blogarchive:items:processing") == 0
    # the lease was given up: the next ingester runs
    assert run_blogarchive(*command).returncode == 0


def test_a_worker_refuses_a_move_to_a_private_host_not_named(
    redis_url: str, tmp_path: Path
) -> None:
    """The private-address rule of a single crawl (tests/test_addresses.py) holds in a worker:
    a blog named at 127.0.0.1 whose home page moves to 127.0.0.2, or whose post redirects to
    localhost, sends nothing there; the ingester records why."""
    from hostile_server import RawServer, html, page, redirect, small_blog

    there = RawServer("127.0.0.2", small_blog("Not Named There"))
    here = RawServer("127.0.0.1", small_blog("Not Named Here"))
    moved = RawServer(routes={"/": redirect(there.url, 301)})
    post = "/2024/01/to-localhost.html"
    posts = RawServer(
        routes={
            "/": html(text=page("Redirecting", f"<h1>Posts</h1><h2><a href='{post}'>x</a></h2>")),
            post: redirect(f"http://localhost:{here.port}/2023/05/first.html", 302),
        }
    )
    try:
        worker = _workers(1, redis_url, "private", [moved.url, posts.url])[0]
        worker.communicate(timeout=120)
    finally:
        for server in (there, here, moved, posts):
            server.stop()
    assert worker.returncode == 0
    db = tmp_path / "archive.db"
    _ingest(redis_url, db)
    assert there.log == [] and here.log == []
    errors = {r["url"]: r["error"] for r in rows(db, "SELECT url, error FROM failures")}
    assert "127.0.0.2 is a loopback address" in errors[moved.url], errors
    assert "localhost resolves to 127.0.0.1" in errors[posts.url[:-1] + post], errors
    assert all("BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES=True" in e for e in errors.values())
