"""The archive database: exact schema, idempotent writes, versions, comments, search."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
from churn_blog import ChurnPost, post_page
from hypothesis import given
from hypothesis import strategies as st
from test_datasette import Site
from test_searchtext import HINDI, TOKYO, fts_sound, old_archive

from conftest import PROJECT_ROOT, instant_of, rows, run_blogarchive
from pipeline import searchtext
from pipeline.extraction import extract_post
from pipeline.serving import make_datasette
from pipeline.store import (
    DATE_WALK_MATCHES,
    FTS_TOKENIZE,
    MIGRATIONS,
    Archive,
    ArchiveError,
    SearchError,
    content_hash,
    counted_fields,
    escape_fts,
    extracted_fields,
    listing_stamp,
    migrate,
    normalise_space,
    word_count,
    year_of,
)

RECORD = {
    "url": "https://quietrails.example/2024/03/the-branch-line.html",
    "title": "The branch line at dusk",
    "author": "Ada Marsh",
    "published": "2024-03-05T09:30:00+00:00",
    "updated": "2024-03-06T10:00:00+00:00",
    "tags": ["railways", "photography"],
    "language": "en",
    "text": "The last train of the day rattled past the signal box.\nLamplight on wet sleepers.",
    "html": "<p>The last train of the day rattled past the signal box.</p><p>Lamplight on wet sleepers.</p>",
    "comments": [
        {
            "author": "Tom",
            "published": "2024-03-05T12:00:00+00:00",
            "text": "Lovely light.",
            "comment_key": "11",
        },
        {
            "author": "Ada Marsh",
            "published": None,
            "text": "Thank you!",
            "comment_key": "12",
            "parent": "11",
        },
    ],
}


def columns(archive: Archive, table: str) -> list[str]:
    return [row[1] for row in archive.db.execute(f"PRAGMA table_info([{table}])").fetchall()]


def test_schema_is_exactly_what_users_query(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        tables = set(archive.db.table_names())
        assert {
            "sources",
            "posts",
            "post_versions",
            "comments",
            "crawls",
            "failures",
            "posts_fts",
            "comments_fts",
            "_migrations",
        } <= tables
        assert columns(archive, "posts") == [
            "id",
            "url",
            "site",
            "source_id",
            "title",
            "author",
            "published",
            "updated",
            "year",
            "tags",
            "language",
            "text",
            "html",
            "word_count",
            "content_hash",
            "first_seen",
            "last_seen",
            "etag",
            "last_modified",
            "last_listed",
            "gone_at",
            "published_source",
            "updated_source",
            "date_flags",
            "encoding",
            "encoding_source",
            "duplicate_of",
            "published_utc",
        ]
        assert columns(archive, "failures") == [
            "id",
            "url",
            "stage",
            "error",
            "when",
            "source_id",
            "crawl_id",
        ]
        assert columns(archive, "comments") == [
            "id",
            "post_id",
            "comment_key",
            "author",
            "published",
            "text",
            "parent",
            "first_seen",
        ]
        assert columns(archive, "crawls") == [
            "id",
            "source_id",
            "started",
            "finished",
            "status",
            "requests",
            "bytes",
            "found",
            "new",
            "changed",
            "unchanged",
            "failed",
            "message",
            "not_modified",
            "gone",
        ]
        assert columns(archive, "sources") == [
            "id",
            "url",
            "site",
            "platform",
            "title",
            "added_at",
            "last_crawl_at",
            "last_status",
            "moved_to",
            "paused_at",
            "paused_reason",
        ]
        assert columns(archive, "posts_fts") == ["title", "text", "author", "tags"]
        assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # posts.url is unique
        indexes = archive.db["posts"].indexes
        assert any(index.unique and index.columns == ["url"] for index in indexes)


def test_migrations_run_once(archive_path: Path) -> None:
    Archive(archive_path).close()
    with Archive(archive_path) as archive:
        assert migrate(archive.db) == []
        names = [row[0] for row in archive.db.execute("SELECT name FROM _migrations")]
        assert names == [name for name, _ in MIGRATIONS]
        assert names[:3] == ["001_core_tables", "002_incremental", "003_provenance_and_duplicates"]


# Kills the process (SIGKILL) just before SQLite runs the first statement containing argv[2].
KILL_AT_STATEMENT = """
import os, signal, sqlite3, sys
connect = sqlite3.connect
def killing_connect(*args, **kwargs):
    conn = connect(*args, **kwargs)
    conn.set_trace_callback(
        lambda sql: sys.argv[2] in sql and os.kill(os.getpid(), signal.SIGKILL)
    )
    return conn
sqlite3.connect = killing_connect
from pipeline.store import Archive
Archive(sys.argv[1])
"""


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE post_versions",  # creating a new archive (migration 001)
        "CREATE TABLE post_aliases",  # halfway through the next one (002), as in an upgrade
    ],
)
def test_an_archive_killed_while_it_is_made_is_made_by_the_next_run(
    archive_path: Path, statement: str
) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_STATEMENT, str(archive_path), statement],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # nothing of the killed migration is left: the next run makes the whole archive
    result = run_blogarchive("add", "https://quietrails.example/", "--db", str(archive_path))
    assert result.returncode == 0, result.stderr
    names = [r["name"] for r in rows(archive_path, "SELECT name FROM _migrations")]
    assert names == [name for name, _ in MIGRATIONS]
    assert run_blogarchive("verify", "--db", str(archive_path)).returncode == 0


def test_saving_twice_leaves_the_same_rows(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        source = archive.add_source("https://quietrails.example/")
        first = archive.save_post(RECORD, source_id=source)
        before = archive.counts()
        row_before = archive.post(RECORD["url"])
        second = archive.save_post(RECORD, source_id=source)
        assert (first.outcome, first.new_comments) == ("new", 2)
        assert (second.outcome, second.new_comments) == ("unchanged", 0)
        assert (
            archive.counts()
            == before
            == {
                "sources": 1,
                "posts": 1,
                "post_versions": 1,
                "comments": 2,
                "crawls": 0,
                "failures": 0,
            }
        )
        row = archive.post(RECORD["url"])
        assert row["first_seen"] == row_before["first_seen"]
        assert json.loads(row["tags"]) == ["railways", "photography"]
        assert (
            row["year"] == 2024 and row["word_count"] == 15 and row["site"] == "quietrails.example"
        )


def test_an_edit_keeps_the_earlier_version(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        archive.save_post(RECORD)
        edited = {**RECORD, "text": RECORD["text"] + "\nA postscript about the timetable."}
        assert archive.save_post(edited).outcome == "changed"
        assert "postscript" in archive.post(RECORD["url"])["text"]
        versions = list(archive.db.query("SELECT text FROM post_versions ORDER BY id"))
        assert [("postscript" in v["text"]) for v in versions] == [False, True]
        # a comment that vanished from the page stays in the archive
        assert archive.save_post({**edited, "comments": []}).outcome == "unchanged"
        assert archive.counts()["comments"] == 2


def test_whitespace_does_not_make_a_new_version() -> None:
    assert content_hash("A  title", "one\n two", ["b", "a"]) == content_hash(
        "A title", "one two", ["a", "b"]
    )
    assert content_hash("A title", "one two", ["a"]) != content_hash(
        "A title", "one two", ["a", "c"]
    )


def test_the_content_hash_is_the_one_archives_already_hold() -> None:
    """Every archived post's `content_hash` was computed this way: a change of what is hashed
    would make the next crawl store a new version of every post of every archive, so it needs
    a migration that hashes the stored posts again. This value was computed by every
    blogarchive so far."""
    digest = content_hash(
        "The branch line at dusk",
        "Nine arches over the river.\nThe last train at 18:04.",
        ["Railways", "Dusk"],
    )
    assert digest == "fdd462b79a36b7908d556f45f6c9981988c0cc629ea9de156cd009b92813fce3"


def test_search_ranks_and_highlights_and_triggers_keep_fts_current(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        archive.save_post(RECORD)
        other = {
            **RECORD,
            "url": "https://quietrails.example/2024/04/signals.html",
            "title": "Signals and sleepers",
            "text": "Sleepers, sleepers everywhere: sleepers.",
            "comments": [],
        }
        archive.save_post(other)
        results = archive.search("sleepers")
        assert [r["url"] for r in results] == [other["url"], RECORD["url"]]
        assert "[Sleepers]" in results[0]["snippet"]
        archive.save_post({**RECORD, "text": "Rewritten entirely about semaphores."})
        assert [r["url"] for r in archive.search("semaphores")] == [RECORD["url"]]
        assert [r["url"] for r in archive.search("lamplight")] == []
        # comments are searchable on their own
        hits = list(
            archive.db.query(
                "SELECT comments.author FROM comments_fts JOIN comments ON comments.id = comments_fts.rowid "
                "WHERE comments_fts MATCH 'lovely'"
            )
        )
        assert hits == [{"author": "Tom"}]


def test_a_query_matching_more_than_the_rank_limit_ranks_the_most_recently_archived(
    archive_path: Path,
) -> None:
    # ten posts that all mention "ferry"; the oldest says it most, so ranks first overall
    with Archive(archive_path) as archive:
        for i in range(10):
            text = "ferry " * (8 if i == 0 else 1) + f"crossing number {i} in fog"
            archive.save_post(
                {
                    **RECORD,
                    "url": f"https://quietrails.example/2024/05/ferry-{i}.html",
                    "title": f"Crossing {i}",
                    "text": text,
                    "comments": [],
                }
            )
        every = archive.search_results("ferry", rank_limit=None)
        assert (every.ranked, every.complete) == (10, True)
        assert every.rows[0]["url"].endswith("ferry-0.html")

        capped = archive.search_results("ferry", rank_limit=4)
        assert (capped.ranked, capped.complete) == (4, False)
        # the four most recently archived (ids 7-10), best first; the oldest is not among them
        assert sorted(row["id"] for row in capped.rows) == [7, 8, 9, 10]
        assert [row["rank"] for row in capped.rows] == sorted(row["rank"] for row in capped.rows)

        # under the limit nothing changes: the same rows, in the same order, as ranking all
        assert archive.search_results("ferry", rank_limit=10) == every
        assert archive.search("ferry", limit=3) == every.rows[:3]


def insert_crossings(archive: Archive, published: dict[int, str | None]) -> None:
    """Posts `i` of `published` ("Crossing i", dated `published[i]`), written straight into
    the table: every one holds "ferry", every ninth "fog" too."""
    with archive.transaction():
        archive.conn.executemany(
            "INSERT INTO posts (id, url, site, title, published, text, content_hash, "
            "first_seen, last_seen) VALUES (?, ?, 'quietrails.example', ?, ?, ?, ?, "
            "'2024-01-01', '2024-01-01')",
            (
                (
                    i,
                    f"https://quietrails.example/{i}.html",
                    f"Crossing {i}",
                    published[i],
                    "A ferry crossing" + (" in fog" if i % 9 == 0 else ""),
                    str(i),
                )
                for i in published
            ),
        )


def test_a_search_by_date_lists_every_match_newest_or_oldest_first(archive_path: Path) -> None:
    # DATE_WALK_MATCHES + 100 posts mention "ferry" (found by walking the posts by date), every
    # 9th also "fog" (few enough to be sorted); dates repeat (ties go by id) and every 50th
    # post has none (listed last both ways)
    n = DATE_WALK_MATCHES + 100
    published = {
        i + 1: None if i % 50 == 0 else f"20{10 + (i * 37) % 15:02d}-0{1 + i % 9}-01"
        for i in range(n)
    }
    with Archive(archive_path) as archive:
        insert_crossings(archive, published)
        for word, matching in (("ferry", n), ("fog", n // 9)):
            for order in ("newest", "oldest"):
                ids = sorted(
                    (i for i in published if word == "ferry" or i % 9 == 0),
                    reverse=order == "newest",
                )
                ids.sort(key=lambda i: published[i] or "", reverse=order == "newest")
                ids.sort(key=lambda i: published[i] is None)
                results = archive.search_results(word, order=order, limit=n)
                assert [row["id"] for row in results.rows] == ids, (word, order)
                assert (results.ranked, results.complete) == (matching, True)
                assert {row["rank"] for row in results.rows} == {None}
                assert f"[{word}]" in results.rows[0]["snippet"]
                assert archive.search(word, order=order, limit=5) == results.rows[:5]
                # pages (`blogarchive search --page`): one after another, the same list,
                # the undated posts after the dated ones across a page's edge
                for size in (97, 500):
                    paged = [
                        row["id"]
                        for offset in range(0, len(ids) + size, size)
                        for row in archive.search(word, order=order, limit=size, offset=offset)
                    ]
                    assert paged == ids, (word, order, size)
        with pytest.raises(SearchError, match="unknown order 'sideways'"):
            archive.search("ferry", order="sideways")


def test_published_utc_is_the_instant_of_published_however_it_is_written(
    archive_path: Path,
) -> None:
    """`published` is the blog's clock; `published_utc` the instant, in UTC, kept current
    wherever `published` is written: a crawl, `reextract`, a user's own SQL."""
    written = {
        "2019-12-31T23:30:00-05:00": "2020-01-01T04:30:00+00:00",
        "2020-01-01T08:00:00.250+09:00": "2019-12-31T23:00:00+00:00",
        "2019-03-31T23:30:00": "2019-03-31T23:30:00+00:00",  # no zone: taken as UTC
        "2024-05-17T14:03:12+05:30": "2024-05-17T08:33:12+00:00",
        "2019-03-03": "2019-03-03T00:00:00+00:00",  # a day: its midnight, in UTC
        "2019-03": "2019-03-01T00:00:00+00:00",  # a month: its first day's
    }
    with Archive(archive_path) as archive:
        for i, published in enumerate([*written, None]):
            archive.save_post({**RECORD, "url": f"{RECORD['url']}?p={i}", "published": published})
        stored = rows(archive_path, "SELECT published, published_utc FROM posts ORDER BY id")
        assert stored == [
            {"published": p, "published_utc": u} for p, u in [*written.items(), (None, None)]
        ]
        assert all(instant_of(p) == u for p, u in written.items())
        # a date the blog moved: the instant moves with it (the event keeps the old one)
        first = archive.post(f"{RECORD['url']}?p=0")
        archive.save_post({**RECORD, "url": first["url"], "published": "2021-06-01T12:00:00+02:00"})
        assert archive.post(first["url"])["published_utc"] == "2021-06-01T10:00:00+00:00"
        # a post whose date was not found gets it on a later fetch
        undated = archive.post(f"{RECORD['url']}?p=6")
        archive.save_post({**RECORD, "url": undated["url"], "published": "2022-02-02"})
        assert archive.post(undated["url"])["published_utc"] == "2022-02-02T00:00:00+00:00"
        # reextract
        archive.apply_reextraction(
            undated["id"], {**RECORD, "url": undated["url"], "published": "2023-03-03T03:03:03Z"}
        )
        assert archive.post(undated["url"])["published_utc"] == "2023-03-03T03:03:03+00:00"
    # and a user's own SQL (or an older blogarchive still running through the upgrade)
    conn = sqlite3.connect(archive_path)
    with conn:
        conn.execute(
            "INSERT INTO posts (url, site, title, published, text, content_hash, first_seen, "
            "last_seen) VALUES ('https://x.example/1', 'x.example', 't', "
            "'2018-08-08T08:08:08-07:00', 'text', 'h', '2024', '2024')"
        )
        conn.execute(
            "UPDATE posts SET published = '2018-08-09T01:00:00+01:00' "
            "WHERE url = 'https://x.example/1'"
        )
        conn.execute("UPDATE posts SET published_utc = 'wrong' WHERE url = 'https://x.example/1'")
    assert conn.execute(
        "SELECT published_utc FROM posts WHERE url = 'https://x.example/1'"
    ).fetchone() == ("2018-08-09T00:00:00+00:00",)
    conn.close()


def test_a_search_by_date_lists_posts_of_every_zone_in_the_order_they_were_published(
    archive_path: Path,
) -> None:
    """`blogarchive search --order newest` sorted `published` as text: posts written in
    different zones (or either side of a change of daylight saving time) came in the order
    of their clocks, not of their instants. Both ways of sorting (few matches sorted, many
    walked on an index) now follow the instant; undated posts stay last."""
    zones = ["-05:00", "+09:00", "+05:30", "-04:00", "", "+00:00", "day", "-09:30", "+13:00"]
    n = DATE_WALK_MATCHES + 100
    published: dict[int, str | None] = {}
    start = datetime(2015, 6, 1, tzinfo=UTC)
    for i in range(n):
        zone = zones[i % len(zones)]
        moment = start + timedelta(minutes=(i * 7919) % (n * 5))
        if i % 50 == 0:
            published[i + 1] = None
        elif zone == "day":
            published[i + 1] = moment.date().isoformat()
        elif zone == "":
            published[i + 1] = moment.replace(tzinfo=None).isoformat()
        else:
            hours, minutes = int(zone[1:3]), int(zone[4:])
            offset = timezone(
                (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
            )
            published[i + 1] = moment.astimezone(offset).isoformat()
    with Archive(archive_path) as archive:
        insert_crossings(archive, published)
        as_text = sorted(published, key=lambda i: published[i] or "", reverse=True)
        for word in ("ferry", "fog"):  # walked on the index, sorted
            for order in ("newest", "oldest"):
                ids = sorted(
                    (i for i in published if word == "ferry" or i % 9 == 0),
                    key=lambda i: (instant_of(published[i]) or "", i),
                    reverse=order == "newest",
                )
                ids.sort(key=lambda i: published[i] is None)
                found = [row["id"] for row in archive.search(word, order=order, limit=n)]
                assert found == ids, (word, order)
                if word == "ferry" and order == "newest":
                    assert found[:50] != as_text[:50]  # the order these dates sort in as text


def test_an_archive_made_before_published_utc_is_upgraded_with_nothing_lost(
    tmp_path: Path,
) -> None:
    """Migration 019 adds `published_utc` to an existing archive, fills it for every post,
    and leaves every other value as it was."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, function in MIGRATIONS:
        if name.startswith("019"):
            break
        function(db)
        db.execute("INSERT INTO _migrations VALUES (?, ?)", [name, "2026-11-01T00:00:00+00:00"])
    dates = ["2019-12-31T23:30:00-05:00", "2020-01-01T08:00:00+09:00", "2019-03-31T23:30:00",
             "2019-03-03", "2019-03", None, "not a date"]  # fmt: skip
    for i, published in enumerate(dates):
        db.execute(
            "INSERT INTO posts (url, site, title, published, year, text, content_hash, "
            "first_seen, last_seen) VALUES (?, 'old.example', ?, ?, ?, 'Old lantern text', "
            "'h', '2024', '2024')",
            [f"https://old.example/{i}", f"Post {i}", published, year_of(published)],
        )
    db.conn.commit()
    db.close()
    tables = ["posts", "post_versions", "comments", "post_events", "sources", "crawls"]
    before = {table: rows(path, f"SELECT * FROM {table} ORDER BY id") for table in tables}
    newest = ["Post 0", "Post 1", "Post 2", "Post 3", "Post 4", "Post 6", "Post 5"]
    # `blogarchive search` opens it read-only, unmigrated: the same order
    with Archive(path, readonly=True) as archive:
        assert [row["title"] for row in archive.search("lantern", order="newest")] == newest
        oldest = [row["title"] for row in archive.search("lantern", order="oldest")]
        assert oldest == [*newest[4::-1], "Post 5", "Post 6"]
    with Archive(path) as archive:
        applied = {row[0] for row in archive.conn.execute("SELECT name FROM _migrations")}
        assert "020_published_utc" in applied
        indexes = {row[1] for row in archive.conn.execute("PRAGMA index_list(posts)")}
        assert {"posts_published_utc", "posts_source_published_utc"} <= indexes
        assert [row["title"] for row in archive.search("lantern", order="newest")] == newest
        assert [row["title"] for row in archive.search("lantern", order="oldest")] == oldest
    after = {table: rows(path, f"SELECT * FROM {table} ORDER BY id") for table in tables}
    assert [row.pop("published_utc") for row in after["posts"]] == [
        *map(instant_of, dates[:-2]),
        None,
        None,
    ]
    assert after == before


def test_an_updated_date_that_changes_is_kept_in_an_event_but_not_a_stamp_of_each_fetch(
    archive_path: Path,
) -> None:
    """A blog's "last updated" date that changed replaced the stored one with no trace when
    the content stayed the same (no version is written then). The earlier value is now kept
    in an `updated_changed` event. A page or feed that dates every response with the time it
    was served (JSON-LD `dateModified` of the moment) would make such an event at every
    crawl: while the content is the same, a new date within a day of the fetch does not
    replace a stored one that was itself within a day of when it was stored."""
    url = RECORD["url"]

    def events(post: str = url) -> list[tuple[str, str]]:
        return [
            (r["event"], r["detail"])
            for r in rows(
                archive_path,
                "SELECT event, detail FROM post_events JOIN posts ON posts.id = post_id "
                "WHERE posts.url = ? ORDER BY post_events.id",
                (post,),
            )
        ]

    with Archive(archive_path) as archive:
        archive.save_post(RECORD, seen_at="2024-04-01T00:00:00+00:00")
        first = RECORD["updated"]
        # the same instant written in the blog's zone, or with less precision: no change
        for same in ("2024-03-06T11:00:00+01:00", "2024-03-06"):
            archive.save_post({**RECORD, "updated": same}, seen_at="2024-04-02T00:00:00+00:00")
            assert archive.post(url)["updated"] == first
        assert events() == []
        # an edit the blog dates, the text unchanged: the new date, the old one kept
        edited = "2024-05-10T08:00:00+00:00"
        outcome = archive.save_post(
            {**RECORD, "updated": edited}, seen_at="2024-06-01T00:00:00+00:00"
        ).outcome
        assert (outcome, archive.post(url)["updated"]) == ("unchanged", edited)
        assert events() == [("updated_changed", f"updated from {first} to {edited}")]
        # the blog starts dating each response with the time it is served: the first such
        # date replaces the edit's (kept in the event), the next ones replace nothing
        stamps = [f"2024-06-{day:02d}T05:59:58+00:00" for day in (2, 3, 10, 30)]
        for stamp in stamps:
            archive.save_post({**RECORD, "updated": stamp}, seen_at=stamp[:11] + "06:00:00+00:00")
            assert archive.post(url)["updated"] == stamps[0]
        assert events()[1:] == [("updated_changed", f"updated from {edited} to {stamps[0]}")]
        # an update that is not found keeps the stored one
        archive.save_post({**RECORD, "updated": None}, seen_at="2024-07-01T00:00:00+00:00")
        assert archive.post(url)["updated"] == stamps[0]
        # new content: the version is written, and the date that came with it replaces the
        # stored one (even a date of the moment), which the event keeps
        fresh = "2024-07-08T05:00:00+00:00"
        changed = {**RECORD, "text": RECORD["text"] + " A new paragraph.", "updated": fresh}
        outcome = archive.save_post(changed, seen_at="2024-07-08T06:00:00+00:00").outcome
        assert (outcome, archive.post(url)["updated"]) == ("changed", fresh)
        assert events()[2:] == [("updated_changed", f"updated from {stamps[0]} to {fresh}")]

        # a post archived from a page that stamps its responses from the start: a week or a
        # month between crawls, never an event
        other = f"{url}?stamped"
        days = ("2024-08-01", "2024-08-08", "2024-08-15", "2024-09-15")
        for stamp in [f"{day}T09:00:01+00:00" for day in days]:
            fetched = stamp[:11] + "09:00:00+00:00"
            archive.save_post({**RECORD, "url": other, "updated": stamp}, seen_at=fetched)
            assert archive.post(other)["updated"] == "2024-08-01T09:00:01+00:00"
        assert events(other) == []


def test_user_queries_cannot_break_fts_syntax(archive_path: Path) -> None:
    # an open quote is a phrase to the end; each word quoted, so FTS5 syntax is words
    assert escape_fts('signal" OR (box') == '"signal" AND "OR (box"'
    assert escape_fts("box " * 5000 + "signal box") == '"box" AND "signal"'
    assert escape_fts("(box NEAR") == '"(box" AND "NEAR"'
    with Archive(archive_path) as archive:
        archive.save_post(RECORD)
        assert [r["url"] for r in archive.search('signal" (box')] == [RECORD["url"]]
        assert [r["url"] for r in archive.search("signal box")] == [RECORD["url"]]
        with pytest.raises(SearchError) as raised:
            archive.search("(" * 10_000 + "box", raw=True)
        assert len(str(raised.value)) < 400 and "…" in str(raised.value)


def test_failures_and_crawls_are_recorded(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        source = archive.add_source("https://quietrails.example/")
        assert archive.add_source("https://quietrails.example/") == source
        crawl = archive.start_crawl(source)
        archive.record_failure(
            "https://quietrails.example/x.html",
            "fetch",
            "HTTP 500",
            source_id=source,
            crawl_id=crawl,
        )
        archive.finish_crawl(crawl, status="partial", found=1, failed=1)
        assert archive.failures(crawl)[0]["error"] == "HTTP 500"
        assert archive.crawls()[0]["status"] == "partial"
        assert archive.sources()[0]["last_status"] == "partial"


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("this is not a database, " * 200)
    with pytest.raises(ArchiveError, match="cannot open archive"):
        Archive(bad)
    assert bad.read_text().startswith("this is not a database")  # nothing overwritten
    with pytest.raises(ArchiveError):
        Archive(tmp_path / "missing.db", create=False)
    assert isinstance(sqlite3.sqlite_version, str)


def another_programs_database(path: Path, *tables: str) -> Path:
    """A SQLite database of someone else's, in the default rollback journal mode."""
    with sqlite3.connect(path) as conn:
        for table in tables:
            conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, body TEXT)")
            conn.execute(f"INSERT INTO {table} (body) VALUES ('mine')")
    conn.close()
    return path


def schema_and_journal(path: Path) -> tuple[list[str], str]:
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master ORDER BY name")]
        return names, conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("tables", "missing"), [(("notes",), "posts"), (("posts", "tags"), "_migrations")]
)
def test_a_sqlite_database_that_is_not_an_archive_is_left_untouched(
    tmp_path: Path, tables: tuple[str, ...], missing: str
) -> None:
    other = another_programs_database(tmp_path / "other.db", *tables)
    before = other.read_bytes()
    for options in ({}, {"create": False}, {"readonly": True}):
        with pytest.raises(ArchiveError) as raised:
            Archive(other, **options)
        assert str(raised.value) == (
            f"{other} is a SQLite database but not a blogarchive archive "
            f"(no {missing} table); left untouched"
        )
    assert other.read_bytes() == before  # no archive tables, still not WAL
    assert schema_and_journal(other) == (sorted(tables), "delete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_read_only_archive_is_checked_when_opened(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("this is not a database, " * 200)
    with pytest.raises(ArchiveError, match=r"cannot open archive .*: file is not a database"):
        Archive(text, readonly=True)  # at once, not at the first query
    empty = tmp_path / "empty.db"
    empty.touch()
    for options in ({"readonly": True}, {"create": False}):
        with pytest.raises(ArchiveError, match=r"empty\.db is not a blogarchive archive"):
            Archive(empty, **options)
    assert empty.stat().st_size == 0
    for options in ({"readonly": True}, {"create": False}):
        with pytest.raises(ArchiveError, match="no archive at"):
            Archive(tmp_path / "typo" / "archive.db", **options)
    assert not (tmp_path / "typo").exists()
    with Archive(empty) as archive:  # an empty file may become an archive
        archive.add_source("https://quietrails.example/")
    with Archive(empty, readonly=True) as archive:
        assert [row["url"] for row in archive.sources()] == ["https://quietrails.example/"]


def test_a_read_only_archive_sees_what_is_written_after_it_was_opened(archive_path: Path) -> None:
    """A writable archive is never opened immutable: a search sees the writer's latest
    transaction, still in the WAL."""
    with Archive(archive_path) as writer:
        writer.save_post({**RECORD, "url": "https://quietrails.example/a.html", "text": "lamp"})
        with Archive(archive_path, readonly=True) as reader:
            assert len(reader.search("lamp")) == 1
            writer.save_post({**RECORD, "url": "https://quietrails.example/b.html", "text": "lamp"})
            assert len(reader.search("lamp")) == 2


def test_aliases_scheme_and_canonical_addresses_give_one_row(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        archive.save_post(RECORD)
        https = RECORD["url"]
        http = https.replace("https://", "http://")
        assert archive.save_post({**RECORD, "url": http}).outcome == "unchanged"
        moved = {**RECORD, "url": "https://quietrails.example/2024/03/branch-line-at-dusk.html"}
        assert archive.save_post(moved, aliases=[https]).outcome == "unchanged"  # https redirected
        via_canonical = {**RECORD, "url": https + "?utm_campaign=x", "canonical_url": https}
        assert archive.save_post(via_canonical).outcome == "unchanged"
        assert archive.counts()["posts"] == 1
        assert archive.post(moved["url"])["url"] == https
        aliases = {
            row["url"]: row["reason"] for row in archive.db.query("SELECT * FROM post_aliases")
        }
        assert aliases == {
            http: "address",
            moved["url"]: "address",
            https + "?utm_campaign=x": "canonical",
        }


def test_a_canonical_naming_the_home_page_is_no_address_of_the_post(archive_path: Path) -> None:
    home = "https://quietrails.example/"
    first = {**RECORD, "canonical_url": home}
    second = {
        **RECORD,
        "url": "https://quietrails.example/2024/04/the-viaduct.html",
        "title": "The viaduct in fog",
        "text": "Nine arches over the valley, and the fog sitting in every one of them.",
        "canonical_url": home,
    }
    with Archive(archive_path) as archive:
        source_id = archive.add_source(home)
        # an archive written before such canonicals were ignored: both posts were stored
        # under the home page's address, the second as a new version of the first
        with archive._write():
            merged = archive._insert(
                "posts",
                {
                    **extracted_fields(second),
                    "url": home,
                    "site": "quietrails.example",
                    "source_id": source_id,
                    "first_seen": "2026-01-01T00:00:00+00:00",
                    "last_seen": "2026-01-01T00:00:00+00:00",
                },
            )
            for post in (first, second):
                archive.db.execute(
                    "INSERT INTO post_aliases (url, post_id, reason, first_seen) "
                    "VALUES (?, ?, 'canonical', '2026-01-01T00:00:00+00:00')",
                    [post["url"], merged],
                )
        assert archive.post_state(first["url"]) is None  # the stale alias finds nothing
        # now each is its own post, at its own address; the merged row keeps what it had
        assert archive.save_post(first, source_id=source_id).outcome == "new"
        assert archive.save_post(second, source_id=source_id).outcome == "new"
        assert archive.save_post(second, source_id=source_id).outcome == "unchanged"
        stored = {row["url"]: row["title"] for row in archive.db.query("SELECT * FROM posts")}
        assert stored == {
            first["url"]: first["title"],
            second["url"]: second["title"],
            home: second["title"],
        }


def test_gone_and_returned_posts_keep_their_copy(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        archive.save_post(RECORD)
        assert archive.mark_gone(RECORD["url"], "HTTP 410")
        assert not archive.mark_gone("https://quietrails.example/never-archived.html", "HTTP 404")
        row = archive.post(RECORD["url"])
        assert row["gone_at"] and row["text"] == RECORD["text"]
        assert archive.touch_post(RECORD["url"])
        assert archive.post(RECORD["url"])["gone_at"] is None
        events = [r["event"] for r in archive.db.query("SELECT event FROM post_events ORDER BY id")]
        assert events == ["gone", "returned"]


def test_a_bad_item_in_a_batch_rolls_back_alone(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        with archive.transaction():
            archive.save_post(RECORD)
            try:
                archive.save_post({"url": "https://quietrails.example/broken.html", "title": "x"})
            except KeyError:
                pass  # no text: this item fails, its savepoint is rolled back
            archive.record_failure("https://quietrails.example/broken.html", "store", "no text")
        assert archive.counts()["posts"] == 1 and archive.counts()["failures"] == 1


def test_syndicated_copies_are_marked_not_deleted(archive_path: Path) -> None:
    article = " ".join(
        f"The {word} crossing on the old drovers road was mended in the year of the great frost."
        for word in ("north", "south", "east", "west", "upper", "lower", "middle", "far")
    )
    with Archive(archive_path) as archive:
        first = archive.save_post({**RECORD, "text": article})
        copy = archive.save_post(
            {
                **RECORD,
                "url": "https://aggregator.example/copy.html",
                "title": "Reposted",
                "text": article + " Reposted with permission.",
            }
        )
        other = archive.save_post(
            {
                **RECORD,
                "url": "https://quietrails.example/other.html",
                "text": " ".join(
                    f"Entirely different words number {i} about signal boxes." for i in range(20)
                ),
            }
        )
        rows = {
            r["id"]: r["duplicate_of"]
            for r in archive.db.query("SELECT id, duplicate_of FROM posts")
        }
        assert rows == {first.post_id: None, copy.post_id: first.post_id, other.post_id: None}


def test_a_post_listed_by_the_previous_run_is_unlisted_in_the_next_even_within_a_second(
    archive_path: Path,
) -> None:
    # cron runs, or a run started right after another, can begin in the same second as the
    # previous run's last listing: that listing must still count as "before this run"
    with Archive(archive_path) as archive:
        source_id = archive.add_source("https://quietrails.example/")
        archive.save_post(RECORD, source_id=source_id)
        first_run = listing_stamp()
        assert archive.mark_listed([RECORD["url"]], since=first_run) == 1
        assert archive.mark_listed([RECORD["url"]], since=first_run) == 0  # counted once per run
        next_run = listing_stamp()
        assert list(archive.unlisted_posts(source_id, next_run)) == [RECORD["url"]]
        assert archive.mark_listed([RECORD["url"]], since=next_run) == 1
        assert list(archive.unlisted_posts(source_id, next_run)) == []


def test_a_post_fetched_in_the_first_second_of_a_run_counts_as_listed_by_it(
    archive_path: Path,
) -> None:
    # fetch times are to the second: one in the run's first second sorts before the run's
    # start, yet the post was listed (and stored) by this run
    with Archive(archive_path) as archive:
        source_id = archive.add_source("https://quietrails.example/")
        run_start = listing_stamp()
        fetched_at = run_start[:19] + "+00:00"
        assert fetched_at < run_start
        archive.save_post(RECORD, source_id=source_id, seen_at=fetched_at)
        assert archive.mark_listed([RECORD["url"]], since=run_start) == 0  # not counted twice
        assert list(archive.unlisted_posts(source_id, run_start)) == []  # nor swept


def test_bookkeeping_updates_leave_the_search_index_alone(archive_path: Path) -> None:
    # cron runs touch every listed post (last_listed, last_seen); that must not rewrite the
    # post's full-text index entry, only a change of its title, text, author or tags does
    with Archive(archive_path) as archive:
        source_id = archive.add_source("https://quietrails.example/")
        archive.save_post(RECORD, source_id=source_id)
        index = "SELECT * FROM posts_fts_data ORDER BY id"
        before = archive.db.execute(index).fetchall()
        for _ in range(5):
            archive.mark_listed([RECORD["url"]], since=listing_stamp())
            archive.touch_post(RECORD["url"])
            archive.save_post(RECORD, source_id=source_id)  # unchanged: metadata refresh only
        archive.mark_gone(RECORD["url"], "HTTP 410")
        assert archive.db.execute(index).fetchall() == before
        assert [r["url"] for r in archive.search("signal box")] == [RECORD["url"]]
        with pytest.raises(SearchError) as raised:
            archive.search("(" * 10_000 + "box", raw=True)
        assert len(str(raised.value)) < 400 and "…" in str(raised.value)

        edited = {**RECORD, "text": RECORD["text"].replace("signal box", "level crossing")}
        assert archive.save_post(edited, source_id=source_id).outcome == "changed"
        assert archive.search("signal box") == []
        assert [r["url"] for r in archive.search("level crossing")] == [RECORD["url"]]


# every character str.isspace() or \\s might disagree on, a combining accent (NFC), and any other
ODD_SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeffe\u0301"


@given(st.text(st.one_of(st.sampled_from(ODD_SPACES), st.characters(codec="utf-8")), max_size=60))
def test_whitespace_is_normalised_as_the_regular_expression_did(text: str) -> None:
    # content_hash depends on it: any change would make every stored post look edited
    assert normalise_space(text) == re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def test_counts_computed_by_the_workers_are_used_only_for_the_text_they_were_computed_from(
    archive_path: Path,
) -> None:
    record = {**RECORD, **counted_fields(RECORD)}
    assert extracted_fields(record) == extracted_fields(RECORD)
    edited = {**record, "text": "A different text altogether."}
    assert extracted_fields(edited)["content_hash"] == content_hash(
        RECORD["title"], "A different text altogether.", RECORD["tags"]
    )
    assert extracted_fields(edited)["word_count"] == 4
    with Archive(archive_path) as archive:
        archive.save_post(record)
        assert archive.save_post(edited).outcome == "changed"
        assert archive.db.execute("SELECT count(*) FROM post_versions").fetchone()[0] == 2


def test_the_year_is_the_year_of_the_stored_date(archive_path: Path) -> None:
    """A post dated 2023-12-31 23:30 at -05:00, fetched again with the same instant written in
    UTC (2024-01-01 04:30Z, from another source), keeps its stored date: before, its `year`
    became 2024 all the same, so the posts table's year facet counted it in 2024 while its
    month facet, the dashboard's posts per month and the post itself said December 2023."""
    post = {
        "url": "https://quietrails.example/2023/12/new-years-eve.html",
        "title": "New Year's Eve at the signal box",
        "text": "The last train of the year.",
        "published": "2023-12-31T23:30:00-05:00",
        "published_source": "feed",
    }
    with Archive(archive_path) as archive:
        archive.save_post(post)
        utc = {**post, "published": "2024-01-01T04:30:00+00:00", "published_source": "json-ld"}
        assert archive.save_post(utc).outcome == "unchanged"
        edited = {**utc, "text": "The last train of the year, late."}
        assert archive.save_post(edited).outcome == "changed"
    site = Site(make_datasette(archive_path), "archive")
    try:
        data = site.json("/archive/posts.json?_facet=year&_facet_month=published&_size=0")
    finally:
        site.close()
    facets = {
        name: [(value["value"], value["count"]) for value in facet["results"]]
        for name, facet in data["facet_results"].items()
    }
    assert (facets["year"], facets["published"]) == ([(2023, 1)], [("2023-12", 1)])
    assert rows(archive_path, "SELECT published, year FROM posts") == [
        {"published": "2023-12-31T23:30:00-05:00", "year": 2023}
    ]
    # an archive that holds such a year (written before) is mended when it is next opened
    with Archive(archive_path) as archive:
        archive.save_post({**RECORD, "published": "2024-03-05"})
        with archive.transaction():
            archive.conn.execute("UPDATE posts SET year = 2024 WHERE year = 2023")
            archive.conn.execute("DELETE FROM _migrations WHERE name = '018_year_of_published'")
        before = rows(archive_path, "SELECT * FROM posts ORDER BY id")
    with Archive(archive_path):
        pass
    after = rows(archive_path, "SELECT * FROM posts ORDER BY id")
    assert [row["year"] for row in after] == [2023, 2024]
    assert after == [{**before[0], "year": 2023}, before[1]]


def test_a_changed_byline_or_date_is_kept_in_an_event_and_a_missing_one_is_not_lost(
    archive_path: Path,
) -> None:
    """post_versions keeps titles, texts and labels; an author or publication date that
    changed used to be overwritten with no trace, and one an extraction missed (None) was
    overwritten with nothing when the text changed too."""
    url = "https://quietrails.example/2024/01/viaduct.html"
    post = {
        "url": url,
        "title": "The viaduct",
        "text": "Nine arches over the river.",
        "author": "Ada Brook",
        "published": "2024-01-14T10:00:00+00:00",
        "published_source": "json-ld",
    }

    def events() -> list[tuple[str, str]]:
        return [
            (r["event"], r["detail"])
            for r in rows(archive_path, "SELECT event, detail FROM post_events ORDER BY id")
        ]

    with Archive(archive_path) as archive:
        archive.save_post(post)
        # the same instant written another way, the same day without its time, no author found
        same = {**post, "published": "2024-01-14T11:00:00+01:00", "author": None}
        assert archive.save_post(same).outcome == "unchanged"
        assert archive.save_post({**post, "published": "2024-01-14", "author": None}).outcome == (
            "unchanged"
        )
        row = archive.post(url)
        assert (row["author"], row["published"], row["published_source"]) == (
            "Ada Brook",
            "2024-01-14T10:00:00+00:00",
            "json-ld",
        )
        assert events() == []
        # changed text, and an extraction that found neither author nor date: both kept
        edited = {**post, "text": "Nine arches.", "author": None, "published": None}
        assert archive.save_post(edited).outcome == "changed"
        assert (archive.post(url)["author"], archive.post(url)["published"]) == (
            "Ada Brook",
            "2024-01-14T10:00:00+00:00",
        )
        # a real change of byline and date: the new values, the old ones in events
        moved = {**edited, "author": "A. Brook", "published": "2024-02-01T09:00:00+00:00"}
        assert archive.save_post(moved).outcome == "unchanged"  # the same text as before
        assert (archive.post(url)["author"], archive.post(url)["published"]) == (
            "A. Brook",
            "2024-02-01T09:00:00+00:00",
        )
    assert events() == [
        ("author_changed", "from 'Ada Brook' to 'A. Brook'"),
        ("date_changed", "published from 2024-01-14T10:00:00+00:00 to 2024-02-01T09:00:00+00:00"),
    ]


def test_words_of_scripts_written_without_spaces_are_counted_by_character(
    archive_path: Path,
) -> None:
    """Before, a Chinese or Japanese sentence was one word (a 2,000-character post had ~40),
    in `posts.word_count` and the charts of words written. Migration 013 counts the stored
    ones again."""
    assert word_count("今年も梅の季節が来た") == 10
    assert word_count("Spring comes to the plum trees, 2024.") == 7
    assert word_count("서울에서 만나요") == 7  # Korean syllables, one each
    record = {
        "url": "https://ume.example/2024/02/plum.html",
        "title": "梅の季節",
        "text": "今年も梅の季節が来た。\n庭の木に花が咲いた。",
    }
    with Archive(archive_path) as archive:
        post_id = archive.save_post(record).post_id
        archive.save_post(RECORD)
        stored = "SELECT word_count FROM posts WHERE id = ?"
        assert archive.conn.execute(stored, [post_id]).fetchone() == (19,)
        english = archive.conn.execute("SELECT word_count FROM posts WHERE id != ?", [post_id])
        before = english.fetchone()
        with archive.transaction():  # as an older version stored it
            archive.conn.execute("UPDATE posts SET word_count = 2 WHERE id = ?", [post_id])
            archive.conn.execute(
                "DELETE FROM _migrations WHERE name = '013_word_count_by_character'"
            )
    with Archive(archive_path) as archive:  # opening it migrates it
        assert archive.conn.execute(stored, [post_id]).fetchone() == (19,)
        english = archive.conn.execute("SELECT word_count FROM posts WHERE id != ?", [post_id])
        assert english.fetchone() == before


def index_words(text: str) -> int:
    """How many words the full-text index finds in `text`: the tokens FTS5 (FTS_TOKENIZE)
    makes of what the index holds of it (`searchtext.indexed`) that hold a letter or digit."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f'CREATE VIRTUAL TABLE t USING fts5(body, tokenize="{FTS_TOKENIZE}")')
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    conn.execute("INSERT INTO t (body) VALUES (?)", [searchtext.indexed(text) or text])
    terms = [term for (term,) in conn.execute("SELECT term FROM v")]
    conn.close()
    return sum(1 for term in terms if any(char.isalnum() for char in term))


#: Text in scripts written with combining marks (vowel signs, viramas, niqqud, harakat) and
#: their words, as a reader counts them.
MARKED_TEXTS = {
    "मुझे हिन्दी भाषा बहुत पसंद है।": 6,
    "আমি বাংলায় গান গাই": 4,
    "தமிழ் மொழியும் அழகு.": 3,
    "שָׁלוֹם עֲלֵיכֶם": 2,
    "كَتَبَ الوَلَدُ الدَّرْسَ": 3,
    unicodedata.normalize("NFD", "Crème brûlée at the café"): 5,
}


def test_a_word_is_counted_whole_with_its_combining_marks() -> None:
    """Before, each vowel sign, virama, niqqud or haraka (and an accent written as a
    combining mark) cut a word in two: हिन्दी was three words, a pointed Hebrew or vocalised
    Arabic word two or more, café in NFD two. A word is now a run of letters and digits
    with the marks inside it, as the full-text index sees it."""
    for text, words in MARKED_TEXTS.items():
        assert (word_count(text), index_words(text)) == (words, words), text
    nfd = unicodedata.normalize("NFD", "Crème brûlée")
    assert word_count(nfd) == word_count(unicodedata.normalize("NFC", nfd)) == 2
    # as before: scripts written without spaces by character, English by words
    assert word_count("今年も梅の季節が来た") == 10
    assert word_count("ฉันชอบภาษาไทยมาก") == index_words("ฉันชอบภาษาไทยมาก") == 15
    assert word_count("iPhone東京2024年") == 5
    assert word_count("Spring comes to the plum trees, 2024.") == 7
    # "_" is no letter: the index finds `snake` in snake_case, two words to both
    assert word_count("a snake_case name") == index_words("a snake_case name") == 4
    # a mark or private-use character with no letter (an emoji's variation selector, an
    # icon font's glyph) is no word
    assert word_count("I \u2764\ufe0f tea \uf099") == 2


_SCRIPTS = {  # base characters and combining marks of a script
    "latin": ("aeioszAEZ", "\u0301\u0308\u0327"),
    "devanagari": ("कखगनदमहस", "\u093f\u0940\u094d\u0902\u093e"),
    "bengali": ("কগবলম", "\u09be\u09bf\u09cd"),
    "tamil": ("கதமழ", "\u0bbf\u0bcd\u0bc1"),
    "hebrew": ("שלומא", "\u05b8\u05c1\u05b9\u05bc"),
    "arabic": ("كتبلد", "\u064e\u064f\u0650\u0651\u0652"),
    "thai": ("กขคน", "\u0e34\u0e35\u0e48"),
    "cjk": ("東京今年梅서울에", ""),
    "digits": ("0129٣", ""),
}


@st.composite
def script_words(draw: st.DrawFn) -> str:
    bases, marks = _SCRIPTS[draw(st.sampled_from(sorted(_SCRIPTS)))]
    marked = st.lists(st.sampled_from(marks), max_size=2) if marks else st.just([])
    letters = st.tuples(st.sampled_from(bases), marked)
    return "".join(
        base + "".join(after) for base, after in draw(st.lists(letters, min_size=1, max_size=4))
    )


@given(
    st.lists(
        st.tuples(
            script_words(),
            st.sampled_from([" ", "\n", ", ", ". ", "_", "-", "\u2019", " \u2764\ufe0f ", "!"]),
        ),
        max_size=8,
    )
)
def test_the_count_and_the_index_agree_on_words(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + separator for word, separator in pieces)
    assert word_count(text) == index_words(text)


def test_migration_016_counts_words_with_marks_again(tmp_path: Path) -> None:
    """An archive written before migration 017 holds the counts of words cut at their marks
    (and joined at "_"); opening it counts those posts again, writes only the posts whose
    count changes, and leaves everything else as it was: texts, content hashes, versions,
    comments, the index."""
    nfd = {
        "url": "https://desserts.example/2024/01/creme.html",
        "title": "Dessert",
        "author": "Jo",
        "text": unicodedata.normalize("NFD", "Crème brûlée at the café"),
    }
    code = {
        "url": "https://code.example/2024/02/feeds.html",
        "title": "Feeds",
        "author": "Al",
        "text": "Call parse_feed() before save_post().",
    }
    english = {
        "url": "https://en.example/2024/03/train.html",
        "title": "Trains",
        "author": "Ann",
        "text": "Don\u2019t miss the 8:15 train \u2014 it\u2019s the last caf\u00e9 car.",
    }
    posts = [HINDI, nfd, code, english, TOKYO]
    path = tmp_path / "old.db"
    old_archive(path, posts, before="017")
    conn = sqlite3.connect(path)
    for post_id, text in conn.execute("SELECT id, text FROM posts").fetchall():
        counted_before = len(re.findall(r"\w+", searchtext.spaced(text, " ")))  # as before 016
        conn.execute("UPDATE posts SET word_count = ? WHERE id = ?", [counted_before, post_id])
    conn.execute(
        "INSERT INTO post_versions (post_id, title, text, content_hash, captured_at) "
        "VALUES (1, 'earlier', 'मुझे हिन्दी', 'h0', '2023')"
    )
    conn.commit()

    def everything() -> dict[str, list[tuple]]:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != '_migrations'"
                " AND name NOT GLOB '*_fts' AND name NOT GLOB '*_fts_[cdi]*'"  # FTS5's own
            )
        ]

        # the columns the archive had before (migration 019 adds published_utc: tested apart)
        def shown(table: str) -> str:
            names = [c[1] for c in conn.execute(f"PRAGMA table_info([{table}])")]
            return ", ".join(f"[{name}]" for name in names if name != "published_utc")

        return {
            t: conn.execute(f"SELECT {shown(t)} FROM [{t}] ORDER BY 1").fetchall() for t in tables
        }

    def counts() -> list[int]:
        return [n for (n,) in conn.execute("SELECT word_count FROM posts ORDER BY id")]

    before = everything()
    assert counts() == [19, 8, 4, 13, 23]  # हिन्दी... cut at its marks, café at its accent
    copy = tmp_path / "copy.db"
    copy.write_bytes(path.read_bytes())
    with Archive(path) as archive:  # opening it migrates it
        assert archive.conn.execute(
            "SELECT 1 FROM _migrations WHERE name = '017_word_count_keeps_marks_in_words'"
        ).fetchone()
    assert counts() == [9, 5, 6, 13, 23]
    assert counts() == [word_count(post["text"]) for post in posts]
    after = everything()
    for table, table_rows in before.items():
        if table == "posts":  # every column but word_count as it was
            word_count_at = [c[1] for c in conn.execute("PRAGMA table_info(posts)")].index(
                "word_count"
            )
            table_rows = [r[:word_count_at] + r[word_count_at + 1 :] for r in table_rows]
            after[table] = [r[:word_count_at] + r[word_count_at + 1 :] for r in after[table]]
        assert after[table] == table_rows, table
    conn.close()
    fts_sound(path)
    # only the three posts whose count changes are written: the migration on the copy
    db = sqlite_utils.Database(copy)
    dict(MIGRATIONS)["017_word_count_keeps_marks_in_words"](db)
    assert db.conn.total_changes == 3
    db.close()


def test_a_date_only_guessed_from_the_page_does_not_replace_the_stored_one(
    archive_path: Path,
) -> None:
    """A post page with no date in its markup gets htmldate's guess, which can be the date of
    a "Last cached: ..." footer: before, each day's crawl replaced the stored date with the
    new guess and added a `date_changed` event. A guess never replaces a stored date now."""
    post = ChurnPost("undated", churn="last cached footer", dated=False)
    url = "https://plot14.example/undated/"
    first, second = (extract_post(post_page(post, fetch), url).to_dict() for fetch in (1, 2))
    assert (first["published_source"], second["published_source"]) == ("htmldate", "htmldate")
    assert first["published"] != second["published"]  # the footer's date, read as the post's
    with Archive(archive_path) as archive:
        archive.save_post(first)
        assert archive.save_post(second).outcome == "unchanged"
        stored = archive.post(url)
        assert (stored["published"], stored["published_source"], stored["year"]) == (
            first["published"],
            "htmldate",
            int(first["published"][:4]),
        )
        # a date the markup gives (a better source) still replaces the guess
        dated = extract_post(post_page(ChurnPost("undated"), 3), url).to_dict()
        archive.save_post(dated)
        assert archive.post(url)["published"] == "2024-05-12T09:00:00+00:00"
    assert rows(archive_path, "SELECT event, detail FROM post_events") == [
        {
            "event": "date_changed",
            "detail": f"published from {first['published']} to 2024-05-12T09:00:00+00:00",
        }
    ]


def test_a_feed_date_stored_in_utc_takes_the_blogs_zone_when_the_post_is_read_again(
    archive_path: Path,
) -> None:
    """Archives written before 2026-11-29 hold feed dates moved to UTC: a post of 23:30 on 31
    December in New York as 2020-01-01T04:30:00+00:00, in 2020 by the year and month facets.
    Read again (`crawl --full`), the same instant in the blog's zone replaces it, with no
    `date_changed` event and no version; a date in UTC that a page gives stays as it is, and
    `year` always follows the stored date."""
    url = "https://pond.example/2019/12/skaters.html"
    post = {
        "url": url,
        "title": "Skaters",
        "text": "The skaters stayed on the pond until the lanterns ran out of oil.",
        "published": "2020-01-01T04:30:00+00:00",
        "published_source": "feed",
        "updated": "2020-01-02T14:15:00+00:00",
        "updated_source": "feed",
    }
    zoned = {
        **post,
        "published": "2019-12-31T23:30:00-05:00",
        "published_source": "meta",
        "updated": "2020-01-02T09:15:00-05:00",
        "updated_source": "meta",
    }
    with Archive(archive_path) as archive:
        archive.save_post(post)
        assert archive.save_post(zoned).outcome == "unchanged"
        assert rows(
            archive_path, "SELECT published, published_source, updated, year FROM posts"
        ) == [
            {
                "published": "2019-12-31T23:30:00-05:00",
                "published_source": "meta",
                "updated": "2020-01-02T09:15:00-05:00",
                "year": 2019,
            }
        ]
        # a page's own UTC writing of the instant leaves the zoned one, and its year
        archive.save_post({**post, "published_source": "json-ld"})
        stored = archive.post(url)
        assert (stored["published"], stored["year"]) == ("2019-12-31T23:30:00-05:00", 2019)

        other = {**zoned, "url": "https://pond.example/2019/12/ice.html", "title": "Ice"}
        archive.save_post({**other, "published_source": "json-ld"})
        archive.save_post({**other, "published": "2020-01-01T04:30:00+00:00"})
        stored = archive.post(other["url"])
        assert (stored["published"], stored["year"]) == ("2019-12-31T23:30:00-05:00", 2019)
    assert rows(archive_path, "SELECT count(*) AS n FROM post_versions") == [{"n": 2}]
    assert rows(archive_path, "SELECT * FROM post_events") == []


def test_times_a_re_extraction_recorded_in_the_warc_form_are_upgraded_to_the_archives(
    archive_path: Path,
) -> None:
    """`blogarchive reextract` dated the versions and comments it added with their capture's
    WARC-Date (`2026-11-28T05:17:42Z`, older ones with fractions of a second), where every
    other time the archive records is `+00:00`. Migration 016 writes them so, losing
    nothing (the same instant, to the same fraction), and leaves every other row alone."""
    with Archive(archive_path) as archive:
        post_id = archive.save_post(RECORD, seen_at="2026-11-20T08:00:00+00:00").post_id
        edited = {**RECORD, "text": RECORD["text"] + "\nA third line.", "comments": []}
        archive.apply_reextraction(post_id, edited, captured_at="2026-11-28T05:17:42+00:00")
        with archive.transaction():  # as an older blogarchive wrote them
            archive.conn.execute(
                "UPDATE post_versions SET captured_at = '2026-11-28T05:17:42.250113Z' "
                "WHERE captured_at = '2026-11-28T05:17:42+00:00'"
            )
            archive.conn.execute(
                "UPDATE comments SET first_seen = '2026-11-28T05:17:42Z' WHERE comment_key = '12'"
            )
            archive.conn.execute("DELETE FROM _migrations WHERE name = '016_utc_times_as_written'")
        before = {
            table: rows(archive_path, f"SELECT * FROM {table} ORDER BY id")
            for table in ("posts", "post_versions", "comments", "captures", "post_events")
        }
    with Archive(archive_path) as archive:  # opening it migrates it
        assert "016_utc_times_as_written" in {
            row[0] for row in archive.conn.execute("SELECT name FROM _migrations")
        }
    after = {table: rows(archive_path, f"SELECT * FROM {table} ORDER BY id") for table in before}
    assert [v["captured_at"] for v in after["post_versions"]] == [
        "2026-11-20T08:00:00+00:00",
        "2026-11-28T05:17:42.250113+00:00",
    ]
    assert [c["first_seen"] for c in after["comments"]] == [
        "2026-11-20T08:00:00+00:00",
        "2026-11-28T05:17:42+00:00",
    ]
    for table, table_rows in before.items():  # nothing else changed
        unchanged = ("captured_at",) if table == "post_versions" else ("first_seen",)
        assert [{k: v for k, v in r.items() if k not in unchanged} for r in after[table]] == [
            {k: v for k, v in r.items() if k not in unchanged} for r in table_rows
        ]


def test_post_pictures_schema_and_links(archive_path: Path) -> None:
    """`post_pictures` ties a post to each picture it shows and, once fetched, to the
    picture's capture; a picture shared by two posts is one capture for both."""
    with Archive(archive_path) as archive:
        assert columns(archive, "post_pictures") == [
            "id",
            "post_id",
            "url",
            "capture_id",
            "first_seen",
        ]
        first = archive.save_post(RECORD).post_id
        second = archive.save_post({**RECORD, "url": RECORD["url"] + "?p=2"}).post_id
        shared, own = "https://cdn.example/shared.png", "https://cdn.example/own.png"
        assert archive.link_pictures(first, [shared, own, shared], "2026-01-01T00:00:00+00:00") == 2
        assert archive.picture_capture(shared) is None
        capture = archive.record_capture(
            url=shared, warc_file="warc/a.warc.gz", offset=0, length=10, digest="sha1:X",
            status=200, mime="image/png", fetched_at="2026-01-01T00:00:01Z",
        )  # fmt: skip
        assert archive.record_picture(shared, capture) == 1
        # a post tied to it later gets the same capture at once
        assert archive.link_pictures(second, [shared]) == 1
        assert archive.link_pictures(first, [shared]) == 0  # already tied: unchanged
        pictures = {
            (r["post_id"], r["url"]): r["capture_id"]
            for r in rows(archive_path, "SELECT * FROM post_pictures")
        }
        assert pictures == {(first, shared): capture, (first, own): None, (second, shared): capture}


def test_an_archive_from_before_post_pictures_is_upgraded_without_losing_anything(
    archive_path: Path,
) -> None:
    with Archive(archive_path) as archive:
        source = archive.add_source("https://quietrails.example/")
        archive.save_post(RECORD, source_id=source)
        archive.save_post({**RECORD, "text": RECORD["text"] + " A new line."}, source_id=source)
        archive.record_failure("https://quietrails.example/x", "fetch", "HTTP 500")
        with archive.transaction():
            archive.conn.execute("DROP TABLE post_pictures")
            archive.conn.execute("DELETE FROM _migrations WHERE name = '019_post_pictures'")
    tables = [
        r["name"]
        for r in rows(archive_path, "SELECT name FROM sqlite_master WHERE type = 'table'")
        if r["name"] != "_migrations"
    ]
    assert "post_pictures" not in tables
    before = {table: rows(archive_path, f"SELECT * FROM [{table}]") for table in tables}
    with Archive(archive_path):
        pass
    assert {table: rows(archive_path, f"SELECT * FROM [{table}]") for table in tables} == before
    assert rows(archive_path, "SELECT count(*) AS n FROM post_pictures") == [{"n": 0}]
    names = [r["name"] for r in rows(archive_path, "SELECT name FROM _migrations")]
    assert "019_post_pictures" in names


def test_closing_the_writer_empties_the_write_ahead_log_while_datasette_holds_the_archive(
    archive_path: Path,
) -> None:
    """Datasette keeps read-only connections open between requests; the crawl that wrote
    into the archive is then not its last connection, and SQLite left the write-ahead log
    full when it closed. Every read-only connection opened afterwards (each `blogarchive
    search`) read the whole log again. Now closing the writer copies the log into the
    archive and empties it, and what it wrote is there for any reader."""
    with Archive(archive_path) as archive:
        source = archive.add_source("https://quietrails.example/")
    reader = sqlite3.connect(f"{archive_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert reader.execute("SELECT count(*) FROM posts").fetchone() == (0,)
        wal = archive_path.with_name(archive_path.name + "-wal")
        with Archive(archive_path) as archive:
            with archive.transaction():
                for n in range(300):
                    archive.save_post(
                        {
                            **RECORD,
                            "url": f"https://quietrails.example/2024/03/post-{n}.html",
                            "text": f"Signal box {n}. " + "Lamplight on wet sleepers. " * 40,
                        },
                        source_id=source,
                    )
            assert wal.stat().st_size > 100_000  # committed into the log, not yet copied
        assert not wal.exists() or wal.stat().st_size == 0
        assert reader.execute("SELECT count(*) FROM posts").fetchone() == (300,)
    finally:
        reader.close()
    with Archive(archive_path, readonly=True) as archive:
        assert len(archive.search("signal", limit=500)) == 300
