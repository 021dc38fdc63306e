"""Scrapy's own commands on the project (`pipeline/commands/`, `scrapy.cfg`): what a Scrapy
user runs from the project folder, run as they would, against the loopback demo blogs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from conftest import LOOPBACK, PROJECT_ROOT, rows
from pipeline.demo.content import blogger_posts, wordpress_posts

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
QUIET = ["-s", "LOG_LEVEL=WARNING", "-s", "BLOGARCHIVE_WARC_ENABLED=False"]


def run_scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `scrapy` command, from the project folder (where scrapy.cfg is)."""
    return subprocess.run(
        [SCRAPY, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )


def test_scrapy_crawl_with_url_given_twice_crawls_both_blogs(demo_blogs, tmp_path: Path) -> None:
    # Before, Scrapy kept the last `-a url=` only: the first blog was silently not crawled.
    db = tmp_path / "two.db"
    result = run_scrapy(
        "crawl", "blog",
        "-a", f"url={demo_blogs.blogger.url}", "-a", f"url={demo_blogs.wordpress.url}",
        "-s", f"BLOGARCHIVE_DB={db}", *LOOPBACK, *QUIET,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(db, "SELECT url FROM sources ORDER BY id") == [
        {"url": demo_blogs.blogger.url},
        {"url": demo_blogs.wordpress.url},
    ]
    assert rows(db, "SELECT count(*) AS n FROM posts") == [
        {"n": len(blogger_posts()) + len(wordpress_posts())}
    ]


def test_scrapy_crawl_without_a_blog_says_how_to_give_one(tmp_path: Path) -> None:
    # Before, a traceback ending in ValueError, exit status 1.
    db = tmp_path / "none.db"
    result = run_scrapy("crawl", "blog", "-s", f"BLOGARCHIVE_DB={db}")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "give the blog to crawl: scrapy crawl blog -a url=URL" in result.stderr
    assert not db.exists()


def test_scrapy_parse_shows_the_page_of_a_post(demo_blogs, tmp_path: Path) -> None:
    # Before, `scrapy parse --spider=blog URL` needed `-a url=`, then failed in the callback
    # with a TypeError: no item was shown.
    post = demo_blogs.wordpress.post_url(wordpress_posts()[0])
    db = tmp_path / "parse.db"
    result = run_scrapy(
        "parse", "--spider=blog", post, "-s", f"BLOGARCHIVE_DB={db}", *LOOPBACK, *QUIET
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr + result.stdout
    items = result.stdout.split("# Scraped Items")[1].split("# Requests")[0]
    assert f"'url': '{post}'" in items
    assert f"'source_url': '{demo_blogs.wordpress.url}'" in items
    assert not db.exists()  # parse runs no pipeline unless --pipelines


def test_scrapy_crawl_csv_feed_has_a_row_per_post(demo_blogs, tmp_path: Path) -> None:
    # Before, the CSV's columns were those of the first item (the blog's source_url,
    # platform, title): every post's row held its blog's address and nothing else.
    db = tmp_path / "feed.db"
    feed = tmp_path / "posts.csv"
    result = run_scrapy(
        "crawl", "blog", "-a", f"url={demo_blogs.wordpress.url}", "-o", str(feed),
        "-s", f"BLOGARCHIVE_DB={db}", *LOOPBACK, *QUIET,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    with feed.open(newline="") as file:
        exported = list(csv.DictReader(file))
    archived = rows(db, "SELECT url, title, author, published, text FROM posts ORDER BY url")
    assert len(archived) == len(wordpress_posts())
    assert [
        {name: row[name] for name in ("url", "title", "author", "published", "text")}
        for row in sorted(exported, key=lambda row: row["url"])
    ] == archived
    for row in exported:
        assert row["source_url"] == demo_blogs.wordpress.url
        assert row["language"] == "en" and row["tags"] and row["updated"]


def test_scrapy_shell_fetches_a_page_and_leaves_the_archive_alone(
    demo_blogs, tmp_path: Path
) -> None:
    # Before, the page came back without the shell's callback ("DefaultSpider.parse callback
    # is not defined", no `response`), and the archive was opened, its run lock held and
    # WARC captures recorded in it.
    post = demo_blogs.wordpress.post_url(wordpress_posts()[0])
    db = tmp_path / "shell.db"
    result = run_scrapy(
        "shell", post, "-c", "(response.status, response.url)",
        "-s", f"BLOGARCHIVE_DB={db}", *LOOPBACK, *QUIET,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == repr((200, post))
    assert "Traceback" not in result.stderr
    assert not db.exists()
