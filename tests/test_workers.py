"""Extraction in worker processes: the same records as in-process, and a worker that dies
or hangs on a page is replaced while the page is recorded in `failures`."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import LOOPBACK, PROJECT_ROOT, html_page, run_blogarchive
from helpers.faulty_extractor import extract_or_fail
from pipeline.demo.server import BloggerSite, WordPressSite
from pipeline.workers import ExtractionPool, WorkerCrashed, extract_record


def demo_pages() -> list[tuple[bytes, str]]:
    pages = []
    for site in (BloggerSite(), WordPressSite()):
        for post in site.posts[:6]:
            path = site.post_path(post)
            pages.append((site.handle("GET", path, {})[2], "https://demo.example" + path))
    return pages


def test_the_pool_produces_the_same_records_as_in_process_extraction() -> None:
    pages = demo_pages()

    async def in_pool() -> list[dict]:
        pool = ExtractionPool(2)
        try:
            return await asyncio.gather(*(pool.extract(body, url) for body, url in pages))
        finally:
            pool.close()

    assert asyncio.run(in_pool()) == [extract_record(body, url, None, None) for body, url in pages]


def test_a_crashed_worker_is_replaced_and_the_others_pages_still_extracted() -> None:
    pages = demo_pages()[:4]
    crash = (b"<html><body><p>CRASH-THIS-WORKER</p></body></html>", "https://demo.example/crash")

    async def run() -> list:
        pool = ExtractionPool(2, function=extract_or_fail)
        try:
            return await asyncio.gather(
                *(pool.extract(body, url) for body, url in [*pages[:2], crash, *pages[2:]]),
                return_exceptions=True,
            )
        finally:
            assert pool.replaced >= 1
            pool.close()

    results = asyncio.run(run())
    assert isinstance(results[2], WorkerCrashed)
    good = [r for i, r in enumerate(results) if i != 2]
    assert good == [extract_record(body, url, None, None) for body, url in pages]


def test_a_crawl_records_pages_that_kill_or_hang_their_worker(static_site, tmp_path: Path) -> None:
    text = "<p>The allotment committee met in the potting shed to argue about water butts.</p>" * 5
    pages = {"/": html_page("<h1>Allotment news</h1>")}
    for name, marker in (
        ("fine-one", ""),
        ("crash", "CRASH-THIS-WORKER"),
        ("hang", "HANG-THIS-WORKER"),
        ("fine-two", ""),
    ):
        pages[f"/news/{name}/"] = html_page(
            f"<article><h1>{name}</h1>{text}<p>{marker}</p></article>", name
        )
    site = static_site(pages)
    urls = "".join(
        f"<url><loc>{site.url}news/{n}/</loc></url>"
        for n in ("fine-one", "crash", "hang", "fine-two")
    )
    site.pages["/sitemap.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>".encode(),
    )
    db = tmp_path / "faulty.db"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "tests")}
    result = run_blogarchive(
        "crawl",
        site.url,
        "--db",
        str(db),
        *LOOPBACK,
        "-s",
        "BLOGARCHIVE_EXTRACT_FUNCTION=helpers.faulty_extractor.extract_or_fail",
        "-s",
        "BLOGARCHIVE_EXTRACT_WORKERS=2",
        "-s",
        "BLOGARCHIVE_EXTRACT_TIMEOUT=5",
        env=env,
    )
    assert "2 new" in result.stdout and "2 failed" in result.stdout, (
        result.stdout + result.stderr[-2000:]
    )
    conn = sqlite3.connect(db)
    stored = sorted(row[0] for row in conn.execute("SELECT url FROM posts"))
    failures = dict(
        conn.execute("SELECT url, error FROM failures WHERE stage = 'extract'").fetchall()
    )
    conn.close()
    assert stored == [site.url + "news/fine-one/", site.url + "news/fine-two/"]
    assert "worker died" in failures[site.url + "news/crash/"]
    assert "time limit" in failures[site.url + "news/hang/"]


ORPHAN_SCRIPT = """
import asyncio, sys, time
from pipeline.workers import ExtractionPool

async def main():
    pool = ExtractionPool(2)
    page = b"<html><body><article><h1>T</h1><p>" + b"words here " * 80 + b"</p></article></body></html>"
    await pool.extract(page, "https://demo.example/2024/01/p.html")
    print(" ".join(str(pid) for pid in pool._executor._processes), flush=True)
    time.sleep(600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone in all but name (it waits for its new parent to reap it)
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_of_a_crawler_killed_with_sigkill_exit_too() -> None:
    crawler = subprocess.Popen(
        [sys.executable, "-c", ORPHAN_SCRIPT],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        workers = [int(pid) for pid in crawler.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        crawler.kill()
        crawler.wait()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "orphaned extraction workers still running"


SCRIPT = """\
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from pipeline.spiders.blog import BlogSpider

settings = get_project_settings()
settings.set("BLOGARCHIVE_DB", {db!r})
settings.set("BLOGARCHIVE_EXTRACT_WORKERS", 2)
settings.set("AUTOTHROTTLE_ENABLED", False)
settings.set("DOWNLOAD_DELAY", 0)
settings.set("LOG_LEVEL", "WARNING")
settings.set("STATS_DUMP", False)
process = CrawlerProcess(settings)
process.crawl(BlogSpider, urls=[{url!r}])
process.start()
"""


def test_a_script_that_crawls_without_the_main_guard_gets_one_line_and_its_crawl(
    demo_blogs, tmp_path: Path
) -> None:
    """A user's script that runs the spider with `CrawlerProcess` at module level, without
    `if __name__ == "__main__":`. The extraction workers are started as multiprocessing's
    "spawn" starts processes, which imports the script again in each of them: before, each
    worker ran the script's crawl too, refused by the run lock with a page of tracebacks
    ("Unhandled error in Deferred", LockHeld) per worker. Now the crawl extracts in its own
    process, with one warning line naming the script's line and the cure."""
    db = tmp_path / "script.db"
    script = tmp_path / "my_crawl.py"
    script.write_text(SCRIPT.format(db=str(db), url=demo_blogs.blogger.url))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Unhandled error" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "__main__" in line]
    assert len(warnings) == 1, result.stderr[-3000:]
    assert f"{script}:14 starts a crawl when it is imported" in warnings[0]
    assert 'if __name__ == "__main__":' in warnings[0]
    assert rows_of(db) == [("ok", len(demo_blogs.blogger.site.posts))]  # one crawl, whole

    # under the guard: no warning, and the pages are extracted in worker processes
    guarded = tmp_path / "guarded.py"
    imports, crawl = SCRIPT.split("settings = get_project_settings()\n")
    crawl = "settings = get_project_settings()\n" + crawl
    crawl = crawl.format(db=str(tmp_path / "guarded.db"), url=demo_blogs.blogger.url)
    indented = "".join(f"    {line}\n" for line in crawl.splitlines())
    guarded.write_text(f'{imports}if __name__ == "__main__":\n{indented}')
    result = subprocess.run(
        [sys.executable, str(guarded)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""
    assert rows_of(tmp_path / "guarded.db") == [("ok", len(demo_blogs.blogger.site.posts))]


def rows_of(db: Path) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute("SELECT status, new FROM crawls").fetchall()
    finally:
        connection.close()
