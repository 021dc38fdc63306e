"""The served archive in a real browser: Debian's chromium driven by Playwright.

`blogarchive serve` (the real console script, in its own process) serves a copy of the demo
blogs' crawl on a free loopback port. A reader types a word into the search box, reads the
ranked and highlighted results, opens a post, narrows the posts with a facet, subscribes to a
search's Atom feed, and opens the post whose body carried a script, an onerror handler and a
javascript: link (in the copy, its stored HTML carries them again, as if the sanitiser on the
way in had missed them): nothing runs. Screenshots go to test-artifacts/ (git-ignored).

chromium is not optional: without /usr/bin/chromium these tests fail (CI installs it).
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import feedparser
import pytest

from conftest import ARTIFACTS, LOOPBACK, clutter_lines, rows, run_blogarchive, serve_archive

XSS_TITLE = "The embed that broke the page"
# Stored again in the copy's posts.html, as if they had slipped past the ingest sanitiser.
PAYLOADS = (
    "<script>alert('script ran')</script>"
    "<img src=x onerror=\"alert('onerror ran')\">"
    "<p>A <a href=\"javascript:alert('javascript link ran')\">payload link</a> here.</p>"
    "<svg onload=\"alert('svg ran')\"></svg>"
    "<iframe src=\"javascript:alert('iframe ran')\"></iframe>"
)


@pytest.fixture(scope="module")
def served(crawled_demo: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """`blogarchive serve` over a copy of the crawled demo archive, until the module ends."""
    assert crawled_demo["result"].returncode == 0, crawled_demo["result"].stderr[-2000:]
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    source = sqlite3.connect(crawled_demo["db"])
    target = sqlite3.connect(db)
    with target:
        source.backup(target)
        target.execute("update posts set html = html || ? where title = ?", [PAYLOADS, XSS_TITLE])
    source.close()
    target.close()
    with serve_archive(db) as base:
        yield {"base": base, "db": db, "name": db.stem}


class Watched:
    """A page with everything that would show a script ran: dialogs, errors, console errors."""

    def __init__(self, browser: Any):
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, (url, response)
        return response

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(chromium: Any) -> Iterator[Watched]:
    page = Watched(chromium)
    yield page
    page.close()


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def test_search_box_ranked_highlighted_results_and_the_post(served: dict, watched: Watched):
    page = watched.page
    watched.goto(served["base"] + "/")
    page.fill("input[name=q]", "telescope")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=telescope*")

    results = page.locator("li.archive-result")
    assert results.count() >= 2
    assert "best match first" in page.locator(".archive-result-count").inner_text()
    # Every result shows the word highlighted, in its title or its snippet.
    marks = page.locator("li.archive-result mark")
    assert marks.count() >= results.count()
    assert {m.lower() for m in marks.all_inner_texts()} <= {"telescope", "telescopes"}
    # The best match has the word in its title (title matches weigh most).
    first_title = results.first.locator("h2")
    assert "telescope" in first_title.inner_text().lower()
    assert first_title.locator("mark").count() >= 1
    _screenshot(page, "search.png")

    title = first_title.inner_text()
    first_title.locator("a").click()
    page.wait_for_selector("article.archive-post")
    assert page.locator("h1.archive-title").inner_text() == title
    labels = page.locator(".archive-tags a").all_inner_texts()
    assert labels, "the post's labels are shown"
    body = page.locator(".archive-body").inner_text()
    assert len(body.split()) > 40
    assert clutter_lines(body) == []
    # Comments are collapsed below the article, the record further down.
    assert page.locator("a.archive-original").get_attribute("href").startswith("http://127.0.0.1")
    _screenshot(page, "post.png")
    assert watched.dialogs == [] and watched.errors == []


def test_search_results_newest_first(served: dict, watched: Watched):
    page = watched.page
    watched.goto(f"{served['base']}/{served['name']}/search?q=telescope")
    best_first = page.locator("li.archive-result time").all_inner_texts()
    page.select_option("select[name=order]", "newest")
    page.click("input[type=submit]")
    page.wait_for_url("**order=newest*")
    assert "newest first" in page.locator(".archive-result-count").inner_text()
    dates = page.locator("li.archive-result time").all_inner_texts()
    assert sorted(dates) == sorted(best_first) and dates == sorted(dates, reverse=True)
    assert dates != best_first  # the demo's best telescope match is not its newest
    assert page.locator("select[name=order]").input_value() == "newest"
    assert watched.dialogs == [] and watched.errors == []


def test_a_facet_narrows_the_posts(served: dict, watched: Watched):
    page = watched.page
    watched.goto(f"{served['base']}/{served['name']}/posts")
    total = int(page.locator("h3").first.inner_text().split()[0].replace(",", ""))
    facet = page.locator("#facet-site li a").first
    site, count = (
        facet.inner_text(),
        int(facet.locator("xpath=..").inner_text().rsplit(" ", 1)[1].replace(",", "")),
    )
    facet.click()
    page.wait_for_url("**site=*")
    assert f'where site = "{site}"' in page.locator("h3").first.inner_text()
    assert int(page.locator("h3").first.inner_text().split()[0]) == count < total
    cells = page.locator("td.col-site").all_inner_texts()
    assert cells and set(cells) == {site}
    # The month facet is there too, and selecting a month filters on it.
    month = page.locator("#facet-published li a").first
    month_value = month.inner_text()
    month.click()
    page.wait_for_url("**published__startswith=*")
    dates = page.locator("td.col-published").all_inner_texts()
    assert dates and all(d.startswith(month_value) for d in dates)
    # The table page's scripts ran under the CSP (moved out of inline <script>).
    assert page.evaluate("window.DATASETTE_ALLOW_FACET") is True
    assert watched.errors == []


def test_atom_feed_of_a_search(served: dict, watched: Watched):
    page = watched.page
    watched.goto(f"{served['base']}/{served['name']}/search?q=bicycle")
    found = page.locator("li.archive-result h2").all_inner_texts()
    assert found
    href = page.locator("a.archive-feed").get_attribute("href")
    response = page.request.get(served["base"] + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.bozo_exception
    assert "bicycle" in feed.feed.title
    assert [entry.title for entry in feed.entries] == found
    entry = feed.entries[0]
    assert entry.link.startswith(f"{served['base']}/{served['name']}/posts/")
    assert entry.published_parsed and entry.updated_parsed and entry.summary
    # The entry's link opens the post in the archive.
    watched.goto(entry.link)
    assert page.locator("h1.archive-title").inner_text() == entry.title


def test_post_with_script_payloads_runs_nothing(served: dict, watched: Watched):
    page = watched.page
    watched.goto(f"{served['base']}/{served['name']}/search?q=embedmongery")
    page.locator("li.archive-result h2 a", has_text=XSS_TITLE).click()
    page.wait_for_selector("article.archive-post")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # give any handler a chance to fire
    # The payload link is still a link, to nowhere; clicking it runs nothing either.
    link = page.locator(".archive-body a", has_text="payload link")
    assert link.count() == 1 and link.get_attribute("href") is None
    link.click()
    page.wait_for_timeout(200)
    assert watched.dialogs == []
    assert watched.errors == []
    body = page.locator(".archive-body")
    text = body.inner_text()
    assert "the embedmongery is gone" in text
    assert "Nothing bad happened" in text
    html = body.inner_html()
    for marker in ("<script", "onerror", "onload", "javascript:", "<iframe", "<svg"):
        assert marker not in html.lower()
    assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    _screenshot(page, "post-with-payloads.png")


def test_every_kind_of_page_works_under_the_csp(served: dict, watched: Watched):
    page = watched.page
    name = served["name"]
    base = served["base"]
    pages = [
        "/",
        f"/{name}",
        f"/{name}/posts",
        f"/{name}/posts/1",
        f"/{name}/comments",
        f"/{name}/comments/1",
        f"/{name}/crawls",
        f"/{name}/failures",
        f"/{name}/search",
        f"/{name}/search_comments?q=telescope",
        f"/{name}/blogs",
        f"/{name}?sql=select+count(*)+from+posts",
        "/-/diff?post=1",
        "/-/versions",
    ]
    for path in pages:
        response = watched.goto(base + path)
        policy = response.headers.get("content-security-policy", "")
        assert (
            "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
        ), (path, policy)
    # The SQL editor (CodeMirror, started by a script moved out of the page) is there.
    watched.goto(f"{base}/{name}?sql=select+1")
    assert page.locator(".CodeMirror").count() == 1
    assert watched.errors == [] and watched.dialogs == []


# Stored past the ingest sanitiser (as in an archive written by another tool): the gaps a
# sanitiser is known for. The render-time sanitiser must leave none of them able to run.
SANITISER_GAPS = (
    "<a href=\"data:text/html,<script>alert('data link ran')</script>\">data link</a>"
    "<a href=\" jav&#x09;ascript:alert('entity link ran')\">entity link</a>"
    "<svg><script>alert('svg script ran')</script></svg>"
    "<math><mtext><table><mglyph><style><img src=x onerror=\"alert('mxss ran')\">"
    "</style></mglyph></table></mtext></math>"
    "<form action=\"javascript:alert('form ran')\"><button>send</button></form>"
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'refresh ran\')">'
    "<details open ontoggle=\"alert('ontoggle ran')\">details</details>"
    "<noscript><p title=\"</noscript><img src=x onerror=alert('noscript ran')>\"></noscript>"
    '<p id="kept">The words stay.</p>'
)
CAPTURED = {
    "text/html": b"<h1>Captured</h1><script>alert('capture ran')</script>"
    b"<img src=x onerror=\"alert('capture onerror ran')\">"
    b"<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "image/svg+xml": b"<svg xmlns='http://www.w3.org/2000/svg' onload=\"alert('svg capture ran')\">"
    b"<script>alert('svg capture script ran')</script></svg>",
    "application/xhtml+xml": b"<html xmlns='http://www.w3.org/1999/xhtml'><body>"
    b"<script>alert('xhtml capture ran')</script></body></html>",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """An archive whose post HTML carries SANITISER_GAPS and whose captures are CAPTURED."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from pipeline.store import Archive

    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "hostile.db"
    with Archive(db) as archive:
        post_id = archive.save_post(
            {"url": "https://evil.example/p.html", "title": "Gaps", "text": "The words stay."}
        ).post_id
        archive.db.execute("update posts set html = ? where id = ?", [SANITISER_GAPS, post_id])
        archive.db.conn.commit()
        captures = {}
        with open(folder / "hostile.warc.gz", "wb") as out:
            writer = WARCWriter(out, gzip=True)
            for i, (mime, body) in enumerate(CAPTURED.items()):
                offset = out.tell()
                http = StatusAndHeaders("200 OK", [("Content-Type", mime)], protocol="HTTP/1.1")
                writer.write_record(
                    writer.create_warc_record(
                        f"https://evil.example/{i}", "response", io.BytesIO(body), http_headers=http
                    )
                )
                captures[mime] = archive.record_capture(
                    url=f"https://evil.example/{i}",
                    warc_file="hostile.warc.gz",
                    offset=offset,
                    length=out.tell() - offset,
                    digest=None,
                    status=200,
                    mime=mime,
                    fetched_at="2024-01-01T00:00:00Z",
                )
    with serve_archive(db) as base:
        yield {"base": base, "post": f"/hostile/posts/{post_id}", "captures": captures}


def test_sanitiser_gaps_and_captured_pages_run_nothing(hostile: dict, watched: Watched):
    # Already safe when audited; kept so that it stays so.
    page = watched.page
    base = hostile["base"]
    watched.goto(base + hostile["post"])
    page.wait_for_timeout(300)
    body = page.locator(".archive-body")
    assert "The words stay." in body.inner_text()
    for link in body.locator("a").all():
        assert link.get_attribute("href") is None
        link.click()
    assert body.locator("svg, math, form, meta, script, [onerror], [ontoggle]").count() == 0
    for mime, capture_id in hostile["captures"].items():
        watched.goto(f"{base}/-/capture/{capture_id}")
        watched.goto(f"{base}/-/capture/{capture_id}/raw")
        page.wait_for_timeout(300)
        # a sandboxed document: an opaque origin, no access to the archive's cookies
        assert page.evaluate("self.origin") == "null", mime
        if mime == "image/svg+xml":  # not HTML: shown as text
            assert page.evaluate("document.contentType") == "text/plain", mime
    assert watched.dialogs == []


# ---------------------------------------------------------------- the archive as a researcher uses it

# Posts a researcher meets in a real archive besides the demo's: written into a copy of the
# crawled demo by pipeline.store.Archive, as a crawl would have stored them.
LONG_TITLE = "A title that " + "keeps on going past every sensible length " * 12 + "and ends"
RTL_TITLE = "أرشيف الرسائل القديمة في مكتبة المدينة"
ODD_POSTS = {
    "long-title": {"title": LONG_TITLE, "text": "A short body under a very long heading."},
    "untitled": {"title": "", "text": "A post that was published without any title at all."},
    "rtl": {
        "title": RTL_TITLE,
        "text": "هذه فقرة عن الرسائل القديمة والأرشيف.\nזו פסקה בעברית על ארכיון המכתבים.",
        "language": "ar",
    },
    "huge": {
        "title": "The keeper's logbook, every entry",
        "text": "\n".join(
            f"Entry {n}: the lamp was lit at dusk and the fog bell rang twice." for n in range(5000)
        ),
    },
}
CORRECTION = "A correction added later: the ferry left at noon, not at nine."


@pytest.fixture(scope="module")
def researched(crawled_demo: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """`blogarchive serve` over a copy of the crawled demo (with its WARC files) where one post
    was edited twice (three versions), one was found deleted, four odd posts were archived
    (a very long title, none, right-to-left text, 5,000 paragraphs) and a fetch failed."""
    import json
    import shutil

    from pipeline.store import Archive

    assert crawled_demo["result"].returncode == 0, crawled_demo["result"].stderr[-2000:]
    folder = tmp_path_factory.mktemp("researched")
    db = folder / "research.db"
    source = sqlite3.connect(crawled_demo["db"])
    target = sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    for warc in crawled_demo["db"].parent.glob("*warc*"):
        if warc.is_dir():
            shutil.copytree(warc, folder / warc.name)
    with Archive(db) as archive:
        conn = archive.db.conn
        conn.row_factory = sqlite3.Row
        edited, gone = conn.execute(
            "select * from posts where id in (select post_id from comments) order by id limit 2"
        ).fetchall()
        record = {key: edited[key] for key in ("url", "title", "author", "published", "text")}
        record["tags"] = json.loads(edited["tags"])
        archive.save_post(
            {**record, "text": record["text"] + "\n" + CORRECTION},
            source_id=edited["source_id"],
            seen_at="2030-01-02T00:00:00+00:00",
        )
        archive.save_post(
            {
                **record,
                "title": record["title"] + " (updated)",
                "text": record["text"] + "\n" + CORRECTION + "\nA second edit, a week on.",
            },
            source_id=edited["source_id"],
            seen_at="2030-01-09T00:00:00+00:00",
        )
        archive.mark_gone(gone["url"], "404 Not Found", seen_at="2030-02-03T04:05:06+00:00")
        odd = {}
        for slug, post in ODD_POSTS.items():
            odd[slug] = archive.save_post(
                {
                    "url": f"{edited['url'].rsplit('/', 1)[0]}/{slug}.html",
                    "author": "Odd Author",
                    "published": "2029-06-01T12:00:00+00:00",
                    **post,
                },
                source_id=edited["source_id"],
            ).post_id
        archive.record_failure(f"{edited['url']}?broken=1", "fetch", "HTTP 503 Service Unavailable")
        conn.row_factory = None
    with serve_archive(db) as base:
        yield {
            "base": base,
            "db": db,
            "name": db.stem,
            "edited": edited["id"],
            "gone": gone["id"],
            "odd": odd,
        }


LINK_CHECK_PAGES = 50  # pages opened in the browser at most (downloads besides)
DATA_SUFFIXES = (".json", ".csv", ".atom", ".db", "/raw")
NOT_FOLLOWED = ("/-/logout", "/-/login", "_export")


def _link_shape(url: str) -> tuple:
    """A page's kind: its path with numbers as N, and the names of its query's parameters
    (Datasette's own, which start with _, as one). The link checker opens one page of each
    kind: one sort of each table, each filter alone and one pair, each row page, one download
    of each page, but not every row of every table, nor every sort or pair of filters."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    names = sorted(
        {name if not name.startswith("_") else "_" for name, _ in parse_qsl(parts.query, True)}
    )
    if path.endswith(DATA_SUFFIXES):
        return path, bool(names)  # a download of each page is enough
    filters = [name for name in names if name != "_"]
    if len(filters) > 1 and not path.endswith("search"):
        names = [f"{len(filters)} filters"]  # one table page with two filters, not each pair
    return path, tuple(names)


def test_link_checker_every_page_a_reader_can_reach_answers(researched: dict, chromium: Any):
    # From the home page, every same-origin link and GET form (with its default values) is
    # followed, one page of each kind, breadth first: none answers 404 or 5xx or shows a
    # Python traceback, and no page logs a console error or a CSP violation. The captured
    # page inside /-/capture/N is the exception: it is sandboxed on purpose, and what it may
    # not load (its scripts, the original site's styles and images) is reported there.
    from urllib.parse import urldefrag, urlsplit

    base = researched["base"]
    watched = Watched(chromium)
    page = watched.page
    console: list[tuple[str, str]] = []
    page.on(
        "console",
        lambda message: (
            console.append((message.location.get("url", ""), message.text))
            if message.type == "error"
            else None
        ),
    )
    # the home page, and the posts planted in the archive (a reader finds them by searching)
    name = researched["name"]
    planted = [researched["edited"], researched["gone"], *researched["odd"].values()]
    queue = [(base + "/", "(start)")] + [(f"{base}/{name}/posts/{i}", "(planted)") for i in planted]
    kinds: set[tuple] = set()
    problems: list[str] = []
    opened = 0
    try:
        while queue and opened < LINK_CHECK_PAGES:
            url, found_on = queue.pop(0)
            kind = _link_shape(url)
            if kind in kinds and found_on != "(planted)":
                continue
            kinds.add(kind)
            path = urlsplit(url).path
            opened += not path.endswith(DATA_SUFFIXES)  # downloads cost little
            console.clear()
            if path.endswith(DATA_SUFFIXES):
                response = page.request.get(url)
                status = response.status
                body = response.body()[:200_000].decode("utf-8", "replace")
                html = False
            else:
                response = page.goto(url)
                status = response.status if response else 0
                body = page.content()
                html = True
            where = f"{url} (linked from {found_on})"
            if status != 200:
                problems.append(f"{status}: {where}")
            if "Traceback (most recent call last)" in body:
                problems.append(f"traceback: {where}")
            errors = [text for source, text in console if "/-/capture/" not in source]
            errors += [error for error in watched.errors if error.startswith("pageerror")]
            watched.errors.clear()
            problems += [f"console: {error} on {where}" for error in errors]
            if not html:
                continue
            links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            links += page.eval_on_selector_all(
                "form",
                """forms => forms
                    .filter(form => (form.getAttribute('method') || 'get').toLowerCase() == 'get')
                    .map(form => form.action + '?' + new URLSearchParams(new FormData(form)))""",
            )
            for link in links:
                link = urldefrag(link).url
                if link.startswith(base + "/") and not any(s in link for s in NOT_FOLLOWED):
                    if _link_shape(link) in kinds:
                        continue
                    if urlsplit(link).path.endswith(DATA_SUFFIXES):
                        queue.insert(0, (link, url))  # a download now: it costs little
                    else:
                        queue.append((link, url))
        assert watched.dialogs == []
    finally:
        watched.close()
    assert problems == []
    # it did go everywhere: the post, version, diff, capture, search, feed and export pages
    reached = {path for path, _ in kinds}
    for path in (
        f"/{name}/posts/N",
        f"/{name}/post_versions/N",
        "/-/diff",
        "/-/capture/N",
        "/-/capture/N/raw",
        f"/{name}/search",
        f"/{name}/search.atom",
        f"/{name}/search.csv",
        f"/{name}/posts.json",
        f"/{name}/failures",
    ):
        assert path in reached, (path, sorted(reached))


def test_a_researcher_follows_a_post_through_its_versions(researched: dict, watched: Watched):
    # Search, open the post, read its comments, its versions, the diff between two of them,
    # its capture, a deleted post; a version's permanent link still shows that version after
    # the post changes again. What the pages show is what the archive's rows hold.
    page = watched.page
    base, name, db = researched["base"], researched["name"], researched["db"]
    post = rows(db, "select * from posts where id = ?", (researched["edited"],))[0]
    versions = rows(
        db, "select * from post_versions where post_id = ? order by captured_at", (post["id"],)
    )
    comments = rows(db, "select * from comments where post_id = ?", (post["id"],))
    assert len(versions) == 3 and comments
    watched.goto(f"{base}/{name}/search?q=ferry")
    # the results download as CSV and JSON, the same posts in the same order
    shown = [
        link.split("/")[-1]
        for link in page.locator("li.archive-result h2 a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    csv_href, json_href = (
        page.locator("a.archive-export").nth(i).get_attribute("href") for i in (0, 1)
    )
    exported = page.request.get(base + csv_href if csv_href.startswith("/") else csv_href)
    assert exported.status == 200 and "ferry" in csv_href
    table = list(csv.DictReader(io.StringIO(exported.text())))
    assert [row["id"] for row in table] == shown
    exported = page.request.get(json_href if json_href.startswith("http") else base + json_href)
    assert [str(row[0]) for row in exported.json()["rows"]] == shown
    page.locator("li.archive-result h2 a", has_text=post["title"]).click()
    page.wait_for_selector("article.archive-post")
    assert page.locator("h1.archive-title").inner_text() == post["title"]
    assert CORRECTION in page.locator(".archive-body").inner_text()
    summary = page.locator(".archive-comments summary")
    assert summary.inner_text() == f"{len(comments)} comment{'s' if len(comments) != 1 else ''}"
    summary.click()  # the comments are folded away under the post until the reader opens them
    authors = page.locator(".archive-comment .archive-comment-author").all_inner_texts()
    assert sorted(authors) == sorted(c["author"] or "Anonymous" for c in comments)

    # every version is listed, oldest first, each with a permanent link of its own
    listed = page.locator(".archive-version-list li")
    assert listed.count() == len(versions)
    links = page.locator(".archive-version-list a.archive-version-link")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        f"/{name}/post_versions/{v['id']}" for v in versions
    ]
    permalink = page.locator("a.archive-permalink").get_attribute("href")
    assert permalink == f"/{name}/post_versions/{versions[-1]['id']}"

    # the first version reads as it was captured
    links.first.click()
    page.wait_for_selector("article.archive-version")
    assert page.locator("h1.archive-title").inner_text() == versions[0]["title"]
    assert CORRECTION not in page.locator(".archive-body").inner_text()
    assert "Version 1 of 3" in page.locator(".archive-version-note").inner_text()
    assert page.title().startswith(versions[0]["title"])

    # the diff from the second to the third version shows the lines added
    page.locator("a.archive-version-post").click()
    page.wait_for_selector("article.archive-post")
    page.locator(".archive-version-list a.archive-diff").last.click()
    page.wait_for_selector(".archive-diff-page")
    added = " ".join(page.locator("table.diff .diff_add").all_inner_texts())
    assert "second" in added and "(updated)" in added
    # and lists every version, each a permanent link
    assert page.locator(".archive-diff-page li a.archive-version-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    ) == [f"/{name}/post_versions/{v['id']}" for v in versions]

    # the capture the post was read from, and back
    assert watched.errors == []
    watched.goto(f"{base}/{name}/posts/{post['id']}")
    page.locator("a.archive-capture").click()
    page.wait_for_selector("h1")
    assert page.locator("td").first.inner_text() == post["url"]
    assert post["url"] in page.title()
    page.locator("a.capture-post").first.click()
    page.wait_for_selector("article.archive-post")
    assert page.url.endswith(f"/{name}/posts/{post['id']}")
    # (the captured page, sandboxed, reports the scripts and outside files it may not load)
    watched.errors.clear()

    # a deleted post says so, and when: on its page and among search results
    gone = rows(db, "select title, gone_at from posts where id = ?", (researched["gone"],))[0]
    watched.goto(f"{base}/{name}/posts/{researched['gone']}")
    assert gone["gone_at"][:10] in page.locator(".archive-gone").inner_text()
    watched.goto(f"{base}/{name}/search?q={quote_plus(gone['title'])}")
    result = page.locator("li.archive-result", has_text=gone["title"]).first
    assert result.locator(".archive-gone").inner_text() == (
        f"gone from the original site since {gone['gone_at'][:10]}"
    )
    assert page.locator("li.archive-result .archive-gone").count() == 1

    # the post changes again: its page shows the change, the permanent link does not
    from pipeline.store import Archive

    with Archive(db) as archive:
        saved = archive.save_post(
            {
                "url": post["url"],
                "title": post["title"],
                "text": post["text"] + "\nA third edit, long after.",
            },
            source_id=post["source_id"],
            seen_at="2030-03-01T00:00:00+00:00",  # after the fixture's edits
        )
    assert saved.outcome == "changed"
    watched.goto(base + permalink)
    assert page.locator("h1.archive-title").inner_text() == versions[-1]["title"]
    assert "third edit" not in page.locator(".archive-body").inner_text()
    watched.goto(f"{base}/{name}/posts/{post['id']}")
    page.reload()  # Datasette lets a browser keep a page 5 seconds (default_cache_ttl)
    assert "third edit" in page.locator(".archive-body").inner_text()
    assert page.locator("a.archive-permalink").get_attribute("href") != permalink
    assert watched.errors == [] and watched.dialogs == []


def _phone_pages(researched: dict) -> list[str]:
    name, odd = researched["name"], researched["odd"]
    edited = researched["edited"]
    version = rows(
        researched["db"], "select max(id) as id from post_versions where post_id = ?", (edited,)
    )[0]["id"]
    capture = rows(researched["db"], "select min(id) as id from captures")[0]["id"]
    return [
        "/",
        f"/{name}/search?q=keeper",
        f"/{name}/posts/{odd['long-title']}",
        f"/{name}/posts/{odd['rtl']}",
        f"/{name}/posts/{odd['untitled']}",
        f"/{name}/posts/{edited}",
        f"/{name}/post_versions/{version}",
        f"/-/diff?post={edited}",
        f"/-/capture/{capture}",
        f"/{name}/blogs",
        f"/{name}/posts",
        f"/{name}/failures",
    ]


def test_pages_fit_a_phone_screen(researched: dict, chromium: Any):
    # At 375 pixels nothing is wider than the screen (the page would scroll sideways and
    # hide its right edge), and the menu opens within it.
    context = chromium.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    wide = {}
    try:
        for path in _phone_pages(researched):
            response = page.goto(researched["base"] + path)
            assert response is not None and response.status == 200, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                wide[path] = width
        assert wide == {}
        page.goto(researched["base"] + "/")
        page.locator("details.nav-menu summary").tap()
        menu = page.locator(".nav-menu-inner a").first
        assert menu.is_visible()
        box = menu.bounding_box()
        assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 375
        _screenshot(page, "phone-home-menu.png")
    finally:
        context.close()


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
    .filter(field => !['hidden', 'submit', 'button'].includes(field.type)
        && field.getClientRects().length > 0
        && !(field.labels && field.labels.length)
        && !field.getAttribute('aria-label') && !field.getAttribute('aria-labelledby'))
    .map(field => field.outerHTML.slice(0, 120))"""


def test_forms_are_labelled_titles_say_what_the_page_is(researched: dict, watched: Watched):
    page = watched.page
    base, name = researched["base"], researched["name"]
    for path in [
        *_phone_pages(researched),
        f"/{name}/search_comments?q=telescope",
        f"/{name}?sql=select+1",
        f"/{name}/comments",
    ]:
        watched.goto(base + path)
        page.wait_for_load_state("load")  # the scripts that start the SQL editor
        assert page.evaluate(UNLABELLED) == [], path
        assert (
            page.evaluate(
                "Array.from(document.images).filter(i => !i.hasAttribute('alt')).map(i => i.src)"
            )
            == []
        ), path
        assert page.evaluate("document.documentElement.lang") == "en", path
        title = page.title()
        assert title, path
        if "sql=" not in path:  # a query's SQL is the title of its page, not of the others
            assert "select " not in title.lower(), (path, title)
    watched.goto(f"{base}/{name}/blogs")
    assert page.title().startswith("Blogs in the archive")
    # the search box is reached from the top of the home page with the Tab key
    watched.goto(base + "/")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type("lamp")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=lamp*")
    assert page.locator("li.archive-result").count() >= 1
    assert watched.errors == []


def test_right_to_left_posts_read_right_to_left(researched: dict, watched: Watched):
    # An Arabic post's title, text and search result run right to left (the paragraph's
    # first letter decides), the English pages around them left to right.
    page = watched.page
    base, name = researched["base"], researched["name"]
    direction = "element => getComputedStyle(element).direction"
    watched.goto(f"{base}/{name}/posts/{researched['odd']['rtl']}")
    assert page.locator("h1.archive-title").inner_text() == RTL_TITLE
    assert page.locator("h1.archive-title").evaluate(direction) == "rtl"
    assert page.locator(".archive-body").evaluate(direction) == "rtl"
    assert page.locator("footer.archive-post-footer").evaluate(direction) == "ltr"
    watched.goto(f"{base}/{name}/search?q=الرسائل")
    result = page.locator("li.archive-result h2", has_text=RTL_TITLE)
    assert result.evaluate(direction) == "rtl"
    assert page.locator("li.archive-result .archive-snippet").first.evaluate(direction) == "rtl"
    assert page.locator(".archive-result-count").evaluate(direction) == "ltr"
    assert watched.errors == []


def test_a_post_shows_its_archived_pictures_after_their_host_is_gone(
    picture_blog: Any, tmp_path: Any, watched: Watched
):
    """The pictures of a post come from the archive: with the blog and its image host
    stopped, the post page still shows them (and an archived SVG is not run)."""
    db = tmp_path / "pictures.db"
    result = run_blogarchive("crawl", picture_blog.blog.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr[-2000:]
    picture_blog.pictures.stop()
    picture_blog.blog.stop()
    ids = {r["url"]: r["id"] for r in rows(db, "select id, url from posts")}
    with serve_archive(db) as base:
        page = watched.page
        watched.goto(f"{base}/{db.stem}/posts/{ids[picture_blog.post_url('kestrel')]}")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.archive-body img')].every(i => i.complete)"
        )
        shown = page.locator(".archive-body img").evaluate_all(
            "images => images.map(i => [i.getAttribute('src'), i.naturalWidth, i.naturalHeight])"
        )
        assert [(w, h) for _, w, h in shown] == [(40, 30), (24, 16)], shown
        assert all(src.startswith("/-/picture/") for src, _, _ in shown), shown
        _screenshot(page, "post-pictures.png")
        watched.goto(f"{base}/{db.stem}/posts/{ids[picture_blog.post_url('wren')]}")
        page.wait_for_load_state("load")
        assert watched.dialogs == []
