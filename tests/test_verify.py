"""`blogarchive verify`, and the database under stress: a full disk (SQLite's
max_page_count, `BLOGARCHIVE_DB_MAX_PAGES`) and another process holding the write lock."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_server import PARAGRAPHS, RawServer, html, page, post
from test_searchtext import old_archive

from conftest import BLOGARCHIVE, LOOPBACK, PROJECT_ROOT, rows, run_blogarchive, warcio
from pipeline.store import MIGRATIONS, Archive, _reindex_row


def slow(handler, seconds: float):
    def handle(conn, seen) -> None:
        time.sleep(seconds)
        handler(conn, seen)

    return handle


def blog(n: int, *, words: int = 1, delay: float = 0.0) -> RawServer:
    """A blog of `n` posts linked from its home page; each post `words` times the usual text,
    answered after `delay` seconds."""
    paths = [f"/2022/{1 + i % 12:02d}/post-{i}.html" for i in range(n)]
    routes = {
        "/": html(
            text=page("Many posts", "".join(f"<h2><a href='{p}'>{p}</a></h2>" for p in paths))
        )
    }
    for i, path in enumerate(paths):
        paragraphs = [f"Post number {i} of the series. " + p for p in PARAGRAPHS] * words
        routes[path] = slow(html(text=post(f"Post {i}", paragraphs=paragraphs)), delay)
    return RawServer(routes=routes)


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small blog crawled once (with its WARC captures); tests copy the folder."""
    server = blog(6)
    folder = tmp_path_factory.mktemp("verify") / "archive"
    try:
        result = crawl(folder / "archive.db", server.url)
        assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    finally:
        server.stop()
    return folder


@pytest.fixture
def archive_copy(crawled_once: Path, tmp_path: Path) -> Path:
    shutil.copytree(crawled_once, tmp_path / "copy")
    return tmp_path / "copy" / "archive.db"


def tamper(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def crawl(db: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_blogarchive("crawl", url, "--db", str(db), *LOOPBACK, *extra)


def test_a_sound_archive_verifies(archive_copy: Path) -> None:
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{archive_copy}: sound"
    assert "ok  schema: as its migrations made it" in lines
    for check in ("integrity_check", "posts_fts integrity-check", "comments_fts", "posts text"):
        assert any(line.startswith("ok") and check in line for line in lines), check
    assert any("capture digests" in line and "re-read" in line for line in lines)


def test_a_corrupted_fts_index_is_not_sound(archive_copy: Path) -> None:
    tamper(
        archive_copy,
        "DROP TRIGGER posts_au",  # an update the index never hears of
        "UPDATE posts SET text = 'something else entirely' WHERE id = 1",
    )
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert result.returncode == 1
    assert any(
        line.startswith("FAILED") and "posts_fts" in line for line in result.stdout.splitlines()
    )
    assert result.stdout.splitlines()[-1] == f"{archive_copy}: NOT sound"


def test_a_post_without_text_is_not_sound(archive_copy: Path) -> None:
    tamper(archive_copy, "UPDATE posts SET text = '' WHERE id = 2")
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert result.returncode == 1
    assert "FAILED  posts text: 1 row(s) without text" in result.stdout


def test_tags_edited_into_something_other_than_a_list_of_labels_are_not_sound(
    archive_copy: Path,
) -> None:
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert "ok  posts tags: every post's tags are a JSON array of labels" in result.stdout
    tamper(
        archive_copy,
        "UPDATE posts SET tags = 'gardening, seeds' WHERE id = 1",
        """UPDATE posts SET tags = '["seeds", 3]' WHERE id = 2""",
    )
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert result.returncode == 1
    assert "FAILED  posts tags: 2 post(s) whose tags are not a JSON array of labels" in (
        result.stdout
    )
    assert "tags 'gardening, seeds'" in result.stdout


def test_a_tampered_capture_is_not_sound(archive_copy: Path) -> None:
    tamper(archive_copy, "UPDATE captures SET digest = 'sha1:AAAA' WHERE id = 1")
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert result.returncode == 1
    assert "FAILED  capture digests" in result.stdout and "recorded sha1:AAAA" in result.stdout


def test_an_archive_left_half_migrated_is_not_sound(archive_copy: Path) -> None:
    # what a run killed in the middle of creating or upgrading an archive left before
    # migrations were applied in one transaction: the schema of migrations not recorded
    tamper(archive_copy, "DELETE FROM _migrations WHERE name <> '001_core_tables'")
    add = run_blogarchive("add", "https://quietrails.example/", "--db", str(archive_copy))
    assert add.returncode == 1 and "duplicate column name" in add.stderr  # every command fails
    result = run_blogarchive("verify", "--db", str(archive_copy))
    assert result.returncode == 1, result.stdout
    assert "FAILED  schema: " in result.stdout
    assert (
        "    002_incremental is not recorded but its post_aliases exists: it was left half done"
        in result.stdout.splitlines()
    )


def test_verify_of_no_archive_is_an_error(tmp_path: Path) -> None:
    result = run_blogarchive("verify", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 1 and "no archive at" in result.stderr


def test_a_full_disk_stops_the_crawl_and_the_next_run_continues(archive_path: Path) -> None:
    server = blog(40, words=6)
    try:
        run_blogarchive("add", server.url, "--db", str(archive_path))
        pages = sqlite3.connect(archive_path).execute("PRAGMA page_count").fetchone()[0]
        full = crawl(
            archive_path,
            server.url,
            "-s",
            f"BLOGARCHIVE_DB_MAX_PAGES={pages + 40}",
            "-s",
            "BLOGARCHIVE_BATCH_SIZE=2",
            "-s",
            "BLOGARCHIVE_WARC_ENABLED=False",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        )
        assert full.returncode == 1, full.stdout + full.stderr[-2000:]
        assert "full" in (full.stdout + full.stderr), full.stdout + full.stderr[-2000:]
        kept = rows(archive_path, "SELECT url, text FROM posts")
        assert 0 < len(kept) < 40  # what was committed before is there...
        assert rows(archive_path, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        assert run_blogarchive("verify", "--db", str(archive_path)).returncode == 0  # ...intact
        again = crawl(archive_path, server.url)
        assert again.returncode == 0, again.stdout + again.stderr[-2000:]
        after = {r["url"]: r["text"] for r in rows(archive_path, "SELECT url, text FROM posts")}
        assert len(after) == 40
        assert all(after[r["url"]] == r["text"] for r in kept)
    finally:
        server.stop()


def test_a_write_lock_held_elsewhere_is_waited_for(archive_path: Path) -> None:
    server = blog(6, delay=0.5)
    try:
        process = subprocess.Popen(
            [
                BLOGARCHIVE,
                "crawl",
                server.url,
                "--db",
                str(archive_path),
                *LOOPBACK,
                "-s",
                "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                "-s",
                "BLOGARCHIVE_BATCH_SIZE=1",
                "-s",
                "BLOGARCHIVE_WARC_ENABLED=False",
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the crawl has started (its crawls row exists)
            try:
                if rows(archive_path, "SELECT count(*) AS n FROM crawls")[0]["n"] > 0:
                    break
            except sqlite3.Error:
                pass
            time.sleep(0.05)
        holder = sqlite3.connect(archive_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer, for 4 s
        time.sleep(4)
        written_meanwhile = rows(archive_path, "SELECT count(*) AS n FROM posts")[0]["n"]
        released = time.monotonic()
        holder.execute("COMMIT")
        holder.close()
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err[-2000:]
        assert written_meanwhile == 0
        # the home page was fetched before the lock was released: its source item (title,
        # platform) had to wait for the lock, and was written after it
        assert any(seen.path == "/" and seen.at < released for seen in server.log)
        assert rows(archive_path, "SELECT title FROM sources") == [{"title": "Many posts"}]
        assert len(rows(archive_path, "SELECT id FROM posts")) == 6  # every item kept
        assert rows(archive_path, "SELECT * FROM failures") == []
        assert ": ok, 6 posts found, 6 new" in out
    finally:
        server.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MB file system (tmpfs) that fills up: as root, where mounting is allowed."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the file system of `disk` but `leave` bytes; the filler file, to delete later."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


def test_a_real_full_disk_keeps_what_was_archived_and_the_next_run_completes(
    small_disk: Path,
) -> None:
    db = small_disk / "archive.db"
    first, second = blog(6), blog(16, words=10)
    try:
        assert crawl(db, first.url).returncode == 0
        kept = rows(db, "SELECT url, text FROM posts")
        warcs = {path: path.read_bytes() for path in (small_disk / "warc").iterdir()}
        filler = fill(small_disk, leave=100_000)

        full = crawl(db, second.url, "-s", "BLOGARCHIVE_BATCH_SIZE=5")

        output = full.stdout + full.stderr
        assert full.returncode == 1, output[-3000:]
        assert "Traceback" not in output and "Logging error" not in output, output[-3000:]
        errors = full.stderr.splitlines()
        assert 1 <= len(errors) <= 5 and all(e.startswith("blogarchive: ") for e in errors), errors
        (line,) = full.stdout.splitlines()
        assert line.startswith(f"{second.url}: failed, ") and "cannot write" in line, line
        stored = rows(db, "SELECT count(*) AS n FROM posts WHERE url LIKE ?", (second.url + "%",))
        assert f" {stored[0]['n']} new, " in line  # what the archive holds, not what was fetched
        assert rows(db, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        assert rows(db, "SELECT url, text FROM posts WHERE url LIKE ?", (first.url + "%",)) == kept
        assert all(path.read_bytes() == data for path, data in warcs.items())  # untouched
        assert warcio("check", *map(str, (small_disk / "warc").iterdir())).returncode == 0

        filler.unlink()
        again = crawl(db, second.url)
        assert again.returncode == 0, again.stdout + again.stderr[-3000:]
        assert rows(db, "SELECT count(*) AS n FROM posts")[0]["n"] == 6 + 16
        verified = run_blogarchive("verify", "--db", str(db))
        assert verified.returncode == 0, verified.stdout
    finally:
        first.stop()
        second.stop()


def test_a_full_temporary_folder_is_named_and_masks_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    # SQLite keeps temporary files in $TMPDIR. Before, a batch it could not write there
    # was reported as "cannot rollback - no transaction is active" (SQLite had rolled it
    # back itself), which named neither the full disk nor where it was.
    db = tmp_path / "archive.db"
    server = blog(6)
    try:
        assert run_blogarchive("add", server.url, "--db", str(db)).returncode == 0
        fill(small_disk, leave=30_000)
        result = run_blogarchive(
            "crawl",
            server.url,
            "--db",
            str(db),
            *LOOPBACK,
            env={**os.environ, "TMPDIR": str(small_disk)},
        )
    finally:
        server.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "rollback" not in result.stdout + result.stderr
    assert result.stdout.startswith(f"{server.url}: failed, 0 posts found, ")
    assert result.stdout.endswith(
        f"(cannot write to the archive: database or disk is full (the archive's disk, or "
        f"{small_disk} where SQLite keeps temporary files))\n"
    )


def test_an_archive_on_a_disk_with_no_space_left_is_one_line(small_disk: Path) -> None:
    # Before: "Error: cannot open archive ...: disk I/O error" (SQLite could not make its -shm
    # file), which did not say the disk was full.
    db = small_disk / "archive.db"
    assert run_blogarchive("add", "https://quietrails.example/", "--db", str(db)).returncode == 0
    filler = fill(small_disk, leave=0)
    full = run_blogarchive("crawl", "--db", str(db))
    assert (full.returncode, full.stdout) == (1, "")
    assert full.stderr == (
        f"Error: cannot open archive {db}: disk I/O error (no space left on the disk of {db})\n"
    )
    filler.unlink()
    assert run_blogarchive("sources", "--db", str(db)).stdout.startswith(
        "https://quietrails.example/\t"
    )


def test_an_upgrade_on_a_full_disk_is_named_leaves_the_archive_and_completes_later(
    small_disk: Path,
) -> None:
    # The first command after an upgrade migrates the archive (migration 015 builds both
    # full-text indexes again, in the archive's WAL file). Before, on a disk without room for
    # it the user read "cannot open archive PATH: cannot rollback - no transaction is active"
    # (SQLite had rolled the migrations back itself), which named neither the full disk nor
    # what to do.
    db = small_disk / "archive.db"
    # words of their own in every post: an index larger than SQLite's page cache, which it
    # spills into the WAL file before the migrations commit
    old_archive(
        db,
        [
            {
                "url": f"https://old.example/2023/01/post-{n}.html",
                "title": f"Post {n} Αθήνα",
                "author": "Ann",
                "text": " ".join(f"tide{n}x{word}" for word in range(300)),
            }
            for n in range(500)
        ],
        before="014",
    )
    kept = "SELECT * FROM posts ORDER BY id"
    applied = "SELECT name FROM _migrations ORDER BY name"
    posts, migrations = rows(db, kept), rows(db, applied)
    filler = fill(small_disk, leave=40_000)

    result = run_blogarchive("sources", "--db", str(db))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "rollback" not in output
    assert f"Error: cannot open archive {db}: database or disk is full" in result.stderr, output
    assert rows(db, kept) == posts and rows(db, applied) == migrations  # as it was

    filler.unlink()  # room again: the next command applies the migrations
    assert run_blogarchive("sources", "--db", str(db)).returncode == 0
    assert {"014_fts_folded_letters", "015_fts_words_keep_their_marks"} <= {
        row["name"] for row in rows(db, applied)
    }
    # every value as it was; migration 019 adds published_utc (none: these posts have no date)
    assert rows(db, kept) == [{**post, "published_utc": None} for post in posts]
    checked = run_blogarchive("verify", "--db", str(db))
    assert checked.stdout.endswith(f"{db}: sound\n"), checked.stdout


def test_posts_an_older_blogarchive_indexed_after_the_upgrade_are_not_sound(
    tmp_path: Path,
) -> None:
    # A cron crawl of the older version still running while the upgraded blogarchive migrated
    # the archive (`git pull` mid-crawl; the first command after it migrates) goes on saving
    # posts the older way: their Greek was indexed as written and their Japanese as one token
    # a sentence, so `αθηνα` and `東京` never found them, and no migration was left to fix it.
    # verify said "sound"; now it names them, and `verify --reindex` indexes them again.
    db = tmp_path / "archive.db"
    greek = {"url": "https://old.example/2024/05/athens.html", "title": "Ταξίδι",
             "author": "Ann", "text": "Ένα ταξίδι στην Αθήνα με πολλά μουσεία."}  # fmt: skip
    japanese = {"url": "https://old.example/2024/05/tokyo.html", "title": "Diary",
                "author": "Ann", "text": "私は東京に住んでいます。"}  # fmt: skip
    with Archive(db) as archive:
        for post in (greek, japanese):
            archive.save_post(post)
        for (row_id,) in archive.conn.execute("SELECT id FROM posts").fetchall():
            # what an older blogarchive's save left in the index: the values as written
            _reindex_row(archive.conn, "posts", row_id, [None] * 4)
        assert archive.search("αθηνα") == [] and archive.search("東京") == []

    result = run_blogarchive("verify", "--db", str(db))
    assert result.returncode == 1, result.stdout
    assert "FAILED  posts_fts spelling: 2 row(s) indexed otherwise than this version" in (
        result.stdout
    )
    assert greek["url"] in result.stdout and japanese["url"] in result.stdout
    assert result.stdout.endswith(f"{db}: NOT sound\n")

    posts = rows(db, "SELECT * FROM posts ORDER BY id")
    repaired = run_blogarchive("verify", "--reindex", "--db", str(db))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert repaired.stdout.startswith("reindexed 2 row(s) as this version indexes them\n")
    assert "ok  posts_fts spelling: every row indexed as this version indexes it" in (
        repaired.stdout
    )
    assert repaired.stdout.endswith(f"{db}: sound\n")
    assert rows(db, "SELECT * FROM posts ORDER BY id") == posts  # only the index changed
    with Archive(db, readonly=True) as archive:
        assert [hit["url"] for hit in archive.search("αθηνα")] == [greek["url"]]
        assert [hit["url"] for hit in archive.search("東京")] == [japanese["url"]]


def test_word_counts_an_older_blogarchive_wrote_after_the_upgrade_are_not_sound(
    tmp_path: Path,
) -> None:
    # An older blogarchive still crawling while the upgraded one migrated the archive (016
    # counted every post's words again) goes on counting words cut at their marks: हिन्दी
    # three words. verify said "sound"; now it names those posts, and `verify --reindex`
    # counts them again.
    db = tmp_path / "archive.db"
    hindi = {"url": "https://old.example/2024/05/hindi.html", "title": "भाषा",
             "text": "मुझे हिन्दी भाषा बहुत पसंद है।"}  # fmt: skip
    english = {"url": "https://old.example/2024/05/english.html", "title": "Trains",
               "text": "Don\u2019t miss the last train."}  # fmt: skip
    with Archive(db) as archive:
        for record in (hindi, english):
            archive.save_post(record)
        with archive.transaction():  # as the older version counted it
            archive.conn.execute("UPDATE posts SET word_count = 12 WHERE url = ?", [hindi["url"]])
    result = run_blogarchive("verify", "--db", str(db))
    assert result.returncode == 1, result.stdout
    assert (
        "FAILED  posts word counts: 1 post(s) whose word_count is not what this version counts"
        in result.stdout
    )
    assert f"{hindi['url']} (12 words stored, 6 counted)" in result.stdout
    assert english["url"] not in result.stdout

    posts = rows(db, "SELECT * FROM posts ORDER BY id")
    repaired = run_blogarchive("verify", "--reindex", "--db", str(db))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "counted again the words of 1 post(s)\n" in repaired.stdout
    assert "ok  posts word counts: every post counted as this version counts" in repaired.stdout
    assert rows(db, "SELECT * FROM posts ORDER BY id") == [{**posts[0], "word_count": 6}, posts[1]]

    older = tmp_path / "older.db"
    old_archive(older, [], before="017")
    checked = run_blogarchive("verify", "--db", str(older))
    assert "ok  posts word counts: counted as written (migration 017 pending)" in checked.stdout


def test_an_archive_of_an_older_version_says_which_commands_upgrade_it(tmp_path: Path) -> None:
    # Before, verify said the pending migrations were "applied by the next crawl or add", as
    # if sources, export, serve or reextract did not apply them (they do; README, Commands).
    db = tmp_path / "old.db"
    old_archive(db, [], before="014")
    result = run_blogarchive("verify", "--db", str(db))
    pending = sum(name >= "014" for name, _ in MIGRATIONS)  # 014 and every later one
    assert (
        f"ok  schema: as its migrations made it ({pending} migration(s) pending, applied by "
        "the next command but search, stats and verify)\n"
    ) in result.stdout, result.stdout
    assert result.stdout.endswith(f"{db}: sound\n")
    assert run_blogarchive("sources", "--db", str(db)).returncode == 0
    assert "pending" not in run_blogarchive("verify", "--db", str(db)).stdout
