"""The command line through click's CliRunner: what cron jobs and scripts rely on."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BLOGARCHIVE, LOOPBACK, free_port, html_page, rows, run_blogarchive
from pipeline import __version__
from pipeline.cli import cli
from pipeline.crawl import check_overrides
from pipeline.demo.content import blogger_posts
from pipeline.demo.server import BloggerSite
from pipeline.store import Archive

runner = CliRunner()


def test_add_and_sources(archive_path: Path) -> None:
    result = runner.invoke(cli, ["add", "quietrails.example", "--db", str(archive_path)])
    assert result.exit_code == 0 and "added: https://quietrails.example/" in result.output
    again = runner.invoke(cli, ["add", "https://quietrails.example/", "--db", str(archive_path)])
    assert "already a source" in again.output
    listed = runner.invoke(cli, ["sources", "--db", str(archive_path), "--json"])
    assert [row["url"] for row in json.loads(listed.output)] == ["https://quietrails.example/"]
    table = runner.invoke(cli, ["sources", "--db", str(archive_path)])
    assert table.output.startswith("https://quietrails.example/\t?\t0 posts\tlast crawl never")


def test_bad_input_is_a_clear_error(archive_path: Path) -> None:
    bad_url = runner.invoke(cli, ["add", "ftp://files.example/", "--db", str(archive_path)])
    assert bad_url.exit_code == 1 and "Error: not an http(s) URL" in bad_url.output
    bad_setting = runner.invoke(
        cli, ["crawl", "https://a.example/", "-s", "NOEQUALS", "--db", str(archive_path)]
    )
    assert bad_setting.exit_code == 1
    # the README's "Error: bad -s NAME=VALUE: expected ...", like every other bad -s
    assert "Error: bad -s NOEQUALS: expected NAME=VALUE" in bad_setting.output
    nothing = runner.invoke(cli, ["crawl", "--db", str(archive_path)])
    assert nothing.exit_code == 1 and "no sources" in nothing.output
    not_sqlite = archive_path.with_name("text.db")
    not_sqlite.write_text("plain text, not a database " * 100)
    broken = runner.invoke(cli, ["sources", "--db", str(not_sqlite)])
    assert broken.exit_code == 1 and "cannot open archive" in broken.output
    no_host = runner.invoke(cli, ["add", "not a url", "--db", str(archive_path)])
    assert no_host.exit_code == 1 and "not a host name" in no_host.output
    bad_fetch = runner.invoke(cli, ["extract", "http://not a url/"])
    assert bad_fetch.exit_code == 1 and "error: http://not a url/" in bad_fetch.output
    assert bad_fetch.exception is None or isinstance(bad_fetch.exception, SystemExit)
    for command in (["serve", "--port", "99999"], ["demo", "--blogger-port", "-1"]):
        assert runner.invoke(cli, command).exit_code == 2, command
    for command in (
        ["search", "x", "--limit", "0"],
        ["stats", "--limit", "-1"],
        # a batch of 0 took nothing: `--once` said "0 items ingested" and left the queue
        ["ingest", "--redis", "redis://127.0.0.1:1/0", "--once", "--batch-size", "0"],
    ):
        result = runner.invoke(cli, [*command, "--db", str(archive_path)])
        assert result.exit_code == 2 and "is not in the range" in result.output, command


def test_bad_settings_are_refused_before_the_crawl(archive_path: Path) -> None:
    for pair, reason in [
        ("DOWNLOAD_DELAY=abc", "expected a number"),
        ("CONCURRENT_REQUESTS=many", "expected a number"),
        ("AUTOTHROTTLE_ENABLED=maybe", "expected True or False"),
        ("LOG_LEVEL=LOUD", "expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
        ("BLOGARCHIVE_EXTRACT_WORKERS=-3", "expected auto or a number of processes"),
        ("BLOGARCHIVE_BACTH_SIZE=10", "unknown setting -s BLOGARCHIVE_BACTH_SIZE"),
        # a whole-number setting given a fraction (was a traceback and "crawl did not run")
        ("BLOGARCHIVE_BATCH_SIZE=1.5", "expected a whole number"),
        ("CONCURRENT_REQUESTS=2.5", "expected a whole number"),
        # the Redis workers' settings (were not checked: a traceback and exit status 0)
        ("BLOGARCHIVE_REDIS_IDLE_SECONDS=abc", "expected a number"),
        ("BLOGARCHIVE_REDIS_RUN_TTL=2.5", "expected a whole number"),
        # were taken: nan batch seconds stopped the crawl at once with a traceback (exit
        # 130); a negative size made a WARC file per record
        ("BLOGARCHIVE_BATCH_SECONDS=nan", "expected a finite number"),
        ("DOWNLOAD_TIMEOUT=inf", "expected a finite number"),
        ("BLOGARCHIVE_WARC_MAX_SIZE=-5", "expected a number of 0 or more"),
        # a queue folder that is not there (was a traceback and "crawl did not run")
        (f"BLOGARCHIVE_QUEUE_DIR={archive_path.parent / 'nope'}", "cannot make the run's"),
    ]:
        result = runner.invoke(
            cli, ["crawl", "https://a.example/", "-s", pair, "--db", str(archive_path)]
        )
        assert result.exit_code == 1, (pair, result.output)
        assert f"Error: {'bad -s ' + pair if 'expected' in reason else ''}" in result.output
        assert reason in result.output and "Traceback" not in result.output
    assert not archive_path.exists()  # refused before anything was opened
    # a Scrapy setting naming a file that cannot be opened (was a traceback)
    unopenable = archive_path.parent / "nope" / "scrapy.log"
    result = run_blogarchive(
        "crawl", "https://a.example/", "-s", f"LOG_FILE={unopenable}", "--db", str(archive_path)
    )
    assert (result.returncode, result.stderr) == (
        1,
        f"Error: the crawl could not start: [Errno 2] No such file or directory: '{unopenable}'\n",
    )
    # seconds may be fractions, whatever the default looks like
    seconds = ["DOWNLOAD_TIMEOUT", "BLOGARCHIVE_EXTRACT_TIMEOUT", "BLOGARCHIVE_CLOCK_SKEW"]
    seconds += ["BLOGARCHIVE_RETRY_AFTER_MAX", "BLOGARCHIVE_REDIS_IDLE_SECONDS"]
    assert check_overrides({name: "2.5" for name in seconds}) == []


def test_crawl_errors_are_one_line_each_and_the_db_setting_is_the_db_option(
    demo_blogs, tmp_path: Path
) -> None:
    # a blog that refuses connections: the summary on stdout, one line per error on stderr
    # (Scrapy logs the whole Twisted chain; the log file keeps it)
    refused = f"http://127.0.0.1:{free_port()}/"
    result = run_blogarchive("crawl", refused, "--db", str(tmp_path / "a.db"), *LOOPBACK)
    assert result.returncode == 1 and result.stdout.startswith(f"{refused}: failed")
    errors = result.stderr.splitlines()
    assert errors and all(line.startswith("blogarchive: ERROR: ") for line in errors), errors
    assert "Traceback" in (tmp_path / "logs" / "blogarchive.log").read_text()
    # an error click prints is not logged to stderr as well
    empty = run_blogarchive("crawl", "--db", str(tmp_path / "empty.db"))
    assert empty.returncode == 1 and empty.stderr.count("no sources") == 1
    # -s BLOGARCHIVE_DB is --db: the crawl, its summary, lock and log are that archive's;
    # an unknown (non-blogarchive) setting is passed on with a warning
    elsewhere = tmp_path / "elsewhere" / "b.db"
    elsewhere.parent.mkdir()
    crawled = run_blogarchive(
        "crawl",
        demo_blogs.blogger.url,
        "-s",
        f"BLOGARCHIVE_DB={elsewhere}",
        "-s",
        "SOME_PLUGIN_SETTING=1",
        *LOOPBACK,
    )
    assert crawled.returncode == 0, crawled.stderr
    assert ": ok, 22 posts found, 22 new" in crawled.stdout
    assert "SOME_PLUGIN_SETTING is not a Scrapy or blogarchive setting" in crawled.stderr
    with Archive(elsewhere, readonly=True) as archive:
        assert archive.counts()["posts"] == 22
    assert (elsewhere.parent / "logs" / "blogarchive.log").exists()
    both = run_blogarchive(
        "crawl", "--db", str(tmp_path / "a.db"), "-s", f"BLOGARCHIVE_DB={elsewhere}"
    )
    assert both.returncode == 2 and "name different archives" in both.stderr


@pytest.mark.parametrize(
    "config",
    [
        "[settings\ndefault = pipeline.settings\n",  # a syntax error: no section header
        "[settings]\ndefault = pipeline.no_such_settings\n",  # a settings module not there
        "[settings]\ndefault = \n",
    ],
)
def test_a_broken_scrapy_cfg_does_not_stop_blogarchive(
    static_site, tmp_path: Path, config: str
) -> None:
    """`blogarchive` reads its settings from pipeline/settings.py, never from scrapy.cfg
    (only `scrapy crawl` reads that, before any of our code runs: see the README's "Exit
    statuses and errors"), so a broken one in the folder it runs from changes nothing."""
    body = "<p>The ferry timetable changed again this week, for the third time.</p>" * 5
    site = static_site(
        {
            "/": html_page("<h1>Ferry notes</h1><h2><a href='/2024/05/ferry.html'>F</a></h2>"),
            "/2024/05/ferry.html": html_page(f"<article><h1>Ferry</h1>{body}</article>"),
        }
    )
    (tmp_path / "scrapy.cfg").write_text(config)
    db = tmp_path / "archive.db"
    result = run_blogarchive("crawl", site.url, "--db", str(db), *LOOPBACK, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"{site.url}: ok, 1 posts found, 1 new")
    assert "Traceback" not in result.stderr


def test_a_broken_scrapy_cfg_read_by_the_http_cache_is_one_error_line(
    static_site, tmp_path: Path
) -> None:
    """Scrapy's HTTP cache (`-s HTTPCACHE_ENABLED=True`) keeps its folder where scrapy.cfg
    says, so it reads the file: before, a syntax error in it gave "Unhandled error in
    Deferred" and a 40-line traceback, then `failed (crawl did not run)`."""
    site = static_site({"/": html_page("<h1>Ferry notes</h1>")})
    (tmp_path / "scrapy.cfg").write_text("[settings\ndefault = pipeline.settings\n")
    db = tmp_path / "archive.db"
    result = run_blogarchive(
        "crawl", site.url, "--db", str(db), *LOOPBACK, "-s", "HTTPCACHE_ENABLED=True", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Unhandled error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: the crawl could not start: cannot read ")
    assert f"{tmp_path / 'scrapy.cfg'}" in lines[0] and "line 1" in lines[0]
    assert result.stdout == ""
    log = (tmp_path / "logs" / "blogarchive.log").read_text()
    assert "Traceback" in log  # kept in the log file


def test_hash_password_keeps_prompts_and_errors_off_stdout() -> None:
    # stdout is the hash (captured with "$(blogarchive hash-password)"), even after a typo
    result = runner.invoke(cli, ["hash-password"], input="first try\nfirst tyr\nsecret\nsecret\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("pbkdf2_sha256$") and len(result.stdout.splitlines()) == 1
    assert "do not match" in result.stderr


READ_COMMANDS = [
    ["sources"],
    ["sources", "--json"],
    ["search", "lamp"],
    ["search", "lamp", "--order", "newest"],
    ["stats"],
    ["stats", "--json"],
    ["export"],
    ["export", "--format", "csv"],
    ["verify"],
    ["reextract"],
    ["serve", "--port", "1"],
]


def test_commands_that_read_refuse_a_missing_archive_and_create_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "typo" / "archive.db"
    for command in [*READ_COMMANDS, ["export", "--format", "warc", "-o", str(tmp_path / "w.gz")]]:
        result = runner.invoke(cli, [*command, "--db", str(typo)])
        assert (result.exit_code, result.output) == (1, f"Error: no archive at {typo}\n"), command
    assert list(tmp_path.iterdir()) == []


def test_no_command_makes_another_programs_database_an_archive(tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.close()
    before = other.read_bytes()
    writers = [["add", "quietrails.example"], ["crawl", "https://quietrails.example/"]]
    for command in [*READ_COMMANDS, *writers]:
        result = runner.invoke(cli, [*command, "--db", str(other)])
        assert result.exit_code == 1, command
        assert result.output.endswith(
            f"Error: {other} is a SQLite database but not a blogarchive archive "
            "(no posts table); left untouched\n"
        ), command
    assert other.read_bytes() == before  # no archive tables, not switched to WAL
    assert [p.name for p in tmp_path.iterdir()] == ["notes.db"]  # no lock, no logs beside it


def test_a_file_that_is_not_sqlite_is_one_line_for_the_read_only_commands(tmp_path: Path) -> None:
    text = tmp_path / "n.db"
    text.write_text("x\n")
    for command in (["search", "foo"], ["search", "foo", "--order", "newest"], ["stats"]):
        for extra in ([], ["--json"]):
            result = runner.invoke(cli, [*command, *extra, "--db", str(text)])
            assert (result.exit_code, result.output) == (
                1,
                f"Error: cannot open archive {text}: file is not a database\n",
            ), command
    assert text.read_text() == "x\n"


def test_crawling_a_post_address_archives_its_blog_and_that_post(
    demo_blogs, tmp_path: Path
) -> None:
    # Before, the post's address became the source: the post page was read as the home page
    # and never archived (21 of the 22 posts), and the blog's home was a second source.
    db = tmp_path / "archive.db"
    post = demo_blogs.blogger.url + "2023/02/branch-line-that-never-was.html"
    result = run_blogarchive("crawl", post, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{demo_blogs.blogger.url}: ok, 22 posts found, 22 new")
    assert f"note: {post} is a post; the source is its blog, {demo_blogs.blogger.url}" in (
        result.stderr
    )
    assert [r["url"] for r in rows(db, "SELECT url FROM sources")] == [demo_blogs.blogger.url]
    assert rows(db, "SELECT count(*) AS n FROM posts WHERE url = ?", (post,)) == [{"n": 1}]
    added = run_blogarchive("add", demo_blogs.blogger.url + "2023/02/x.html", "--db", str(db))
    assert added.stdout == f"already a source: {demo_blogs.blogger.url}\n"


def test_crawling_a_label_page_archives_its_blog(demo_blogs, tmp_path: Path) -> None:
    # Before, the label page became the source and its robots.txt (Disallow: /search) made
    # the whole crawl fail; a WordPress category page became a second source of its blog.
    db = tmp_path / "archive.db"
    label = demo_blogs.blogger.url + "search/label/Astronomy"
    category = demo_blogs.wordpress.url + "category/astronomy/"
    result = run_blogarchive("crawl", label, category, "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{demo_blogs.blogger.url}: ok, 22 posts found, 22 new")
    assert lines[1].startswith(f"{demo_blogs.wordpress.url}: ok, 15 posts found, 15 new")
    assert f"note: {label} is a page listing some of a blog's posts" in result.stderr
    urls = [r["url"] for r in rows(db, "SELECT url FROM sources ORDER BY id")]
    assert urls == [demo_blogs.blogger.url, demo_blogs.wordpress.url]


def test_sources_stored_as_a_post_or_label_page_become_their_blog(
    demo_blogs, tmp_path: Path
) -> None:
    """An archive of an older version, whose sources hold a post's and a category page's
    address beside the blog's home: every cron run reported them `failed (crawl did not
    run)` and made the home a second source. Migration 010 makes them the blog's home,
    moving posts, runs and failures to the home's row where it exists; nothing is lost."""
    db = tmp_path / "archive.db"
    home = demo_blogs.wordpress.url
    crawled = run_blogarchive("crawl", home, "--db", str(db), *LOOPBACK)
    assert crawled.returncode == 0, crawled.stderr
    post = demo_blogs.blogger.url + "2023/02/branch-line-that-never-was.html"
    category = home + "category/astronomy/"
    with sqlite3.connect(db) as conn:  # as the older version left it
        conn.execute("DELETE FROM _migrations WHERE name = '010_sources_at_blog_home'")
        for url in (post, category):
            conn.execute(
                "INSERT INTO sources (url, site, added_at) VALUES (?, ?, '2026-01-01')",
                [url, url.split("/")[2]],
            )
        # the WordPress posts were archived under the category page's row
        conn.execute(
            "UPDATE posts SET source_id = (SELECT id FROM sources WHERE url = ?)", [category]
        )
        conn.execute(
            "UPDATE crawls SET source_id = (SELECT id FROM sources WHERE url = ?)", [category]
        )
    before = rows(db, "SELECT id, url, content_hash FROM posts ORDER BY id")
    result = run_blogarchive("crawl", "--db", str(db), *LOOPBACK)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "did not run" not in result.stdout
    summary = {line.split(": ", 1)[0]: line for line in result.stdout.splitlines()}
    assert set(summary) == {demo_blogs.blogger.url, home}
    assert ": ok, 22 posts found, 22 new" in summary[demo_blogs.blogger.url]
    assert ": ok, 15 posts found, 0 new, 0 updated, 15 unchanged" in summary[home]
    sources = rows(db, "SELECT id, url FROM sources ORDER BY url")
    assert [s["url"] for s in sources] == sorted([demo_blogs.blogger.url, home])
    wordpress = next(s["id"] for s in sources if s["url"] == home)
    after = rows(
        db, "SELECT id, url, content_hash FROM posts WHERE source_id = ? ORDER BY id", (wordpress,)
    )
    assert after == before
    runs = rows(db, "SELECT source_id, new FROM crawls ORDER BY id")
    assert runs[0] == {"source_id": wordpress, "new": 15}  # the first run moved with its posts


def test_add_makes_an_archive_of_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "archive.db"
    empty.touch()
    listed = runner.invoke(cli, ["sources", "--db", str(empty)])
    assert listed.output == f"Error: {empty} is not a blogarchive archive (an empty database)\n"
    assert runner.invoke(cli, ["add", "quietrails.example", "--db", str(empty)]).exit_code == 0
    listed = runner.invoke(cli, ["sources", "--db", str(empty), "--json"])
    assert [row["url"] for row in json.loads(listed.output)] == ["https://quietrails.example/"]


def without_write_permission(folder: Path) -> list[str]:
    """A command prefix under which this process cannot write in `folder` (mode 0o555): none
    for a user other than root; for root, setpriv dropping the capabilities that let root
    ignore file permissions (root still reads its own files: the venv may be under /root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, which ignores file permissions, and no setpriv")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, "touch", str(folder / "probe")], capture_output=True)
    if probe.returncode == 0 or "Permission denied" not in probe.stderr.decode():
        (folder / "probe").unlink(missing_ok=True)
        pytest.skip(f"running as root, and setpriv cannot drop its capabilities: {probe}")
    return prefix


def test_a_read_only_copy_can_be_searched(tmp_path: Path) -> None:
    """An archive whose file and folder this user cannot write (a shared read-only copy, in
    WAL mode): SQLite cannot make the -shm file a WAL reader needs, so it is read immutable."""
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "archive.db"
    with Archive(db) as archive:
        archive.save_post(
            {"url": "https://stars.example/a.html", "title": "Dobsonian", "text": "A telescope."}
        )
        archive.finish_crawl(archive.start_crawl(None), status="ok", new=1)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        prefix = without_write_permission(folder)

        def run(*args: str) -> str:
            result = subprocess.run(
                [*prefix, BLOGARCHIVE, *args, "--db", str(db)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (result.returncode, result.stderr) == (0, ""), args
            return result.stdout

        for order in ("relevance", "newest"):
            found = json.loads(run("search", "telescope", "--json", "--order", order))
            assert found["title"] == "Dobsonian"
        assert json.loads(run("stats", "--json"))[0]["new"] == 1
        assert run("stats").startswith("source")  # the table
        assert [p.name for p in folder.iterdir()] == ["archive.db"]
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


def test_a_read_only_copy_can_be_listed_exported_verified_and_served(tmp_path: Path) -> None:
    """The other commands that read an archive work on a read-only copy too (they used to
    fail with 'attempt to write a readonly database'); re-extraction, which writes, says why
    it cannot run; a copy that needs a migration of this version says so."""
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "archive.db"
    with Archive(db) as archive:
        archive.add_source("https://stars.example/")
        archive.save_post(
            {"url": "https://stars.example/a.html", "title": "Dobsonian", "text": "A telescope."}
        )
    older = folder / "older.db"
    with Archive(older) as archive:
        archive.db.execute(
            "DELETE FROM _migrations WHERE rowid = (SELECT max(rowid) FROM _migrations)"
        )
    for path in (db, older):
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        prefix = without_write_permission(folder)

        def run(*args: str, db: Path = db) -> subprocess.CompletedProcess:
            command = [*prefix, BLOGARCHIVE, *args, "--db", str(db)]
            return subprocess.run(command, capture_output=True, text=True, timeout=60)

        listed = run("sources", "--json")
        assert listed.returncode == 0, listed.stderr
        assert [row["url"] for row in json.loads(listed.stdout)] == ["https://stars.example/"]
        exported = run("export", "--format", "jsonl")
        assert exported.returncode == 0, exported.stderr
        assert [json.loads(line)["title"] for line in exported.stdout.splitlines()] == ["Dobsonian"]
        verified = run("verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "ok  posts_fts integrity-check: index matches its table" in verified.stdout
        refused = run("reextract")
        assert refused.returncode == 1
        assert "is read-only: re-extraction stores new versions" in refused.stderr
        for command in ("pause", "resume"):
            refused = run(command, "https://stars.example/")
            assert refused.returncode == 1
            assert refused.stderr == f"Error: {db} is read-only: this command writes to it\n"
        older_listed = run("sources", db=older)
        assert older_listed.returncode == 1
        assert "is read-only and was written by an older blogarchive" in older_listed.stderr
        served = subprocess.run(
            [*prefix, sys.executable, "-c", SERVE_AND_SEARCH, str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert served.returncode == 0, served.stderr
        assert json.loads(served.stdout) == {"status": 200, "titles": ["Dobsonian"]}
        assert sorted(p.name for p in folder.iterdir()) == ["archive.db", "older.db"]
    finally:
        folder.chmod(0o755)
        for path in (db, older):
            path.chmod(0o644)


# What `blogarchive serve` serves, asked through Datasette's test client in a process that
# cannot write the archive's folder.
SERVE_AND_SEARCH = """
import asyncio, json, sys
from pipeline.serving import make_datasette
response = asyncio.run(make_datasette(sys.argv[1]).client.get("/archive/search.json?q=telescope&_shape=objects"))
print(json.dumps({"status": response.status_code, "titles": [r["title"] for r in response.json()["rows"]]}))
"""


def test_search_prints_title_date_url_and_snippet(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        archive.save_post(
            {
                "url": "https://quietrails.example/2024/03/dusk.html",
                "title": "Dusk on the branch line",
                "published": "2024-03-05T09:30:00+00:00",
                "text": "The signalman lit the paraffin lamps one by one.",
            }
        )
    result = runner.invoke(cli, ["search", "paraffin", "--db", str(archive_path)])
    assert result.exit_code == 0
    assert result.output.splitlines()[:3] == [
        "Dusk on the branch line  (2024-03-05)",
        "  https://quietrails.example/2024/03/dusk.html",
        "  The signalman lit the [paraffin] lamps one by one.",
    ]
    none = runner.invoke(cli, ["search", "zeppelin", "--db", str(archive_path)])
    assert none.exit_code == 0 and "no posts match" in none.output


def test_search_loads_neither_sqlite_utils_nor_scrapy(archive_path: Path) -> None:
    """`blogarchive search` is run once per query from scripts: it starts without the crawl's
    and the writer's libraries (together about half of its start-up time)."""
    with Archive(archive_path) as archive:
        archive.save_post(
            {"url": "https://quietrails.example/2024/04/wick.html", "title": "Wick", "text": "x"}
        )
    code = (
        "import sys\n"
        "from pipeline.cli import cli\n"
        f"cli(['search', 'wick', '--json', '--db', {str(archive_path)!r}], standalone_mode=False)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlite_utils', 'scrapy', 'trafilatura', 'twisted', 'lxml', 'email'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found, loaded = out.stdout.splitlines()
    assert json.loads(found)["url"] == "https://quietrails.example/2024/04/wick.html"
    assert loaded == "[]"


def test_search_says_when_it_ranked_only_the_most_recent_matches(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        for i in range(5):
            archive.save_post(
                {
                    "url": f"https://quietrails.example/2024/03/lamp-{i}.html",
                    "title": f"Lamp {i}",
                    "text": "paraffin " * (5 - i) + "and a wick",
                }
            )
    db = ["--db", str(archive_path), "--json"]
    capped = runner.invoke(cli, ["search", "paraffin", "--rank-limit", "2", *db])
    assert capped.exit_code == 0
    assert "more than 2 posts match: ranked among the 2 most recently archived" in capped.output
    titles = [json.loads(line)["title"] for line in capped.output.splitlines() if line[:1] == "{"]
    assert sorted(titles) == ["Lamp 3", "Lamp 4"]
    every = runner.invoke(cli, ["search", "paraffin", "--rank-limit", "0", *db])
    assert "ranked among" not in every.output
    titles = [json.loads(line)["title"] for line in every.output.splitlines() if line[:1] == "{"]
    assert titles == ["Lamp 0", "Lamp 1", "Lamp 2", "Lamp 3", "Lamp 4"]


def test_search_lists_newest_or_oldest_first(archive_path: Path) -> None:
    with Archive(archive_path) as archive:
        for i, published in enumerate(["2021-06-01", None, "2023-02-01", "2019-11-30"]):
            archive.save_post(
                {
                    "url": f"https://quietrails.example/lamp-{i}.html",
                    "title": f"Lamp {i}",
                    "published": published,
                    "text": "paraffin " * (i + 1) + "and a wick",
                }
            )
    db = ["--db", str(archive_path), "--json"]

    def titles(*options: str) -> list[str]:
        result = runner.invoke(cli, ["search", "paraffin", *options, *db])
        assert result.exit_code == 0, result.output
        return [json.loads(line)["title"] for line in result.output.splitlines()]

    assert titles("--order", "newest") == ["Lamp 2", "Lamp 0", "Lamp 3", "Lamp 1"]
    assert titles("--order", "oldest", "--limit", "2") == ["Lamp 3", "Lamp 0"]
    assert titles() == ["Lamp 3", "Lamp 2", "Lamp 1", "Lamp 0"]  # relevance: most mentions
    assert titles("--limit", "3", "--page", "2") == ["Lamp 0"]
    assert titles("--order", "newest", "--limit", "2", "--page", "2") == ["Lamp 3", "Lamp 1"]
    past = runner.invoke(cli, ["search", "paraffin", "--page", "3", "--limit", "2", *db])
    assert (past.exit_code, past.stdout) == (0, "")
    assert "no more posts: 4 matches fill fewer pages" in past.stderr
    wrong = runner.invoke(cli, ["search", "paraffin", "--order", "sideways", *db])
    assert wrong.exit_code == 2 and "'sideways' is not one of" in wrong.output


def test_extract_prints_what_a_crawl_would_store(tmp_path: Path) -> None:
    site = BloggerSite()
    post = site.posts[0]
    status, headers, body = site.handle("GET", site.post_path(post), {})
    assert status == 200
    saved = tmp_path / "post.html"
    saved.write_bytes(body)
    url = "https://hedgerow.example" + site.post_path(post)
    result = runner.invoke(cli, ["extract", str(saved), "--url", url])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    # the ten fields the core issue names come first; provenance fields follow
    assert list(record)[:10] == [
        "url",
        "title",
        "author",
        "published",
        "updated",
        "tags",
        "language",
        "text",
        "html",
        "comments",
    ]
    assert set(record) - set(list(record)[:10]) == {
        "published_source",
        "updated_source",
        "date_flags",
        "encoding",
        "encoding_source",
        "canonical_url",
        "wall_signs",
    }
    assert record["wall_signs"] == []  # a post, not a login wall
    assert (record["url"], record["title"], record["tags"]) == (url, post.title, post.labels)
    assert "Get link" not in record["text"] and "Post a Comment" not in record["text"]
    assert len(record["comments"]) == len(post.comments)
    # several inputs: one line each; a bad one is reported and the rest still printed
    missing = tmp_path / "missing.html"
    both = runner.invoke(cli, ["extract", str(saved), str(missing)])
    assert both.exit_code == 1
    assert len([line for line in both.stdout.splitlines() if line.startswith("{")]) == 1
    assert f"error: {missing}" in both.stderr


def test_demo_content_is_ours() -> None:
    # the demo posts are written for this project: none repeats the seed document's text
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    seed_text = " ".join(p.read_text() for p in seed.glob("*.txt")) if seed.is_dir() else ""
    for post in blogger_posts():
        for paragraph in post.paragraphs:
            assert paragraph[:60] not in seed_text


def test_the_demo_crawls_both_blogs_serves_them_and_keeps_its_captures_apart(
    tmp_path: Path,
) -> None:
    """The README's first command (`make demo` runs `blogarchive demo`): both demo blogs
    crawled, the archive served until Ctrl-C. Its WARC files go to demo-warc/ beside the
    database, not into the warc/ folder of an archive in the same folder (archive/warc/)."""
    import signal

    import httpx

    db = tmp_path / "demo.db"
    port, blogger, wordpress = free_port(), free_port(), free_port()
    command = [BLOGARCHIVE, "demo", "--db", str(db), "--port", str(port)]
    command += ["--blogger-port", str(blogger), "--wordpress-port", str(wordpress)]
    with tempfile.TemporaryFile("w+") as log:
        demo = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            lines = []
            while not (lines and lines[-1].startswith("serving ")):
                line = demo.stdout.readline()
                assert line, (lines, log.seek(0), log.read()[-3000:])
                lines.append(line)
            assert [line.split(": ok, ")[0] for line in lines[1:3]] == [
                f"http://127.0.0.1:{blogger}/",
                f"http://127.0.0.1:{wordpress}/",
            ]
            deadline = time.monotonic() + 60  # "serving" is printed as Datasette starts
            while True:
                try:
                    page = httpx.get(f"http://127.0.0.1:{port}/demo/search?q=telescope")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline and demo.poll() is None
                    time.sleep(0.1)
            assert page.status_code == 200 and "Jupiter" in page.text
        finally:
            demo.send_signal(signal.SIGINT)
            assert demo.wait(timeout=30) == 0
            demo.stdout.close()
    assert not (tmp_path / "warc").exists()
    files = {path.name for path in (tmp_path / "demo-warc").glob("*.warc.gz")}
    stored = {Path(row["warc_file"]).name for row in rows(db, "SELECT warc_file FROM captures")}
    assert files and stored == files
    assert run_blogarchive("verify", "--db", str(db)).returncode == 0


def test_serve_and_demo_on_a_port_in_use_say_so_before_anything_else(tmp_path: Path) -> None:
    """`make demo` left running holds 8001, where `blogarchive serve` listens by default: serve
    printed "serving ... on http://127.0.0.1:8001/", then uvicorn's bind error among its log
    lines, and exited 3 (the browser showed the demo). Now: one error line, exit status 1,
    and the demo neither starts its blogs nor crawls."""
    import socket

    db = tmp_path / "archive.db"
    Archive(db).close()
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = str(other_server.getsockname()[1])
        served = run_blogarchive("serve", "--db", str(db), "--port", port, timeout=60)
        demo_db = tmp_path / "demo" / "demo.db"
        demo = run_blogarchive("demo", "--db", str(demo_db), "--port", port, timeout=60)
    for result in (served, demo):
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stdout == ""
        assert result.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")
        assert "choose another --port" in result.stderr and "Traceback" not in result.stderr
    assert not demo_db.parent.exists()


def test_demo_with_a_blog_port_in_use_names_the_ports_and_the_options(tmp_path: Path) -> None:
    """A demo blog server left running holds 8101: before, `Error: cannot start the demo
    blogs: [Errno 98] Address already in use`, naming neither the port nor what to change."""
    import socket

    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        demo = run_blogarchive(
            "demo", "--no-serve", "--db", str(tmp_path / "demo.db"),
            "--blogger-port", str(port), "--wordpress-port", "0", timeout=60,
        )  # fmt: skip
    assert demo.returncode == 1, demo.stdout + demo.stderr
    assert demo.stderr.startswith(f"Error: cannot start the demo blogs on 127.0.0.1:{port} ")
    assert "Address already in use" in demo.stderr
    assert "--blogger-port" in demo.stderr and "--wordpress-port" in demo.stderr


def test_commands_that_write_refuse_an_archive_they_cannot_write_and_write_nothing(
    tmp_path: Path,
) -> None:
    # Before, `add` and `pause` printed a traceback ("attempt to write a readonly database"),
    # and `crawl` made SQLite's -shm and -wal files beside the archive, owned by this user,
    # before it failed on the lock file.
    folder = tmp_path / "theirs"
    folder.mkdir()
    db = folder / "archive.db"
    with Archive(db) as archive:
        archive.add_source("https://quietrails.example/")
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        prefix = without_write_permission(folder)
        folder.chmod(0o755)  # the folder is writable, the archive is not
        before = db.read_bytes()
        for command in (
            ["crawl"],
            ["crawl", "https://quietrails.example/"],
            ["add", "https://stars.example/"],
            ["pause", "https://quietrails.example/"],
        ):
            result = subprocess.run(
                [*prefix, BLOGARCHIVE, *command, "--db", str(db)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert (result.returncode, result.stdout, result.stderr) == (
                1,
                "",
                f"Error: {db} is read-only: this command writes to it\n",
            ), command
        assert [p.name for p in folder.iterdir()] == ["archive.db"]  # no lock, log, -shm
        assert db.read_bytes() == before
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


def test_a_crawl_whose_warc_folder_cannot_be_written_does_not_start(tmp_path: Path) -> None:
    # Before, every response logged an error, the posts were archived without captures and
    # the run said `ok`, exit status 0.
    folder = tmp_path / "archive"
    (folder / "warc").mkdir(parents=True)
    (folder / "warc").chmod(0o555)
    try:
        prefix = without_write_permission(folder / "warc")
        db = folder / "archive.db"
        result = subprocess.run(
            [*prefix, BLOGARCHIVE, "crawl", "https://quietrails.example/", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            f"Error: cannot write WARC files in {folder / 'warc'}: {folder / 'warc'} is not "
            "writable (BLOGARCHIVE_WARC_DIR; -s BLOGARCHIVE_WARC_ENABLED=False crawls without "
            "captures)\n"
        )
        assert [p.name for p in folder.iterdir()] == ["warc"]  # no archive, lock or log
    finally:
        (folder / "warc").chmod(0o755)


def test_an_archive_of_a_newer_version_is_read_but_not_written(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.save_post({"url": "https://stars.example/a.html", "title": "Dob", "text": "A dob."})
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES ('099_from_the_future', '2031')"
        )
    conn.close()
    before = db.read_bytes()
    for command in (["crawl", "https://stars.example/"], ["add", "https://x.example/"]):
        result = runner.invoke(cli, [*command, "--db", str(db)])
        assert (result.exit_code, result.output) == (
            1,
            f"Error: {db} was written by a newer blogarchive (its migration "
            f"099_from_the_future is unknown to version {__version__}): upgrade blogarchive to write "
            "to it; left untouched\n",
        ), command
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.db"]  # no lock, no logs
    found = runner.invoke(cli, ["search", "dob", "--db", str(db), "--json"])
    assert found.exit_code == 0 and json.loads(found.output)["title"] == "Dob"
