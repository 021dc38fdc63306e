"""WARC captures: what the crawl receives is kept, validates with warcio, re-extracts exactly,
is not copied twice, exports, and is viewable safely in Datasette."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    BLOGARCHIVE,
    LOOPBACK,
    PROJECT_ROOT,
    check_captures,
    html_page,
    rows,
    run_blogarchive,
    warc_index,
    warcio,
)
from pipeline.serving import make_datasette
from pipeline.warc import (
    Exchange,
    Original,
    RollingWarcWriter,
    iter_records,
    payload_digest,
    read_record,
)

# how the archive records when it did something: UTC, to the second
UTC_SECOND = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"


def snapshot(db: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        table: rows(db, f"SELECT * FROM {table} ORDER BY id")
        for table in ("posts", "post_versions", "comments", "post_events")
    }


def copy_archive(source: Path, target_dir: Path) -> Path:
    """A copy of an archive folder (database and warc/): capture paths are relative to it."""
    shutil.copytree(source.parent, target_dir)
    return target_dir / source.name


# ---------------------------------------------------------------- the library alone


def exchange(url: str, body: bytes, status: int = 200) -> Exchange:
    return Exchange(
        url=url,
        status=status,
        response_headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
        body=body,
        request_headers=[("User-Agent", "test")],
    )


def test_writer_records_read_back_and_validate(tmp_path: Path) -> None:
    body = "<html><body><p>Ünïcode body</p></body></html>".encode()
    with RollingWarcWriter(tmp_path / "warc") as writer:
        first = writer.write_response(exchange("http://blog.test/a.html", body))
        again = writer.write_revisit(
            exchange("http://blog.test/a.html", body),
            Original("http://blog.test/a.html", first.date, first.record_id),
        )
        not_modified = writer.write_revisit(
            exchange("http://blog.test/a.html", b"", status=304),
            Original("http://blog.test/a.html", first.date, first.record_id),
            digest=first.digest,
        )
    assert first.digest == payload_digest(body)
    record = read_record(first.warc_file, first.offset, first.length)
    assert (record.record_type, record.status, record.payload) == ("response", 200, body)
    assert record.warc_headers["WARC-Payload-Digest"] == first.digest
    assert record.charset == "utf-8"
    revisit = read_record(again.warc_file, again.offset, again.length)
    assert revisit.record_type == "revisit"
    assert revisit.warc_headers["WARC-Refers-To"] == first.record_id
    assert revisit.warc_headers["WARC-Payload-Digest"] == first.digest
    assert "identical-payload-digest" in revisit.warc_headers["WARC-Profile"]
    nm = read_record(not_modified.warc_file, not_modified.offset, not_modified.length)
    assert nm.status == 304 and "server-not-modified" in nm.warc_headers["WARC-Profile"]

    check = warcio("check", "-v", str(first.warc_file))
    assert check.returncode == 0, check.stdout + check.stderr
    index = warc_index([first.warc_file])
    assert [r["warc-type"] for r in index] == [
        "warcinfo",
        "response",
        "request",
        "revisit",
        "request",
        "revisit",
        "request",
    ]
    assert {(int(r["offset"]), int(r["length"])) for r in index} >= {
        (w.offset, w.length) for w in (first, again, not_modified)
    }


def test_writer_rolls_over_at_the_size_setting(tmp_path: Path) -> None:
    bodies = [random.Random(i).randbytes(3000) for i in range(5)]  # incompressible
    with RollingWarcWriter(tmp_path, max_size=2000) as writer:
        written = [
            writer.write_response(exchange(f"http://blog.test/{i}.html", body))
            for i, body in enumerate(bodies)
        ]
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 5 and files == writer.files
    assert all(f.name.startswith("blogarchive-") and f.name.endswith(".warc.gz") for f in files)
    assert len({w.warc_file for w in written}) == 5
    for i, w in enumerate(written):
        assert read_record(w.warc_file, w.offset, w.length).url == f"http://blog.test/{i}.html"
        assert read_record(w.warc_file, w.offset, w.length).payload == bodies[i]
    assert warcio("check", *map(str, files)).returncode == 0
    types = [record.record_type for f in files for _, _, record in iter_records(f)]
    assert types.count("warcinfo") == 5 and types.count("response") == 5


# ---------------------------------------------------------------- a real crawl


@pytest.fixture(scope="module")
def crawled(crawled_demo: dict) -> dict[str, Any]:
    """Both demo blogs crawled once through the real CLI into a fresh archive folder: the
    session's `crawled_demo` (the same command), which the tests here only read; a test that
    changes the archive works on a copy (`copy_archive`)."""
    result, db = crawled_demo["result"], crawled_demo["db"]
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        "db": db,
        "blogs": crawled_demo["blogs"],
        "warc": sorted((db.parent / "warc").glob("*.warc.gz")),
    }


def test_every_response_is_captured_in_a_valid_warc(crawled: dict[str, Any]) -> None:
    db, files = crawled["db"], crawled["warc"]
    assert len(files) == 1, "one WARC file per run"
    captures = check_captures(db, files)
    urls = [c["url"] for c in captures]
    blogger, wordpress = crawled["blogs"].blogger.url, crawled["blogs"].wordpress.url
    assert blogger + "robots.txt" in urls and wordpress + "robots.txt" in urls
    assert any("/feeds/posts/summary" in u for u in urls)  # Blogger's feed
    assert any("/wp-json/wp/v2/posts" in u for u in urls)  # WordPress's API
    assert any("sitemap" in u for u in urls)


def test_reextract_reproduces_the_stored_posts_exactly(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    db = copy_archive(crawled["db"], tmp_path / "copy")
    before = snapshot(db)
    result = run_blogarchive("reextract", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    posts = len(before["posts"])
    assert (
        f"{posts} posts re-extracted from their captures: 0 changed, {posts} unchanged, "
        "0 without a capture, 0 failed"
    ) in result.stdout
    assert snapshot(db) == before


def test_reextract_stores_what_a_new_extraction_changes_and_keeps_versions(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    db = copy_archive(crawled["db"], tmp_path / "copy")
    post = rows(db, "SELECT id, url, text, title FROM posts ORDER BY id LIMIT 1")[0]
    conn = sqlite3.connect(db)
    with conn:  # as an older extractor would have stored it
        conn.execute(
            "UPDATE posts SET text = 'Share this: old text', content_hash = 'old' WHERE id = ?",
            [post["id"]],
        )
        conn.execute(
            "UPDATE post_versions SET text = 'Share this: old text', content_hash = 'old' "
            "WHERE post_id = ?",
            [post["id"]],
        )
    conn.close()
    site = rows(db, "SELECT site FROM posts WHERE id = ?", (post["id"],))[0]["site"]
    result = run_blogarchive("reextract", "--site", f"http://{site}/", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert f"{post['url']}: changed (text, content_hash)" in result.stdout
    assert ": 1 changed," in result.stdout
    assert rows(db, "SELECT text FROM posts WHERE id = ?", (post["id"],))[0]["text"] == post["text"]
    versions = rows(
        db,
        "SELECT text, capture_id, captured_at FROM post_versions WHERE post_id = ? ORDER BY id",
        (post["id"],),
    )
    assert [v["text"] for v in versions] == ["Share this: old text", post["text"]]
    assert versions[1]["capture_id"] is not None
    # the version re-extracted from the capture is dated when the capture was fetched, in the
    # form of every other time the archive records (its WARC-Date ends in Z instead)
    fetched = rows(db, "SELECT fetched_at FROM captures WHERE id = ?", (versions[1]["capture_id"],))
    assert versions[1]["captured_at"] == fetched[0]["fetched_at"].replace("Z", "+00:00")
    assert all(re.fullmatch(UTC_SECOND, v["captured_at"]) for v in versions)


def test_reextract_keeps_a_byline_it_no_longer_finds_and_records_one_it_changes(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    """An upgraded extraction that no longer finds a post's author or date, or finds
    another author: as in a crawl, what it did not find stays, and a changed author is kept
    in an `author_changed` event. Before, reextract wrote the empty author and date over
    the stored ones, and replaced an author without a trace. A second run changes nothing."""
    from pipeline.reextract import reextract
    from pipeline.workers import extract_record

    db = copy_archive(crawled["db"], tmp_path / "copy")
    unfound, renamed = rows(db, "SELECT * FROM posts ORDER BY id LIMIT 2")

    def upgraded(body: bytes, url: str, hints: Any, encoding: str | None) -> dict[str, Any]:
        record = extract_record(body, url, hints, encoding)
        if url == unfound["url"]:
            record.update(author=None, published=None, published_source=None)
        elif url == renamed["url"]:
            record["author"] = "M. E. Ellery"
        return record

    report = reextract(db, extract=upgraded)
    assert not report.failed and [c.url for c in report.changed] == [renamed["url"]]
    after = {row["id"]: row for row in rows(db, "SELECT * FROM posts")}
    kept = after[unfound["id"]]
    for name in ("author", "published", "published_source", "year"):
        assert kept[name] == unfound[name], name
    assert after[renamed["id"]]["author"] == "M. E. Ellery"
    events = rows(db, "SELECT post_id, event, detail FROM post_events")
    assert events == [
        {
            "post_id": renamed["id"],
            "event": "author_changed",
            "detail": f"from {renamed['author']!r} to 'M. E. Ellery'",
        },
        {"post_id": renamed["id"], "event": "reextracted", "detail": "author"},
    ]
    before = snapshot(db)
    again = reextract(db, extract=upgraded)
    assert not again.changed and not again.failed
    assert snapshot(db) == before


def test_reextract_leaves_a_text_that_differs_only_in_whitespace_as_stored(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    """Whitespace is no change (`content_hash`): a crawl keeps the stored text then, and so
    must reextract. It wrote the new spacing over `posts.text` without a version, so the
    post's text was none of its versions."""
    db = copy_archive(crawled["db"], tmp_path / "copy")
    post = rows(db, "SELECT id, url, text FROM posts ORDER BY id LIMIT 1")[0]
    spaced = post["text"].replace("\n", "\n\n").replace(". ", ".  ")
    assert spaced != post["text"]
    conn = sqlite3.connect(db)
    with conn:  # as an older extractor, which spaced paragraphs apart, stored it
        for table, key in (("posts", "id"), ("post_versions", "post_id")):
            conn.execute(f"UPDATE {table} SET text = ? WHERE {key} = ?", [spaced, post["id"]])
    conn.close()
    before = snapshot(db)
    result = run_blogarchive("reextract", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert ": 0 changed," in result.stdout, result.stdout
    assert snapshot(db) == before
    texts = rows(db, "SELECT text FROM post_versions WHERE post_id = ?", (post["id"],))
    assert rows(db, "SELECT text FROM posts WHERE id = ?", (post["id"],)) == texts[-1:]


def test_a_post_reextract_changed_is_in_the_next_export_since(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    """The version reextract adds is dated by its capture, long before: an export `--since`
    the last one (made before the re-extraction) left the changed post out. reextract
    records a `reextracted` event (which fields, when), and the export keeps the post."""
    from datetime import UTC, datetime

    db = copy_archive(crawled["db"], tmp_path / "copy")
    post = rows(db, "SELECT id, url, text FROM posts ORDER BY id LIMIT 1")[0]
    conn = sqlite3.connect(db)
    with conn:  # as an older extractor would have stored it
        for table, key in (("posts", "id"), ("post_versions", "post_id")):
            conn.execute(
                f"UPDATE {table} SET text = 'Share this: old text', content_hash = 'old' "
                f"WHERE {key} = ?",
                [post["id"]],
            )
    conn.close()
    last_export = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    assert run_blogarchive("reextract", "--db", str(db)).returncode == 0
    events = rows(db, 'SELECT post_id, event, detail, "when" FROM post_events')
    assert [(e["post_id"], e["event"], e["detail"]) for e in events] == [
        (post["id"], "reextracted", "text, content_hash")
    ]
    assert events[0]["when"] >= last_export
    result = run_blogarchive("export", "--since", last_export, "--db", str(db))
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["url"] for p in exported] == [post["url"]]
    assert exported[0]["text"] == post["text"]


def test_a_second_crawl_of_an_unchanged_blog_writes_revisits(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    db = copy_archive(crawled["db"], tmp_path / "copy")
    first = {c["id"] for c in rows(db, "SELECT id FROM captures")}
    blogs = crawled["blogs"]
    result = run_blogarchive(
        "crawl", blogs.blogger.url, blogs.wordpress.url, "--full", "--db", str(db), *LOOPBACK
    )
    assert result.returncode == 0, result.stdout + result.stderr
    second = [c for c in rows(db, "SELECT * FROM captures ORDER BY id") if c["id"] not in first]
    assert second, "the second crawl fetched nothing"
    assert {c["record_type"] for c in second} == {"revisit"}
    assert any(c["status"] == 304 for c in second)  # post pages asked for conditionally
    assert all(c["refers_to"] in first for c in second)
    files = sorted((db.parent / "warc").glob("*.warc.gz"))
    assert len(files) == 2
    assert warcio("check", str(files[1])).returncode == 0
    types = {r["warc-type"] for r in warc_index([files[1]])}
    assert types == {"warcinfo", "revisit", "request"}
    # and the captures still re-extract to exactly what is stored
    before = snapshot(db)
    assert ": 0 changed," in run_blogarchive("reextract", "--db", str(db)).stdout
    assert snapshot(db) == before


def test_gzip_responses_are_stored_decoded_with_matching_headers(
    static_site: Any, tmp_path: Path
) -> None:
    page = b"<html><head><title>Zipped</title></head><body><p>Plain words.</p></body></html>"
    site = static_site(
        {
            "/": (
                200,
                {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
                gzip.compress(page),
            )
        }
    )
    db = tmp_path / "archive.db"
    run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK)
    capture = rows(db, "SELECT * FROM captures WHERE url = ?", (site.url,))[0]
    record = read_record(tmp_path / capture["warc_file"], capture["offset"], capture["length"])
    assert record.payload == page
    assert record.header("Content-Encoding") is None
    assert record.header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert record.header("Content-Length") == str(len(page))
    files = list((tmp_path / "warc").glob("*.warc.gz"))
    assert warcio("check", *map(str, files)).returncode == 0


def test_captures_can_be_switched_off(static_site: Any, tmp_path: Path) -> None:
    site = static_site({"/": (200, {"Content-Type": "text/html"}, b"<html><p>x</p></html>")})
    db = tmp_path / "archive.db"
    run_blogarchive(
        "crawl", site.url, "--db", str(db), *LOOPBACK, "-s", "BLOGARCHIVE_WARC_ENABLED=False"
    )
    assert rows(db, "SELECT count(*) AS n FROM captures")[0]["n"] == 0
    assert not (tmp_path / "warc").exists()


# ---------------------------------------------------------------- export


def test_export_jsonl_csv_and_warc(crawled: dict[str, Any], tmp_path: Path) -> None:
    db = crawled["db"]
    posts = rows(db, "SELECT id, url, site, title FROM posts ORDER BY id")
    result = run_blogarchive("export", "--format", "jsonl", "--db", str(db))
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(p["url"], p["title"]) for p in exported] == [(p["url"], p["title"]) for p in posts]
    assert all(isinstance(p["tags"], list) and p["text"] and p["capture_id"] for p in exported)

    site = posts[0]["site"]
    out = tmp_path / "posts.csv"
    result = run_blogarchive(
        "export", "--format", "csv", "--site", site, "-o", str(out), "--db", str(db)
    )
    assert result.returncode == 0, result.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [r["url"] for r in table] == [p["url"] for p in posts if p["site"] == site]
    # a --site the archive does not know (a typo) is an error, not an empty export (exit 0)
    typo = tmp_path / "typo.csv"
    for command in (["export", "--format", "csv", "-o", str(typo)], ["reextract"]):
        result = run_blogarchive(*command, "--site", "exmaple.blogspot.com", "--db", str(db))
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "Error: no blog exmaple.blogspot.com in the archive" in result.stderr
    assert not typo.exists()

    future = run_blogarchive("export", "--since", "2999-01-01", "--db", str(db))
    assert future.returncode == 0 and future.stdout == ""
    bad = run_blogarchive("export", "--since", "yesterday-ish", "--db", str(db))
    assert bad.returncode == 1 and "not a date" in bad.stderr

    warc = tmp_path / "export.warc.gz"
    result = run_blogarchive("export", "--format", "warc", "-o", str(warc), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert warcio("check", str(warc)).returncode == 0
    index = warc_index([warc])
    responses = {r["warc-target-uri"] for r in index if r["warc-type"] == "response"}
    assert {p["url"] for p in posts} <= responses
    captures = rows(db, "SELECT count(*) AS n FROM captures")[0]["n"]
    assert len([r for r in index if r["warc-type"] in ("response", "revisit")]) == captures
    assert f"{captures} captures exported" in result.stderr


# ---------------------------------------------------------------- Datasette


def test_a_capture_is_shown_safely_in_datasette(crawled: dict[str, Any]) -> None:
    db = crawled["db"]
    capture = rows(
        db,
        "SELECT captures.* FROM post_versions JOIN captures "
        "ON captures.id = post_versions.capture_id ORDER BY post_versions.id LIMIT 1",
    )[0]
    ds = make_datasette(db)

    async def fetch() -> tuple[Any, Any, Any]:
        page = await ds.client.get(f"/-/capture/{capture['id']}")
        raw = await ds.client.get(f"/-/capture/{capture['id']}/raw")
        missing = await ds.client.get("/-/capture/999999")
        # ids no capture can have: each "No such capture.", never a server error
        for odd in ("99999999999999999999999", "-1", "abc", "1.5", "٣"):
            for suffix in ("", "/raw"):
                response = await ds.client.get(f"/-/capture/{odd}{suffix}")
                assert response.status_code == 404, (odd, suffix, response.status_code)
                assert "No such capture" in response.text
        return page, raw, missing

    page, raw, missing = asyncio.run(fetch())
    assert page.status_code == 200
    assert capture["url"] in page.text
    assert "&lt;html" in page.text.lower() or "&lt;!doctype" in page.text.lower()
    assert "<script" not in page.text.lower()
    iframe = page.text[page.text.index("<iframe") : page.text.index("</iframe>")]
    assert " sandbox " in iframe and "allow-scripts" not in iframe
    assert raw.status_code == 200
    policy = raw.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "allow-scripts" not in policy
    assert "default-src 'none'" in policy
    assert raw.headers["x-content-type-options"] == "nosniff"
    record = read_record(db.parent / capture["warc_file"], capture["offset"], capture["length"])
    assert raw.content == record.payload
    assert missing.status_code == 404


def test_warc_library_imports_neither_scrapy_nor_click() -> None:
    code = (
        "import sys, pipeline.warc, pipeline.reextract, pipeline.export; "
        "print(any(m.split('.')[0] == 'scrapy' for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
    package = Path(__file__).resolve().parents[1] / "pipeline"
    for name in ("warc.py", "reextract.py", "export.py"):
        source = (package / name).read_text()
        assert "import click" not in source and "import scrapy" not in source
        assert "from click" not in source and "from scrapy" not in source


def test_io_roundtrip_of_exported_records_is_byte_exact(crawled: dict[str, Any]) -> None:
    db = crawled["db"]
    capture = rows(db, "SELECT * FROM captures WHERE record_type = 'response' LIMIT 1")[0]
    path = db.parent / capture["warc_file"]
    data = path.read_bytes()[capture["offset"] : capture["offset"] + capture["length"]]
    assert gzip.decompress(data).startswith(b"WARC/1.0\r\n")
    assert io.BytesIO(data).read(2) == b"\x1f\x8b"


def test_export_never_writes_over_the_archive_and_a_failed_export_keeps_the_old_file(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    db = copy_archive(crawled["db"], tmp_path / "copy")
    warc = sorted((db.parent / "warc").glob("*.warc.gz"))[0]
    before = {path: path.read_bytes() for path in (db, warc)}
    # -o naming the archive's own files (as typed, or by another path to them)
    for fmt, output in [
        ("warc", warc),
        ("jsonl", db),
        ("csv", db.parent / "warc" / ".." / db.name),
        ("warc", Path(f"{db}-wal")),
    ]:
        result = run_blogarchive("export", "--format", fmt, "-o", str(output), "--db", str(db))
        assert result.returncode == 1, result.stdout + result.stderr
        assert "is part of the archive" in result.stderr and "Traceback" not in result.stderr
    assert {path: path.read_bytes() for path in before} == before
    assert run_blogarchive("verify", "--db", str(db)).returncode == 0

    # an export that fails halfway (a WARC file gone) leaves the earlier export as it was
    earlier = tmp_path / "export.warc.gz"
    result = run_blogarchive("export", "--format", "warc", "-o", str(earlier), "--db", str(db))
    assert result.returncode == 0, result.stderr
    good = earlier.read_bytes()
    warc.rename(warc.with_suffix(".moved"))
    result = run_blogarchive("export", "--format", "warc", "-o", str(earlier), "--db", str(db))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert earlier.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "export.warc.gz"]
    # -o through a symbolic link replaces the file it names and keeps the link
    (tmp_path / "latest.warc.gz").symlink_to(earlier)
    warc.with_suffix(".moved").rename(warc)
    result = run_blogarchive(
        "export",
        "--format",
        "warc",
        "--since",
        "2999-01-01",
        "-o",
        str(tmp_path / "latest.warc.gz"),
        "--db",
        str(db),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "latest.warc.gz").is_symlink() and earlier.read_bytes() != good


def test_request_records_carry_an_http_request_line(crawled: dict[str, Any]) -> None:
    """`GET /path HTTP/1.1`, as RFC 9112 writes it: replay and indexing tools (warcio, pywb's
    cdxj-indexer) read the method from the first word (it was `HTTP/1.1 GET /path`)."""
    from warcio.archiveiterator import ArchiveIterator

    requests = []
    with crawled["warc"][0].open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "request":
                block = record.content_stream().read()  # the HTTP request, headers parsed off
                requests.append((record, block))
    assert requests
    for record, _ in requests:
        uri = record.rec_headers.get_header("WARC-Target-URI")
        path = uri.split("/", 3)[3]
        assert record.http_headers.protocol == "GET", record.http_headers.statusline
        assert record.http_headers.statusline == f"/{path} HTTP/1.1"
        assert record.http_headers.to_str().startswith(f"GET /{path} HTTP/1.1\r\nHost: ")


def test_reextract_passes_over_pages_the_crawl_refused(static_site: Any, tmp_path: Path) -> None:
    """A post's address that later answered a PDF and then a "Page not found" with 200 (a
    soft 404): the crawl kept the post, recorded the PDF as a failure and the soft 404 as the
    post being gone; reextract rebuilds the post from the page it was stored from, not from
    those (it stored the 404 page as the post)."""
    body = "<p>The tide tables for the estuary are printed on thin blue paper every spring.</p>"
    site = static_site({"/": html_page("<h1>Estuary log</h1>")})
    post = site.url + "notes/tides/"
    site.pages["/sitemap.xml"] = (
        200,
        {"Content-Type": "application/xml"},
        (
            "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<url><loc>{post}</loc></url></urlset>"
        ).encode(),
    )
    db = tmp_path / "archive.db"
    site.pages["/notes/tides/"] = html_page(f"<article><h1>Tide tables</h1>{body * 5}</article>")
    assert run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK).returncode == 0
    not_found = (
        "<h1>Page not found</h1>"
        + "<p>It looks like nothing was found at this location. Maybe try one of the links "
        "below or a search? Older entries are listed by month in the sidebar.</p>" * 4
    )
    for page, outcome in [
        ((200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 not a post"), "1 failed"),
        (html_page(not_found, "Page not found"), "1 gone, 0 failed"),
    ]:
        site.pages["/notes/tides/"] = page
        result = run_blogarchive("crawl", site.url, "--full", "--db", str(db), *LOOPBACK)
        assert outcome in result.stdout, result.stdout + result.stderr
    captured = rows(db, "SELECT status, mime FROM captures WHERE url = ? ORDER BY id", (post,))
    assert captured == [
        {"status": 200, "mime": "text/html"},
        {"status": 200, "mime": "application/pdf"},
        {"status": 200, "mime": "text/html"},
    ]
    before = snapshot(db)
    assert [p["title"] for p in before["posts"]] == ["Tide tables"]

    result = run_blogarchive("reextract", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 posts re-extracted from their captures: 0 changed, 1 unchanged" in result.stdout
    assert snapshot(db) == before


def test_reextract_passes_over_login_walls(static_site: Any, tmp_path: Path) -> None:
    """A post whose address later answered a paywall after its first paragraphs, then a
    private site's login page (the blog went private): the crawl kept the post and recorded
    both walls; reextract rebuilds the post from its own page, not from the newest capture,
    the wall (it stored the paywall's teaser as the post)."""
    from hostile_server import paywalled, private_site_login

    paragraphs = [
        f"Week {n}: the estuary's tide tables were checked against the harbour master's "
        "gauge, and the two agreed to within a few minutes at every high water we measured."
        for n in range(14)
    ]
    site = static_site(
        {"/": html_page("<h1>Estuary log</h1><h2><a href='/2024/05/tides.html'>Tides</a></h2>")}
    )
    post = "/2024/05/tides.html"
    article = "".join(f"<p>{p}</p>" for p in paragraphs)
    site.pages[post] = html_page(f"<article><h1>Tide tables</h1>{article}</article>")
    db = tmp_path / "archive.db"
    assert run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK).returncode == 0
    for wall in (
        paywalled("Tide tables", paragraphs[:5]),
        private_site_login(site.url, site.url + post[1:]),
    ):
        site.pages[post] = (200, {"Content-Type": "text/html; charset=utf-8"}, wall.encode())
        result = run_blogarchive("crawl", site.url, "--full", "--db", str(db), *LOOPBACK)
        assert "1 failed" in result.stdout, result.stdout + result.stderr
    assert len(rows(db, "SELECT id FROM captures WHERE url = ?", (site.url + post[1:],))) == 3
    before = snapshot(db)
    assert [p["title"] for p in before["posts"]] == ["Tide tables"]

    result = run_blogarchive("reextract", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 posts re-extracted from their captures: 0 changed, 1 unchanged" in result.stdout
    assert snapshot(db) == before


def test_warc_dates_are_to_the_second_as_warc_1_0_defines_them(crawled: dict[str, Any]) -> None:
    """WARC/1.0 (ISO 28500:2009) has `WARC-Date: YYYY-MM-DDThh:mm:ssZ`; fractions of a second
    are WARC/1.1's. Validators that check the date by the record's version refused
    `2026-11-29T12:26:14.840438Z` in a WARC/1.0 record."""
    import re

    from warcio.archiveiterator import ArchiveIterator

    w3c = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    seen = 0
    with crawled["warc"][0].open("rb") as handle:
        for record in ArchiveIterator(handle):
            assert record.rec_headers.protocol == "WARC/1.0"
            for name in ("WARC-Date", "WARC-Refers-To-Date"):
                value = record.rec_headers.get_header(name)
                assert value is None or w3c.match(value), (name, value)
            seen += 1
    assert seen > 50
    fetched = rows(crawled["db"], "SELECT fetched_at FROM captures")
    assert all(w3c.match(row["fetched_at"]) for row in fetched)


def test_export_keeps_comment_threads_and_where_each_date_came_from(
    crawled: dict[str, Any], tmp_path: Path
) -> None:
    """A reply's `parent` is the `comment_key` of the comment it answers: without the keys
    the exported threads could not be rebuilt. The dates' provenance goes along too."""
    db = crawled["db"]
    result = run_blogarchive("export", "--db", str(db))
    assert result.returncode == 0, result.stderr
    exported = {p["id"]: p for p in map(json.loads, result.stdout.splitlines())}
    stored = rows(db, "SELECT * FROM posts")
    for post in stored:
        row = exported[post["id"]]
        for name in ("published_source", "updated_source", "encoding", "encoding_source"):
            assert row[name] == post[name], name
        assert row["duplicate_of"] == post["duplicate_of"]
        assert row["date_flags"] == json.loads(post["date_flags"])
    comments = rows(db, "SELECT * FROM comments ORDER BY id")
    replies = [c for c in comments if c["parent"]]
    assert replies, "the demo blogs have replies"
    for reply in replies:
        thread = exported[reply["post_id"]]["comments"]
        keys = {c["comment_key"]: c for c in thread}
        assert keys[reply["comment_key"]]["parent"] == reply["parent"]
        assert reply["parent"] in keys  # the comment it answers is in the export
    assert sum(len(p["comments"]) for p in exported.values()) == len(comments)
    assert all(c["first_seen"] for p in exported.values() for c in p["comments"])

    out = tmp_path / "posts.csv"
    assert (
        run_blogarchive("export", "--format", "csv", "-o", str(out), "--db", str(db)).returncode
        == 0
    )
    with out.open(newline="", encoding="utf-8") as handle:
        table = {int(r["id"]): r for r in csv.DictReader(handle)}
    for post in stored:
        assert table[post["id"]]["published_source"] == (post["published_source"] or "")
        assert json.loads(table[post["id"]]["date_flags"]) == json.loads(post["date_flags"])


def test_export_into_a_pipe_closed_early_stops_quietly(crawled: dict[str, Any]) -> None:
    """`blogarchive export | head`: the reader goes away; no 'Error: [Errno 32] Broken
    pipe' on the terminal."""
    for fmt in ("jsonl", "warc"):
        process = subprocess.Popen(
            [BLOGARCHIVE, "export", "--format", fmt, "--db", str(crawled["db"])],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        assert len(process.stdout.read(10)) == 10
        process.stdout.close()  # as head does, with 100 kB or more still to come
        error = process.stderr.read().decode()
        process.wait(timeout=60)
        assert error == "", error


def test_a_304_revisit_refers_to_the_page_its_validators_came_from(tmp_path: Path) -> None:
    """A post captured with ETag "v1"; a later run got a "Page not found" answered with 200
    (refused by the crawl, which keeps ETag "v1"); the run after asks If-None-Match: "v1" and
    gets 304. The revisit record must point at the "v1" page, not at the URL's newest capture
    (the 404 page, which replay tools then showed for it)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    para = "<p>The tide tables for the estuary are printed on thin blue paper every spring.</p>"
    page = html_page(f"<article><h1>Tide tables</h1>{para * 5}</article>", "Tide tables")[2]
    not_found = html_page("<h1>Page not found</h1>" + para, "Page not found")[2]
    served = {"body": page, "etag": '"v1"'}
    pages: dict[str, bytes] = {"/": html_page("<h1>Estuary log</h1>")[2]}

    class Blog(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path in pages:
                self.answer(200, pages[self.path], {})
            elif self.path != "/2024/05/tides/":
                self.answer(404, b"<h1>Not found</h1>", {})
            elif self.headers.get("If-None-Match") == served["etag"]:
                self.answer(304, b"", {"ETag": served["etag"]})
            else:
                self.answer(200, served["body"], {"ETag": served["etag"]})

        def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Blog)
    Thread(target=server.serve_forever, daemon=True).start()
    home = f"http://127.0.0.1:{server.server_address[1]}/"
    post = home + "2024/05/tides/"
    pages["/sitemap.xml"] = (
        "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<url><loc>{post}</loc></url></urlset>"
    ).encode()
    db = tmp_path / "archive.db"
    try:
        for body, etag in [(page, '"v1"'), (not_found, '"nf"'), (page, '"v1"')]:
            served.update(body=body, etag=etag)
            run_blogarchive("crawl", home, "--full", "--db", str(db), *LOOPBACK)
    finally:
        server.shutdown()
        server.server_close()
    assert rows(db, "SELECT etag FROM posts") == [{"etag": '"v1"'}]
    captures = rows(db, "SELECT * FROM captures WHERE url = ? ORDER BY id", (post,))
    assert [(c["status"], c["record_type"]) for c in captures] == [
        (200, "response"),
        (200, "response"),
        (304, "revisit"),
    ]
    first, refused, revisit = captures
    assert revisit["refers_to"] == first["id"] != refused["id"]
    record = read_record(tmp_path / revisit["warc_file"], revisit["offset"], revisit["length"])
    assert record.warc_headers["WARC-Refers-To"] == first["record_id"]
    assert record.warc_headers["WARC-Refers-To-Date"] == first["fetched_at"]
