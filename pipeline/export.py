"""Export the archive: posts as JSON Lines or CSV, captures as a WARC file.

No Scrapy or click here; `blogarchive export` is the command.

    from pipeline.export import export_posts
    with Archive("archive/archive.db", readonly=True) as archive, open("posts.jsonl", "w") as out:
        export_posts(archive, out, "jsonl", site="example.blogspot.com")
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

from pipeline import __version__
from pipeline.reextract import site_filter
from pipeline.runlock import lock_path
from pipeline.store import Archive, site_of
from pipeline.urls import canonical_url_or_none
from pipeline.warc import read_exchange_raw, write_warcinfo

FORMATS = ("jsonl", "csv", "warc")
POST_FIELDS = [
    "id",
    "url",
    "site",
    "title",
    "author",
    "published",
    "updated",
    "tags",
    "language",
    "word_count",
    "text",
    "html",
    "content_hash",
    "first_seen",
    "last_seen",
    "gone_at",
    "versions",
    "capture_id",
    "published_source",
    "updated_source",
    "date_flags",
    "encoding",
    "encoding_source",
    "duplicate_of",
]
JSON_LISTS = ("tags", "date_flags")  # JSON arrays in the archive: lists in JSON Lines


class ExportError(Exception):
    """An export that cannot be made as asked (a bad date, an unknown format)."""


def archive_files(archive: Archive) -> list[Path]:
    """The files an archive is made of: the database (with its journal, WAL, shared-memory
    and lock files) and every WARC file its captures are in."""
    base = archive.path
    files = [base, lock_path(base)] + [
        base.with_name(base.name + suffix) for suffix in ("-wal", "-shm", "-journal")
    ]
    files += [
        archive.capture_path({"warc_file": row[0]})
        for row in archive.db.execute("SELECT DISTINCT warc_file FROM captures")
    ]
    return files


def check_output(archive: Archive, output: str | Path) -> None:
    """Refuse to export onto a file of the archive itself (its database or one of its WARC
    files): opening it for writing would empty it before anything is read."""
    target = Path(output).resolve()
    for path in archive_files(archive):
        if target == path.resolve() or (
            target.exists() and path.exists() and os.path.samefile(target, path)
        ):
            raise ExportError(
                f"{output} is part of the archive {archive.path}: choose another output file"
            )


class WholeWrites(io.BufferedIOBase):
    """A binary stream that writes every byte it is given or raises. A buffered file's
    `write` may write part of a large chunk and return the shorter count without an error
    (a disk that fills up), and neither TextIOWrapper nor warcio look at the count: the
    export then ended truncated, with exit status 0. Here the rest is written again, which
    raises the disk's error (ENOSPC, EFBIG)."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            written = self._stream.write(view)
            if not written:
                raise OSError(f"the output took {total - len(view)} of {total} bytes")
            view = view[written:]
        return total

    def flush(self) -> None:
        if self._stream is not None:
            self._stream.flush()

    def detach(self) -> BinaryIO:
        stream, self._stream = self._stream, None  # type: ignore[assignment]
        return stream


def text_output(stream: BinaryIO) -> io.TextIOWrapper:
    """UTF-8 text written whole onto a binary stream (standard output's buffer): detach it,
    after a flush, to leave the stream open."""
    return io.TextIOWrapper(WholeWrites(stream), encoding="utf-8", newline="")


@contextmanager
def output_file(path: str | Path, *, binary: bool) -> Iterator[IO[Any]]:
    """A file to export into that replaces `path` only once the export is complete: written
    as a temporary file beside it, synced to the disk and renamed over it (with the
    permissions of the file it replaces), then the folder synced, so a failed export (or a
    power cut) leaves an earlier file at `path` as it was. Anything but
    a regular file (a pipe, /dev/stdout) is written directly."""
    path = Path(path)
    if path.is_symlink():  # replace the file it names, not the link
        path = path.resolve()
    if path.exists() and not path.is_file():
        with open(path, "wb") as raw, _whole(raw, binary) as out:
            yield out
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as raw:
            with _whole(raw, binary) as out:
                yield out
            # on the disk before it takes the earlier file's name: after a power cut, the
            # rename alone could leave an empty or truncated file where a good export was
            os.fsync(raw.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (the folder's entry is written on its own)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # a folder that cannot be opened (no read permission): the file is synced
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems refuse to sync a folder; the file itself is synced
    finally:
        os.close(descriptor)


@contextmanager
def _whole(raw: BinaryIO, binary: bool) -> Iterator[IO[Any]]:
    """`raw` written whole (WholeWrites), as text when not `binary`; flushed at the end, so
    a write error is raised before the file is renamed into place."""
    whole = WholeWrites(raw)
    out: IO[Any] = whole if binary else io.TextIOWrapper(whole, encoding="utf-8", newline="")
    yield out
    out.flush()
    if not binary:
        out.detach()
    whole.detach()
    raw.flush()


def _mode_for(path: Path) -> int:
    """The permissions of the file an export replaces (an earlier export made private
    stays private, as with `>`), or those a new file gets (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def parse_since(value: str | None) -> str | None:
    """`--since DATE` (ISO 8601 date or date and time; UTC unless it says otherwise) as the
    text it is compared with in the archive's ISO timestamps."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ExportError(f"not a date: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from error
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def iter_posts(
    archive: Archive, *, site: str | None = None, since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Posts (of one site), oldest id first, added, changed, commented on or deleted (any
    `post_events` row) at or after `since`."""
    where: list[str] = []
    params: dict[str, str] = {}
    wanted = site_filter(archive, site)
    if wanted:
        where.append("posts.site = :site")
        params["site"] = wanted
    cutoff = parse_since(since)
    if cutoff:
        # whatever a post's export holds that is new: the post, a version, a comment, an
        # event (gone, returned, reverted, author or date changed)
        params["since"] = cutoff
        where.append(
            """(posts.first_seen >= :since OR posts.gone_at >= :since
            OR EXISTS (SELECT 1 FROM post_versions v
                WHERE v.post_id = posts.id AND v.captured_at >= :since)
            OR EXISTS (SELECT 1 FROM comments c
                WHERE c.post_id = posts.id AND c.first_seen >= :since)
            OR EXISTS (SELECT 1 FROM post_events e
                WHERE e.post_id = posts.id AND e."when" >= :since))"""
        )
    sql = """
        SELECT posts.*,
            (SELECT count(*) FROM post_versions v WHERE v.post_id = posts.id) AS versions,
            (SELECT max(v.capture_id) FROM post_versions v WHERE v.post_id = posts.id)
                AS capture_id
        FROM posts
    """
    if where:
        sql += " WHERE " + " AND ".join(where)
    yield from archive.db.query(sql + " ORDER BY posts.id", params)


def export_posts(
    archive: Archive,
    out: TextIO,
    fmt: str,
    *,
    site: str | None = None,
    since: str | None = None,
) -> int:
    """Write the posts as `jsonl` (one object per post, tags and date flags as lists, with its
    comments, each with its `comment_key` that replies name as `parent`, every version of it,
    oldest first, its events, and its pictures with the capture of each, NULL for one not
    archived) or `csv` (a header row, tags and date flags as JSON arrays;
    the newest version only); return how many were written."""
    if fmt not in ("jsonl", "csv"):
        raise ExportError(f"unknown post format {fmt!r}: use jsonl or csv")
    count = 0
    writer = csv.DictWriter(out, POST_FIELDS, extrasaction="ignore") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    # an archive made before pictures were kept, read as it is, has no post_pictures
    with_pictures = archive.db["post_pictures"].exists()
    for post in iter_posts(archive, site=site, since=since):
        row = {name: post.get(name) for name in POST_FIELDS}
        if writer is not None:
            writer.writerow(row)
        else:
            for name in JSON_LISTS:
                row[name] = json.loads(row[name] or "[]")
            row["comments"] = list(
                archive.db.query(
                    "SELECT comment_key, author, published, text, parent, first_seen "
                    "FROM comments WHERE post_id = ? ORDER BY id",
                    [post["id"]],
                )
            )
            row["post_versions"] = [
                {**version, "tags": json.loads(version["tags"] or "[]")}
                for version in archive.db.query(
                    "SELECT title, text, tags, html, content_hash, captured_at, capture_id "
                    "FROM post_versions WHERE post_id = ? ORDER BY id",
                    [post["id"]],
                )
            ]
            row["post_events"] = list(
                archive.db.query(
                    'SELECT event, detail, "when" FROM post_events WHERE post_id = ? ORDER BY id',
                    [post["id"]],
                )
            )
            if with_pictures:
                row["post_pictures"] = archive.post_pictures(post["id"])
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def iter_captures(
    archive: Archive, *, site: str | None = None, since: str | None = None
) -> Iterator[dict[str, Any]]:
    """Captures (of one site) fetched at or after `since`, oldest first, each revisit
    preceded by the original it refers to when that one is not among them (older than
    `since`). Read one by one, not all at once: an archive's captures can be millions."""
    wanted = site_filter(archive, site)
    cutoff = parse_since(since)
    sql, params = "SELECT * FROM captures", []
    if cutoff:
        sql += " WHERE fetched_at >= ?"
        params.append(cutoff)
    emitted: set[int] = set()  # originals written ahead of their turn (older than `since`)
    last_id = 0
    for capture in archive.db.query(sql + " ORDER BY id", params):
        # the blog's site as its posts have it: a Blogger country domain is the .com one
        if wanted and site_of(canonical_url_or_none(capture["url"]) or capture["url"]) != wanted:
            continue
        if capture["record_type"] == "revisit" and capture["refers_to"]:
            original = archive.original_capture(capture["id"])
            if original is not None and original["id"] not in emitted:
                # an original is older than its revisit: written already unless `since`
                # (or an id out of order) left it out of the captures read
                if original["id"] > last_id or (cutoff and original["fetched_at"] < cutoff):
                    emitted.add(original["id"])
                    yield original
        if capture["id"] not in emitted:
            last_id = max(last_id, capture["id"])
            yield capture


def export_warc(
    archive: Archive,
    out: BinaryIO,
    *,
    site: str | None = None,
    since: str | None = None,
    filename: str = "export.warc.gz",
) -> int:
    """Write one gzip WARC file of the captures (their response or revisit records and
    request records, copied byte for byte), after a `warcinfo` record; return how many
    captures were written."""
    write_warcinfo(
        out,
        filename,
        {
            "software": f"blogarchive/{__version__} export",
            "format": "WARC/1.0",
            "description": f"site={site or 'all'} since={since or 'all'}",
        },
    )
    count = 0
    for capture in iter_captures(archive, site=site, since=since):
        out.write(
            read_exchange_raw(
                archive.capture_path(capture), int(capture["offset"]), int(capture["length"])
            )
        )
        count += 1
    return count
