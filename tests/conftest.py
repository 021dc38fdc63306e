"""Shared fixtures: loopback blog servers, a temporary archive, and the real command line."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BLOGARCHIVE = str(Path(sys.executable).with_name("blogarchive"))
# Loopback servers answer at once: lift the politeness meant for real blogs.
LOOPBACK = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
# Debian's chromium, driven by Playwright in the browser tests; not optional (CI installs it).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"  # screenshots (git-ignored)
CLUTTER = [
    "Get link",
    "Facebook",
    "X",
    "Pinterest",
    "Email",
    "Other Apps",
    "Comments",
    "Post a Comment",
    "Newer Post",
    "Older Post",
    "Home",
    "Powered by Blogger",
    "Popular Posts",
    "Blog Archive",
    "Labels",
    "Share this:",
    "Like this:",
    "Like",
    "Loading...",
    "Related",
    "Leave a Reply",
    "View my complete profile",
    "Reply",
    "Delete",
]


WARCIO = str(Path(sys.executable).with_name("warcio"))


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    """warcio's own command line (`check`, `index`), as a user validates WARC files."""
    return subprocess.run([WARCIO, *args], capture_output=True, text=True, timeout=120)


def warc_index(files: list[Path]) -> list[dict[str, str]]:
    result = warcio(
        "index", "-f", "warc-type,warc-target-uri,offset,length,http:status", *map(str, files)
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def check_captures(db: Path, files: list[Path]) -> list[dict]:
    """What a user checks of an archive's captures: the WARC files pass `warcio check`, every
    `captures` row is a record `warcio index` lists (same URL, offset, length, status), and
    every post version links to a capture holding its page (directly, or through the revisit
    record's original). Returns the captures."""
    from pipeline.warc import read_record

    check = warcio("check", "-v", *map(str, files))
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr
    captures = rows(db, "SELECT * FROM captures ORDER BY id")
    index = {
        (r["warc-target-uri"], int(r["offset"]), int(r["length"])): r
        for r in warc_index(files)
        if r["warc-type"] in ("response", "revisit")
    }
    assert len(index) == len(captures)
    names = {f"warc/{path.name}" for path in files}
    for capture in captures:
        key = (capture["url"], capture["offset"], capture["length"])
        assert key in index, f"capture {capture['id']} not in warcio index"
        assert int(index[key]["http:status"]) == capture["status"]
        assert capture["warc_file"] in names
    versions = rows(
        db,
        "SELECT posts.url, post_versions.capture_id FROM post_versions "
        "JOIN posts ON posts.id = post_versions.post_id",
    )
    assert versions and all(v["capture_id"] for v in versions)
    by_id = {c["id"]: c for c in captures}
    for version in versions:
        capture = by_id[version["capture_id"]]
        if capture["record_type"] == "revisit":
            # the page was captured before and came back the same (say the run that captured
            # it was killed before it stored the post): its payload is the original's
            capture = by_id[capture["refers_to"]]
        assert capture["status"] == 200 and capture["mime"] == "text/html"
        record = read_record(db.parent / capture["warc_file"], capture["offset"], capture["length"])
        assert record.url == capture["url"] and b"</html>" in record.payload.lower()
    return captures


def rows(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    """Rows of a query on an archive file, as dicts (a fresh connection, as a user's would be)."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def clutter_lines(text: str) -> list[str]:
    """Lines of `text` that are exactly a clutter string (the share menu, comment form...)."""
    wanted = {c.lower() for c in CLUTTER}
    return [line for line in text.splitlines() if line.strip().lower() in wanted]


@pytest.fixture(scope="session")
def demo_blogs() -> Iterator[Any]:
    """The bundled demo blogs on free loopback ports, shared by tests that only read them."""
    from pipeline.demo.server import start_demo_blogs

    with start_demo_blogs() as blogs:
        yield blogs


@pytest.fixture
def fresh_demo_blogs() -> Iterator[Any]:
    """Demo blogs of the test's own, for tests that edit or delete posts."""
    from pipeline.demo.server import start_demo_blogs

    with start_demo_blogs() as blogs:
        yield blogs


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def run_blogarchive(
    *args: str, cwd: Path | None = None, timeout: int = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed `blogarchive` command as a user would, in its own process."""
    return subprocess.run(
        [BLOGARCHIVE, *args],
        cwd=cwd or PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else os.environ.copy(),
    )


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_archive(db: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`blogarchive serve --db DB --port PORT *ARGS` in its own process on a free loopback port.

    Yields the base URL once `/` gives any HTTP answer (with --auth that is a redirect to the
    login page); fails the test with the server's log if it exits or does not answer within
    60 s. `env` is added to this process's environment.
    """
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [BLOGARCHIVE, "serve", "--db", str(db), "--port", str(port), *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/", timeout=1)
                    break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"blogarchive serve did not start:\n{log.read()[-3000:]}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium launched by Playwright; the test fails (not skips) without it.

    Module-scoped, not session-scoped: while Playwright's sync API is open the thread has a
    running event loop, and `asyncio.run()` in other modules' tests would refuse to start.
    """
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def crawled_demo(demo_blogs: Any, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both demo blogs crawled once into a temporary archive through the real CLI."""
    db = tmp_path_factory.mktemp("crawled") / "demo.db"
    result = run_blogarchive(
        "crawl", demo_blogs.blogger.url, demo_blogs.wordpress.url, "--db", str(db), *LOOPBACK
    )
    return {"db": db, "result": result, "blogs": demo_blogs}


class StaticSite:
    """A loopback HTTP server answering from a dict: path -> (status, headers, body).

    Tests build small sites with it: a page that is not a blog, a blog with no feed,
    a page trafilatura cannot read.
    """

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], bytes]]):
        self.pages = pages
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                status, headers, body = site.pages.get(
                    self.path, (404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def html_page(body: str, title: str = "Page") -> tuple[int, dict[str, str], bytes]:
    return (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title></head>"
        f"<body>{body}</body></html>".encode(),
    )


@pytest.fixture
def static_site() -> Iterator[Callable[[dict], StaticSite]]:
    sites: list[StaticSite] = []

    def make(pages: dict) -> StaticSite:
        site = StaticSite(pages)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.stop()


def datasette_command(
    files: list[Path], *, settings: dict[str, Any] | None = None, template_dir: bool = True
) -> Any:
    """The Datasette that a Datasette user's own command line builds around archive/:

        datasette serve FILE ... --metadata archive/metadata.yml \\
            --plugins-dir archive/plugins --template-dir archive/templates

    (no ``--static``, no archive/settings.json, no `blogarchive serve` options), in-process;
    without ``--template-dir`` unless `template_dir`.
    """
    from datasette.app import Datasette
    from datasette.utils import parse_metadata

    archive = PROJECT_ROOT / "archive"
    return Datasette(
        [str(path) for path in files],
        metadata=parse_metadata((archive / "metadata.yml").read_text(encoding="utf-8")),
        plugins_dir=str(archive / "plugins"),
        template_dir=str(archive / "templates") if template_dir else None,
        settings=settings or {},
    )


class PictureBlog:
    """A small blog (an RSS feed and three posts) whose posts show pictures kept on an image
    host of its own (a second loopback server): `kestrel.png` in one post, `estuary-map.png`
    shared by two, in the second post a picture that is gone (404) and one that answers with
    a web page, in the third a drawing (SVG, with a script in it). A theme picture (the sidebar's) is on every page, outside the article."""

    POSTS = {
        "kestrel": (
            "The kestrel on the gasholder",
            "Every morning this week a kestrel has hung over the old gasholder frame.",
            ["kestrel.png", "estuary-map.png"],
        ),
        "heron": (
            "A heron in the tidal pool",
            "At low water a grey heron stands in the pool below the sluice gate.",
            ["estuary-map.png", "gone.png", "a-page.png"],
        ),
        "wren": (
            "Wren song at the allotments",
            "A wren sang from the compost heap for the whole of the afternoon.",
            ["wren-song.svg"],
        ),
    }

    SVG = (
        b"<svg xmlns='http://www.w3.org/2000/svg' width='20' height='10'>"
        b"<script>alert('svg ran')</script><rect width='20' height='10'/></svg>"
    )

    def __init__(self, make_site: Callable[[dict], StaticSite]):
        from pipeline.demo.server import tiny_png

        self.kestrel = tiny_png(40, 30, (176, 120, 64))
        self.estuary_map = tiny_png(24, 16, (64, 120, 176))
        self.pictures = make_site(
            {
                "/kestrel.png": (200, {"Content-Type": "image/png"}, self.kestrel),
                "/estuary-map.png": (200, {"Content-Type": "image/png"}, self.estuary_map),
                "/a-page.png": html_page("<p>Hotlinking is not allowed.</p>", "Refused"),
                "/sidebar.png": (200, {"Content-Type": "image/png"}, tiny_png()),
                "/wren-song.svg": (200, {"Content-Type": "image/svg+xml"}, self.SVG),
            }
        )
        self.blog = make_site({})
        for slug, (title, sentence, pictures) in self.POSTS.items():
            self.blog.pages[f"/notes/{slug}/"] = self.post_page(title, sentence, pictures)
        items = "".join(
            f"<item><title>{title}</title><link>{self.post_url(slug)}</link>"
            f"<pubDate>Mon, 0{n} Sep 2025 08:00:00 +0000</pubDate></item>"
            for n, (slug, (title, _, _)) in enumerate(self.POSTS.items(), 1)
        )
        self.blog.pages["/feed.xml"] = (
            200,
            {"Content-Type": "application/rss+xml"},
            f"<?xml version='1.0'?><rss version='2.0'><channel><title>Estuary notes</title>"
            f"{items}</channel></rss>".encode(),
        )
        self.blog.pages["/"] = html_page(
            "<h1>Estuary notes</h1><link rel='alternate' type='application/rss+xml' "
            "href='/feed.xml'>",
            "Estuary notes",
        )

    def picture_url(self, name: str) -> str:
        return self.pictures.url + name

    def post_url(self, slug: str) -> str:
        return f"{self.blog.url}notes/{slug}/"

    def post_page(self, title: str, sentence: str, pictures: list[str]) -> tuple:
        figures = "".join(
            f"<p>{sentence} Seen from the sea wall, picture {n}.</p>"
            f"<figure><img src='{self.picture_url(name)}' alt='{name}'>"
            f"<figcaption>Photograph {n} of the walk.</figcaption></figure>"
            for n, name in enumerate(pictures, 1)
        )
        return (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            (
                f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
                "<meta property='og:type' content='article'>"
                "<link rel='alternate' type='application/rss+xml' href='/feed.xml'></head><body>"
                f"<aside><img src='{self.picture_url('sidebar.png')}' alt='the author'></aside>"
                f"<article><h1>{title}</h1><p>{sentence}</p>{figures}"
                f"<p>{sentence} The tide turned at noon and we walked home.</p>"
                f"<p>{sentence} Next week the count starts again at dawn.</p></article>"
                "</body></html>"
            ).encode(),
        )


@pytest.fixture
def picture_blog(static_site: Callable[[dict], StaticSite]) -> PictureBlog:
    return PictureBlog(static_site)


def instant_of(published: str | None) -> str | None:
    """The UTC instant a test expects for a stored date (README, "Dates and times"): a time
    with its zone is that instant, one without is taken as UTC, a day is its midnight and a
    month its first day's, in UTC."""
    if published is None:
        return None
    moment = datetime.fromisoformat(published + ("-01" if len(published) == 7 else ""))
    moment = moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    return moment.replace(microsecond=0).isoformat()
