"""Datasette plugin: view a WARC capture of the archive safely.

- ``/-/capture/<id>``: the capture's details (URL, time, status, WARC file and offset), its
  HTTP headers, the page rendered in ``<iframe sandbox>`` (no ``allow-scripts``, no
  ``allow-same-origin``) and its source as escaped text.
- ``/-/capture/<id>/raw``: the body as captured, served with a ``Content-Security-Policy``
  whose ``sandbox`` directive has no ``allow-scripts`` and which loads nothing (no scripts,
  images, fonts or frames from the original site), ``nosniff`` and ``no-referrer``. Anything
  that is not HTML is served as ``text/plain``.
- ``/-/picture/<id>``: a picture a post shows, as the crawl captured it (a capture that
  ``post_pictures`` ties to a post; any other is "not found"): a raster picture (PNG, JPEG,
  GIF, WebP, AVIF, BMP, icon) with its own type, anything else (SVG, which can hold script,
  or a type the server made up) as ``application/octet-stream`` with
  ``Content-Disposition: attachment``, a download nothing renders; always ``nosniff`` and a
  ``Content-Security-Policy`` that runs and loads nothing (``sandbox; default-src 'none'``).

The capture is looked up in the ``captures`` table of the database named by ``?db=`` or the
first served database that has one; its WARC file is read at the recorded offset
(``pipeline.warc.read_record``), relative to the database file's folder. A revisit shows the
payload of the capture it refers to. Crawled HTML is never rendered outside the sandbox.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.pictures import served_type
from pipeline.serving import capture_path, picture_path
from pipeline.warc import WarcError, read_record

RAW_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
PICTURE_CSP = "sandbox; default-src 'none'; base-uri 'none'; form-action 'none'"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REDIRECTS = 20
SQLITE_MAX_INT = 2**63 - 1


@hookimpl
def register_routes():
    return [
        (r"^/-/capture/(?P<id>[^/]+)$", capture_page),
        (r"^/-/capture/(?P<id>[^/]+)/raw$", capture_raw),
        (r"^/-/picture/(?P<id>[^/]+)$", picture),
    ]


async def _database(datasette, request):
    wanted = request.args.get("db")
    for name, db in datasette.databases.items():
        if db.is_memory or (wanted and name != wanted):
            continue
        if await db.table_exists("captures"):
            return name, db
    return None, None


async def _row(db, capture_id: int) -> dict | None:
    rows = (await db.execute("select * from captures where id = ?", [capture_id])).rows
    return dict(rows[0]) if rows else None


async def _load(datasette, request):
    """(database name, capture row, original row, record of the capture, of the original)."""
    name, db = await _database(datasette, request)
    if db is None:
        return None
    # the same permissions as the captures table itself (raises Forbidden otherwise)
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (name, "captures")), ("view-database", name), "view-instance"],
    )
    capture_id = request.url_vars["id"]
    if not capture_id.isascii() or not capture_id.isdigit() or int(capture_id) > SQLITE_MAX_INT:
        return None  # "No such capture." like any id that is not in the table
    capture = await _row(db, int(capture_id))
    if capture is None:
        return None
    original = capture
    for _ in range(MAX_REDIRECTS):
        if original["record_type"] != "revisit" or not original["refers_to"]:
            break
        original = await _row(db, original["refers_to"])
        if original is None:
            return None
    base = Path(db.path).parent if db.path else Path.cwd()

    def record(row: dict):
        path = Path(row["warc_file"])
        return read_record(
            path if path.is_absolute() else base / path, row["offset"], row["length"]
        )

    try:
        own = record(capture)
        payload = own if original["id"] == capture["id"] else record(original)
    except WarcError:
        return name, capture, original, None, None
    return name, capture, original, own, payload


async def _posts_of(datasette, name: str, capture_id: int) -> list[tuple[str, str]]:
    """(link, " (title)") of each post with a version taken from this capture."""
    db = datasette.get_database(name)
    if "capture_id" not in await db.table_columns("post_versions"):
        return []  # an archive from before captures were linked to versions
    rows = await db.execute(
        "select distinct posts.id, posts.title from post_versions "
        "join posts on posts.id = post_versions.post_id "
        "where post_versions.capture_id = ? order by posts.id limit 10",
        [capture_id],
    )
    return [
        (datasette.urls.row(name, "posts", str(row[0])), f" ({row[1]})" if row[1] else "")
        for row in rows.rows
    ]


def _text(record) -> str:
    charset = record.charset or "utf-8"
    try:
        return record.payload.decode(charset, errors="replace")
    except LookupError:
        return record.payload.decode("utf-8", errors="replace")


def _not_found(message: str) -> Response:
    return Response.html(
        f"<!DOCTYPE html><title>Not found</title><p>{escape(message)}</p>",
        status=404,
        headers={"Content-Security-Policy": PAGE_CSP},
    )


async def capture_raw(datasette, request):
    loaded = await _load(datasette, request)
    if loaded is None or loaded[4] is None:
        return _not_found("No such capture, or its WARC file cannot be read.")
    payload = loaded[4]
    mime = payload.mime if payload.mime in HTML_TYPES else "text/plain"
    charset = payload.charset or "utf-8"
    return Response(
        payload.payload,
        status=200,
        content_type=f"{mime}; charset={charset}",
        headers={
            "Content-Security-Policy": RAW_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "private, max-age=3600",
        },
    )


async def _is_picture(datasette, name: str, capture_id: int) -> bool:
    """Whether a post shows this capture as one of its pictures (``post_pictures``)."""
    db = datasette.get_database(name)
    if not await db.table_exists("post_pictures"):
        return False
    rows = await db.execute(
        "select 1 from post_pictures where capture_id = ? limit 1", [capture_id]
    )
    return bool(rows.rows)


async def picture(datasette, request):
    """A post's picture as the crawl captured it: a raster picture with its own type,
    anything else only as a download (see the module's docstring)."""
    loaded = await _load(datasette, request)
    if loaded is None or loaded[4] is None:
        return _not_found("No such picture, or its WARC file cannot be read.")
    name, capture, _original, _own, payload = loaded
    if not await _is_picture(datasette, name, capture["id"]) or payload.status != 200:
        return _not_found("No such picture.")
    headers = {
        "Content-Security-Policy": PICTURE_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "private, max-age=86400",
    }
    content_type = served_type(payload.mime)
    if content_type is None:
        content_type = "application/octet-stream"
        headers["Content-Disposition"] = f'attachment; filename="picture-{capture["id"]}"'
    return Response(payload.payload, status=200, content_type=content_type, headers=headers)


async def capture_page(datasette, request):
    loaded = await _load(datasette, request)
    if loaded is None:
        return _not_found("No such capture.")
    name, capture, original, own, payload = loaded
    capture_id = capture["id"]
    details = [
        ("URL", capture["url"]),
        ("fetched", capture["fetched_at"]),
        ("HTTP status", capture["status"]),
        ("record", capture["record_type"]),
        ("type", capture["mime"]),
        ("payload digest", capture["digest"]),
        ("WARC file", f"{capture['warc_file']} @ {capture['offset']} (+{capture['length']})"),
    ]
    if original["id"] != capture_id:
        details.append(("payload from", f"capture {original['id']} of {original['fetched_at']}"))
    rows = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{escape(str(value or ''))}</td></tr>"
        for key, value in details
    )
    posts = "".join(
        f" · <a class='capture-post' href='{escape(href)}'>the archived post{escape(title)}</a>"
        for href, title in await _posts_of(datasette, name, capture_id)
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        # without it a phone lays the page out 980 pixels wide and shrinks it to fit
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Capture {capture_id} of {escape(capture['url'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:1.5em;max-width:70em}"
        "th{text-align:left;padding-right:1em;vertical-align:top}"
        "td{overflow-wrap:anywhere}"
        "pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:1em}"
        "iframe{width:100%;height:40em;border:1px solid #999}</style></head><body>",
        f"<p><a href='{escape(datasette.urls.table(name, 'captures'))}'>captures</a>{posts}</p>",
        f"<h1>Capture {capture_id}</h1><table>{rows}</table>",
    ]
    if own is None or payload is None:
        parts.append("<p><strong>The WARC file of this capture cannot be read.</strong></p>")
    else:
        headers = "\n".join(f"{key}: {value}" for key, value in own.http_headers)
        parts.append(f"<h2>HTTP headers</h2><pre>{escape(headers)}</pre>")
        raw = capture_path(datasette, name, capture_id, raw=True)
        if payload.mime in HTML_TYPES and payload.payload:
            parts.append(
                "<h2>Page</h2><p>Rendered without scripts or outside resources.</p>"
                f"<iframe sandbox src='{escape(raw)}' title='captured page' "
                "referrerpolicy='no-referrer'></iframe>"
            )
        if payload.mime.startswith("image/"):  # a post's picture: bytes, not text
            picture_href = picture_path(datasette, name, capture_id)
            shown = (
                f"<img src='{escape(picture_href)}' alt='the captured picture'>"
                if served_type(payload.mime) and await _is_picture(datasette, name, capture_id)
                else ""
            )
            parts.append(
                f"<h2>Picture</h2><p><a href='{escape(raw)}'>as captured</a>, "
                f"{escape(payload.mime)}, {len(payload.payload):,} bytes</p>{shown}"
            )
        else:
            parts.append(
                f"<h2>Source</h2><p><a href='{escape(raw)}'>as captured</a>, "
                f"{len(payload.payload):,} bytes</p><pre>{escape(_text(payload))}</pre>"
            )
    parts.append("</body></html>")
    return Response.html("".join(parts), headers={"Content-Security-Policy": PAGE_CSP})
