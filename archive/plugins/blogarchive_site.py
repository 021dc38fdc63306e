"""Datasette plugin for the blog archive (loaded from archive/plugins/ with --plugins-dir).

- get_metadata: applies the ``databases: "*"`` block of archive/metadata.yml to every archive
  database served, whatever its name (archive, demo, ...).
- prepare_jinja2_environment: archive/templates/ first, when Datasette was started without
  ``--template-dir``; and the ``archive_html`` filter, which sanitises stored post HTML
  again with nh3 at render time and only then marks it safe. The post page sanitises its body
  in a worker thread instead (``archive_post.body_html``): nh3's parser takes time that grows
  with the square of the nesting depth (seconds for 20,000 nested ``<div>``), and on the event
  loop that would stall every other reader (nh3 releases the GIL).
- extra_template_vars: on a ``post_versions`` row page, that version (title, labels, text as
  captured) with its post and the post's other versions, for archive/templates/row.html: the
  version's address is a permalink to that text.
- extra_template_vars: on a ``posts`` row page, the post (title, byline, dates and where they
  came from, labels), its comments, its versions (with links to their diffs, served by
  archive_versions.py) and its latest WARC capture (``/-/capture/<id>``, when the archive has
  a ``captures`` table); on the home page (index.html), each blog (the ``blogs`` canned
  query) and the latest archived posts.
- render_cell: the long ``html`` columns of posts and post_versions show a short note instead
  of markup-as-text in tables.
- asgi_wrapper: a ``Content-Security-Policy`` on every response that has none (no inline
  script, no plugins, no framing by other sites; Datasette's own inline scripts are moved to
  archive/static/ by the templates in archive/templates/), plus ``nosniff`` and a referrer
  policy; and a 400 for ``/<database>.csv`` with no ``sql``, which Datasette 0.65 answers with
  a 500 (``KeyError: 'columns'``): a database has no rows of its own to export.
- register_routes: ``/static/`` from archive/static/ when Datasette was started without
  ``--static static:archive/static`` (a Datasette user's own command line).

Datasette registers plugins globally per process (by file name), so every hook checks that the
Datasette instance uses our metadata (the ``"*"`` block) before doing anything.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import nh3
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.handle_exception import handle_exception as default_handle_exception
from datasette.utils import tilde_decode, urlsafe_components
from datasette.utils.asgi import BadRequest, Response, asgi_static
from datasette.views.base import DatasetteError
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from pipeline.serving import (
    SECURITY_HEADERS,
    STATIC_MOUNT,
    archive_block,
    capture_path,
    is_archive,
    picture_path,
)
from pipeline.urls import http_url

DATABASE_CSV_HELP = (
    "A database has no CSV of its own: ask for a table's or a query's CSV "
    "(/<database>/<table>.csv, /<database>/<query>.csv) or give ?sql=.\n"
)
DATE_SOURCES = {
    "feed": "the blog's feed",
    "json-ld": "the page's JSON-LD data",
    "meta": "the page's meta tags",
    "markup": "the page's markup",
    "url": "the post's address",
    "text": "the post's text",
    "htmldate": "a guess from the page (htmldate)",
}
LATEST_POSTS = 10
# archive/static/ and archive/templates/, beside the archive/plugins/ this file is loaded from
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
POSTS = "posts"
VERSIONS = "post_versions"
HTML_TABLES = {"posts", "post_versions"}

# Render-time sanitising: independent of the ingest sanitiser on purpose (defence in depth).
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}
DROP_WITH_CONTENT = {
    "script", "style", "iframe", "noscript", "object", "embed", "template", "svg", "math",
    "form", "button", "select", "textarea", "frame", "frameset", "applet", "canvas", "audio",
    "video", "head", "title",
}  # fmt: skip


def _scheme(value: str) -> str | None:
    try:
        return urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return value if _scheme(value) in LINK_SCHEMES else None
    if attribute == "src":
        return value if _scheme(value) in IMAGE_SCHEMES else None
    return value


def sanitise(html: object, pictures: dict[str, str] | None = None) -> Markup:
    """Stored post HTML, cleaned with nh3 and marked safe for the template. `pictures` maps
    a picture's address to the archive's own copy of it (``/-/picture/ID?db=DB``): an
    ``<img>`` showing an archived picture loads it from the archive, not from the blog."""
    if html is None or html == "":
        return Markup("")
    attribute_filter = _attribute_filter
    if pictures:

        def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
            if tag == "img" and attribute == "src" and value.strip() in pictures:
                return pictures[value.strip()]
            return _attribute_filter(tag, attribute, value)

    cleaned = nh3.clean(
        str(html),
        clean_content_tags=DROP_WITH_CONTENT,
        attribute_filter=attribute_filter,
        url_schemes=LINK_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned)


@hookimpl
def get_metadata(datasette, key, database, table):
    block = archive_block(datasette)
    if block is None:
        return None
    names = [name for name, db in datasette.databases.items() if _is_archive_file(db)]
    # Datasette merges metadata dictionaries in place: hand it copies, never our block.
    return {"databases": {name: _within_row_limit(datasette, block) for name in names}}


# the database files found to be archives (a file never stops being one)
_ARCHIVE_FILES: set[str] = set()


def _is_archive_file(db) -> bool:
    """Whether a served database is an archive (has a ``posts`` table): only archives get the
    ``"*"`` block, not another database served beside them (``datasette archive/`` serves
    every ``*.db`` there). A file that cannot be read here counts as an archive, as before;
    one that is not an archive yet (a crawl is creating it) is looked at again next time."""
    if db.is_memory or not db.path:
        return False
    if db.path in _ARCHIVE_FILES:
        return True
    mode = "mode=ro" if db.is_mutable else "immutable=1"
    try:
        conn = sqlite3.connect(f"file:{quote(str(db.path))}?{mode}", uri=True)
        try:
            found = conn.execute(
                "select 1 from sqlite_master where type = 'table' and name = ?", [POSTS]
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return True
    if found:
        _ARCHIVE_FILES.add(db.path)
    return found is not None


def _within_row_limit(datasette, block: dict) -> dict:
    """A copy of the block whose tables' page sizes (``size``) are at most the server's
    ``max_returned_rows``: Datasette answers a table whose metadata asks for more with a 400
    (``_size must be <= N``), as under ``--setting max_returned_rows 20``."""
    block = copy.deepcopy(block)
    limit = datasette.setting("max_returned_rows")
    for table in (block.get("tables") or {}).values():
        size = table.get("size") if isinstance(table, dict) else None
        if isinstance(size, int) and isinstance(limit, int) and size > limit:
            table["size"] = limit
    return block


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["archive_html"] = sanitise
    if datasette.template_dir is None and is_archive(datasette) and TEMPLATES_DIR.is_dir():
        # started without --template-dir archive/templates: the archive's pages (the
        # dashboard, the diff, the post page; Datasette's own without their inline scripts)
        # come from archive/templates/ all the same, before Datasette's defaults
        env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES_DIR)), env.loader])


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column != "html" or table not in HTML_TABLES or not is_archive(datasette):
        return None
    if not value:
        return Markup("&nbsp;")
    return Markup('<em class="archive-html-cell">{:,} characters of HTML</em>').format(
        len(str(value))
    )


def _tags(value: object) -> list[str]:
    try:
        tags = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return []
    return [str(tag) for tag in tags if tag] if isinstance(tags, list) else []


async def _post_context(datasette, database, request) -> dict:
    pks = urlsafe_components(request.url_vars["pks"])
    if len(pks) != 1:
        return {}
    db = datasette.get_database(database)
    rows = (await db.execute("select * from posts where id = ?", [pks[0]])).rows
    if not rows:
        return {}
    post = dict(rows[0])
    comments = [
        dict(row)
        for row in (
            await db.execute(
                "select id, comment_key, author, published, text, parent from comments "
                "where post_id = ? order by published is null, published, id",
                [post["id"]],
            )
        ).rows
    ]
    table_url = datasette.urls.table(database, POSTS)
    published = post.get("published") or ""
    updated = post.get("updated") or ""
    versions, capture_id = await _versions(datasette, db, database, post["id"])
    pictures = await _archived_pictures(datasette, db, database, post["id"])
    return {
        "archive_post": {
            **post,
            "tag_links": [
                {"name": tag, "href": f"{table_url}?tags__arraycontains={quote_plus(tag)}"}
                for tag in _tags(post.get("tags"))
            ],
            "author_href": (
                f"{table_url}?author={quote_plus(post['author'])}" if post.get("author") else None
            ),
            "site_href": f"{table_url}?site={quote_plus(post['site'])}",
            "published_date": published[:10],
            "updated_date": updated[:10] if updated[:10] != published[:10] else "",
            "body_html": await asyncio.to_thread(sanitise, post.get("html"), pictures),
            "original_url": http_url(post.get("url")),
            "published_from": _date_source(post.get("published_source")),
            "updated_from": _date_source(post.get("updated_source")),
            "date_flags": _tags(post.get("date_flags")),
            "capture_href": (capture_path(datasette, database, capture_id) if capture_id else None),
        },
        "archive_versions": versions,
        "archive_comments": comments,
        "archive_comments_href": f"{datasette.urls.table(database, 'comments')}"
        f"?post_id={post['id']}",
    }


async def _archived_pictures(datasette, db, database: str, post_id: int) -> dict[str, str]:
    """Each picture of the post the crawl archived (``post_pictures`` with a capture): its
    address on the blog -> the archive's copy (archive/plugins/captures.py). Empty for an
    archive made before pictures were kept."""
    if not await db.table_exists("post_pictures"):
        return {}
    rows = await db.execute(
        "select url, max(capture_id) from post_pictures "
        "where post_id = ? and capture_id is not null group by url",
        [post_id],
    )
    return {row[0]: picture_path(datasette, database, row[1]) for row in rows.rows}


async def _version_context(datasette, database, request) -> dict:
    """A ``post_versions`` row page: that version's title, labels and text as it was
    captured, with the post it belongs to and its other versions (the version's address is a
    permalink: it shows this text whatever the post becomes)."""
    pks = urlsafe_components(request.url_vars["pks"])
    if len(pks) != 1:
        return {}
    db = datasette.get_database(database)
    rows = (
        await db.execute(
            "select post_versions.id, post_versions.post_id, post_versions.title, "
            "post_versions.text, post_versions.tags, post_versions.captured_at, "
            "posts.title as post_title, posts.site, posts.url "
            "from post_versions join posts on posts.id = post_versions.post_id "
            "where post_versions.id = ?",
            [pks[0]],
        )
    ).rows
    if not rows:
        return {}
    version = dict(rows[0])
    versions, _ = await _versions(datasette, db, database, version["post_id"])
    number = next(i for i, v in enumerate(versions, 1) if v["id"] == version["id"])
    return {
        "archive_version": {
            **version,
            "number": number,
            "tags": _tags(version.get("tags")),
            "post_href": datasette.urls.row(database, POSTS, str(version["post_id"])),
            "original_url": http_url(version.get("url")),
            "diff_href": versions[number - 1]["diff_href"],
            "capture_href": versions[number - 1]["capture_href"],
        },
        "archive_versions": versions,
    }


def _date_source(value: object) -> str | None:
    if not value:
        return None
    return DATE_SOURCES.get(str(value), str(value))


async def _versions(datasette, db, database: str, post_id: int) -> tuple[list[dict], int | None]:
    """The post's versions, oldest first, each with a diff link to the one before it; and the
    newest capture of the post (only when the archive has a ``captures`` table)."""
    has_captures = await db.table_exists("captures")
    columns = await db.table_columns("post_versions")
    capture = "capture_id" if has_captures and "capture_id" in columns else "null"
    rows = (
        await db.execute(
            f"select id, title, captured_at, {capture} as capture_id from post_versions "
            "where post_id = ? order by captured_at, id",
            [post_id],
        )
    ).rows
    versions = []
    previous = None
    for row in rows:
        version = dict(row)
        version["diff_href"] = (
            datasette.urls.path(
                f"/-/diff?db={quote_plus(database)}&post={post_id}"
                f"&from={previous}&to={version['id']}"
            )
            if previous is not None
            else None
        )
        version["capture_href"] = (
            capture_path(datasette, database, version["capture_id"])
            if version["capture_id"]
            else None
        )
        version["href"] = datasette.urls.row(database, VERSIONS, str(version["id"]))
        versions.append(version)
        previous = version["id"]
    capture_id = next((v["capture_id"] for v in reversed(versions) if v["capture_id"]), None)
    return versions, capture_id


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    if request is None or not is_archive(datasette):
        return None
    if view_name == "index":

        async def home():
            return {"archive_home": await _home_context(datasette, request)}

        return home
    if view_name != "row" or table not in (POSTS, VERSIONS):
        return None

    async def inner():
        if table == VERSIONS:
            return await _version_context(datasette, database, request)
        return await _post_context(datasette, database, request)

    return inner


async def _paused_sources(db) -> dict[int, tuple[str, str | None]]:
    """Paused sources (`blogarchive pause`) by id: when and why. Read here, not in the `blogs`
    canned query, so that the query keeps working on an archive served before migration
    008_paused_sources added the columns."""
    columns = {column.name for column in await db.table_column_details("sources")}
    if "paused_at" not in columns:
        return {}
    rows = await db.execute(
        "select id, paused_at, paused_reason from sources where paused_at is not null"
    )
    return {row[0]: (row[1], row[2]) for row in rows.rows}


async def _home_context(datasette, request) -> list[dict]:
    """For each archive database served: its blogs (the `blogs` canned query) and latest posts."""
    sections = []
    for name, db in datasette.databases.items():
        if db.is_memory or not await db.table_exists(POSTS):
            continue
        query = await datasette.get_canned_query(name, "blogs", request.actor)
        blogs = [dict(row) for row in (await db.execute(query["sql"])).rows] if query else []
        paused = await _paused_sources(db)
        for blog in blogs:
            blog["paused_at"], blog["paused_reason"] = paused.get(blog.get("id"), (None, None))
        latest = (
            await db.execute(
                "select id, title, site, author, published, first_seen from posts "
                "order by first_seen desc, id desc limit ?",
                [LATEST_POSTS],
            )
        ).rows
        totals = (
            await db.execute(
                "select (select count(*) from posts), (select count(*) from comments), "
                "(select count(*) from crawls), (select count(*) from failures)"
            )
        ).rows[0]
        sections.append(
            {
                "name": name,
                "blogs": blogs,
                "latest": [dict(row) for row in latest],
                "posts": totals[0],
                "comments": totals[1],
                "crawls": totals[2],
                "failures": totals[3],
                "search_url": f"{datasette.urls.database(name)}/search",
                "comments_url": f"{datasette.urls.database(name)}/search_comments",
                "posts_url": datasette.urls.table(name, POSTS),
                "crawls_url": datasette.urls.table(name, "crawls"),
                "failures_url": datasette.urls.table(name, "failures"),
                "sources_url": datasette.urls.table(name, "sources"),
                "blogs_url": f"{datasette.urls.database(name)}/blogs",
            }
        )
    return sections


def _is_database_csv_without_sql(datasette, scope: dict) -> bool:
    path = scope.get("path", "")
    base_url = datasette.setting("base_url") or "/"
    if path.startswith(base_url):
        path = "/" + path[len(base_url) :]
    if not path.endswith(".csv") or path.count("/") != 1:
        return False
    name = tilde_decode(path[1 : -len(".csv")])
    if name not in datasette.databases:
        return False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return not any(value.strip() for value in query.get("sql", []))


@hookimpl
def filters_from_request(request, database, table, datasette):
    """A 400 for ``?_sort=`` or ``?_sort_desc=`` naming a column the table does not have:
    Datasette 0.65 answers it with a 500 ("Cannot sort table by NAME")."""
    wanted = [request.args.get(key) for key in ("_sort", "_sort_desc")]
    wanted = [name for name in wanted if name]
    if table is None or not wanted or not is_archive(datasette):
        return None

    async def inner():
        sortable = datasette.table_metadata(database, table).get("sortable_columns")
        if sortable is None:
            db = datasette.get_database(database)
            sortable = await db.table_columns(table)
            if not await db.primary_keys(table):
                sortable.append("rowid")  # as Datasette does for a table without one
        for name in wanted:
            if name not in sortable:
                raise BadRequest(f"Cannot sort table by {name}: it has no such column")
        return None

    return inner


@hookimpl
def handle_exception(datasette, request, exception):
    """A query over ``sql_time_limit_ms`` that reached Datasette's handler uncaught (a
    ``.csv``, which Datasette 0.65 answers with a 500) answers as its pages and JSON do: 400
    "SQL Interrupted", naming the setting."""
    if not isinstance(exception, QueryInterrupted) or not is_archive(datasette):
        return None
    limit = datasette.setting("sql_time_limit_ms")
    error = DatasetteError(
        f"SQL query took too long: this server stops a query after {limit} ms "
        "(its sql_time_limit_ms setting). Narrow the query, or ask for fewer rows.",
        title="SQL Interrupted",
        status=400,
    )
    return default_handle_exception(datasette, request, error)


@hookimpl
def register_routes(datasette):
    """``/static/`` from archive/static/ (the folder beside this plugin's), when Datasette was
    not given it: ``datasette serve ... --plugins-dir archive/plugins --template-dir
    archive/templates`` without ``--static static:archive/static``. Our templates load the
    archive's styles and the scripts that replace Datasette's inline ones from there."""
    mounted = any(name == STATIC_MOUNT for name, _ in datasette.static_mounts)
    if mounted or not is_archive(datasette) or not STATIC_DIR.is_dir():
        return []
    return [(rf"^/{STATIC_MOUNT}/(?P<path>.*)$", asgi_static(STATIC_DIR))]


@hookimpl
def asgi_wrapper(datasette):
    if not is_archive(datasette):
        return lambda app: app

    def wrap(app):
        async def secured(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def send_with_policy(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    present = {name.lower() for name, _ in headers}
                    headers += [item for item in SECURITY_HEADERS if item[0] not in present]
                    message = {**message, "headers": headers}
                await send(message)

            if _is_database_csv_without_sql(datasette, scope):
                response = Response.text(DATABASE_CSV_HELP, status=400)
                return await response.asgi_send(send_with_policy)
            return await app(scope, receive, send_with_policy)

        return secured

    return wrap
