"""The archive database: schema, migrations, idempotent writes and search.

This module is the only place that knows the SQL schema. It imports neither Scrapy nor click,
so it can be used and tested alone::

    from pipeline.store import Archive
    with Archive("archive/archive.db") as archive:
        source_id = archive.add_source("https://example.blogspot.com/")
        archive.save_post(record, source_id=source_id)
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


class ArchiveError(Exception):
    """Something is wrong with the archive database itself."""


class SourceNotFound(ArchiveError):
    """A source URL that is not in the `sources` table."""


class SearchError(ArchiveError):
    """A full-text query that SQLite could not run."""


def utcnow() -> str:
    """The current time as ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def site_of(url: str) -> str:
    """The host a URL belongs to, lower-cased, without a port's default or `www.`."""
    host = (urlsplit(url).hostname or "").lower()
    port = urlsplit(url).port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    return host


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def content_hash(title: str, text: str, tags: Iterable[str]) -> str:
    """Hash of what makes a post's content: its title, text and tags, whitespace-normalised.

    Comment counts, sidebars or a re-rendered theme do not change it.
    """
    normalised = json.dumps(
        [normalise_space(title), normalise_space(text), sorted(normalise_space(t) for t in tags)],
        ensure_ascii=False,
    )
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text or ""))


def year_of(date: str | None) -> int | None:
    match = re.match(r"(\d{4})-", date or "")
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- migrations

Migration = Callable[[sqlite_utils.Database], None]
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


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded in `_migrations`; return the names applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, function in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            function(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, utcnow()])
        applied.append(name)
    return applied


# ---------------------------------------------------------------- the archive


@dataclass(frozen=True)
class SaveResult:
    post_id: int
    outcome: str  # "new", "changed" or "unchanged"
    new_comments: int = 0


class Archive:
    """One SQLite archive file. Open it, write to it, search it; close it (or use `with`)."""

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise ArchiveError(f"no archive at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            migrate(self.db)
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot open archive {self.path}: {error}") from error

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes in one transaction (committed on success, rolled back on error)."""
        with self.db.conn:
            yield

    # -- sources

    def add_source(self, url: str, *, platform: str | None = None, title: str | None = None) -> int:
        """Record a blog; return its id. Adding a known URL changes nothing and returns its id."""
        row = self.db.execute("SELECT id FROM sources WHERE url = ?", [url]).fetchone()
        if row:
            return row[0]
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT INTO sources (url, site, platform, title, added_at) VALUES (?, ?, ?, ?, ?)",
                [url, site_of(url), platform, title, utcnow()],
            )
        return cursor.lastrowid

    def update_source(self, source_id: int, **fields: Any) -> None:
        fields = {k: v for k, v in fields.items() if v is not None}
        if fields:
            with self.db.conn:
                self.db["sources"].update(source_id, fields)

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
    ) -> SaveResult:
        """Insert or update one extracted post (and its comments) in one transaction.

        A post is stored once per URL. When its title, text or tags change, the new content
        replaces the row in `posts` and every version stays in `post_versions`; otherwise only
        `last_seen` (and metadata such as dates) is refreshed. Comments are added, never removed.
        """
        now = seen_at or utcnow()
        tags = list(dict.fromkeys(t for t in (record.get("tags") or []) if t))
        title = record.get("title") or ""
        text = record["text"]
        digest = content_hash(title, text, tags)
        fields = {
            "url": record["url"],
            "site": site_of(record["url"]),
            "source_id": source_id,
            "title": title,
            "author": record.get("author") or "",
            "published": record.get("published"),
            "updated": record.get("updated"),
            "year": year_of(record.get("published")),
            "tags": json.dumps(tags, ensure_ascii=False),
            "language": record.get("language"),
            "text": text,
            "html": record.get("html") or "",
            "word_count": word_count(text),
            "content_hash": digest,
            "last_seen": now,
        }
        with self.db.conn:
            existing = self.db.execute(
                "SELECT id, content_hash FROM posts WHERE url = ?", [record["url"]]
            ).fetchone()
            if existing is None:
                fields["first_seen"] = now
                post_id = self.db["posts"].insert(fields).last_pk
                outcome = "new"
            elif existing[1] == digest:
                post_id = existing[0]
                keep = {
                    k: fields[k]
                    for k in ("last_seen", "author", "published", "updated", "year", "language")
                    if fields[k] or k == "last_seen"
                }
                self.db["posts"].update(post_id, keep)
                outcome = "unchanged"
            else:
                post_id = existing[0]
                self.db["posts"].update(post_id, fields)
                outcome = "changed"
            self.db.execute(
                """
                INSERT OR IGNORE INTO post_versions
                    (post_id, title, text, tags, html, content_hash, captured_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [post_id, title, text, fields["tags"], fields["html"], digest, now],
            )
            new_comments = self._save_comments(post_id, record.get("comments") or [], now)
        return SaveResult(post_id=post_id, outcome=outcome, new_comments=new_comments)

    def _save_comments(self, post_id: int, comments: Iterable[Mapping[str, Any]], now: str) -> int:
        added = 0
        for comment in comments:
            key = (
                comment.get("comment_key")
                or hashlib.sha256(
                    json.dumps(
                        [comment.get("author"), comment.get("published"), comment.get("text")],
                        ensure_ascii=False,
                    ).encode("utf-8")
                ).hexdigest()[:16]
            )
            cursor = self.db.execute(
                """
                INSERT OR IGNORE INTO comments
                    (post_id, comment_key, author, published, text, parent, first_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    post_id,
                    key,
                    comment.get("author") or "",
                    comment.get("published"),
                    comment.get("text") or "",
                    comment.get("parent"),
                    now,
                ],
            )
            added += cursor.rowcount
        return added

    def post(self, url: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM posts WHERE url = ?", [url]))
        return rows[0] if rows else None

    def has_post(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM posts WHERE url = ?", [url]).fetchone() is not None

    def touch_post(self, url: str, seen_at: str | None = None) -> bool:
        """Mark a stored post as seen now without changing its content."""
        with self.db.conn:
            cursor = self.db.execute(
                "UPDATE posts SET last_seen = ? WHERE url = ?", [seen_at or utcnow(), url]
            )
        return cursor.rowcount > 0

    # -- crawls and failures

    def start_crawl(self, source_id: int | None, started: str | None = None) -> int:
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT INTO crawls (source_id, started, status) VALUES (?, ?, 'running')",
                [source_id, started or utcnow()],
            )
        return cursor.lastrowid

    def finish_crawl(self, crawl_id: int, *, status: str, **counts: Any) -> None:
        fields = {"finished": utcnow(), "status": status, **counts}
        with self.db.conn:
            self.db["crawls"].update(crawl_id, fields)
            row = self.db.execute(
                "SELECT source_id FROM crawls WHERE id = ?", [crawl_id]
            ).fetchone()
            if row and row[0] is not None:
                self.db["sources"].update(
                    row[0], {"last_crawl_at": fields["finished"], "last_status": status}
                )

    def crawls(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = """
            SELECT crawls.*, sources.url AS source_url FROM crawls
            LEFT JOIN sources ON sources.id = crawls.source_id ORDER BY crawls.id DESC
        """
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.query(sql))

    def record_failure(
        self,
        url: str,
        stage: str,
        error: str,
        *,
        source_id: int | None = None,
        crawl_id: int | None = None,
    ) -> None:
        with self.db.conn:
            self.db.execute(
                'INSERT INTO failures (url, stage, error, "when", source_id, crawl_id) '
                "VALUES (?, ?, ?, ?, ?, ?)",
                [url, stage, error, utcnow(), source_id, crawl_id],
            )

    def failures(self, crawl_id: int | None = None) -> list[dict[str, Any]]:
        if crawl_id is None:
            return list(self.db.query("SELECT * FROM failures ORDER BY id"))
        return list(
            self.db.query("SELECT * FROM failures WHERE crawl_id = ? ORDER BY id", [crawl_id])
        )

    # -- search

    def search(self, query: str, *, limit: int = 20, raw: bool = False) -> list[dict[str, Any]]:
        """Posts matching a full-text query, best first (bm25), with a highlighted snippet.

        Words are matched as given (each one quoted, as Datasette does) unless `raw` is true,
        in which case FTS5 query syntax (AND, OR, NEAR, prefix*) is passed through.
        """
        match = query if raw else escape_fts(query)
        if not match:
            return []
        sql = """
            SELECT posts.id, posts.url, posts.site, posts.title, posts.author, posts.published,
                snippet(posts_fts, 1, '[', ']', '…', 16) AS snippet,
                bm25(posts_fts) AS rank
            FROM posts_fts JOIN posts ON posts.id = posts_fts.rowid
            WHERE posts_fts MATCH ?
            ORDER BY rank
            LIMIT ?
        """
        try:
            return list(self.db.query(sql, [match, limit]))
        except sqlite3.OperationalError as error:
            raise SearchError(f"cannot search for {query!r}: {error}") from error

    def counts(self) -> dict[str, int]:
        return {
            table: self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            for table in ("sources", "posts", "post_versions", "comments", "crawls", "failures")
        }


def escape_fts(query: str) -> str:
    """Quote each word of a user's query so FTS5 syntax characters cannot break it."""
    terms = re.findall(r'[^\s"]+', query or "")
    return " ".join(f'"{term}"' for term in terms)
