"""Datasette plugin for the blog archive (loaded from archive/plugins/ with --plugins-dir).

- get_metadata: applies the ``databases: "*"`` block of archive/metadata.yml to every file
  database served, whatever its name (archive, demo, ...).
- prepare_jinja2_environment: the ``archive_html`` filter, which sanitises stored post HTML
  again with nh3 at render time and only then marks it safe.
- extra_template_vars: on a ``posts`` row page, the post (title, byline, dates, labels) and its
  comments, for archive/templates/row.html.
- render_cell: the long ``html`` columns of posts and post_versions show a short note instead
  of markup-as-text in tables.

Datasette registers plugins globally per process (by file name), so every hook checks that the
Datasette instance uses our metadata (the ``"*"`` block) before doing anything.
"""

from __future__ import annotations

import copy
import json
from urllib.parse import quote_plus, urlsplit

import nh3
from datasette import hookimpl
from datasette.utils import urlsafe_components
from markupsafe import Markup

WILDCARD = "*"
POSTS = "posts"
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


def sanitise(html: object) -> Markup:
    """Stored post HTML, cleaned with nh3 and marked safe for the template."""
    if html is None or html == "":
        return Markup("")
    cleaned = nh3.clean(
        str(html),
        clean_content_tags=DROP_WITH_CONTENT,
        attribute_filter=_attribute_filter,
        url_schemes=LINK_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Markup(cleaned)


def _wildcard_block(datasette) -> dict | None:
    # The configuration given to Datasette (--metadata / metadata=). There is no public
    # accessor that does not call get_metadata again, hence the private attribute.
    local = getattr(datasette, "_metadata_local", None) or {}
    block = (local.get("databases") or {}).get(WILDCARD)
    return block if isinstance(block, dict) else None


def _is_archive(datasette) -> bool:
    return _wildcard_block(datasette) is not None


@hookimpl
def get_metadata(datasette, key, database, table):
    block = _wildcard_block(datasette)
    if block is None:
        return None
    names = [name for name, db in datasette.databases.items() if not db.is_memory]
    # Datasette merges metadata dictionaries in place: hand it copies, never our block.
    return {"databases": {name: copy.deepcopy(block) for name in names}}


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["archive_html"] = sanitise


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if column != "html" or table not in HTML_TABLES or not _is_archive(datasette):
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


def _http_url(value: object) -> str | None:
    return value if isinstance(value, str) and _scheme(value) in ("http", "https") else None


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
            "original_url": _http_url(post.get("url")),
        },
        "archive_comments": comments,
        "archive_comments_href": f"{datasette.urls.table(database, 'comments')}"
        f"?post_id={post['id']}",
    }


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    if view_name != "row" or table != POSTS or request is None or not _is_archive(datasette):
        return None

    async def inner():
        return await _post_context(datasette, database, request)

    return inner
