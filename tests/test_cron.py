"""Cron-safe runs: the run lock, quiet output and the rotating log, `crontab`, `stats`,
graceful SIGTERM, and a crawl under cron's bare environment from another directory."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import re
import shlex
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BLOGARCHIVE, LOOPBACK, PROJECT_ROOT, run_blogarchive
from pipeline.cli import cli
from pipeline.demo.content import synthetic_posts
from pipeline.demo.server import start_demo_blogs
from pipeline.runlock import EXIT_LOCKED, LockHeld, RunLock, lock_path

BARE_PATH = "PATH=/usr/bin:/bin"
# For tests about which sources a run takes and what `stats` prints, not about extraction:
# extract in the crawler's process instead of starting the worker processes each crawl.
IN_PROCESS = [*LOOPBACK, "-s", "BLOGARCHIVE_EXTRACT_WORKERS=0"]
SUMMARY = re.compile(r"^http://127\.0\.0\.1:\d+/: ok, (\d+) posts found, (\d+) new, .* 0 failed$")


def rows(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def popen_crawl(url: str, db: Path, *extra: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [BLOGARCHIVE, "crawl", url, "--db", str(db), *extra],
        cwd=kwargs.pop("cwd", PROJECT_ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


# -- the run lock


def test_two_crawls_started_together_one_exits_on_the_lock(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    slow = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.2"]
    first = popen_crawl(demo_blogs.blogger.url, db, *slow)
    second = popen_crawl(demo_blogs.blogger.url, db, *slow)
    results = []
    for process in (first, second):
        out, err = process.communicate(timeout=300)
        results.append((process.pid, process.returncode, out, err))
    codes = sorted(code for _, code, _, _ in results)
    assert codes == [0, EXIT_LOCKED], results
    (winner,) = [r for r in results if r[1] == 0]
    (loser,) = [r for r in results if r[1] == EXIT_LOCKED]
    assert loser[2] == ""  # nothing on stdout: it did not crawl
    assert f"another crawl of {db} is running (pid {winner[0]}" in loser[3]
    assert f"exits with status {EXIT_LOCKED}" in loser[3]
    assert SUMMARY.match(winner[2].strip())
    runs = rows(db, "select status from crawls")
    assert runs == [{"status": "ok"}]  # one run, not two
    assert lock_path(db) == tmp_path / "archive.db.lock"


def test_a_held_lock_names_its_holder(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with RunLock(db):
        result = run_blogarchive("crawl", demo_blogs.blogger.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == EXIT_LOCKED
    assert f"(pid {os.getpid()}, started " in result.stderr
    assert not db.exists()  # the locked-out run did not even open the archive


def test_a_stale_lock_of_a_killed_process_does_not_block(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, signal, sys; from pipeline.runlock import RunLock; "
            "RunLock(sys.argv[1]).acquire(); os.kill(os.getpid(), signal.SIGKILL)",
            str(db),
        ],
        cwd=PROJECT_ROOT,
    )
    assert holder.wait(timeout=60) == -signal.SIGKILL
    # the dead holder's record is still in the lock file
    assert f"pid={holder.pid}\n" in lock_path(db).read_text()
    result = run_blogarchive("crawl", demo_blogs.blogger.url, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr
    assert SUMMARY.match(result.stdout.strip())
    assert rows(db, "select count(*) as n from posts")[0]["n"] > 0


# -- cron's environment, quiet output, the log file


def test_crawl_under_cron_environment_from_another_directory(demo_blogs, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db = tmp_path / "data" / "archive.db"
    result = subprocess.run(
        ["env", "-i", BARE_PATH, BLOGARCHIVE, "crawl", demo_blogs.blogger.url, "--db", str(db)]
        + LOOPBACK,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # quiet: nothing but errors on stderr
    (line,) = result.stdout.splitlines()  # exactly the summary line on stdout
    found, new = SUMMARY.match(line).groups()
    assert int(new) == int(found) == rows(db, "select count(*) as n from posts")[0]["n"] > 0
    assert list(elsewhere.iterdir()) == []  # nothing written into the working directory
    log = (db.parent / "logs" / "blogarchive.log").read_text()
    assert line in log  # the summary, Scrapy's INFO log and the exit status are in the log file
    assert "Spider closed (finished)" in log
    assert "blogarchive crawl ended with exit status 0" in log


def test_default_database_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        ["env", "-i", BARE_PATH, BLOGARCHIVE, "crontab"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"--db {PROJECT_ROOT / 'archive' / 'archive.db'} " in result.stdout


def test_the_log_file_rotates(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    small = ["-s", "BLOGARCHIVE_LOG_MAX_BYTES=2000", "-s", "BLOGARCHIVE_LOG_BACKUPS=2"]
    result = run_blogarchive("crawl", demo_blogs.blogger.url, "--db", str(db), *LOOPBACK, *small)
    assert result.returncode == 0, result.stderr
    logs = db.parent / "logs"
    assert sorted(p.name for p in logs.iterdir()) == [
        "blogarchive.log",
        "blogarchive.log.1",
        "blogarchive.log.2",
    ]
    assert "crawl ended with exit status 0" in (logs / "blogarchive.log").read_text()
    assert "crawl started" not in (logs / "blogarchive.log").read_text()  # rotated away


def test_a_log_file_kept_without_backups_stays_within_its_size(tmp_path: Path) -> None:
    # Before, -s BLOGARCHIVE_LOG_BACKUPS=0 let the file grow without bound (Python's
    # RotatingFileHandler rotates nothing when it keeps no older file)
    from pipeline.logs import setup_logging

    log_file = tmp_path / "logs" / "blogarchive.log"
    with setup_logging(log_file, max_bytes=2000, backups=0, stderr_level=None):
        for number in range(200):
            logging.getLogger("blogarchive").info("line %d of a long run", number)
    assert 0 < log_file.stat().st_size <= 2000
    assert log_file.read_text().endswith("line 199 of a long run\n")
    assert [p.name for p in log_file.parent.iterdir()] == ["blogarchive.log"]


def test_a_terminal_gets_a_progress_line_per_source(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    urls = [demo_blogs.blogger.url, demo_blogs.wordpress.url]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))  # 200 columns
    process = subprocess.Popen(
        [BLOGARCHIVE, "crawl", *urls, "--db", str(db), *LOOPBACK],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=PROJECT_ROOT,
    )
    os.close(slave)
    terminal: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                return
            if not data:
                return
            terminal.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=300)
    reader.join(timeout=30)
    os.close(master)
    assert process.returncode == 0
    screen = b"".join(terminal).decode()
    for url in urls:
        posts = rows(
            db,
            "select count(*) as n from posts join sources on sources.id = posts.source_id "
            "where sources.url = ?",
            (url,),
        )[0]["n"]
        assert posts > 0
        # the last drawing of each source's line shows all its posts archived
        last = [line for line in screen.splitlines() if url in line][-1]
        assert re.search(rf"\[#+\]  found \d+, fetched \d+, archived {posts}\b", last), last
    assert [SUMMARY.match(line) is not None for line in stdout.decode().splitlines()] == [
        True,
        True,
    ]


# -- crontab


def crontab_line(output: str) -> tuple[str, str]:
    lines = [line for line in output.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1, output
    fields = lines[0].split(" ", 5)
    return " ".join(fields[:5]), fields[5]


@pytest.mark.parametrize(
    "every, pattern",
    [
        ("15m", r"\*/15 \* \* \* \*"),
        ("1m", r"\* \* \* \* \*"),
        ("1h", r"\d+ \* \* \* \*"),
        ("6h", r"\d+ \*/6 \* \* \*"),
        ("120m", r"\d+ \*/2 \* \* \*"),
        ("1d", r"\d+ 3 \* \* \*"),
        ("48h", r"\d+ 3 \*/2 \* \*"),
        ("7d", r"\d+ 3 \* \* 0"),
    ],
)
def test_crontab_schedules(every: str, pattern: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crontab", "--every", every, "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 0, result.output
    schedule, _ = crontab_line(result.output)
    assert re.fullmatch(pattern, schedule), schedule
    minute = schedule.split()[0]
    assert minute == "*" or minute.startswith("*/") or 0 <= int(minute) < 60


@pytest.mark.parametrize("every", ["5h", "45m", "90m", "10d", "0h", "6", "6 hours", "h"])
def test_crontab_rejects_intervals_cron_cannot_keep(every: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["crontab", "--every", every, "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 2
    assert "Invalid value for '--every'" in result.output


def test_the_printed_crontab_line_runs_under_cron(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "cron data" / "archive.db"  # a space, quoted in the line
    added = run_blogarchive("add", demo_blogs.wordpress.url, "--db", str(db))
    assert added.returncode == 0, added.stderr
    printed = subprocess.run(
        ["env", "-i", BARE_PATH, BLOGARCHIVE, "crontab", "--every", "30m", "--db", "archive.db"],
        cwd=db.parent,  # a relative --db is made absolute
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    schedule, command = crontab_line(printed.stdout)
    assert schedule == "*/30 * * * *"
    words = shlex.split(command)
    executable, db_given, log = Path(words[0]), Path(words[3]), Path(words[5])
    assert words[1:3] == ["crawl", "--db"] and words[4] == ">>" and words[6:] == ["2>&1"]
    assert executable.is_absolute() and os.access(executable, os.X_OK)
    assert db_given == db and log == db.parent / "logs" / "cron.log"
    assert log.parent.is_dir()  # the redirect target's folder exists before cron runs
    # Run the command part as cron would: sh -c, bare environment, another directory,
    # with the overrides a loopback blog allows (cron passes no -s).
    run = subprocess.run(
        [
            "env",
            "-i",
            BARE_PATH,
            "sh",
            "-c",
            command.replace(" >>", " " + " ".join(LOOPBACK) + " >>"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, log.read_text()
    assert run.stdout == run.stderr == ""  # everything went to the log
    (line,) = log.read_text().splitlines()
    assert line.startswith(demo_blogs.wordpress.url) and SUMMARY.match(line)
    assert rows(db, "select count(*) as n from posts")[0]["n"] > 0


# -- stats


def test_stats_prints_the_run_history(demo_blogs, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    for _ in range(2):
        result = run_blogarchive("crawl", demo_blogs.blogger.url, "--db", str(db), *IN_PROCESS)
        assert result.returncode == 0, result.stderr
    posts = rows(db, "select count(*) as n from posts")[0]["n"]
    table = run_blogarchive("stats", "--db", str(db))
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split() == [
        "source",
        "started",
        "finished",
        "status",
        "requests",
        "bytes",
        "found",
        "new",
        "changed",
        "unchanged",
        "not_modified",
        "gone",
        "failed",
    ]
    assert len(lines) == 2
    newest, oldest = (line.split() for line in lines)
    assert oldest[0] == newest[0] == demo_blogs.blogger.url
    assert oldest[5] == newest[5] == "ok"
    assert oldest[-7:] == [str(posts), str(posts), "0", "0", "0", "0", "0"]  # found ... failed
    assert newest[-6] == "0" and newest[-1] == "0"  # nothing new the second time
    # as the crawl's summary line says: each post found was new, changed, unchanged, not
    # modified, gone or failed
    assert int(newest[-7]) == sum(int(n) for n in newest[-6:]) == posts
    as_json = json.loads(run_blogarchive("stats", "--db", str(db), "--json", "--limit", "1").stdout)
    assert len(as_json) == 1
    assert as_json[0]["source_url"] == demo_blogs.blogger.url
    assert as_json[0]["new"] == 0 and as_json[0]["status"] == "ok"
    assert {"not_modified", "gone", "requests", "bytes"} <= set(as_json[0])


def test_stats_of_a_missing_archive(tmp_path: Path) -> None:
    result = run_blogarchive("stats", "--db", str(tmp_path / "none.db"))
    assert result.returncode == 1
    assert "no archive at" in result.stderr
    assert not (tmp_path / "none.db").exists()


# -- SIGTERM


def wait_for_posts(process: subprocess.Popen[str], db: Path, count: int) -> None:
    """Wait until the running crawl has stored `count` posts; fail if it ended first."""
    stored = 0
    while process.poll() is None and stored < count:
        time.sleep(0.1)
        if db.exists():
            try:
                stored = rows(db, "select count(*) as n from posts")[0]["n"]
            except sqlite3.OperationalError:  # the schema is being created
                pass
    assert process.poll() is None, "the crawl ended before it could be interrupted"


# Posts of the blog a SIGTERM test interrupts: enough that the crawl is still running when the
# signal comes (a few dozen posts are stored by then), and the next run stores all of them.
INTERRUPTED_BLOG_POSTS = 200


def test_sigterm_stops_gracefully_and_the_next_run_completes(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    posts = synthetic_posts(INTERRUPTED_BLOG_POSTS)
    with start_demo_blogs(blogger_posts=posts) as blogs:
        server = blogs.blogger
        titles = {server.post_url(post): post.title for post in posts}
        slow = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.05"]
        process = popen_crawl(server.url, db, *slow)
        wait_for_posts(process, db, 20)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
        runs = rows(db, "select status from crawls")
        assert process.returncode != 0 or runs[-1]["status"] == "interrupted", (stdout, stderr)
        assert runs[-1]["status"] != "ok"  # never reported as a complete crawl
        assert rows(db, "pragma integrity_check") == [{"integrity_check": "ok"}]
        kept = rows(db, "select url, title, word_count from posts")
        assert 20 <= len(kept) < INTERRUPTED_BLOG_POSTS
        for post in kept:  # what was fetched is stored, whole
            assert post["title"] == titles[post["url"]]
            assert post["word_count"] > 100

        again = run_blogarchive("crawl", server.url, "--db", str(db), *LOOPBACK)
        assert again.returncode == 0, again.stderr
        assert rows(db, "select count(*) as n from posts")[0]["n"] == INTERRUPTED_BLOG_POSTS
        assert rows(db, "select status from crawls order by id desc limit 1")[0]["status"] == "ok"


def test_a_run_that_finds_the_lock_just_taken_names_its_holder(tmp_path: Path) -> None:
    # the holder has flock'ed the file but not yet written its pid: the second run waits a
    # moment for it instead of reporting "another process"
    db = tmp_path / "archive.db"
    path = lock_path(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

        def write_pid_late() -> None:
            time.sleep(0.2)
            os.pwrite(fd, b"pid=4242\nstarted=2026-11-28T10:00:00+00:00\n", 0)

        writer = threading.Thread(target=write_pid_late)
        writer.start()
        with pytest.raises(LockHeld) as held:
            RunLock(db).acquire()
        writer.join()
        assert f"another crawl of {db} is running (pid 4242, started" in str(held.value)
    finally:
        os.close(fd)


def slow_down_posts(server, seconds: float) -> None:
    """From now on the blog answers each post page after `seconds` (listings at once)."""
    handle = server.site.handle

    def slow(method: str, path: str, headers=None):
        if path.endswith(".html"):
            time.sleep(seconds)
        return handle(method, path, headers)

    server.site.handle = slow


def test_a_second_sigterm_stops_at_once_and_the_run_says_so(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with start_demo_blogs(blogger_posts=synthetic_posts(INTERRUPTED_BLOG_POSTS)) as blogs:
        server = blogs.blogger
        process = popen_crawl(server.url, db, *LOOPBACK, "-s", "BLOGARCHIVE_BATCH_SIZE=5")
        wait_for_posts(process, db, 20)
        # requests in flight now take 5 s: the graceful stop waits for them, the second
        # signal does not
        slow_down_posts(server, 5)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 130, (stdout, stderr)
        (line,) = stdout.splitlines()
        assert ": interrupted, " in line and "(stopped at once;" in line, line
        (run,) = rows(db, "select status, new, found from crawls")
        kept = rows(db, "select count(*) as n from posts")[0]["n"]
        # the run's row says what it archived before it was stopped, as the posts table does
        assert run == {"status": "interrupted", "new": kept, "found": kept}
        assert rows(db, "select count(*) as n from failures") == [{"n": 0}]
        log = (db.parent / "logs" / "blogarchive.log").read_text()
        assert "Received SIGTERM again, stopping at once" in log
        assert "blogarchive crawl ended with exit status 130" in log

        server.site.handle = type(server.site).handle.__get__(server.site)
        again = run_blogarchive("crawl", server.url, "--db", str(db), *LOOPBACK)
        assert again.returncode == 0, again.stderr
        assert rows(db, "select count(distinct url) as n, count(*) as m from posts") == [
            {"n": INTERRUPTED_BLOG_POSTS, "m": INTERRUPTED_BLOG_POSTS}
        ]
        runs = rows(db, "select status, new from crawls order by id")
        assert [r["status"] for r in runs] == ["interrupted", "ok"]
        assert sum(r["new"] for r in runs) == INTERRUPTED_BLOG_POSTS


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_the_crawl_starts_exits_130_and_blames_no_blog(
    demo_blogs, tmp_path: Path, signum: int
) -> None:
    db = tmp_path / "archive.db"
    log = db.parent / "logs" / "blogarchive.log"
    process = popen_crawl(demo_blogs.blogger.url, db, *LOOPBACK)
    deadline = time.monotonic() + 60
    # the command has opened the archive and is handing over to Scrapy
    while "crawling 1 source(s)" not in (log.read_text() if log.exists() else ""):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.005)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    # stopped before it could find anything: not recorded as a failed blog
    assert rows(db, "select count(*) as n from failures") == [{"n": 0}]
    assert all(r["status"] == "interrupted" for r in rows(db, "select status from crawls"))
    assert "blogarchive crawl ended with exit status 130" in log.read_text()


# -- pausing a source


def test_a_paused_source_is_skipped_by_the_cron_crawl_until_resumed(
    fresh_demo_blogs, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    blogger, wordpress = fresh_demo_blogs.blogger, fresh_demo_blogs.wordpress
    for blog in (blogger, wordpress):
        assert run_blogarchive("add", blog.url, "--db", str(db)).returncode == 0
    paused = run_blogarchive("pause", wordpress.url, "--reason", "domain lapsed", "--db", str(db))
    assert paused.returncode == 0 and paused.stdout.startswith(f"paused: {wordpress.url} (since ")
    listed = run_blogarchive("sources", "--db", str(db)).stdout.splitlines()
    assert "paused since" in listed[1] and "paused" not in listed[0]
    before = wordpress.requests

    first = run_blogarchive("crawl", "--db", str(db), *IN_PROCESS)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert SUMMARY.match(next(line for line in lines if line.startswith(blogger.url)))
    assert re.fullmatch(
        re.escape(wordpress.url) + r": paused since \S+ \(domain lapsed\), not crawled",
        next(line for line in lines if line.startswith(wordpress.url)),
    )
    assert wordpress.requests == before  # not a single request
    counts = rows(
        db,
        "SELECT sources.url, count(posts.id) AS posts, "
        "(SELECT count(*) FROM crawls WHERE source_id = sources.id) AS crawls "
        "FROM sources LEFT JOIN posts ON posts.source_id = sources.id GROUP BY sources.id",
    )
    assert {(r["url"], r["crawls"]) for r in counts} == {(blogger.url, 1), (wordpress.url, 0)}

    # given by its URL, a paused source is crawled (and stays paused)
    named = run_blogarchive("crawl", wordpress.url, "--db", str(db), *IN_PROCESS)
    assert SUMMARY.match(named.stdout.strip()), named.stdout
    assert "paused since" in run_blogarchive("sources", "--db", str(db)).stdout

    assert run_blogarchive("resume", wordpress.url, "--db", str(db)).stdout == (
        f"resumed: {wordpress.url}\n"
    )
    again = run_blogarchive("crawl", "--db", str(db), *IN_PROCESS)
    assert again.returncode == 0 and "paused" not in again.stdout
    assert len(again.stdout.splitlines()) == 2

    # every source paused: nothing to do, nothing failed
    for blog in (blogger, wordpress):
        run_blogarchive("pause", blog.url, "--db", str(db))
    idle = run_blogarchive("crawl", "--db", str(db), *IN_PROCESS)
    assert idle.returncode == 0, idle.stderr
    assert [line.split(": paused since")[0] for line in idle.stdout.splitlines()] == [
        blogger.url,
        wordpress.url,
    ]
    missing = run_blogarchive("pause", "https://nowhere.example/", "--db", str(db))
    assert missing.returncode == 1
    assert "no source https://nowhere.example/" in missing.stderr
