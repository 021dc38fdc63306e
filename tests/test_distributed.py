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
# a worker with no other to wait for: it ends at its first idle check after 1 s
ALONE = ["-s", "BLOGARCHIVE_REDIS_IDLE_SECONDS=1"]
ROWS = "select url, title, text, tags from posts order by url"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A real redis-server on a free loopback port that a test can kill and start again, with
    its data kept on disk (`persist`: AOF, fsync on every write) or not, in `directory` (made
    if missing)."""

    def __init__(self, directory: Path, persist: bool = False, *extra: str):
        directory.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server")
        assert server, "redis-server is not installed (apt-get install redis-server)"
        self.port = _free_port()
        self.command = [server, "--port", str(self.port), "--bind", "127.0.0.1"]
        self.command += ["--dir", str(directory), "--save", "", *extra]
        if persist:
            self.command += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            self.command += ["--appendonly", "no"]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(200):  # listening (a PING would need the password of some)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL: what an out-of-memory kill or a lost machine does."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


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
def single_db(crawled_demo: dict) -> Path:
    """The demo blogs crawled by one ordinary process: what the workers must reproduce (the
    session's `crawled_demo` archive, read only here)."""
    assert crawled_demo["result"].returncode == 0, crawled_demo["result"].stderr
    return crawled_demo["db"]


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


# the run of `worker_crawl`: one worker's whole crawl of both demo blogs
CRAWLED_RUN = "crawled"


@pytest.fixture(scope="module")
def worker_crawl(demo_blogs: Any, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One worker's whole crawl of both demo blogs (run `crawled`), every key of its Redis as
    the worker left it (DUMP, with its expiry). The tests of the ingester and of a finished
    run restore it into a Redis of their own (`restore_crawl`) instead of each running the
    same crawl again; nothing writes into this copy."""
    import redis

    directory = tmp_path_factory.mktemp("worker-crawl")
    server = RedisServer(directory).start()
    try:
        urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
        worker = _workers(1, server.url, CRAWLED_RUN, urls, *ALONE)[0]
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, (out, err)
        client = redis.Redis.from_url(server.url)
        assert client.llen("blogarchive:items") > 0
        return {key: (client.pttl(key), client.dump(key)) for key in client.scan_iter()}
    finally:
        server.stop()


def restore_crawl(redis_url: str, crawl: dict) -> Any:
    """Redis at `redis_url` (empty) made to hold what `worker_crawl`'s worker left; returns a
    client of it."""
    import redis

    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() == 0
    for key, (ttl, value) in crawl.items():
        client.restore(key, max(ttl, 0), value)
    return client


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
    # the posts' pictures are kept as a single process keeps them, each tied to its capture
    pictures = (
        "SELECT posts.url, post_pictures.url AS picture, captures.status, captures.mime "
        "FROM post_pictures JOIN posts ON posts.id = post_pictures.post_id "
        "LEFT JOIN captures ON captures.id = post_pictures.capture_id ORDER BY 1, 2"
    )
    assert rows(db, pictures) == rows(single_db, pictures)
    assert [r["mime"] for r in rows(db, pictures) if r["status"] == 200] == ["image/png"] * 2
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
    again = _workers(1, redis_url, "killed-next", urls, *ALONE)[0]
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


def _held_batch(demo_blogs: Any, redis_url: str, tmp_path: Path, crawl: dict) -> HeldBatch:
    """One worker's whole crawl pushed (`worker_crawl`), then `ingest --once` started while the
    archive's write lock is held elsewhere: it takes its batch and waits to write it (to be
    killed, or to meet a second ingester)."""
    import sqlite3

    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    client = restore_crawl(redis_url, crawl)
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
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_rows: list[dict], worker_crawl: dict
) -> None:
    """kill -9 of the ingester while it holds a batch: the next one puts the batch back in the
    order it was taken, so each post still follows its capture and links to it (put back in
    reverse, every post of the batch came before its capture and lost the link)."""
    held = _held_batch(demo_blogs, redis_url, tmp_path, worker_crawl)
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
    redis_url: str, tmp_path: Path, single_rows: list[dict], worker_crawl: dict
) -> None:
    """An ingester killed after its commit but before it deleted the batch from Redis: the
    next one put the batch back and wrote it again (every capture and failure twice). Redis is
    put in that state here by hand: the batch written, its items back in the processing list,
    as the ingester had moved them."""
    db = tmp_path / "archive.db"
    client = restore_crawl(redis_url, worker_crawl)
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
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_db: Path, worker_crawl: dict
) -> None:
    """Two `ingest` at once (cron starting one while the last still drains) share one queue
    and one processing list: the second put the first one's batch back and wrote it again
    (every capture twice). Now it exits with 75 (try later) and touches nothing."""
    held = _held_batch(demo_blogs, redis_url, tmp_path, worker_crawl)
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


def _wait_for(condition: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _run_again_completes(
    redis_url: str, run: str, urls: list[str], db: Path, single_rows: list[dict]
) -> None:
    """The next run (a new name) fetches every post again; the archive then holds each post
    once, every capture indexed and linked."""
    again = _workers(1, redis_url, run, urls, *ALONE)[0]
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, (out, err)
    _ingest(redis_url, db)
    assert rows(db, ROWS) == single_rows
    check_captures(db, sorted((db.parent / "warc").glob("*.warc.gz")))
    # `blogarchive stats` counts each post once as new, over the two runs
    assert rows(db, "SELECT sum(new) AS new FROM crawls") == [{"new": len(single_rows)}]


@pytest.mark.parametrize("persist", [False, True], ids=["memory-only", "appendonly"])
def test_a_redis_restart_mid_crawl_fails_the_worker_clearly_and_the_next_run_completes(
    demo_blogs: Any, tmp_path: Path, single_rows: list[dict], persist: bool
) -> None:
    """Redis killed and started again while a worker crawls. Before, the worker printed pages
    of tracebacks (every item and request it pushed meanwhile was lost), then found the
    queue empty and exited 0, "finished": the run looked complete with half its posts
    missing. Now it stops at once with one line saying the run is incomplete, status 1; what
    Redis kept is ingested, and the next run stores every post once."""
    import redis

    server = RedisServer(tmp_path / "redis", persist).start()
    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url]  # one blog: enough to be cut short, and quicker
    wanted = [row for row in single_rows if row["url"].startswith(urls[0])]
    try:
        client = redis.Redis.from_url(server.url)
        slow = ["-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.1"]
        worker = _workers(1, server.url, "restarted", urls, *slow)[0]
        _wait_for(lambda: client.llen("blogarchive:items") >= 10, "the worker pushed nothing")
        pushed = client.llen("blogarchive:items")
        server.kill()
        time.sleep(1)
        server.start()
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 1, (out, err)
        assert "run restarted is incomplete" in err
        assert "Traceback" not in err
        ingest = run_blogarchive("ingest", "--redis", server.url, "--db", str(db), "--once")
        assert ingest.returncode == 0, ingest.stderr
        ingested = int(ingest.stdout.split()[0])
        if persist:  # what was pushed before Redis stopped is archived
            assert ingested >= pushed >= 10
        assert len(rows(db, ROWS)) < len(wanted)
        _run_again_completes(server.url, "restarted-next", urls, db, wanted)
    finally:
        server.stop()


def test_a_redis_that_restarted_empty_before_the_worker_ended_is_reported(
    demo_blogs: Any, tmp_path: Path, single_rows: list[dict]
) -> None:
    """Redis (no persistence) restarted while the worker waited for the others at the end of
    the crawl: everything it had pushed and not yet ingested was gone, and the worker, finding
    the queue empty, exited 0. Now it notices that Redis no longer holds its writes."""
    import redis

    server = RedisServer(tmp_path / "redis").start()
    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url]  # one blog: enough to be cut short, and quicker
    wanted = [row for row in single_rows if row["url"].startswith(urls[0])]
    try:
        client = redis.Redis.from_url(server.url)
        worker = _workers(1, server.url, "emptied", urls, "-s", "BLOGARCHIVE_REDIS_IDLE_SECONDS=6")[
            0
        ]
        # the crawl is done (the queue empty, the worker idle: its heartbeat withdrawn)
        _wait_for(
            lambda: (
                client.llen("blogarchive:items") > len(single_rows)
                and not client.zcard("blogarchive:run:emptied:requests")
                and not client.zcard("blogarchive:run:emptied:workers")
            ),
            "the worker did not finish its crawl",
        )
        # the worker is held while Redis restarts, else a poll of its idle loop could fall
        # between the two and find no Redis at all (another failure, reported as such)
        worker.send_signal(signal.SIGSTOP)
        try:
            server.kill()
            server.start()
        finally:
            worker.send_signal(signal.SIGCONT)
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 1, (out, err)
        assert "run emptied is incomplete" in err
        assert "Redis no longer holds" in err and "Traceback" not in err
        _ingest(server.url, db)
        assert rows(db, ROWS) == []
        _run_again_completes(server.url, "emptied-next", urls, db, wanted)
    finally:
        server.stop()


def test_a_worker_of_a_finished_run_says_so_instead_of_crawling_nothing(
    demo_blogs: Any, redis_url: str, tmp_path: Path, single_rows: list[dict], worker_crawl: dict
) -> None:
    """`crawl --redis` again under the name of a run that has finished (the default name,
    today's date, from a second cron line): every blog's home page was in the run's
    fingerprints, so it fetched nothing and exited 0 "finished". Now it refuses, status 1.
    (The finished run is `worker_crawl`'s, restored: what its worker left in Redis.)"""
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    restore_crawl(redis_url, worker_crawl)
    again = _workers(1, redis_url, CRAWLED_RUN, urls)[0]
    out, err = again.communicate(timeout=60)
    assert again.returncode == 1, (out, err)
    assert f"run {CRAWLED_RUN} has finished" in err and "new --run" in err
    assert err.count("\n") == 1
    db = tmp_path / "archive.db"
    _ingest(redis_url, db)
    assert rows(db, ROWS) == single_rows


def test_an_ingester_that_loses_redis_mid_batch_says_so_and_the_next_completes(
    demo_blogs: Any, tmp_path: Path, single_rows: list[dict], worker_crawl: dict
) -> None:
    """Redis (appendonly) killed while `ingest` writes a batch: before, a traceback; now one
    line, status 1, nothing of the batch committed; Redis started again, the next `ingest`
    stores every post and capture once."""
    server = RedisServer(tmp_path / "redis", True).start()
    try:
        held = _held_batch(demo_blogs, server.url, tmp_path, worker_crawl)
        server.kill()
        held.release()
        out, err = held.ingester.communicate(timeout=60)
        assert held.ingester.returncode == 1, (out, err)
        assert err.startswith("Error: lost Redis at redis://127.0.0.1:")
        assert "Traceback" not in err and err.count("\n") == 1
        assert rows(held.db, "SELECT count(*) AS n FROM posts") == [{"n": 0}]
        server.start()
        _ingest(server.url, held.db)
        assert rows(held.db, ROWS) == single_rows
        check_captures(held.db, sorted((tmp_path / "warc").glob("*.warc.gz")))
        assert held.client.llen("blogarchive:items:processing") == 0
    finally:
        server.stop()


def test_a_redis_that_wants_a_password_or_is_no_redis_gets_one_line(
    demo_blogs: Any, tmp_path: Path
) -> None:
    """A Redis that needs a password, a wrong password, an HTTP server: one line, status 1. A password in the URL is never printed (it was, in the
    worker's summary line and in every error)."""
    server = RedisServer(tmp_path / "redis", False, "--requirepass", "s3cret").start()
    blog = demo_blogs.blogger.url
    http_port = blog.rstrip("/").rsplit(":", 1)[1]
    db = str(tmp_path / "archive.db")
    cases = {
        f"redis://127.0.0.1:{server.port}/0": "needs a password",
        f"redis://:wrong@127.0.0.1:{server.port}/0": "refused the password",
        f"redis://127.0.0.1:{http_port}/0": "no Redis answered",
    }
    try:
        for url, says in cases.items():
            commands = [["crawl", "--redis", url, "--run", "pw", blog]]
            if says == "needs a password":  # `ingest` checks its Redis with the same code
                commands.append(["ingest", "--redis", url, "--db", db, "--once"])
            for command in commands:
                result = run_blogarchive(*command)
                assert result.returncode == 1, (command, result.stderr)
                assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
                assert says in result.stderr, result.stderr
                assert "wrong" not in result.stderr
        good = f"redis://:s3cret@127.0.0.1:{server.port}/0"
        worker = run_blogarchive("crawl", "--redis", good, "--run", "pw", blog, *FAST, *ALONE)
        assert worker.returncode == 0, worker.stderr
        assert worker.stdout.startswith("worker of run pw: ")
        assert "s3cret" not in worker.stdout + worker.stderr
        assert f"redis://:***@127.0.0.1:{server.port}/0" in worker.stdout
        ingest = run_blogarchive("ingest", "--redis", good, "--db", db, "--once")
        assert ingest.returncode == 0, ingest.stderr
        assert "s3cret" not in ingest.stdout + ingest.stderr
        assert rows(Path(db), "SELECT count(*) AS n FROM posts")[0]["n"] > 5
    finally:
        server.stop()


def test_an_ingester_killed_while_it_writes_warc_records_leaves_none_unindexed(
    redis_url: str, tmp_path: Path, single_rows: list[dict], worker_crawl: dict
) -> None:
    """kill -9 of `ingest` after it wrote part of its batch's WARC records, before the commit:
    those records stayed in its WARC file with no `captures` row (and the next ingest wrote
    them again). Now the next ingest cuts them (where the files stood before the batch is
    noted in Redis), so every record is indexed once."""
    db = tmp_path / "archive.db"
    client = restore_crawl(redis_url, worker_crawl)
    ingester = subprocess.Popen(
        [BLOGARCHIVE, "ingest", "--redis", redis_url, "--db", str(db), "--once"]
        + ["--batch-size", "1000"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def writing() -> bool:
        assert ingester.poll() is None, "the batch was committed before it could be killed"
        return sum(path.stat().st_size for path in (tmp_path / "warc").glob("*.warc.gz")) > 20000

    _wait_for(writing, "no WARC record written")
    ingester.send_signal(signal.SIGKILL)
    ingester.communicate(timeout=10)
    assert rows(db, "SELECT count(*) AS n FROM captures") == [{"n": 0}]

    _ingest(redis_url, db)
    assert rows(db, ROWS) == single_rows
    check_captures(db, sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert client.llen("blogarchive:items:processing") == 0


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
        worker = _workers(1, redis_url, "private", [moved.url, posts.url], *ALONE)[0]
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


def test_an_ingester_whose_redis_restarts_empty_mid_batch_keeps_the_batch_in_hand(
    demo_blogs: Any, tmp_path: Path, single_rows: list[dict], worker_crawl: dict
) -> None:
    """Redis without persistence restarted (systemd, a reboot) while `ingest` writes a batch:
    Redis forgot the batch and the ingester's lease, and the ingester holds the only copy of
    the batch. Before, it took the missing lease for another ingester's ("this ingester's
    lease ran out and another ingester took over"), rolled the batch back and exited 1: the
    batch was lost. Now it sees that Redis restarted, takes its lease again and commits."""
    server = RedisServer(tmp_path / "redis", False).start()
    try:
        held = _held_batch(demo_blogs, server.url, tmp_path, worker_crawl)
        server.kill()
        server.start()
        held.release()
        out, err = held.ingester.communicate(timeout=120)
        assert held.ingester.returncode == 0, (out, err)
        assert "another ingester" not in err and "Traceback" not in err
        assert err.count("restarted") == 1, err
        assert f"{held.pushed} items ingested" in out
        assert rows(held.db, ROWS) == single_rows
        check_captures(held.db, sorted((tmp_path / "warc").glob("*.warc.gz")))
    finally:
        server.stop()


def test_an_ingester_whose_redis_stops_answering_exits_with_one_line(
    demo_blogs: Any, redis_server: RedisServer, tmp_path: Path
) -> None:
    """A long-running `ingest` (no --once) whose Redis hangs (SIGSTOP here: a host that
    accepts the connection and never answers): it gives up after its Redis timeout with one
    line and exit status 1, for systemd or cron to start it again. Before, it waited the
    timeout a second time to give its lease up and printed a second line about that."""
    # querystring arguments win over redis-py's keyword arguments: 5 s instead of REDIS_TIMEOUT
    url = f"{redis_server.url}?socket_timeout=5"
    ingester = subprocess.Popen(
        [BLOGARCHIVE, "ingest", "--redis", url, "--db", str(tmp_path / "a.db")],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import redis

    client = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + 60
    while not client.exists("blogarchive:ingester"):  # it holds its lease: it runs
        assert time.monotonic() < deadline and ingester.poll() is None, ingester.stderr
        time.sleep(0.05)
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        out, err = ingester.communicate(timeout=120)
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    assert ingester.returncode == 1, (out, err)
    assert err.startswith(f"Error: lost Redis at {url} (Timeout"), err
    assert err.count("\n") == 1, err
