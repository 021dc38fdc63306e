"""End to end: crawl the demo blogs on loopback through the real command line."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    BLOGARCHIVE,
    LOOPBACK,
    PROJECT_ROOT,
    clutter_lines,
    html_page,
    rows,
    run_blogarchive,
)
from pipeline.demo.content import blogger_posts, wordpress_posts
from pipeline.serving import make_datasette
from pipeline.store import Archive, site_of


def test_every_demo_post_is_archived_once_and_clean(crawled_demo: dict) -> None:
    result, db, blogs = crawled_demo["result"], crawled_demo["db"], crawled_demo["blogs"]
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and all(": ok," in line for line in lines), result.stdout
    for server, posts in ((blogs.blogger, blogger_posts()), (blogs.wordpress, wordpress_posts())):
        stored = {
            row["url"]: row
            for row in rows(db, "SELECT * FROM posts WHERE url LIKE ?", (server.url + "%",))
        }
        expected = {server.post_url(post): post for post in posts}
        assert set(stored) == set(expected)
        for url, post in expected.items():
            row = stored[url]
            assert row["title"] == post.title
            assert row["author"] == post.author
            assert row["published"][:16] == post.published[:16]
            assert json.loads(row["tags"]) == post.labels
            for paragraph in post.paragraphs:
                assert paragraph.split(" ")[0] in row["text"]
            assert clutter_lines(row["text"]) == [], (url, clutter_lines(row["text"]))
            for comment in post.comments:
                assert comment.text[:40] not in row["text"]
            assert "<script" not in row["html"] and "onerror" not in row["html"]
            assert "javascript:" not in row["html"]
    counts = rows(db, "SELECT count(*) AS n, count(DISTINCT url) AS d FROM posts")[0]
    assert counts["n"] == counts["d"] == len(blogger_posts()) + len(wordpress_posts())


def test_comments_are_kept_apart_with_their_authors(crawled_demo: dict) -> None:
    db, blogs = crawled_demo["db"], crawled_demo["blogs"]
    for server, posts in ((blogs.blogger, blogger_posts()), (blogs.wordpress, wordpress_posts())):
        for post in posts:
            stored = rows(
                db,
                "SELECT comments.* FROM comments JOIN posts ON posts.id = comments.post_id WHERE posts.url = ?",
                (server.post_url(post),),
            )
            assert sorted(c["author"] for c in stored) == sorted(c.author for c in post.comments)
            by_author_text = {(c["author"], c["text"][:30]) for c in stored}
            for comment in post.comments:
                assert (comment.author, comment.text[:30]) in by_author_text


def test_search_finds_a_post_by_a_word_of_its_body(crawled_demo: dict) -> None:
    db, blogs = crawled_demo["db"], crawled_demo["blogs"]
    post = blogger_posts()[3]
    word = max(" ".join(post.paragraphs).split(), key=len).strip(".,;:!?\"'()")
    result = run_blogarchive("search", word, "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert blogs.blogger.post_url(post) in [hit["url"] for hit in hits]

    import asyncio

    async def datasette_search() -> dict:
        response = await make_datasette(db).client.get(
            f"/{db.stem}/posts.json?_search={word}&_shape=array"
        )
        return response.json()

    found = asyncio.run(datasette_search())
    assert blogs.blogger.post_url(post) in [row["url"] for row in found]


def without_seen_times(table_rows: list[dict]) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in ("last_seen", "last_listed", "last_crawl_at")}
        for row in table_rows
    ]


def test_a_second_crawl_adds_nothing(crawled_demo: dict, tmp_path: Path) -> None:
    db = crawled_demo["db"]
    copy = tmp_path / "again.db"
    with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    tables = ("posts", "post_versions", "comments", "sources", "failures")
    before = {t: rows(copy, f"SELECT * FROM {t} ORDER BY id") for t in tables}
    result = run_blogarchive("crawl", "--db", str(copy), *LOOPBACK)  # no URL: every source
    assert result.returncode == 0, result.stderr[-3000:]
    assert all(", 0 new, 0 updated," in line for line in result.stdout.splitlines()), result.stdout
    after = {t: rows(copy, f"SELECT * FROM {t} ORDER BY id") for t in tables}
    for table in ("post_versions", "comments", "failures"):
        assert after[table] == before[table], table
    assert without_seen_times(after["posts"]) == without_seen_times(before["posts"])
    assert without_seen_times(after["sources"]) == without_seen_times(before["sources"])
    assert len(rows(copy, "SELECT * FROM crawls")) == 4


def test_bad_sources_are_recorded_and_the_rest_goes_on(
    demo_blogs, static_site, tmp_path: Path
) -> None:
    db = tmp_path / "bad.db"
    # something already archived must survive a bad run
    with Archive(db) as archive:
        archive.save_post(
            {
                "url": "https://kept.example/2020/01/old.html",
                "title": "Kept",
                "text": "An earlier capture that must survive.",
            }
        )
    not_a_blog = static_site(
        {"/": html_page("<form><input name=user><input type=password></form>", "Login")}
    )
    no_feed = static_site(
        {
            "/": html_page(
                "<h1>Pebble notes</h1><article><h2><a href='/notes/first-pebble/'>First pebble</a></h2></article>"
                "<a href='/older/2/'>Older posts</a>"
            ),
            "/older/2/": html_page(
                "<article><h2><a href='/notes/second-pebble/'>Second pebble</a></h2></article>"
                "<article><h2><a href='/notes/empty/'>Empty</a></h2></article>"
            ),
            "/notes/first-pebble/": html_page(
                "<article><h1>First pebble</h1>" + "<p>A smooth grey pebble from the shingle bank, "
                "ringed with a white band of quartz that glitters when wet.</p>" * 4 + "</article>",
                "First pebble",
            ),
            "/notes/second-pebble/": html_page(
                "<article><h1>Second pebble</h1>" + "<p>A red jasper pebble, polished by the tide "
                "into an almost perfect egg that fits the palm.</p>" * 4 + "</article>",
                "Second pebble",
            ),
            "/notes/empty/": html_page("", "Empty"),
        }
    )
    unreachable = "http://127.0.0.1:9/"
    result = run_blogarchive(
        "crawl",
        unreachable,
        not_a_blog.url,
        no_feed.url,
        demo_blogs.wordpress.url,
        "--db",
        str(db),
        *LOOPBACK,
        "-s",
        "RETRY_TIMES=0",
    )
    assert result.returncode == 1
    summary = {line.split(": ")[0]: line for line in result.stdout.splitlines()}
    assert ": failed" in summary[unreachable]
    assert ": failed" in summary[not_a_blog.url]
    assert "2 new" in summary[no_feed.url] and "1 failed" in summary[no_feed.url]
    assert f"{len(wordpress_posts())} new" in summary[demo_blogs.wordpress.url]
    failures = {(f["url"], f["stage"]) for f in rows(db, "SELECT * FROM failures")}
    assert (unreachable, "fetch") in failures
    assert (not_a_blog.url, "discover") in failures
    assert (no_feed.url + "notes/empty/", "extract") in failures
    kept = rows(db, "SELECT text FROM posts WHERE url = 'https://kept.example/2020/01/old.html'")
    assert kept == [{"text": "An earlier capture that must survive."}]


def test_scrapy_crawl_writes_to_the_same_archive(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "scrapy.db"
    scrapy = str(Path(BLOGARCHIVE).with_name("scrapy"))
    result = subprocess.run(
        [
            scrapy,
            "crawl",
            "blog",
            "-a",
            f"url={demo_blogs.wordpress.url}",
            "-s",
            f"BLOGARCHIVE_DB={db}",
            *LOOPBACK,
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(db, "SELECT count(*) AS n FROM posts") == [{"n": len(wordpress_posts())}]
    assert rows(
        db, "SELECT url, status FROM sources JOIN crawls ON crawls.source_id = sources.id"
    ) == [{"url": demo_blogs.wordpress.url, "status": "ok"}]


def test_scrapy_crawl_does_not_run_beside_another_crawl_of_the_archive(
    demo_blogs, tmp_path: Path
) -> None:
    # Before, it logged "not marking dead crawls" and crawled into the archive anyway; then
    # it printed the refusal as a traceback and exited 1.
    from pipeline.runlock import RunLock

    db = tmp_path / "scrapy.db"
    scrapy = str(Path(BLOGARCHIVE).with_name("scrapy"))
    command = [scrapy, "crawl", "blog", "-a", f"url={demo_blogs.wordpress.url}"]
    with RunLock(db).acquire():  # as a running `blogarchive crawl` holds it
        result = subprocess.run(
            [*command, "-s", f"BLOGARCHIVE_DB={db}", *LOOPBACK],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 75  # as `blogarchive crawl` exits
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "another crawl" in line]
    assert line.startswith(f"blogarchive: another crawl of {db} is running (pid {os.getpid()}")
    assert line.endswith("; this run exits with status 75")
    assert not db.exists() or rows(db, "SELECT count(*) AS n FROM crawls") == [{"n": 0}]


def test_pending_requests_wait_on_disk_and_the_queue_goes_with_the_run(
    demo_blogs, tmp_path: Path
) -> None:
    queues = tmp_path / "queues"
    left_by_killed_run = queues / "blogarchive-queue-999999999-abcd"  # no such pid
    (left_by_killed_run / "requests.queue").mkdir(parents=True)
    of_running_process = queues / f"blogarchive-queue-{os.getpid()}-abcd"
    of_running_process.mkdir()
    db = tmp_path / "queued.db"
    result = run_blogarchive(
        "crawl", demo_blogs.wordpress.url, "--db", str(db), *LOOPBACK,
        "-s", f"BLOGARCHIVE_QUEUE_DIR={queues}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    log = (tmp_path / "logs" / "blogarchive.log").read_text()
    # every request went through a disk queue in a directory of its own, removed at the end
    assert "'scheduler/enqueued/disk'" in log and "'scheduler/enqueued/memory'" not in log
    assert str(queues / "blogarchive-queue-") in log
    assert list(queues.iterdir()) == [of_running_process]
    assert rows(db, "SELECT count(*) AS n FROM posts") == [{"n": len(wordpress_posts())}]

    memory_db = tmp_path / "memory.db"
    result = run_blogarchive(
        "crawl", demo_blogs.wordpress.url, "--db", str(memory_db), *LOOPBACK,
        "-s", "BLOGARCHIVE_DISK_QUEUE=False",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    last_run = (tmp_path / "logs" / "blogarchive.log").read_text()[len(log) :]
    assert "'scheduler/enqueued/memory'" in last_run and "enqueued/disk" not in last_run
    assert rows(memory_db, "SELECT count(*) AS n FROM posts") == [{"n": len(wordpress_posts())}]


def test_malformed_links_cost_only_themselves(static_site, tmp_path: Path) -> None:
    # a sitemap, a feed and a page that each list a good post beside addresses no URL parser
    # accepts (a broken IPv6 host, a port past 65535): the good posts are archived
    bad = ["http://[broken/2024/01/x.html", "http://127.0.0.1:99999/2024/01/y.html"]

    def post(title: str, extra: str = "") -> tuple[int, dict[str, str], bytes]:
        return html_page(
            f"<head>{extra}</head><article><h1>{title}</h1>"
            + f"<p>{title} rode the tide past the breakwater and the lighthouse keeper "
            "waved from the gallery rail as the gulls wheeled above.</p>" * 4 + "</article>",
            title,
        )

    sitemap = "".join(f"<url><loc>{u}</loc></url>" for u in [*bad, "/2024/01/by-sitemap.html"])
    feed = "".join(
        f"<item><title>By feed</title><link>{u}</link></item>"
        for u in [*bad, "/2024/01/by-feed.html"]
    )
    site = static_site({})
    base = site.url.rstrip("/")
    site.pages.update(
        {
            "/": html_page(
                '<link rel="alternate" type="application/rss+xml" href="/feed/">'
                + "".join(f'<article><h2><a href="{u}">x</a></h2></article>' for u in bad)
                + '<article><h2><a href="/2024/01/by-link.html">y</a></h2></article>'
            ),
            "/sitemap.xml": (
                200,
                {"Content-Type": "application/xml"},
                (
                    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    + sitemap.replace("<loc>/", f"<loc>{base}/")
                    + "</urlset>"
                ).encode(),
            ),
            "/feed/": (
                200,
                {"Content-Type": "application/rss+xml"},
                (
                    '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                    + feed.replace("<link>/", f"<link>{base}/")
                    + "</channel></rss>"
                ).encode(),
            ),
            "/2024/01/by-sitemap.html": post("By sitemap"),
            "/2024/01/by-feed.html": post("By feed", '<link rel="canonical" href="https://[x/">'),
            "/2024/01/by-link.html": post(
                "By link", '<meta property="og:url" content="http://[y">'
            ),
        }
    )
    db = tmp_path / "malformed.db"
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stdout + result.stderr
    titles = {r["title"] for r in rows(db, "SELECT title FROM posts")}
    assert titles == {"By sitemap", "By feed", "By link"}
    assert rows(db, "SELECT url FROM failures WHERE stage != 'discover'") == []


def test_a_post_given_as_the_blog_is_archived_too(static_site, tmp_path: Path) -> None:
    """A source whose address is one of the blog's posts without a date in it (so it is not
    taken for its blog, see test_urls): its page is read as the home page, and its own request
    would be dropped as a duplicate; it is archived from the home page's response."""

    def post(title: str, text: str) -> tuple[int, dict[str, str], bytes]:
        return (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            (
                f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
                "<meta property='og:type' content='article'>"
                "<link rel='alternate' type='application/rss+xml' href='/feed.xml'></head>"
                f"<body><article><h1>{title}</h1>{f'<p>{text}</p>' * 4}</article></body></html>"
            ).encode(),
        )

    site = static_site(
        {
            "/notes/first-pebble/": post("First pebble", "A grey pebble ringed with quartz."),
            "/notes/second-pebble/": post("Second pebble", "A red jasper pebble, egg-shaped."),
        }
    )
    items = "".join(
        f"<item><title>{name.replace('-', ' ').capitalize()}</title>"
        f"<link>{site.url}notes/{name}/</link></item>"
        for name in ("first-pebble", "second-pebble")
    )
    site.pages["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>Pebbles</title>{items}"
        "</channel></rss>".encode(),
    )
    db = tmp_path / "archive.db"
    first = site.url + "notes/first-pebble/"
    result = run_blogarchive("crawl", first, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{first}: ok, 2 posts found, 2 new"), result.stdout
    stored = {r["url"]: r["title"] for r in rows(db, "SELECT url, title FROM posts")}
    assert stored == {first: "First pebble", site.url + "notes/second-pebble/": "Second pebble"}


def test_a_japanese_hatena_blog_is_archived_clean_with_its_comments(
    static_site, tmp_path: Path
) -> None:
    """A Hatena Blog on loopback (its home page, Atom feed and two posts, one of them a short
    Japanese post): each post is stored as its paragraphs, its reader comment in `comments`,
    and the search finds a word of it."""
    pages_dir = PROJECT_ROOT / "tests" / "fixtures" / "pages"
    site = static_site({})
    base = site.url.rstrip("/")
    long_post, short_post = "/entry/2024/05/17/140312", "/entry/2024/06/08/211540"
    hatena = (pages_dir / "hatena_blog.html").read_text(encoding="utf-8")
    ameblo = (pages_dir / "ameblo.html").read_text(encoding="utf-8")
    entries = "".join(
        f"<entry><title>{title}</title><link href='{base}{path}' rel='alternate'"
        f" type='text/html'/><id>hatenablog://entry/{n}</id><published>{day}</published>"
        f"<updated>{day}</updated><author><name>kawabe_taro</name></author></entry>"
        for n, (title, path, day) in enumerate(
            [
                ("梅干しを漬けた日", short_post, "2024-06-08T21:15:40+09:00"),
                ("川辺の石垣を直した週末", long_post, "2024-05-17T14:03:12+09:00"),
            ]
        )
    )
    feed = (
        "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'"
        f" xml:lang='ja'><title>川辺日記</title><link href='{base}/'/>{entries}</feed>"
    )
    html = {"Content-Type": "text/html; charset=utf-8"}
    site.pages.update(
        {
            "/": html_page(
                f"<link rel='alternate' type='application/atom+xml' href='{base}/feed'>"
                "<h1 id='title'>川辺日記</h1>",
                "川辺日記",
            ),
            "/feed": (200, {"Content-Type": "application/atom+xml"}, feed.encode()),
            long_post: (
                200,
                html,
                hatena.replace("https://kawabe-nikki.hatenablog.com", base).encode(),
            ),
            # the short post on the same blog (no canonical elsewhere)
            short_post: (
                200,
                html,
                ameblo.replace('<link rel="canonical"', '<link rel="x"').encode(),
            ),
        }
    )
    db = tmp_path / "hatena.db"
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stdout + result.stderr
    posts = {r["title"]: r for r in rows(db, "SELECT * FROM posts")}
    assert set(posts) == {"川辺の石垣を直した週末", "梅干しを漬けた日"}
    short = posts["梅干しを漬けた日"]["text"].split("\n")
    assert len(short) == 3 and short[0].startswith("今年も梅の季節が来た")
    long = posts["川辺の石垣を直した週末"]
    assert long["language"] == "ja" and long["tags"] and "庭仕事" in long["tags"]
    for text in (p["text"] for p in posts.values()):
        for word in ("読者になる", "この記事をシェアする", "いいね！", "関連記事", "前の記事"):
            assert word not in text, word
    comments = rows(db, "SELECT author, text FROM comments")
    assert [c["author"] for c in comments] == ["yamada_h"]
    assert comments[0]["text"] not in long["text"]
    found = run_blogarchive("search", "石垣", "--db", str(db))
    assert "川辺の石垣を直した週末" in found.stdout, found.stdout + found.stderr


def test_a_blogs_feed_gives_its_dates_authors_and_labels_though_the_home_page_links_the_posts(
    static_site, tmp_path: Path
) -> None:
    """On a blog that is neither Blogger nor WordPress, the home page's links to its posts
    were asked for before its feed was read, and the feed's own requests for the same posts
    (which carry its dates, author and labels) were dropped as duplicates: a post whose page
    names none of these had none."""
    prose = "<p>The night ferry leaves at ten and the gulls follow it out past the pier.</p>" * 4
    site = static_site({})
    posts = {
        "/notes/night-ferry/": ("Night ferry", "2023-04-05T21:00:00Z", "Ines Lowe", "sea"),
        "/notes/pier-lights/": ("Pier lights", "2023-03-01T19:30:00Z", "Tom Reyes", "harbour"),
    }
    entries = "".join(
        f"<entry><title>{title}</title><link href='{site.url}{path[1:]}'/>"
        f"<id>{site.url}{path[1:]}</id><published>{date}</published><updated>{date}</updated>"
        f"<author><name>{author}</name></author><category term='{label}'/></entry>"
        for path, (title, date, author, label) in posts.items()
    )
    feed = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>Harbour notes</title>{entries}</feed>"
    links = "".join(f"<h2><a href='{path}'>{title}</a></h2>" for path, (title, *_) in posts.items())
    home = html_page(f"<h1>Harbour notes</h1>{links}", "Harbour notes")
    head = f"<link rel='alternate' type='application/atom+xml' href='{site.url}feed.xml'>"
    site.pages["/"] = (home[0], home[1], home[2].replace(b"<head>", f"<head>{head}".encode()))
    site.pages["/feed.xml"] = (200, {"Content-Type": "application/atom+xml"}, feed.encode())
    for path, (title, *_) in posts.items():
        site.pages[path] = html_page(f"<article><h1>{title}</h1>{prose}</article>", title)
    db = tmp_path / "feed.db"
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert ": ok, 2 posts found, 2 new" in result.stdout, result.stdout + result.stderr[-2000:]
    stored = rows(
        db, "SELECT title, published, published_source, author, tags FROM posts ORDER BY title"
    )
    assert stored == [
        {
            "title": title,
            "published": date.replace("Z", "+00:00"),
            "published_source": "feed",
            "author": author,
            "tags": json.dumps([label]),
        }
        for _, (title, date, author, label) in sorted(posts.items(), key=lambda p: p[1][0])
    ]


def serve_zone_blogs(
    atom_site: Any,
    atom_entries: dict[str, tuple[str, str]],
    atom_title: str,
    rss_site: Any,
    rss_items: dict[str, tuple[str, str]],
    rss_title: str,
    prose: str,
) -> None:
    """Two blogs on `static_site` servers, each a home page naming its feed, the feed (Atom
    with `<published>`, RSS with `<pubDate>`: `path -> (title, date as the feed writes it)`)
    and a page per post of `prose`."""
    entries = "".join(
        f"<entry><title>{title}</title><link rel='alternate' type='text/html' "
        f"href='{atom_site.url}{path[1:]}'/><id>{path}</id><published>{date}</published>"
        f"<updated>{date}</updated></entry>"
        for path, (title, date) in atom_entries.items()
    )
    items = "".join(
        f"<item><title>{title}</title><link>{rss_site.url}{path[1:]}</link>"
        f"<guid>{rss_site.url}{path[1:]}</guid><pubDate>{date}</pubDate></item>"
        for path, (title, date) in rss_items.items()
    )
    feeds = {
        atom_site: ("application/atom+xml", atom_entries, "<feed xmlns='http://www.w3.org/2005/"
                    f"Atom'><title>{atom_title}</title>{entries}</feed>"),
        rss_site: ("application/rss+xml", rss_items, "<rss version='2.0'><channel><title>"
                   f"{rss_title}</title><link>{rss_site.url}</link>{items}</channel></rss>"),
    }  # fmt: skip
    for site, (kind, posts, feed) in feeds.items():
        head = f"<link rel='alternate' type='{kind}' href='{site.url}feed.xml'>"
        home = html_page("<h1>Notes</h1>", "Notes")
        site.pages["/"] = (200, home[1], home[2].replace(b"<head>", f"<head>{head}".encode()))
        site.pages["/feed.xml"] = (200, {"Content-Type": kind}, feed.encode())
        for path, (title, _) in posts.items():
            site.pages[path] = html_page(f"<article><h1>{title}</h1>{prose}</article>", title)


def test_a_post_keeps_the_day_and_zone_its_blogs_feed_dates_it(tmp_path: Path, static_site) -> None:
    """A feed dates a post in the blog's own zone ("23:30 on New Year's Eve, New York time").
    Stored converted to UTC it moved to the next day, month and year (2020-01-01T04:30 UTC):
    the year and month facets put it in 2020, while the blog, its archive widget and its
    page (whose `<abbr>`/`<time>` the archive keeps with their offset) say 31 December 2019."""
    prose = "<p>The skaters stayed on the frozen pond until the lanterns ran out of oil.</p>" * 4
    atom_site, rss_site = static_site({}), static_site({})
    atom_entries = {
        "/2019/12/pond.html": ("Pond at midnight", "2019-12-31T23:30:00.000-05:00"),
        "/2020/01/lanterns.html": ("Lanterns", "2020-01-01T00:15:00.000+09:00"),
    }
    rss_items = {
        "/notes/eve/": ("Eve in New York", "Tue, 31 Dec 2019 23:30:00 EST"),
        "/notes/tokyo/": ("Morning in Tokyo", "Wed, 01 Jan 2020 08:00:00 +0900"),
        "/notes/pacific/": ("Pacific evening", "Sun, 31 Mar 2019 22:30:00 PDT"),
    }
    serve_zone_blogs(atom_site, atom_entries, "Pond notes", rss_site, rss_items, "Eve", prose)
    db = tmp_path / "zones.db"
    result = run_blogarchive("crawl", atom_site.url, rss_site.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    stored = rows(db, "SELECT title, published, published_source, year FROM posts ORDER BY id")
    assert sorted(stored, key=lambda row: row["title"]) == [
        {"title": title, "published": published, "published_source": "feed", "year": year}
        for title, published, year in [
            ("Eve in New York", "2019-12-31T23:30:00-05:00", 2019),
            ("Lanterns", "2020-01-01T00:15:00+09:00", 2020),
            ("Morning in Tokyo", "2020-01-01T08:00:00+09:00", 2020),
            ("Pacific evening", "2019-03-31T22:30:00-07:00", 2019),
            ("Pond at midnight", "2019-12-31T23:30:00-05:00", 2019),
        ]
    ]
    import asyncio

    async def month_facet() -> dict[str, int]:
        response = await make_datasette(db).client.get(
            f"/{db.stem}/posts.json?_facet_month=published&_facet=year"
        )
        facets = response.json()["facet_results"]
        return {row["value"]: row["count"] for row in facets["published"]["results"]} | {
            str(row["value"]): row["count"] for row in facets["year"]["results"]
        }

    assert asyncio.run(month_facet()) == {
        "2020-01": 2, "2019-12": 2, "2019-03": 1, "2020": 2, "2019": 3,
    }  # fmt: skip


def test_posts_of_blogs_in_different_zones_are_listed_newest_first_by_their_instant(
    tmp_path: Path, static_site
) -> None:
    """`published` keeps each blog's clock and sorts as text: 08:00 in Tokyo on New Year's
    Day ("2020-01-01T08:00+09:00", 23:00 UTC on New Year's Eve) came before 23:30 on New
    Year's Eve in New York (04:30 UTC on New Year's Day) in every "newest first" list, and
    1:30 EDT came after 1:10 EST of the same night (the clocks went back in between). Each
    list a user opens now gives the order in which the posts were published."""
    prose = "<p>The lantern by the gate was lit again after the storm had passed us by.</p>" * 4
    new_york, tokyo = static_site({}), static_site({})
    atom_entries = {
        "/2019/12/eve.html": ("Eve in New York", "2019-12-31T23:30:00.000-05:00"),
        "/2019/11/before.html": ("Before the clocks went back", "2019-11-03T01:30:00.000-04:00"),
        "/2019/11/after.html": ("After the clocks went back", "2019-11-03T01:10:00.000-05:00"),
    }
    rss_items = {
        "/notes/morning/": ("Morning in Tokyo", "Wed, 01 Jan 2020 08:00:00 +0900"),
        "/notes/afternoon/": ("Afternoon in Tokyo", "Wed, 01 Jan 2020 15:00:00 +0900"),
    }
    serve_zone_blogs(new_york, atom_entries, "Gate notes", tokyo, rss_items, "Tokyo", prose)
    db = tmp_path / "zones.db"
    result = run_blogarchive("crawl", new_york.url, tokyo.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    newest_first = [  # (title, as the blog dates it, the instant in UTC)
        ("Afternoon in Tokyo", "2020-01-01T15:00:00+09:00", "2020-01-01T06:00:00+00:00"),
        ("Eve in New York", "2019-12-31T23:30:00-05:00", "2020-01-01T04:30:00+00:00"),
        ("Morning in Tokyo", "2020-01-01T08:00:00+09:00", "2019-12-31T23:00:00+00:00"),
        ("After the clocks went back", "2019-11-03T01:10:00-05:00", "2019-11-03T06:10:00+00:00"),
        ("Before the clocks went back", "2019-11-03T01:30:00-04:00", "2019-11-03T05:30:00+00:00"),
    ]
    titles = [title for title, _, _ in newest_first]
    stored = rows(db, "SELECT title, published, published_utc FROM posts")
    assert sorted(stored, key=lambda row: row["title"]) == sorted(
        ({"title": t, "published": p, "published_utc": u} for t, p, u in newest_first),
        key=lambda row: row["title"],
    )

    found = run_blogarchive("search", "lantern", "--order", "newest", "--json", "--db", str(db))
    assert found.returncode == 0, found.stderr
    assert [json.loads(line)["title"] for line in found.stdout.splitlines()] == titles
    found = run_blogarchive("search", "lantern", "--order", "oldest", "--json", "--db", str(db))
    assert [json.loads(line)["title"] for line in found.stdout.splitlines()] == titles[::-1]

    import asyncio

    async def pages() -> dict[str, list[str]]:
        client = make_datasette(db).client
        asked = {
            "search newest": "search.json?_shape=array&q=lantern&order=newest",
            "search oldest": "search.json?_shape=array&q=lantern&order=oldest",
            "latest": "search.json?_shape=array&order=newest",
            "posts table": "posts.json?_shape=array",
            "posts feed": "posts.atom",
        }
        seen = {}
        for name, path in asked.items():
            response = await client.get(f"/{db.stem}/{path}")
            assert response.status_code == 200, (path, response.text[:500])
            if path.endswith(".atom"):
                seen[name] = re.findall(r"<entry><title>([^<]+)</title>", response.text)
            else:
                seen[name] = [row["title"] for row in response.json()]
        response = await client.get(f"/{db.stem}/blogs.json?_shape=array")
        seen["blogs"] = {
            row["site"]: (row["first_post"], row["last_post"]) for row in response.json()
        }
        return seen

    seen = asyncio.run(pages())
    assert seen == {
        "search newest": titles,
        "search oldest": titles[::-1],
        "latest": titles,
        "posts table": titles,
        "posts feed": titles,
        # each blog's first and last post on the home page: by instant, as the blog dates it
        "blogs": {
            site_of(new_york.url): ("2019-11-03T01:30:00-04:00", "2019-12-31T23:30:00-05:00"),
            site_of(tokyo.url): ("2020-01-01T08:00:00+09:00", "2020-01-01T15:00:00+09:00"),
        },
    }


def _many_comments(post, count: int, *, start_id: int = 900000) -> list:
    """`count` comments of our own on `post`, one minute apart; every fifth answers the one
    before it."""
    from datetime import datetime, timedelta

    from pipeline.demo.content import DemoComment

    base = datetime.fromisoformat(post.published)
    made: list = []
    for n in range(count):
        parent = made[-1].comment_id if n % 5 == 4 else None
        made.append(
            DemoComment(
                comment_id=str(start_id + n),
                author="Anonymous" if n % 7 == 0 else f"Reader {n}",
                published=(base + timedelta(days=1, minutes=n)).isoformat(),
                text=f"Remark number {n} on the lentil question.\nSecond line {n}.",
                parent=parent,
            )
        )
    post.comments.extend(made)
    return made


def test_a_blogger_post_with_more_than_200_comments_keeps_them_all(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    """Blogger's page shows the first 200 comments; "Load more..." reads the others from the
    post's comment feed (/feeds/POSTID/comments/default), which the crawl pages through."""
    server, db = fresh_demo_blogs.blogger, tmp_path / "many.db"
    post = server.site.posts[0]
    made = _many_comments(post, 260)
    result = run_blogarchive("crawl", server.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(
        db,
        "SELECT comment_key, comments.author, comments.text, parent, comments.published "
        "FROM comments "
        "JOIN posts ON posts.id = post_id WHERE posts.url = ?",
        (server.post_url(post),),
    )
    by_key = {c["comment_key"]: c for c in stored}
    assert len(stored) == len(post.comments) == len(by_key)
    for comment in made:
        kept = by_key[comment.comment_id]
        assert (kept["author"], kept["text"], kept["parent"]) == (
            comment.author,
            comment.text,
            comment.parent,
        )
        assert kept["published"] == comment.published.replace("+00:00", "") + "+00:00"

    async def search_comments() -> list[dict]:
        response = await make_datasette(db).client.get(
            f"/{db.stem}/search_comments.json?q=%22remark+number+258%22&_shape=array"
        )
        return response.json()

    import asyncio

    post_id = rows(db, "SELECT id FROM posts WHERE url = ?", (server.post_url(post),))[0]["id"]
    found = asyncio.run(search_comments())
    assert [(hit["author"], hit["post_id"]) for hit in found] == [("Reader 258", post_id)]


def test_comments_past_200_on_recrawls_are_added_kept_and_cost_nothing_unchanged(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    """An unchanged post's comment feed is not asked for again; comments added past 200
    are archived on the next run, and one deleted on the blog stays in the archive."""
    from datetime import UTC, datetime

    server, db = fresh_demo_blogs.blogger, tmp_path / "recrawl.db"
    post = server.site.posts[0]
    _many_comments(post, 230)
    crawl = ("crawl", server.url, "--db", str(db), *LOOPBACK)
    assert run_blogarchive(*crawl).returncode == 0
    count = "SELECT count(*) AS n FROM comments JOIN posts ON posts.id = post_id WHERE url = ?"
    url = server.post_url(post)
    assert rows(db, count, (url,)) == [{"n": len(post.comments)}]

    server.reset_requests()
    assert run_blogarchive(*crawl).returncode == 0
    # the post's comment feed is not read again (the blog's own, /feeds/comments/, once)
    assert not [p for p in server.paths if p.startswith("/feeds/") and "/comments/" in p[7:]]
    assert len([p for p in server.paths if p.startswith("/feeds/comments/")]) == 1

    deleted = post.comments.pop(210)
    _many_comments(post, 15, start_id=950000)
    post.updated = datetime.now(UTC).isoformat(timespec="seconds")
    assert run_blogarchive(*crawl).returncode == 0
    assert rows(db, count, (url,)) == [{"n": len(post.comments) + 1}]
    kept = rows(db, "SELECT text FROM comments WHERE comment_key = ?", (deleted.comment_id,))
    assert kept == [{"text": deleted.text}]


def test_a_wordpress_post_with_comment_pages_keeps_every_comment(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    """WordPress with "Break comments into pages": the post shows the newest page, the older
    ones are at /slug/comment-page-N/ behind "Older comments"; each comment is archived once,
    replies with their parents."""
    server, db = fresh_demo_blogs.wordpress, tmp_path / "pages.db"
    server.site.comments_per_page = 10
    post = server.site.posts[0]
    made = _many_comments(post, 60)
    post_url = server.post_url(post)
    result = run_blogarchive("crawl", server.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(
        db,
        "SELECT comment_key, comments.author, comments.text, parent FROM comments "
        "JOIN posts ON posts.id = post_id WHERE posts.url = ?",
        (post_url,),
    )
    assert sorted(c["comment_key"] for c in stored) == sorted(c.comment_id for c in post.comments)
    by_key = {c["comment_key"]: c for c in stored}
    for comment in made:
        kept = by_key[comment.comment_id]
        assert (kept["author"], kept["parent"]) == (comment.author, comment.parent)
        assert kept["text"] == comment.text  # its line break kept
    # the comment pages are no posts of their own
    assert not rows(db, "SELECT url FROM posts WHERE url LIKE '%comment-page%'")


def test_a_comment_page_that_fails_costs_its_comments_not_the_post(
    static_site, tmp_path: Path
) -> None:
    """An "Older comments" page answering 500: the post is archived with the comments it
    shows, and the failure is recorded under the comment page's address."""

    def comment(key: int, text: str) -> str:
        return (
            f"<li class='comment depth-1' id='comment-{key}'><article class='comment-body'>"
            f"<footer class='comment-meta'><div class='comment-author vcard'><b class='fn'>"
            f"Reader {key}</b></div><div class='comment-metadata'><time datetime="
            f"'2024-05-0{key}T10:00:00+02:00'>May {key}</time></div></footer><div "
            f"class='comment-content'><p>{text}</p></div></article></li>"
        )

    site = static_site(
        {
            "/": html_page(
                "<h1>Kite notes</h1><article><h2><a href='/notes/kites/'>Kites</a></h2></article>"
            ),
            "/notes/kites/": html_page(
                "<article><h1>Kites</h1>"
                + "<p>A diamond kite of ripstop nylon climbs fast in a steady onshore breeze "
                "and sulks in the gusts that come over the dunes.</p>"
                * 4
                + "</article><div id='comments'><ol class='comment-list'>"
                + comment(3, "Mine snapped a spar.")
                + "</ol><nav class='comment-navigation'><div class='nav-previous'><a href="
                "'/notes/kites/comment-page-1/#comments'>Older comments</a></div></nav></div>",
                "Kites",
            ),
            "/notes/kites/comment-page-1/": (500, {"Content-Type": "text/html"}, b"oops"),
        }
    )
    db = tmp_path / "kites.db"
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert rows(db, "SELECT author, text, published FROM comments") == [
        {
            "author": "Reader 3",
            "text": "Mine snapped a spar.",
            "published": "2024-05-03T10:00:00+02:00",
        }
    ]
    assert [r["url"] for r in rows(db, "SELECT url FROM posts")] == [site.url + "notes/kites/"]
    failures = rows(db, "SELECT url, stage, error FROM failures")
    assert [(f["url"], f["stage"]) for f in failures] == [
        (site.url + "notes/kites/comment-page-1/", "discover")
    ]
    assert "HTTP 500" in failures[0]["error"]
    assert ": partial, 1 posts found, 1 new," in result.stdout, result.stdout


def test_comment_pages_stop_at_their_budget_and_the_post_is_kept(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    """BLOGARCHIVE_MAX_COMMENT_PAGES bounds the requests per post: past it the post is
    archived with the comments read so far, and the log says so."""
    server, db = fresh_demo_blogs.wordpress, tmp_path / "budget.db"
    server.site.comments_per_page = 2
    post = server.site.posts[0]
    post.comments[:] = []
    _many_comments(post, 12)  # 10 threads (every fifth comment is a reply): 5 pages
    result = run_blogarchive(
        "crawl", server.url, "--db", str(db), *LOOPBACK, "-s", "BLOGARCHIVE_MAX_COMMENT_PAGES=2"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stored = rows(
        db,
        "SELECT count(*) AS n FROM comments JOIN posts ON posts.id = post_id WHERE url = ?",
        (server.post_url(post),),
    )
    # the page shown (the newest) and the two before it: three pages of two threads
    assert stored == [{"n": 7}]
    log = (tmp_path / "logs" / "blogarchive.log").read_text(encoding="utf-8")
    assert "stopped reading its comments after 2 pages" in log


def test_a_crawl_closed_early_by_closespider_is_not_recorded_as_complete(
    demo_blogs, tmp_path: Path
) -> None:
    # Before, `-s CLOSESPIDER_ITEMCOUNT=5` left posts unfetched and recorded the run `ok` (a
    # complete crawl, whose start the next run takes as its incremental cut-off), or `failed`
    # with "no posts found: not a blog" when it stopped before the posts.
    db = tmp_path / "closed.db"
    scrapy = str(Path(BLOGARCHIVE).with_name("scrapy"))
    command = [scrapy, "crawl", "blog", "-a", f"url={demo_blogs.wordpress.url}"]
    settings = ["-s", f"BLOGARCHIVE_DB={db}", *LOOPBACK, "-s", "LOG_LEVEL=WARNING"]
    settings += ["-s", "BLOGARCHIVE_WARC_ENABLED=False"]
    result = subprocess.run(
        [*command, *settings, "-s", "CLOSESPIDER_PAGECOUNT=3"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (archived,) = rows(db, "SELECT count(*) AS n FROM posts")
    assert archived["n"] < len(wordpress_posts())
    assert rows(db, "SELECT status FROM crawls") == [{"status": "interrupted"}]
    assert rows(db, "SELECT * FROM failures") == []

    result = subprocess.run(
        [*command, *settings], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(db, "SELECT count(*) AS n FROM posts") == [{"n": len(wordpress_posts())}]
    assert rows(db, "SELECT status FROM crawls ORDER BY id") == [
        {"status": "interrupted"},
        {"status": "ok"},
    ]


def test_blogarchive_crawl_closed_by_closespider_says_so_and_exits_0(
    demo_blogs, tmp_path: Path
) -> None:
    # A run limited with -s CLOSESPIDER_TIMEOUT (or another CLOSESPIDER_*) was not stopped by
    # a signal: exit status 0 as before, its line says why it is `interrupted`.
    db = tmp_path / "limited.db"
    result = run_blogarchive(
        "crawl", demo_blogs.wordpress.url, "--db", str(db), *LOOPBACK,
        "-s", "CLOSESPIDER_PAGECOUNT=3", "-s", "BLOGARCHIVE_WARC_ENABLED=False",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{demo_blogs.wordpress.url}: interrupted, ")
    assert "(closed before the crawl finished (a CLOSESPIDER_* setting)" in line


def test_a_jobdir_given_again_after_its_run_finished_is_named_as_the_reason(
    demo_blogs, tmp_path: Path
) -> None:
    # Scrapy's JOBDIR keeps the requests a run saw; the same folder given to the next run makes
    # Scrapy drop every request as seen. Before, that run said "no posts found: not a blog".
    db, jobdir = tmp_path / "job.db", tmp_path / "job"
    command = ["crawl", demo_blogs.wordpress.url, "--db", str(db), *LOOPBACK]
    command += ["-s", f"JOBDIR={jobdir}", "-s", "BLOGARCHIVE_WARC_ENABLED=False"]
    first = run_blogarchive(*command)
    assert first.returncode == 0, first.stderr[-3000:]
    again = run_blogarchive(*command)
    assert again.returncode == 1, again.stderr[-3000:]
    assert f"(or JOBDIR={jobdir} holds the requests of a run that finished" in again.stdout
    assert rows(db, "SELECT count(*) AS n FROM posts") == [{"n": len(wordpress_posts())}]


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("BLOGARCHIVE_EXTRACT_ENABLED=False", "none archived: extraction is off"),
        ("DEPTH_LIMIT=1", "(or DEPTH_LIMIT=1 stopped discovery before the posts"),
    ],
)
def test_a_run_that_archived_nothing_because_of_a_setting_says_which(
    demo_blogs, tmp_path: Path, setting: str, said: str
) -> None:
    # Before, the run recorded "no posts found: not a blog, ..." against a real blog.
    db = tmp_path / "nothing.db"
    result = run_blogarchive(
        "crawl", demo_blogs.wordpress.url, "--db", str(db), *LOOPBACK,
        "-s", setting, "-s", "BLOGARCHIVE_WARC_ENABLED=False",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-3000:]
    (failure,) = rows(db, "SELECT url, stage, error FROM failures")
    assert failure["url"] == demo_blogs.wordpress.url and said in failure["error"]
    assert said in result.stdout


def _blog_of_two_posts(static_site, broken: list[str]):
    """A blog whose home page links two posts; the paths in `broken` answer HTTP 500."""
    paths = ["/2024/04/tide-tables.html", "/2024/05/sea-wall.html"]
    links = "".join(f"<h2><a href='{path}'>Post {i}</a></h2>" for i, path in enumerate(paths))
    site = static_site({"/": html_page(f"<h1>Estuary notes</h1>{links}", "Estuary notes")})
    body = "<p>The sea wall was mended with granite blocks brought up the estuary by barge.</p>"
    for i, path in enumerate(paths):
        site.pages[path] = (
            (500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>")
            if path in broken
            else html_page(f"<article><h1>Post {i}</h1>{body * 5}</article>", f"Post {i}")
        )
    return site, paths


def test_a_run_where_every_post_page_failed_fails_and_exits_1(static_site, tmp_path: Path) -> None:
    """Every post page of a blog answering 500 (or a login wall, or failing extraction): before,
    the run was `partial` and exited 0, so cron mailed nothing alarming about a blog of which
    nothing was archived or checked. A run where only some pages failed stays `partial`, 0."""
    half, paths = _blog_of_two_posts(static_site, broken=["/2024/05/sea-wall.html"])
    db = tmp_path / "estuary.db"
    some = run_blogarchive("crawl", half.url, "--db", str(db), *LOOPBACK)
    assert some.returncode == 0, some.stdout + some.stderr[-3000:]
    assert some.stdout.startswith(f"{half.url}: partial, 2 posts found, 1 new,"), some.stdout

    down, _ = _blog_of_two_posts(static_site, broken=paths)
    every = run_blogarchive("crawl", down.url, "--db", str(db), *LOOPBACK)
    assert every.returncode == 1, every.stdout + every.stderr[-3000:]
    assert every.stdout == (
        f"{down.url}: failed, 2 posts found, 0 new, 0 updated, 0 unchanged, 0 gone, 2 failed "
        "(every post page failed (2 of 2): nothing was archived or found unchanged this run; "
        "see the failures table)\n"
    )
    assert "Traceback" not in every.stderr
    runs = rows(db, "SELECT status, message FROM crawls ORDER BY id")
    assert [r["status"] for r in runs] == ["partial", "failed"]
    statuses = rows(db, "SELECT url, last_status FROM sources ORDER BY id")
    assert [s["last_status"] for s in statuses] == ["partial", "failed"]
