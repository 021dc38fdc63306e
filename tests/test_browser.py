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

import sqlite3
from collections.abc import Iterator
from typing import Any

import feedparser
import pytest

from conftest import ARTIFACTS, clutter_lines, serve_archive

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
    import io

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
