"""`blogarchive export`, as an archivist hands an archive to another institution: every
version, comment and deletion leaves, the text reads back exactly, a failed export never
claims success, and a big archive is exported without holding it in memory."""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from conftest import BLOGARCHIVE, LOOPBACK, PROJECT_ROOT, rows, run_blogarchive, warcio
from pipeline.demo.content import DemoComment
from pipeline.demo.server import start_demo_blogs

WORDS = "river stone cloud lantern harbour orchard meadow copper willow thistle".split()


def crawl(db: Path, *urls: str, full: bool = False) -> None:
    result = run_blogarchive(
        "crawl", *urls, "--db", str(db), *LOOPBACK, *(["--full"] if full else [])
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Both demo blogs crawled (right-to-left and decomposed text, a comment with line
    breaks and quotes, a post of 200 kB), then the Blogger one again (`--full`) after one
    post was edited, one deleted and one given a comment; `between` is a moment between."""
    db = tmp_path_factory.mktemp("export") / "archive.db"
    with start_demo_blogs() as blogs:
        posts = blogs.blogger.site.posts
        mixed, big, edited, deleted, commented = posts[0], posts[2], posts[3], posts[5], posts[6]
        mixed.title = "Cafe\u0301 notes: שלום עולם and مرحبا"
        mixed.paragraphs = [
            "Decomposed cafe\u0301 and composed caf\u00e9 side by side in one paragraph here.",
            "עברית: זהו טקסט מימין לשמאל עם מספרים 123 ועוד מילים רבות כדי להיות פסקה.",
            "العربية: هذا نص من اليمين إلى اليسار مع بعض الكلمات الإضافية للفقرة الطويلة.",
            *mixed.paragraphs[1:],
        ]
        mixed.comments.append(
            DemoComment(
                "990001",
                'Ünïcødé "Quoter"',
                "2024-03-05T10:15:00+00:00",
                'Line one, with a comma\nline two with "quotes"\nthird',
            )
        )
        rng = random.Random(7)
        big.paragraphs = [" ".join(rng.choices(WORDS, k=100)) + "." for _ in range(300)]
        for post in (mixed, big):
            post.body_html = None
        crawl(db, blogs.blogger.url, blogs.wordpress.url)
        time.sleep(1.1)  # the second crawl's timestamps are a second later
        between = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        time.sleep(1.1)
        edited.paragraphs = [*edited.paragraphs, "An edit adds this sentence about the harbour."]
        edited.updated = datetime.now(UTC).isoformat(timespec="seconds")
        commented.comments.append(
            DemoComment("990002", "Late reader", "2024-06-01T08:00:00+00:00", "A late comment.")
        )
        commented.updated = datetime.now(UTC).isoformat(timespec="seconds")
        posts.remove(deleted)
        crawl(db, blogs.blogger.url, full=True)
        yield {
            "db": db,
            "between": between,
            "urls": {
                name: blogs.blogger.post_url(post)
                for name, post in [
                    ("mixed", mixed),
                    ("big", big),
                    ("edited", edited),
                    ("deleted", deleted),
                    ("commented", commented),
                ]
            },
        }


def export_lines(db: Path, *args: str) -> list[dict[str, Any]]:
    result = run_blogarchive("export", "--format", "jsonl", *args, "--db", str(db))
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.split("\n") if line]


def limit_file_size(limit: int) -> Any:
    """For a child process: files it writes end at `limit` bytes, as on a full disk (the
    kernel refuses the rest: a short write, then EFBIG; Python ignores SIGXFSZ)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "warc"])
def test_an_export_to_standard_output_that_fills_the_disk_fails(
    history: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    """`blogarchive export > posts.jsonl` on a disk that fills up: the export must not say
    "N posts exported" with exit status 0 over a truncated file (a short write of the 200 kB
    post was taken for a whole one)."""
    target = tmp_path / f"export.{fmt}"
    with target.open("wb") as out:
        result = subprocess.run(
            [BLOGARCHIVE, "export", "--format", fmt, "--db", str(history["db"])],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            preexec_fn=limit_file_size(150_000),
        )
    assert target.stat().st_size <= 150_000
    assert result.returncode == 1, result.stderr
    assert "exported" not in result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr

    # with -o: no file at all (nor a temporary one beside it), and the same message
    named = tmp_path / "named" / f"export.{fmt}"
    named.parent.mkdir()
    result = subprocess.run(
        [BLOGARCHIVE, "export", "--format", fmt, "-o", str(named), "--db", str(history["db"])],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size(150_000),
    )
    assert result.returncode == 1 and result.stderr == "Error: [Errno 27] File too large\n"
    assert list(named.parent.iterdir()) == []


def test_jsonl_holds_every_version_event_and_comment_of_every_post(
    history: dict[str, Any],
) -> None:
    """An export handed to another institution is the whole record: a post edited twice has
    its earlier text in `post_versions`, and a deleted post says so (`gone_at`, and its
    `gone` event). Before, only the newest text left, with a count of versions."""
    db = history["db"]
    exported = {post["url"]: post for post in export_lines(db)}
    assert len(exported) == len(rows(db, "SELECT id FROM posts"))
    for post in exported.values():
        stored = rows(
            db,
            "SELECT title, text, tags, html, content_hash, captured_at, capture_id "
            "FROM post_versions WHERE post_id = ? ORDER BY id",
            (post["id"],),
        )
        for version in stored:
            version["tags"] = json.loads(version["tags"])
        assert post["post_versions"] == stored
        assert len(stored) == post["versions"]
        events = rows(
            db,
            'SELECT event, detail, "when" FROM post_events WHERE post_id = ? ORDER BY id',
            (post["id"],),
        )
        assert post["post_events"] == events
    edited = exported[history["urls"]["edited"]]
    texts = [version["text"] for version in edited["post_versions"]]
    assert len(texts) == 2 and "harbour" not in texts[0] and "harbour" in texts[1]
    assert texts[1] == edited["text"]
    deleted = exported[history["urls"]["deleted"]]
    assert deleted["gone_at"] and [e["event"] for e in deleted["post_events"]] == ["gone"]
    assert deleted["post_versions"][0]["text"] == deleted["text"]


def test_since_keeps_posts_deleted_or_commented_on_since_then(history: dict[str, Any]) -> None:
    """Exports made one after another with `--since` (the date of the last one) must add up
    to the whole archive: a post deleted, or given a new comment, since then was left out
    (only new posts and new versions counted)."""
    db, between = history["db"], history["between"]
    since = {post["url"] for post in export_lines(db, "--since", between)}
    urls = history["urls"]
    assert {urls["edited"], urls["deleted"], urls["commented"]} <= since
    assert urls["mixed"] not in since and urls["big"] not in since
    changed = rows(
        db,
        "SELECT DISTINCT posts.url FROM posts LEFT JOIN post_versions v ON v.post_id = posts.id "
        "LEFT JOIN comments c ON c.post_id = posts.id "
        "LEFT JOIN post_events e ON e.post_id = posts.id WHERE posts.first_seen >= :t "
        'OR v.captured_at >= :t OR c.first_seen >= :t OR e."when" >= :t',
        {"t": between},
    )
    assert since == {row["url"] for row in changed}
    # the same moment written in another time zone, and a whole day
    stamp = datetime.fromisoformat(between).replace(tzinfo=UTC)
    in_paris = stamp.astimezone(timezone(timedelta(hours=1))).isoformat()
    assert {post["url"] for post in export_lines(db, "--since", in_paris)} == since
    first_day = rows(db, "SELECT min(first_seen) AS t FROM posts")[0]["t"][:10]
    whole = {post["url"] for post in export_lines(db, "--since", first_day)}
    assert whole == {row["url"] for row in rows(db, "SELECT url FROM posts")}
    day_after = (stamp + timedelta(days=1)).date().isoformat()
    assert export_lines(db, "--since", day_after) == []


def test_csv_and_jsonl_read_back_to_the_stored_text_exactly(
    history: dict[str, Any], tmp_path: Path
) -> None:
    """Read back, each export gives the stored text character for character: Hebrew and
    Arabic, NFC as stored, line breaks and quotes in a comment, a 200 kB post (a CSV cell
    longer than the csv module's default field_size_limit, which the README says to raise)."""
    db = history["db"]
    stored = {row["id"]: row for row in rows(db, "SELECT * FROM posts")}
    big = next(row for row in stored.values() if row["url"] == history["urls"]["big"])
    assert len(big["text"]) > csv.field_size_limit() and len(big["html"]) > len(big["text"])
    mixed = next(row for row in stored.values() if row["url"] == history["urls"]["mixed"])
    assert "שלום" in mixed["title"] and "مرحبا" in mixed["title"]

    output = tmp_path / "posts.jsonl"
    assert run_blogarchive("export", "-o", str(output), "--db", str(db)).returncode == 0
    with output.open(encoding="utf-8", newline="") as handle:
        exported = [json.loads(line) for line in handle]
    assert len(exported) == len(stored)
    for post in exported:
        row = stored[post["id"]]
        assert all(post[name] == row[name] for name in ("title", "text", "html", "author"))
        assert post["comments"] == rows(
            db,
            "SELECT comment_key, author, published, text, parent, first_seen FROM comments "
            "WHERE post_id = ? ORDER BY id",
            (post["id"],),
        )
    quoted = [c for p in exported for c in p["comments"] if c["comment_key"] == "990001"]
    assert quoted and "\n" in quoted[0]["text"] and '"' in quoted[0]["author"]

    output = tmp_path / "posts.csv"
    assert (
        run_blogarchive("export", "--format", "csv", "-o", str(output), "--db", str(db)).returncode
        == 0
    )
    default_limit = csv.field_size_limit()
    try:
        csv.field_size_limit(sys.maxsize)
        with output.open(encoding="utf-8", newline="") as handle:
            table = list(csv.DictReader(handle))
    finally:
        csv.field_size_limit(default_limit)
    assert len(table) == len(stored)
    for record in table:
        row = stored[int(record["id"])]
        for name in ("url", "title", "text", "html", "content_hash", "first_seen"):
            assert record[name] == row[name], name
        assert record["gone_at"] == (row["gone_at"] or "")
        assert json.loads(record["tags"]) == json.loads(row["tags"])


def archive_of_captures(folder: Path, urls: list[str]) -> Path:
    """An archive of pages captured at `urls` (a response and a revisit each, with the
    feed's hints), written through the project's WARC writer and capture index."""
    from pipeline.store import Archive
    from pipeline.warc import Exchange, Original, RollingWarcWriter

    db = folder / "archive.db"
    paragraph = "<p>" + " ".join(WORDS * 30) + "</p>"
    with Archive(db) as archive:
        with RollingWarcWriter(folder / "warc") as writer, archive.transaction():
            for number, url in enumerate(urls):
                page = Exchange(
                    url=url,
                    status=200,
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=f"<html><body><h1>Post {number}</h1>{paragraph}</body></html>".encode(),
                )
                refers_to = None
                first = writer.write_response(page)
                for written in (first, writer.write_revisit(page, Original(url, first.date))):
                    refers_to = archive.record_capture(
                        url=url,
                        warc_file=str(written.warc_file.relative_to(folder)),
                        offset=written.offset,
                        length=written.length,
                        digest=written.digest,
                        status=200,
                        mime="text/html",
                        fetched_at=written.date,
                        record_type=written.record_type,
                        refers_to=refers_to,
                        record_id=written.record_id,
                        hints={"title": f"Post {number}", "summary": paragraph[:600]},
                    )
    return db


def test_a_warc_export_does_not_hold_every_capture_in_memory(tmp_path: Path) -> None:
    """Exporting ten times the captures takes about the same memory: the captures are read
    one by one (all their rows were read into a list first: 122 MB of RSS for 40,000
    captures, 51 MB for 4,000)."""
    import tracemalloc

    from pipeline.export import export_warc
    from pipeline.store import Archive

    peaks = []
    for pages in (60, 600):
        (tmp_path / str(pages)).mkdir()
        urls = [f"http://blog.test/2024/01/post-{number}.html" for number in range(pages)]
        db = archive_of_captures(tmp_path / str(pages), urls)
        with Archive(db, readonly=True) as archive, open(os.devnull, "wb") as out:
            tracemalloc.start()
            try:
                count = export_warc(archive, out, filename="x.warc.gz")
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
            assert count == 2 * pages
    assert peaks[1] < peaks[0] + 500_000, peaks


def test_an_export_over_an_earlier_one_keeps_its_permissions(
    history: dict[str, Any], tmp_path: Path
) -> None:
    """An earlier export made private (`chmod 600`: the archive holds what is not public)
    and exported again with the same `-o`: it stays private, as a file written over with
    `>` does (it became readable by everyone, 0644 under the usual umask). A new file gets
    the umask's permissions."""
    earlier = tmp_path / "posts.jsonl"
    earlier.write_text("an earlier export\n")
    earlier.chmod(0o600)
    result = run_blogarchive("export", "-o", str(earlier), "--db", str(history["db"]))
    assert result.returncode == 0, result.stderr
    assert earlier.read_text() != "an earlier export\n"
    assert earlier.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh.jsonl"
    assert run_blogarchive("export", "-o", str(fresh), "--db", str(history["db"])).returncode == 0
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~current_umask()


@pytest.mark.parametrize("fmt", ["jsonl", "warc"])
def test_a_failed_export_over_an_earlier_one_leaves_it_whole_and_a_good_one_is_synced(
    history: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    """`export -o FILE` over a good earlier export: one that fails halfway (the disk fills up)
    leaves the earlier file as it was, byte for byte, and no temporary file beside it; one that
    succeeds is on the disk before it takes the earlier one's name (its data synced, then
    renamed over, then the folder synced), so a power cut leaves the old file or the new one,
    never an empty or truncated file in its place (before, the rename came unsynced)."""
    if not shutil.which("strace"):
        pytest.fail("strace is not installed (apt-get install strace; .ci/run installs it)")
    earlier = tmp_path / f"posts.{fmt}"
    good = run_blogarchive(
        "export", "--format", fmt, "-o", str(earlier), "--db", str(history["db"])
    )
    assert good.returncode == 0, good.stderr
    kept = earlier.read_bytes()
    assert len(kept) > 150_000
    failed = subprocess.run(
        [BLOGARCHIVE, "export", "--format", fmt, "-o", str(earlier), "--db", str(history["db"])],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size(150_000),
    )
    assert failed.returncode == 1 and failed.stderr == "Error: [Errno 27] File too large\n"
    assert earlier.read_bytes() == kept
    assert [p.name for p in tmp_path.iterdir()] == [earlier.name]

    trace = tmp_path.parent / f"strace-{fmt}.txt"
    traced = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=openat,fsync,fdatasync,rename,renameat,renameat2"]
        + ["-o", str(trace), BLOGARCHIVE, "export", "--format", fmt, "-o", str(earlier)]
        + ["--db", str(history["db"])],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert traced.returncode == 0, traced.stderr
    calls = [line.split(None, 1)[1] for line in trace.read_text().splitlines()]
    temporary = next(
        c for c in calls if c.startswith("openat(") and f"/.{earlier.name}." in c and "= " in c
    )
    temp_fd = temporary.rsplit("= ", 1)[1]
    folder = [c for c in calls if c.startswith("openat(") and f'"{tmp_path}"' in c]
    assert folder, "the folder is never opened to be synced"
    folder_fd = folder[-1].rsplit("= ", 1)[1]
    order = [
        c.split("(")[0] + ("(temp)" if c.startswith(f"fsync({temp_fd})") else "")
        for c in calls
        if c.startswith(("fsync", "fdatasync", "rename"))
    ]
    rename = next(i for i, c in enumerate(calls) if c.startswith("rename") and str(earlier) in c)
    synced_before = [
        c for c in calls[:rename] if c.startswith((f"fsync({temp_fd})", f"fdatasync({temp_fd})"))
    ]
    synced_after = [
        c
        for c in calls[rename:]
        if c.startswith((f"fsync({folder_fd})", f"fdatasync({folder_fd})"))
    ]
    assert synced_before, order
    assert synced_after, order


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def warc_records(path: Path) -> list[dict[str, Any]]:
    """Each record of a WARC file as an independent reader (warcio) sees it."""
    from warcio.archiveiterator import ArchiveIterator

    records = []
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            headers = record.rec_headers
            records.append(
                {
                    "type": record.rec_type,
                    "uri": headers.get_header("WARC-Target-URI"),
                    "id": headers.get_header("WARC-Record-ID"),
                    "refers_to": headers.get_header("WARC-Refers-To"),
                    "concurrent_to": headers.get_header("WARC-Concurrent-To"),
                    "digest": headers.get_header("WARC-Payload-Digest"),
                    "payload": record.content_stream().read(),
                }
            )
    return records


def test_a_warc_export_of_one_blog_since_a_date_stands_on_its_own(
    history: dict[str, Any], tmp_path: Path
) -> None:
    """`--site` with and without `--since`: the export passes `warcio check`, holds that
    blog's captures only, each revisit's original is in it (with `--since`, the first
    crawl's captures are older), each response or revisit is followed by its request, and
    each payload has the digest its record states."""
    db, between = history["db"], history["between"]
    blogger = history["urls"]["edited"].split("/")[2]
    wordpress = next(
        row["site"] for row in rows(db, "SELECT DISTINCT site FROM posts") if row["site"] != blogger
    )
    for blog, since in [(blogger, between), (wordpress, None)]:
        output = tmp_path / f"{blog.replace(':', '_')}.warc.gz"
        args = ["--site", blog, *(["--since", since] if since else []), "-o", str(output)]
        result = run_blogarchive("export", "--format", "warc", *args, "--db", str(db))
        assert result.returncode == 0, result.stderr
        check = warcio("check", "-v", str(output))
        assert check.returncode == 0, check.stdout[-2000:] + check.stderr
        records = check_standalone_warc(output, blog)
        wanted = rows(
            db,
            "SELECT url, record_id FROM captures WHERE fetched_at >= ? ORDER BY id",
            (since or "",),
        )
        wanted = [c for c in wanted if c["url"].split("/")[2] == blog]
        assert wanted and {c["record_id"] for c in wanted} <= {r["id"] for r in records}
        count = len([r for r in records if r["type"] in ("response", "revisit")])
        assert f"{count} captures exported" in result.stderr
        if since:  # revisits of pages first captured before `since`, with those pages
            assert count > len(wanted)


def check_standalone_warc(path: Path, host: str) -> list[dict[str, Any]]:
    """The records of an exported WARC file, checked to stand on their own."""
    from pipeline.warc import payload_digest

    records = warc_records(path)
    assert records[0]["type"] == "warcinfo"
    assert all(r["uri"].split("/")[2] == host for r in records[1:])
    ids = {r["id"] for r in records}
    assert len(ids) == len(records)  # no record twice
    revisits = [r for r in records if r["type"] == "revisit"]
    assert revisits and all(r["refers_to"] in ids for r in revisits)
    for position, record in enumerate(records[1:], start=1):
        if record["type"] in ("response", "revisit"):
            request = records[position + 1]
            assert request["type"] == "request" and request["concurrent_to"] == record["id"]
            assert request["uri"] == record["uri"]
        if record["type"] == "response":
            assert record["digest"] == payload_digest(record["payload"])
    return records


def test_a_recipient_can_recompute_each_versions_content_hash_from_the_export(
    history: dict[str, Any],
) -> None:
    """Years later, the institution given a JSON Lines export checks it is unchanged: each
    version's `content_hash`, recomputed from its exported title, text and tags by the
    recipe the README gives (and nothing of blogarchive's), is the one stored."""
    import hashlib
    import unicodedata

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "json.dumps([norm(title), norm(text), sorted(norm(t) for t in tags)]" in readme

    def norm(value: str) -> str:
        return " ".join(unicodedata.normalize("NFC", value or "").split())

    def recomputed(title: str, text: str, tags: list[str]) -> str:
        payload = json.dumps(
            [norm(title), norm(text), sorted(norm(t) for t in tags)], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    checked = 0
    for post in export_lines(history["db"]):
        for version in post["post_versions"]:
            expected = recomputed(version["title"], version["text"], version["tags"])
            assert version["content_hash"] == expected, post["url"]
            checked += 1
        assert post["content_hash"] == recomputed(post["title"], post["text"], post["tags"])
    assert checked > len(history["urls"])


def test_a_warc_export_of_a_blogspot_blog_keeps_its_country_domain_captures(
    tmp_path: Path,
) -> None:
    """Blogger answers a reader abroad at its country domain (example.blogspot.co.uk), and
    the archive stores those posts under example.blogspot.com: `--site` of that blog must
    export its captures at both addresses (those at .co.uk were left out, though the
    JSON Lines export of the same blog names them as the posts' captures), and no other
    blog's."""
    from pipeline.export import export_warc
    from pipeline.store import Archive

    urls = [
        "http://example.blogspot.com/2024/01/first.html",
        "http://example.blogspot.co.uk/2024/02/second.html",
        "https://example.blogspot.fr/feeds/posts/default",
        "http://other.blogspot.com/2024/01/elsewhere.html",
        "http://other.blogspot.de/2024/01/anderswo.html",
    ]
    db = archive_of_captures(tmp_path, urls)
    with Archive(db) as archive:
        archive.add_source("http://example.blogspot.com/", platform="blogger")
        archive.add_source("http://other.blogspot.com/", platform="blogger")
    output = tmp_path / "example.warc.gz"
    with Archive(db, readonly=True) as archive, output.open("wb") as out:
        count = export_warc(archive, out, site="example.blogspot.com")
    assert warcio("check", str(output)).returncode == 0
    exported = [r["uri"] for r in warc_records(output) if r["type"] == "response"]
    assert exported == urls[:3] and count == 6
