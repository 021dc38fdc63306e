"""`blogarchive`: the command line, a thin click layer over the library modules."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shlex
import shutil
import signal
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click

from pipeline import __version__
from pipeline.paths import default_db_path
from pipeline.runlock import EXIT_LOCKED, LockError, LockHeld, RunLock
from pipeline.store import (
    RANKED_MATCHES,
    SEARCH_ORDERS,
    Archive,
    ArchiveError,
    SourceNotFound,
    can_write,
    check_archive_file,
)
from pipeline.urls import (
    SourceURLError,
    checked_source_url,
    dated_post_home,
    listing_page_home,
    normalise_source_url,
)

LOOPBACK_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}


def db_option(function):
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The archive database (default: archive/archive.db).",
    )(function)


def open_archive(
    db_path: Path | None, *, readonly: bool = False, create: bool = True, writes: bool = False
) -> Archive:
    """The archive at --db as a command needs it: `readonly` (only read, it must exist), an
    existing archive (`create=False`: migrated if need be), or one that may be created (`add`,
    `crawl`, `ingest`: only where no file, or an empty one, is). A file that is not an
    archive is an error and is left untouched. `writes`: the command writes to an existing
    archive, so a read-only copy (which Archive opens read-only) is an error."""
    path = db_path or default_db_path()
    if writes and path.is_file() and not can_write(path):
        raise _read_only(path)
    try:
        archive = Archive(path, readonly=readonly, create=create)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from error
    if writes and archive.readonly:  # a read-only copy, opened read-only (see Archive)
        archive.close()
        raise _read_only(archive.path)
    return archive


def _read_only(path: Path) -> click.ClickException:
    """The error of a command that writes, given an archive this user cannot write."""
    return click.ClickException(f"{path} is read-only: this command writes to it")


def source_url(url: str) -> str:
    """The blog that `url` names, as `sources` stores it; the address of one of its posts or
    of a page listing them stands for the blog, and a note on stderr says so (SourceURLError
    if it is no blog's)."""
    given = checked_source_url(url)
    home = normalise_source_url(given)
    if dated_post_home(given):
        click.echo(f"note: {url} is a post; the source is its blog, {home}", err=True)
    elif listing_page_home(given):
        click.echo(
            f"note: {url} is a page listing some of a blog's posts (a label, category, tag, "
            f"archive or pager page); the source is the whole blog, {home}",
            err=True,
        )
    return home


def check_serving_config(host: str, port: int) -> None:
    """archive/'s Datasette configuration parses (ClickException naming the file if not) and
    host:port is free to listen on (ClickException if another server has it)."""
    from pipeline.serving import ListenError, ServingConfigError, check_config, check_listen

    try:
        check_config()
        check_listen(host, port)
    except ServingConfigError as error:
        raise click.ClickException(str(error)) from error
    except ListenError as error:
        hint = " (another `blogarchive serve` or `demo`? choose another --port)"
        raise click.ClickException(f"{error}{hint if error.in_use else ''}") from error


class ServeAccess:
    """`serve`'s access options: --public, --auth, --password-hash-file, --user, --allow-host."""

    def __init__(
        self,
        public: bool,
        auth: bool,
        password_hash_file: Path | None,
        user: str,
        allow_hosts: tuple[str, ...] = (),
    ):
        self.public = public
        self.auth = auth
        self.password_hash_file = password_hash_file
        self.user = user
        self.allow_hosts = allow_hosts

    def hosts(self, host: str) -> tuple[str, ...]:
        """The names the archive answers to besides IP addresses and localhost: --allow-host
        and the --host it listens on, checked."""
        from pipeline.access import AccessError, check_host_names

        try:
            return check_host_names([*self.allow_hosts, *([host] if ":" not in host else [])])
        except AccessError as error:
            raise click.UsageError(str(error)) from error

    def auth_config(self):
        from pipeline.access import AccessError, auth_from_environment

        if not self.auth:
            if self.password_hash_file is not None:
                raise click.UsageError("--password-hash-file needs --auth")
            return None
        try:
            return auth_from_environment(password_hash_file=self.password_hash_file, user=self.user)
        except AccessError as error:
            raise click.ClickException(str(error)) from error

    def warn(self, host: str) -> None:
        if self.auth:
            click.echo(f"login required: user {self.user!r} at /-/login")
        if host not in ("127.0.0.1", "localhost", "::1") and not self.auth:
            click.echo(
                f"warning: listening on {host} without --auth: anyone who can reach this port "
                "can read the archive",
                err=True,
            )


def access_options(function):
    """Add serve's access options; the command receives them as one `access` argument."""
    import functools

    @click.option("--public", is_flag=True, help="Let search engines index it (no noindex).")
    @click.option("--auth", is_flag=True, help="Require a login for every page and endpoint.")
    @click.option(
        "--password-hash-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="File holding the password hash (default: $BLOGARCHIVE_PASSWORD_HASH).",
    )
    @click.option("--user", default="admin", show_default=True, help="The login's user name.")
    @click.option(
        "--allow-host",
        "allow_hosts",
        multiple=True,
        metavar="NAME",
        help="A host name the archive is reached by without --auth, such as a reverse "
        "proxy's (repeatable; IP addresses and localhost always are).",
    )
    @functools.wraps(function)
    def wrapper(*args, public, auth, password_hash_file, user, allow_hosts, **kwargs):
        access = ServeAccess(public, auth, password_hash_file, user, allow_hosts)
        return function(*args, access=access, **kwargs)

    return wrapper


#: a TCP port number (0 lets the system choose one)
PORT = click.IntRange(0, 65535)


@click.group()
@click.version_option(__version__, prog_name="blogarchive")
def cli() -> None:
    """Archive blogs into a searchable SQLite database that Datasette serves."""


@cli.command()
@click.argument("urls", nargs=-1)
@db_option
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, as `scrapy crawl -s` does (repeatable).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Full sweep: ignore feed, sitemap and API change signals and re-check every post.",
)
@click.option(
    "--redis",
    "redis_url",
    default=None,
    metavar="URL",
    help="Run as a worker of a shared scrapy-redis crawl (redis://HOST:PORT/DB); "
    "items go to Redis for `blogarchive ingest`, nothing is written to --db.",
)
@click.option(
    "--run",
    "run_name",
    default=None,
    metavar="NAME",
    help="With --redis: the shared run's name (default: today's UTC date).",
)
def crawl(
    urls: tuple[str, ...],
    db_path: Path | None,
    settings: tuple[str, ...],
    full: bool,
    redis_url: str | None = None,
    run_name: str | None = None,
) -> None:
    """Crawl blogs into the archive.

    With URLs, crawls those blogs (recording them in `sources`); with none, crawls every
    source but the paused ones (`blogarchive pause`). Prints one line per source. Exit
    status: 0 every source crawled, 1 a source failed outright (or no sources, a bad -s), 2 a
    bad option, 75 another crawl of this archive is running, 130 stopped by Ctrl-C or SIGTERM
    after storing what it had fetched.
    """
    # Until Scrapy installs its own handlers, SIGTERM stops the command as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _crawl(urls, db_path, settings, full, redis_url, run_name)
    except KeyboardInterrupt:
        click.echo("blogarchive: stopped before the crawl began; nothing was crawled", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _crawl(
    urls: tuple[str, ...],
    db_path: Path | None,
    settings: tuple[str, ...],
    full: bool,
    redis_url: str | None,
    run_name: str | None,
) -> None:
    from pipeline.crawl import (
        CrawlNotStarted,
        SettingError,
        check_overrides,
        parse_overrides,
        run_crawl,
    )
    from pipeline.pipelines import CLOSED_EARLY

    try:
        overrides = parse_overrides(settings)
        for warning in check_overrides(overrides):
            click.echo(f"warning: {warning}", err=True)
        if full:
            overrides["BLOGARCHIVE_FULL"] = "True"
        given = list(dict.fromkeys(source_url(url) for url in urls))
    except (SettingError, SourceURLError) as error:
        raise click.ClickException(str(error)) from error
    if "BLOGARCHIVE_DB" in overrides:  # the same as --db (its lock, log and summary)
        named = Path(overrides.pop("BLOGARCHIVE_DB"))
        if db_path is not None and db_path.resolve() != named.resolve():
            raise click.UsageError("--db and -s BLOGARCHIVE_DB name different archives")
        db_path = named
    if redis_url:
        _crawl_worker(given, redis_url, run_name, overrides)
        return
    if run_name:
        raise click.UsageError("--run needs --redis")
    db_path = db_path or default_db_path()
    if db_path.is_file() and db_path.stat().st_size:
        # refuse a file that is not an archive before a lock or a log is made beside it
        # (an empty database is one: another run may be creating the archive there)
        if not can_write(db_path):  # before a lock, a log or SQLite's -shm is made beside it
            raise _read_only(db_path)
        try:
            check_archive_file(db_path)
        except ArchiveError as error:
            raise click.ClickException(str(error)) from error
    _check_folders(db_path, overrides)
    # One crawl per archive at a time (pipeline/runlock.py); logs as in pipeline/logs.py.
    with _crawl_lock(db_path), _crawl_logging(db_path, overrides):
        overrides["BLOGARCHIVE_RUN_LOCK_HELD"] = "True"  # so the pipeline need not take it
        try:
            with open_archive(db_path, writes=True) as archive:
                for url in given:
                    archive.add_source(url)
                known = [] if given else archive.sources()
        except sqlite3.Error as error:  # a full disk
            raise click.ClickException(f"cannot write to {db_path}: {error}") from error
        paused = [row for row in known if row["paused_at"]]
        sources = given or [row["url"] for row in known if not row["paused_at"]]
        for row in paused:
            click.echo(paused_line(row))
            run_log.info("%s", paused_line(row))
        if not sources and not paused:
            raise click.ClickException(
                "no sources: give a blog URL, or add one with `blogarchive add URL`"
            )
        if not sources:
            return  # every source is paused: nothing to do, nothing failed
        run_log.info("crawling %d source(s) into %s", len(sources), db_path)
        try:
            summaries = run_crawl(sources, db_path, overrides)
        except (OSError, CrawlNotStarted) as error:  # a Scrapy setting naming a file it
            # cannot open (LOG_FILE), a component that failed, a broken scrapy.cfg
            raise click.ClickException(f"the crawl could not start: {error}") from error
        for summary in summaries:
            click.echo(summary.line())
            run_log.info("%s", summary.line())
        if not all(summary.ok for summary in summaries):
            sys.exit(1)
        if any(s.status == "interrupted" and s.message != CLOSED_EARLY for s in summaries):
            sys.exit(EXIT_INTERRUPTED)  # (a run closed by CLOSESPIDER_* was not stopped)


def _check_folders(db_path: Path, overrides: dict[str, str]) -> None:
    """A crawl whose WARC captures could not be written stops at its first response, and
    one whose request queue cannot be made does not start: say so before anything is
    written."""
    import tempfile

    from pipeline.capture import default_warc_dir
    from pipeline.crawl import crawl_settings
    from pipeline.paths import unwritable_reason
    from pipeline.warc import WarcError, check_warc_folder

    settings = crawl_settings(db_path, overrides)
    if settings.getbool("BLOGARCHIVE_WARC_ENABLED"):
        try:
            check_warc_folder(settings.get("BLOGARCHIVE_WARC_DIR") or default_warc_dir(db_path))
        except WarcError as error:
            raise click.ClickException(
                f"{error} (BLOGARCHIVE_WARC_DIR; -s BLOGARCHIVE_WARC_ENABLED=False crawls "
                "without captures)"
            ) from error
    if settings.getbool("BLOGARCHIVE_DISK_QUEUE") and not settings.get("JOBDIR"):
        queues = settings.get("BLOGARCHIVE_QUEUE_DIR") or tempfile.gettempdir()
        reason = unwritable_reason(queues, made_when_needed=False)
        if reason:
            raise click.ClickException(
                f"cannot make the run's request queue in {queues}: {reason} "
                "(BLOGARCHIVE_QUEUE_DIR, or the system's temporary folder, $TMPDIR)"
            )


@cli.command()
@click.argument("url")
@db_option
def add(url: str, db_path: Path | None) -> None:
    """Add a blog to the sources that `blogarchive crawl` visits."""
    try:
        url = source_url(url)
    except SourceURLError as error:
        raise click.ClickException(str(error)) from error
    with open_archive(db_path, writes=True) as archive:
        known = any(row["url"] == url for row in archive.sources())
        try:
            archive.add_source(url)
        except sqlite3.Error as error:  # a full disk
            raise click.ClickException(f"cannot write to {archive.path}: {error}") from error
    click.echo(f"{'already a source' if known else 'added'}: {url}")


def paused_line(source: dict) -> str:
    reason = f" ({source['paused_reason']})" if source["paused_reason"] else ""
    return f"{source['url']}: paused since {source['paused_at']}{reason}, not crawled"


def _known_source(archive: Archive, url: str) -> str:
    """The source `url` names, as stored (ClickException if it is none)."""
    try:
        url = normalise_source_url(url)
        archive.source(url)
    except (SourceURLError, SourceNotFound) as error:
        raise click.ClickException(f"{error}; `blogarchive sources` lists them") from error
    return url


@cli.command()
@click.argument("url")
@click.option("--reason", default=None, help="Why (shown by `sources` and `crawl`).")
@db_option
def pause(url: str, reason: str | None, db_path: Path | None) -> None:
    """Stop crawling a blog: `blogarchive crawl` with no URL skips it until `blogarchive
    resume URL`. Its posts stay archived and searchable; `crawl URL` still crawls it."""
    with open_archive(db_path, create=False, writes=True) as archive:
        source = archive.pause_source(_known_source(archive, url), reason)
    click.echo(f"paused: {source['url']} (since {source['paused_at']})")


@cli.command()
@click.argument("url")
@db_option
def resume(url: str, db_path: Path | None) -> None:
    """Crawl a paused blog again in `blogarchive crawl` with no URL."""
    with open_archive(db_path, create=False, writes=True) as archive:
        source = archive.resume_source(_known_source(archive, url))
    click.echo(f"resumed: {source['url']}")


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def sources(db_path: Path | None, as_json: bool) -> None:
    """List the blogs in the archive, with their post counts and last crawl."""
    with open_archive(db_path, create=False) as archive:
        rows = archive.sources()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['url']}\t{row['platform'] or '?'}\t{row['posts']} posts\t"
            f"last crawl {row['last_crawl_at'] or 'never'} ({row['last_status'] or '-'})"
            + (f"\tpaused since {row['paused_at']}" if row["paused_at"] else "")
        )


@cli.command(context_settings={"ignore_unknown_options": True})  # `search -word` is a query
@click.argument("query")
@db_option
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many results."
)
@click.option(
    "--raw",
    is_flag=True,
    help="Pass FTS5 query syntax through as it is (NEAR, ^, {title text}:); without it a query "
    'takes words, "a phrase", prefix*, -word, OR and title:word.',
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of text.")
@click.option(
    "--rank-limit",
    type=click.IntRange(min=0),
    default=RANKED_MATCHES,
    show_default=True,
    help="A query matching more posts than this is ranked among the most recently archived "
    "this many; 0 ranks every match.",
)
@click.option(
    "--order",
    type=click.Choice(SEARCH_ORDERS),
    default="relevance",
    show_default=True,
    help="Best match first, or every match by publication date (undated posts last).",
)
@click.option(
    "--page",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Which --limit results to show: page 2 is the next --limit after the first.",
)
def search(
    query: str,
    db_path: Path | None,
    limit: int,
    raw: bool,
    as_json: bool,
    rank_limit: int,
    order: str,
    page: int,
) -> None:
    """Full-text search of the archived posts, best matches (or newest, or oldest) first."""
    with open_archive(db_path, readonly=True) as archive:
        try:
            results = archive.search_results(
                query,
                limit=limit,
                raw=raw,
                rank_limit=rank_limit or None,
                order=order,
                offset=(page - 1) * limit,
            )
        except ArchiveError as error:
            raise click.ClickException(str(error)) from error
    if not results.rows and page > 1 and results.ranked:
        click.echo(f"no more posts: {results.ranked:,} matches fill fewer pages", err=True)
    elif not results.rows:
        click.echo("no posts match", err=True)
    if not results.complete:
        click.echo(
            f"more than {results.ranked:,} posts match: ranked among the {results.ranked:,} "
            "most recently archived (--rank-limit 0 ranks every match)",
            err=True,
        )
    for row in results.rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        date = (row["published"] or "")[:10] or "undated"
        click.echo(f"{row['title']}  ({date})\n  {row['url']}\n  {row['snippet']}\n")


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--url", "original_url", help="The original address of a single saved file.")
def extract(inputs: tuple[str, ...], original_url: str | None) -> None:
    """Extract posts from saved files or URLs: one JSON object per line, holding exactly
    what a crawl would store (url, title, author, published, updated, tags, language, text,
    html, comments, published_source, updated_source, date_flags, encoding, encoding_source,
    canonical_url)."""
    import http.client  # here, not at the top: it loads the email package (~30 ms a command)

    from pipeline.extraction import ExtractionError, extract_post

    if original_url and len(inputs) > 1:
        raise click.ClickException("--url gives the address of a single file")
    failed = 0
    for item in inputs:
        try:
            body, url, encoding = _read_input(item, original_url)
            record = extract_post(body, url, encoding=encoding)
        except (OSError, ExtractionError, ValueError, http.client.HTTPException) as error:
            click.echo(f"error: {item}: {error}", err=True)
            failed += 1
            continue
        click.echo(json.dumps(record.to_dict(), ensure_ascii=False))
    if failed:
        sys.exit(1)


def _redirect_handler(url: str) -> object:
    """urllib's redirect handling, refusing a redirect to a private address (loopback,
    10.x, link-local...) on a host other than the one typed (pipeline/addresses.py)."""
    import urllib.request
    from urllib.parse import urlsplit

    from pipeline.addresses import AddressPolicy, resolved_refusal

    policy = AddressPolicy()
    policy.name_hosts([url])

    class PrivateAddressRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(  # urllib's API
            self, req: object, fp: object, code: int, msg: str, headers: object, newurl: str
        ) -> object:
            parts = urlsplit(newurl)
            reason = resolved_refusal(policy, parts.hostname or "", parts.port)
            if reason:
                raise ValueError(
                    f"redirect to {newurl}: {reason.split('; -s ')[0]}; "
                    "give that address itself to extract from it"
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return PrivateAddressRedirects()


def _read_input(item: str, original_url: str | None) -> tuple[bytes, str, str | None]:
    if item.startswith(("http://", "https://")):
        import urllib.request  # here: it costs ~30 ms of every command's start-up

        request = urllib.request.Request(item, headers={"User-Agent": "blogarchive"})
        opener = urllib.request.build_opener(_redirect_handler(item))
        with opener.open(request, timeout=30) as response:
            return (
                response.read(),
                original_url or response.url,
                response.headers.get_content_charset(),
            )
    path = Path(item)
    return path.read_bytes(), original_url or path.resolve().as_uri(), None


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=PORT, help="Port to listen on.")
@access_options
@click.option(
    "--publish-ready",
    is_flag=True,
    help="Settings for a public deployment: no arbitrary SQL, no database download, "
    "tighter time limits (see README).",
)
def serve(
    db_path: Path | None, host: str, port: int, access: ServeAccess, publish_ready: bool
) -> None:
    """Serve the archive with Datasette and the project's archive/ configuration."""
    from pipeline.serving import serve as serve_archive

    db_path = db_path or default_db_path()
    open_archive(db_path, create=False).close()  # an archive must be there; migrated if need be
    auth = access.auth_config()
    hosts = access.hosts(host)
    check_serving_config(host, port)
    click.echo(f"serving {db_path} on http://{host}:{port}/ (Ctrl-C to stop)")
    access.warn(host)
    serve_archive(
        db_path,
        host=host,
        port=port,
        public=access.public,
        auth=auth,
        publish_ready=publish_ready,
        hosts=hosts,
    )


@cli.command("hash-password")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
def hash_password_command(password_stdin: bool) -> None:
    """Print a hash of a password for `serve --auth` (asked twice, not echoed)."""
    from pipeline.access import AccessError, hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        # prompts and their errors on stderr: stdout is the hash, often captured with $(...)
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    try:
        click.echo(hash_password(password))
    except AccessError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The demo archive (default: archive/demo.db).",
)
@click.option("--no-serve", is_flag=True, help="Crawl the demo blogs, then exit.")
@click.option("--port", default=8001, show_default=True, type=PORT, help="Datasette's port.")
@click.option(
    "--blogger-port",
    default=8101,
    show_default=True,
    type=PORT,
    help="The demo Blogger blog's port.",
)
@click.option(
    "--wordpress-port",
    default=8102,
    show_default=True,
    type=PORT,
    help="The demo WordPress blog's port.",
)
def demo(
    db_path: Path | None, no_serve: bool, port: int, blogger_port: int, wordpress_port: int
) -> None:
    """Start the bundled demo blogs on 127.0.0.1, crawl them, and serve the archive."""
    from pipeline.crawl import run_crawl
    from pipeline.demo.server import start_demo_blogs

    db_path = db_path or default_db_path().with_name("demo.db")
    if not no_serve:  # say so before the crawl, not after it
        check_serving_config("127.0.0.1", port)
    try:
        blogs = start_demo_blogs(blogger_port=blogger_port, wordpress_port=wordpress_port)
    except OSError as error:
        raise click.ClickException(
            f"cannot start the demo blogs on 127.0.0.1:{blogger_port} and :{wordpress_port} "
            f"({error.strerror or error}; another `blogarchive demo` or `python -m "
            "pipeline.demo.server`? choose another --blogger-port and --wordpress-port)"
        ) from error
    with blogs:
        sources = [blogs.blogger.url, blogs.wordpress.url]
        click.echo(f"demo blogs: {sources[0]} (Blogger) and {sources[1]} (WordPress)")
        # its captures apart from those of an archive beside it (archive/warc/ is the
        # default archive's): archive/demo-warc/ for archive/demo.db
        warc_dir = db_path.parent / f"{db_path.stem}-warc"
        summaries = run_crawl(
            sources, db_path, {**LOOPBACK_SETTINGS, "BLOGARCHIVE_WARC_DIR": str(warc_dir)}
        )
        for summary in summaries:
            click.echo(summary.line())
        if no_serve:
            if not all(summary.ok for summary in summaries):
                sys.exit(1)
            return
        from pipeline.serving import serve as serve_archive

        click.echo(f"serving {db_path} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        serve_archive(db_path, host="127.0.0.1", port=port)


# -- cron: the run lock and log of `crawl`, `crontab`, `stats`

EXIT_INTERRUPTED = 130  # the crawl was stopped by SIGINT or SIGTERM (what it fetched is stored)
run_log = logging.getLogger("blogarchive")


@contextmanager
def _crawl_lock(db_path: Path) -> Iterator[RunLock]:
    """Hold the archive's run lock, or exit at once with EXIT_LOCKED (75)."""
    try:
        lock = RunLock(db_path).acquire()
    except LockHeld as held:
        click.echo(f"blogarchive: {held}; this run exits with status {EXIT_LOCKED}", err=True)
        sys.exit(EXIT_LOCKED)
    except LockError as error:
        raise click.ClickException(str(error)) from error
    with lock:
        yield lock


@contextmanager
def _crawl_logging(db_path: Path, overrides: dict[str, str]) -> Iterator[None]:
    """The rotating log file beside the database, errors on stderr; Scrapy's own stderr
    log stays off unless a `-s LOG_...` override asks for it."""
    from pipeline.crawl import crawl_settings
    from pipeline.logs import PRINTED, default_log_file, setup_logging

    settings = crawl_settings(db_path, overrides)
    scrapy_on_stderr = any(name.startswith("LOG_") for name in overrides)
    if not scrapy_on_stderr:
        overrides["LOG_ENABLED"] = "False"
    try:
        setup = setup_logging(
            settings.get("BLOGARCHIVE_LOG_FILE") or default_log_file(db_path),
            max_bytes=settings.getint("BLOGARCHIVE_LOG_MAX_BYTES"),
            backups=settings.getint("BLOGARCHIVE_LOG_BACKUPS"),
            stderr_level=None if scrapy_on_stderr else logging.ERROR,
        )
    except OSError as error:
        raise click.ClickException(f"cannot open the log file: {error}") from error
    run_log.info("blogarchive crawl started (pid %d): %s", os.getpid(), " ".join(sys.argv))
    try:
        yield
    except SystemExit as stop:
        run_log.info("blogarchive crawl ended with exit status %s", stop.code)
        raise
    except KeyboardInterrupt:  # a signal before the crawl began (`crawl` exits with 130)
        run_log.info("blogarchive crawl ended with exit status %s", EXIT_INTERRUPTED)
        raise
    except click.ClickException as error:
        run_log.error("%s", error.format_message(), extra=PRINTED)  # click prints it
        raise
    else:
        run_log.info("blogarchive crawl ended with exit status 0")
    finally:
        setup.close()


_EVERY = re.compile(r"^\s*(\d+)\s*([mhd])\s*$")


def cron_schedule(every: str, minute: int = 0) -> str:
    """The five crontab time fields for "every N minutes/hours/days" (`15m`, `6h`, `1d`).

    Hour and day runs start at `minute` past the hour (days at 03:MM; `7d` weekly on Sunday).
    Raises ValueError for intervals cron cannot keep evenly."""
    match = _EVERY.match(every)
    if not match:
        raise ValueError(f"{every!r} is not Nm, Nh or Nd (say 30m, 6h or 1d)")
    number, unit = int(match[1]), match[2]
    if number < 1:
        raise ValueError("the interval must be at least 1")
    if unit == "m" and number % 60 == 0:
        number, unit = number // 60, "h"
    if unit == "h" and number % 24 == 0:
        number, unit = number // 24, "d"
    if unit == "m":
        if 60 % number:
            raise ValueError(
                f"cron cannot run every {every} evenly: use minutes that divide 60 "
                "(1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m) or whole hours"
            )
        return "* * * * *" if number == 1 else f"*/{number} * * * *"
    if unit == "h":
        if 24 % number:
            raise ValueError(
                f"cron cannot run every {every} evenly: use hours that divide 24 "
                "(1h, 2h, 3h, 4h, 6h, 8h, 12h) or whole days"
            )
        return f"{minute} * * * *" if number == 1 else f"{minute} */{number} * * *"
    if number == 1:
        return f"{minute} 3 * * *"
    if number == 7:
        return f"{minute} 3 * * 0"
    if number < 7:
        return f"{minute} 3 */{number} * *"
    raise ValueError(f"cron cannot run every {every} evenly: use 1d to 7d (7d runs weekly)")


def blogarchive_executable() -> Path:
    """The absolute path of this `blogarchive` command (the venv's console script)."""
    candidates = []
    if sys.argv and Path(sys.argv[0]).name == "blogarchive":
        candidates.append(Path(sys.argv[0]))
    candidates.append(Path(sys.executable).with_name("blogarchive"))
    found = shutil.which("blogarchive")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.resolve()
    raise click.ClickException("cannot find the blogarchive executable (is it installed?)")


def _cron_quote(path: Path) -> str:
    """A path for a crontab command: shell-quoted, with `%` (a newline to cron) escaped."""
    return shlex.quote(str(path)).replace("%", "\\%")


@cli.command()
@click.option(
    "--every",
    default="6h",
    show_default=True,
    help="How often: Nm (minutes dividing 60), Nh (hours dividing 24) or Nd (1d to 7d).",
)
@db_option
def crontab(every: str, db_path: Path | None) -> None:
    """Print a crontab line that runs `blogarchive crawl` on a schedule: absolute paths,
    output appended to logs/cron.log beside the database. Add it with `crontab -e`."""
    from pipeline.logs import log_dir

    db = (db_path or default_db_path()).resolve()
    minute = int(hashlib.sha1(str(db).encode()).hexdigest(), 16) % 60
    try:
        schedule = cron_schedule(every, minute)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--every'") from error
    logs = log_dir(db)
    try:
        logs.mkdir(parents=True, exist_ok=True)  # the shell opens the redirect before the run
    except OSError as error:
        raise click.ClickException(f"cannot create {logs}: {error}") from error
    command = (
        f"{_cron_quote(blogarchive_executable())} crawl --db {_cron_quote(db)} "
        f">> {_cron_quote(logs / 'cron.log')} 2>&1"
    )
    click.echo(
        f"# blogarchive: crawl every source of {db} every {every.strip()} "
        f"(an overlapping run exits with status {EXIT_LOCKED}; log in {logs})"
    )
    click.echo(f"{schedule} {command}")


STATS_COLUMNS = [
    ("source_url", "source"),
    ("started", "started"),
    ("finished", "finished"),
    ("status", "status"),
    ("requests", "requests"),
    ("bytes", "bytes"),
    ("found", "found"),
    ("new", "new"),
    ("changed", "changed"),
    ("unchanged", "unchanged"),
    ("not_modified", "not_modified"),
    ("gone", "gone"),
    ("failed", "failed"),
]


def _stats_cell(name: str, value: object) -> str:
    if value is None:
        return "-"
    if name in ("started", "finished"):
        return str(value).replace("T", " ")[:19]
    if name == "bytes" and isinstance(value, int):
        size = float(value)
        for unit in ("B", "kB", "MB", "GB"):
            if size < 1000 or unit == "GB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            size /= 1000
    return str(value)


@cli.command()
@db_option
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many runs, newest first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats(db_path: Path | None, limit: int, as_json: bool) -> None:
    """Print the run history: the `crawls` rows (one per source per run), newest first, with
    their status and counts of requests, bytes, posts found (as the crawl's summary line says),
    new, changed, unchanged, not modified (304), gone and failed posts."""
    with open_archive(db_path, readonly=True) as archive:
        try:
            rows = archive.crawls(limit=limit)
        except ArchiveError as error:
            raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no crawls yet", err=True)
        return
    columns = [(name, title) for name, title in STATS_COLUMNS if name in rows[0]]
    table = [[title for _, title in columns]]
    table += [[_stats_cell(name, row[name]) for name, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    numeric = {name for name, _ in STATS_COLUMNS[4:]}
    for line in table:
        cells = [
            cell.rjust(width) if name in numeric else cell.ljust(width)
            for cell, width, (name, _) in zip(line, widths, columns, strict=True)
        ]
        click.echo("  ".join(cells).rstrip())


@cli.command()
@click.option("--site", help="Only the posts of this blog (its URL or host).")
@db_option
def reextract(site: str | None, db_path: Path | None) -> None:
    """Rebuild every post from its newest WARC capture, without the network (after an
    upgrade of trafilatura or of the cleaning): prints each post that changed and which
    fields; a new title, text or labels adds a version, earlier versions are kept."""
    from pipeline.reextract import reextract as run_reextract

    def show(change: object) -> None:
        click.echo(f"{change.url}: changed ({', '.join(change.fields)})")

    try:
        report = run_reextract(db_path or default_db_path(), site=site, progress=show)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from error
    for url, error in report.failed:
        click.echo(f"{url}: failed ({error})", err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(1)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "warc"]),
    default="jsonl",
    show_default=True,
    help="jsonl or csv: the posts; warc: their captures (a gzip WARC file).",
)
@click.option("--site", help="Only this blog (its URL or host).")
@click.option(
    "--since",
    help="Only posts added, changed, commented on or given an event (deleted, returned...), "
    "or captures fetched, since DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], UTC unless it ends "
    "in Z or an offset).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default="-",
    help="The file to write (default: standard output).",
)
@db_option
def export(
    fmt: str, site: str | None, since: str | None, output: Path, db_path: Path | None
) -> None:
    """Export the archive: posts as JSON Lines or CSV, or their WARC captures as one WARC
    file, for a site and since a date if given; prints how many were written on stderr."""
    import sqlite3

    from pipeline.export import (
        ExportError,
        WholeWrites,
        check_output,
        export_posts,
        export_warc,
        output_file,
        text_output,
    )
    from pipeline.warc import WarcError

    to_stdout = str(output) == "-"
    if fmt == "warc" and to_stdout and sys.stdout.isatty():
        raise click.ClickException("a WARC file is binary: give -o FILE.warc.gz")
    archive = open_archive(db_path, create=False)
    try:
        if not to_stdout:
            check_output(archive, output)
        binary = fmt == "warc"
        with ExitStack() as stack:
            if not to_stdout:
                out = stack.enter_context(output_file(output, binary=binary))
            elif binary:
                out = WholeWrites(sys.stdout.buffer)
                stack.callback(out.flush)
            else:  # UTF-8 whatever the locale says, as the files are
                out = text_output(sys.stdout.buffer)
                stack.callback(out.detach)
                stack.callback(out.flush)
            if binary:
                name = "export.warc.gz" if to_stdout else output.name
                count = export_warc(archive, out, site=site, since=since, filename=name)
                what = "captures"
            else:
                count = export_posts(archive, out, fmt, site=site, since=since)
                what = "posts"
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, as cat or grep would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except (ExportError, ArchiveError, WarcError, sqlite3.Error, OSError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        archive.close()
    click.echo(f"{count} {what} exported", err=True)


@cli.command()
@db_option
@click.option(
    "--reindex",
    is_flag=True,
    help="First index again the posts and comments an older blogarchive indexed after the "
    "upgrade (the check 'posts_fts spelling'), and count again the words it counted (the "
    "check 'posts word counts'); the only writes verify makes.",
)
def verify(db_path: Path | None, reindex: bool) -> None:
    """Check that the archive is sound: SQLite integrity_check, the FTS indexes
    (integrity-check, and rows indexed the way an older version did), word counts an older
    version counted, rows without text, and each WARC capture's payload digest. Prints one line per check; exits 0 when sound, 1 when
    not."""
    from pipeline.verify import VerifyError, verify_archive

    if reindex:
        with open_archive(db_path, create=False, writes=True) as archive:
            count = archive.reindex_stale_rows()
            recounted = archive.recount_stale_word_counts()
        click.echo(f"reindexed {count} row(s) as this version indexes them")
        if recounted:
            click.echo(f"counted again the words of {recounted} post(s)")
    try:
        report = verify_archive(db_path or default_db_path())
    except VerifyError as error:
        raise click.ClickException(str(error)) from error
    for line in report.lines():
        click.echo(line)
    if not report.sound:
        sys.exit(1)


def _crawl_worker(
    urls: list[str], redis_url: str, run_name: str | None, overrides: dict[str, str]
) -> None:
    """`crawl --redis`: one worker of a shared crawl (pipeline/distributed.py)."""
    from pipeline.distributed import (
        REDIS_LOST_STAT,
        DistributedError,
        default_run_name,
        redacted,
        run_key,
        run_worker,
    )

    if not urls:
        raise click.UsageError("a worker needs the blog URLs: blogarchive crawl --redis URL BLOG")
    run = run_name or default_run_name()
    try:
        run_key(run, "requests")
        stats = run_worker(urls, redis_url, run, overrides)
    except DistributedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"worker of run {run}: {stats.get('response_received_count', 0)} responses, "
        f"{stats.get('blogarchive/redis/items_pushed', 0)} items pushed to "
        f"{redacted(redis_url)} ({stats.get('finish_reason', 'not started')})"
    )
    if stats.get(REDIS_LOST_STAT):
        raise click.ClickException(
            f"{stats[REDIS_LOST_STAT]}: run {run} is incomplete; what Redis kept is ingested "
            "once, and a crawl under a new --run name fetches the rest"
        )
    if stats.get("finish_reason") == "shutdown":
        sys.exit(EXIT_INTERRUPTED)


@cli.command()
@click.option(
    "--redis", "redis_url", required=True, metavar="URL", help="The Redis the workers push to."
)
@db_option
@click.option("--once", is_flag=True, help="Drain the queue, then exit (for cron and tests).")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Items per transaction.",
)
def ingest(redis_url: str, db_path: Path | None, once: bool, batch_size: int) -> None:
    """The single writer of a distributed crawl: move the items and captures workers pushed
    to Redis into the archive (captures as WARC files in warc/ beside it). Idempotent; can
    be stopped and restarted at any time."""
    import redis

    from pipeline.distributed import (
        DistributedError,
        Ingester,
        IngesterBusy,
        redacted,
        redis_client,
    )

    try:
        server = redis_client(redis_url)
    except DistributedError as error:
        raise click.ClickException(str(error)) from error
    with open_archive(db_path) as archive:
        ingester = Ingester(archive, server, batch_size=batch_size)
        try:
            ingester.claim()
        except IngesterBusy as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(EXIT_LOCKED)
        redis_lost = False
        try:
            recovered = ingester.recover()
            if recovered:
                click.echo(f"{recovered} items of an interrupted ingest put back", err=True)
            if once:
                ingester.drain()
            else:
                ingester.forever()
        except KeyboardInterrupt:
            pass
        except DistributedError as error:
            raise click.ClickException(str(error)) from error
        except redis.RedisError as error:
            # the batch being written was rolled back; what it took stays in the processing
            # list, put back (or, if it was committed, dropped) by the next ingest
            redis_lost = True
            raise click.ClickException(
                f"lost Redis at {redacted(redis_url)} ({error}) after {ingester.items} items; "
                "run ingest again once Redis is back: it takes up the batch in hand"
            ) from error
        finally:
            ingester.close(release_lease=not redis_lost)
    click.echo(f"{ingester.items} items ingested into {db_path or default_db_path()}")
