"""The archive database: schema, migrations, idempotent writes and search.

This module is the only place that knows the SQL schema. It imports neither Scrapy nor click,
so it can be used and tested alone::

    from pipeline.store import Archive
    with Archive("archive/archive.db") as archive:
        source_id = archive.add_source("https://example.blogspot.com/")
        archive.save_post(record, source_id=source_id)
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pipeline import __version__, searchtext
from pipeline.dates import has_zone, instant, same_moment
from pipeline.dedupe import SHARED_FOR_DUPLICATE, sketch
from pipeline.urls import canonical_url, is_post_url, same_blog, source_home, url_variants

if TYPE_CHECKING:  # imported when first used (Archive.db): a read-only search does without it
    import sqlite_utils

BUSY_TIMEOUT_MS = 30_000
#: how long closing an archive waits for readers to let its write-ahead log be emptied
WAL_CHECKPOINT_WAIT_MS = 1_000


class ArchiveError(Exception):
    """Something is wrong with the archive database itself."""


class SourceNotFound(ArchiveError):
    """A source URL that is not in the `sources` table."""


class SearchError(ArchiveError):
    """A full-text query that SQLite could not run."""


def utcnow() -> str:
    """The current time as ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_stamp(value: str) -> str:
    """A time as the archive records it (`utcnow()`'s form, UTC `+00:00`), from another ISO
    8601 writing of it: a WARC-Date's `2026-11-28T05:17:42Z`. Fractions of a second are
    kept; a value that is not ISO 8601 is returned as it is."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(UTC).isoformat()


def listing_stamp() -> str:
    """The current time in UTC to the microsecond: when a listing last mentioned a post.

    Finer than `utcnow()` so that a run starting within the same second as the previous
    run's last listing still tells the two apart (the sweep of unlisted posts compares them).
    A second-precision stamp sorts before every microsecond stamp of the same second."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def site_of(url: str) -> str:
    """The host a URL belongs to, lower-cased, without a port's default or `www.`."""
    host = (urlsplit(url).hostname or "").lower()
    port = urlsplit(url).port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    return host


def normalise_space(text: str) -> str:
    """NFC, runs of whitespace as one space, no space at either end (`str.split()` splits on
    exactly the characters `\\s` matches, at a quarter of a regular expression's cost)."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def content_hash(title: str, text: str, tags: Iterable[str]) -> str:
    """Hash of what makes a post's content: its title, text and tags, whitespace-normalised.

    Comment counts, sidebars or a re-rendered theme do not change it.
    """
    normalised = json.dumps(
        [normalise_space(title), normalise_space(text), sorted(normalise_space(t) for t in tags)],
        ensure_ascii=False,
    )
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


#: A word to `word_count`: a run of letters and digits (Unicode categories L* and N*; "_" and
#: punctuation are between words), once the marks inside it are taken out.
_WORD = re.compile(r"[^\W_]+")
#: a character that may be a combining mark or private-use: none is below U+0300 or among
#: the quotes and dashes of general punctuation (an English text's only non-ASCII characters)
_MAYBE_INSIDE = re.compile("[^\x00-\u02ff\u2000-\u206f]")


@functools.cache
def _inside_a_word(char: str) -> bool:
    """Whether `char` is a combining mark (a vowel sign, virama, niqqud, haraka, an accent
    written apart) or a private-use character: part of the word it stands in, as the full-text
    index has them (FTS_TOKENIZE's M* and Co), never a word of its own."""
    return unicodedata.category(char) in ("Mn", "Mc", "Me", "Co")


def word_count(text: str) -> int:
    """How many words `text` holds, as the full-text index cuts it: runs of letters and digits
    with the combining marks inside them (हिन्दी, שָׁלוֹם, كَتَبَ and café written with a
    combining accent are one word each), each character of a script written without spaces
    (Chinese, Japanese, Thai; Korean syllables) counted as one: "今年も梅の季節が来た" is ten,
    not one. Unlike the index, a mark or private-use character with no letter beside it (an
    emoji's variation selector, an icon font's glyph) is no word, and "_" parts words as the
    index does (snake_case is two)."""
    text = text or ""
    if not text.isascii():
        if _MAYBE_INSIDE.search(text):
            inside = [ord(c) for c in set(text) if c >= "\u0300" and _inside_a_word(c)]
            if inside:
                text = text.translate(dict.fromkeys(inside))
        text = searchtext.spaced(text, " ")
    return len(_WORD.findall(text))


def year_of(date: str | None) -> int | None:
    match = re.match(r"(\d{4})-", date or "")
    return int(match.group(1)) if match else None


def counted_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The `posts` columns computed from a record's title, text and tags (`word_count`,
    `content_hash`), under the key `counted` with a quick digest of what they were computed
    from. The extraction workers add them to their records (pipeline/workers.py), so that
    the one writer does not spend its CPU on them; `extracted_fields` uses them only while
    that digest still matches the record, and computes them afresh otherwise."""
    text = record["text"]
    return {
        "counted": {
            "word_count": word_count(text),
            "content_hash": content_hash(record.get("title") or "", text, stored_tags(record)),
            "of": _quick_digest(record),
        }
    }


def _quick_digest(record: Mapping[str, Any]) -> str:
    """A fast digest of a record's title, text and tags exactly as given (no normalising)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (record.get("title") or "", record["text"], *(record.get("tags") or [])):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def stored_tags(record: Mapping[str, Any]) -> list[str]:
    """A record's labels as stored: no empty ones, each once, in order."""
    return list(dict.fromkeys(t for t in (record.get("tags") or []) if t))


def extracted_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The `posts` columns that come from extracting a page (what `blogarchive extract`
    prints), as stored: tags as a JSON array, with word count, year and content hash (as
    the record carries them from counted_fields, or computed here)."""
    tags = stored_tags(record)
    title = record.get("title") or ""
    text = record["text"]
    counted = record.get("counted")
    if not counted or counted.get("of") != _quick_digest(record):
        counted = counted_fields(record)["counted"]
    return {
        "title": title,
        "author": record.get("author") or "",
        "published": record.get("published"),
        "updated": record.get("updated"),
        "year": year_of(record.get("published")),
        "tags": json.dumps(tags, ensure_ascii=False),
        "language": record.get("language"),
        "text": text,
        "html": record.get("html") or "",
        "word_count": counted["word_count"],
        "content_hash": counted["content_hash"],
        "published_source": record.get("published_source"),
        "updated_source": record.get("updated_source"),
        "date_flags": json.dumps(record.get("date_flags") or [], ensure_ascii=False),
        "encoding": record.get("encoding"),
        "encoding_source": record.get("encoding_source"),
    }


# ---------------------------------------------------------------- migrations

Migration = Callable[["sqlite_utils.Database"], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(function: Migration) -> Migration:
        MIGRATIONS.append((name, function))
        return function

    return register


@migration("001_core_tables")
def _core_tables(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            platform TEXT,
            title TEXT,
            added_at TEXT NOT NULL,
            last_crawl_at TEXT,
            last_status TEXT
        );
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            source_id INTEGER REFERENCES sources(id),
            title TEXT,
            author TEXT,
            published TEXT,
            updated TEXT,
            year INTEGER,
            tags TEXT NOT NULL DEFAULT '[]',
            language TEXT,
            text TEXT NOT NULL,
            html TEXT,
            word_count INTEGER,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX posts_site ON posts(site);
        CREATE INDEX posts_published ON posts(published);
        CREATE INDEX posts_source_id ON posts(source_id);
        CREATE TABLE post_versions (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            title TEXT,
            text TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]',
            html TEXT,
            content_hash TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            UNIQUE(post_id, content_hash)
        );
        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            comment_key TEXT NOT NULL,
            author TEXT,
            published TEXT,
            text TEXT NOT NULL,
            parent TEXT,
            first_seen TEXT NOT NULL,
            UNIQUE(post_id, comment_key)
        );
        CREATE TABLE crawls (
            id INTEGER PRIMARY KEY,
            source_id INTEGER REFERENCES sources(id),
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            requests INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            found INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            message TEXT
        );
        CREATE INDEX crawls_source_id ON crawls(source_id);
        CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            stage TEXT NOT NULL,
            error TEXT NOT NULL,
            "when" TEXT NOT NULL,
            source_id INTEGER REFERENCES sources(id),
            crawl_id INTEGER REFERENCES crawls(id)
        );
        CREATE INDEX failures_url ON failures(url);
        """
    )
    db["posts"].enable_fts(
        ["title", "text", "author", "tags"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="porter",
    )
    db["comments"].enable_fts(
        ["author", "text"], fts_version="FTS5", create_triggers=True, tokenize="porter"
    )


@migration("002_incremental")
def _incremental(db: sqlite_utils.Database) -> None:
    """Per-URL state for conditional and incremental crawls, deletions and aliases."""
    db.executescript(
        """
        ALTER TABLE posts ADD COLUMN etag TEXT;
        ALTER TABLE posts ADD COLUMN last_modified TEXT;
        ALTER TABLE posts ADD COLUMN last_listed TEXT;
        ALTER TABLE posts ADD COLUMN gone_at TEXT;
        CREATE INDEX posts_source_listed ON posts(source_id, last_listed);
        ALTER TABLE crawls ADD COLUMN not_modified INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawls ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE post_aliases (
            url TEXT PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            reason TEXT NOT NULL,
            first_seen TEXT NOT NULL
        );
        CREATE INDEX post_aliases_post_id ON post_aliases(post_id);
        CREATE TABLE post_events (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            event TEXT NOT NULL,
            detail TEXT,
            "when" TEXT NOT NULL
        );
        CREATE INDEX post_events_post_id ON post_events(post_id);
        """
    )


@migration("003_provenance_and_duplicates")
def _provenance_and_duplicates(db: sqlite_utils.Database) -> None:
    """Where each date and the text encoding came from, and near-duplicate posts."""
    db.executescript(
        """
        ALTER TABLE posts ADD COLUMN published_source TEXT;
        ALTER TABLE posts ADD COLUMN updated_source TEXT;
        ALTER TABLE posts ADD COLUMN date_flags TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE posts ADD COLUMN encoding TEXT;
        ALTER TABLE posts ADD COLUMN encoding_source TEXT;
        ALTER TABLE posts ADD COLUMN duplicate_of INTEGER REFERENCES posts(id);
        CREATE INDEX posts_duplicate_of ON posts(duplicate_of);
        CREATE TABLE post_sketches (
            hash INTEGER NOT NULL,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            PRIMARY KEY (hash, post_id)
        ) WITHOUT ROWID;
        CREATE INDEX post_sketches_post_id ON post_sketches(post_id);
        """
    )


@migration("004_captures")
def _captures(db: sqlite_utils.Database) -> None:
    """WARC captures of every response (pipeline/warc.py), and the capture of each version."""
    db.executescript(
        """
        CREATE TABLE captures (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            warc_file TEXT NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            digest TEXT,
            status INTEGER,
            mime TEXT,
            fetched_at TEXT NOT NULL,
            record_type TEXT NOT NULL CHECK (record_type IN ('response', 'revisit')),
            refers_to INTEGER REFERENCES captures(id),
            record_id TEXT,
            hints TEXT
        );
        CREATE INDEX captures_url ON captures(url, id);
        CREATE INDEX captures_fetched_at ON captures(fetched_at);
        CREATE INDEX captures_refers_to ON captures(refers_to);
        ALTER TABLE post_versions ADD COLUMN capture_id INTEGER REFERENCES captures(id);
        CREATE INDEX post_versions_capture_id ON post_versions(capture_id);
        """
    )


@migration("005_hostile")
def _hostile(db: sqlite_utils.Database) -> None:
    """Where a blog moved to: its home page answered 301/308 to another host, which the crawl
    followed as the same source (pipeline/middlewares.py)."""
    db.execute("ALTER TABLE sources ADD COLUMN moved_to TEXT")


@migration("006_chart_indexes")
def _chart_indexes(db: sqlite_utils.Database) -> None:
    """One covering index for the charts of archive/charts.yml (archive/plugins/charts.py):
    their queries over posts read only this index, never the rows with their text and HTML
    (posts per month and blog, labels, archive size, a blog's timeline, words and authors)."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS posts_charts "
        "ON posts(site, published, first_seen, word_count, author, tags)"
    )


def _fts_update_trigger(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    changed = " OR ".join(f'old."{c}" IS NOT new."{c}"' for c in columns)
    return f"""
        CREATE TRIGGER "{table}_au" AFTER UPDATE OF {names} ON "{table}"
        WHEN {changed} BEGIN
          INSERT INTO "{table}_fts" ("{table}_fts", rowid, {names}) VALUES('delete', old.rowid, {old});
          INSERT INTO "{table}_fts" (rowid, {names}) VALUES (new.rowid, {new});
        END
    """


@migration("007_fts_reindex_on_indexed_columns_only")
def _fts_update_triggers(db: sqlite_utils.Database) -> None:
    """sqlite-utils' FTS update triggers fire on an update of any column: every `last_seen`,
    `last_listed`, `duplicate_of` or `gone_at` update re-indexed the whole post, which made
    each cron run rewrite the FTS index of every listed post and grow it. Now only a changed
    value of an indexed column re-indexes."""
    for table, columns in (
        ("posts", ("title", "text", "author", "tags")),
        ("comments", ("author", "text")),
    ):
        db.execute(f'DROP TRIGGER IF EXISTS "{table}_au"')
        db.execute(_fts_update_trigger(table, columns))


@migration("008_paused_sources")
def _paused_sources(db: sqlite_utils.Database) -> None:
    """A source can be paused (`blogarchive pause URL`): `crawl` with no URL skips it until it
    is resumed; its posts stay archived and searchable."""
    db.execute("ALTER TABLE sources ADD COLUMN paused_at TEXT")
    db.execute("ALTER TABLE sources ADD COLUMN paused_reason TEXT")


@migration("009_ingest_batches")
def _ingest_batches(db: sqlite_utils.Database) -> None:
    """Each batch `blogarchive ingest` wrote (a digest of its items), in the batch's own
    transaction: an ingester killed after its commit but before Redis forgot the batch must
    not have the next one write it again (every capture and failure twice)."""
    db.execute(
        "CREATE TABLE ingest_batches (digest TEXT PRIMARY KEY, items INTEGER NOT NULL, "
        "ingested_at TEXT NOT NULL)"
    )


@migration("010_sources_at_blog_home")
def _sources_at_blog_home(db: sqlite_utils.Database) -> None:
    """A source stored as the address of one of its blog's posts or listing pages (as older
    versions stored `crawl https://x.example/2023/05/post.html` or `.../search/label/X`)
    becomes the blog's home, as `crawl` and `add` now store it: before, every run re-read it
    as its home, recorded the home as a second source, and reported the stored one as
    `failed (crawl did not run)`. Where the home is a source already, the other's posts, runs
    and failures move to it and the duplicate row goes; nothing archived is dropped."""
    for source_id, url in db.execute("SELECT id, url FROM sources ORDER BY id").fetchall():
        try:
            home = source_home(url)
        except ValueError:  # not an address this version would store: left as it is
            continue
        if home == url:
            continue
        kept = db.execute("SELECT id FROM sources WHERE url = ?", [home]).fetchone()
        if kept is None:
            db.execute("UPDATE sources SET url = ? WHERE id = ?", [home, source_id])
            continue
        for table in ("posts", "crawls", "failures"):
            db.execute(
                f"UPDATE {table} SET source_id = ? WHERE source_id = ?", [kept[0], source_id]
            )
        db.execute("DELETE FROM sources WHERE id = ?", [source_id])


@migration("011_browse_indexes")
def _browse_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for what the served archive shows first: the home page's blogs (each one's
    first and last post) and latest posts, the tables' default orders in Datasette
    (`post_versions` by `captured_at`, `comments` by `published`, `failures` and
    `post_events` by `when`) and the posts table's year and author facets. Without them
    each of those read every row of its table: at 100,000 posts the home page took ~0.8 s
    (Datasette's time limit would stop it at a few hundred thousand), the versions table
    ~1.3 s, the year facet ~0.3-0.7 s."""
    db.executescript(
        """
        CREATE INDEX posts_source_published ON posts(source_id, published);
        CREATE INDEX posts_first_seen ON posts(first_seen);
        CREATE INDEX posts_year ON posts(year);
        CREATE INDEX posts_author ON posts(author);
        CREATE INDEX post_versions_captured_at ON post_versions(captured_at);
        CREATE INDEX comments_published ON comments(published);
        CREATE INDEX failures_when ON failures("when");
        CREATE INDEX post_events_when ON post_events("when");
        """
    )


#: The columns of each full-text index `{table}_fts` (a contract: users' SQL reads them).
FTS_COLUMNS = {"posts": ("title", "text", "author", "tags"), "comments": ("author", "text")}


#: The tokenizer of `{table}_fts` since migration 015: unicode61 under porter, with combining
#: marks (M*) inside words, as letters (L*), digits (N*) and private-use characters (Co) are.
#: unicode61 alone cuts a word at most vowel signs and viramas of Devanagari, Bengali, Tamil...
#: (हिन्दी was the words हिन्द and ी: a search for न found it, and its highlight split the word).
FTS_TOKENIZE = "porter unicode61 categories 'L* N* Co M*'"


def _fts_schema(table: str, columns: Sequence[str], tokenize: str = FTS_TOKENIZE) -> list[str]:
    """The full-text index of `table` as migration 012 makes it (pipeline/searchtext.py says
    why): `{table}_fts_segments` holds, for the rows with Chinese, Japanese, Korean, Thai...
    text, that text with a zero-width space between those characters (NULL for a column
    without any); the view `{table}_fts_source` is each row's values with those in their
    place, and is the content `{table}_fts` indexes and reads back for snippet() and
    highlight(). The triggers keep the index equal to the view at every statement: a changed
    row is taken out with the values the view gave for it and indexed as it now is (its
    segments dropped; `Archive` writes them again, see `_index_segments`), whoever writes it,
    the plain sqlite3 tool included. Nothing in it needs blogarchive: any SQLite with FTS5
    reads and searches it."""
    names = ", ".join(f'"{c}"' for c in columns)
    source = ", ".join(f'coalesce(s."{c}", t."{c}") AS "{c}"' for c in columns)
    old = ", ".join(f'coalesce(s."{c}", old."{c}")' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    changed = " OR ".join(f'old."{c}" IS NOT new."{c}"' for c in columns)
    take_out = f"""INSERT INTO "{table}_fts" ("{table}_fts", rowid, {names})
          SELECT 'delete', old.id, {old}
          FROM (SELECT old.id AS id) AS o LEFT JOIN "{table}_fts_segments" AS s ON s.id = o.id;
          DELETE FROM "{table}_fts_segments" WHERE id = old.id;"""
    put_in = f'INSERT INTO "{table}_fts" (rowid, {names}) VALUES (new.id, {new});'
    return [
        f'CREATE TABLE "{table}_fts_segments" (id INTEGER PRIMARY KEY, '
        + ", ".join(f'"{c}" TEXT' for c in columns)
        + ")",
        f"""CREATE VIEW "{table}_fts_source" AS SELECT t.id AS id, {source}
        FROM "{table}" AS t LEFT JOIN "{table}_fts_segments" AS s ON s.id = t.id""",
        # The comment is kept in sqlite_master: tools that find a table's index by its
        # content option there (Datasette's search box, sqlite-utils' detect_fts) find it.
        f"""CREATE VIRTUAL TABLE "{table}_fts" USING FTS5 ({names}, tokenize="{tokenize}",
        content='{table}_fts_source', content_rowid='id'
        /* the full-text index of content=[{table}], read through {table}_fts_source */)""",
        f"""CREATE TRIGGER "{table}_ai" AFTER INSERT ON "{table}" BEGIN
          DELETE FROM "{table}_fts_segments" WHERE id = new.id;
          {put_in}
        END""",
        f"""CREATE TRIGGER "{table}_ad" AFTER DELETE ON "{table}" BEGIN
          {take_out}
        END""",
        f"""CREATE TRIGGER "{table}_au" AFTER UPDATE OF {names} ON "{table}"
        WHEN {changed} BEGIN
          {take_out}
          {put_in}
        END""",
    ]


@migration("012_fts_segmented_scripts")
def _fts_segmented_scripts(db: sqlite_utils.Database) -> None:
    """Chinese, Japanese and Thai text (no spaces between words) and Korean (particles
    attached) was one token per run of characters: a post saying 私は東京に住んでいます was
    not found by 東京. Both indexes are made again over `{table}_fts_source` (see
    `_fts_schema`), and every row is indexed again (about 0.1 s per MB of text: 0.5 s for
    2,000 posts of 2.7 KB)."""
    for table, columns in FTS_COLUMNS.items():
        for trigger in ("ai", "ad", "au"):
            db.execute(f'DROP TRIGGER IF EXISTS "{table}_{trigger}"')
        db.execute(f'DROP TABLE IF EXISTS "{table}_fts"')
        for statement in _fts_schema(table, columns, "porter"):
            if "CREATE TRIGGER" not in statement:
                db.execute(statement)
        names = ", ".join(f'"{c}"' for c in columns)
        rows = db.conn.execute(f'SELECT id, {names} FROM "{table}"')
        db.conn.executemany(
            f'INSERT INTO "{table}_fts_segments" (id, {names}) VALUES '
            f"({', '.join('?' for _ in range(len(columns) + 1))})",
            (
                (row[0], *segments)
                for row in rows
                if any(segments := [searchtext.indexed(value) for value in row[1:]])
            ),
        )
        db.execute(f"""INSERT INTO "{table}_fts" ("{table}_fts") VALUES ('rebuild')""")
        for statement in _fts_schema(table, columns, "porter"):
            if "CREATE TRIGGER" in statement:
                db.execute(statement)


def _reindex_row(
    conn: sqlite3.Connection, table: str, row_id: int, wanted: Sequence[str | None]
) -> None:
    """Index the row `row_id` of `table` again with `wanted` as its `{table}_fts_segments`
    (what `searchtext.indexed` gives of each column; all None: the values themselves)."""
    columns = FTS_COLUMNS[table]
    names = ", ".join(f'"{c}"' for c in columns)
    # out with what the view gives now, in with what it gives after: the index stays its
    # image (FTS5 takes a row out of an external-content index with the values indexed)
    source = f'id, {names} FROM "{table}_fts_source" WHERE id = ?'
    conn.execute(
        f"""INSERT INTO "{table}_fts" ("{table}_fts", rowid, {names}) SELECT 'delete', {source}""",
        [row_id],
    )
    conn.execute(f'DELETE FROM "{table}_fts_segments" WHERE id = ?', [row_id])
    if any(wanted):
        conn.execute(
            f'INSERT INTO "{table}_fts_segments" (id, {names}) VALUES '
            f"(?, {', '.join('?' for _ in columns)})",
            [row_id, *wanted],
        )
    conn.execute(f'INSERT INTO "{table}_fts" (rowid, {names}) SELECT {source}', [row_id])


def _stale_rows(conn: sqlite3.Connection, table: str) -> list[tuple[int, Any, list[str | None]]]:
    """(id, the post's url or the comment's post_id, what this version indexes of it) of each
    row of `table` whose `{table}_fts_segments` is not `searchtext.indexed` of its values. A
    row of ASCII values with nothing held is passed over at once (nothing to fold or space
    out). Read whole before any row is indexed again."""
    columns = FTS_COLUMNS[table]
    names = ", ".join(f'"{c}"' for c in columns)
    held = {
        row[0]: list(row[1:])
        for row in conn.execute(f'SELECT id, {names} FROM "{table}_fts_segments"')
    }
    label = "url" if table == "posts" else "post_id"
    stale = []
    for row in conn.execute(f'SELECT id, {label}, {names} FROM "{table}"'):
        values = row[2:]
        if row[0] not in held and all(v is None or v.isascii() for v in values):
            continue
        wanted = [searchtext.indexed(v) for v in values]
        if held.get(row[0], [None] * len(columns)) != wanted:
            stale.append((row[0], row[1], wanted))
    return stale


def stale_index_rows(conn: sqlite3.Connection, table: str) -> list[tuple[int, Any]]:
    """The rows of `table` (id, and the post's url or the comment's post_id) whose
    `{table}_fts_segments` is not what this version indexes of them (`searchtext.indexed`):
    rows an older blogarchive wrote after the archive was migrated (a crawl of the older
    version still running through the upgrade), which folded and CJK searches do not find.
    Only for an archive migration 014 folded (before it, the index holds values as written)."""
    return [(row_id, label) for row_id, label, _ in _stale_rows(conn, table)]


def reindex_stale_rows(conn: sqlite3.Connection) -> int:
    """Index again, as this version does, the rows `stale_index_rows` finds; how many."""
    count = 0
    for table in FTS_COLUMNS:
        for row_id, _, wanted in _stale_rows(conn, table):
            _reindex_row(conn, table, row_id, wanted)
            count += 1
    return count


def index_folded(conn: sqlite3.Connection) -> bool:
    """Whether the archive's full-text indexes hold letters folded (migration 014 ran)."""
    found = conn.execute("SELECT 1 FROM _migrations WHERE name = '014_fts_folded_letters'")
    return found.fetchone() is not None


@migration("013_word_count_by_character")
def _word_count_by_character(db: sqlite_utils.Database) -> None:
    """`posts.word_count` of Chinese, Japanese, Korean and Thai text counted a whole sentence
    as one word (a 2,000-character Japanese post had ~40); counted again with each character
    of those scripts as one (`word_count`), for the posts whose text the full-text index
    keeps apart (migration 012's `posts_fts_segments`), the only ones it changes."""
    rows = db.conn.execute(
        "SELECT id, text FROM posts WHERE id IN (SELECT id FROM posts_fts_segments)"
    ).fetchall()
    db.conn.executemany(
        "UPDATE posts SET word_count = ? WHERE id = ?",
        [(word_count(text), post_id) for post_id, text in rows],
    )


@migration("014_fts_folded_letters")
def _fts_folded_letters(db: sqlite_utils.Database) -> None:
    """Greek with and without accents (Αθήνα, αθηνα, ΑΘΗΝΑ), Arabic with and without
    harakat or tatweel (كَتَبَ, كتب), Hebrew with and without niqqud (שָׁלוֹם, שלום), ß and ss,
    ı and i, ligatures (ﬁle, file) and full-width letters (ＡＢＣ, ABC) were different words to
    the index: a search for one did not find the other, and pointed Hebrew and Arabic words
    were cut at each mark. The rows holding such letters are indexed again with them folded
    (`searchtext.folded`, kept in `{table}_fts_segments` like the spaced-out CJK text); a
    row of ASCII text is passed over at once, so an English archive takes about a second per
    100,000 posts."""
    reindex_stale_rows(db.conn)


@migration("015_fts_words_keep_their_marks")
def _fts_words_keep_their_marks(db: sqlite_utils.Database) -> None:
    """Hindi, Bengali, Tamil and the other scripts written with vowel signs and viramas
    were cut at most of them (हिन्दी was हिन्द and ी): a search for part of a word found it
    (न found हिन्दी) and a highlight split a word. Both indexes are made again with marks
    inside words (FTS_TOKENIZE) and every row indexed again (about 0.1 s per MB of text)."""
    for table, columns in FTS_COLUMNS.items():
        for trigger in ("ai", "ad", "au"):
            db.execute(f'DROP TRIGGER IF EXISTS "{table}_{trigger}"')
        db.execute(f'DROP TABLE IF EXISTS "{table}_fts"')
        statements = _fts_schema(table, columns)
        db.execute(next(sql for sql in statements if "CREATE VIRTUAL TABLE" in sql))
        db.execute(f"""INSERT INTO "{table}_fts" ("{table}_fts") VALUES ('rebuild')""")
        for statement in statements:
            if "CREATE TRIGGER" in statement:
                db.execute(statement)


@migration("016_utc_times_as_written")
def _utc_times_as_written(db: sqlite_utils.Database) -> None:
    """`blogarchive reextract` dated the versions and comments it added with their capture's
    WARC-Date (`...Z`, with fractions of a second before 2026-11-29): written `+00:00` like
    every other time the archive records, the same instant to the same fraction."""
    for table, column in (("post_versions", "captured_at"), ("comments", "first_seen")):
        db.execute(
            f"UPDATE {table} SET {column} = substr({column}, 1, length({column}) - 1) || '+00:00' "
            f"WHERE {column} GLOB '[0-9][0-9][0-9][0-9]-*Z'"
        )


def stale_word_counts(conn: sqlite3.Connection) -> list[tuple[int, str, int, int]]:
    """The posts (id, url, the count stored, this version's count) whose `word_count` is not
    what this version counts (`word_count` of the text): before migration 017, posts of
    Hindi, Hebrew, Arabic... text; after it, posts an older blogarchive wrote (a crawl of the
    older version still running through the upgrade). Only a post that may hold a combining
    mark or a script counted by character (a character from U+0300 on, other than general
    punctuation's quotes and dashes) or a "_" is counted again: every version counts any
    other text alike. A post without a count (NULL) is passed over."""
    rows = conn.execute("SELECT id, url, text, word_count FROM posts WHERE word_count IS NOT NULL")
    return [
        (post_id, url, stored, count)
        for post_id, url, text, stored in rows
        if ("_" in text or (not text.isascii() and _MAYBE_INSIDE.search(text)))
        and (count := word_count(text)) != stored
    ]


def recount_stale_word_counts(conn: sqlite3.Connection) -> int:
    """Write this version's count of the posts `stale_word_counts` finds; how many."""
    stale = stale_word_counts(conn)
    conn.executemany(
        "UPDATE posts SET word_count = ? WHERE id = ?",
        [(count, post_id) for post_id, _, _, count in stale],
    )
    return len(stale)


def words_recounted(conn: sqlite3.Connection) -> bool:
    """Whether the archive's word counts are this version's (migration 017 ran)."""
    found = conn.execute(
        "SELECT 1 FROM _migrations WHERE name = '017_word_count_keeps_marks_in_words'"
    )
    return found.fetchone() is not None


@migration("017_word_count_keeps_marks_in_words")
def _word_count_keeps_marks_in_words(db: sqlite_utils.Database) -> None:
    """`posts.word_count` cut a word at each combining mark: Hindi, Bengali, Tamil... at
    their vowel signs and viramas (हिन्दी was three words), pointed Hebrew and vocalised
    Arabic at their marks, a Latin accent written as a combining mark (café in NFD) at it;
    and it took snake_case for one word where the index finds two. Counted again
    (`word_count`) for the posts that may hold a mark (`stale_word_counts`) or a "_", and
    written only where the count changes. Every post's text is read once (100,000 posts of
    3 KB: ~4 s on a busy 2-core machine, 3 s of it reading; a GLOB for those characters in
    SQL took eight times as long); an English post is counted again only if it holds a "_".
    A post without a count (NULL) is left without one, as its English neighbours are."""
    recount_stale_word_counts(db.conn)


@migration("018_year_of_published")
def _year_of_published(db: sqlite_utils.Database) -> None:
    """A post fetched again with its stored publication date written in another time zone
    (2024-01-01T04:30Z for 2023-12-31T23:30-05:00) kept that date but took the other
    writing's year: the year facet counted it in 2024, the month facet and the charts in
    December 2023. Each post's `year` is made the year of its `published` again (one pass of
    SQL over the posts, their text not read)."""
    db.execute(
        "UPDATE posts SET year = CAST(substr(published, 1, 4) AS INTEGER) "
        "WHERE published GLOB '[0-9][0-9][0-9][0-9]-*' "
        "AND year IS NOT CAST(substr(published, 1, 4) AS INTEGER)"
    )


@migration("019_post_pictures")
def _post_pictures(db: sqlite_utils.Database) -> None:
    """The pictures each post shows (the `<img src>` of its HTML rendition, any version), each
    tied to the WARC capture of the picture once the crawl has fetched it (`capture_id`, NULL
    until then or when it could not be fetched): a post keeps its pictures when the blog or
    its image host goes away (pipeline/pictures.py). Nothing else changes."""
    db.executescript(
        """
        CREATE TABLE post_pictures (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            url TEXT NOT NULL,
            capture_id INTEGER REFERENCES captures(id),
            first_seen TEXT NOT NULL,
            UNIQUE (post_id, url)
        );
        CREATE INDEX post_pictures_url ON post_pictures(url, capture_id);
        CREATE INDEX post_pictures_capture_id ON post_pictures(capture_id);
        """
    )


def published_instant_sql(column: str) -> str:
    """SQL for the instant, in UTC, of a `published` value (the column or expression
    `column`): `posts.published_utc`, written `2020-01-01T04:30:00+00:00` (to the second) so
    that it sorts as text in time order. A time with its zone is that instant; a time without
    one is taken as UTC (as the Atom feeds take it); a day is its midnight in UTC and a month
    its first day's; anything else (no date) is NULL. `dates.instant` reads a value the same
    way."""
    return (
        f"CASE WHEN {column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' "
        f"THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', {column} || '-01') "
        f"WHEN {column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
        f"THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', {column}) END"
    )


@migration("020_published_utc")
def _published_utc(db: sqlite_utils.Database) -> None:
    """`posts.published_utc`: the instant of `published` in UTC, the key every "newest
    first" list sorts by (`published` keeps the blog's own clock, and sorted as text listed a
    post of 08:00 in Tokyo on New Year's Day as newer than one of 23:30 the evening before in
    New York, published five and a half hours after it). Filled for every post (one pass of SQL, each post's
    row written once: ~1 s per 10,000 posts of 3 KB), indexed alone (the search orders, the
    posts table's default sort) and after `source_id` (each blog's first and last post), and
    kept current by triggers whoever writes `published`: this version, a user's SQL, an older
    blogarchive still running through the upgrade. A value written into `published_utc`
    itself that is not the instant of `published` is put right the same way."""
    instant = published_instant_sql("new.published")
    for statement in (
        "ALTER TABLE posts ADD COLUMN published_utc TEXT",
        f"UPDATE posts SET published_utc = {published_instant_sql('published')} "
        "WHERE published IS NOT NULL",
        "CREATE INDEX posts_published_utc ON posts(published_utc)",
        "CREATE INDEX posts_source_published_utc ON posts(source_id, published_utc)",
        f"""CREATE TRIGGER posts_published_utc_insert AFTER INSERT ON posts
            WHEN new.published_utc IS NOT ({instant})
        BEGIN
            UPDATE posts SET published_utc = ({instant}) WHERE id = new.id;
        END""",
        f"""CREATE TRIGGER posts_published_utc_update
            AFTER UPDATE OF published, published_utc ON posts
            WHEN new.published_utc IS NOT ({instant})
        BEGIN
            UPDATE posts SET published_utc = ({instant}) WHERE id = new.id;
        END""",
    ):
        db.execute(statement)


def _keeps_stored(name: str, stored: Any, new: Any, stored_source: str | None = None) -> bool:
    """Whether a post's stored metadata value stays when it is saved again: this extraction
    did not find the value, or found the same date no more precisely (another time zone's
    writing of the same instant, the day without its time). A feed's date stored in UTC (as
    blogarchive stored every feed date before 2026-11-29) gives way to the same instant in
    the blog's zone, which keeps the blog's day, month and year."""
    if not stored:
        return False
    if not new:
        return True
    if name not in ("published", "updated"):
        return False
    stored, new = str(stored), str(new)
    if (
        stored_source == "feed"
        and has_zone(stored)
        and not has_zone(stored, other_than_utc=True)
        and has_zone(new, other_than_utc=True)
        and same_moment(stored, new)
    ):
        return False
    return len(new) <= len(stored) and same_date(stored, new)


# The `posts` columns a new extraction of a stored post replaces only when it found them.
BYLINE_FIELDS = (
    "author",
    "published",
    "updated",
    "year",
    "language",
    "published_source",
    "updated_source",
    "encoding",
    "encoding_source",
)


# A date no markup gave, only guessed from the page's text (htmldate, the last resort): the
# guess can be a "Last cached: ..." footer's or a sidebar's date, which changes between fetches.
GUESSED_DATE_SOURCES = frozenset({"htmldate"})


def _keep_stored_over_guess(stored: Mapping[str, Any], fields: dict[str, Any]) -> None:
    """A guessed date (:data:`GUESSED_DATE_SOURCES`) never replaces a stored date: the stored
    one and its source stay (and no `date_changed` event is recorded)."""
    for name in ("published", "updated"):
        source = f"{name}_source"
        if stored[name] and fields[name] and fields[source] in GUESSED_DATE_SOURCES:
            fields[name], fields[source] = stored[name], stored[source]
            if name == "published":
                fields["year"] = year_of(stored[name])


#: An `updated` date this close to when the page was fetched may say when it was served, not
#: when the post was edited: some pages and feeds date every response with the time it is
#: made (JSON-LD `dateModified` or a feed's `<updated>` of the moment).
SERVED_STAMP_WINDOW = timedelta(days=1)


def near_in_time(date: str | None, moment: str | None) -> bool:
    """Whether a date (`dates.instant`'s reading of it) is within SERVED_STAMP_WINDOW of a
    moment the archive recorded (a fetch)."""
    first, second = instant(date), instant(moment)
    return first is not None and second is not None and abs(first - second) <= SERVED_STAMP_WINDOW


def same_date(a: str, b: str) -> bool:
    """Whether two stored dates say the same: the same instant written another way, or one
    the day (or month) of which the other gives the time."""
    a, b = a.strip(), b.strip()
    return a.startswith(b) or b.startswith(a) or same_moment(a, b)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded in `_migrations`; return the names applied.

    All or nothing, in one transaction: a process killed halfway (the first crawl into a new
    archive, or the first run after an upgrade) leaves the schema as it was, never half of a
    migration that every later run would fail on ("table sources already exists"). Inside a
    transaction sqlite-utils runs a script statement by statement, without an implicit COMMIT.
    """
    if not pending_migrations(db.conn):  # the usual case: no write lock taken
        return []
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = []
        # asked again inside the transaction: another process may have applied some
        pending = set(pending_migrations(db.conn))
        for name, function in MIGRATIONS:
            if name not in pending:
                continue
            function(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, utcnow()])
            applied.append(name)
    except BaseException:
        # not when SQLite rolled it all back itself (a full disk): a ROLLBACK would then fail
        # with "no transaction is active" and hide the error
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return applied


# ---------------------------------------------------------------- the archive


#: Bytes of the database file that readers map into memory (`PRAGMA mmap_size`): a search that
#: looks up thousands of matching posts then reads pages without a system call each. Read-only
#: archives and the search page's connections (archive/plugins/archive_search.py) use it; the
#: crawl's writer does not (the pages it touched would count in its resident memory).
MMAP_BYTES = 1 << 30

#: bm25 weights of posts_fts's columns (title, text, author, tags): a match in the title counts
#: ten times one in the text. The search page (archive/metadata.yml) uses the same.
SEARCH_WEIGHTS = "10.0, 1.0, 2.0, 5.0"

#: A query matching more posts than this ranks only the most recently archived RANKED_MATCHES of
#: them: bm25 costs ~1 µs a match, ~120 ms for a word in each of 100,000 posts and ten times that
#: at 1,000,000, while a word that common says little about relevance. `rank_limit=None` lifts it.
RANKED_MATCHES = 10_000

#: The orders a search can list its matches in: best match first (bm25), or by publication
#: date, newest or oldest first (posts without a date last). Date orders consider every match.
SEARCH_ORDERS = ("relevance", "newest", "oldest")

#: A date-ordered search matching fewer posts than this sorts its matches; one matching more
#: walks the posts by date (the index posts_published_utc) and stops at the `limit`th match: at
#: 100,000 posts 3-40 ms for a word in 7,000 to all of them, where sorting them costs up to
#: 180 ms. The search page (archive/metadata.yml) switches at the same number.
DATE_WALK_MATCHES = 2_000


def _snippets_of(match: str, shown: str) -> str:
    """SQL for the snippet (matches in [brackets]) of each post of the table `shown` (its
    `rowid` column): a query's snippets for the rows shown only, never for every match."""
    # without the zero-width spaces the index has between CJK and Thai characters; the
    # matches between \x02 and \x03 (`Archive._shown_snippets` makes them [brackets])
    snippet = "replace(snippet(posts_fts, 1, char(2), char(3), '…', 16), char(8203), '') AS snippet"
    if "*" in match:
        # A prefix query merges the doclists of every word it matches in each statement
        # that runs it: one pass over the matches beats a lookup for each row shown.
        return f"""SELECT rowid, {snippet} FROM posts_fts
            WHERE posts_fts MATCH :match AND +rowid IN (SELECT rowid FROM {shown})"""
    return f"""SELECT {shown}.rowid, (SELECT {snippet} FROM posts_fts
        WHERE posts_fts MATCH :match AND rowid = {shown}.rowid) AS snippet FROM {shown}"""


#: The tables that make a SQLite database a blogarchive archive (migration 001 creates `posts`,
#: `migrate` the `_migrations` that lists what was applied).
ARCHIVE_TABLES = ("posts", "_migrations")


def check_archive(conn: sqlite3.Connection, path: Path, *, empty_ok: bool = False) -> bool:
    """Raise ArchiveError unless the database on `conn` is a blogarchive archive: True for
    an archive; False for an empty database (no schema at all: a new or 0-byte file), which
    only `empty_ok` (a command that may create an archive there) accepts. Reads the schema
    only (a few pages), so a file that is not SQLite raises sqlite3.DatabaseError here."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if not names:
        if empty_ok:
            return False
        raise ArchiveError(f"{path} is not a blogarchive archive (an empty database)")
    missing = [table for table in ARCHIVE_TABLES if table not in names]
    if missing:
        raise ArchiveError(
            f"{path} is a SQLite database but not a blogarchive archive "
            f"(no {missing[0]} table); left untouched"
        )
    return True


def check_archive_file(path: str | Path) -> None:
    """Raise ArchiveError unless the file at `path` is an archive this version can write (not
    one a newer version migrated, see `check_known_migrations`) or an empty database (one
    being created: another process's first migration is not committed yet), reading only:
    what a command that may create an archive there checks before it locks or logs."""
    conn = _connect_readonly(Path(path), empty_ok=True)
    try:
        check_known_migrations(conn, Path(path))
    finally:
        conn.close()


def check_known_migrations(conn: sqlite3.Connection, path: Path) -> None:
    """Raise ArchiveError when the archive on `conn` records a migration this version does
    not have: a newer blogarchive wrote it, and writing to it with this one could break
    what the newer schema expects (reading it is fine)."""
    listed = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not listed:
        return
    known = {name for name, _ in MIGRATIONS}
    unknown = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY name")]
    unknown = [name for name in unknown if name not in known]
    if unknown:
        raise ArchiveError(
            f"{path} was written by a newer blogarchive (its migration {unknown[0]} is unknown "
            f"to version {__version__}): upgrade blogarchive to write to it; left untouched"
        )


def full_disk_hint(error: BaseException, path: Path | None = None) -> str:
    """Where to look when SQLite says "database or disk is full" (its temporary files go to
    the system's temporary folder, not beside the archive), or "disk I/O error" when the
    disk of the archive at `path` has no space left (a -shm file it could not make)."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_FULL:
        return (
            f" (the archive's disk, or {tempfile.gettempdir()} where SQLite keeps temporary files)"
        )
    if code == sqlite3.SQLITE_IOERR and path is not None:
        try:
            full = shutil.disk_usage(path.absolute().parent).free == 0
        except OSError:
            full = False
        if full:
            return f" (no space left on the disk of {path})"
    return ""


class _Opening:
    """The connection being opened by `opening_archive` (closed there if opening fails)."""

    conn: sqlite3.Connection | None = None


@contextmanager
def opening_archive(path: Path) -> Iterator[_Opening]:
    """Open the archive at `path` inside this block, keeping the connection in `.conn`: if
    the block fails, that connection is closed and the error is an ArchiveError (SQLite's
    "cannot open archive PATH: ...", or the ArchiveError raised, such as `check_archive`'s)."""
    opening = _Opening()
    try:
        yield opening
    except (sqlite3.DatabaseError, ArchiveError) as error:
        if opening.conn is not None:
            opening.conn.close()
        if isinstance(error, ArchiveError):
            raise
        raise ArchiveError(
            f"cannot open archive {path}: {error}{full_disk_hint(error, path)}"
        ) from error


def _readonly_connection(uri: str) -> sqlite3.Connection:
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def can_write(where: Path) -> bool:
    """Can this process write `where` (a file, or in a folder)?"""
    return os.access(where, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def is_writable(path: Path) -> bool:
    """Can this process write the file at `path`, or create files beside it?"""
    return can_write(path) or can_write(path.resolve().parent)


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    """The migrations of this version not yet applied to the database on `conn`, in order
    (all of them when it has no `_migrations` table yet)."""
    listed = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")} if listed else set()
    return [name for name, _ in MIGRATIONS if name not in done]


def _connect_readonly(path: Path, *, empty_ok: bool = False) -> sqlite3.Connection:
    """A read-only connection to the archive at `path` (ArchiveError if it is none; an empty
    database is accepted with `empty_ok`, see `check_archive`).

    `mode=ro` still needs the `-shm` file of a WAL database (the archive's journal mode): a
    reader creates it when it is missing, or fails with "attempt to write a readonly database"
    / "unable to open database file" when it cannot (sqlite.org/wal.html, "Read-Only
    Databases"). That is the case of a read-only copy: the file and its folder not writable by
    this user. Then, and only then, it is opened `immutable=1` (no `-shm`, no locks): as
    neither the file nor its folder is writable by this process, no writer running as this
    user can be changing it. (A writer running as another user would have made the `-shm`
    file, and the plain open would have worked; a `-wal` file left over by a writer that died
    is not read in immutable mode, so its last transactions would not be seen.)"""
    uri = path.resolve().as_uri()
    with opening_archive(path) as opening:
        opening.conn = _readonly_connection(f"{uri}?mode=ro")
        try:
            check_archive(opening.conn, path, empty_ok=empty_ok)
        except sqlite3.DatabaseError as error:
            code = getattr(error, "sqlite_errorcode", 0) & 0xFF
            if code not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN) or is_writable(path):
                raise
            opening.conn.close()
            opening.conn = _readonly_connection(f"{uri}?mode=ro&immutable=1")
            check_archive(opening.conn, path, empty_ok=empty_ok)
        opening.conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    return opening.conn


@dataclass(frozen=True)
class SearchResults:
    """The first matches of a search in its order (`rows`), how many matches that order was
    chosen among (`ranked`), and whether that was every match (`complete`) or, for relevance,
    the RANKED_MATCHES most recently archived."""

    rows: list[dict[str, Any]]
    ranked: int
    complete: bool


@dataclass(frozen=True)
class SaveResult:
    post_id: int
    outcome: str  # "new", "changed" or "unchanged"
    new_comments: int = 0


class Archive:
    """One SQLite archive file. Open it, write to it, search it; close it (or use `with`)."""

    def __init__(self, path: str | Path, *, create: bool = True, readonly: bool = False):
        """Open the archive at `path`. `readonly`: only read it (it must exist, and nothing,
        not even the journal mode, is changed); otherwise it is migrated to the current
        schema, and created first when `create` is true and no file is there yet (or an empty
        one). An existing archive (`create` false) whose file this process cannot write (a
        read-only copy) is opened read-only when it needs no migration (`self.readonly` tells;
        a write then raises sqlite3.OperationalError), and is an ArchiveError when it does.
        A file that is not SQLite, or a SQLite database that is not an archive, raises
        ArchiveError and is left untouched."""
        self.path = Path(path)
        self._in_transaction = False
        if (not create or readonly) and not self.path.exists():
            raise ArchiveError(f"no archive at {self.path}")
        self.readonly = readonly or (not create and not can_write(self.path))
        if self.readonly:
            self.conn = _connect_readonly(self.path)
            pending = [] if readonly else pending_migrations(self.conn)
            if pending:
                self.conn.close()
                raise ArchiveError(
                    f"{self.path} is read-only and was written by an older blogarchive: it "
                    f"needs {len(pending)} migration(s) ({pending[0]}, ...), which cannot be "
                    "applied to a file this user cannot write; open a writable copy once"
                )
            return
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with opening_archive(self.path) as opening:
            # Autocommit mode: every write below runs in an explicit transaction of ours.
            opening.conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            opening.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Before anything is written: another program's database gets no archive tables,
            # and one a newer version migrated no writes from this one.
            check_archive(opening.conn, self.path, empty_ok=create)
            check_known_migrations(opening.conn, self.path)
            self.conn = opening.conn
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            migrate(self.db)

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The archive's connection through sqlite-utils, made on first use: a read-only
        archive that only searches never imports sqlite-utils (~55 ms of a command's start-up).
        execute_plugins=False: the archive registers no SQL functions through sqlite-utils
        plugins, and looking for them reads every installed package's metadata (~25 ms)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False)

    @functools.cached_property
    def _segmented_index(self) -> bool:
        """Whether the full-text indexes hold Chinese, Japanese, Korean and Thai characters
        one by one (migration 012): an archive written by an older version and opened
        read-only (`search`) still has one token per run of them, which a query finds as
        typed."""
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = 'posts_fts_source'"
        )
        return found.fetchone() is not None

    @functools.cached_property
    def _has_published_utc(self) -> bool:
        """Whether `posts` has `published_utc` (migration 020_published_utc): an archive written by an
        older version and opened read-only (`search`) has not; its date orders compute the
        same instants from `published` as they go (`published_instant_sql`), without the
        index."""
        names = [row[1] for row in self.conn.execute("PRAGMA table_info(posts)")]
        return "published_utc" in names

    @functools.cached_property
    def _folded_index(self) -> bool:
        """Whether the full-text indexes hold Greek, Arabic and Hebrew words without their
        accents and marks, ß as ss... (migration 014): a query is folded the same way then
        only (an older archive opened read-only holds them as written)."""
        return index_folded(self.conn)

    @functools.cached_property
    def _folded_text(self) -> str:
        """A search's column `folded_text`: the text as stored of a post the index holds
        otherwise (folded or spaced out, see `searchtext.indexed`), whose snippet is shown
        as stored (`_shown_snippets`); NULL for the others."""
        if not self._segmented_index:
            return "NULL AS folded_text"
        return """CASE WHEN EXISTS (SELECT 1 FROM posts_fts_segments AS s
            WHERE s.id = posts.id AND s.text IS NOT NULL) THEN posts.text END AS folded_text"""

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self.readonly:
            self._empty_wal()
        self.conn.close()

    def _empty_wal(self) -> None:
        """Copy the write-ahead log (`-wal`) into the archive and empty it, waiting at most
        WAL_CHECKPOINT_WAIT_MS for readers in the middle of a query. SQLite does this itself
        only when the last connection closes; with Datasette serving the archive, the crawl's
        is not the last, and a log left full (a migration that rewrote every post leaves
        hundreds of MB) is read again whole by every read-only connection opened after the
        last writer closed: `blogarchive search` took 0.5 s instead of 0.1 on an upgraded
        archive of 100,000 posts. When it cannot be done now (a long reader, a full disk),
        the next writer's checkpoints do it."""
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {WAL_CHECKPOINT_WAIT_MS}")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error:
            pass

    def recount_stale_word_counts(self) -> int:
        """Count again, as this version does, the words of the posts `stale_word_counts`
        finds (`blogarchive verify --reindex`); how many. Nothing else changes."""
        with self.transaction():
            return recount_stale_word_counts(self.conn)

    def reindex_stale_rows(self) -> int:
        """Index again, as this version does, the posts and comments `stale_index_rows`
        finds (`blogarchive verify --reindex`); how many. Nothing else changes."""
        with self.transaction():
            return reindex_stale_rows(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes in one transaction: committed on success, rolled back on error.

        Inside it, each write method runs in a savepoint of its own, so one bad item rolls
        back alone and the rest of the batch is committed.
        """
        if self._in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._in_transaction = False
            if self.conn.in_transaction:  # SQLite rolls back itself on some errors (a full disk)
                self.db.execute("ROLLBACK")
            raise
        self._in_transaction = False
        self.db.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[None]:
        if not self._in_transaction:
            with self.transaction():
                yield
            return
        self.db.execute("SAVEPOINT write")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # not when SQLite rolled it all back (a full disk)
                self.db.execute("ROLLBACK TO write")
                self.db.execute("RELEASE write")
            raise
        self.db.execute("RELEASE write")

    def _update(self, table: str, row_id: int, fields: Mapping[str, Any]) -> None:
        if fields:
            assignments = ", ".join(f"[{name}] = ?" for name in fields)
            self.db.execute(
                f"UPDATE [{table}] SET {assignments} WHERE id = ?", [*fields.values(), row_id]
            )
            if table in FTS_COLUMNS and not fields.keys().isdisjoint(FTS_COLUMNS[table]):
                self._index_segments(table, row_id)

    def _insert(self, table: str, fields: Mapping[str, Any]) -> int:
        names = ", ".join(f"[{name}]" for name in fields)
        marks = ", ".join("?" for _ in fields)
        cursor = self.db.execute(
            f"INSERT INTO [{table}] ({names}) VALUES ({marks})", list(fields.values())
        )
        if table in FTS_COLUMNS:
            self._index_segments(table, cursor.lastrowid, fields)
        return cursor.lastrowid

    def _index_segments(
        self, table: str, row_id: int, values: Mapping[str, Any] | None = None
    ) -> None:
        """Index the row's Chinese, Japanese, Korean or Thai text a character at a time
        (`{table}_fts_segments`, see `_fts_schema`): after each write of an indexed column,
        whose trigger indexed the row as written. `values`: the row's, when the caller has
        them all (an insert). Nothing is written for a row without such text."""
        columns = FTS_COLUMNS[table]
        names = ", ".join(f'"{c}"' for c in columns)
        inserted = values is not None and all(name in values for name in columns)
        if not inserted:
            row = self.conn.execute(f'SELECT {names} FROM "{table}" WHERE id = ?', [row_id])
            values = dict(zip(columns, row.fetchone(), strict=True))
        wanted = [searchtext.indexed(values[name]) for name in columns]
        if inserted and not any(wanted):
            return  # the insert trigger indexed it as it is, with no segments
        held = self.conn.execute(
            f'SELECT * FROM "{table}_fts_segments" WHERE id = ?', [row_id]
        ).fetchone()
        if (list(held[1:]) if held else [None] * len(columns)) == wanted:
            return
        _reindex_row(self.conn, table, row_id, wanted)

    # -- sources

    def add_source(self, url: str, *, platform: str | None = None, title: str | None = None) -> int:
        """Record a blog; return its id. Adding a known URL changes nothing and returns its id."""
        row = self.db.execute("SELECT id FROM sources WHERE url = ?", [url]).fetchone()
        if row:
            return row[0]
        with self._write():
            return self._insert(
                "sources",
                {
                    "url": url,
                    "site": site_of(url),
                    "platform": platform,
                    "title": title,
                    "added_at": utcnow(),
                },
            )

    def update_source(self, source_id: int, **fields: Any) -> None:
        fields = {k: v for k, v in fields.items() if v is not None}
        with self._write():
            self._update("sources", source_id, fields)

    def sources(self) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                """
                SELECT sources.*, (SELECT count(*) FROM posts WHERE posts.source_id = sources.id)
                    AS posts
                FROM sources ORDER BY id
                """
            )
        )

    def pause_source(self, url: str, reason: str | None = None) -> dict[str, Any]:
        """Pause the source at `url` (SourceNotFound if there is none): `crawl` with no URL
        skips it. Pausing a paused source keeps when it was paused and sets the new reason."""
        source = self.source(url)
        with self._write():
            self._update(
                "sources",
                source["id"],
                {"paused_at": source["paused_at"] or utcnow(), "paused_reason": reason},
            )
        return self.source(url)

    def resume_source(self, url: str) -> dict[str, Any]:
        """Crawl the source at `url` again in `crawl` with no URL (SourceNotFound if none)."""
        source = self.source(url)
        with self._write():
            self._update("sources", source["id"], {"paused_at": None, "paused_reason": None})
        return self.source(url)

    def record_ingested_batch(self, digest: str, items: int) -> None:
        """Note that the batch of `items` items with this digest is written (call it in the
        batch's transaction)."""
        with self._write():
            self._insert(
                "ingest_batches", {"digest": digest, "items": items, "ingested_at": utcnow()}
            )

    def ingested_batch(self, digest: str) -> bool:
        """Whether a batch with this digest was written (`record_ingested_batch`)."""
        found = self.db.execute("SELECT 1 FROM ingest_batches WHERE digest = ?", [digest])
        return found.fetchone() is not None

    def source(self, url: str) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM sources WHERE url = ?", [url]))
        if not rows:
            raise SourceNotFound(f"no source {url}")
        return rows[0]

    # -- posts

    def save_post(
        self,
        record: Mapping[str, Any],
        *,
        source_id: int | None = None,
        seen_at: str | None = None,
        aliases: Iterable[str] = (),
        etag: str | None = None,
        last_modified: str | None = None,
        capture_id: int | None = None,
    ) -> SaveResult:
        """Insert or update one extracted post (and its comments).

        A post is stored once: under its URL, or under an earlier URL of it (`aliases`: the
        addresses that redirected to it, recorded in `post_aliases`). When its title, text or
        tags change, the new content replaces the row in `posts` and every version stays in
        `post_versions`; otherwise only `last_seen` (and metadata such as dates) is refreshed.
        Comments are added, never removed. A post that had gone and answers again gets its
        `gone_at` cleared and a `returned` event.
        """
        now = seen_at or utcnow()
        url = record["url"]
        reasons = dict.fromkeys(aliases, "redirect")
        canonical = record.get("canonical_url")
        if (
            canonical
            and canonical != url
            and same_blog(canonical, url)
            and self._names_a_post(canonical, source_id)
        ):
            # the page names its own address (rel=canonical): store it there, keep ours as alias
            reasons[url] = "canonical"
            url = canonical
        aliases = list(reasons)
        extracted = extracted_fields(record)
        digest = extracted["content_hash"]
        fields = {
            "url": url,
            "site": site_of(url),
            "source_id": source_id,
            **extracted,
            "last_seen": now,
            # now, to the microsecond, whatever `seen_at` says: a fetch time is to the second,
            # and one in the run's first second would sort before the run's start, so the
            # post would look unlisted by this run (counted again when a second listing
            # names it, re-checked by the sweep of unlisted posts)
            "last_listed": listing_stamp(),
            "etag": etag,
            "last_modified": last_modified,
        }
        metadata = BYLINE_FIELDS
        http_state = ("etag", "last_modified")
        with self._write():
            existing = self._find_post([url, *aliases])
            if existing is None:
                fields["first_seen"] = now
                post_id = self._insert("posts", fields)
                outcome = "new"
            else:
                post_id = existing["id"]
                self._merge_byline(
                    post_id, fields, now, same_content=existing["content_hash"] == digest
                )
                if existing["content_hash"] == digest:
                    keep = {k: fields[k] for k in metadata + http_state if fields[k]}
                    self._update(
                        "posts",
                        post_id,
                        {**keep, "last_seen": now, "last_listed": fields["last_listed"]},
                    )
                    outcome = "unchanged"
                else:
                    fields.pop("url")  # a post keeps the address it was first archived under
                    if not fields["source_id"]:
                        fields.pop("source_id")
                    self._update("posts", post_id, fields)
                    outcome = "changed"
                    self._note_revert(post_id, digest, now)
                if existing["gone_at"]:
                    self._update("posts", post_id, {"gone_at": None})
                    self._event(post_id, "returned", f"gone since {existing['gone_at']}", now)
            if outcome != "unchanged":
                self._mark_duplicate(post_id, fields["text"], record.get("text_sketch"))
            stored_url = url if existing is None else existing["url"]
            for alias in {url, *aliases} - {stored_url}:
                self.db.execute(
                    "INSERT OR IGNORE INTO post_aliases (url, post_id, reason, first_seen) "
                    "VALUES (?, ?, ?, ?)",
                    [alias, post_id, reasons.get(alias, "address"), now],
                )
            self._add_version(post_id, fields, now, capture_id)
            new_comments = self._save_comments(post_id, record.get("comments") or [], now)
        return SaveResult(post_id=post_id, outcome=outcome, new_comments=new_comments)

    def _names_a_post(self, address: str, source_id: int | None) -> bool:
        """Whether a page's rel=canonical can be where the post is stored: a post's address,
        not the blog's home page (where `moved_to` or the source's URL says it is) or a
        listing. A theme or SEO plugin that gives every page the home page as its canonical
        would otherwise store every post under the home page's address, each as a new
        version of the one before."""
        if not is_post_url(address):
            return False
        if source_id is None:
            return True
        row = self.db.execute(
            "SELECT url, moved_to FROM sources WHERE id = ?", [source_id]
        ).fetchone()
        homes = {canonical_url(home) for home in (row or ()) if home}
        return canonical_url(address) not in homes

    def _add_version(
        self, post_id: int, fields: Mapping[str, Any], now: str, capture_id: int | None
    ) -> None:
        """Keep this content of the post in `post_versions` (once per distinct content),
        linked to the capture it was first seen in."""
        self.db.execute(
            """
            INSERT OR IGNORE INTO post_versions
                (post_id, title, text, tags, html, content_hash, captured_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                post_id,
                fields["title"],
                fields["text"],
                fields["tags"],
                fields["html"],
                fields["content_hash"],
                now,
            ],
        )
        if capture_id is not None:
            self.db.execute(
                "UPDATE post_versions SET capture_id = ? "
                "WHERE post_id = ? AND content_hash = ? AND capture_id IS NULL",
                [capture_id, post_id, fields["content_hash"]],
            )

    def _note_revert(self, post_id: int, digest: str, now: str) -> None:
        """A post whose content changed back to one of its earlier versions: that version is
        kept once (`post_versions` holds each distinct content), so the change back is
        recorded as a `reverted` event naming it."""
        earlier = self.db.execute(
            "SELECT id, captured_at FROM post_versions WHERE post_id = ? AND content_hash = ?",
            [post_id, digest],
        ).fetchone()
        if earlier is not None:
            self._event(
                post_id,
                "reverted",
                f"back to version {earlier[0]} (captured {earlier[1]})",
                now,
            )

    def _mark_duplicate(self, post_id: int, text: str, hashes: Sequence[int] | None = None) -> None:
        """Keep the post's text sketch current and point `duplicate_of` at the earliest post
        whose text it nearly repeats (a syndicated or re-posted copy); never delete either.

        `hashes` is `dedupe.sketch(text)` when the caller has it already (the extraction
        workers compute it, off the writer's process)."""
        hashes = list(hashes) if hashes is not None else sketch(text)
        self.db.execute("DELETE FROM post_sketches WHERE post_id = ?", [post_id])
        self.conn.executemany(
            "INSERT OR IGNORE INTO post_sketches (hash, post_id) VALUES (?, ?)",
            [(value, post_id) for value in hashes],
        )
        original = None
        if hashes:
            marks = ", ".join("?" for _ in hashes)
            row = self.db.execute(
                f"""
                SELECT coalesce(posts.duplicate_of, posts.id) FROM post_sketches
                JOIN posts ON posts.id = post_sketches.post_id
                WHERE post_sketches.hash IN ({marks}) AND post_sketches.post_id < ?
                GROUP BY post_sketches.post_id HAVING count(*) >= ?
                ORDER BY post_sketches.post_id LIMIT 1
                """,
                [*hashes, post_id, SHARED_FOR_DUPLICATE],
            ).fetchone()
            original = row[0] if row else None
        self._update("posts", post_id, {"duplicate_of": original})

    def _find_post(self, urls: Iterable[str]) -> dict[str, Any] | None:
        """The stored post at any of these addresses (its own URL first, then its aliases),
        over http or https: the first address, in that order, that finds one. One statement:
        discovery asks this for every post link it meets.

        A `canonical` alias to a post stored under an address that names no post (the home
        page: archives written before such canonicals were ignored, see `_names_a_post`)
        finds nothing: the post it was is then stored under its own address again."""
        variants = list(dict.fromkeys(v for given in urls for v in url_variants(given)))
        marks = ", ".join("?" for _ in variants)
        columns = (
            "posts.source_id, posts.id, posts.url, content_hash, gone_at, etag, last_modified, "
            "last_seen"
        )
        cursor = self.conn.execute(
            f"SELECT posts.url, 0, {columns} FROM posts WHERE posts.url IN ({marks}) "
            "UNION ALL SELECT post_aliases.url, "
            f"CASE post_aliases.reason WHEN 'canonical' THEN 2 ELSE 1 END, {columns} "
            "FROM post_aliases JOIN posts ON posts.id = post_aliases.post_id "
            f"WHERE post_aliases.url IN ({marks})",
            [*variants, *variants],
        )
        rows = [
            row
            for row in cursor.fetchall()
            if row[1] != 2 or self._names_a_post(row[4], row[2])  # (kind, source_id, url)
        ]
        if not rows:
            return None
        best = min(rows, key=lambda row: (variants.index(row[0]), row[1]))
        names = [column[0] for column in cursor.description]
        return dict(zip(names[2:], best[2:], strict=True))

    def _merge_byline(
        self,
        post_id: int,
        fields: dict[str, Any],
        now: str,
        *,
        fetched: str | None = None,
        same_content: bool = False,
    ) -> None:
        """Change `fields`, a new extraction of a stored post (fetched at `fetched`, `now` if
        not given), as it is stored: a value it did not find (or a date it wrote less
        precisely, or only guessed) is the stored one, and so is an `updated` date that only
        says when the page was served (`_served_stamps`) while the content is the same; a
        changed author or date is noted (`_note_byline_changes`)."""
        stored = self._post_metadata(post_id, BYLINE_FIELDS)
        _keep_stored_over_guess(stored, fields)
        old, new = stored["updated"], fields["updated"]
        if same_content and self._served_stamps(post_id, old, new, fetched or now):
            fields["updated"], fields["updated_source"] = old, stored["updated_source"]
        self._note_byline_changes(post_id, stored, fields, now)
        for name in BYLINE_FIELDS:
            source = f"{name}_source"
            if _keeps_stored(name, stored[name], fields[name], stored.get(source)):
                fields[name] = stored[name]
                if name in ("published", "updated"):  # and where it came from
                    fields[source] = stored[source] or fields[source]
        fields["year"] = year_of(fields["published"])  # the year of the date kept

    def _served_stamps(
        self, post_id: int, stored: str | None, new: str | None, fetched: str
    ) -> bool:
        """Whether a post's page dates itself with the time it is served: its new `updated`
        (another date than the stored one) is within a day of this fetch, and the stored one
        was within a day of when it was stored (the post's first fetch, or its latest
        `updated_changed` event). A blog that re-saves a post (a plugin touching every post)
        moves its date once, from an older one: that is a change, kept in an event."""
        if not stored or not new or same_date(stored, new) or not near_in_time(new, fetched):
            return False
        stored_at = self.conn.execute(
            'SELECT coalesce((SELECT max("when") FROM post_events WHERE post_id = ? '
            "AND event = 'updated_changed'), first_seen) FROM posts WHERE id = ?",
            [post_id, post_id],
        ).fetchone()
        return stored_at is not None and near_in_time(stored, stored_at[0])

    def _post_metadata(self, post_id: int, names: Sequence[str]) -> dict[str, Any]:
        cursor = self.conn.execute(f"SELECT {', '.join(names)} FROM posts WHERE id = ?", [post_id])
        return dict(zip(names, cursor.fetchone(), strict=True))

    def _note_byline_changes(
        self, post_id: int, stored: Mapping[str, Any], fields: Mapping[str, Any], now: str
    ) -> None:
        """An author, publication date or last-updated date that changed (not one this
        extraction did not find) replaces the stored one, which is kept in an
        `author_changed`, `date_changed` or `updated_changed` event: `post_versions` keeps
        titles, texts and labels, not bylines. The same instant written
        another way, or the same date with a time added, is no change."""
        old, new = stored["author"], fields["author"]
        if old and new and old != new:
            self._event(post_id, "author_changed", f"from {old!r} to {new!r}", now)
        old, new = stored["published"], fields["published"]
        if old and new and not same_date(old, new):
            self._event(post_id, "date_changed", f"published from {old} to {new}", now)
        old, new = stored["updated"], fields["updated"]
        if old and new and not same_date(old, new):
            self._event(post_id, "updated_changed", f"updated from {old} to {new}", now)

    def _event(self, post_id: int, event: str, detail: str | None, when: str) -> None:
        self._insert(
            "post_events", {"post_id": post_id, "event": event, "detail": detail, "when": when}
        )

    def _save_comments(self, post_id: int, comments: Iterable[Mapping[str, Any]], now: str) -> int:
        """Add the comments not stored yet; never change or delete one. A comment whose
        author or text changed under the same key (the blog's comment id: an edited comment)
        is kept as well, beside the first one, under `KEY#edit-HASH`, first seen now."""
        added = 0
        for comment in comments:
            author, text = comment.get("author") or "", comment.get("text") or ""
            key = (
                comment.get("comment_key")
                or hashlib.sha256(
                    json.dumps(
                        [comment.get("author"), comment.get("published"), comment.get("text")],
                        ensure_ascii=False,
                    ).encode("utf-8")
                ).hexdigest()[:16]
            )
            stored = self.db.execute(
                "SELECT author, text FROM comments WHERE post_id = ? AND comment_key = ?",
                [post_id, key],
            ).fetchone()
            if stored is not None:
                if [normalise_space(v) for v in stored] == [
                    normalise_space(author),
                    normalise_space(text),
                ]:
                    continue
                edit = json.dumps([normalise_space(author), normalise_space(text)])
                key = f"{key}#edit-{hashlib.sha256(edit.encode('utf-8')).hexdigest()[:12]}"
            cursor = self.db.execute(
                """
                INSERT OR IGNORE INTO comments
                    (post_id, comment_key, author, published, text, parent, first_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [post_id, key, author, comment.get("published"), text, comment.get("parent"), now],
            )
            if cursor.rowcount:
                self._index_segments("comments", cursor.lastrowid, {"author": author, "text": text})
            added += cursor.rowcount
        return added

    def post(self, url: str) -> dict[str, Any] | None:
        """The stored post at this address or at one of its aliases."""
        found = self._find_post([url])
        if found is None:
            return None
        return next(self.db.query("SELECT * FROM posts WHERE id = ?", [found["id"]]))

    def stored_word_count(self, urls: Iterable[str]) -> int | None:
        """The word count of the post stored at any of these addresses (or an alias of
        them), None when none is stored."""
        found = self._find_post(urls)
        if found is None:
            return None
        row = self.db.execute("SELECT word_count FROM posts WHERE id = ?", [found["id"]]).fetchone()
        return int(row[0] or 0) if row else None

    def has_post(self, url: str) -> bool:
        return self._find_post([url]) is not None

    def post_state(self, url: str) -> dict[str, Any] | None:
        """What a crawl needs to know of a stored post before fetching it again."""
        found = self._find_post([url])
        if found is None:
            return None
        return {
            key: found[key]
            for key in ("id", "url", "etag", "last_modified", "last_seen", "gone_at")
        }

    def touch_post(self, url: str, seen_at: str | None = None) -> bool:
        """Mark a stored post as seen now (a 304 answer) without changing its content."""
        now = seen_at or utcnow()
        with self._write():
            found = self._find_post([url])
            if found is None:
                return False
            listed = seen_at or listing_stamp()
            self._update("posts", found["id"], {"last_seen": now, "last_listed": listed})
            if found["gone_at"]:
                self._update("posts", found["id"], {"gone_at": None})
                self._event(found["id"], "returned", f"gone since {found['gone_at']}", now)
        return True

    def mark_listed(
        self, urls: Iterable[str], seen_at: str | None = None, *, since: str | None = None
    ) -> int:
        """Record that discovery listed these stored posts (unchanged, so not fetched).

        Returns how many were not yet marked since `since` (the run's start), so that a post
        listed by both a feed and a sitemap counts once. A mark later than now was made by a
        run before the clock was set back: it is not this run's."""
        now = seen_at or listing_stamp()
        cutoff = since or now
        count = 0
        with self._write():
            for url in urls:
                # fast path, one statement: the listing names the post by its stored URL
                cursor = self.conn.execute(
                    "UPDATE posts SET last_listed = ? WHERE url = ? "
                    "AND (last_listed IS NULL OR last_listed < ? OR last_listed > ?)",
                    [now, url, cutoff, now],
                )
                if cursor.rowcount:
                    count += 1
                    continue
                if self.conn.execute("SELECT 1 FROM posts WHERE url = ?", [url]).fetchone():
                    continue  # listed already in this run
                found = self._find_post([url])
                if found is None:
                    continue
                cursor = self.db.execute(
                    "UPDATE posts SET last_listed = ? WHERE id = ? "
                    "AND (last_listed IS NULL OR last_listed < ? OR last_listed > ?)",
                    [now, found["id"], cutoff, now],
                )
                count += cursor.rowcount
        return count

    def mark_gone(self, url: str, detail: str, seen_at: str | None = None) -> bool:
        """A stored post whose address now answers 404 or 410: keep it, set `gone_at`.

        Returns False when no post is stored at that address."""
        now = seen_at or utcnow()
        with self._write():
            found = self._find_post([url])
            if found is None:
                return False
            if not found["gone_at"]:
                self._update("posts", found["id"], {"gone_at": now, "last_listed": now})
                self._event(found["id"], "gone", detail, now)
        return True

    def unlisted_posts(self, source_id: int, since: str) -> Iterator[str]:
        """Stored, not-gone posts of a source that no listing mentioned since `since`:
        each must be asked for directly to learn whether it still exists. (A mark later than
        now is a run's from before the clock was set back: not a listing since `since`.)"""
        for row in self.db.execute(
            "SELECT url FROM posts WHERE source_id = ? AND gone_at IS NULL "
            "AND (last_listed IS NULL OR last_listed < ? OR last_listed > ?) ORDER BY id",
            [source_id, since, listing_stamp()],
        ):
            yield row[0]

    # -- captures (WARC records; see pipeline/warc.py and pipeline/capture.py)

    def record_capture(
        self,
        *,
        url: str,
        warc_file: str,
        offset: int,
        length: int,
        digest: str | None,
        status: int | None,
        mime: str | None,
        fetched_at: str,
        record_type: str = "response",
        refers_to: int | None = None,
        record_id: str | None = None,
        hints: Mapping[str, Any] | None = None,
    ) -> int:
        """Index one WARC `response` or `revisit` record; return its capture id.

        `warc_file` is relative to the database's folder when it lies under it."""
        with self._write():
            return self._insert(
                "captures",
                {
                    "url": url,
                    "warc_file": warc_file,
                    "offset": offset,
                    "length": length,
                    "digest": digest,
                    "status": status,
                    "mime": mime,
                    "fetched_at": fetched_at,
                    "record_type": record_type,
                    "refers_to": refers_to,
                    "record_id": record_id,
                    "hints": json.dumps(dict(hints), ensure_ascii=False) if hints else None,
                },
            )

    # -- pictures (pipeline/pictures.py)

    def picture_capture(self, url: str) -> int | None:
        """The capture holding the picture at this address, when the crawl has fetched it
        (for any post); None otherwise."""
        row = self.conn.execute(
            "SELECT max(capture_id) FROM post_pictures WHERE url = ? AND capture_id IS NOT NULL",
            [url],
        ).fetchone()
        return row[0] if row and row[0] is not None else None

    def link_pictures(self, post_id: int, urls: Iterable[str], seen_at: str | None = None) -> int:
        """Tie a post to the pictures its HTML shows (`post_pictures`), each to its capture
        when the crawl already holds one; a picture already tied to the post stays as it is.
        Returns how many were tied to it now."""
        now = seen_at or utcnow()
        added = 0
        with self._write():
            for url in dict.fromkeys(urls):
                capture = self.picture_capture(url)
                cursor = self.conn.execute(
                    "INSERT OR IGNORE INTO post_pictures (post_id, url, capture_id, first_seen) "
                    "VALUES (?, ?, ?, ?)",
                    [post_id, url, capture, now],
                )
                added += cursor.rowcount
                if not cursor.rowcount and capture is not None:
                    # tied before the picture was fetched: its capture now
                    self.conn.execute(
                        "UPDATE post_pictures SET capture_id = ? "
                        "WHERE post_id = ? AND url = ? AND capture_id IS NULL",
                        [capture, post_id, url],
                    )
        return added

    def record_picture(self, url: str, capture_id: int) -> int:
        """The picture at `url` was captured (`capture_id`): every post that shows it and has
        no capture of it yet gets this one. Returns how many posts did."""
        with self._write():
            return self.conn.execute(
                "UPDATE post_pictures SET capture_id = ? WHERE url = ? AND capture_id IS NULL",
                [capture_id, url],
            ).rowcount

    def post_pictures(self, post_id: int) -> list[dict[str, Any]]:
        """The pictures of a post, in the order they were tied to it: `url`, `capture_id`
        (None for one the crawl could not keep) and `first_seen`."""
        return list(
            self.db.query(
                "SELECT url, capture_id, first_seen FROM post_pictures WHERE post_id = ? "
                "ORDER BY id",
                [post_id],
            )
        )

    def capture(self, capture_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM captures WHERE id = ?", [capture_id]))
        return rows[0] if rows else None

    def newest_capture(self, url: str) -> dict[str, Any] | None:
        """The newest capture (response or revisit) of exactly this URL."""
        rows = list(
            self.db.query("SELECT * FROM captures WHERE url = ? ORDER BY id DESC LIMIT 1", [url])
        )
        return rows[0] if rows else None

    def last_digest(self, url: str) -> str | None:
        """The payload digest of the newest capture of this URL (a revisit has its original's)."""
        row = self.newest_capture(url)
        return row["digest"] if row else None

    def original_capture(self, capture_id: int) -> dict[str, Any] | None:
        """The `response` capture holding the payload of a capture (itself, or what a revisit
        refers to, followed to the end)."""
        seen: set[int] = set()
        row = self.capture(capture_id)
        while row is not None and row["record_type"] == "revisit" and row["refers_to"]:
            if row["id"] in seen:
                return None
            seen.add(row["id"])
            row = self.capture(row["refers_to"])
        return row if row is not None and row["record_type"] == "response" else None

    def capture_path(self, capture: Mapping[str, Any]) -> Path:
        """The WARC file of a capture row (relative names are under the database's folder)."""
        path = Path(capture["warc_file"])
        return path if path.is_absolute() else self.path.parent / path

    def post_captures(self, post_id: int) -> list[dict[str, Any]]:
        """The successful (2xx, or 304) captures of a post, newest first: at its address or
        an alias, or linked from one of its versions."""
        row = self.db.execute("SELECT url FROM posts WHERE id = ?", [post_id]).fetchone()
        if row is None:
            return []
        urls = [row[0]] + [
            r[0]
            for r in self.db.execute("SELECT url FROM post_aliases WHERE post_id = ?", [post_id])
        ]
        variants = list(dict.fromkeys(v for url in urls for v in url_variants(url)))
        marks = ", ".join("?" for _ in variants)
        return list(
            self.db.query(
                f"""
                SELECT * FROM captures WHERE id IN (
                    SELECT id FROM captures WHERE url IN ({marks})
                        AND ((status BETWEEN 200 AND 299) OR status = 304)
                    UNION
                    SELECT capture_id FROM post_versions WHERE post_id = ?
                )
                ORDER BY id DESC
                """,
                [*variants, post_id],
            )
        )

    def apply_reextraction(
        self,
        post_id: int,
        record: Mapping[str, Any],
        *,
        capture_id: int | None = None,
        captured_at: str | None = None,
    ) -> list[str]:
        """Replace a post's extracted fields with a new extraction of its capture; return the
        names of the fields that changed (empty: the row is left exactly as it was).

        As in a crawl (`save_post`): a new title, text or tags (`content_hash`) adds a
        `post_versions` row dated `captured_at` (earlier versions are kept; a change back to
        one is a `reverted` event), the same ones with other whitespace leave them as stored, an author or date the extraction did not find stays, and
        a changed one is kept in an `author_changed` or `date_changed` event (dated now),
        and a `reextracted` event names the fields changed.
        `last_seen`, ETag and the post's address are not touched: nothing was fetched."""
        now = utc_stamp(captured_at) if captured_at else utcnow()
        new = extracted_fields(record)
        with self._write():
            rows = list(self.db.query("SELECT * FROM posts WHERE id = ?", [post_id]))
            if not rows:
                raise ArchiveError(f"no post {post_id}")
            old = rows[0]
            self._merge_byline(
                post_id,
                new,
                utcnow(),
                fetched=now,
                same_content=new["content_hash"] == old["content_hash"],
            )
            if new["content_hash"] == old["content_hash"]:
                # the same content written with other whitespace: no change, as in a crawl
                # (the stored text stays the newest version's)
                for name in ("title", "text", "tags", "word_count"):
                    new[name] = old[name]
            changed = [name for name, value in new.items() if name in old and old[name] != value]
            if changed:
                self._update("posts", post_id, {name: new[name] for name in changed})
            if "content_hash" in changed:
                self._note_revert(post_id, new["content_hash"], utcnow())
                self._add_version(post_id, new, now, capture_id)
                self._mark_duplicate(post_id, new["text"])
            if changed:  # when, and what: the version is dated by its capture
                self._event(post_id, "reextracted", ", ".join(changed), utcnow())
            if self._save_comments(post_id, record.get("comments") or [], now):
                changed.append("comments")
        return changed

    # -- crawls and failures

    def start_crawl(self, source_id: int | None, started: str | None = None) -> int:
        with self._write():
            return self._insert(
                "crawls",
                {"source_id": source_id, "started": started or utcnow(), "status": "running"},
            )

    def update_crawl(self, crawl_id: int, **counts: Any) -> None:
        """Write a running crawl's counts so far (`new`, `changed`, `requests`...)."""
        with self._write():
            self._update("crawls", crawl_id, counts)

    def finish_crawl(self, crawl_id: int, *, status: str, **counts: Any) -> None:
        fields = {"finished": utcnow(), "status": status, **counts}
        with self._write():
            self._update("crawls", crawl_id, fields)
            row = self.db.execute(
                "SELECT source_id FROM crawls WHERE id = ?", [crawl_id]
            ).fetchone()
            if row and row[0] is not None:
                self._update(
                    "sources", row[0], {"last_crawl_at": fields["finished"], "last_status": status}
                )

    def close_stale_crawls(self) -> int:
        """Mark `running` crawls left by a process that died (kill -9, power cut) as `aborted`.

        Call it only while holding the run lock, when no other crawl can be running."""
        with self._write():
            cursor = self.db.execute(
                "UPDATE crawls SET status = 'aborted', message = 'the crawl process died' "
                "WHERE status = 'running'"
            )
        return cursor.rowcount

    def last_crawl_started(self, source_id: int) -> str | None:
        """When the last completed crawl of a source started (the incremental cut-off): the
        last one run, not the latest time (a run before the clock was set back would be that
        until the clock caught up)."""
        row = self.db.execute(
            "SELECT started FROM crawls WHERE source_id = ? AND status IN ('ok', 'partial') "
            "ORDER BY id DESC LIMIT 1",
            [source_id],
        ).fetchone()
        return row[0] if row else None

    def crawls(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = """
            SELECT crawls.*, sources.url AS source_url FROM crawls
            LEFT JOIN sources ON sources.id = crawls.source_id ORDER BY crawls.id DESC
        """
        if limit:
            sql += f" LIMIT {int(limit)}"
        try:
            return list(self.db.query(sql))
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot read the crawls of {self.path}: {error}") from error

    def record_failure(
        self,
        url: str,
        stage: str,
        error: str,
        *,
        source_id: int | None = None,
        crawl_id: int | None = None,
    ) -> None:
        with self._write():
            self._insert(
                "failures",
                {
                    "url": url,
                    "stage": stage,
                    "error": error,
                    "when": utcnow(),
                    "source_id": source_id,
                    "crawl_id": crawl_id,
                },
            )

    def failures(self, crawl_id: int | None = None) -> list[dict[str, Any]]:
        if crawl_id is None:
            return list(self.db.query("SELECT * FROM failures ORDER BY id"))
        return list(
            self.db.query("SELECT * FROM failures WHERE crawl_id = ? ORDER BY id", [crawl_id])
        )

    # -- search

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        raw: bool = False,
        rank_limit: int | None = RANKED_MATCHES,
        order: str = "relevance",
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Posts matching a full-text query, best first or by date, with a highlighted
        snippet: the rows of `search_results` (which see)."""
        return self.search_results(
            query, limit=limit, raw=raw, rank_limit=rank_limit, order=order, offset=offset
        ).rows

    def search_results(
        self,
        query: str,
        *,
        limit: int = 20,
        raw: bool = False,
        rank_limit: int | None = RANKED_MATCHES,
        order: str = "relevance",
        offset: int = 0,
    ) -> SearchResults:
        """Posts matching a full-text query, best first (bm25, weighted as SEARCH_WEIGHTS),
        with a highlighted snippet, and how many matches were ranked.

        The query is read as a search box reads it (`searchtext.user_query`: words, "a
        phrase", prefix*, -word or NOT word, OR, title:word; raises SearchError when it only
        leaves words out) unless `raw` is true, in which case FTS5 query syntax (AND, OR,
        NEAR, prefix*) is passed through. A query
        that matches more than `rank_limit` posts is ranked among the `rank_limit` most
        recently archived of them (`complete` is then false); `rank_limit=None` ranks all.
        `order="newest"` or `"oldest"` lists every match by the instant it was published
        instead (`published_utc`: posts of blogs in different zones in the order they were
        published; posts without a date last; `rank` is then None and `rank_limit` does not apply). `offset`
        skips that many of the matches in that order (the rows of a later page).
        """
        if order not in SEARCH_ORDERS:
            raise SearchError(f"unknown order {order!r}: one of {', '.join(SEARCH_ORDERS)}")
        try:
            match = query.replace("\x00", " ") if raw else searchtext.user_query(query)
        except searchtext.QueryProblem as problem:
            raise SearchError(str(problem)) from problem
        if self._segmented_index:
            match = searchtext.fts_query(match, fold=self._folded_index)
        if not match.strip():
            return SearchResults(rows=[], ranked=0, complete=True)
        if order != "relevance":
            return self._search_by_date(
                query, match, limit=limit, offset=offset, newest=order == "newest"
            )
        # bm25 is computed for the ranked matches only (in rowid order, newest archived first:
        # FTS5 reads its doclists backwards without sorting), and snippets for the `limit`
        # best only: a snippet for every match costs seconds on a word most posts contain.
        recent = "ORDER BY rowid DESC LIMIT :cap" if rank_limit is not None else ""
        snippets = _snippets_of(match, "top")
        sql = f"""
            WITH ranked AS MATERIALIZED (
                SELECT rowid, bm25(posts_fts, {SEARCH_WEIGHTS}) AS rank FROM posts_fts
                WHERE posts_fts MATCH :match {recent}
            ),
            top AS MATERIALIZED (
                SELECT rowid, rank FROM ranked ORDER BY rank, rowid DESC
                LIMIT :limit OFFSET :offset
            ),
            snippets AS ({snippets})
            SELECT posts.id, posts.url, posts.site, posts.title, posts.author, posts.published,
                snippets.snippet, top.rank, {self._folded_text}
            FROM top JOIN posts ON posts.id = top.rowid
                LEFT JOIN snippets ON snippets.rowid = top.rowid
            ORDER BY top.rank, top.rowid DESC
        """
        params = {"match": match, "limit": limit, "offset": offset, "cap": rank_limit}
        try:
            cursor = self.conn.execute(sql, params)
            columns = [column[0] for column in cursor.description]
            rows = self._shown_snippets([dict(zip(columns, row, strict=True)) for row in cursor])
            if rank_limit is None:
                ranked = self.conn.execute(
                    "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?", [match]
                ).fetchone()[0]
                return SearchResults(rows=rows, ranked=ranked, complete=True)
            # how many match, counted up to one past the cap (cheap: no ranking)
            found = self.conn.execute(
                "SELECT count(*) FROM (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? "
                "LIMIT ?)",
                [match, rank_limit + 1],
            ).fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise SearchError(f"cannot search for {_shown(query)}: {error}") from error
        return SearchResults(rows=rows, ranked=min(found, rank_limit), complete=found <= rank_limit)

    def _search_by_date(
        self, query: str, match: str, *, limit: int, offset: int, newest: bool
    ) -> SearchResults:
        """Every post matching `match`, newest or oldest first by the instant each was
        published (`published_utc`), posts without a date last; `limit` of them after the
        first `offset`."""
        direction = "DESC" if newest else "ASC"
        if self._has_published_utc:
            instant, walk = "published_utc", "INDEXED BY posts_published_utc"
        else:  # an older archive, opened read-only: the same instants, computed
            instant, walk = f"({published_instant_sql('published')})", ""
        matching = "SELECT rowid FROM posts_fts WHERE posts_fts MATCH :match"
        params: dict[str, Any] = {"match": match, "limit": limit, "offset": offset}
        try:
            found = self.conn.execute(f"SELECT count(*) FROM ({matching})", params).fetchone()[0]
            if found < DATE_WALK_MATCHES:
                # few matches: look each one up and sort them
                ids = [
                    row[0]
                    for row in self.conn.execute(
                        f"""SELECT id FROM posts WHERE id IN ({matching})
                        ORDER BY {instant} IS NULL, {instant} {direction}, id {direction}
                        LIMIT :limit OFFSET :offset""",
                        params,
                    )
                ]
            else:
                # many: walk the dated posts in order, keeping the matches, then the undated
                # (SQLite itself would look every match up and sort them: 90 ms for a word in
                # 67,000 of 100,000 posts, against 15 ms this way)
                ids = [
                    row[0]
                    for row in self.conn.execute(
                        f"""SELECT id FROM posts {walk}
                        WHERE {instant} IS NOT NULL AND +id IN ({matching})
                        ORDER BY {instant} {direction}, id {direction}
                        LIMIT :limit OFFSET :offset""",
                        params,
                    )
                ]
                if len(ids) < limit:
                    # past the dated matches: the undated ones, after those a page skipped
                    dated = self.conn.execute(
                        f"""SELECT count(*) FROM posts
                        WHERE {instant} IS NOT NULL AND id IN ({matching})""",
                        params,
                    ).fetchone()[0]
                    ids += [
                        row[0]
                        for row in self.conn.execute(
                            f"""SELECT id FROM posts WHERE {instant} IS NULL AND +id IN ({matching})
                            ORDER BY id {direction} LIMIT :rest OFFSET :skip""",
                            {**params, "rest": limit - len(ids), "skip": max(offset - dated, 0)},
                        )
                    ]
            params["shown"] = json.dumps(ids)
            cursor = self.conn.execute(
                f"""WITH shown AS MATERIALIZED (
                    SELECT value AS rowid, key AS position FROM json_each(:shown)
                ),
                snippets AS ({_snippets_of(match, "shown")})
                SELECT posts.id, posts.url, posts.site, posts.title, posts.author,
                    posts.published, snippets.snippet, NULL AS rank, {self._folded_text}
                FROM shown JOIN posts ON posts.id = shown.rowid
                    LEFT JOIN snippets ON snippets.rowid = shown.rowid
                ORDER BY shown.position""",
                params,
            )
            columns = [column[0] for column in cursor.description]
            rows = self._shown_snippets([dict(zip(columns, row, strict=True)) for row in cursor])
        except sqlite3.DatabaseError as error:
            raise SearchError(f"cannot search for {_shown(query)}: {error}") from error
        return SearchResults(rows=rows, ranked=found, complete=True)

    def _shown_snippets(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows with their snippets (matches between \x02 and \x03) as the text is
        stored, the matches in [brackets]: the index holds some words folded (Αθηνα for
        Αθήνα, see `searchtext.folded`), which the snippet shows as the post writes them."""
        for row in rows:
            stored = row.pop("folded_text")
            if stored is not None:
                row["snippet"] = searchtext.unfolded(row["snippet"], stored, "\x02", "\x03")
            if row["snippet"]:
                row["snippet"] = row["snippet"].replace("\x02", "[").replace("\x03", "]")
        return rows

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            for table in ("sources", "posts", "post_versions", "comments", "crawls", "failures")
        }


def escape_fts(query: str) -> str:
    """The FTS5 query for what a user typed (`searchtext.user_query`: words, "phrases",
    prefix*, -word, OR, title:word; FTS5 syntax characters cannot break it; a word given
    twice is looked for once), "" for a query without a word to look for."""
    try:
        return searchtext.user_query(query)
    except searchtext.QueryProblem:
        return ""


def _shown(query: str, limit: int = 200) -> str:
    """A user's query as an error message quotes it: at most `limit` characters."""
    return repr(query if len(query) <= limit else query[: limit - 1] + "…")
