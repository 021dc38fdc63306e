"""Charts of the archive (archive/charts.yml, archive/plugins/charts.py) through real Datasette."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
import yaml

from conftest import datasette_command
from pipeline.serving import ARCHIVE_DIR, make_datasette
from pipeline.store import Archive

HOSTILE_LABEL = "<script>alert(1)</script>"


def build_archive(path: Path) -> Path:
    """Two blogs with known posts, labels, authors, crawls and failures."""
    with Archive(path) as archive, archive.transaction():
        alpha = archive.add_source("https://alpha.example/")
        beta = archive.add_source("https://beta.example/")
        posts = [
            # (blog, source, month, author, labels, words)
            ("alpha.example", alpha, "2024-01", "Ann", ["music", "travel"], 120),
            ("alpha.example", alpha, "2024-01", "Ann", ["music"], 400),
            ("alpha.example", alpha, "2024-03", "Bob", ["music", HOSTILE_LABEL], 900),
            ("beta.example", beta, "2023-11", "Cy", ["food"], 50),
        ]
        for i, (site, source_id, month, author, tags, words) in enumerate(posts):
            archive.save_post(
                {
                    "url": f"https://{site}/{month.replace('-', '/')}/post-{i}.html",
                    "title": f"Post {i}",
                    "author": author,
                    "published": f"{month}-10T09:00:00+00:00",
                    "tags": tags,
                    "text": " ".join(f"word{i}x{n}" for n in range(words)),
                    "html": "<p>text</p>",
                },
                source_id=source_id,
            )
        crawl = archive.start_crawl(alpha)
        archive.finish_crawl(crawl, status="partial", new=3, changed=1, unchanged=2, failed=2)
        archive.record_failure(
            "https://alpha.example/a", "fetch", "HTTP 404", source_id=alpha, crawl_id=crawl
        )
        archive.record_failure(
            "https://alpha.example/b",
            "extract",
            "TimeoutError: took longer than 60 s on https://alpha.example/b",
            source_id=alpha,
            crawl_id=crawl,
        )
    return path


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("charts") / "charts.db")


def get(ds, path: str) -> httpx.Response:
    return asyncio.run(ds.client.get(path))


def figures(html: str) -> dict[str, str]:
    """Chart id -> the HTML of its <figure>."""
    return dict(
        re.findall(r'<figure class="chart" id="chart-([\w-]+)".*?>(.*?)</figure>', html, re.S)
    )


def mark_titles(figure: str) -> list[str]:
    return re.findall(r'class="mark [^"]*"[^>]*><title>([^<]*)</title>', figure)


def charts_config(page: str) -> list[str]:
    charts = yaml.safe_load((ARCHIVE_DIR / "charts.yml").read_text())["charts"]
    return [chart["id"] for chart in charts if chart["page"] == page]


def test_dashboard_draws_every_chart_from_the_archive(archive_db: Path) -> None:
    ds = make_datasette(archive_db)
    response = get(ds, "/-/dashboard")
    assert response.status_code == 200
    charts = figures(response.text)
    assert sorted(charts) == sorted(charts_config("dashboard"))
    for chart_id, figure in charts.items():
        assert re.search(r"<svg[^>]*>.*</svg>", figure, re.S), chart_id
        assert mark_titles(figure), f"{chart_id} has no marks"
        assert "chart-error" not in figure, chart_id

    month = mark_titles(charts["posts-per-month"])
    assert "alpha.example · 2024-01: 2" in month
    assert "alpha.example · 2024-02: 0" in month  # a month without posts is a zero, not a gap
    assert "beta.example · 2023-11: 1" in month
    labels = mark_titles(charts["top-labels"])
    assert labels[0] == "music: 3 posts"
    assert "food: 1 posts" in labels
    assert mark_titles(charts["archive-size"])[-1].endswith(": 4 posts archived")
    runs = mark_titles(charts["crawl-runs"])
    assert any(title.endswith("· new: 3") for title in runs)
    assert any(title.endswith("· failed: 2") for title in runs)
    reasons = mark_titles(charts["failures-by-reason"])
    assert "HTTP 404 · fetch: 1" in reasons
    assert "TimeoutError · extract: 1" in reasons

    # the blogs, each linked to its own charts
    assert 'href="/-/blog/alpha.example?db=charts"' in response.text
    assert 'href="/-/blog/beta.example?db=charts"' in response.text


def test_crawled_text_is_escaped_in_charts(archive_db: Path) -> None:
    ds = make_datasette(archive_db)
    html = get(ds, "/-/dashboard").text
    assert HOSTILE_LABEL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in figures(html)["top-labels"]


def test_blog_page_charts(archive_db: Path) -> None:
    ds = make_datasette(archive_db)
    response = get(ds, "/-/blog/alpha.example")
    assert response.status_code == 200
    charts = figures(response.text)
    assert sorted(charts) == sorted(charts_config("blog"))
    timeline = mark_titles(charts["blog-timeline"])
    assert timeline == ["2024-01: 2 posts", "2024-02: 0 posts", "2024-03: 1 posts"]
    words = mark_titles(charts["blog-words"])
    assert words == ["0–249: 1 posts", "250–499: 1 posts", "750–999: 1 posts"]
    assert mark_titles(charts["blog-authors"]) == ["Ann: 2 posts", "Bob: 1 posts"]
    assert any(title.endswith("· new: 3") for title in mark_titles(charts["blog-crawls"]))
    assert "beta.example" not in "".join(charts.values())
    assert "/charts/posts?site=alpha.example" in response.text

    assert get(ds, "/-/blog/nowhere.example").status_code == 404


def test_blog_page_links_the_blog_only_by_a_web_address(archive_db: Path, tmp_path: Path) -> None:
    # The blog page rendered sources.url as a link whatever its scheme: a `javascript:` or
    # `data:` address (an archive written by an older or another tool) was a live link.
    copy = tmp_path / "charts.db"
    shutil.copy(archive_db, copy)
    with sqlite3.connect(copy) as db:
        db.execute("update sources set url = 'javascript:alert(1)//' where site = 'alpha.example'")
        db.execute("update sources set url = 'https://beta.example/' where site = 'beta.example'")
    ds = make_datasette(copy)
    alpha = get(ds, "/-/blog/alpha.example").text
    assert "javascript:alert(1)//" in alpha  # shown as text
    assert 'href="javascript:' not in alpha
    beta = get(ds, "/-/blog/beta.example").text
    assert '<a href="https://beta.example/" rel="nofollow noopener noreferrer">' in beta


def test_each_archive_served_together_has_its_own_dashboard(
    archive_db: Path, tmp_path: Path
) -> None:
    # `datasette serve notes.db first.db second.db --metadata archive/metadata.yml ...`: the
    # dashboard drew the first database served, whatever it was, and no other archive had one.
    notes = tmp_path / "notes.db"
    with sqlite3.connect(notes) as db:
        db.execute("create table notes (id integer primary key, text text)")
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    shutil.copy(archive_db, first)
    shutil.copy(archive_db, second)
    with sqlite3.connect(second) as db:
        db.execute("update posts set site = 'gamma.example' where site = 'beta.example'")
    ds = datasette_command([notes, first, second])

    default = get(ds, "/-/dashboard")
    assert default.status_code == 200
    assert "chart-error" not in default.text  # the first archive, not notes.db
    assert 'href="/-/blog/beta.example?db=first"' in default.text
    assert 'class="chart-other-archive" href="/-/dashboard?db=second"' in default.text
    assert "db=notes" not in default.text

    other = get(ds, "/-/dashboard?db=second")
    assert other.status_code == 200
    assert "chart-error" not in other.text
    assert 'href="/-/blog/gamma.example?db=second"' in other.text
    assert "beta.example" not in other.text
    blog = get(ds, "/-/blog/gamma.example?db=second")
    assert blog.status_code == 200
    assert "/second/posts?site=gamma.example" in blog.text
    assert get(ds, "/-/blog/gamma.example?db=first").status_code == 404
    # the menu of an archive's pages opens that archive's dashboard
    assert 'href="/-/dashboard?db=second"' in get(ds, "/second/posts").text
    assert 'href="/-/dashboard"' in get(ds, "/first/posts").text

    for wrong in ("notes", "nothing"):
        response = get(ds, f"/-/dashboard?db={wrong}")
        assert response.status_code == 404, wrong
        assert "no archive" in response.text.lower()


def test_dashboard_is_linked_from_every_page(archive_db: Path) -> None:
    ds = make_datasette(archive_db)
    home = get(ds, "/")
    assert home.status_code == 200
    assert 'href="/-/dashboard"' in home.text
    assert 'href="/-/dashboard"' in get(ds, "/charts/posts").text


def write_config(tmp_path: Path, charts: list[dict] | str) -> Path:
    config_dir = tmp_path / "archive-config"
    shutil.copytree(ARCHIVE_DIR, config_dir, ignore=shutil.ignore_patterns("*.db*", "logs", "warc"))
    text = charts if isinstance(charts, str) else yaml.safe_dump({"charts": charts})
    (config_dir / "charts.yml").write_text(text)
    return config_dir


def test_a_failing_query_is_shown_as_a_message(archive_db: Path, tmp_path: Path) -> None:
    good = {"id": "ok", "title": "Fine", "sql": "select site, count(*) as n from posts group by site",
            "kind": "bar", "x": "site", "y": "n"}  # fmt: skip
    charts = [
        {**good, "id": "broken", "title": "Broken", "sql": "select * from no_such_table"},
        {**good, "id": "wrong-column", "title": "Wrong column", "y": "missing"},
        {**good, "id": "syntax", "title": "Syntax", "sql": "selec nonsense"},
        good,
    ]
    ds = make_datasette(archive_db, config_dir=write_config(tmp_path, charts))
    response = get(ds, "/-/dashboard")
    assert response.status_code == 200
    shown = figures(response.text)
    assert "This chart&#39;s query failed: no such table: no_such_table" in shown["broken"]
    assert "no column missing" in shown["wrong-column"]
    assert "syntax error" in shown["syntax"]
    assert "<svg" not in shown["broken"]
    assert mark_titles(shown["ok"]) == ["alpha.example: 3 n", "beta.example: 1 n"]


def test_a_broken_charts_file_is_shown_as_a_message(archive_db: Path, tmp_path: Path) -> None:
    ds = make_datasette(archive_db, config_dir=write_config(tmp_path, "charts: [unclosed"))
    response = get(ds, "/-/dashboard")
    assert response.status_code == 200
    assert "Charts are not available: cannot read charts.yml" in response.text
    bad_kind = [
        {"id": "x", "title": "X", "sql": "select 1 as a", "kind": "pie", "x": "a", "y": "a"}
    ]
    ds = make_datasette(archive_db, config_dir=write_config(tmp_path / "2", bad_kind))
    assert "kind must be one of" in get(ds, "/-/dashboard").text


def test_chart_queries_read_the_covering_index_not_the_posts(archive_db: Path) -> None:
    """On 100,000 posts a scan of `posts` reads every text and HTML; the index is ~5% of that."""
    charts = yaml.safe_load((ARCHIVE_DIR / "charts.yml").read_text())["charts"]
    conn = sqlite3.connect(archive_db)
    conn.create_function("error_reason", 1, lambda error: error)
    try:
        for chart in charts:
            if "from posts" not in chart["sql"]:
                continue
            plan = [
                row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {chart['sql']}", {"site": "x"})
            ]
            on_posts = [step for step in plan if re.search(r"\bposts\b", step)]
            # posts_charts, or a narrower index holding every column the chart reads
            assert on_posts and all("USING COVERING INDEX" in s for s in on_posts), (
                chart["id"],
                plan,
            )
    finally:
        conn.close()
