"""Crawls that run again and again: incremental, every change kept, deletions noticed,
redirects recorded as aliases, and a killed crawl completed by the next one."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from churn_blog import CHURN, ChurnPost, churn_site_pages
from hostile_server import invited_readers_only, password_protected, paywalled, private_site_login

from conftest import BLOGARCHIVE, LOOPBACK, PROJECT_ROOT, html_page, rows, run_blogarchive
from pipeline.demo.content import synthetic_posts
from pipeline.demo.server import start_demo_blogs
from pipeline.store import Archive


def crawl(db: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run_blogarchive("crawl", url, "--db", str(db), *LOOPBACK, *extra)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result


def content_rows(db: Path) -> dict[str, dict]:
    volatile = ("last_seen", "last_listed", "etag", "last_modified")
    return {
        row["url"]: {k: v for k, v in row.items() if k not in volatile}
        for row in rows(db, "SELECT * FROM posts")
    }


def edit_and_delete(server) -> tuple[str, str]:
    posts = server.site.posts
    edited, deleted = posts[2], posts[5]
    edited.paragraphs = [*edited.paragraphs, "A postscript added in an edit, about the weather."]
    edited.updated = datetime.now(UTC).isoformat(timespec="seconds")
    posts.remove(deleted)
    return server.post_url(edited), server.post_url(deleted)


def check_recrawl_cycle(server, db: Path) -> None:
    crawl(db, server.url)
    first_requests = server.requests
    before = content_rows(db)
    assert len(before) == len(server.site.posts)

    server.reset_requests()
    second = crawl(db, server.url)
    assert ", 0 new, 0 updated," in second.stdout and " 0 gone" in second.stdout, second.stdout
    # unchanged posts are not fetched again: only discovery (home, robots, first feed page,
    # sitemaps or API) is asked for
    assert server.requests < first_requests / 2, (server.requests, first_requests)
    assert server.requests < len(server.site.posts)
    assert content_rows(db) == before

    edited_url, deleted_url = edit_and_delete(server)
    third = crawl(db, server.url)
    assert ", 0 new, 1 updated," in third.stdout and " 1 gone," in third.stdout, third.stdout
    after = content_rows(db)
    assert set(after) == set(before)  # the deleted post stays archived
    changed = {url for url in after if after[url] != before[url]}
    assert changed == {edited_url, deleted_url}
    assert (
        after[deleted_url]["gone_at"] and after[deleted_url]["text"] == before[deleted_url]["text"]
    )
    assert "postscript added in an edit" in after[edited_url]["text"]
    versions = rows(
        db,
        "SELECT post_versions.text FROM post_versions JOIN posts ON posts.id = post_id WHERE posts.url = ? "
        "ORDER BY post_versions.id",
        (edited_url,),
    )
    assert [("postscript" in v["text"]) for v in versions] == [False, True]
    assert rows(db, "SELECT count(*) AS n FROM post_versions") == [{"n": len(before) + 1}]
    crawls = rows(db, "SELECT changed, gone, new, status FROM crawls ORDER BY id")
    assert crawls[-1] == {"changed": 1, "gone": 1, "new": 0, "status": "ok"}


def test_blogger_recrawl_costs_what_changed(fresh_demo_blogs, tmp_path: Path) -> None:
    check_recrawl_cycle(fresh_demo_blogs.blogger, tmp_path / "blogger.db")


def test_wordpress_recrawl_costs_what_changed(fresh_demo_blogs, tmp_path: Path) -> None:
    check_recrawl_cycle(fresh_demo_blogs.wordpress, tmp_path / "wordpress.db")


def test_a_deleted_post_that_returns_is_recorded(fresh_demo_blogs, tmp_path: Path) -> None:
    server, db = fresh_demo_blogs.blogger, tmp_path / "returns.db"
    crawl(db, server.url)
    post = server.site.posts.pop(4)
    crawl(db, server.url)
    url = server.post_url(post)
    assert rows(db, "SELECT gone_at IS NOT NULL AS gone FROM posts WHERE url = ?", (url,)) == [
        {"gone": 1}
    ]
    server.site.posts.insert(4, post)
    crawl(db, server.url, "--full")
    assert rows(db, "SELECT gone_at FROM posts WHERE url = ?", (url,)) == [{"gone_at": None}]
    events = rows(
        db,
        "SELECT event FROM post_events JOIN posts ON posts.id = post_id WHERE url = ? ORDER BY post_events.id",
        (url,),
    )
    assert [e["event"] for e in events] == ["gone", "returned"]


def test_full_sweep_rechecks_every_post_conditionally(fresh_demo_blogs, tmp_path: Path) -> None:
    server, db = fresh_demo_blogs.wordpress, tmp_path / "full.db"
    crawl(db, server.url)
    result = crawl(db, server.url, "--full")
    count = len(server.site.posts)
    # every post asked for again, each answered 304 Not Modified
    assert f"{count} posts found, 0 new, 0 updated, {count} unchanged" in result.stdout
    assert rows(db, "SELECT not_modified FROM crawls ORDER BY id DESC LIMIT 1") == [
        {"not_modified": count}
    ]


def test_a_redirected_post_is_an_alias_not_a_new_post(static_site, tmp_path: Path) -> None:
    body = "<p>The tide tables for the estuary are printed on thin blue paper every spring.</p>" * 5
    site = static_site(
        {
            "/": html_page("<h1>Estuary log</h1>"),
            "/sitemap.xml": (
                200,
                {"Content-Type": "application/xml"},
                b"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                b"<url><loc>/notes/tides-old/</loc></url></urlset>",
            ),
            "/notes/tides-old/": (301, {"Location": "/notes/tides/"}, b""),
            "/notes/tides/": html_page(
                f"<article><h1>Tide tables</h1>{body}</article>", "Tide tables"
            ),
        }
    )
    # the sitemap's relative <loc> is resolved against the site
    site.pages["/sitemap.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        (
            "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<url><loc>{site.url}notes/tides-old/</loc></url></urlset>"
        ).encode(),
    )
    db = tmp_path / "alias.db"
    crawl(db, site.url)
    crawl(db, site.url, "--full")
    assert [r["url"] for r in rows(db, "SELECT url FROM posts")] == [site.url + "notes/tides/"]
    assert rows(db, "SELECT url, reason FROM post_aliases") == [
        {"url": site.url + "notes/tides-old/", "reason": "redirect"}
    ]


def test_a_killed_crawl_is_completed_by_the_next_run(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    with start_demo_blogs(blogger_posts=synthetic_posts(300, paragraphs=20)) as blogs:
        url = blogs.blogger.url
        process = subprocess.Popen(
            [
                BLOGARCHIVE,
                "crawl",
                url,
                "--db",
                str(db),
                *LOOPBACK,
                "-s",
                "BLOGARCHIVE_BATCH_SIZE=10",
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and process.poll() is None:
            if db.exists():
                try:
                    stored = rows(db, "SELECT count(*) AS n FROM posts")[0]["n"]
                except sqlite3.OperationalError:
                    stored = 0
                if stored >= 30:
                    break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert 0 < stored < 300, "the crawl was not killed midway"
        assert rows(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        # the dead run's row says what it archived, committed with its posts
        kept = rows(db, "SELECT count(*) AS n FROM posts")[0]["n"]
        assert rows(db, "SELECT status, new, found FROM crawls") == [
            {"status": "running", "new": kept, "found": kept}
        ]

        result = crawl(db, url)
        assert result.returncode == 0
        assert rows(db, "SELECT count(*) AS n FROM posts") == [{"n": 300}]
        assert rows(db, "SELECT count(DISTINCT url) AS n FROM posts") == [{"n": 300}]
        assert rows(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        conn = sqlite3.connect(db)
        conn.execute("INSERT INTO posts_fts(posts_fts) VALUES ('integrity-check')")
        conn.close()
        runs = rows(db, "SELECT status, new FROM crawls ORDER BY id")
        assert [r["status"] for r in runs] == ["aborted", "ok"]
        assert [r["new"] for r in runs] == [kept, 300 - kept]  # each post counted new once
        assert run_blogarchive("verify", "--db", str(db)).returncode == 0


def test_an_edited_comment_is_kept_beside_the_first_text(fresh_demo_blogs, tmp_path: Path) -> None:
    server, db = fresh_demo_blogs.blogger, tmp_path / "comments.db"
    post = next(p for p in server.site.posts if len(p.comments) >= 2)
    url, first = server.post_url(post), post.comments[0]
    crawl(db, server.url)
    before = rows(db, "SELECT * FROM comments ORDER BY id")
    original = first.text
    first.text = "I take it back: the parsnips were a disaster after all."
    post.updated = datetime.now(UTC).isoformat(timespec="seconds")
    crawl(db, server.url)
    kept = rows(
        db,
        "SELECT comment_key, comments.author, comments.text FROM comments "
        "JOIN posts ON posts.id = post_id "
        "WHERE posts.url = ? AND comment_key LIKE ? ORDER BY comments.id",
        (url, first.comment_id + "%"),
    )
    # the text as first archived, unchanged, and the edit beside it
    assert [(c["author"], c["text"]) for c in kept] == [
        (first.author, original),
        (first.author, first.text),
    ]
    assert kept[1]["comment_key"].startswith(first.comment_id + "#edit-")
    assert rows(db, "SELECT * FROM comments ORDER BY id")[: len(before)] == before
    assert rows(
        db, "SELECT count(*) AS n FROM comments_fts WHERE comments_fts MATCH 'disaster'"
    ) == [{"n": 1}]
    count = rows(db, "SELECT count(*) AS n FROM comments")
    crawl(db, server.url, "--full")  # seen again, edited the same way: nothing added
    assert rows(db, "SELECT count(*) AS n FROM comments") == count


def test_a_comment_removed_on_the_blog_stays_as_archived(fresh_demo_blogs, tmp_path: Path) -> None:
    """Blogger shows "This comment has been removed by the author." where a deleted comment
    was: the archive keeps the comment as first archived and adds no "edit" holding the
    notice (before, it did), and no comment row is ever the notice."""
    server, db = fresh_demo_blogs.blogger, tmp_path / "removed.db"
    post = next(p for p in server.site.posts if len(p.comments) >= 2)
    url, removed = server.post_url(post), post.comments[0]
    crawl(db, server.url)
    before = rows(db, "SELECT * FROM comments ORDER BY id")
    original = (removed.author, removed.text)
    removed.author, removed.text = "Unknown", "This comment has been removed by the author."
    post.updated = datetime.now(UTC).isoformat(timespec="seconds")
    crawl(db, server.url)
    assert rows(db, "SELECT * FROM comments ORDER BY id") == before
    kept = rows(
        db,
        "SELECT comments.author, comments.text FROM comments JOIN posts ON posts.id = post_id "
        "WHERE posts.url = ? AND comment_key LIKE ?",
        (url, removed.comment_id + "%"),
    )
    assert [(c["author"], c["text"]) for c in kept] == [original]


@pytest.mark.parametrize("platform", ["blogger", "wordpress"])
def test_a_comment_on_an_old_post_is_archived_by_the_next_run(
    fresh_demo_blogs, tmp_path: Path, platform: str
) -> None:
    """A new comment does not change the post's feed `updated`, sitemap `lastmod` or
    `modified_gmt`, so the post is listed unchanged: the blog's comment feed
    (Blogger's /feeds/comments/default, WordPress's /comments/feed/) says which posts were
    commented on since the last run, and those are fetched again."""
    from pipeline.demo.content import DemoComment

    server = getattr(fresh_demo_blogs, platform)
    db = tmp_path / "late.db"
    post = server.site.posts[1]
    crawl(db, server.url)
    post.comments.append(
        DemoComment(
            comment_id="870001",
            author="Late Reader",
            published=datetime.now(UTC).isoformat(timespec="seconds"),
            text="Coming to this years later: the lentils still work.",
        )
    )
    server.reset_requests()
    crawl(db, server.url)
    assert rows(
        db,
        "SELECT comments.author, comments.text FROM comments JOIN posts ON posts.id = post_id "
        "WHERE posts.url = ? AND comment_key = '870001'",
        (server.post_url(post),),
    ) == [{"author": "Late Reader", "text": post.comments[-1].text}]
    # what it costs: one page of the comment feed, and that post the only post fetched
    post_page = re.compile(r"/\d{4}/\d{2}/(\d{2}/[^/]+/|[^/]+\.html)")
    assert [p for p in server.paths if post_page.fullmatch(p)] == [
        server.post_url(post).removeprefix(server.url.rstrip("/"))
    ]
    assert len([p for p in server.paths if "comments" in p]) == 1, server.paths


def test_a_post_changed_back_to_an_earlier_version_says_so(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    server, db = fresh_demo_blogs.wordpress, tmp_path / "revert.db"
    post = server.site.posts[3]
    url, title = server.post_url(post), post.title

    def retitle(new: str) -> None:
        post.title = new
        post.updated = datetime.now(UTC).isoformat(timespec="seconds")
        crawl(db, server.url)

    crawl(db, server.url)
    retitle(title + ": a correction")
    retitle(title)  # the correction withdrawn
    assert rows(db, "SELECT title FROM posts WHERE url = ?", (url,)) == [{"title": title}]
    versions = rows(
        db,
        "SELECT post_versions.id, post_versions.title FROM post_versions "
        "JOIN posts ON posts.id = post_id WHERE posts.url = ? ORDER BY post_versions.id",
        (url,),
    )
    assert [v["title"] for v in versions] == [title, title + ": a correction"]
    events = rows(
        db,
        "SELECT event, detail FROM post_events JOIN posts ON posts.id = post_id WHERE url = ? "
        "AND event != 'updated_changed'",
        (url,),
    )
    assert len(events) == 1 and events[0]["event"] == "reverted"
    assert events[0]["detail"].startswith(f"back to version {versions[0]['id']} (captured ")
    # each edit moved the blog's "last updated" date: the dates it replaced are kept
    assert [
        row["event"]
        for row in rows(db, "SELECT event FROM post_events WHERE event = 'updated_changed'")
    ] == ["updated_changed"] * 2
    crawl(db, server.url)  # nothing changed since: no further event
    assert rows(db, "SELECT count(*) AS n FROM post_events") == [{"n": 3}]


def test_an_edit_on_a_blog_with_only_an_rss_feed_is_archived_by_the_next_run(
    static_site, tmp_path: Path
) -> None:
    """RSS 2.0 has no "last updated" date, only `pubDate`; feedparser offers `pubDate` as
    `updated` too, which the crawl took for a change signal older than its last capture, so
    an edited post was never fetched again (and its `updated` was its publication date)."""
    para = "<p>The tide tables for the estuary are printed on thin blue paper every spring.</p>"
    site = static_site({})
    post = site.url + "2024/05/tides/"
    site.pages["/"] = html_page(
        f"<link rel='alternate' type='application/rss+xml' href='{site.url}index.xml'>"
        "<h1>Estuary log</h1>"
    )
    site.pages["/index.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Estuary log</title>"
            f"<link>{site.url}</link><item><title>Tides</title><link>{post}</link>"
            "<pubDate>Sun, 12 May 2024 08:00:00 +0000</pubDate></item></channel></rss>"
        ).encode(),
    )
    site.pages["/2024/05/tides/"] = html_page(f"<article><h1>Tides</h1>{para * 5}</article>")
    db = tmp_path / "rss.db"
    crawl(db, site.url)
    assert rows(db, "SELECT updated, updated_source FROM posts") != [  # the pubDate
        {"updated": "2024-05-12T08:00:00+00:00", "updated_source": "feed"}
    ]
    edit = "<p>Correction: the tables are printed on green paper since this spring.</p>"
    site.pages["/2024/05/tides/"] = html_page(f"<article><h1>Tides</h1>{para * 5}{edit}</article>")
    crawl(db, site.url)
    assert "green paper" in rows(db, "SELECT text FROM posts")[0]["text"]
    assert len(rows(db, "SELECT id FROM post_versions")) == 2


def test_an_archived_post_answering_a_soft_404_is_marked_gone(static_site, tmp_path: Path) -> None:
    """A deleted post whose address now answers "Page not found" with 200, or redirects to
    the home page (a "redirect 404s home" plugin): before, each run recorded a failure and
    the post never got `gone_at`, as a 404 gives it."""
    body = "<p>The lock keeper opens the upper gates at dawn and closes them at dusk.</p>" * 5
    paths = ["/2024/01/lock-gates.html", "/2024/02/towpath.html", "/2024/03/winter.html"]

    def sitemap(listed: list[str]) -> tuple[int, dict[str, str], bytes]:
        locs = "".join(f"<url><loc>{site.url}{path[1:]}</loc></url>" for path in listed)
        xml = "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + locs + "</urlset>"
        return 200, {"Content-Type": "application/xml"}, xml.encode()

    site = static_site(
        {"/": html_page("<h1>Canal notes</h1>")}
        | {
            path: html_page(f"<article><h1>Post {i}</h1>{body}</article>", f"Post {i}")
            for i, path in enumerate(paths)
        }
    )
    site.pages["/sitemap.xml"] = sitemap(paths)
    db = tmp_path / "soft404.db"
    assert ": ok, 3 posts found, 3 new" in crawl(db, site.url).stdout
    site.pages[paths[0]] = html_page("<h1>Page not found</h1><p>Sorry.</p>", "Page not found")
    site.pages[paths[1]] = (302, {"Location": site.url}, b"")
    site.pages["/sitemap.xml"] = sitemap(paths[2:])
    second = crawl(db, site.url)
    assert ", 2 gone, 0 failed" in second.stdout, second.stdout
    gone = rows(db, "SELECT url, gone_at IS NOT NULL AS gone, text FROM posts ORDER BY url")
    assert [(row["url"], row["gone"]) for row in gone] == [
        (site.url + paths[0][1:], 1),
        (site.url + paths[1][1:], 1),
        (site.url + paths[2][1:], 0),
    ]
    assert all("lock keeper" in row["text"] for row in gone)  # the archived text stays
    events = rows(db, "SELECT event, detail FROM post_events ORDER BY id")
    assert [e["event"] for e in events] == ["gone", "gone"]
    assert all(e["detail"].startswith("soft 404") for e in events)


def test_a_page_that_changes_on_every_fetch_gets_a_version_only_when_the_author_edits(
    static_site, tmp_path: Path
) -> None:
    """A cron crawl every 6 hours of a blog whose pages change on every fetch (relative dates,
    view counters, rotating related posts and ads, footers' timings, Cloudflare's e-mail
    hashes, nonces, cache-busting image URLs...): before, every run stored a new version of
    such posts, burying the real edits. Now only the author's edits (a word, a title, a tag)
    give a version, exactly one each, and the author's own sentences that look like churn are
    kept."""
    posts = [ChurnPost(f"post-{n}", churn=kind) for n, kind in enumerate(CHURN)]
    word, retitled, retagged = (ChurnPost(f"edit-{n}") for n in range(3))
    quoting = ChurnPost(
        "quoting",
        paragraphs=[
            "The thread about butts was posted 3 hours ago and already has 1,234 views.",
            "Views: 1,234",
            "Someone replied that their own butt, bought 2 years ago, had split as well.",
        ],
    )
    posts += [word, retitled, retagged, quoting]
    site = static_site({})
    site.pages = churn_site_pages(site.url, posts, fetch=1)
    db = tmp_path / "churn.db"
    first = crawl(db, site.url)
    assert f": ok, {len(posts)} posts found, {len(posts)} new," in first.stdout, first.stdout

    site.pages = churn_site_pages(site.url, posts, fetch=2)
    second = crawl(db, site.url)  # nothing edited: the pages changed all the same
    assert ", 0 new, 0 updated," in second.stdout, second.stdout

    word.paragraphs[1] = word.paragraphs[1].replace("winter", "summer")
    retitled.title = "Water butts, mended"
    retagged.tags = ["Allotment", "Water"]
    site.pages = churn_site_pages(site.url, posts, fetch=3)
    third = crawl(db, site.url)
    assert ", 0 new, 3 updated," in third.stdout, third.stdout

    versions = rows(
        db,
        "SELECT posts.url, post_versions.title, post_versions.text, post_versions.tags "
        "FROM post_versions JOIN posts ON posts.id = post_id ORDER BY post_versions.id",
    )
    by_url: dict[str, list[dict]] = {}
    for version in versions:
        by_url.setdefault(version.pop("url"), []).append(version)
    edited = {site.url + post.path[1:] for post in (word, retitled, retagged)}
    assert {url: len(v) for url, v in by_url.items() if len(v) != 1} == dict.fromkeys(edited, 2)
    assert "split over the summer" in by_url[site.url + word.path[1:]][1]["text"]
    assert by_url[site.url + retitled.path[1:]][1]["title"] == "Water butts, mended"
    assert by_url[site.url + retagged.path[1:]][1]["tags"] == '["Allotment", "Water"]'
    assert by_url[site.url + quoting.path[1:]][0]["text"].split("\n") == quoting.paragraphs
    assert rows(db, "SELECT event, detail FROM post_events") == []


def test_a_clock_set_back_after_a_run_neither_fails_the_next_run_nor_hides_changes(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    # Before, a run after the clock was set back found every post "listed already in this
    # run" and none of the listings newer than the last run: `failed (no posts found: not a
    # blog ...)`, exit status 1, and edits and deletions went unnoticed until the clock
    # caught up with the earlier run.
    server = fresh_demo_blogs.blogger
    db = tmp_path / "archive.db"
    crawl(db, server.url)
    before = content_rows(db)
    # the times the first run wrote, as a clock a day ahead would have written them
    tamper = sqlite3.connect(db)
    with tamper:
        tamper.execute(
            "UPDATE posts SET last_listed = "
            "strftime('%Y-%m-%dT%H:%M:%f000+00:00', last_listed, '+1 day')"
        )
        for column in ("started", "finished"):
            tamper.execute(
                f"UPDATE crawls SET {column} = "
                f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {column}, '+1 day')"
            )
    tamper.close()
    edited_url, deleted_url = edit_and_delete(server)

    after_jump = crawl(db, server.url)

    line = after_jump.stdout.strip()
    assert line.startswith(f"{server.url}: ok, {len(before)} posts found, 0 new, 1 updated,")
    assert " 1 gone, 0 failed" in line, line
    after = content_rows(db)
    assert set(after) == set(before) and after[edited_url] != before[edited_url]
    assert rows(db, "SELECT gone_at FROM posts WHERE url = ?", (deleted_url,))[0]["gone_at"]


def test_an_edit_the_sitemap_dates_without_a_zone_or_time_is_fetched(
    tmp_path: Path, static_site
) -> None:
    """A sitemap's `lastmod` of the day only ("2024-05-18") or a time without a zone (the
    blog's local time) was read as that midnight, or that time, in UTC: a post edited later
    the same day, or on a blog behind UTC, looked older than our last capture of it and was
    not fetched again until a `crawl --full`. Such a signal now counts as the latest moment it
    can mean (the end of that day, in the zone furthest behind UTC)."""
    site = static_site({})
    paths = ["/2024/05/17/ridge-walk/", "/2024/05/18/sheepfold/"]

    def serve(state: str, lastmods: list[str]) -> None:
        locs = "".join(
            f"<url><loc>{site.url}{path[1:]}</loc><lastmod>{lastmod}</lastmod></url>"
            for path, lastmod in zip(paths, lastmods, strict=True)
        )
        urlset = f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{locs}</urlset>"
        site.pages["/"] = html_page("<h1>Hill notes</h1><p>Walks over the fells.</p>", "Hill notes")
        site.pages["/sitemap.xml"] = (200, {"Content-Type": "application/xml"}, urlset.encode())
        for path in paths:
            paragraph = (
                f"<p>The path over the ridge was {state} and the sheep watched us climb.</p>"
            )
            site.pages[path] = html_page(f"<article><h1>{path}</h1>{paragraph * 4}</article>")

    db = tmp_path / "hills.db"
    serve("muddy after the rain", ["2024-05-17T10:00:00", "2024-05-18"])
    first = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert ": ok, 2 posts found, 2 new" in first.stdout, first.stdout + first.stderr[-2000:]
    # edited just now by a blog five hours behind UTC, which writes its local time, and by
    # one ten hours behind, which writes its local day
    now = datetime.now(UTC)
    local_time = (now - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S")
    serve("dry and dusty", [local_time, (now - timedelta(hours=10)).strftime("%Y-%m-%d")])
    second = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert ": ok, 2 posts found, 0 new, 2 updated" in second.stdout, second.stdout
    assert rows(db, "SELECT count(*) AS n FROM post_versions") == [{"n": 4}]


def test_an_edit_of_the_modified_date_only_gives_no_version(tmp_path: Path, static_site) -> None:
    """A blog that re-saves a post without changing its words (a plugin touching every post)
    moves its `dateModified` and its feed's `<updated>`: the post is fetched again and
    `updated` follows the blog, but no `post_versions` row is added (what counts as a change
    is the title, text and labels; see README, Incremental crawls)."""
    site = static_site({})
    path = "/2019/03/kettle.html"

    def serve(modified: str) -> None:
        ld = (
            '{"@context":"https://schema.org","@type":"BlogPosting","headline":"Kettle",'
            f'"datePublished":"2019-03-31T23:30:00-05:00","dateModified":"{modified}"}}'
        )
        feed = (
            "<feed xmlns='http://www.w3.org/2005/Atom'><title>Stove</title><entry><title>Kettle"
            f"</title><link rel='alternate' type='text/html' href='{site.url}{path[1:]}'/>"
            f"<id>1</id><published>2019-03-31T23:30:00-05:00</published><updated>{modified}"
            "</updated></entry></feed>"
        )
        head = f"<link rel='alternate' type='application/atom+xml' href='{site.url}feed.xml'>"
        site.pages["/"] = html_page(f"{head}<h1>Stove</h1>")
        site.pages["/feed.xml"] = (200, {"Content-Type": "application/atom+xml"}, feed.encode())
        prose = "<p>The kettle sang on the stove while the snow fell over the garden wall.</p>"
        site.pages[path] = html_page(
            f"<script type='application/ld+json'>{ld}</script><article><h1>Kettle</h1>"
            f"{prose * 4}</article>"
        )

    db = tmp_path / "stove.db"
    serve("2019-04-02T08:00:00-04:00")
    run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    later = (datetime.now(UTC) + timedelta(minutes=1)).replace(microsecond=0).isoformat()
    serve(later)
    second = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    assert ": ok, 1 posts found, 0 new, 0 updated, 1 unchanged" in second.stdout, second.stdout
    assert rows(db, "SELECT published, updated FROM posts") == [
        {"published": "2019-03-31T23:30:00-05:00", "updated": later}
    ]
    assert rows(db, "SELECT count(*) AS n FROM post_versions") == [{"n": 1}]
    # the date it replaced is kept (before 2026-11-29 it was lost)
    assert rows(db, "SELECT event, detail FROM post_events") == [
        {"event": "updated_changed", "detail": f"updated from 2019-04-02T08:00:00-04:00 to {later}"}
    ]


def _walled_blog(static_site, paths: list[str], paragraphs: list[str]):
    """A blog of posts of `paragraphs` each, listed on its home page."""
    site = static_site({})
    links = "".join(f"<h2><a href='{path}'>Post {i}</a></h2>" for i, path in enumerate(paths))
    site.pages["/"] = html_page(f"<h1>Harbour notes</h1>{links}", "Harbour notes")
    for i, path in enumerate(paths):
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        site.pages[path] = html_page(f"<article><h1>Post {i}</h1>{body}</article>", f"Post {i}")
    return site


WALL_PARAGRAPHS = [
    f"Day {n}: the pilot boat went out at {n + 5} o'clock to meet the grain ship, and the "
    "crew on the quay argued about whether the swell would let it berth before the tide "
    "turned, which it did, with a foot of water to spare and the gulls complaining overhead."
    for n in range(12)
]


def test_a_blog_gone_private_keeps_its_posts_and_records_the_walls(
    static_site, tmp_path: Path
) -> None:
    """A blog that goes private answers every post's address with a login wall (a private
    site plugin's login page, a Blogger-style invited-readers notice, a paywall after the
    first paragraphs, a password-protected post), with 200. Before, the next crawl stored
    each wall as the post's newest version: search and the post page showed the wall."""
    paths = [f"/2024/0{n}/harbour-day-{n}.html" for n in range(1, 5)]
    site = _walled_blog(static_site, paths, WALL_PARAGRAPHS)
    public = dict(site.pages)
    db = tmp_path / "private.db"
    assert ": ok, 4 posts found, 4 new" in crawl(db, site.url).stdout
    before = content_rows(db)

    walls = [
        private_site_login(site.url, site.url + paths[0][1:]),
        invited_readers_only(site.url),
        paywalled("Post 2", WALL_PARAGRAPHS[:4]),  # 4 of 12 paragraphs: over 100 words
        password_protected("Post 3", site.url),
    ]
    # the home page is a wall too (a page the same as a post's, byte for byte, is refused as
    # the home page: that is tested in test_hostile.py)
    home = private_site_login(site.url, site.url)
    for path, wall in zip(["/", *paths], [home, *walls], strict=True):
        site.pages[path] = (200, {"Content-Type": "text/html; charset=utf-8"}, wall.encode())
    private = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK, "-s", "LOG_LEVEL=INFO")
    # every post a wall: the run failed, exit status 1, so that cron says so (it was 0)
    assert private.returncode == 1, private.stdout + private.stderr[-3000:]
    assert ": failed, 4 posts found, 0 new" in private.stdout, private.stdout
    assert content_rows(db) == before  # the archive's face is the posts, not the walls
    assert rows(db, "SELECT count(*) AS n FROM post_versions") == [{"n": 4}]
    failures = rows(db, "SELECT url, stage, error FROM failures ORDER BY url")
    assert [f["url"] for f in failures] == [site.url + path[1:] for path in paths]
    assert all(f["stage"] == "fetch" and f["error"].startswith("login wall:") for f in failures)
    assert "less than half of the" in failures[2]["error"]  # the paywall's teaser
    assert "'blogarchive/fetch/login_wall': 4" in private.stderr
    assert private.stderr.count(": login wall: the page shows") >= 4  # logged
    assert ", 4 failed" in private.stdout, private.stdout
    assert f"{site.url}: the home page is a login wall: the page shows" in private.stderr

    site.pages.update(public)  # open again: nothing spurious
    reopened = crawl(db, site.url, "--full")
    assert ": ok, 4 posts found, 0 new, 0 updated" in reopened.stdout, reopened.stdout
    assert content_rows(db) == before
    assert rows(db, "SELECT count(*) AS n FROM post_versions") == [{"n": 4}]
    assert rows(db, "SELECT count(*) AS n FROM post_events") == [{"n": 0}]
    assert len(rows(db, "SELECT id FROM failures")) == 4  # none new


def test_a_wall_on_a_first_crawl_archives_no_post(static_site, tmp_path: Path) -> None:
    """A members-only blog whose home page is public: its posts answer a login page or a
    paywall with a short teaser. Nothing is archived from them; each is recorded."""
    paths = ["/2024/05/members-walk.html", "/2024/06/members-boats.html"]
    site = _walled_blog(static_site, paths, WALL_PARAGRAPHS)
    site.pages[paths[0]] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        private_site_login(site.url, site.url + paths[0][1:]).encode(),
    )
    site.pages[paths[1]] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        paywalled("Boats", WALL_PARAGRAPHS[:1]).encode(),
    )
    db = tmp_path / "members.db"
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    # every post a wall: the run failed, exit status 1 (it was `partial`, 0)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert ": failed, 2 posts found, 0 new" in result.stdout, result.stdout
    assert "(every post page failed (2 of 2)" in result.stdout
    log = (db.parent / "logs" / "blogarchive.log").read_text()
    assert log.count(": login wall: the page shows") == 2
    assert "the home page is a login wall" not in log  # its home page is public
    assert rows(db, "SELECT url FROM posts") == []
    errors = rows(db, "SELECT url, error FROM failures ORDER BY url")
    assert [e["url"] for e in errors] == [site.url + path[1:] for path in paths]
    assert all(e["error"].startswith("login wall:") for e in errors), errors


def test_a_post_sent_to_the_blogs_login_page_keeps_its_text(static_site, tmp_path: Path) -> None:
    """The commonest "private site" plugins answer a post's address with a redirect to the
    blog's own login page (`/wp-login.php?redirect_to=...`). The login page is refused as a
    wall under the post's address, not under the login page's; the post keeps its text."""
    paths = ["/2024/07/harbour-day-7.html", "/2024/08/harbour-day-8.html"]
    site = _walled_blog(static_site, paths, WALL_PARAGRAPHS)
    db = tmp_path / "redirected.db"
    assert ": ok, 2 posts found, 2 new" in crawl(db, site.url).stdout
    before = content_rows(db)
    for path in paths:
        login = f"/wp-login.php?redirect_to={site.url}{path[1:]}"
        site.pages[path] = (302, {"Location": login}, b"")
        site.pages[login] = (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            private_site_login(site.url, site.url + path[1:]).encode(),
        )
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK, "--full")
    # every post a wall: the run failed, exit status 1 (it was `partial`, 0)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert ": failed, 2 posts found, 0 new" in result.stdout, result.stdout
    assert ", 2 failed (every post page failed (2 of 2)" in result.stdout, result.stdout
    assert content_rows(db) == before
    failures = rows(db, "SELECT url, error FROM failures ORDER BY url")
    assert [f["url"] for f in failures] == [site.url + path[1:] for path in paths]
    assert all(f["error"].startswith("login wall:") for f in failures), failures


def test_a_posts_embeds_are_archived_as_links_and_an_older_archive_gets_no_version_for_them(
    static_site, tmp_path: Path
) -> None:
    """A post with a YouTube video and a tweet, and one with an address behind Cloudflare's
    e-mail protection. Before, the archive kept no trace of either embed and "[email
    protected]" for the address. Now the archived HTML (the row and Datasette's post page)
    names each embed and links to it, with no frame or script, and the text holds the
    address. An archive made before: the embeds change nothing that is compared (the text
    is the same), and the address gives the post one new version, once, whatever key
    Cloudflare picks on later fetches."""
    import asyncio
    import sqlite3

    from conftest import datasette_command
    from pipeline.store import content_hash

    video = "https://www.youtube.com/embed/Rr2Ss3Tt4Uu?feature=oembed"
    film = ChurnPost(
        "film",
        body_html=(
            "<p>We borrowed a pump from the farm and filmed the whole sorry business of "
            "draining the pond, which took most of a wet Sunday afternoon.</p>"
            '<figure class="wp-block-embed is-type-video is-provider-youtube"><div '
            f'class="wp-block-embed__wrapper"><iframe title="Draining the pond" src="{video}" '
            'width="640" height="360" allowfullscreen></iframe></div></figure>'
            "<p>The frogs were moved to the water butts first, one bucket at a time, and "
            "returned the next morning when the pond had been cleaned and refilled.</p>"
            '<figure class="wp-block-embed is-type-rich is-provider-twitter"><div '
            'class="wp-block-embed__wrapper"><blockquote class="twitter-tweet"><p lang="en">'
            "Forty frogs rehomed for the night on plot 14</p>&mdash; Plot 14 (@plot14) "
            '<a href="https://twitter.com/plot14/status/1791000000000000003?ref_src=twsrc">'
            'May 20, 2024</a></blockquote><script async src="https://platform.twitter.com/'
            'widgets.js"></script></div></figure>'
            "<p>Next year we will borrow a bigger pump, or better still, do it in the dry.</p>"
        ),
    )
    mail = ChurnPost("lessons", churn="Cloudflare e-mail")
    site = static_site({})
    site.pages = churn_site_pages(site.url, [film, mail], fetch=1)
    db = tmp_path / "archive.db"  # the name the post page template is for
    crawl(db, site.url)

    film_row, mail_row = (
        rows(db, "SELECT * FROM posts WHERE url = ?", (site.url + post.path[1:],))[0]
        for post in (film, mail)
    )
    watch = "https://www.youtube.com/watch?v=Rr2Ss3Tt4Uu"
    tweet = "https://twitter.com/plot14/status/1791000000000000003"
    assert (
        f'Embedded video “Draining the pond”: <a href="{watch}" rel="nofollow noopener">'
        in (film_row["html"])
    )
    assert f'Embedded tweet: <a href="{tweet}" rel="nofollow noopener">' in film_row["html"]
    assert "<blockquote><p>Forty frogs rehomed for the night on plot 14</p>" in film_row["html"]
    assert "<iframe" not in film_row["html"] and "<script" not in film_row["html"]
    assert "Embedded" not in film_row["text"]
    assert "Write to me at mara@plot14.example to book a lesson." in mail_row["text"]

    async def post_page(post_id: int) -> str:
        response = await datasette_command([db]).client.get(f"/{db.stem}/posts/{post_id}")
        assert response.status_code == 200
        return response.text

    page = asyncio.run(post_page(film_row["id"]))
    assert f'<a href="{watch}" rel="nofollow noopener noreferrer">{watch}</a>' in page
    assert "Embedded video" in page and f'<a href="{tweet}"' in page
    assert "<iframe" not in page
    assert "mara@plot14.example" in asyncio.run(post_page(mail_row["id"]))

    # the two posts as an older blogarchive archived them: no trace of the embeds, and the
    # placeholder for the address
    old_film_html = re.sub(r"<figure>.*?</figure>", "", film_row["html"])
    old_text = mail_row["text"].replace("mara@plot14.example", "[email\xa0protected]")
    old_hash = content_hash(mail_row["title"], old_text, json.loads(mail_row["tags"]))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE posts SET html = ? WHERE id = ?", (old_film_html, film_row["id"]))
        conn.execute(
            "UPDATE post_versions SET html = ? WHERE post_id = ?", (old_film_html, film_row["id"])
        )
        for table, key in (("posts", "id"), ("post_versions", "post_id")):
            conn.execute(
                f"UPDATE {table} SET text = ?, content_hash = ? WHERE {key} = ?",
                (old_text, old_hash, mail_row["id"]),
            )
    conn.close()

    site.pages = churn_site_pages(site.url, [film, mail], fetch=2)  # another Cloudflare key
    assert ", 0 new, 1 updated," in crawl(db, site.url).stdout
    site.pages = churn_site_pages(site.url, [film, mail], fetch=3)  # and another
    assert ", 0 new, 0 updated," in crawl(db, site.url).stdout
    versions = rows(db, "SELECT post_id, text FROM post_versions ORDER BY id")
    assert [v["text"] for v in versions if v["post_id"] == film_row["id"]] == [film_row["text"]]
    assert [v["text"] for v in versions if v["post_id"] == mail_row["id"]] == [
        old_text,
        mail_row["text"],
    ]


def test_a_run_answered_from_scrapys_http_cache_is_no_check_of_the_blog(
    static_site, tmp_path: Path
) -> None:
    """`-s HTTPCACHE_ENABLED=True` on a second run, after a post was deleted from the blog:
    Scrapy's cache answers with the post's page and the listing that still names it. Before,
    the run said `ok, ... 2 unchanged, 0 gone`, and became the next run's incremental cut-off
    as if it had checked the blog. Now it is `cached`, says how many answers came from the
    cache, exits 0, and is no cut-off; the next run without the cache finds the post gone."""
    body = "<p>The lock keeper opens the upper gates at dawn and closes them at dusk.</p>" * 5
    paths = ["/2024/01/lock-gates.html", "/2024/02/towpath.html"]

    def sitemap(listed: list[str]) -> tuple[int, dict[str, str], bytes]:
        locs = "".join(f"<url><loc>{site.url}{path[1:]}</loc></url>" for path in listed)
        xml = "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>" + locs + "</urlset>"
        return 200, {"Content-Type": "application/xml"}, xml.encode()

    site = static_site({"/": html_page("<h1>Canal notes</h1>")})
    for i, path in enumerate(paths):
        site.pages[path] = html_page(f"<article><h1>Post {i}</h1>{body}</article>", f"Post {i}")
    site.pages["/sitemap.xml"] = sitemap(paths)
    db = tmp_path / "cached.db"
    cache = ["-s", "HTTPCACHE_ENABLED=True"]

    def crawl_in(*extra: str) -> subprocess.CompletedProcess[str]:
        return run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK, *extra, cwd=tmp_path)

    first = crawl_in(*cache)  # fills the cache: every answer is the blog's
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.startswith(f"{site.url}: ok, 2 posts found, 2 new"), first.stdout
    del site.pages[paths[0]]
    site.pages["/sitemap.xml"] = sitemap(paths[1:])

    replayed = crawl_in(*cache)
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    (line,) = replayed.stdout.splitlines()
    assert line.startswith(f"{site.url}: cached, "), line
    assert "responses came from Scrapy's HTTP cache (HTTPCACHE_ENABLED), not from the blog" in line
    runs = rows(db, "SELECT status, started FROM crawls ORDER BY id")
    assert [r["status"] for r in runs] == ["ok", "cached"]
    with Archive(db) as archive:
        source_id = archive.sources()[0]["id"]
        assert archive.last_crawl_started(source_id) == runs[0]["started"]

    fetched = crawl_in()
    assert fetched.returncode == 0, fetched.stderr[-3000:]
    assert ", 1 gone, 0 failed" in fetched.stdout, fetched.stdout
    gone = rows(db, "SELECT url FROM posts WHERE gone_at IS NOT NULL")
    assert gone == [{"url": site.url + paths[0][1:]}]
