"""Datasette serving the archive: metadata, search, facets, sorts and the post page.

Real Datasette (through `Datasette.client`) over a real temporary archive written with
`pipeline.store.Archive`. The client is async; `Site` runs its requests on one event loop.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import yaml
from datasette.app import Datasette
from datasette.tracer import capture_traces

from conftest import datasette_command, instant_of
from pipeline.serving import ARCHIVE_DIR, ServingConfigError, make_datasette, serve_command_args
from pipeline.store import RANKED_MATCHES, Archive

WREN = "https://wrenfield.example/"
COG = "https://cogandchain.example/"

COPPICE = {
    "url": "https://wrenfield.example/2023/01/coppicing-the-hazel.html",
    "title": "Coppicing the hazel",
    "author": "Nell Wren",
    "published": "2023-01-15T08:00:00+00:00",
    "updated": "2023-02-01T18:30:00+00:00",
    "tags": ["woodland", "winter work"],
    "language": "en",
    "text": "We cut the hazel stools back to the ground in January.\n"
    "The poles become bean rows and hurdles by spring.",
    "html": "<p>We cut the hazel stools back to the ground in January.</p>"
    '<p>The poles become <a href="https://wrenfield.example/bean-rows">bean rows</a>'
    " and hurdles by spring.</p>",
    "comments": [
        {
            "author": "Idris",
            "published": "2023-01-16T07:00:00+00:00",
            "text": "We used the brash for a dead hedge along the lane.",
            "comment_key": "c1",
        },
        {
            "author": "Nell Wren",
            "published": "2023-01-16T09:00:00+00:00",
            "text": "Good idea, the wrens will love it.",
            "comment_key": "c2",
            "parent": "c1",
        },
    ],
}

# Its html carries payloads as if they had slipped past the sanitiser on the way in.
SEED_SWAP = {
    "url": "https://wrenfield.example/2024/04/seed-swap.html",
    "title": "Seed swap at the village hall",
    "author": "Nell Wren",
    "published": "2024-04-03T10:00:00+00:00",
    "tags": ["gardening"],
    "text": "Bring envelopes of saved seed to swap.\nRead the borrowing rules first.",
    "html": "<p>Bring envelopes of saved seed to swap.</p>"
    "<script>alert(1)</script>"
    "<img src=x onerror=alert(2)>"
    '<p>Read the <a href="javascript:alert(3)">borrowing rules</a> first.</p>',
}

CHAIN = {
    "url": "https://cogandchain.example/posts/chain-wear",
    "title": "Measuring chain wear",
    "author": "Priya Cog",
    "published": "2024-09-09T12:00:00+00:00",
    "tags": ["cycling", "winter work"],
    "text": "A stretched chain grinds the cassette.\nMeasure it every thousand miles.",
    "html": "",
}


def build_archive(path: Path) -> dict[str, int]:
    """A small archive: two blogs, three posts, two comments, two crawls, two failures."""
    with Archive(path) as archive:
        wren = archive.add_source(WREN, platform="blogger", title="Wrenfield")
        cog = archive.add_source(COG, platform="wordpress")
        ids = {
            "coppice": archive.save_post(COPPICE, source_id=wren).post_id,
            "seed_swap": archive.save_post(SEED_SWAP, source_id=wren).post_id,
            "chain": archive.save_post(CHAIN, source_id=cog).post_id,
        }
        for source_id in (wren, cog):
            crawl = archive.start_crawl(source_id)
            archive.finish_crawl(crawl, status="ok", requests=3, found=2, new=2)
        archive.record_failure(WREN + "broken", "fetch", "HTTP 500", source_id=wren)
        archive.record_failure(COG + "gone", "fetch", "HTTP 404", source_id=cog)
    return ids


class Site:
    """Synchronous requests to one Datasette, all on one event loop."""

    def __init__(self, ds: Datasette, name: str):
        self.ds = ds
        self.name = name
        self._runner = asyncio.Runner()

    def get(self, path: str) -> httpx.Response:
        return self._runner.run(self.ds.client.get(path))

    def ok(self, path: str) -> httpx.Response:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    def json(self, path: str) -> Any:
        return self.ok(path).json()

    def close(self) -> None:
        self._runner.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("served") / "archive.db"
    return path, build_archive(path)


@pytest.fixture(scope="module")
def site(built: tuple[Path, dict[str, int]]) -> Iterator[Site]:
    path, _ = built
    served = Site(make_datasette(path), "archive")
    yield served
    served.close()


@pytest.fixture(scope="module")
def ids(built: tuple[Path, dict[str, int]]) -> dict[str, int]:
    return built[1]


def titles(rows: list[dict]) -> list[str]:
    return [row["title"] for row in rows]


# ---------------------------------------------------------------- instance and metadata


def test_index_and_database_pages_carry_the_metadata(site: Site) -> None:
    index = site.ok("/").text
    assert "<h1>Blog archive</h1>" in index
    assert "copyright of their authors" in index  # the license note
    assert "Blogs crawled with blogarchive" in index  # the source

    database = site.ok("/archive").text
    assert "<h1>Blog archive</h1>" in database
    assert "copyright of their authors" in database
    assert 'href="/archive/posts"' in database
    # Bookkeeping and full-text shadow tables are hidden from the listing.
    assert 'href="/archive/_migrations"' not in database
    assert 'href="/archive/posts_fts"' not in database


def test_served_mutable_with_the_archive_settings(site: Site) -> None:
    db = site.ds.get_database("archive")
    assert db.is_mutable  # never immutable: the crawler writes while Datasette serves
    assert site.ds.setting("sql_time_limit_ms") == 2000
    assert site.ds.setting("max_returned_rows") == 1000
    assert site.json("/archive/posts.json")["query"]["sql"].endswith("limit 51")  # size 50
    queries = site.json("/archive.json").get("queries") or []
    assert not [q for q in queries if q.get("write")]
    assert site.ok("/static/archive.css").text.startswith("/*")


def test_new_rows_written_while_serving_are_visible(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    with Archive(path) as archive:
        archive.add_source(WREN)
    served = Site(make_datasette(path), "live")
    try:
        assert served.json("/live/posts.json?_shape=array") == []
        with Archive(path) as archive:  # as the cron crawl would
            archive.save_post(CHAIN)
        assert titles(served.json("/live/posts.json?_shape=array")) == ["Measuring chain wear"]
    finally:
        served.close()


# ---------------------------------------------------------------- search, facets, sorts


def test_search_finds_posts_by_their_words(site: Site, ids: dict[str, int]) -> None:
    found = site.json("/archive/posts.json?_search=hurdles&_shape=array")
    assert titles(found) == ["Coppicing the hazel"]
    # Stemmed (porter) and across title, author and labels.
    assert titles(site.json("/archive/posts.json?_search=measure&_shape=array")) == [
        "Measuring chain wear"
    ]
    by_author = site.json("/archive/posts.json?_search=Priya&_shape=array")
    assert titles(by_author) == ["Measuring chain wear"]
    by_label = titles(site.json("/archive/posts.json?_search=woodland&_shape=array"))
    assert by_label == ["Coppicing the hazel"]


def test_comment_words_are_found_in_comments_not_in_posts(site: Site, ids: dict) -> None:
    assert site.json("/archive/posts.json?_search=brash&_shape=array") == []
    comments = site.json("/archive/comments.json?_search=brash&_shape=array")
    assert [(c["author"], c["post_id"]) for c in comments] == [("Idris", ids["coppice"])]


def test_a_column_the_comments_index_lacks_searches_the_whole_comment(
    site: Site, ids: dict
) -> None:
    """Before, the comments table's search answered `title:brash` (a column of the posts'
    index, not of the comments') with 400 "no such column: title", an SQL error, and the
    search page looked for the words "title brash" side by side. Both now search the whole
    comment for brash, and the table page says why."""
    idris = [("Idris", ids["coppice"])]
    for query in ("title:brash", "tags:brash", "-title:wrens brash", "TITLE:brash"):
        found = site.json(f"/archive/comments.json?_shape=array&_search={quote(query)}")
        assert [(c["author"], c["post_id"]) for c in found] == idris, query
    column = site.json("/archive/comments.json?_shape=array&_search_text=title%3Abrash")
    assert [c["author"] for c in column] == ["Idris"]
    page = site.ok("/archive/comments?_search=title%3Abrash").text
    assert "no such column" not in page
    assert "comments_fts has no title column, so every column (author, text) was searched" in page
    searched = site.ok("/archive/search_comments?q=title%3Abrash").text
    assert "Idris" in searched and "Nothing found" not in searched
    # the comments' own columns still narrow a search, and the posts' title: still works
    by_author = site.json("/archive/comments.json?_shape=array&_search=author%3Aidris")
    assert [c["author"] for c in by_author] == ["Idris"]
    assert site.json("/archive/comments.json?_shape=array&_search=author%3Abrash") == []
    in_title = site.json("/archive/posts.json?_shape=array&_search=title%3Ahazel")
    assert titles(in_title) == ["Coppicing the hazel"]
    assert site.json("/archive/posts.json?_shape=array&_search=title%3Ahurdles") == []
    plain = site.ok("/archive/posts?_search=title%3Ahazel").text
    assert "has no title column" not in plain


def test_configured_facets(site: Site) -> None:
    data = site.json("/archive/posts.json")
    facets = data["facet_results"]
    assert set(facets) >= {"site", "author", "tags", "year"}

    def counts(name: str) -> dict:
        return {r["value"]: r["count"] for r in facets[name]["results"]}

    assert counts("site") == {"wrenfield.example": 2, "cogandchain.example": 1}
    assert counts("author") == {"Nell Wren": 2, "Priya Cog": 1}
    assert facets["tags"]["type"] == "labels"
    # no facet suggestions: each is a query per column on every page of a big table
    assert data["suggested_facets"] == []
    assert counts("tags") == {"winter work": 2, "woodland": 1, "gardening": 1, "cycling": 1}
    assert counts("year") == {2024: 2, 2023: 1}

    # Selecting a label (the post page's tag links use the same filter).
    winter = site.json("/archive/posts.json?tags__arraycontains=winter+work&_shape=array")
    assert titles(winter) == ["Measuring chain wear", "Coppicing the hazel"]


def test_our_facets_asked_for_again_in_the_url_are_shown_once(site: Site) -> None:
    data = site.json("/archive/posts.json?_facet_labels=tags&_facet_month=published")
    names = [name for name in data["facet_results"] if name.startswith(("tags", "published"))]
    assert sorted(names) == ["published", "tags"]
    counts = {r["value"]: r["count"] for r in data["facet_results"]["tags"]["results"]}
    assert counts == {"winter work": 2, "woodland": 1, "gardening": 1, "cycling": 1}


def test_label_facet_counts_labels_and_survives_hand_edited_rows(tmp_path: Path) -> None:
    # The label facet counts each post once per label, and a choice narrows the posts. A
    # tags value edited by hand into something other than an array of strings (not JSON, a
    # number among the labels) must not take the facet, or the page, down with it.
    path = tmp_path / "archive.db"
    build_archive(path)
    with Archive(path) as archive:
        source = archive.add_source("https://hedgerow.example/", platform="generic")
        for n, tags in enumerate([["woodland"], ["woodland", "ponds"], []]):
            post = {**CHAIN, "url": f"https://hedgerow.example/{n}", "title": f"Hedge {n}"}
            archive.save_post({**post, "tags": tags}, source_id=source)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE posts SET tags = 'woodland, ponds' WHERE url LIKE '%/0'")
        db.execute("""UPDATE posts SET tags = '["ponds", 7, null]' WHERE url LIKE '%/2'""")
    site = Site(make_datasette(path), "archive")
    try:
        data = site.json("/archive/posts.json")
        labels = data["facet_results"]["tags"]
        assert labels["type"] == "labels"
        counts = {r["value"]: r["count"] for r in labels["results"]}
        assert counts == {
            "woodland": 2,  # Coppicing the hazel, Hedge 1
            "ponds": 2,  # Hedge 1, Hedge 2
            "winter work": 2,
            "gardening": 1,
            "cycling": 1,
        }
        assert site.ok("/archive/posts").status_code == 200
        # Datasette's own label filter (arraycontains) reads every row's tags as JSON: it
        # fails on the row that is not JSON, which `blogarchive verify` reports (test_verify)
        with sqlite3.connect(path) as db:
            db.execute("""UPDATE posts SET tags = '["woodland"]' WHERE url LIKE '%/0'""")
        ponds = next(r for r in labels["results"] if r["value"] == "ponds")
        toggle = urlsplit(ponds["toggle_url"])
        assert toggle.path == "/archive/posts.json" and toggle.query == "tags__arraycontains=ponds"
        chosen = site.json(f"/archive/posts.json?{toggle.query}&_shape=objects")
        assert sorted(titles(chosen["rows"])) == ["Hedge 1", "Hedge 2"]
        selected = {r["value"]: r for r in chosen["facet_results"]["tags"]["results"]}
        assert selected["ponds"]["selected"] and selected["ponds"]["count"] == 2
        assert "tags__arraycontains=ponds" not in selected["ponds"]["toggle_url"]
    finally:
        site.close()


def test_default_sort_orders(site: Site) -> None:
    posts = site.json("/archive/posts.json")
    assert posts["human_description_en"] == "sorted by published_utc descending"
    assert [row[posts["columns"].index("title")] for row in posts["rows"]] == [
        "Measuring chain wear",
        "Seed swap at the village hall",
        "Coppicing the hazel",
    ]
    crawls = site.json("/archive/crawls.json")
    assert crawls["human_description_en"] == "sorted by id descending"
    assert [row[0] for row in crawls["rows"]] == [2, 1]
    failures = site.json("/archive/failures.json")
    assert failures["human_description_en"] == "sorted by when descending"
    assert failures["query"]["sql"].endswith("order by [when] desc limit 51")


def test_table_view_does_not_show_the_stored_html(site: Site) -> None:
    page = site.ok("/archive/posts").text
    assert "characters of HTML" in page
    assert "onerror" not in page
    assert "&lt;script" not in page


# ---------------------------------------------------------------- the post page


def test_post_page_reads_like_the_article(site: Site, ids: dict[str, int]) -> None:
    page = site.ok(f"/archive/posts/{ids['coppice']}").text
    assert "<title>Coppicing the hazel · wrenfield.example</title>" in page
    assert re.search(r"<h1[^>]*>Coppicing the hazel</h1>", page)
    assert re.search(r"By <a[^>]*>Nell Wren</a>", page)  # byline
    assert ">2023-01-15</time>" in page  # published
    assert ">2023-02-01</time>" in page  # updated, a different day
    # Labels link to the label facet.
    assert 'href="/archive/posts?tags__arraycontains=woodland">woodland</a>' in page
    assert 'href="/archive/posts?tags__arraycontains=winter+work">winter work</a>' in page
    # The body, as HTML, with its ordinary link kept.
    assert "<p>We cut the hazel stools back to the ground in January.</p>" in page
    assert re.search(r'<a href="https://wrenfield.example/bean-rows"[^>]*>bean rows</a>', page)
    # A link to the original.
    assert re.search(rf'<a class="archive-original" href="{re.escape(COPPICE["url"])}"', page)
    # Its comments, below, with their authors.
    assert "2 comments" in page
    assert "We used the brash for a dead hedge along the lane." in page
    assert "Good idea, the wrens will love it." in page
    assert page.index("Coppicing the hazel</h1>") < page.index("dead hedge")
    # The default record is still there, below.
    assert "<h2>Record</h2>" in page
    assert page.index("dead hedge") < page.index("<h2>Record</h2>")
    assert 'data-column="content_hash"' in page


def test_post_page_sanitises_the_body_again_at_render_time(site: Site, ids: dict[str, int]) -> None:
    # The stored HTML really does carry the payloads...
    stored = site.json(f"/archive/posts/{ids['seed_swap']}.json?_shape=array")[0]["html"]
    assert "<script>alert(1)</script>" in stored and "onerror" in stored

    # ...and none of them reaches the page, while the text and the link text do.
    page = site.ok(f"/archive/posts/{ids['seed_swap']}").text
    assert "<script>alert" not in page
    assert "alert(1)" not in page
    assert "onerror" not in page
    assert "javascript:" not in page
    assert "Bring envelopes of saved seed to swap." in page
    assert "borrowing rules</a>" in page


def test_post_without_html_or_comments(site: Site, ids: dict[str, int]) -> None:
    page = site.ok(f"/archive/posts/{ids['chain']}").text
    assert "<p>A stretched chain grinds the cassette.</p>" in page  # text, as paragraphs
    assert "No comments" in page
    assert "Updated" not in page


def test_other_row_pages_are_datasettes_own(site: Site) -> None:
    page = site.ok("/archive/comments/1").text
    assert "archive-post" not in page
    assert re.search(r"<h1[^>]*>comments: 1</h1>", page)


# ---------------------------------------------------------------- any database name


def test_configuration_does_not_depend_on_the_database_name(tmp_path: Path) -> None:
    for name in ("demo", "mirror_2"):
        path = tmp_path / f"{name}.db"
        ids = build_archive(path)
        served = Site(make_datasette(path), name)
        try:
            posts = served.json(f"/{name}/posts.json")
            assert posts["human_description_en"] == "sorted by published_utc descending"
            assert set(posts["facet_results"]) >= {"site", "author", "tags", "year"}
            hits = served.json(f"/{name}/posts.json?_search=hurdles&_shape=array")
            assert titles(hits) == ["Coppicing the hazel"]
            crawls = served.json(f"/{name}/crawls.json")
            assert crawls["human_description_en"] == "sorted by id descending"
            page = served.ok(f"/{name}/posts/{ids['coppice']}").text
            assert f'href="/{name}/posts?tags__arraycontains=woodland"' in page
            assert "dead hedge" in page
            assert "<h1>Blog archive</h1>" in served.ok(f"/{name}").text
        finally:
            served.close()


def test_only_the_given_file_is_served(tmp_path: Path) -> None:
    # archive/ is not handed to Datasette as a configuration directory (which would also
    # serve every *.db in it): one file in, one database out.
    path = tmp_path / "only.db"
    build_archive(path)
    ds = make_datasette(path)
    assert [name for name, db in ds.databases.items() if not db.is_memory] == ["only"]


def test_plain_datasettes_in_the_same_process_are_untouched(
    site: Site, built: tuple[Path, dict[str, int]]
) -> None:
    # Datasette registers --plugins-dir plugins for the whole process; ours only act on a
    # Datasette configured with archive/metadata.yml.
    assert site.ok("/archive").status_code == 200  # our plugin is loaded by now
    plain = Site(Datasette([str(built[0])]), "archive")
    try:
        posts = plain.json("/archive/posts.json")
        assert posts["human_description_en"] == ""
        assert "characters of HTML" not in plain.ok("/archive/posts").text
    finally:
        plain.close()


def _add_capture(path: Path, capture_id: int, url: str) -> int:
    """A real WARC capture of `url` (an HTML page), recorded as capture `capture_id` of the
    archive's first post; the post's id."""
    from pipeline.warc import Exchange, RollingWarcWriter

    folder = path.parent / f"{path.stem}-warc"
    with RollingWarcWriter(folder) as writer:
        body = f"<html><body><p>captured at {url}</p></body></html>".encode()
        record = writer.write_response(
            Exchange(url, 200, [("Content-Type", "text/html; charset=utf-8")], body)
        )
    with sqlite3.connect(path) as conn:
        conn.execute(
            "insert into captures (id, url, warc_file, offset, length, status, mime, "
            "fetched_at, record_type) values (?, ?, ?, ?, ?, 200, 'text/html', "
            "'2024-02-01T00:00:00+00:00', 'response')",
            [
                capture_id,
                url,
                str(record.warc_file.relative_to(path.parent)),
                record.offset,
                record.length,
            ],
        )
        post_id = conn.execute("select min(id) from posts").fetchone()[0]
        conn.execute(
            "update post_versions set capture_id = ? where post_id = ?", [capture_id, post_id]
        )
    return post_id


def test_the_datasette_command_without_static_still_has_the_archive_scripts_and_styles(
    built: tuple[Path, dict[str, int]],
) -> None:
    # `datasette serve archive.db --metadata archive/metadata.yml --plugins-dir archive/plugins
    # --template-dir archive/templates`, without `--static static:archive/static`: every
    # page asked for /static/archive.css and the scripts that replace Datasette's inline ones
    # (table menus, form labels) and got 404s, pages unstyled and their menus dead.
    path, ids = built
    served = Site(datasette_command([path]), "archive")
    try:
        pages = [f"/archive/posts/{ids['coppice']}", "/archive/posts", "/-/dashboard", "/"]
        wanted = set()
        for page in pages:
            wanted |= set(re.findall(r'(?:href|src)="(/static/[^"?]+)', served.ok(page).text))
        assert {"/static/archive.css", "/static/archive-table.js", "/static/charts.css"} <= wanted
        for asset in sorted(wanted):
            response = served.ok(asset)
            assert response.content == (ARCHIVE_DIR / asset.removeprefix("/")).read_bytes()
        assert served.get("/static/%2e%2e/metadata.yml").status_code == 404
        assert served.get("/static/nothing.js").status_code == 404
    finally:
        served.close()
    # a Datasette that is not an archive gets no /static/ of ours
    plain = Site(Datasette([str(path)]), "archive")
    try:
        assert plain.get("/static/archive.css").status_code == 404
    finally:
        plain.close()


def test_the_datasette_command_without_template_dir_still_has_the_archive_pages(
    built: tuple[Path, dict[str, int]],
) -> None:
    # `datasette serve archive.db --metadata archive/metadata.yml --plugins-dir
    # archive/plugins` without `--template-dir archive/templates`: the dashboard, blog and
    # diff pages were server errors (their templates not found) and the post and search pages
    # Datasette's generic ones, with inline scripts the Content-Security-Policy blocks.
    path, ids = built
    served = Site(datasette_command([path], template_dir=False), "archive")
    try:
        post = served.ok(f"/archive/posts/{ids['coppice']}").text
        assert '<html lang="en">' in post and "dead hedge" in post
        assert "archive-result" in served.ok("/archive/search?q=hurdles").text
        assert "<h1>Dashboard</h1>" in served.ok("/-/dashboard").text
        assert served.ok("/-/blog/wrenfield.example").status_code == 200
        assert "Coppicing the hazel" in served.ok(f"/-/diff?post={ids['coppice']}").text
        for page in ("/", "/archive", "/archive/posts", "/archive?sql=select+1"):
            assert "<script>" not in served.ok(page).text, page
    finally:
        served.close()


def test_a_row_limit_below_the_page_sizes_is_said_not_a_broken_page(tmp_path: Path) -> None:
    # `--setting max_returned_rows 20` (a Datasette user's own limit): the posts table, whose
    # metadata asks for 50 rows a page, answered 400 "_size must be <= 20", and the search
    # page showed 20 of its 100 results a page with no link to the rest and no word of it.
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        source = archive.add_source(WREN)
        for number in range(30):
            post = {**COPPICE, "url": f"{WREN}post-{number}", "title": f"Hazel {number}"}
            archive.save_post(post, source_id=source)
    served = Site(datasette_command([path], settings={"max_returned_rows": 20}), "archive")
    try:
        table = served.json("/archive/posts.json?_shape=objects")
        assert len(table["rows"]) == 20 and table["next"]
        assert served.ok("/archive/posts").status_code == 200
        page = served.ok("/archive/search?q=hazel").text
        assert page.count('<li class="archive-result">') == 20
        assert "max_returned_rows" in page
        assert "only the first 20" in page
        assert 'rel="next" href="/archive/search?q=hazel&amp;page=2"' in page
        # under the limit, nothing is said
        small = served.ok("/archive/search?q=hazel&site=nowhere.example").text
        assert "max_returned_rows" not in small
    finally:
        served.close()


def test_a_database_served_beside_an_archive_is_left_as_it_is(
    built: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    # `datasette archive/` serves every *.db in archive/, and `datasette serve archive.db
    # notes.db --metadata archive/metadata.yml ...` both: the metadata's "*" block made
    # notes.db a "Blog archive" with the search and blogs queries, and its search page was a
    # server error (no such table: posts).
    notes = tmp_path / "notes.db"
    with sqlite3.connect(notes) as db:
        db.execute("create table notes (id integer primary key, text text)")
        db.execute("insert into notes (text) values ('a note')")
    served = Site(datasette_command([notes, built[0]]), "notes")
    try:
        page = served.ok("/notes").text
        assert "<h1>Blog archive</h1>" not in page
        assert "/notes/search" not in page
        for path in ("/notes/search?q=note", "/notes/search_comments?q=note", "/notes/blogs"):
            assert served.get(path).status_code == 404, path
        assert served.json("/notes/notes.json?_shape=array") == [{"id": 1, "text": "a note"}]
        # the archive beside it is served as before, though it comes second: a diff without
        # ?db= is of the first archive served (it was a server error: notes.db has no posts)
        assert "<h1>Blog archive</h1>" in served.ok("/archive").text
        assert served.json("/archive/search.json?q=hurdles&_shape=array")
        post = built[1]["coppice"]
        assert "Coppicing the hazel" in served.ok(f"/-/diff?post={post}").text
        not_an_archive = served.get(f"/-/diff?db=notes&post={post}")
        assert not_an_archive.status_code == 404 and "No such archive" in not_an_archive.text
    finally:
        served.close()


def test_two_archives_served_together_are_told_apart_on_the_home_page(tmp_path: Path) -> None:
    # The home page showed one search box, blog table and latest posts per archive, each
    # the same but for its numbers: nothing said which archive a search box searched.
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    build_archive(first)
    build_archive(second)
    served = Site(datasette_command([first, second]), "first")
    try:
        page = served.ok("/").text
        names = re.findall(r'<h2 class="archive-home-name"><a href="/(\w+)">(\w+)</a></h2>', page)
        assert names == [("first", "first"), ("second", "second")]
        assert 'aria-label="Search posts in second"' in page
    finally:
        served.close()
    alone = Site(datasette_command([first]), "first")
    try:
        assert "archive-home-name" not in alone.ok("/").text  # one archive: no name to tell
    finally:
        alone.close()


def test_two_archives_served_together_each_show_their_own_captures(tmp_path: Path) -> None:
    # `datasette serve first.db second.db --metadata archive/metadata.yml ...`: capture 7
    # exists in both archives, of different pages. A post's capture link must open the
    # capture of the post's own archive, not whichever archive is served first.
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for path, url in (
        (first, "https://first.example/page"),
        (second, "https://second.example/page"),
    ):
        build_archive(path)
        post_id = _add_capture(path, 7, url)
    served = Site(datasette_command([first, second]), "second")
    try:
        page = served.ok(f"/second/posts/{post_id}").text
        links = re.findall(r'class="archive-capture" href="([^"]+)"', page)
        assert links, "the post page links its capture"
        capture = served.ok(links[0].replace("&amp;", "&")).text
        assert "https://second.example/page" in capture
        assert "https://first.example/page" not in capture
        raw = re.findall(r"<iframe sandbox src='([^']+)'", capture) + re.findall(
            r"href='([^']+/raw[^']*)'", capture
        )
        assert raw and all("db=second" in href for href in raw), raw
        body = served.ok(raw[0].replace("&amp;", "&")).text
        assert "captured at https://second.example/page" in body
        version = served.ok("/second/post_versions/1").text
        assert all(
            "db=second" in href for href in re.findall(r'href="(/-/capture/[^"]+)"', version)
        )
    finally:
        served.close()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("metadata.yml", "title: [unclosed\n", "metadata.yml: line 2, column 1: expected ','"),
        ("settings.json", '{"sql_time_limit_ms": 2000,', "settings.json: Expecting property"),
        ("settings.json", "[1]", "settings.json is not a JSON object of settings"),
        ("settings.json", '{"sql_time_limit": 1}', "unknown Datasette settings in"),
    ],
)
def test_a_broken_configuration_is_one_line_naming_the_file(
    built: tuple[Path, dict[str, int]], tmp_path: Path, monkeypatch, name, text, message
) -> None:
    import shutil

    from click.testing import CliRunner

    from pipeline import serving
    from pipeline.cli import cli

    config = tmp_path / "archive"
    shutil.copytree(ARCHIVE_DIR, config, ignore=shutil.ignore_patterns("*.db*", "warc", "logs"))
    (config / name).write_text(text, encoding="utf-8")
    with pytest.raises(ServingConfigError, match=re.escape(message)):
        make_datasette(built[0], config_dir=config)
    monkeypatch.setattr(serving, "ARCHIVE_DIR", config)
    result = CliRunner().invoke(cli, ["serve", "--db", str(built[0]), "--port", "0"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.splitlines()) == 1  # nothing served, no traceback


def test_missing_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        make_datasette(tmp_path / "nowhere.db")


# ---------------------------------------------------------------- the command line


def test_serve_command_args(built: tuple[Path, dict[str, int]]) -> None:
    path, _ = built
    args = serve_command_args(path, host="127.0.0.1", port=8123)
    assert args[:3] == ["datasette", "serve", str(path.resolve())]
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "8123"
    assert args[args.index("--metadata") + 1] == str(ARCHIVE_DIR / "metadata.yml")
    assert args[args.index("--template-dir") + 1] == str(ARCHIVE_DIR / "templates")
    assert args[args.index("--plugins-dir") + 1] == str(ARCHIVE_DIR / "plugins")
    assert args[args.index("--static") + 1] == f"static:{ARCHIVE_DIR / 'static'}"
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert settings["sql_time_limit_ms"] == "2000"
    assert settings["max_returned_rows"] == "1000"
    assert "-i" not in args and "--immutable" not in args


# ---------------------------------------------------------------- ranked search (issue 6)

SCRIPT_TAG = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def search(served: Site, **params: str) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return served.json(f"/archive/search.json?_shape=array&{query}")


def test_search_ranks_and_highlights(site: Site) -> None:
    # "winter" is a label of two posts and in the title of neither: both found, with the
    # words marked in the snippet; a title match outranks a text-only match.
    hits = search(site, q="hazel")
    assert [h["title"] for h in hits] == ["Coppicing the hazel"]
    assert hits[0]["title_highlighted"] == "Coppicing the <mark>hazel</mark>"
    assert "<mark>hazel</mark>" in hits[0]["snippet"]
    # the same marks when a filter is given (the rows shown are then looked up one by one)
    assert search(site, q="hazel", author="Nell+Wren") == hits
    ranked = search(site, q="chain")  # in CHAIN's title and text, nowhere else
    assert [h["title"] for h in ranked] == ["Measuring chain wear"]
    both = search(site, q="winter")
    assert {h["title"] for h in both} == {"Coppicing the hazel", "Measuring chain wear"}
    assert [h["rank"] for h in both] == sorted(h["rank"] for h in both)


def test_search_page_shows_ranked_highlighted_results(site: Site, ids: dict[str, int]) -> None:
    page = site.ok("/archive/search?q=hurdles").text
    assert '<input type="search" id="archive-q" name="q" value="hurdles"' in page
    assert re.search(rf'<a href="/archive/posts/{ids["coppice"]}">Coppicing the hazel</a>', page)
    assert "<mark>hurdles</mark>" in page
    assert "1 post matching “hurdles”" in page
    assert 'href="/archive/search.atom?q=hurdles"' in page
    assert 'href="/archive/posts?_search=hurdles"' in page  # the same search with facets
    assert 'href="/archive/search_comments?q=hurdles"' in page


def test_search_filters_by_site_author_tag_and_dates(site: Site) -> None:
    def titles_of(**params: str) -> list[str]:
        return [h["title"] for h in search(site, **params)]

    assert titles_of(q="winter", site="cogandchain.example") == ["Measuring chain wear"]
    assert titles_of(q="winter", author="Nell+Wren") == ["Coppicing the hazel"]
    assert titles_of(tag="winter+work") == ["Measuring chain wear", "Coppicing the hazel"]
    assert titles_of(since="2024") == ["Measuring chain wear", "Seed swap at the village hall"]
    assert titles_of(until="2024-04") == ["Seed swap at the village hall", "Coppicing the hazel"]
    assert titles_of(since="2024-04-01", until="2024-04-30") == ["Seed swap at the village hall"]
    # No words: the latest posts, newest first; FTS syntax typed by a reader is not an error.
    assert titles_of() == [
        "Measuring chain wear",
        "Seed swap at the village hall",
        "Coppicing the hazel",
    ]
    assert titles_of(q="%22") == titles_of()
    assert titles_of(q="hazel%22+OR+(") == []


def test_a_search_matching_more_than_the_rank_limit_says_so(tmp_path: Path) -> None:
    # RANKED_MATCHES + 1 posts mention "kestrel"; the oldest mentions it most. The search page
    # ranks the RANKED_MATCHES most recently archived (as `blogarchive search` does) and says
    # so; a filter that leaves fewer matches ranks all of those.
    sql = yaml.safe_load((ARCHIVE_DIR / "metadata.yml").read_text())["databases"]["*"]
    assert f"limit {RANKED_MATCHES}\n" in sql["queries"]["search"]["sql"]
    path = tmp_path / "archive.db"
    with Archive(path) as archive, archive.transaction():
        archive.db.conn.executemany(
            "INSERT INTO posts (url, site, title, text, content_hash, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?, '2024-01-01', '2024-01-01')",
            (
                (
                    f"https://{'old' if i == 0 else 'new'}.example/{i}.html",
                    "old.example" if i == 0 else "new.example",
                    f"Sighting {i}",
                    "kestrel " * (9 if i == 0 else 1) + f"over field {i}",
                    str(i),
                )
                for i in range(RANKED_MATCHES + 1)
            ),
        )
        assert archive.search_results("kestrel").complete is False
    served = Site(make_datasette(path), "archive")
    try:
        hits = search(served, q="kestrel")
        assert len(hits) == 100 and {h["ranked"] for h in hits} == {RANKED_MATCHES}
        assert all("<mark>kestrel</mark>" in h["snippet"] for h in hits)
        assert all(h["title_highlighted"] == h["title"] for h in hits)
        assert "Sighting 0" not in {h["title"] for h in hits}
        assert [h["title"] for h in search(served, q="kestrel", site="old.example")] == [
            "Sighting 0"
        ]
        page = served.ok("/archive/search?q=kestrel").text
        assert f"More than {RANKED_MATCHES:,} posts match “kestrel”: ranked among" in page
        page = served.ok("/archive/search?q=field+17").text
        assert "1 post matching “field 17”" in page
    finally:
        served.close()


def test_search_by_date_lists_every_match_newest_or_oldest_first(tmp_path: Path) -> None:
    # 2,400 posts mention "kestrel" (enough that the page walks the posts by date), every 7th
    # also "merlin" (few enough to be sorted); dates repeat (ties go by id) and every 160th
    # post has none (listed last both ways). Filters narrow either way. The dates are
    # written in the zones of blogs from UTC-12 to UTC+14 (or as a day): the lists follow
    # the instants, the since and until filters each blog's own calendar.
    zones = ("", "-05:00", "+09:00", "+14:00", "-12:00", "+05:30")
    posts = [
        {
            "id": i + 1,
            "site": "a.example" if i % 80 == 0 else "b.example",
            "published": None
            if i % 160 == 0
            else (date(2010, 1, 1) + timedelta(days=(i * 7919) % 2000)).isoformat()
            + ("" if i % 7 == 3 else f"T{(i * 5) % 24:02d}:30:00{zones[i % len(zones)]}"),
            "tags": '["Raptors"]' if i % 3 == 0 else "[]",
            "text": "kestrel over the field" + (" and a merlin" if i % 7 == 0 else ""),
        }
        for i in range(2400)
    ]
    path = tmp_path / "archive.db"
    with Archive(path) as archive, archive.transaction():
        archive.db.conn.executemany(
            "INSERT INTO posts (id, url, site, title, published, tags, text, content_hash, "
            "first_seen, last_seen) VALUES (:id, 'https://' || :site || '/' || :id, :site, "
            "'Sighting ' || :id, :published, :tags, :text, :id, '2024-01-01', '2024-01-01')",
            posts,
        )

    def expected(order: str, word: str, keep=lambda post: True, page: int = 1) -> list[int]:
        found = [p for p in posts if word in p["text"] and keep(p)]
        found.sort(key=lambda p: p["id"], reverse=order == "newest")
        found.sort(key=lambda p: instant_of(p["published"]) or "", reverse=order == "newest")
        found.sort(key=lambda p: p["published"] is None)
        return [p["id"] for p in found][(page - 1) * 100 : page * 100]

    served = Site(make_datasette(path), "archive")
    try:
        for order in ("newest", "oldest"):
            for word in ("kestrel", "merlin"):
                hits = search(served, q=word, order=order)
                assert [h["id"] for h in hits] == expected(order, word), (order, word)
                assert all(f"<mark>{word}</mark>" in h["snippet"] for h in hits)
                assert {h["rank"] for h in hits} == {None}
            on_a = search(served, q="kestrel", order=order, site="a.example")
            assert [h["id"] for h in on_a] == expected(
                order, "kestrel", lambda p: p["site"] == "a.example"
            )
            assert on_a[-1]["published"] is None  # the undated come last
            # the walk starts at the since or until date: a range of the date index
            between = search(served, q="kestrel", order=order, since="2011", until="2012-06")
            assert [h["id"] for h in between] == expected(
                order, "kestrel", lambda p: "2011" <= (p["published"] or "")[:7] <= "2012-06"
            )
            raptors = search(served, q="merlin", order=order, tag="Raptors", since="2012")
            assert [h["id"] for h in raptors] == expected(
                order,
                "merlin",
                lambda p: "Raptors" in p["tags"] and (p["published"] or "") >= "2012",
            )
            # the next pages, both ways (walked and sorted), with a filter, and the last one
            for page in (2, 3, 24):
                for word in ("kestrel", "merlin"):
                    hits = search(served, q=word, order=order, page=str(page))
                    assert [h["id"] for h in hits] == expected(order, word, page=page)
            paged = search(served, q="kestrel", order=order, site="b.example", page="2")
            assert [h["id"] for h in paged] == expected(
                order, "kestrel", lambda p: p["site"] == "b.example", page=2
            )
        # no words: every post, by date
        assert [h["id"] for h in search(served, q="", order="oldest")] == expected(
            "oldest", "kestrel"
        )
        assert [h["id"] for h in search(served, q="", page="7")] == expected(
            "newest", "kestrel", page=7
        )
        # by relevance, the pages follow one another: every match once, in rank order
        ranked = [search(served, q="merlin", page=str(page)) for page in (1, 2, 3, 4)]
        ids = [h["id"] for hits in ranked for h in hits]
        assert sorted(ids) == sorted(
            expected("newest", "merlin", page=1)
            + [i for page in (2, 3, 4) for i in expected("newest", "merlin", page=page)]
        )
        ranks = [h["rank"] for hits in ranked for h in hits]
        assert ranks == sorted(ranks)
        # the page says which results it shows and links to its neighbours
        page = served.ok("/archive/search?q=merlin&page=2").text
        assert "343 posts matching “merlin”, best match first (101–200 shown)" in page
        assert '<a rel="prev" href="/archive/search?q=merlin">' in page
        assert '<a rel="next" href="/archive/search?q=merlin&amp;page=3">' in page
        last = served.ok("/archive/search?q=merlin&page=4").text
        assert "(301–343 shown)" in last and 'rel="next"' not in last
        beyond = served.ok("/archive/search?q=merlin&page=5").text
        assert "No more posts on page 5" in beyond and "No more results." in beyond
        assert '<a rel="prev" href="/archive/search?q=merlin&amp;page=4">' in beyond
        # not a number: the first page; past the last page: nothing
        assert search(served, q="merlin", page="x") == ranked[0]
        assert search(served, q="", page="1000") == search(served, q="", page="100") == []
        assert [h["id"] for h in search(served, q="")] == expected("newest", "kestrel")
        # anything else is relevance
        assert search(served, q="merlin", order="sideways") == search(served, q="merlin")
        page = served.ok("/archive/search?q=merlin&order=oldest").text
        assert "343 posts matching “merlin”, oldest first (the first 100 shown)" in page
        assert '<option value="oldest" selected>oldest first</option>' in page
        assert "_sort=published" in page  # the same search in the table, also oldest first
        page = served.ok("/archive/search?q=kestrel&order=newest").text
        assert "2,400 posts matching “kestrel”, newest first" in page
        assert served.ok("/archive/search?order=oldest").text.count("Oldest posts") == 1
    finally:
        served.close()


def test_odd_search_input_gets_a_page_and_a_reason(site: Site) -> None:
    # quotes only: no words (the query drops quotes), so the latest posts, as for an empty box
    for q in ("%22", "%22%22", "%22+%22", "%22%22%22"):
        page = site.ok(f"/archive/search?q={q}").text
        assert "Latest posts" in page, q
        assert site.ok(f"/archive/search?q={q}&order=newest").status_code == 200
        assert "Type a word" in site.ok(f"/archive/search_comments?q={q}").text
    feed = site.ok("/archive/search.atom?q=%22").text
    assert "latest posts" in feed and "matching" not in feed
    # an unbalanced quote: a phrase to the end, in the table view too (it was a syntax error)
    page = site.ok("/archive/search?q=%22hazel").text
    browse = re.search(r'class="archive-browse" href="([^"]+)"', page)
    assert browse is not None and "_search=%22hazel" in browse.group(1)
    assert site.ok(browse.group(1).replace("&amp;", "&")).status_code == 200
    # a date that is not one is named, with the forms that are
    page = site.ok("/archive/search?q=hazel&since=notadate&until=2024-13").text
    assert "“notadate” is not a date: From takes a year, a month or a day" in page
    assert "“2024-13” is not a date: to takes" in page
    assert (
        "is not a date" not in site.ok("/archive/search?q=hazel&since=2024&until=2024-02-29").text
    )


def test_snippets_are_escaped_except_the_marks(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.save_post({**CHAIN, "text": "Use <script>alert(1)</script> never; chain lube."})
    served = Site(make_datasette(path), "archive")
    try:
        page = served.ok("/archive/search?q=lube").text
        assert "<mark>lube</mark>" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert SCRIPT_TAG.search(page) is None
    finally:
        served.close()


def test_comment_search_is_apart_from_posts(site: Site, ids: dict[str, int]) -> None:
    hits = site.json("/archive/search_comments.json?q=brash&_shape=array")
    assert [(h["author"], h["post_id"], h["post_title"]) for h in hits] == [
        ("Idris", ids["coppice"], "Coppicing the hazel")
    ]
    assert "<mark>brash</mark>" in hits[0]["snippet"]
    assert search(site, q="brash") == []
    page = site.ok("/archive/search_comments?q=brash").text
    assert "<h1>Search comments</h1>" in page
    assert f'href="/archive/posts/{ids["coppice"]}#comment-{hits[0]["id"]}"' in page


def test_comment_search_pages(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        post = archive.save_post(
            {"url": "https://c.example/p", "title": "Wrens", "text": "A post."}
        )
        with archive.transaction():
            archive.db.conn.executemany(
                "INSERT INTO comments (post_id, comment_key, author, text, first_seen) "
                "VALUES (?, ?, ?, 'I saw a wren here too', '2024-01-01')",
                [(post.post_id, str(i), f"Reader {i}") for i in range(230)],
            )
    served = Site(make_datasette(path), "archive")
    try:
        pages = [
            served.json(f"/archive/search_comments.json?q=wren&_shape=array&page={page}")
            for page in (1, 2, 3)
        ]
        assert [len(hits) for hits in pages] == [100, 100, 30]
        assert len({h["id"] for hits in pages for h in hits}) == 230
        first = served.ok("/archive/search_comments?q=wren").text
        assert "100+ comments matching “wren”" in first
        assert '<a rel="next" href="/archive/search_comments?q=wren&amp;page=2">' in first
        last = served.ok("/archive/search_comments?q=wren&page=3").text
        assert "(201–230 shown)" in last and 'rel="next"' not in last
    finally:
        served.close()


def test_canned_queries_are_read_only(site: Site) -> None:
    queries = site.json("/archive.json")["queries"]
    assert {q["name"] for q in queries} >= {"search", "search_comments", "blogs"}
    assert not [q for q in queries if q.get("write")]
    assert site.get("/archive/search?q=hazel").status_code == 200
    # A canned query refuses POST (only writable canned queries accept it).
    assert site._runner.run(site.ds.client.post("/archive/search", data={})).status_code != 200


def test_month_facet(site: Site) -> None:
    data = site.json("/archive/posts.json")
    month = data["facet_results"]["published"]
    assert month["type"] == "month"
    assert [(r["value"], r["count"]) for r in month["results"]] == [
        ("2024-09", 1),
        ("2024-04", 1),
        ("2023-01", 1),
    ]
    chosen = site.json("/archive/posts.json?published__startswith=2024-04&_shape=array")
    assert titles(chosen) == ["Seed swap at the village hall"]
    assert "published__startswith=2024-04" in month["results"][1]["toggle_url"]


# ---------------------------------------------------------------- Atom feeds


def test_atom_feed_of_a_search(site: Site, ids: dict[str, int]) -> None:
    import feedparser

    response = site.ok("/archive/search.atom?q=winter&site=wrenfield.example")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert "winter" in feed.feed.title and "wrenfield.example" in feed.feed.title
    assert [e.title for e in feed.entries] == ["Coppicing the hazel"]
    entry = feed.entries[0]
    assert entry.id == COPPICE["url"]
    assert entry.link == f"http://localhost/archive/posts/{ids['coppice']}"
    assert entry.author == "Nell Wren"
    assert entry.published.startswith("2023-01-15T08:00:00")
    assert entry.updated.startswith("2023-02-01T18:30:00")
    assert "<mark>" not in entry.summary

    # Any table search of posts too, with its filters.
    table_feed = feedparser.parse(site.ok("/archive/posts.atom?_search=seed").content)
    assert [e.title for e in table_feed.entries] == ["Seed swap at the village hall"]
    assert "alert" not in table_feed.entries[0].summary
    # Other tables have no feed.
    assert site.get("/archive/crawls.atom").status_code in (400, 404)
    assert site.get("/archive/search_comments.atom?q=hazel").status_code == 404


# ---------------------------------------------------------------- the home page


def test_home_page_lists_each_blog_and_the_latest_posts(site: Site, ids: dict) -> None:
    page = site.ok("/").text
    assert "<h1>Blog archive</h1>" in page
    assert '<form class="archive-search-form" action="/archive/search"' in page
    blogs = site.json("/archive/blogs.json?_shape=array")
    wren = next(b for b in blogs if b["url"] == WREN)
    assert (wren["posts"], wren["first_post"][:10], wren["last_post"][:10]) == (
        2,
        "2023-01-15",
        "2024-04-03",
    )
    assert wren["last_crawl_status"] == "ok" and wren["last_crawl_new"] == 2
    row = re.search(
        r"<tr>\s*<td><a href=\"/archive/posts\?source_id=1\">Wrenfield</a>.*?</tr>", page, re.S
    )
    assert row, page
    for cell in (">2<", "2023-01-15", "2024-04-03", ">ok<"):
        assert cell in row.group(0)
    latest = page[page.index("Latest archived posts") :]
    for key in ("chain", "seed_swap", "coppice"):
        assert f'href="/archive/posts/{ids[key]}"' in latest
    assert 'href="/archive/crawls"' in page and 'href="/archive/failures"' in page


def test_home_page_says_how_many_posts_the_last_crawl_found_gone(tmp_path: Path) -> None:
    """Before, a blog whose last crawl found posts deleted (404 or 410) read "0 new,
    0 changed" on the home page, where `stats` and the crawl's summary said "1 gone"."""
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        wren = archive.add_source(WREN)
        archive.save_post(COPPICE, source_id=wren)
        archive.save_post(SEED_SWAP, source_id=wren)
        crawl = archive.start_crawl(wren)
        assert archive.mark_gone(SEED_SWAP["url"], "HTTP 404")
        archive.finish_crawl(crawl, status="ok", found=2, unchanged=1, gone=1)
    served = Site(make_datasette(path), "archive")
    try:
        page = served.ok("/").text
        blogs = served.json("/archive/blogs.json?_shape=array")
    finally:
        served.close()
    assert blogs[0]["last_crawl_gone"] == 1
    row = re.search(
        r"<tr>(?:(?!</tr>).)*<small>https://wrenfield\.example/</small>.*?</tr>", page, re.S
    )
    assert row and "0 new, 0 changed, 1 gone" in row.group(0), page
    assert ">2<" in row.group(0)  # the gone post stays archived and counted


def test_home_page_marks_a_paused_blog(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        for url in ("https://kept.example/", "https://lapsed.example/"):
            archive.add_source(url)
        archive.save_post({"url": "https://kept.example/a.html", "title": "A", "text": "Kept."})
        archive.pause_source("https://lapsed.example/", "domain lapsed")
    served = Site(make_datasette(path), "archive")
    try:
        page = served.ok("/").text
    finally:
        served.close()
    rows_of = {
        url: re.search(rf"<tr>(?:(?!</tr>).)*<small>{re.escape(url)}</small>.*?</tr>", page, re.S)
        for url in ("https://kept.example/", "https://lapsed.example/")
    }
    assert "paused since" not in rows_of["https://kept.example/"].group(0)
    lapsed = rows_of["https://lapsed.example/"].group(0)
    assert re.search(
        r"paused since \d{4}-\d{2}-\d{2}</span> <small>\(domain lapsed\)</small>", lapsed
    )
    # an archive served before migration 008 (no such columns) still has its home page
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE sources DROP COLUMN paused_reason")
    conn.execute("ALTER TABLE sources DROP COLUMN paused_at")
    conn.commit()
    conn.close()
    older = Site(make_datasette(path), "archive")
    try:
        page = older.ok("/").text
        assert "https://lapsed.example/" in page and "paused since" not in page
    finally:
        older.close()


# ---------------------------------------------------------------- versions, captures, dates


def test_post_versions_diff_capture_and_date_provenance(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        post_id = archive.save_post(COPPICE, seen_at="2024-01-01T00:00:00+00:00").post_id
        changed = {**COPPICE, "text": COPPICE["text"] + "\nWe <b>also</b> laid a hedge."}
        archive.save_post(changed, seen_at="2024-02-01T00:00:00+00:00")
        archive.db.execute(
            "insert into captures (id, url, warc_file, offset, length, status, mime, "
            "fetched_at, record_type) values (7, ?, 'warc/x.warc.gz', 0, 10, 200, "
            "'text/html', '2024-02-01T00:00:00+00:00', 'response')",
            [COPPICE["url"]],
        )
        archive.db.execute(
            "update post_versions set capture_id = 7 where post_id = ? and captured_at like '2024-02%'",
            [post_id],
        )
        archive.db.execute("update posts set published_source = 'feed' where id = ?", [post_id])
        archive.db.conn.commit()
        versions = [
            r[0]
            for r in archive.db.execute(
                "select id from post_versions where post_id = ? order by captured_at", [post_id]
            ).fetchall()
        ]
    served = Site(make_datasette(path), "archive")
    try:
        page = served.ok(f"/archive/posts/{post_id}").text
        assert "2 versions" in page
        diff_href = (
            f"/-/diff?db=archive&amp;post={post_id}&amp;from={versions[0]}&amp;to={versions[1]}"
        )
        assert diff_href in page
        assert 'class="archive-capture" href="/-/capture/7?db=archive"' in page
        assert 'title="Date from the blog&#39;s feed"' in page
        assert "(from the blog&#39;s feed)" in page

        diff = served.ok(diff_href.replace("&amp;", "&")).text
        assert "Changes to" in diff
        assert "&lt;b&gt;also&lt;/b&gt;" in diff  # the stored text, escaped
        assert "<b>also</b>" not in diff
        assert 'class="diff_add"' in diff
        assert served.get(f"/-/diff?post={post_id}&to=999").status_code == 404
        assert served.get("/-/diff?post=999").status_code == 404
        bad = served.get(f"/-/diff?post={post_id}&from=abc")
        assert bad.status_code == 400 and "?from= takes a version id" in bad.text
    finally:
        served.close()


def test_no_capture_link_without_captures(site: Site, ids: dict[str, int]) -> None:
    page = site.ok(f"/archive/posts/{ids['coppice']}").text
    assert "/-/capture/" not in page
    # one version: no list of versions, only the permanent link to it
    assert 'id="versions"' not in page and "archive-versions-link" not in page
    assert page.count("/archive/post_versions/") == 1


# ---------------------------------------------------------------- CSP and publishing


def test_every_page_has_a_csp_and_no_inline_script(site: Site, ids: dict[str, int]) -> None:
    pages = [
        "/",
        "/archive",
        "/archive/posts",
        f"/archive/posts/{ids['seed_swap']}",
        "/archive/comments/1",
        "/archive/crawls",
        "/archive/search?q=hazel",
        "/archive/search_comments?q=brash",
        "/archive/blogs",
        "/archive?sql=select+1",
        f"/-/diff?post={ids['coppice']}",
        "/-/metadata",
        "/archive/nowhere",
    ]
    for path in pages:
        response = site.get(path)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0], path
        assert "object-src 'none'" in policy and "base-uri 'none'" in policy, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        if response.headers["content-type"].startswith("text/html"):
            assert SCRIPT_TAG.search(response.text) is None, (
                path,
                SCRIPT_TAG.search(response.text),
            )
    # The moved scripts are served.
    for name in ("archive-menus.js", "archive-codemirror.js", "archive-table.js"):
        assert (
            "document" in site.ok(f"/static/{name}").text
            or "window" in site.ok(f"/static/{name}").text
        )


def test_a_sort_by_a_column_the_table_lacks_is_a_bad_request_not_a_server_error(
    site: Site,
) -> None:
    # Datasette 0.65 answers `?_sort=NAME` for a column the table does not have with a 500.
    for path, name in (
        ("/archive/posts?_sort=nope", "nope"),
        ("/archive/posts.json?_sort_desc=nope", "nope"),
        ("/archive/comments.json?_sort_desc=rowid", "rowid"),  # comments has its own id
    ):
        response = site.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert f"Cannot sort table by {name}" in response.text
    assert site.json("/archive/posts.json?_sort=title&_shape=array")
    assert site.json("/archive/comments.json?_sort_desc=id&_shape=array")


def test_a_csv_of_a_query_over_the_time_limit_is_a_bad_request_not_a_server_error(
    built: tuple[Path, dict[str, int]],
) -> None:
    # Datasette 0.65 answers a query over sql_time_limit_ms with 400 "SQL Interrupted" as a
    # page or JSON, but with a 500 (and a traceback in the log) as CSV.
    slow = quote(
        "with recursive n(x) as (select 1 union all select x + 1 from n where x < 50000000) "
        "select count(*) from n"
    )
    served = Site(datasette_command([built[0]], settings={"sql_time_limit_ms": 20}), "archive")
    try:
        for path in (f"/archive.csv?sql={slow}", f"/archive.json?sql={slow}"):
            response = served.get(path)
            assert response.status_code == 400, (path, response.status_code)
            assert "took too long" in response.text
            assert "sql_time_limit_ms" in response.text
    finally:
        served.close()


def test_a_database_csv_without_sql_is_a_bad_request_not_a_server_error(site: Site) -> None:
    # Datasette 0.65 answers /<database>.csv with no sql with a 500 (KeyError: 'columns').
    for path in ("/archive.csv", "/archive.csv?sql=", "/archive.csv?_stream=1"):
        response = site.get(path)
        assert response.status_code == 400, path
        assert "table's or a query's CSV" in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert site.ok("/archive.csv?sql=select+count(*)+as+n+from+posts").text.startswith("n\r\n")
    assert site.ok("/archive/posts.csv?_size=1").text.startswith("id,url,")
    assert site.ok("/archive/search.csv?q=hazel").text.startswith("id,title,")


def test_publish_ready_settings(built: tuple[Path, dict[str, int]]) -> None:
    from pipeline.serving import PUBLISH_READY_SETTINGS

    path, _ = built
    ds = make_datasette(path, publish_ready=True)
    assert ds.setting("default_allow_sql") is False
    assert ds.setting("allow_download") is False
    assert ds.setting("sql_time_limit_ms") == 1000
    served = Site(ds, "archive")
    try:
        assert served.get("/archive?sql=select+1").status_code == 403  # no arbitrary SQL
        assert served.get("/archive.db").status_code in (403, 404)  # no download
        assert titles(served.json("/archive/search.json?q=hazel&_shape=array")) == [
            "Coppicing the hazel"
        ]  # canned queries still run
        assert served.ok("/archive/posts?_facet=site").status_code == 200
        # the charts stay, without "View the query" links that would answer 403
        dashboard = served.ok("/-/dashboard").text
        assert "<svg" in dashboard and "View the query" not in dashboard
    finally:
        served.close()
    assert "View the query" in Site(make_datasette(path), "archive").ok("/-/dashboard").text
    args = serve_command_args(path, publish_ready=True)
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert settings["default_allow_sql"] == "off"
    assert set(PUBLISH_READY_SETTINGS) <= set(settings)
    assert "-i" not in args and "--immutable" not in args


# ---------------------------------------------------------------- pages that stay fast

#: The tables that grow with the archive: a page listing them must not read every row.
GROWING_TABLES = ("posts", "post_versions", "comments", "failures", "post_events")


def _reads_of_whole_tables(db_path: Path, sql: str, params: Any) -> list[str]:
    """The steps of `sql`'s query plan that read a growing table from end to end, row by row
    (a sort of all its rows needs that too)."""
    with sqlite3.connect(db_path) as conn:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params or [])]
    whole = [f"SCAN {table}" for table in GROWING_TABLES]
    return [step for step in plan if step in whole]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/archive/posts",
        "/archive/post_versions",
        "/archive/comments",
        "/archive/failures",
        "/archive/post_events",
    ],
)
def test_home_page_and_tables_list_rows_without_reading_every_row(
    built: tuple[Path, dict[str, int]], path: str
) -> None:
    """The home page's blogs (first and last post of each) and latest posts, and each table
    in its default order, are read through indexes (migration 011): before, each read its
    whole table, ~0.8 s for the home page of a 100,000-post archive. Facets and counts are
    Datasette's own and are not listing queries."""
    db_path, _ = built
    ds = make_datasette(db_path)
    traces: list[dict] = []

    async def get() -> int:
        with capture_traces(traces):
            return (await ds.client.get(path)).status_code

    assert asyncio.run(get()) == 200
    listings = [
        trace
        for trace in traces
        if trace["type"] == "sql"
        and trace["sql"].lstrip().lower().startswith("select")
        and " order by " in " ".join(trace["sql"].split()).lower()
        and "sqlite_master" not in trace["sql"]
        and " as value, count(*) as count " not in " ".join(trace["sql"].split())  # a facet
    ]
    assert listings, [trace.get("sql") for trace in traces]
    for trace in listings:
        assert _reads_of_whole_tables(db_path, trace["sql"], trace["params"]) == [], trace["sql"]


# ---------------------------------------------------------------- stored data that is slow to show


def test_a_deeply_nested_post_does_not_stall_other_readers(tmp_path: Path) -> None:
    # nh3's parser takes time that grows with the square of the nesting depth: a stored post
    # of 30,000 nested <div>s took seconds to sanitise on the post page, on the event loop,
    # and every other reader of the archive waited until it was done.
    import threading

    from conftest import serve_archive

    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        deep = archive.save_post({**COPPICE, "html": "<p>x</p>"}).post_id
        other = archive.save_post(CHAIN).post_id
        depth = 30_000
        archive.db.execute(
            "update posts set html = ? where id = ?",
            ["<div>" * depth + "<p>at the bottom</p>" + "</div>" * depth, deep],
        )
        archive.db.conn.commit()
    with serve_archive(path) as base:
        answers: dict[str, httpx.Response] = {}

        def read_the_deep_post() -> None:
            answers["deep"] = httpx.get(f"{base}/archive/posts/{deep}", timeout=600)

        reader = threading.Thread(target=read_the_deep_post)
        reader.start()
        threading.Event().wait(1)  # the deep post's request is in the server first
        page = httpx.get(f"{base}/archive/posts/{other}", timeout=600)
        served_meanwhile = reader.is_alive()
        reader.join()
        assert page.status_code == 200 and "Measuring chain wear" in page.text
        assert served_meanwhile, "another reader waited for the deep post to be sanitised"
        assert answers["deep"].status_code == 200
        assert "at the bottom" in answers["deep"].text


def test_long_versions_are_compared_line_by_line(tmp_path: Path) -> None:
    # difflib's side-by-side table compares each changed line with every other: two versions
    # of 300 rewritten lines took seconds (3,000 lines: minutes) on the event loop.
    path = tmp_path / "archive.db"
    before = [f"line {i} as first written, with <b>bold</b> claims" for i in range(300)]
    after = [f"line {i} rewritten entirely {i * 7}" for i in range(300)]
    with Archive(path) as archive:
        post_id = archive.save_post(
            {**COPPICE, "text": "\n".join(before)}, seen_at="2024-01-01T00:00:00+00:00"
        ).post_id
        archive.save_post(
            {**COPPICE, "text": "\n".join(after)}, seen_at="2024-02-01T00:00:00+00:00"
        )
    served = Site(make_datasette(path), "archive")
    try:
        diff = served.ok(f"/-/diff?post={post_id}").text
        assert "too long to compare side by side" in diff
        assert '<span class="diff_sub">-line 0 as first written, with &lt;b&gt;bold' in diff
        assert '<span class="diff_add">+line 299 rewritten entirely 2093</span>' in diff
        assert "<b>bold</b>" not in diff
        # short versions keep the side-by-side table
        short = tmp_path / "short.db"
        with Archive(short) as archive:
            short_id = archive.save_post(COPPICE, seen_at="2024-01-01T00:00:00+00:00").post_id
            archive.save_post({**COPPICE, "text": "Changed."}, seen_at="2024-02-01T00:00:00+00:00")
        with_table = Site(make_datasette(short), "short")
        try:
            page = with_table.ok(f"/-/diff?post={short_id}").text
            assert 'class="diff"' in page and "too long to compare" not in page
        finally:
            with_table.close()
    finally:
        served.close()


def test_our_base_template_is_datasettes_but_for_the_page_language() -> None:
    # archive/templates/base.html copies Datasette's own to add lang="en": when Datasette is
    # upgraded and its base.html changes, the copy must follow (or this test says so).
    import datasette

    theirs = (Path(datasette.__file__).parent / "templates" / "base.html").read_text()
    ours = (ARCHIVE_DIR / "templates" / "base.html").read_text()
    ours = re.sub(r"\n?\{#.*?#\}", "", ours, count=1, flags=re.S)
    assert ours.replace('<html lang="en">', "<html>", 1) == theirs
