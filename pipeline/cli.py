"""`blogarchive`: the command line, a thin click layer over the library modules."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import click

from pipeline import __version__
from pipeline.crawl import SettingError, parse_overrides, run_crawl
from pipeline.extraction import ExtractionError, extract_post
from pipeline.paths import default_db_path
from pipeline.store import Archive, ArchiveError
from pipeline.urls import SourceURLError, normalise_source_url

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


def open_archive(db_path: Path | None) -> Archive:
    try:
        return Archive(db_path or default_db_path())
    except ArchiveError as error:
        raise click.ClickException(str(error)) from error


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
def crawl(urls: tuple[str, ...], db_path: Path | None, settings: tuple[str, ...]) -> None:
    """Crawl blogs into the archive.

    With URLs, crawls those blogs (recording them in `sources`); with none, crawls every
    source. Prints one line per source; exits non-zero when any source failed outright.
    """
    try:
        overrides = parse_overrides(settings)
        given = [normalise_source_url(url) for url in urls]
    except (SettingError, SourceURLError) as error:
        raise click.ClickException(str(error)) from error
    db_path = db_path or default_db_path()
    with open_archive(db_path) as archive:
        for url in given:
            archive.add_source(url)
        sources = given or [row["url"] for row in archive.sources()]
    if not sources:
        raise click.ClickException(
            "no sources: give a blog URL, or add one with `blogarchive add URL`"
        )
    summaries = run_crawl(sources, db_path, overrides)
    for summary in summaries:
        click.echo(summary.line())
    if not all(summary.ok for summary in summaries):
        sys.exit(1)


@cli.command()
@click.argument("url")
@db_option
def add(url: str, db_path: Path | None) -> None:
    """Add a blog to the sources that `blogarchive crawl` visits."""
    try:
        url = normalise_source_url(url)
    except SourceURLError as error:
        raise click.ClickException(str(error)) from error
    with open_archive(db_path) as archive:
        known = any(row["url"] == url for row in archive.sources())
        archive.add_source(url)
    click.echo(f"{'already a source' if known else 'added'}: {url}")


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def sources(db_path: Path | None, as_json: bool) -> None:
    """List the blogs in the archive, with their post counts and last crawl."""
    with open_archive(db_path) as archive:
        rows = archive.sources()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['url']}\t{row['platform'] or '?'}\t{row['posts']} posts\t"
            f"last crawl {row['last_crawl_at'] or 'never'} ({row['last_status'] or '-'})"
        )


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", default=20, show_default=True, help="How many results.")
@click.option(
    "--raw", is_flag=True, help="Pass FTS5 query syntax (AND, OR, NEAR, prefix*) through."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of text.")
def search(query: str, db_path: Path | None, limit: int, raw: bool, as_json: bool) -> None:
    """Full-text search of the archived posts, best matches first."""
    with open_archive(db_path) as archive:
        try:
            results = archive.search(query, limit=limit, raw=raw)
        except ArchiveError as error:
            raise click.ClickException(str(error)) from error
    if not results:
        click.echo("no posts match", err=True)
    for row in results:
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
    html, comments)."""
    if original_url and len(inputs) > 1:
        raise click.ClickException("--url gives the address of a single file")
    failed = 0
    for item in inputs:
        try:
            body, url, encoding = _read_input(item, original_url)
            record = extract_post(body, url, encoding=encoding)
        except (OSError, ExtractionError, ValueError) as error:
            click.echo(f"error: {item}: {error}", err=True)
            failed += 1
            continue
        click.echo(json.dumps(record.to_dict(), ensure_ascii=False))
    if failed:
        sys.exit(1)


def _read_input(item: str, original_url: str | None) -> tuple[bytes, str, str | None]:
    if item.startswith(("http://", "https://")):
        request = urllib.request.Request(item, headers={"User-Agent": "blogarchive"})
        with urllib.request.urlopen(request, timeout=30) as response:
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
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
def serve(db_path: Path | None, host: str, port: int) -> None:
    """Serve the archive with Datasette and the project's archive/ configuration."""
    from pipeline.serving import serve as serve_archive

    db_path = db_path or default_db_path()
    open_archive(db_path).close()  # creates and migrates it if needed
    click.echo(f"serving {db_path} on http://{host}:{port}/ (Ctrl-C to stop)")
    serve_archive(db_path, host=host, port=port)


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The demo archive (default: archive/demo.db).",
)
@click.option("--no-serve", is_flag=True, help="Crawl the demo blogs, then exit.")
@click.option("--port", default=8001, show_default=True, help="Datasette's port.")
@click.option(
    "--blogger-port", default=8101, show_default=True, help="The demo Blogger blog's port."
)
@click.option(
    "--wordpress-port", default=8102, show_default=True, help="The demo WordPress blog's port."
)
def demo(
    db_path: Path | None, no_serve: bool, port: int, blogger_port: int, wordpress_port: int
) -> None:
    """Start the bundled demo blogs on 127.0.0.1, crawl them, and serve the archive."""
    from pipeline.demo.server import start_demo_blogs

    db_path = db_path or default_db_path().with_name("demo.db")
    try:
        blogs = start_demo_blogs(blogger_port=blogger_port, wordpress_port=wordpress_port)
    except OSError as error:
        raise click.ClickException(f"cannot start the demo blogs: {error}") from error
    with blogs:
        sources = [blogs.blogger.url, blogs.wordpress.url]
        click.echo(f"demo blogs: {sources[0]} (Blogger) and {sources[1]} (WordPress)")
        summaries = run_crawl(sources, db_path, LOOPBACK_SETTINGS)
        for summary in summaries:
            click.echo(summary.line())
        if no_serve:
            if not all(summary.ok for summary in summaries):
                sys.exit(1)
            return
        from pipeline.serving import serve as serve_archive

        click.echo(f"serving {db_path} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        serve_archive(db_path, host="127.0.0.1", port=port)
