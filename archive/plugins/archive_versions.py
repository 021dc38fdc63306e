"""Datasette plugin: what changed between two versions of an archived post.

``/-/diff?db=NAME&post=ID&from=VERSION&to=VERSION`` shows the title, labels and text of two
``post_versions`` rows of one post side by side (difflib, every line escaped), with links to
both versions, the post and, when the archive has ``captures``, their captures. ``to``
defaults to the newest version and ``from`` to the one before ``to``. Only versions of the
given post are compared, and nothing stored is rendered as HTML.

difflib's side-by-side table compares every changed line with every other one (its time grows
with the product of the changed lines: seconds for a few hundred): versions longer than
``SIDE_BY_SIDE_LINES`` lines or ``SIDE_BY_SIDE_CHARS`` characters are shown as a line diff
instead (added and removed lines, no changes within a line), and either is computed in a
worker thread, so that a long post does not stall the other readers.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from html import escape

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from pipeline.serving import capture_path, is_archive

WRAP_COLUMN = 80
#: above these sizes (both versions together) the diff is a line diff, not side by side
SIDE_BY_SIDE_LINES = 400
SIDE_BY_SIDE_CHARS = 200_000


@hookimpl
def register_routes(datasette):
    if not is_archive(datasette):
        return []
    return [(r"^/-/diff$", diff_page)]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _lines(version: dict) -> list[str]:
    try:
        tags = json.loads(version.get("tags") or "[]")
    except ValueError:
        tags = []
    labels = ", ".join(str(tag) for tag in tags) if isinstance(tags, list) else ""
    text = [line for line in (version.get("text") or "").splitlines() if line.strip()]
    lines = [f"Title: {version.get('title') or ''}", f"Labels: {labels}", "", *text]
    # difflib marks changes with \0 and \1 internally: keep them out of the text.
    return [line.replace("\0", "").replace("\1", "") for line in lines]


def _line_diff(old: list[str], new: list[str]) -> str:
    """The lines removed and added between `old` and `new` (with two lines of context), each
    escaped, as a <pre> in the side-by-side table's colours."""
    out = []
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(f'<span class="diff_header">{escape(line)}</span>')
        elif line.startswith("+"):
            out.append(f'<span class="diff_add">{escape(line)}</span>')
        elif line.startswith("-"):
            out.append(f'<span class="diff_sub">{escape(line)}</span>')
        else:
            out.append(escape(line))
    return '<pre class="archive-line-diff">' + "\n".join(out) + "</pre>"


def diff_table(old: list[str], new: list[str], fromdesc: str, todesc: str) -> tuple[str, bool]:
    """The diff of two versions' lines as HTML, every line escaped, and whether it is the
    side-by-side table (False: a line diff, the versions being too long for one)."""
    lines = len(old) + len(new)
    chars = sum(map(len, old)) + sum(map(len, new))
    if lines > SIDE_BY_SIDE_LINES or chars > SIDE_BY_SIDE_CHARS:
        return _line_diff(old, new), False
    table = difflib.HtmlDiff(wrapcolumn=WRAP_COLUMN).make_table(
        old, new, fromdesc=fromdesc, todesc=todesc, context=True, numlines=2
    )
    return table, True


async def _error(datasette, request, message: str, status: int = 404) -> Response:
    html = await datasette.render_template("archive_diff.html", {"error": message}, request=request)
    return Response.html(html, status=status)


async def diff_page(datasette, request):
    # the archives served (a database served beside them has no posts to compare)
    names = [
        name
        for name, db in datasette.databases.items()
        if not db.is_memory and await db.table_exists("posts")
    ]
    name = request.args.get("db") or (names[0] if names else None)
    if name not in names:
        return await _error(datasette, request, "No such archive.")
    db = datasette.get_database(name)
    for key in ("from", "to"):
        if request.args.get(key) and _int(request.args.get(key)) is None:
            return await _error(datasette, request, f"?{key}= takes a version id (a number).", 400)
    post_id = _int(request.args.get("post"))
    if post_id is None:
        return await _error(datasette, request, "Give the post: ?post=ID.", 400)
    post = (await db.execute("select id, title, site from posts where id = ?", [post_id])).rows
    if not post:
        return await _error(datasette, request, "No such post.")
    has_captures = await db.table_exists("captures")
    columns = await db.table_columns("post_versions")
    capture = "capture_id" if has_captures and "capture_id" in columns else "null"
    versions = [
        dict(row)
        for row in (
            await db.execute(
                f"select id, title, text, tags, captured_at, {capture} as capture_id "
                "from post_versions where post_id = ? order by captured_at, id",
                [post_id],
            )
        ).rows
    ]
    ids = [version["id"] for version in versions]
    to_id = _int(request.args.get("to")) or (ids[-1] if ids else None)
    if to_id not in ids:
        return await _error(datasette, request, "No such version of this post.")
    from_id = _int(request.args.get("from"))
    if from_id is None:
        index = ids.index(to_id)
        from_id = ids[index - 1] if index > 0 else to_id
    if from_id not in ids:
        return await _error(datasette, request, "No such version of this post.")
    old = versions[ids.index(from_id)]
    new = versions[ids.index(to_id)]
    table, side_by_side = await asyncio.to_thread(
        diff_table,
        _lines(old),
        _lines(new),
        escape(f"version {old['id']} ({old['captured_at']})"),
        escape(f"version {new['id']} ({new['captured_at']})"),
    )
    post_url = datasette.urls.row(name, "posts", str(post_id))
    for version in (old, new):
        version["capture_href"] = (
            capture_path(datasette, name, version["capture_id"]) if version["capture_id"] else None
        )
        version["row_href"] = datasette.urls.row(name, "post_versions", str(version["id"]))
    context = {
        "post": dict(post[0]),
        "post_url": post_url,
        "old": old,
        "new": new,
        "same": old["id"] == new["id"],
        "changed": _lines(old) != _lines(new),
        # difflib escapes every line (&, <, >) itself; nothing else goes into this markup.
        "diff_table": Markup(table),
        "side_by_side": side_by_side,
        "versions": [
            {
                "id": version["id"],
                "captured_at": version["captured_at"],
                "row_href": datasette.urls.row(name, "post_versions", str(version["id"])),
                "href": datasette.urls.path(
                    f"/-/diff?db={name}&post={post_id}&from={ids[i - 1]}&to={version['id']}"
                )
                if i
                else None,
            }
            for i, version in enumerate(versions)
        ],
    }
    html = await datasette.render_template("archive_diff.html", context, request=request)
    return Response.html(html)
