"""Is an archive sound? `blogarchive verify` runs these checks; no Scrapy or click here.

- SQLite's `PRAGMA integrity_check`;
- the schema: every table, index and trigger of the migrations recorded in `_migrations`, and
  none of a migration not recorded (left half done by a process killed under older versions);
- FTS5's `integrity-check` of `posts_fts` and `comments_fts` (the index matches its table);
  FTS5 spells it as an INSERT, so for a read-only copy (a file this user cannot write) it runs
  on a copy of the database made with SQLite's backup API in a temporary file;
- posts and comments the full-text index holds otherwise than this version indexes them
  (written by an older blogarchive after the upgrade migrated the archive);
- posts whose `word_count` is not what this version counts (written by an older
  blogarchive after the upgrade counted them again);
- posts and comments without text;
- posts whose tags are not a JSON array of strings;
- when the `captures` table exists: every `response` capture re-read from its WARC file with
  warcio, its payload digest compared with the one recorded.

    from pipeline.verify import verify_archive
    report = verify_archive("archive/archive.db")
    print(report.sound, report.lines())
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.store import (
    MIGRATIONS,
    Archive,
    ArchiveError,
    can_write,
    check_archive,
    index_folded,
    opening_archive,
    stale_index_rows,
    stale_word_counts,
    words_recounted,
)
from pipeline.warc import WarcError, payload_digest, read_record

FTS_TABLES = ("posts_fts", "comments_fts")


class VerifyError(Exception):
    """The file cannot be verified at all (missing, not an SQLite database, not an archive)."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAILED'}  {self.name}: {self.detail}"


@dataclass
class VerifyReport:
    path: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return all(check.ok for check in self.checks)

    def lines(self, max_problems: int = 10) -> list[str]:
        out = []
        for check in self.checks:
            out.append(check.line())
            out += [f"    {p}" for p in check.problems[:max_problems]]
            if len(check.problems) > max_problems:
                out.append(f"    ... and {len(check.problems) - max_problems} more")
        verdict = "sound" if self.sound else "NOT sound"
        out.append(f"{self.path}: {verdict}")
        return out


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _schema_names(conn: sqlite3.Connection) -> set[str]:
    return {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    }


def migration_objects() -> list[tuple[str, set[str]]]:
    """Each migration with the tables, indexes and triggers it creates, learnt by applying
    them in turn to an empty in-memory database."""
    import sqlite_utils

    db = sqlite_utils.Database(memory=True, execute_plugins=False)
    made = []
    before = _schema_names(db.conn)
    for name, function in MIGRATIONS:
        function(db)
        after = _schema_names(db.conn)
        made.append((name, after - before))
        before = after
    db.close()
    return made


def check_schema(conn: sqlite3.Connection) -> Check:
    """The schema is what `_migrations` says: each recorded migration's tables, indexes and
    triggers are there, and none of a migration not recorded (one a killed process left half
    done: every command fails to open such an archive, "table ... already exists")."""
    names = _schema_names(conn)
    applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    problems = []
    pending = 0
    for migration, objects in migration_objects():
        if migration in applied:
            problems += [f"{migration}: {name} is missing" for name in sorted(objects - names)]
        else:
            pending += 1
            problems += [
                f"{migration} is not recorded but its {name} exists: it was left half done"
                for name in sorted(objects & names)
            ]
    detail = f"{len(problems)} problem(s)" if problems else "as its migrations made it"
    if pending and not problems:
        detail += f" ({pending} migration(s) pending, applied by the next command but search, stats and verify)"
    return Check("schema", not problems, detail, problems)


def check_integrity(conn: sqlite3.Connection) -> Check:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    ok = result == ["ok"]
    return Check(
        "integrity_check", ok, "ok" if ok else f"{len(result)} problem(s)", [] if ok else result
    )


def check_fts(conn: sqlite3.Connection, table: str) -> Check:
    # 'integrity-check' with rank 1 also compares the index with its content table.
    try:
        conn.execute(f"INSERT INTO [{table}]([{table}], rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as error:
        return Check(f"{table} integrity-check", False, str(error))
    return Check(f"{table} integrity-check", True, "index matches its table")


def check_empty_text(conn: sqlite3.Connection, table: str) -> Check:
    found = [
        f"{table} {row[0]}: {row[1]}"
        for row in conn.execute(
            f"SELECT id, {'url' if table == 'posts' else 'post_id'} FROM [{table}] "
            "WHERE text IS NULL OR trim(text) = ''"
        )
    ]
    detail = f"{len(found)} row(s) without text" if found else "every row has text"
    return Check(f"{table} text", not found, detail, found)


def check_tags(conn: sqlite3.Connection) -> Check:
    """Posts whose `tags` is not a JSON array of strings (edited by hand: the store writes
    nothing else). Datasette's label filter (`tags__arraycontains`) fails on every request
    while one such row exists, and the label facet leaves the row out."""
    found = [
        f"posts {row[0]}: {row[1]}: tags {row[2][:60]!r}"
        for row in conn.execute(
            "SELECT id, url, tags FROM posts WHERE CASE WHEN json_valid(tags) THEN "
            "json_type(tags) != 'array' OR EXISTS "
            "(SELECT 1 FROM json_each(posts.tags) WHERE type != 'text') ELSE 1 END"
        )
    ]
    detail = (
        f"{len(found)} post(s) whose tags are not a JSON array of labels"
        if found
        else "every post's tags are a JSON array of labels"
    )
    return Check("posts tags", not found, detail, found)


def check_captures(conn: sqlite3.Connection, folder: Path) -> Check:
    problems = []
    count = 0
    for capture_id, url, warc_file, offset, length, digest in conn.execute(
        "SELECT id, url, warc_file, offset, length, digest FROM captures "
        "WHERE record_type = 'response' ORDER BY id"
    ):
        count += 1
        path = Path(warc_file)
        path = path if path.is_absolute() else folder / path
        try:
            record = read_record(path, offset, length)
        except WarcError as error:
            problems.append(f"capture {capture_id} ({url}): {error}")
            continue
        actual = payload_digest(record.payload)
        if digest and actual != digest:
            problems.append(f"capture {capture_id} ({url}): digest {actual}, recorded {digest}")
        elif record.url != url:
            problems.append(f"capture {capture_id}: the record is of {record.url}, not {url}")
    detail = f"{count} response record(s) re-read" + (f", {len(problems)} bad" if problems else "")
    return Check("capture digests", not problems, detail, problems)


def check_index_spelling(conn: sqlite3.Connection, table: str) -> Check:
    """Rows of `table` whose `{table}_fts_segments` is not what this version indexes of them
    (`searchtext.indexed`: folded letters, spaced-out CJK and Thai), once migration 014 made
    the index so: rows an older blogarchive wrote after the upgrade migrated the archive (a
    crawl of the older version still running), which folded and CJK searches never find.
    FTS5's integrity-check does not see them: the index matches what the rows say."""
    name = f"{table}_fts spelling"
    if not index_folded(conn):
        return Check(name, True, "indexed as written (migration 014 pending)")
    found = [f"{table} {row_id}: {label}" for row_id, label in stale_index_rows(conn, table)]
    if not found:
        return Check(name, True, "every row indexed as this version indexes it")
    detail = (
        f"{len(found)} row(s) indexed otherwise than this version (written by an older "
        "blogarchive after the upgrade); `blogarchive verify --reindex` indexes them again"
    )
    return Check(name, False, detail, found)


def check_word_counts(conn: sqlite3.Connection) -> Check:
    """Posts whose `word_count` is not what this version counts (`store.word_count`), once
    migration 017 counted them so: posts an older blogarchive wrote after the upgrade (a
    crawl of the older version still running), whose words it cut at their marks."""
    name = "posts word counts"
    if not words_recounted(conn):
        return Check(name, True, "counted as written (migration 017 pending)")
    found = [
        f"posts {post_id}: {url} ({stored} words stored, {counted} counted)"
        for post_id, url, stored, counted in stale_word_counts(conn)
    ]
    if not found:
        return Check(name, True, "every post counted as this version counts")
    detail = (
        f"{len(found)} post(s) whose word_count is not what this version counts (written by "
        "an older blogarchive after the upgrade); `blogarchive verify --reindex` counts them again"
    )
    return Check(name, False, detail, found)


def _check_fts_of_copy(conn: sqlite3.Connection, tables: list[str]) -> list[Check]:
    """FTS5's integrity-check of `tables` on a copy of a read-only database (see the module's
    doc): SQLite's backup API copies the pages as they are, index and content alike."""
    with tempfile.TemporaryDirectory(prefix="blogarchive-verify-") as folder:
        copy = sqlite3.connect(Path(folder) / "copy.db")
        try:
            conn.backup(copy)
            return [check_fts(copy, table) for table in tables]
        finally:
            copy.close()


def verify_archive(
    path: str | Path, *, progress: Callable[[Check], None] | None = None
) -> VerifyReport:
    """Run every check on the archive at `path`. It is opened read-write only because FTS5's
    integrity-check is spelled as an INSERT; nothing is written. A read-only copy is opened
    read-only (store.Archive's way) and its FTS5 indexes are checked on a temporary copy."""
    path = Path(path)
    if not path.is_file():
        raise VerifyError(f"no archive at {path}")
    read_only_copy = not can_write(path)
    try:
        if read_only_copy:
            conn = Archive(path, readonly=True).conn
            tables = _tables(conn)
        else:
            with opening_archive(path) as opening:
                opening.conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=30
                )
                check_archive(opening.conn, path)
                tables = _tables(opening.conn)
            conn = opening.conn
    except ArchiveError as error:
        raise VerifyError(str(error)) from error
    report = VerifyReport(path)

    def add(check: Check) -> None:
        report.checks.append(check)
        if progress:
            progress(check)

    try:
        add(check_integrity(conn))
        add(check_schema(conn))
        fts_tables = [table for table in FTS_TABLES if table in tables]
        if read_only_copy:
            for check in _check_fts_of_copy(conn, fts_tables):
                add(check)
        else:
            for table in fts_tables:
                add(check_fts(conn, table))
        for table in ("posts", "comments"):
            if f"{table}_fts_segments" in tables and "_migrations" in tables:
                add(check_index_spelling(conn, table))
        for table in ("posts", "comments"):
            if table in tables:
                add(check_empty_text(conn, table))
        if "posts" in tables:
            add(check_tags(conn))
        if "posts" in tables and "_migrations" in tables:
            add(check_word_counts(conn))
        if "captures" in tables:
            add(check_captures(conn, path.parent))
    except sqlite3.DatabaseError as error:
        add(Check("database", False, str(error)))
    finally:
        conn.close()
    return report
