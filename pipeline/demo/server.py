"""Loopback demo blogs: a Blogger-style and a WordPress-style blog served over HTTP.

The markup, feeds, sitemaps, robots.txt and (for WordPress) the REST API follow
what the real platforms emit, so a crawler and extractor built against these
demo blogs work on real blogs too.

``BlogSite.handle()`` is a pure request -> response function; ``DemoServer``
wraps a site in a quiet threaded ``http.server`` on 127.0.0.1.  The site reads
``site.posts`` on every request, so tests may edit, add or remove posts between
requests and see the change at once (set ``site.check_changes = False`` and call
``site.invalidate()`` by hand for very large synthetic blogs).

Run ``python -m pipeline.demo.server --blogger-port 8101 --wordpress-port 8102``.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import json
import math
import re
import socket
import struct
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from . import content as _content
from .content import DemoComment, DemoPost

__all__ = [
    "BlogSite",
    "BloggerSite",
    "WordPressSite",
    "DemoServer",
    "DemoBlogs",
    "start_demo_blogs",
    "main",
]

Response = tuple[int, dict[str, str], bytes]

HTML_TYPE = "text/html; charset=UTF-8"
XML_TYPE = "application/xml; charset=UTF-8"
JSON_TYPE = "application/json; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=utf-8"


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def xesc(s: str) -> str:
    """Escape for XML text/attributes."""
    return html.escape(s, quote=True).replace("&#x27;", "&apos;")


def parse_iso(value: str) -> datetime:
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def http_date(dt: datetime) -> str:
    return email.utils.format_datetime(dt.astimezone(UTC), usegmt=True)


def rfc822(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def slugify(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "x"


def _cdata(s: str) -> str:
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _digits(seed: str, n: int = 20) -> str:
    h = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return str(h)[:n]


def tiny_png(
    width: int = 4, height: int = 1, colour: tuple[int, int, int] = (200, 216, 192)
) -> bytes:
    """A PNG of one colour, made here (the demo's pictures, the tests' too)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = (b"\x00" + bytes(colour) * width) * height
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


def body_html_of(post: DemoPost) -> str:
    """The post body as HTML (``body_html`` if still valid, else one <p> per paragraph)."""
    b = post.effective_body_html()
    if b is not None:
        return b
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in post.paragraphs)


def snippet(post: DemoPost, limit: int = 160) -> str:
    text = " ".join(post.paragraphs)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "\u2026"


class _Request:
    __slots__ = ("method", "path", "query", "headers", "base", "raw_query")

    def __init__(self, method, path, query, headers, base, raw_query):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.base = base
        self.raw_query = raw_query

    def q(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)


def _resp(status: int, body: str | bytes, ctype: str = HTML_TYPE, **extra: str) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": ctype}
    headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    return status, headers, data


def _redirect(location: str, status: int = 301) -> Response:
    return _resp(status, f'<a href="{esc(location)}">Moved</a>', Location=location)


@dataclass
class SiteIndex:
    """A snapshot of a site's posts, rebuilt whenever ``site.posts`` changes."""

    posts: list[DemoPost]  # newest first
    pages: list[DemoPost]
    by_path: dict[str, DemoPost]
    page_by_path: dict[str, DemoPost]
    position: dict[int, int]  # id(post) -> index in posts
    ids: dict[int, str]  # id(post) -> platform id
    labels: dict[str, list[DemoPost]]  # label -> posts newest first
    published: dict[int, datetime]
    updated: dict[int, datetime]
    cache: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# base site
# ---------------------------------------------------------------------------


class BlogSite:
    """A blog: a title, a mutable list of posts and a pure ``handle()``."""

    default_title = "Demo blog"
    default_description = ""
    server_header = "DemoBlog"

    def __init__(
        self,
        posts: list[DemoPost] | None = None,
        *,
        title: str | None = None,
        description: str | None = None,
        pages: list[DemoPost] | None = None,
    ) -> None:
        self.title: str = title if title is not None else self.default_title
        self.description: str = description if description is not None else self.default_description
        self.posts: list[DemoPost] = posts if posts is not None else self.default_posts()
        self.pages: list[DemoPost] = pages if pages is not None else self.default_pages()
        self.base_url = "http://127.0.0.1"
        self.check_changes = True
        self._lock = threading.RLock()
        self._index: SiteIndex | None = None
        self._index_key: tuple | None = None
        self._render_cache: dict[tuple, bytes] = {}

    # -- to override --------------------------------------------------------
    def default_posts(self) -> list[DemoPost]:
        return []

    def default_pages(self) -> list[DemoPost]:
        return []

    def post_path(self, post: DemoPost) -> str:
        raise NotImplementedError

    def page_path(self, page: DemoPost) -> str:
        raise NotImplementedError

    def make_id(self, post: DemoPost, kind: str) -> str:
        return post.post_id or _digits(kind + ":" + post.slug + post.published, 10)

    def route(self, req: _Request) -> Response | None:
        raise NotImplementedError

    def not_found(self, req: _Request) -> Response:
        return _resp(404, "<!DOCTYPE html><title>Not found</title><h1>Not found</h1>")

    # -- index --------------------------------------------------------------
    def invalidate(self) -> None:
        with self._lock:
            self._index_key = None
            self._index = None

    def _fingerprint(self) -> tuple:
        def fp(p: DemoPost) -> tuple:
            return (
                id(p),
                p.slug,
                p.title,
                p.author,
                p.published,
                p.updated,
                tuple(p.labels),
                p.post_id,
                p.paragraphs[0] if p.paragraphs else "",
                len(p.comments),
            )

        return (tuple(map(fp, self.posts)), tuple(map(fp, self.pages)), self.title)

    def index(self) -> SiteIndex:
        with self._lock:
            if self._index is not None and not self.check_changes:
                return self._index
            key = self._fingerprint()
            if self._index is not None and key == self._index_key:
                return self._index
            self._index = self._build_index()
            self._index_key = key
            self._render_cache.clear()
            return self._index

    def _build_index(self) -> SiteIndex:
        posts = list(self.posts)
        published = {id(p): parse_iso(p.published) for p in posts + self.pages}
        updated = {id(p): parse_iso(p.updated) for p in posts + self.pages}
        ids = {id(p): self.make_id(p, "post") for p in posts}
        ids.update({id(p): self.make_id(p, "page") for p in self.pages})
        posts.sort(key=lambda p: (published[id(p)], ids[id(p)]), reverse=True)
        by_path = {}
        labels: dict[str, list[DemoPost]] = {}
        for p in posts:
            by_path.setdefault(self.post_path(p), p)
            for label in p.labels:
                labels.setdefault(label, []).append(p)
        page_by_path = {self.page_path(p): p for p in self.pages}
        return SiteIndex(
            posts=posts,
            pages=list(self.pages),
            by_path=by_path,
            page_by_path=page_by_path,
            position={id(p): i for i, p in enumerate(posts)},
            ids=ids,
            labels=dict(sorted(labels.items(), key=lambda kv: kv[0].lower())),
            published=published,
            updated=updated,
        )

    def last_modified(self, ix: SiteIndex, post: DemoPost) -> datetime:
        """post.updated, or the newest comment if later."""
        lm = ix.updated[id(post)]
        for c in post.comments:
            try:
                lm = max(lm, parse_iso(c.published))
            except ValueError:
                pass
        return lm

    def cached(self, key: tuple, render: Callable[[], bytes]) -> bytes:
        """Memoise a rendering for the current index (cleared when posts change)."""
        with self._lock:
            hit = self._render_cache.get(key)
        if hit is not None:
            return hit
        data = render()
        with self._lock:
            if len(self._render_cache) > 4096:
                self._render_cache.clear()
            self._render_cache[key] = data
        return data

    @staticmethod
    def content_key(post: DemoPost) -> tuple:
        return (
            id(post),
            post.title,
            post.author,
            post.published,
            post.updated,
            tuple(post.labels),
            tuple(post.paragraphs),
            post.effective_body_html(),
            tuple((c.comment_id, c.author, c.published, c.text, c.parent) for c in post.comments),
        )

    # -- request handling ---------------------------------------------------
    def handle(
        self, method: str, path_with_query: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        """Answer one request: (status, headers, body).  HEAD gets an empty body."""
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        split = urlsplit(path_with_query)
        path = unquote(split.path) or "/"
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        host = hdrs.get("host")
        base = f"http://{host}" if host else self.base_url.rstrip("/")
        req = _Request(method.upper(), path, query, hdrs, base, split.query)
        if req.method not in ("GET", "HEAD"):
            status, out_headers, body = _resp(405, "Method Not Allowed", TEXT_TYPE)
            out_headers["Allow"] = "GET, HEAD"
        else:
            try:
                result = self.route(req)
            except _BadRequest as e:
                result = e.response
            if result is None:
                result = self.not_found(req)
            status, out_headers, body = result
        out_headers = dict(out_headers)
        if status == 200:
            if "ETag" not in out_headers:
                out_headers["ETag"] = '"' + hashlib.md5(body).hexdigest()[:20] + '"'
            if self._not_modified(hdrs, out_headers):
                keep = ("ETag", "Last-Modified", "Cache-Control", "Expires", "Vary")
                return 304, {k: v for k, v in out_headers.items() if k in keep}, b""
        out_headers["Content-Length"] = str(len(body))
        if req.method == "HEAD":
            body = b""
        return status, out_headers, body

    @staticmethod
    def _not_modified(req_headers: dict[str, str], out: dict[str, str]) -> bool:
        inm = req_headers.get("if-none-match")
        if inm is not None:
            etag = out.get("ETag", "").removeprefix("W/")
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = req_headers.get("if-modified-since")
        lm = out.get("Last-Modified")
        if ims and lm:
            try:
                since = email.utils.parsedate_to_datetime(ims)
                modified = email.utils.parsedate_to_datetime(lm)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return modified <= since
        return False


class _BadRequest(Exception):
    def __init__(self, response: Response):
        super().__init__(response[0])
        self.response = response


# ---------------------------------------------------------------------------
# theme chrome generators (deterministic filler that looks like real themes)
# ---------------------------------------------------------------------------

_PALETTE = [
    ("black", "#000000"),
    ("white", "#ffffff"),
    ("gray", "#757575"),
    ("light-gray", "#eeeeee"),
    ("blue", "#2962ff"),
    ("dark-blue", "#1a237e"),
    ("green", "#2e7d32"),
    ("dark-green", "#1b5e20"),
    ("red", "#c62828"),
    ("orange", "#ef6c00"),
    ("yellow", "#f9a825"),
    ("purple", "#6a1b9a"),
    ("pale-pink", "#f78da7"),
    ("vivid-red", "#cf2e2e"),
    ("luminous-orange", "#ff6900"),
    ("amber", "#fcb900"),
    ("pale-cyan", "#8ed1fc"),
    ("cyan-blue", "#0693e3"),
    ("vivid-purple", "#9b51e0"),
    ("beige", "#e4d1b1"),
    ("sage", "#d1e4dd"),
    ("lavender", "#d1d1e4"),
]
_SIZES = [
    ("small", "13px"),
    ("normal", "16px"),
    ("medium", "20px"),
    ("large", "36px"),
    ("x-large", "42px"),
    ("huge", "64px"),
    ("gigantic", "96px"),
]


def _blogger_css() -> str:
    variables = []
    for i, (name, value) in enumerate(_PALETTE):
        variables.append(
            f'<Variable name="{name.replace("-", ".")}.color" description="{name.title()} color"'
            f' type="color" default="{value}" value="{value}"/>'
        )
        if i % 3 == 0:
            variables.append(
                f'<Variable name="{name}.font" description="{name.title()} font" type="font"'
                f' default="normal normal {12 + i}px Roboto, sans-serif"'
                f' value="normal normal {12 + i}px Roboto, sans-serif"/>'
            )
    rules = [
        "body{overflow-wrap:break-word;word-break:break-word;word-wrap:break-word}",
        ".hidden{display:none}.invisible{visibility:hidden}",
        ".container::after,.float-container::after{clear:both;content:'';display:table}",
        ".clearboth{clear:both}#comments .comment .comment-actions,.subscribe-popup .FollowByEmail"
        " .follow-by-email-submit,.widget.Profile .profile-link,.widget.Profile "
        ".profile-link.visit-profile{background:0 0;border:0;box-shadow:none;color:#2196f3;"
        "cursor:pointer;font-size:14px;font-weight:700;outline:0;text-decoration:none;"
        "text-transform:uppercase;width:auto}",
        ".dim-overlay{background-color:rgba(0,0,0,.54);height:100vh;left:0;position:fixed;"
        "top:0;width:100%}#sharing-dim-overlay{background-color:transparent}",
        "input::-ms-clear{display:none}.blogger-logo,.svg-icon-24.blogger-logo{fill:#ff9800;"
        "opacity:1}",
        ".loading-spinner-large{-webkit-animation:mspin-rotate 1.568s infinite linear;"
        "animation:mspin-rotate 1.568s infinite linear;height:48px;overflow:hidden;"
        "position:absolute;width:48px;z-index:200}",
        ".post-body{color:#757575;font:15px Roboto,sans-serif;line-height:1.6em;"
        "margin:1.5em 0 2em 0;display:block}",
        ".post-body img{height:inherit}.post-body .snippet-thumbnail{float:left;margin:0;"
        "margin-right:2em;max-height:128px;max-width:128px}",
        "h3.post-title{font:500 36px Roboto,sans-serif;margin:0;color:#212121}",
        ".byline{color:rgba(0,0,0,.54);display:inline-block;line-height:24px;"
        "margin-top:8px;vertical-align:top}",
        ".share-buttons{background-color:#fafafa;border-radius:2px;box-shadow:0 2px 2px 0 "
        "rgba(0,0,0,.14),0 3px 1px -2px rgba(0,0,0,.2),0 1px 5px 0 rgba(0,0,0,.12);color:#212121;"
        "list-style:none;margin:0;padding:8px 0;position:absolute;top:-11px;min-width:200px;"
        "z-index:101}",
        ".sharing-platform-button{background-color:transparent;border:0;box-sizing:border-box;"
        "cursor:pointer;display:block;height:100%;margin-bottom:0;margin-top:0;"
        "padding-left:16px;position:relative;width:100%}",
        ".comments .comment-thread.inline-thread{background-color:#fafafa;margin:0 0 0 24px}"
        ".comments .continue{display:none}",
        ".widget.PopularPosts .post-title{font:500 16px Roboto,sans-serif;margin:0}",
        ".widget.BlogArchive .post-count{color:#757575;margin-left:4px}",
        ".widget.Label li{display:inline-block;margin:0 8px 8px 0}",
        ".blog-pager{background:transparent;border:none;text-align:center;overflow:hidden;"
        "padding:16px}",
    ]
    for name, value in _PALETTE:
        rules.append(f".variant-{name} .centered-top{{background-color:{value}}}")
        rules.append(
            f".variant-{name} .post-title a,.variant-{name} .post-title a:visited{{color:{value}}}"
        )
        rules.append(f".variant-{name} .sidebar-container{{border-left:1px solid {value}}}")
    for bp in (1440, 1200, 968, 840, 720, 600, 480):
        rules.append(
            f"@media screen and (max-width:{bp}px){{.centered{{max-width:{bp - 40}px}}"
            f".post-body{{font-size:{13 + bp // 400}px}}.widget .title{{font-size:"
            f"{12 + bp // 300}px}}.sidebar-container{{width:{min(320, bp // 3)}px}}"
            f".post-outer-container{{padding:{8 + bp // 120}px}}}}"
        )
    for w in (
        "Header",
        "Blog",
        "PopularPosts",
        "BlogArchive",
        "Label",
        "Profile",
        "Attribution",
        "FeaturedPost",
        "PageList",
        "BlogSearch",
        "ReportAbuse",
        "Followers",
    ):
        rules.append(
            f".widget.{w}{{margin:0 0 24px 0;padding:0}}.widget.{w} .title{{font:500 14px "
            f"Roboto,sans-serif;letter-spacing:.1px;text-transform:uppercase;margin:0 0 16px}}"
            f".widget.{w} .widget-content{{position:relative}}"
            f".widget.{w} a{{color:#2196f3;text-decoration:none}}"
        )
    header = "/*\n-----------------------------------------------\nBlogger Template Style\n" + (
        "Name:     Contempo\n----------------------------------------------- */\n/* Variable "
        "definitions\n====================\n" + "\n".join(variables) + "\n*/\n"
    )
    return header + "\n".join(rules)


def _blogger_js(blog_id: str) -> str:
    widgets = [
        ("_HeaderView", "Header1", "header"),
        ("_BlogView", "Blog1", "page_body"),
        ("_PopularPostsView", "PopularPosts1", "sidebar"),
        ("_BlogArchiveView", "BlogArchive1", "sidebar"),
        ("_LabelView", "Label1", "sidebar"),
        ("_ProfileView", "Profile1", "sidebar"),
        ("_AttributionView", "Attribution1", "footer"),
        ("_ReportAbuseView", "ReportAbuse1", "sidebar"),
        ("_PageListView", "PageList1", "nav"),
        ("_BlogSearchView", "BlogSearch1", "search_top"),
    ]
    lines = [
        "window['__wavt'] = 'AOuZoY7demo';",
        "_WidgetManager._Init('//www.blogger.com/rearrange?blogID\\x3d" + blog_id + "', "
        "'//example.invalid/', '" + blog_id + "');",
        "_WidgetManager._SetDataContext([{'name': 'blog', 'data': {'blogId': '" + blog_id + "', "
        "'encoding': 'UTF-8', 'locale': 'en', 'localeUnderscoreDelimited': 'en', "
        "'languageDirection': 'ltr', 'isPrivate': false, 'isMobile': false, "
        "'isMobileRequest': false, 'mobileClass': '', 'isPrivateBlog': false, "
        "'isDynamicViewsAvailable': true, 'feedLinks': '', 'meTag': '', "
        "'adsenseHostId': 'ca-host-pub-1556223355139109', 'adsenseHasAds': false, "
        "'adsenseAutoAds': false, 'boqCommentIframeForm': true, 'loginRedirectParam': '', "
        "'view': '', 'dynamicViewsCommentsSrc': '//www.blogblog.com/dynamicviews/4224c15c4e7c9321/"
        "js/comments.js', 'dynamicViewsScriptSrc': '//www.blogblog.com/dynamicviews/demo', "
        "'plusOneApiSrc': 'https://apis.google.com/js/platform.js', 'disableGComments': true, "
        "'interstitialAccepted': false, 'sharing': {'platforms': [{'name': 'Get link', "
        "'key': 'link', 'shareMessage': 'Get link', 'target': ''}, {'name': 'Facebook', "
        "'key': 'facebook', 'shareMessage': 'Share to Facebook', 'target': 'facebook'}, "
        "{'name': 'BlogThis!', 'key': 'blogThis', 'shareMessage': 'BlogThis!', "
        "'target': 'blog'}, {'name': 'X', 'key': 'twitter', 'shareMessage': 'Share to X', "
        "'target': 'twitter'}, {'name': 'Pinterest', 'key': 'pinterest', 'shareMessage': "
        "'Share to Pinterest', 'target': 'pinterest'}, {'name': 'Email', 'key': 'email', "
        "'shareMessage': 'Email', 'target': 'email'}], 'disableGooglePlus': true, "
        "'googlePlusShareButtonWidth': 0}}}]);",
    ]
    for view, wid, section in widgets:
        lines.append(
            f"_WidgetManager._RegisterWidget('{view}', new _WidgetInfo('{wid}', '{section}', "
            f"document.getElementById('{wid}'), {{'title': '', 'showDownArrow': true, "
            f"'isMobile': false, 'navMessage': '', 'sharing': {{'shareButtonAria': 'Share', "
            f"'moreLabel': 'More', 'flagged': false}}, 'lazyLoad': true, 'hasMore': false, "
            f"'authorLabel': 'By', 'timestampLabel': 'at', 'showThumbnails': true, "
            f"'snippetLength': 150}}, 'displayModeFull'));"
        )
    return "\n".join(lines)


def _wp_global_styles() -> str:
    out = [":root{"]
    for name, value in _PALETTE:
        out.append(f"--wp--preset--color--{name}: {value};")
    for i, (a, b) in enumerate(zip(_PALETTE, _PALETTE[3:], strict=False)):
        out.append(
            f"--wp--preset--gradient--{a[0]}-to-{b[0]}: linear-gradient({45 + i * 15}deg,"
            f"{a[1]} 0%,{b[1]} 100%);"
        )
    for name, value in _SIZES:
        out.append(f"--wp--preset--font-size--{name}: {value};")
    for i in range(1, 8):
        out.append(f"--wp--preset--spacing--{i * 10}: {0.44 * 1.5**i:.2f}rem;")
    out.append(
        "--wp--preset--shadow--natural: 6px 6px 9px rgba(0, 0, 0, 0.2);"
        "--wp--preset--shadow--deep: 12px 12px 50px rgba(0, 0, 0, 0.4);"
        "--wp--preset--shadow--sharp: 6px 6px 0px rgba(0, 0, 0, 0.2);}"
    )
    out.append(
        ":where(.is-layout-flex){gap: 0.5em;}:where(.is-layout-grid){gap: 0.5em;}"
        "body .is-layout-flex{display: flex;}.is-layout-flex{flex-wrap: wrap;align-items: "
        "center;}.is-layout-flex > :is(*, div){margin: 0;}body .is-layout-grid{display: grid;}"
    )
    for name, _ in _PALETTE:
        out.append(
            f".has-{name}-color{{color: var(--wp--preset--color--{name}) !important;}}"
            f".has-{name}-background-color{{background-color: var(--wp--preset--color--{name})"
            f" !important;}}.has-{name}-border-color{{border-color: "
            f"var(--wp--preset--color--{name}) !important;}}"
        )
    for a, b in zip(_PALETTE, _PALETTE[3:], strict=False):
        out.append(
            f".has-{a[0]}-to-{b[0]}-gradient-background{{background: "
            f"var(--wp--preset--gradient--{a[0]}-to-{b[0]}) !important;}}"
        )
    for name, _ in _SIZES:
        out.append(
            f".has-{name}-font-size{{font-size: var(--wp--preset--font-size--{name}) !important;}}"
        )
    return "\n".join(out)


def _wp_theme_css() -> str:
    rules = [
        ".sd-content ul{padding:0!important;margin:0!important;list-style:none!important}"
        ".sd-content ul li{display:inline-block;margin:0 8px 12px 0;padding:0}",
        ".sd-social-icon-text .sd-content ul li a.sd-button>span{margin-left:3px}"
        ".sd-content ul li a.sd-button{display:inline-block;text-decoration:none!important;"
        "font-size:13px;font-family:'Open Sans',sans-serif;font-weight:500;border-radius:4px;"
        "color:#2c3338!important;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.12),"
        "0 0 0 1px rgba(0,0,0,.12);text-shadow:none;line-height:23px;padding:4px 11px 3px 9px}",
        "#jp-relatedposts{display:none;padding-top:1em;margin:1em 0;position:relative;"
        "clear:both}.jp-relatedposts:after{content:'';display:block;clear:both}",
        "#jp-relatedposts h3.jp-relatedposts-headline{margin:0 0 1em 0;display:inline-block;"
        "float:left;font-size:9pt;font-weight:700;font-family:inherit}",
        "#jp-relatedposts .jp-relatedposts-items-visual .jp-relatedposts-post{padding-right:20px;"
        "filter:alpha(opacity=80);-moz-opacity:.8;opacity:.8}",
        ".comment-list .children{list-style:none;padding-left:20px}.comment-body{margin-bottom:"
        "20px}.comment-meta .comment-metadata{font-size:0.9rem}",
        ".screen-reader-text{border:0;clip:rect(1px,1px,1px,1px);clip-path:inset(50%);"
        "height:1px;margin:-1px;overflow:hidden;padding:0;position:absolute!important;"
        "width:1px;word-wrap:normal!important}",
    ]
    for name, value in _PALETTE:
        rules.append(
            f".is-{name}-theme .site-header,.is-{name}-theme .site-footer{{background-color:"
            f"{value}}}.is-{name}-theme a:hover{{color:{value}}}"
        )
    for bp in (1200, 1024, 822, 652, 482):
        rules.append(
            f"@media only screen and (min-width: {bp}px){{.site-header{{padding-top:"
            f"{bp // 30}px}}.entry-title{{font-size:{bp // 20}px}}.default-max-width"
            f"{{max-width:{min(610, bp - 120)}px}}.widget-area{{grid-template-columns:repeat("
            f"{max(1, bp // 400)},1fr)}}}}"
        )
    return "\n".join(rules)


_SVG_PATHS = {
    "link": "M3.9,12c0-1.7,1.4-3.1,3.1-3.1h4V7H7c-2.8,0-5,2.2-5,5s2.2,5,5,5h4v-1.9H7C5.3,15.1,"
    "3.9,13.7,3.9,12z M8,13h8v-2H8V13z M17,7h-4v1.9h4c1.7,0,3.1,1.4,3.1,3.1s-1.4,3.1-3.1,3.1h-4V17"
    "h4c2.8,0,5-2.2,5-5S19.8,7,17,7z",
    "facebook": "M20,2H4C2.9,2,2,2.9,2,4v16c0,1.1,0.9,2,2,2h8v-7h-2v-3h2V8.5C12,6.6,13.6,5,15.5,5"
    "H18v3h-2c-0.6,0-1,0.4-1,1v3h3v3h-3v7h5c1.1,0,2-0.9,2-2V4C22,2.9,21.1,2,20,2z",
    "twitter": "M13.9,10.5 L20.6,2.7 H19 l-5.8,6.7 L8.6,2.7 H3.2 l7,10.2 -7,8.2 h1.6 l6.1-7.1 4.9,"
    "7.1 h5.4 z M11.1,13.7 l-0.7-1 -5.6-8 h2.4 l4.5,6.5 0.7,1 5.9,8.4 h-2.4 z",
    "pinterest": "M12,2C6.5,2,2,6.5,2,12c0,4.2,2.6,7.8,6.3,9.3c-0.1-0.8-0.2-2,0-2.9l1.2-5c0,0-0.3"
    "-0.6-0.3-1.5c0-1.4,0.8-2.4,1.8-2.4c0.9,0,1.3,0.6,1.3,1.4c0,0.9-0.5,2.1-0.8,3.3c-0.2,1,0.5,1.8"
    ",1.5,1.8c1.8,0,3.2-1.9,3.2-4.6c0-2.4-1.7-4.1-4.2-4.1c-2.8,0-4.5,2.1-4.5,4.3c0,0.9,0.3,1.8,0.8"
    ",2.3c0.1,0.1,0.1,0.2,0.1,0.3l-0.3,1.2c0,0.2-0.2,0.2-0.4,0.1c-1.3-0.6-2.1-2.5-2.1-4 c0-3.3,2.4"
    "-6.3,6.9-6.3c3.6,0,6.4,2.6,6.4,6c0,3.6-2.2,6.5-5.4,6.5c-1.1,0-2.1-0.6-2.4-1.2l-0.7,2.5c-0.2"
    ",0.9-0.9,2.1-1.3,2.8C10,21.8,11,22,12,22c5.5,0,10-4.5,10-10C22,6.5,17.5,2,12,2z",
    "email": "M20,4H4C2.9,4,2,4.9,2,6l0,12c0,1.1,0.9,2,2,2h16c1.1,0,2-0.9,2-2V6C22,4.9,21.1,4,20,4z"
    " M20,8l-8,5L4,8V6l8,5l8-5V8z",
    "other": "M18,16.08c-0.76,0-1.44,0.3-1.96,0.77L8.91,12.7C8.96,12.47,9,12.24,9,12s-0.04-0.47"
    "-0.09-0.7l7.05-4.11C16.5,7.69,17.21,8,18,8c1.66,0,3-1.34,3-3s-1.34-3-3-3s-3,1.34-3,3c0,0.24"
    ",0.04,0.47,0.09,0.7L8.04,9.81C7.5,9.31,6.79,9,6,9c-1.66,0-3,1.34-3,3s1.34,3,3,3c0.79,0,1.5"
    "-0.31,2.04-0.81l7.12,4.16c-0.05,0.21-0.08,0.43-0.08,0.65c0,1.61,1.31,2.92,2.92,2.92 c1.61,0"
    ",2.92-1.31,2.92-2.92C20.92,17.39,19.61,16.08,18,16.08z",
}


# ---------------------------------------------------------------------------
# Blogger
# ---------------------------------------------------------------------------


class BloggerSite(BlogSite):
    """A Blogger blog in the Contempo theme.

    URLs: ``/``, ``/YYYY/MM/slug.html``, ``/YYYY/MM/``, ``/YYYY/``, ``/p/slug.html``,
    ``/search/label/NAME``, ``/search?updated-max=...&max-results=N``, ``/search?q=``,
    ``/feeds/posts/default`` (+``/summary``, ``/-/LABEL``, ``?alt=rss``),
    ``/feeds/POSTID/comments/default`` and ``/feeds/comments/default`` (``start-index``,
    ``max-results``; a post page shows its first 200 comments), ``/sitemap.xml`` (+``?page=N``),
    ``/sitemap-pages.xml``, ``/robots.txt``, ``/img/b/*`` (tiny images).
    """

    default_title = _content.BLOGGER_BLOG_TITLE
    default_description = _content.BLOGGER_BLOG_DESCRIPTION
    server_header = "GSE"
    generator = "blogger"
    feed_max_results = 10  # Blogger's real cap is far higher; small so the demo pages
    feed_default_results = 10
    sitemap_page_size = 10
    home_posts = 7
    comments_in_page = 200  # Blogger's: the rest only in the comment feed
    comment_feed_default_results = 25
    comment_feed_max_results = 500

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.blog_id = _digits("blog:" + self.title, 19)
        self._css = _blogger_css()
        self._js = _blogger_js(self.blog_id)

    def default_posts(self) -> list[DemoPost]:
        return _content.blogger_posts()

    def default_pages(self) -> list[DemoPost]:
        return _content.blogger_pages()

    def post_path(self, post: DemoPost) -> str:
        d = parse_iso(post.published)
        return f"/{d.year:04d}/{d.month:02d}/{post.slug}.html"

    def page_path(self, page: DemoPost) -> str:
        return f"/p/{page.slug}.html"

    def make_id(self, post: DemoPost, kind: str) -> str:
        return post.post_id or _digits(kind + ":" + post.slug + post.published, 19)

    def profile_id(self, author: str) -> str:
        return _digits("profile:" + author, 20)

    # -- routing -------------------------------------------------------------
    def route(self, req: _Request) -> Response | None:
        p = req.path
        if p == "/robots.txt":
            return _resp(200, self.robots_txt(req.base), TEXT_TYPE)
        if p == "/":
            return self.render_home(req)
        if p == "/sitemap.xml":
            return self.render_sitemap(req)
        if p == "/sitemap-pages.xml":
            return self.render_sitemap_pages(req)
        if p == "/search":
            return self.render_search(req, None)
        if p.startswith("/search/label/"):
            return self.render_search(req, p[len("/search/label/") :])
        if p.startswith("/feeds/"):
            return self.render_feed(req)
        if p.startswith("/img/"):
            return _resp(200, PNG, "image/png", Cache_Control="public, max-age=86400")
        if m := re.fullmatch(r"/(\d{4})/(\d{2})/([^/]+)\.html", p):
            ix = self.index()
            post = ix.by_path.get(p)
            return self.render_post(req, ix, post) if post else None
        if m := re.fullmatch(r"/(\d{4})(?:/(\d{2}))?/?", p):
            return self.render_archive(req, int(m.group(1)), m.group(2) and int(m.group(2)))
        if re.fullmatch(r"/p/[^/]+\.html", p):
            ix = self.index()
            page = ix.page_by_path.get(p)
            return self.render_page(req, ix, page) if page else None
        return None

    @staticmethod
    def robots_txt(base: str) -> str:
        return (
            "User-agent: Mediapartners-Google\nDisallow: \n\n"
            "User-agent: *\nDisallow: /search\nAllow: /\n\n"
            f"Sitemap: {base}/sitemap.xml\n"
        )

    # -- fragments -------------------------------------------------------------
    def _head(self, req: _Request, title: str, canonical: str, desc: str, extra: str = "") -> str:
        b = req.base
        t = esc(self.title)
        return f"""<!DOCTYPE html>
<html dir='ltr' lang='en'>
<head>
<meta content='width=device-width, initial-scale=1' name='viewport'/>
<title>{esc(title)}</title>
<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>
<!-- Chrome, Firefox OS and Opera -->
<meta content='#eeeeee' name='theme-color'/>
<!-- Windows Phone -->
<meta content='#eeeeee' name='msapplication-navbutton-color'/>
<meta content='blogger' name='generator'/>
<link href='{b}/favicon.ico' rel='icon' type='image/x-icon'/>
<link href='{esc(canonical)}' rel='canonical'/>
<link rel="alternate" type="application/atom+xml" title="{t} - Atom" href="{b}/feeds/posts/default" />
<link rel="alternate" type="application/rss+xml" title="{t} - RSS" href="{b}/feeds/posts/default?alt=rss" />
<link rel="service.post" type="application/atom+xml" title="{t} - Atom" href="https://www.blogger.com/feeds/{self.blog_id}/posts/default" />
{extra}<!--Can't find substitution for tag [blog.ieCssRetrofitLinks]-->
<meta content='{esc(canonical)}' property='og:url'/>
<meta content='{esc(title.split(": ", 1)[-1] if canonical != b + "/" else self.title)}' property='og:title'/>
<meta content='{esc(desc)}' property='og:description'/>
<style>
@font-face {{ font-family: 'Roboto'; font-style: italic; font-weight: 300; src: url(//fonts.gstatic.com/s/roboto/v18/KFOjCnqEu92Fr1Mu51TjASc6CsE.ttf) format('truetype'); }}
@font-face {{ font-family: 'Roboto'; font-style: normal; font-weight: 400; src: url(//fonts.gstatic.com/s/roboto/v18/KFOmCnqEu92Fr1Mu4mxP.ttf) format('truetype'); }}
</style>
<style id='page-skin-1' type='text/css'><!--
{self._css}
--></style>
<script async='async' src='https://www.gstatic.com/external_hosted/clipboardjs/clipboard.min.js'></script>
<link rel="stylesheet" href="https://www.blogger.com/dyn-css/authorization.css?targetBlogID={self.blog_id}&amp;zx=demo" media="none" onload="if(media!=&#39;all&#39;)media=&#39;all&#39;"><noscript><link rel="stylesheet" href="https://www.blogger.com/dyn-css/authorization.css?targetBlogID={self.blog_id}&amp;zx=demo"></noscript>
</head>
"""

    def _header(self, req: _Request) -> str:
        b = req.base
        return f"""<div class='centered-top-container' role='banner'>
<div class='centered-top'>
<div class='return_link'><a class='return_link dark' href='{b}/' title='Home'>
<svg class='svg-icon-24 header-back-icon'><use xlink:href='/responsive/sprite_v1_6.css.svg#ic_arrow_back_black_24dp' xmlns:xlink='http://www.w3.org/1999/xlink'></use></svg></a></div>
<div class='top-bar'>
<button class='hamburger-menu flat-icon-button ripple' aria-label='Menu'>
<svg class='svg-icon-24'><use xlink:href='/responsive/sprite_v1_6.css.svg#ic_menu_black_24dp' xmlns:xlink='http://www.w3.org/1999/xlink'></use></svg>
</button>
</div>
<div class='section' id='header' name='Header'><div class='widget Header' data-version='2' id='Header1'>
<div class='header-widget'>
<div>
<h1><a href='{b}/'>{esc(self.title)}</a></h1>
</div>
<p>{esc(self.description)}</p>
</div>
</div></div>
<nav role='navigation'>
<div class='clearboth no-items section' id='page_list_top' name='Page List (Top)'>
<div class='widget PageList' data-version='2' id='PageList1'><div class='widget-content'>
<ul class='tabs'><li class='selected'><a href='{b}/'>Home</a></li>
{"".join(f"<li><a href='{b}{self.page_path(pg)}'>{esc(pg.title)}</a></li>" for pg in self.pages)}
</ul></div></div>
</div>
</nav>
<div class='search'>
<button aria-label='Search this blog' class='search-expand touch-icon-button'>
<div class='flat-icon-button ripple'><svg class='svg-icon-24 search-expand-icon'><use xlink:href='/responsive/sprite_v1_6.css.svg#ic_search_black_24dp' xmlns:xlink='http://www.w3.org/1999/xlink'></use></svg></div>
</button>
<div class='section' id='search_top' name='Search (Top)'><div class='widget BlogSearch' data-version='2' id='BlogSearch1'>
<h3 class='title'>Search This Blog</h3>
<div class='widget-content' role='search'>
<form action='{b}/search' target='_top'>
<div class='search-input'><input aria-label='Search this blog' autocomplete='off' name='q' placeholder='Search this blog' value=''/></div>
<input class='search-action flat-button' type='submit' value='Search'/>
</form>
</div>
</div></div>
</div>
</div>
</div>
"""

    def _share_buttons(self, req: _Request, url: str, title: str, post_id: str, where: str) -> str:
        items = [
            ("link", "Get link", "Get link", ""),
            ("facebook", "Share to Facebook", "Facebook", "facebook"),
            ("twitter", "Share to X", "X", "twitter"),
            ("pinterest", "Share to Pinterest", "Pinterest", "pinterest"),
            ("email", "Email", "Email", "email"),
        ]
        share = f"https://www.blogger.com/share-post.g?blogID={self.blog_id}&amp;postID={post_id}"
        lis = []
        for key, label, text, target in items:
            lis.append(
                f"<li>\n<span aria-label='{label}' class='sharing-platform-button "
                f"sharing-element-{key}' data-href='{share}&amp;target={target}' "
                f"data-url='{esc(url)}' role='menuitem' tabindex='-1' title='{label}'>\n"
                f"<svg class='svg-icon-24 touch-icon sharing-{key}'><path d='{_SVG_PATHS[key]}'"
                f"></path></svg>\n<span class='platform-sharing-text'>{text}</span>\n</span>\n</li>"
            )
        lis.append(
            "<li aria-hidden='true' class='hidden'>\n<span aria-label='Share to other apps' "
            "data-url='" + esc(url) + "' data-id='other' class='sharing-platform-button "
            "sharing-element-other' role='menuitem' tabindex='-1' title='Share to other apps'>\n"
            f"<svg class='svg-icon-24 touch-icon sharing-sharingOther'><path d='"
            f"{_SVG_PATHS['other']}'></path></svg>\n<span class='platform-sharing-text'>"
            "Other Apps</span>\n</span>\n</li>"
        )
        lis.append(
            "<li class='share-button-link-more'>\n<span aria-label='Share to other apps' "
            "data-url='" + esc(url) + "' class='sharing-platform-button sharing-element-other' "
            "role='menuitem' tabindex='-1' title='Share to other apps'>\n<svg class='svg-icon-24 "
            f"touch-icon sharing-sharingOther'><path d='{_SVG_PATHS['other']}'></path></svg>\n"
            "<span class='platform-sharing-text'>Other Apps</span>\n</span>\n</li>"
        )
        pid = f"sharing-popup-Blog1-{where}-{post_id}"
        return (
            f"<div class='post-share-buttons post-share-buttons-{where}'>\n"
            f"<div class='byline post-share-buttons goog-inline-block'>\n"
            f"<div aria-owns='{pid}' class='sharing' data-title='{esc(title)}'>\n"
            f"<button aria-controls='{pid}' aria-label='Share' class='sharing-button "
            f"touch-icon-button' id='sharing-button-Blog1-{where}-{post_id}' role='button'>\n"
            "<div class='flat-icon-button ripple'>\n<svg class='svg-icon-24'><use xlink:href="
            "'/responsive/sprite_v1_6.css.svg#ic_share_black_24dp' xmlns:xlink="
            "'http://www.w3.org/1999/xlink'></use></svg>\n</div>\n</button>\n"
            "<div class='share-buttons-container'>\n"
            f"<ul aria-hidden='true' aria-label='Share' class='share-buttons hidden' id='{pid}' "
            "role='menu'>\n" + "\n".join(lis) + "\n</ul>\n</div>\n</div>\n</div>\n</div>"
        )

    def _byline(self, req: _Request, ix: SiteIndex, post: DemoPost, url: str) -> str:
        pub = ix.published[id(post)]
        prof = f"https://www.blogger.com/profile/{self.profile_id(post.author)}"
        return (
            "<div class='post-header'>\n<div class='post-header-line-1'>\n"
            "<span class='byline post-author vcard'>\n<span class='post-author-label'>\nBy\n"
            f"</span>\n<span class='fn'>\n<meta content='{prof}'/>\n<a class='g-profile' "
            f"href='{prof}' rel='author' title='author profile'>\n<span>{esc(post.author)}"
            "</span>\n</a>\n</span>\n</span>\n<span class='byline post-timestamp'>\n"
            f"<meta content='{esc(url)}'/>\n<a class='timestamp-link' href='{esc(url)}' "
            f"rel='bookmark' title='permanent link'>\n<time class='published' "
            f"datetime='{pub.isoformat()}' title='{pub.isoformat()}'>\n"
            f"{pub.strftime('%B %d, %Y')}\n</time>\n</a>\n</span>\n</div>\n</div>"
        )

    def _labels(self, req: _Request, post: DemoPost) -> str:
        if not post.labels:
            return ""
        links = "\n".join(
            f"<a href='{req.base}/search/label/{quote(label)}' rel='tag'>\n{esc(label)}\n</a>"
            for label in post.labels
        )
        return (
            "<div class='post-footer-line post-footer-line-1'>\n<div class='post-labels'>\n"
            "<span class='byline post-labels'>\n<span class='byline-label'>Labels:</span>\n"
            f"{links}\n</span>\n</div>\n</div>"
        )

    def _comments(self, req: _Request, ix: SiteIndex, post: DemoPost, url: str) -> str:
        post_id = ix.ids[id(post)]
        children: dict[str | None, list[DemoComment]] = {}
        known = {c.comment_id for c in post.comments}
        for c in post.comments:
            parent = c.parent if c.parent in known else None
            children.setdefault(parent, []).append(c)

        def one(c: DemoComment) -> str:
            dt = parse_iso(c.published)
            ms = int(dt.timestamp() * 1000)
            when = f"{dt.strftime('%B')} {dt.day}, {dt.year} at {_clock(dt)}"
            replies = children.get(c.comment_id, [])
            rep = ""
            if replies:
                rep = (
                    f'<div class="comment-replies"><div id="c{c.comment_id}-rt" '
                    'class="comment-thread inline-thread"><span class="thread-toggle '
                    'thread-expanded"><span class="thread-arrow"></span><span class='
                    '"thread-count"><a target="_self">Replies</a></span></span>'
                    f'<ol id="c{c.comment_id}-ra" class="thread-chrome thread-expanded"><div>'
                    + "".join(one(r) for r in replies)
                    + f'</div><div id="c{c.comment_id}-continue" class="continue"><a class='
                    f'"comment-reply" target="_self" data-comment-id="{c.comment_id}">Reply</a>'
                    "</div></ol></div></div>"
                )
            prof = f"https://www.blogger.com/profile/{self.profile_id(c.author)}"
            user = (
                esc(c.author)
                if c.author == "Anonymous"
                else f'<a href="{prof}" rel="nofollow">{esc(c.author)}</a>'
            )
            text = esc(c.text).replace("\n", "<br>")
            return (
                f'<li class="comment" id="c{c.comment_id}"><div class="avatar-image-container">'
                f'<img src="{req.base}/img/b/avatar.png" alt=""/></div><div class="comment-block">'
                f'<div class="comment-header"><cite class="user">{user}</cite><span class="icon '
                f'user {"blog-author" if c.author == post.author else ""}"></span><span class='
                f'"datetime secondary-text"><a rel="nofollow" href="{esc(url)}?showComment={ms}'
                f'#c{c.comment_id}">{when}</a></span></div><p class="comment-content">{text}</p>'
                '<span class="comment-actions secondary-text"><a class="comment-reply" '
                f'target="_self" data-comment-id="{c.comment_id}">Reply</a><span class="item-'
                f'control blog-admin blog-admin pid-{self.profile_id(c.author)[:9]}"><a '
                f'target="_self" href="https://www.blogger.com/comment/delete/{self.blog_id}/'
                f'{c.comment_id}">Delete</a></span></span></div>{rep}<div class="comment-replybox'
                f'-single" id="c{c.comment_id}-ce"></div></li>'
            )

        n = len(post.comments)
        # Blogger puts the first 200 comments in the page; "Load more..." (its script) reads
        # the rest from the post's comment feed
        shown = {c.comment_id for c in post.comments[: self.comments_in_page]}
        children = {
            parent: [c for c in kids if c.comment_id in shown] for parent, kids in children.items()
        }
        thread = ""
        if n:
            more = "loadmore" if n > len(shown) else "loadmore hidden"
            thread = (
                '<div class="comment-thread toplevel-thread"><ol id="top-ra">'
                + "".join(one(c) for c in children.get(None, []))
                + '</ol><div id="top-continue" class="continue"><a class="comment-reply" '
                'target="_self">Add comment</a></div><div class="comment-replybox-thread" '
                f'id="top-ce"></div><div class="{more}" data-post-id="{post_id}">'
                '<a target="_self">Load more...</a></div></div>'
            )
        kind = "threaded" if n else "embed"
        frame = (
            f"https://www.blogger.com/comment/frame/{self.blog_id}?po={post_id}&amp;hl=en&amp;"
            f"origin={quote(req.base, safe='')}"
        )
        return f"""<section class='comments {kind}' data-embed='true' data-num-comments='{n}' id='comments'>
<a name='comments'></a>
<h3 class='title'>Comments</h3>
<div class='comments-content'>
<script async='async' src='' type='text/javascript'></script>
<script type='text/javascript'>(function(){{var items=null;var msgs=null;var config={{}};
if(typeof(BLOG_CMT_createIframe)!='undefined'){{}}}})();</script>
<div id='comment-holder'>
{thread}
</div>
</div>
<div class='comment-footer'>
<div class='comment-form'>
<a name='comment-form'></a>
<h4 id='comment-post-message'>
<a class='comment-reply' href='https://www.blogger.com/comment/fullpage/post/{self.blog_id}/{post_id}' rel='nofollow'>Post a Comment</a>
</h4>
<a href='{frame}' id='comment-editor-src'></a>
<iframe allowtransparency='allowtransparency' class='blogger-iframe-colorize blogger-comment-from-post' frameborder='0' height='410px' id='comment-editor' name='comment-editor' src='' width='100%'></iframe>
</div>
</div>
</section>"""

    def _sidebar(self, req: _Request, ix: SiteIndex) -> str:
        key = "sidebar:" + req.base
        cached = ix.cache.get(key)
        if isinstance(cached, str):
            return cached
        b = req.base
        popular = sorted(ix.posts, key=lambda p: (-len(p.comments), ix.position[id(p)]))[:3]
        pop_html = []
        for p in popular:
            u = b + self.post_path(p)
            pop_html.append(
                f"<article class='post' role='article'>\n<h3 class='post-title'><a href='{u}'>"
                f"{esc(p.title)}</a></h3>\n<div class='item-content float-container'>\n"
                "<div class='popular-posts-snippet snippet-container r-snippet-container'>\n"
                f"<div class='snippet-item r-snippetized'>\n{esc(snippet(p, 120))}\n</div>\n"
                "<a class='snippet-fade r-snippet-fade hidden' href=''></a>\n</div>\n"
                f"<div class='jump-link flat-button ripple'>\n<a href='{u}' title='"
                f"{esc(p.title)}'>\nRead more\n</a>\n</div>\n</div>\n</article>"
            )
        years: dict[int, dict[int, int]] = {}
        for p in ix.posts:
            d = ix.published[id(p)]
            years.setdefault(d.year, {}).setdefault(d.month, 0)
            years[d.year][d.month] += 1
        arch = []
        for y, months in years.items():
            ms = "".join(
                f"<li class='archivedate'><div class='hierarchy-title'><a class='post-count-link' "
                f"href='{b}/{y}/{m:02d}/'>{datetime(y, m, 1).strftime('%B')}</a><span class="
                f"'post-count-wrapper'><span class='post-count'>{c}</span></span></div></li>"
                for m, c in months.items()
            )
            arch.append(
                f"<li class='archivedate'><div class='hierarchy-title'><a class='post-count-link'"
                f" href='{b}/{y}/'>{y}</a><span class='post-count-wrapper'><span class="
                f"'post-count'>{sum(months.values())}</span></span></div><div class='hierarchy-"
                f"content'><ul class='hierarchy'>{ms}</ul></div></li>"
            )
        labels = "".join(
            f"<li><a class='label-name' href='{b}/search/label/{quote(name)}'>{esc(name)}"
            f"<span class='label-count'>{len(ps)}</span></a></li>"
            for name, ps in ix.labels.items()
        )
        author = ix.posts[0].author if ix.posts else "Author"
        prof = f"https://www.blogger.com/profile/{self.profile_id(author)}"
        out = f"""<aside class='sidebar-container container sidebar-invisible' role='complementary'>
<div class='navigation'>
<button class='svg-icon-24-button flat-icon-button ripple sidebar-back'>
<svg class='svg-icon-24'><use xlink:href='/responsive/sprite_v1_6.css.svg#ic_arrow_back_black_24dp' xmlns:xlink='http://www.w3.org/1999/xlink'></use></svg>
</button>
</div>
<div class='sidebar_top_wrapper'>
<div class='sidebar_top section' id='sidebar_top' name='Sidebar (Top)'><div class='widget Profile' data-version='2' id='Profile1'>
<div class='wrapper solo'>
<div class='widget-content individual'>
<a href='{prof}' rel='nofollow'><img alt='My photo' class='profile-img' height='80' src='{b}/img/b/profile.png' width='80'/></a>
<div class='profile-info'>
<div class='profile-name-container'>
<dl class='profile-datablock'>
<dt class='profile-name'><a class='profile-link g-profile' href='{prof}' rel='author nofollow'>{esc(author)}</a></dt>
<dd class='profile-textblock'>{esc(self.description)}</dd>
</dl>
</div>
<a class='profile-link visit-profile' href='{prof}' rel='author' target='_blank'>View my complete profile</a>
</div>
</div>
</div>
</div></div>
</div>
<div class='sidebar_bottom section' id='sidebar' name='Sidebar (Bottom)'>
<div class='widget PopularPosts' data-version='2' id='PopularPosts1'>
<h3 class='title'>Popular Posts</h3>
<div class='widget-content'>
<div role='feed'>
{"".join(pop_html)}
</div>
</div>
</div>
<div class='widget BlogArchive' data-version='2' id='BlogArchive1'>
<details class='collapsible extendable' open='open'>
<summary><div class='collapsible-title'><h3 class='title'>Blog Archive</h3><svg class='svg-icon-24 chevron-down'><use xlink:href='/responsive/sprite_v1_6.css.svg#ic_expand_more_black_24dp' xmlns:xlink='http://www.w3.org/1999/xlink'></use></svg></div></summary>
<div class='widget-content'>
<div id='ArchiveList'>
<div id='BlogArchive1_ArchiveList'>
<ul class='hierarchy'>{"".join(arch)}</ul>
</div>
</div>
</div>
</details>
</div>
<div class='widget Label' data-version='2' id='Label1'>
<details class='collapsible extendable' open='open'>
<summary><div class='collapsible-title'><h3 class='title'>Labels</h3></div></summary>
<div class='widget-content list-label-widget-content'>
<ul>{labels}</ul>
</div>
</details>
</div>
<div class='widget ReportAbuse' data-version='2' id='ReportAbuse1'>
<h3 class='title'>
<a class='report_abuse' href='https://www.blogger.com/go/report-abuse' rel='noopener nofollow' target='_blank'>
Report Abuse
</a>
</h3>
</div>
</div>
</aside>"""
        ix.cache[key] = out
        return out

    def _footer(self, req: _Request) -> str:
        return f"""<footer class='footer section' id='footer' name='Footer'><div class='widget Attribution' data-version='2' id='Attribution1'>
<div class='widget-content'>
<div class='blogger'>
<a href='https://www.blogger.com' rel='nofollow'>
<svg class='svg-icon-24'><use xlink:href='/responsive/sprite_v1_6.css.svg#ic_post_blogger_black_24dp' xmlns:xlink='http://www.w3.org/1999/xlink'></use></svg>
Powered by Blogger
</a>
</div>
<div class='image-attribution'>
Theme images by <a href='http://www.offset.com/photos/394244'>Michael Elkan</a>
</div>
</div>
</div></footer>
</div>
</div>
</div>
<script type='text/javascript' src='https://www.blogger.com/static/v1/widgets/2146577960-widgets.js'></script>
<script type='text/javascript'>
{self._js}
</script>
</body>
</html>"""

    def _page(self, req: _Request, ix: SiteIndex, head: str, main: str, body_class: str) -> str:
        return (
            head + f"<body class='{body_class} version-1-3-3 variant-indie_light'>\n"
            "<a class='skip-navigation' href='#main' tabindex='0'>\nSkip to main content\n</a>\n"
            "<div class='page'>\n<div class='bg-photo-overlay'></div>\n"
            "<div class='bg-photo-container'>\n<div class='bg-photo'></div>\n</div>\n"
            "<div class='page_body'>\n<div class='centered'>\n"
            "<div class='centered-top-placeholder'></div>\n"
            + self._header(req)
            + "<main class='centered-bottom' id='main' role='main' tabindex='-1'>\n"
            + main
            + "\n</main>\n"
            + self._sidebar(req, ix)
            + "\n"
            + self._footer(req)
        )

    # -- pages ---------------------------------------------------------------
    def render_post(self, req: _Request, ix: SiteIndex, post: DemoPost) -> Response:
        url = req.base + self.post_path(post)
        lm = self.last_modified(ix, post)
        key = ("post", req.base, self.content_key(post))
        data = self.cached(key, lambda: self._render_post(req, ix, post, url).encode("utf-8"))
        return _resp(200, data, HTML_TYPE, Last_Modified=http_date(lm))

    def _render_post(self, req: _Request, ix: SiteIndex, post: DemoPost, url: str) -> str:
        post_id = ix.ids[id(post)]
        pos = ix.position[id(post)]
        newer = ix.posts[pos - 1] if pos > 0 else None
        older = ix.posts[pos + 1] if pos + 1 < len(ix.posts) else None
        pub = ix.published[id(post)]
        upd = ix.updated[id(post)]
        desc = snippet(post, 150)
        ld = {
            "@context": "http://schema.org",
            "@type": "BlogPosting",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "headline": post.title,
            "description": desc,
            "datePublished": pub.isoformat(),
            "dateModified": upd.isoformat(),
            "publisher": {
                "@type": "Organization",
                "name": "Blogger",
                "logo": {
                    "@type": "ImageObject",
                    "url": req.base + "/img/b/logo.png",
                    "width": 206,
                    "height": 60,
                },
            },
            "author": {"@type": "Person", "name": post.author},
        }
        extra = (
            f'<link rel="alternate" type="application/atom+xml" title="{esc(self.title)} - Atom"'
            f' href="{req.base}/feeds/{post_id}/comments/default" />\n'
        )
        head = self._head(req, f"{self.title}: {post.title}", url, desc, extra)
        pager = ["<div class='blog-pager container' id='blog-pager'>"]
        if newer:
            pager.append(
                f"<a class='blog-pager-newer-link flat-button ripple' href='{req.base}"
                f"{self.post_path(newer)}' id='Blog1_blog-pager-newer-link' title='Newer Post'>"
                "\nNewer Post\n</a>"
            )
        if older:
            pager.append(
                f"<a class='blog-pager-older-link flat-button ripple' href='{req.base}"
                f"{self.post_path(older)}' id='Blog1_blog-pager-older-link' title='Older Post'>"
                "\nOlder Post\n</a>"
            )
        pager.append(
            f"<a class='home-link flat-button ripple' href='{req.base}/' title='Home'>\nHome\n"
            "</a>\n</div>"
        )
        main = f"""<div class='main section' id='page_body' name='Page body'><div class='widget Blog' data-version='2' id='Blog1'>
<div class='blog-posts hfeed container'>
<article class='post-outer-container'>
<div class='post-outer'>
<div class='post'>
<script type='application/ld+json'>{json.dumps(ld, ensure_ascii=False)}</script>
<a name='{post_id}'></a>
<h3 class='post-title entry-title'>
{esc(post.title)}
</h3>
{self._share_buttons(req, url, post.title, post_id, "byline")}
{self._byline(req, ix, post, url)}
<div class='post-body-container'>
<div class='post-body entry-content float-container' id='post-body-{post_id}'>
{body_html_of(post)}
</div>
</div>
<div class='post-footer'>
{self._labels(req, post)}
<div class='post-footer-line post-footer-line-2'>
{self._share_buttons(req, url, post.title, post_id, "bottom")}
</div>
</div>
</div>
{self._comments(req, ix, post, url)}
</div>
</article>
</div>
{"".join(pager)}
<style>.post-body .snippet-thumbnail img{{max-width:100%}}</style>
</div></div>"""
        return self._page(req, ix, head, main, "item-view")

    def render_page(self, req: _Request, ix: SiteIndex, page: DemoPost) -> Response:
        url = req.base + self.page_path(page)
        head = self._head(req, f"{self.title}: {page.title}", url, snippet(page, 150))
        page_id = ix.ids[id(page)]
        main = f"""<div class='main section' id='page_body' name='Page body'><div class='widget Blog' data-version='2' id='Blog1'>
<div class='blog-posts hfeed container'>
<article class='post-outer-container'>
<div class='post-outer'>
<div class='post'>
<a name='{page_id}'></a>
<h3 class='post-title entry-title'>
{esc(page.title)}
</h3>
{self._share_buttons(req, url, page.title, page_id, "byline")}
<div class='post-body-container'>
<div class='post-body entry-content float-container' id='post-body-{page_id}'>
{body_html_of(page)}
</div>
</div>
</div>
</div>
</article>
</div>
</div></div>"""
        html_text = self._page(req, ix, head, main, "item-view static-page-view")
        lm = http_date(ix.updated[id(page)])
        return _resp(200, html_text, HTML_TYPE, Last_Modified=lm)

    def _listing(
        self, req: _Request, ix: SiteIndex, posts: list[DemoPost], heading: str, more: str | None
    ) -> str:
        items = []
        for p in posts:
            u = req.base + self.post_path(p)
            pid = ix.ids[id(p)]
            labels = self._labels(req, p)
            items.append(
                f"""<article class='post-outer-container'>
<div class='post-outer'>
<div class='post'>
<h3 class='post-title entry-title'>
<a href='{u}'>{esc(p.title)}</a>
</h3>
{self._share_buttons(req, u, p.title, pid, "byline")}
{self._byline(req, ix, p, u)}
<div class='container post-body entry-content' id='post-snippet-{pid}'>
<div class='post-snippet snippet-container r-snippet-container'>
<div class='snippet-item r-snippetized'>
{esc(snippet(p, 300))}
</div>
<a class='snippet-fade r-snippet-fade hidden' href='{u}'></a>
</div>
</div>
<div class='post-bottom'>
<div class='post-footer float-container'>{labels}</div>
<div class='jump-link flat-button'>
<a href='{u}' title='{esc(p.title)}'>
Read more
</a>
</div>
<div class='post-share-buttons post-share-buttons-bottom'>
<a class='comment-link flat-button ripple' href='{u}#comments' title='{len(p.comments)} comments'>{len(p.comments)}</a>
</div>
</div>
</div>
</div>
</article>"""
            )
        pager = ""
        if more:
            pager = (
                "<div class='blog-pager container' id='blog-pager'>\n<a class='blog-pager-older"
                f"-link flat-button ripple' href='{esc(more)}' id='Blog1_blog-pager-older-link' "
                "title='More posts'>\nMore posts\n</a>\n</div>"
            )
        if not posts:
            items.append("<div class='no-posts-message'>No posts.</div>")
        status = (
            f"<div class='blog-status-message'><div class='status-msg-body'>{esc(heading)}"
            "</div></div>"
            if heading
            else ""
        )
        return (
            "<div class='main section' id='page_body' name='Page body'><div class='widget Blog' "
            "data-version='2' id='Blog1'>\n" + status + "\n<div class='blog-posts hfeed "
            "container'>\n" + "\n".join(items) + "\n</div>\n" + pager + "\n</div></div>"
        )

    def render_home(self, req: _Request) -> Response:
        ix = self.index()
        posts = ix.posts[: self.home_posts]
        more = None
        if len(ix.posts) > self.home_posts:
            more = self._more_link(req, ix, posts[-1], None)
        head = self._head(req, self.title, req.base + "/", self.description)
        main = self._listing(req, ix, posts, "", more)
        return _resp(200, self._page(req, ix, head, main, "feed-view"), HTML_TYPE)

    def _more_link(self, req: _Request, ix: SiteIndex, last: DemoPost, label: str | None) -> str:
        upd = ix.published[id(last)].isoformat()
        q = urlencode({"updated-max": upd, "max-results": self.home_posts, "by-date": "false"})
        if label:
            return f"{req.base}/search/label/{quote(label)}?{q}"
        return f"{req.base}/search?{q}"

    def render_search(self, req: _Request, label: str | None) -> Response | None:
        ix = self.index()
        posts = ix.labels.get(label, []) if label is not None else ix.posts
        if label is not None and label not in ix.labels:
            return None
        heading = f"Showing posts with the label {label}" if label else ""
        if (qtext := req.q("q")) is not None:
            needle = qtext.lower()
            posts = [p for p in posts if needle in (p.title + "\n" + p.text).lower()]
            heading = f"Showing posts matching the search for {qtext}"
        if (umax := req.q("updated-max")) is not None:
            try:
                limit = parse_iso(umax)
            except ValueError:
                limit = None
            if limit is not None:
                posts = [p for p in posts if ix.published[id(p)] < limit]
                heading = heading or f"Showing posts sorted by date before {umax}"
        try:
            n = max(1, min(50, int(req.q("max-results") or self.home_posts)))
        except ValueError:
            n = self.home_posts
        shown = posts[:n]
        more = self._more_link(req, ix, shown[-1], label) if len(posts) > n else None
        canonical = req.base + req.path
        head = self._head(req, self.title + (f": {label}" if label else ""), canonical, "")
        head = head.replace("</head>", "<meta content='noindex' name='robots'/>\n</head>")
        main = self._listing(req, ix, shown, heading, more)
        return _resp(200, self._page(req, ix, head, main, "feed-view search-view"), HTML_TYPE)

    def render_archive(self, req: _Request, year: int, month: int | None) -> Response | None:
        ix = self.index()
        posts = [
            p
            for p in ix.posts
            if ix.published[id(p)].year == year
            and (month is None or ix.published[id(p)].month == month)
        ]
        if not posts:
            return None
        label = f"{year}" if month is None else datetime(year, month, 1).strftime("%B %Y")
        head = self._head(req, f"{self.title}: {label}", req.base + req.path, "")
        main = self._listing(req, ix, posts, f"Posts from {label}", None)
        return _resp(200, self._page(req, ix, head, main, "feed-view archive-view"), HTML_TYPE)

    def not_found(self, req: _Request) -> Response:
        ix = self.index()
        head = self._head(req, self.title, req.base + req.path, "")
        main = (
            "<div class='main section' id='page_body' name='Page body'><div class='widget Blog' "
            "data-version='2' id='Blog1'>\n<div class='blog-status-message'><div class="
            "'status-msg-body'>Sorry, the page you were looking for in this blog does not "
            "exist.</div></div>\n<div class='blog-posts hfeed container'></div>\n</div></div>"
        )
        return _resp(404, self._page(req, ix, head, main, "error-view"), HTML_TYPE)

    # -- feeds ---------------------------------------------------------------
    def render_feed(self, req: _Request) -> Response | None:
        ix = self.index()
        p = req.path.rstrip("/")
        if p in ("/feeds/comments/default", "/feeds/comments/summary"):
            return self.render_blog_comment_feed(req, ix)
        if m := re.fullmatch(r"/feeds/(\d+)/comments/(default|summary)", p):
            post = next((x for x in ix.posts if ix.ids[id(x)] == m.group(1)), None)
            return self.render_comment_feed(req, ix, post) if post else None
        m = re.fullmatch(r"/feeds/posts/(default|summary)(?:/-/(.+))?", p)
        if not m:
            return None
        summary = m.group(1) == "summary"
        posts = list(ix.posts)
        if m.group(2):
            wanted = m.group(2).split("/")
            posts = [x for x in posts if all(w in x.labels for w in wanted)]
        for name, attr, cmp in (
            ("updated-min", "updated", lambda a, b: a >= b),
            ("updated-max", "updated", lambda a, b: a < b),
            ("published-min", "published", lambda a, b: a >= b),
            ("published-max", "published", lambda a, b: a < b),
        ):
            if (v := req.q(name)) is not None:
                try:
                    limit = parse_iso(v)
                except ValueError:
                    return _resp(400, f"Invalid {name} value", TEXT_TYPE)
                table = ix.updated if attr == "updated" else ix.published
                posts = [x for x in posts if cmp(table[id(x)], limit)]
        if req.q("orderby") == "updated":
            posts.sort(key=lambda x: (ix.updated[id(x)], ix.ids[id(x)]), reverse=True)
        try:
            start = int(req.q("start-index") or 1)
            maxr = int(req.q("max-results") or self.feed_default_results)
        except ValueError:
            return _resp(400, "Invalid start-index or max-results", TEXT_TYPE)
        if start < 1 or maxr < 0:
            return _resp(400, "Invalid start-index or max-results", TEXT_TYPE)
        maxr = min(maxr, self.feed_max_results)
        total = len(posts)
        page = posts[start - 1 : start - 1 + maxr]
        alt = req.q("alt") or "atom"
        keep = {k: v for k, v in req.query.items() if k not in ("start-index", "max-results")}

        def link(s: int) -> str:
            q = dict(keep)
            q["start-index"] = str(s)
            q["max-results"] = str(maxr)
            return req.base + req.path + "?" + urlencode(q)

        nxt = link(start + maxr) if maxr and start - 1 + maxr < total else None
        prev = link(max(1, start - maxr)) if start > 1 else None
        self_link = req.base + req.path + ("?" + req.raw_query if req.raw_query else "")
        newest = max(
            (ix.updated[id(x)] for x in ix.posts), default=datetime(2000, 1, 1, tzinfo=UTC)
        )
        if alt == "rss":
            body = self._rss(
                req, ix, page, total, start, maxr, nxt, prev, self_link, newest, summary
            )
            ctype = "application/rss+xml; charset=UTF-8"
        elif alt in ("atom", ""):
            body = self._atom(
                req, ix, page, total, start, maxr, nxt, prev, self_link, newest, summary
            )
            ctype = "application/atom+xml; charset=UTF-8"
        elif alt == "json":
            return self._json_feed(req, ix, page, total, start, maxr, nxt)
        else:
            return _resp(400, "Invalid alt parameter", TEXT_TYPE)
        return _resp(200, body, ctype, Last_Modified=http_date(newest))

    def _entry_atom(self, req: _Request, ix: SiteIndex, p: DemoPost, summary: bool) -> str:
        pid = ix.ids[id(p)]
        url = req.base + self.post_path(p)
        cats = "".join(
            f"<category scheme='http://www.blogger.com/atom/ns#' term='{xesc(label)}'/>"
            for label in p.labels
        )
        if summary:
            body = f"<summary type='text'>{xesc(snippet(p, 400))}</summary>"
        else:
            body = f"<content type='html'>{xesc(body_html_of(p))}</content>"
        n = len(p.comments)
        prof = f"https://www.blogger.com/profile/{self.profile_id(p.author)}"
        return (
            f"<entry><id>tag:blogger.com,1999:blog-{self.blog_id}.post-{pid}</id>"
            f"<published>{_bdate(ix.published[id(p)])}</published>"
            f"<updated>{_bdate(ix.updated[id(p)])}</updated>{cats}"
            f"<title type='text'>{xesc(p.title)}</title>{body}"
            f"<link rel='replies' type='application/atom+xml' href='{req.base}/feeds/{pid}/"
            "comments/default' title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href='{url}#comment-form' title='{n} "
            "Comments'/>"
            f"<link rel='edit' type='application/atom+xml' href='https://www.blogger.com/feeds/"
            f"{self.blog_id}/posts/default/{pid}'/>"
            f"<link rel='self' type='application/atom+xml' href='https://www.blogger.com/feeds/"
            f"{self.blog_id}/posts/default/{pid}'/>"
            f"<link rel='alternate' type='text/html' href='{url}' title='{xesc(p.title)}'/>"
            f"<author><name>{xesc(p.author)}</name><uri>{prof}</uri>"
            "<email>noreply@blogger.com</email><gd:image rel='http://schemas.google.com/g/2005"
            "#thumbnail' width='16' height='16' src='https://img1.blogblog.com/img/b16-rounded.gif'"
            f"/></author><thr:total>{n}</thr:total></entry>"
        )

    def _atom(self, req, ix, page, total, start, maxr, nxt, prev, self_link, newest, summary):
        cats = "".join(f"<category term='{xesc(label)}'/>" for label in ix.labels)
        author = ix.posts[0].author if ix.posts else "Unknown"
        links = [
            "<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' "
            f"href='{req.base}/feeds/posts/default'/>",
            f"<link rel='self' type='application/atom+xml' href='{xesc(self_link)}'/>",
            f"<link rel='alternate' type='text/html' href='{req.base}/'/>",
            "<link rel='hub' href='http://pubsubhubbub.appspot.com/'/>",
        ]
        if prev:
            links.append(f"<link rel='previous' type='application/atom+xml' href='{xesc(prev)}'/>")
        if nxt:
            links.append(f"<link rel='next' type='application/atom+xml' href='{xesc(nxt)}'/>")
        entries = "".join(self._entry_atom(req, ix, p, summary) for p in page)
        return (
            "<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet href=\"http://www.blogger.com"
            '/styles/atom.css" type="text/css"?><feed xmlns=\'http://www.w3.org/2005/Atom\' '
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:blogger="
            "'http://schemas.google.com/blogger/2008' xmlns:georss='http://www.georss.org/georss'"
            ' xmlns:gd="http://schemas.google.com/g/2005" xmlns:thr=\'http://purl.org/'
            f"syndication/thread/1.0'><id>tag:blogger.com,1999:blog-{self.blog_id}</id>"
            f"<updated>{_bdate(newest)}</updated>{cats}<title type='text'>{xesc(self.title)}"
            f"</title><subtitle type='html'>{xesc(self.description)}</subtitle>"
            + "".join(links)
            + f"<author><name>{xesc(author)}</name><uri>https://www.blogger.com/profile/"
            f"{self.profile_id(author)}</uri><email>noreply@blogger.com</email></author>"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{total}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{maxr}</openSearch:itemsPerPage>{entries}</feed>"
        )

    def _rss(self, req, ix, page, total, start, maxr, nxt, prev, self_link, newest, summary):
        items = []
        for p in page:
            pid = ix.ids[id(p)]
            url = req.base + self.post_path(p)
            cats = "".join(
                f"<category domain='http://www.blogger.com/atom/ns#'>{xesc(label)}</category>"
                for label in p.labels
            )
            desc = snippet(p, 400) if summary else body_html_of(p)
            items.append(
                f"<item><guid isPermaLink='false'>tag:blogger.com,1999:blog-{self.blog_id}.post-"
                f"{pid}</guid><pubDate>{rfc822(ix.published[id(p)])}</pubDate><atom:updated>"
                f"{_bdate(ix.updated[id(p)])}</atom:updated>{cats}<title>{xesc(p.title)}</title>"
                f"<description>{xesc(desc)}</description><link>{url}</link>"
                f"<author>noreply@blogger.com ({xesc(p.author)})</author>"
                f"<thr:total>{len(p.comments)}</thr:total></item>"
            )
        links = f"<atom:link href='{xesc(self_link)}' rel='self' type='application/rss+xml'/>"
        if prev:
            links += f"<atom:link href='{xesc(prev)}' rel='previous' type='application/rss+xml'/>"
        if nxt:
            links += f"<atom:link href='{xesc(nxt)}' rel='next' type='application/rss+xml'/>"
        cats = "".join(f"<category>{xesc(label)}</category>" for label in ix.labels)
        author = ix.posts[0].author if ix.posts else "Unknown"
        return (
            "<?xml version='1.0' encoding='UTF-8'?><rss xmlns:atom='http://www.w3.org/2005/Atom'"
            " xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:blogger="
            "'http://schemas.google.com/blogger/2008' xmlns:georss='http://www.georss.org/georss'"
            ' xmlns:gd="http://schemas.google.com/g/2005" xmlns:thr=\'http://purl.org/'
            f"syndication/thread/1.0' version='2.0'><channel><atom:id>tag:blogger.com,1999:blog-"
            f"{self.blog_id}</atom:id><lastBuildDate>{rfc822(newest)}</lastBuildDate>{cats}"
            f"<title>{xesc(self.title)}</title><description>{xesc(self.description)}"
            f"</description><link>{req.base}/</link>{links}"
            f"<managingEditor>noreply@blogger.com ({xesc(author)})</managingEditor>"
            "<generator>Blogger</generator>"
            f"<openSearch:totalResults>{total}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{maxr}</openSearch:itemsPerPage>"
            + "".join(items)
            + "</channel></rss>"
        )

    def _json_feed(self, req, ix, page, total, start, maxr, nxt) -> Response:
        def t(s: str) -> dict:
            return {"$t": s}

        entries = []
        for p in page:
            pid = ix.ids[id(p)]
            entries.append(
                {
                    "id": t(f"tag:blogger.com,1999:blog-{self.blog_id}.post-{pid}"),
                    "published": t(_bdate(ix.published[id(p)])),
                    "updated": t(_bdate(ix.updated[id(p)])),
                    "category": [
                        {"scheme": "http://www.blogger.com/atom/ns#", "term": label}
                        for label in p.labels
                    ],
                    "title": {"type": "text", "$t": p.title},
                    "content": {"type": "html", "$t": body_html_of(p)},
                    "link": [
                        {
                            "rel": "alternate",
                            "type": "text/html",
                            "href": req.base + self.post_path(p),
                            "title": p.title,
                        }
                    ],
                    "author": [{"name": t(p.author)}],
                    "thr$total": t(str(len(p.comments))),
                }
            )
        links = [{"rel": "next", "type": "application/atom+xml", "href": nxt}] if nxt else []
        feed = {
            "version": "1.0",
            "encoding": "UTF-8",
            "feed": {
                "xmlns": "http://www.w3.org/2005/Atom",
                "id": t(f"tag:blogger.com,1999:blog-{self.blog_id}"),
                "title": {"type": "text", "$t": self.title},
                "link": links,
                "openSearch$totalResults": t(str(total)),
                "openSearch$startIndex": t(str(start)),
                "openSearch$itemsPerPage": t(str(maxr)),
                "entry": entries,
            },
        }
        return _resp(200, json.dumps(feed, ensure_ascii=False), JSON_TYPE)

    def render_comment_feed(self, req: _Request, ix: SiteIndex, post: DemoPost) -> Response:
        pid = ix.ids[id(post)]
        url = req.base + self.post_path(post)
        entries = []
        ordered = sorted(post.comments, key=lambda c: c.published, reverse=True)
        start = max(1, int(req.q("start-index") or 1))
        maxr = int(req.q("max-results") or self.comment_feed_default_results)
        maxr = max(1, min(maxr, self.comment_feed_max_results))
        page = ordered[start - 1 : start - 1 + maxr]
        feed_url = f"{req.base}/feeds/{pid}/comments/default"
        paging = (
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{maxr}</openSearch:itemsPerPage>"
        )
        if start - 1 + maxr < len(ordered):
            paging += (
                f"<link rel='next' type='application/atom+xml' href='{feed_url}?start-index="
                f"{start + maxr}&amp;max-results={maxr}'/>"
            )
        for c in page:
            reply = ""
            if c.parent:
                reply = (
                    f"<link rel='related' type='application/atom+xml' href='https://www.blogger."
                    f"com/feeds/{self.blog_id}/{pid}/comments/default/{c.parent}'/>"
                )
            entries.append(
                f"<entry><id>tag:blogger.com,1999:blog-{self.blog_id}.post-{c.comment_id}</id>"
                f"<published>{_bdate(parse_iso(c.published))}</published><updated>"
                f"{_bdate(parse_iso(c.published))}</updated><title type='text'>"
                f"{xesc(c.text[:60])}</title><content type='html'>{xesc(esc(c.text))}</content>"
                f"<link rel='alternate' type='text/html' href='{url}?showComment="
                f"{int(parse_iso(c.published).timestamp() * 1000)}#c{c.comment_id}' title=''/>"
                f"{reply}<author><name>{xesc(c.author)}</name></author><thr:in-reply-to "
                f"href='{url}' ref='tag:blogger.com,1999:blog-{self.blog_id}.post-{pid}' "
                f"source='https://www.blogger.com/feeds/{self.blog_id}/posts/default/{pid}' "
                "type='text/html'/></entry>"
            )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:thr="
            "'http://purl.org/syndication/thread/1.0'>"
            f"<id>tag:blogger.com,1999:blog-{self.blog_id}.post{pid}..comments</id>"
            f"<updated>{_bdate(self.last_modified(ix, post))}</updated>"
            f"<title type='text'>{xesc(self.title)}: {xesc(post.title)}</title>"
            f"<link rel='alternate' type='text/html' href='{url}'/>"
            f"<openSearch:totalResults>{len(post.comments)}</openSearch:totalResults>"
            + paging
            + "".join(entries)
            + "</feed>"
        )
        return _resp(200, body, "application/atom+xml; charset=UTF-8")

    def render_blog_comment_feed(self, req: _Request, ix: SiteIndex) -> Response:
        """``/feeds/comments/default``: every post's comments, newest first, paged by
        ``start-index`` and ``max-results`` (25 by default)."""
        every = sorted(
            ((c, p) for p in ix.posts for c in p.comments), key=lambda cp: cp[0].published
        )[::-1]
        start = max(1, int(req.q("start-index") or 1))
        maxr = int(req.q("max-results") or self.comment_feed_default_results)
        maxr = max(1, min(maxr, self.comment_feed_max_results))
        entries = []
        for c, post in every[start - 1 : start - 1 + maxr]:
            url = req.base + self.post_path(post)
            ms = int(parse_iso(c.published).timestamp() * 1000)
            entries.append(
                f"<entry><id>tag:blogger.com,1999:blog-{self.blog_id}.post-{c.comment_id}</id>"
                f"<published>{_bdate(parse_iso(c.published))}</published><updated>"
                f"{_bdate(parse_iso(c.published))}</updated><title type='text'>"
                f"{xesc(c.text[:60])}</title><content type='html'>{xesc(esc(c.text))}</content>"
                f"<link rel='alternate' type='text/html' href='{url}?showComment={ms}"
                f"#c{c.comment_id}' title=''/><author><name>{xesc(c.author)}</name></author>"
                f"<thr:in-reply-to href='{url}' ref='tag:blogger.com,1999:blog-{self.blog_id}."
                f"post-{ix.ids[id(post)]}' type='text/html'/></entry>"
            )
        nxt = ""
        if start - 1 + maxr < len(every):
            nxt = (
                f"<link rel='next' type='application/atom+xml' href='{req.base}/feeds/comments/"
                f"default?start-index={start + maxr}&amp;max-results={maxr}'/>"
            )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' xmlns:thr="
            "'http://purl.org/syndication/thread/1.0'>"
            f"<id>tag:blogger.com,1999:blog-{self.blog_id}.comments</id>"
            f"<title type='text'>{xesc(self.title)}</title>"
            f"<openSearch:totalResults>{len(every)}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{maxr}</openSearch:itemsPerPage>"
            + nxt
            + "".join(entries)
            + "</feed>"
        )
        return _resp(200, body, "application/atom+xml; charset=UTF-8")

    # -- sitemaps ------------------------------------------------------------
    def render_sitemap(self, req: _Request) -> Response | None:
        ix = self.index()
        size = self.sitemap_page_size
        parts = max(1, math.ceil(len(ix.posts) / size))
        page = req.q("page")
        if page is None:
            maps = "".join(
                f"<sitemap><loc>{req.base}/sitemap.xml?page={i}</loc></sitemap>"
                for i in range(1, parts + 1)
            )
            return _resp(
                200,
                "<?xml version='1.0' encoding='UTF-8'?><sitemapindex xmlns="
                f'"http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>',
                XML_TYPE,
            )
        try:
            n = int(page)
        except ValueError:
            return None
        if n < 1 or n > parts:
            return None
        chunk = ix.posts[(n - 1) * size : n * size]
        urls = "".join(
            f"<url><loc>{req.base}{self.post_path(p)}</loc><lastmod>"
            f"{ix.updated[id(p)].strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod></url>"
            for p in chunk
        )
        return _resp(
            200,
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns="
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            XML_TYPE,
        )

    def render_sitemap_pages(self, req: _Request) -> Response:
        ix = self.index()
        urls = "".join(
            f"<url><loc>{req.base}{self.page_path(p)}</loc><lastmod>"
            f"{ix.updated[id(p)].strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod></url>"
            for p in ix.pages
        )
        return _resp(
            200,
            "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns="
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            XML_TYPE,
        )


def _clock(dt: datetime) -> str:
    """12-hour clock like "9:05 AM" (portable, no %-I)."""
    return f"{(dt.hour % 12) or 12}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def _bdate(dt: datetime) -> str:
    """Blogger feed timestamps: 2024-03-05T10:15:00.000+00:00."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


# ---------------------------------------------------------------------------
# WordPress
# ---------------------------------------------------------------------------


@dataclass
class _Term:
    id: int
    name: str
    slug: str
    taxonomy: str  # "category" or "post_tag"


class WordPressSite(BlogSite):
    """A WordPress 6.6 blog (Twenty Twenty-One-like theme, Jetpack, Yoast).

    ``post.labels`` are split into categories (names in ``category_names``; if a post
    has none of those, its first label) and tags (the rest).  Term, user and (for
    posts without ``post_id``) post ids are assigned once and stay stable for the
    site's lifetime.

    URLs: ``/``, ``/page/N/``, ``/YYYY/MM/DD/slug/``, ``/category/SLUG/``,
    ``/tag/SLUG/``, ``/author/SLUG/`` (each with ``page/N/``), ``/SLUG/`` pages,
    ``/?p=ID`` (redirect), ``/feed/`` (``?paged=N``), ``/wp-json/...``,
    ``/?rest_route=/wp/v2/...``, ``/wp-sitemap*.xml``, ``/robots.txt``, ``/comments/feed/``
    (``?paged=N``), ``/YYYY/MM/DD/slug/comment-page-N/`` (with ``comments_per_page``).
    """

    # WordPress's "Break comments into pages with N top level comments per page" (off: 0);
    # the post's own address shows the last page (its default "newest" page), the others
    # are at /YYYY/MM/DD/slug/comment-page-N/
    comments_per_page = 0
    default_title = _content.WORDPRESS_BLOG_TITLE
    default_description = _content.WORDPRESS_BLOG_DESCRIPTION
    server_header = "nginx"
    per_page = 10
    feed_page_size = 10
    sitemap_page_size = 10
    rest_max_per_page = 100

    def __init__(self, *args, category_names: Iterable[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category_names = set(
            category_names if category_names is not None else _content.WORDPRESS_CATEGORIES
        )
        self._terms: dict[tuple[str, str], _Term] = {
            ("category", "Uncategorized"): _Term(1, "Uncategorized", "uncategorized", "category")
        }
        self._next_term = 2
        self._users: dict[str, int] = {}
        self._auto_ids: dict[str, str] = {}
        self._css = _wp_global_styles()
        self._theme_css = _wp_theme_css()

    def default_posts(self) -> list[DemoPost]:
        return _content.wordpress_posts()

    def default_pages(self) -> list[DemoPost]:
        return _content.wordpress_pages()

    def post_path(self, post: DemoPost) -> str:
        d = parse_iso(post.published)
        return f"/{d.year:04d}/{d.month:02d}/{d.day:02d}/{post.slug}/"

    def page_path(self, page: DemoPost) -> str:
        return f"/{page.slug}/"

    def make_id(self, post: DemoPost, kind: str) -> str:
        if post.post_id:
            return post.post_id
        key = kind + ":" + post.slug + ":" + post.published
        with self._lock:
            if key not in self._auto_ids:
                self._auto_ids[key] = str(10000 + len(self._auto_ids))
            return self._auto_ids[key]

    def split_labels(self, post: DemoPost) -> tuple[list[str], list[str]]:
        """(categories, tags) of a post."""
        cats = [x for x in post.labels if x in self.category_names]
        if not cats:
            if not post.labels:
                return ["Uncategorized"], []
            return [post.labels[0]], list(post.labels[1:])
        return cats, [x for x in post.labels if x not in self.category_names]

    def term(self, name: str, taxonomy: str) -> _Term:
        with self._lock:
            t = self._terms.get((taxonomy, name))
            if t is None:
                slug = slugify(name)
                taken = {x.slug for x in self._terms.values() if x.taxonomy == taxonomy}
                if slug in taken:
                    slug = f"{slug}-{self._next_term}"
                t = _Term(self._next_term, name, slug, taxonomy)
                self._next_term += 1
                self._terms[(taxonomy, name)] = t
            return t

    def user_id(self, name: str) -> int:
        with self._lock:
            if name not in self._users:
                self._users[name] = len(self._users) + 1
            return self._users[name]

    def _build_index(self) -> SiteIndex:
        ix = super()._build_index()
        cats: dict[int, list[DemoPost]] = {}
        tags: dict[int, list[DemoPost]] = {}
        post_terms: dict[int, tuple[list[_Term], list[_Term]]] = {}
        for p in reversed(ix.posts):  # oldest first so ids follow history
            self.user_id(p.author)
            c, t = self.split_labels(p)
            ct = [self.term(x, "category") for x in c]
            tt = [self.term(x, "post_tag") for x in t]
            post_terms[id(p)] = (ct, tt)
        for p in ix.pages:
            self.user_id(p.author)
        for p in ix.posts:
            ct, tt = post_terms[id(p)]
            for term in ct:
                cats.setdefault(term.id, []).append(p)
            for term in tt:
                tags.setdefault(term.id, []).append(p)
        ix.cache["terms"] = post_terms
        ix.cache["cat_posts"] = cats
        ix.cache["tag_posts"] = tags
        ix.cache["by_id"] = {ix.ids[id(p)]: p for p in ix.posts}
        ix.cache["page_by_id"] = {ix.ids[id(p)]: p for p in ix.pages}
        return ix

    def terms_of(self, ix: SiteIndex, post: DemoPost) -> tuple[list[_Term], list[_Term]]:
        return ix.cache["terms"][id(post)]  # type: ignore[index]

    def author_slug(self, name: str) -> str:
        return slugify(name)

    # -- routing -------------------------------------------------------------
    def route(self, req: _Request) -> Response | None:
        p = req.path
        if p == "/robots.txt":
            return _resp(200, self.robots_txt(req.base), TEXT_TYPE)
        if p == "/" and (rr := req.q("rest_route")) is not None:
            return self.render_rest(req, rr)
        if p.startswith("/wp-json"):
            return self.render_rest(req, p[len("/wp-json") :] or "/")
        if p == "/" and (pid := req.q("p") or req.q("page_id")):
            ix = self.index()
            post = ix.cache["by_id"].get(pid) or ix.cache["page_by_id"].get(pid)  # type: ignore
            if not post:
                return None
            path = self.post_path(post) if pid in ix.cache["by_id"] else self.page_path(post)  # type: ignore
            return _redirect(req.base + path)
        if p == "/comments/feed/":
            return self.render_comment_feed(req)
        if p == "/feed/" or (p == "/" and req.q("feed")):
            return self.render_feed(req)
        if p == "/feed":
            return _redirect(req.base + "/feed/")
        if p == "/wp-sitemap.xml" or p.startswith("/wp-sitemap-"):
            return self.render_sitemap(req)
        if p.startswith("/wp-content/uploads/"):
            return _resp(200, PNG, "image/png", Cache_Control="max-age=31536000")
        if p == "/" or re.fullmatch(r"/page/\d+/?", p):
            return self.render_listing(req, "home", None)
        if m := re.fullmatch(r"/(category|tag|author)/([^/]+)/(?:page/\d+/)?", p):
            return self.render_listing(req, m.group(1), m.group(2))
        if m := re.fullmatch(r"/(\d{4})/(?:(\d{2})/)?(?:page/\d+/)?", p):
            return self.render_listing(req, "date", p[: 6 if m.group(2) is None else 9])
        if m := re.fullmatch(r"(/\d{4}/\d{2}/\d{2}/[^/]+/)comment-page-(\d+)/", p):
            ix = self.index()
            post = ix.by_path.get(m.group(1))
            if not post or not self.comments_per_page:
                return None
            return self.render_post(req, ix, post, comment_page=int(m.group(2)))
        if re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[^/]+/", p):
            ix = self.index()
            post = ix.by_path.get(p)
            return self.render_post(req, ix, post) if post else None
        if re.fullmatch(r"/\d{4}/\d{2}/\d{2}/[^/]+", p):
            ix = self.index()
            if p + "/" in ix.by_path:
                q = "?" + req.raw_query if req.raw_query else ""
                return _redirect(req.base + p + "/" + q)
            return None
        if m := re.fullmatch(r"/([^/]+)/?", p):
            ix = self.index()
            page = ix.page_by_path.get(f"/{m.group(1)}/")
            if page is None:
                return None
            if not p.endswith("/"):
                return _redirect(req.base + p + "/")
            return self.render_page(req, ix, page)
        return None

    @staticmethod
    def robots_txt(base: str) -> str:
        return (
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
            f"Sitemap: {base}/wp-sitemap.xml\n"
        )

    # -- page chrome ---------------------------------------------------------
    def _head(
        self,
        req: _Request,
        title: str,
        canonical: str,
        desc: str,
        *,
        og_type: str = "website",
        extra: str = "",
        robots: str = "index, follow, max-image-preview:large, max-snippet:-1, "
        "max-video-preview:-1",
    ) -> str:
        b = req.base
        t = esc(self.title)
        return f"""<!doctype html>
<html lang="en-US" >
<head>
	<meta charset="UTF-8" />
	<meta name="viewport" content="width=device-width, initial-scale=1.0" />
	<meta name='robots' content='{robots}' />

	<!-- This site is optimized with the Yoast SEO plugin v23.5 - https://yoast.com/wordpress/plugins/seo/ -->
	<title>{esc(title)}</title>
	<link rel="canonical" href="{esc(canonical)}" />
	<meta property="og:locale" content="en_US" />
	<meta property="og:type" content="{og_type}" />
	<meta property="og:title" content="{esc(title)}" />
	<meta property="og:description" content="{esc(desc)}" />
	<meta property="og:url" content="{esc(canonical)}" />
	<meta property="og:site_name" content="{t}" />
{extra}	<!-- / Yoast SEO plugin. -->


<link rel='dns-prefetch' href='//stats.wp.com' />
<link rel='dns-prefetch' href='//v0.wordpress.com' />
<link rel="alternate" type="application/rss+xml" title="{t} &raquo; Feed" href="{b}/feed/" />
<link rel="alternate" type="application/rss+xml" title="{t} &raquo; Comments Feed" href="{b}/comments/feed/" />
<script>
window._wpemojiSettings = {{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/72x72\\/","ext":".png","svgUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/svg\\/","svgExt":".svg","source":{{"concatemoji":"{b}\\/wp-includes\\/js\\/wp-emoji-release.min.js?ver=6.6.2"}}}};
/*! This file is auto-generated */
!function(i,n){{var o,s,e;function c(e){{try{{var t={{supportTests:e,timestamp:(new Date).valueOf()}};sessionStorage.setItem(o,JSON.stringify(t))}}catch(e){{}}}}function p(e,t,n){{e.clearRect(0,0,e.canvas.width,e.canvas.height),e.fillText(t,0,0);var t=new Uint32Array(e.getImageData(0,0,e.canvas.width,e.canvas.height).data),r=(e.clearRect(0,0,e.canvas.width,e.canvas.height),e.fillText(n,0,0),new Uint32Array(e.getImageData(0,0,e.canvas.width,e.canvas.height).data));return t.every(function(e,t){{return e===r[t]}})}}}}(window,document);
</script>
<style id='wp-emoji-styles-inline-css'>
	img.wp-smiley, img.emoji {{ display: inline !important; border: none !important; box-shadow: none !important; height: 1em !important; width: 1em !important; margin: 0 0.07em !important; vertical-align: -0.1em !important; background: none !important; padding: 0 !important; }}
</style>
<link rel='stylesheet' id='wp-block-library-css' href='{b}/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2' media='all' />
<style id='wp-block-library-theme-inline-css'>
.wp-block-audio :where(figcaption){{color:#555;font-size:13px;text-align:center}}.wp-block-code{{border:1px solid #ccc;border-radius:4px;font-family:Menlo,Consolas,monaco,monospace;padding:.8em 1em}}.wp-block-embed :where(figcaption){{color:#555;font-size:13px;text-align:center}}.wp-block-image :where(figcaption){{color:#555;font-size:13px;text-align:center}}.wp-block-quote{{border-left:.25em solid;margin:0 0 1.75em;padding-left:1em}}.wp-block-quote cite,.wp-block-quote footer{{color:currentColor;font-size:.8125em;position:relative;font-style:normal}}
</style>
<style id='global-styles-inline-css'>
{self._css}
</style>
<link rel='stylesheet' id='twenty-twenty-one-style-css' href='{b}/wp-content/themes/twentytwentyone/style.css?ver=2.3' media='all' />
<link rel='stylesheet' id='twenty-twenty-one-print-style-css' href='{b}/wp-content/themes/twentytwentyone/assets/css/print.css?ver=2.3' media='print' />
<style id='jetpack-sharing-inline-css'>
{self._theme_css}
</style>
<link rel="https://api.w.org/" href="{b}/wp-json/" /><link rel="EditURI" type="application/rsd+xml" title="RSD" href="{b}/xmlrpc.php?rsd" />
<meta name="generator" content="WordPress 6.6.2" />
	<style>img#wpstats{{display:none}}</style>
		<style id="custom-background-css">body.custom-background {{ background-color: #d1e4dd; }}</style>
</head>
"""

    def _body_open(self, req: _Request, body_class: str) -> str:
        b = req.base
        menu = "".join(
            f'<li id="menu-item-{10 + i}" class="menu-item menu-item-type-post_type '
            f'menu-item-object-page menu-item-{10 + i}"><a href="{b}{self.page_path(pg)}">'
            f"{esc(pg.title)}</a></li>"
            for i, pg in enumerate(self.pages)
        )
        return f"""<body class="{body_class} wp-embed-responsive is-light-theme no-js singular has-main-navigation">
<div id="page" class="site">
	<a class="skip-link screen-reader-text" href="#content">Skip to content</a>

<header id="masthead" class="site-header has-title-and-tagline has-menu">
<div class="site-branding">
	<p class="site-title"><a href="{b}/" rel="home">{esc(self.title)}</a></p>
	<p class="site-description">{esc(self.description)}</p>
</div><!-- .site-branding -->
	<nav id="site-navigation" class="primary-navigation" aria-label="Primary menu">
		<div class="menu-button-container">
			<button id="primary-mobile-menu" class="button" aria-controls="primary-menu-list" aria-expanded="false">
				<span class="dropdown-icon open">Menu
					<svg class="svg-icon" width="24" height="24" aria-hidden="true" role="img" focusable="false" viewBox="0 0 24 24" fill="none" xmlns="http://www.w3.org/2000/svg"><path fill-rule="evenodd" clip-rule="evenodd" d="M4.5 6H19.5V7.5H4.5V6ZM4.5 12H19.5V13.5H4.5V12ZM19.5 18H4.5V19.5H19.5V18Z" fill="currentColor"/></svg>				</span>
				<span class="dropdown-icon close">Close
					<svg class="svg-icon" width="24" height="24" aria-hidden="true" role="img" focusable="false" viewBox="0 0 24 24" fill="none" xmlns="http://www.w3.org/2000/svg"><path fill-rule="evenodd" clip-rule="evenodd" d="M12 10.9394L5.53033 4.46973L4.46967 5.53039L10.9393 12.0001L4.46967 18.4697L5.53033 19.5304L12 13.0607L18.4697 19.5304L19.5303 18.4697L13.0607 12.0001L19.5303 5.53039L18.4697 4.46973L12 10.9394Z" fill="currentColor"/></svg>				</span>
			</button><!-- #primary-mobile-menu -->
		</div><!-- .menu-button-container -->
		<div class="primary-menu-container"><ul id="primary-menu-list" class="menu-wrapper"><li id="menu-item-9" class="menu-item menu-item-type-custom menu-item-object-custom menu-item-home menu-item-9"><a href="{b}/">Home</a></li>{menu}</ul></div>	</nav><!-- #site-navigation -->
</header><!-- #masthead -->

	<div id="content" class="site-content">
		<div id="primary" class="content-area">
			<main id="main" class="site-main">
"""

    def _widgets(self, req: _Request, ix: SiteIndex) -> str:
        key = "widgets:" + req.base
        cached = ix.cache.get(key)
        if isinstance(cached, str):
            return cached
        b = req.base
        recent = "".join(
            f'<li><a href="{b}{self.post_path(p)}">{esc(p.title)}</a></li>' for p in ix.posts[:5]
        )
        comments = []
        for p in ix.posts:
            for c in p.comments:
                comments.append((c.published, c, p))
        comments.sort(key=lambda x: x[0], reverse=True)
        rc = "".join(
            f'<li class="recentcomments"><span class="comment-author-link">{esc(c.author)}</span>'
            f' on <a href="{b}{self.post_path(p)}#comment-{c.comment_id}">{esc(p.title)}</a></li>'
            for _, c, p in comments[:5]
        )
        months: dict[tuple[int, int], int] = {}
        for p in ix.posts:
            d = ix.published[id(p)]
            months[(d.year, d.month)] = months.get((d.year, d.month), 0) + 1
        arch = "".join(
            f'<li><a href="{b}/{y}/{m:02d}/">{datetime(y, m, 1).strftime("%B %Y")}</a></li>'
            for (y, m) in months
        )
        cat_posts: dict[int, list[DemoPost]] = ix.cache["cat_posts"]  # type: ignore[assignment]
        cats = sorted(
            (t for t in self._terms.values() if t.taxonomy == "category" and t.id in cat_posts),
            key=lambda t: t.name.lower(),
        )
        cat_html = "".join(
            f'<li class="cat-item cat-item-{t.id}"><a href="{b}/category/{t.slug}/">'
            f"{esc(t.name)}</a></li>"
            for t in cats
        )
        out = f"""	<aside class="widget-area">
		<section id="block-2" class="widget widget_block widget_search"><form role="search" method="get" action="{b}/" class="wp-block-search__button-outside wp-block-search__text-button wp-block-search"    ><label class="wp-block-search__label" for="wp-block-search__input-1" >Search</label><div class="wp-block-search__inside-wrapper " ><input class="wp-block-search__input" id="wp-block-search__input-1" placeholder="" value="" type="search" name="s" required /><button aria-label="Search" class="wp-block-search__button wp-element-button" type="submit" >Search</button></div></form></section>
		<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><nav aria-label="Recent Posts"><ul>{recent}</ul></nav></section>
		<section id="recent-comments-2" class="widget widget_recent_comments"><h2 class="widget-title">Recent Comments</h2><nav aria-label="Recent Comments"><ul id="recentcomments">{rc}</ul></nav></section>
		<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2><nav aria-label="Archives"><ul>{arch}</ul></nav></section>
		<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">Categories</h2><nav aria-label="Categories"><ul>{cat_html}</ul></nav></section>
	</aside><!-- .widget-area -->
"""
        ix.cache[key] = out
        return out

    def _page_end(self, req: _Request, ix: SiteIndex) -> str:
        b = req.base
        return f"""			</main><!-- #main -->
		</div><!-- #primary -->
	</div><!-- #content -->

{self._widgets(req, ix)}
	<footer id="colophon" class="site-footer">
		<div class="site-info">
			<div class="site-name"><a href="{b}/">{esc(self.title)}</a></div><!-- .site-name -->
			<div class="powered-by">Proudly powered by <a href="https://wordpress.org/">WordPress</a>.</div><!-- .powered-by -->
		</div><!-- .site-info -->
	</footer><!-- #colophon -->

</div><!-- #page -->

<script>document.body.classList.remove("no-js");</script>
<script>
if ( -1 !== navigator.userAgent.indexOf( 'MSIE' ) || -1 !== navigator.appVersion.indexOf( 'Trident/' ) ) {{
	document.body.classList.add( 'is-IE' );
}}
</script>
<script src='https://stats.wp.com/e-202440.js' defer></script>
<script id="jetpack-stats-js-before">
_stq = window._stq || [];
_stq.push([ "view", {{v:'ext',blog:'219876543',post:'0',tz:'0',srv:'{req.base.split("//", 1)[-1]}',j:'1:13.9'}} ]);
_stq.push([ "clickTrackerInit", "219876543", "0" ]);
</script>
<script id="sharing-js-js-extra">
var sharing_js_options = {{"sharing_delete_service_nonce":"2b3c4d5e6f","is_stats_active":"1","lang":"en","counts":"1"}};
</script>
<script src="{b}/wp-content/plugins/jetpack/_inc/build/sharedaddy/sharing.min.js?ver=13.9" id="sharing-js-js"></script>
<script src="{b}/wp-content/themes/twentytwentyone/assets/js/primary-navigation.js?ver=2.3" id="twenty-twenty-one-primary-navigation-script-js"></script>
<script src="{b}/wp-content/themes/twentytwentyone/assets/js/responsive-embeds.js?ver=2.3" id="twenty-twenty-one-responsive-embeds-script-js"></script>

</body>
</html>
"""

    def _date(self, dt: datetime) -> str:
        return f"{dt.strftime('%B')} {dt.day}, {dt.year}"

    def _entry_meta(self, req: _Request, ix: SiteIndex, post: DemoPost, url: str) -> str:
        pub = ix.published[id(post)]
        upd = ix.updated[id(post)]
        return (
            '<div class="entry-meta"><span class="posted-on"><span class="screen-reader-text">'
            f'Posted on</span> <a href="{esc(url)}" rel="bookmark"><time class="entry-date '
            f'published" datetime="{pub.isoformat()}">{self._date(pub)}</time><time class="'
            f'updated" datetime="{upd.isoformat()}">{self._date(upd)}</time></a></span><span '
            'class="byline"> by <span class="author vcard"><a class="url fn n" href="'
            f'{req.base}/author/{self.author_slug(post.author)}/">{esc(post.author)}</a></span>'
            "</span></div><!-- .entry-meta -->"
        )

    def _jetpack(self, req: _Request, ix: SiteIndex, post: DemoPost, url: str) -> str:
        pid = ix.ids[id(post)]
        eurl = esc(url)
        share = []
        for key, label, title in (
            ("twitter", "X", "Click to share on X"),
            ("facebook", "Facebook", "Click to share on Facebook"),
            ("email", "Email", "Click to email a link to a friend"),
            ("print", "Print", "Click to print"),
        ):
            share.append(
                f'<li class="share-{key}"><a rel="nofollow noopener noreferrer" data-shared="'
                f'sharing-{key}-{pid}" class="share-{key} sd-button share-icon" href="{eurl}?share='
                f'{key}&amp;nb=1" target="_blank" title="{title}" ><span>{label}</span></a></li>'
            )
        share.append('<li class="share-end"></li>')
        related = []
        pos = ix.position[id(post)]
        others = ix.posts[pos + 1 : pos + 4] or []
        if len(others) < 3:
            others += [p for p in ix.posts[:pos]][: 3 - len(others)]
        for i, p in enumerate(others[:3]):
            u = req.base + self.post_path(p)
            cats, _ = self.terms_of(ix, p)
            ctx = esc(f'In "{cats[0].name}"') if cats else ""
            related.append(
                f'<div class="jp-relatedposts-post jp-relatedposts-post{i} '
                f'jp-relatedposts-post-thumbs" data-post-id="{ix.ids[id(p)]}" data-post-format='
                f'"false"><h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a"'
                f' href="{u}" title="{esc(p.title)}" rel="nofollow" data-origin="{pid}" '
                f'data-position="{i}">{esc(p.title)}</a></h4><p class="jp-relatedposts-post-date"'
                f' style="display: block;">{self._date(ix.published[id(p)])}</p><p class='
                f'"jp-relatedposts-post-context">{ctx}</p></div>'
            )
        return (
            '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block '
            'sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3>'
            '<div class="sd-content"><ul>' + "".join(share) + "</ul></div></div></div>"
            f"<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper jetpack-likes-"
            f"widget-unloaded' id='like-post-wrapper-219876543-{pid}-66f0c0ffee' data-src='"
            f"https://widgets.wp.com/likes/?ver=13.9#blog_id=219876543&amp;post_id={pid}&amp;"
            f"origin={quote(req.base, safe='')}&amp;obj_id=219876543-{pid}-66f0c0ffee' data-name="
            f"'like-post-frame-219876543-{pid}-66f0c0ffee' data-title='Like or Reblog'><h3 class="
            '"sd-title">Like this:</h3><div class=\'likes-widget-placeholder post-likes-widget-'
            "placeholder' style='height: 55px;'><span class='button'><span>Like</span></span> "
            "<span class=\"loading\">Loading...</span></div><span class='sd-text-color'></span>"
            "<a class='sd-link-color'></a></div>\n"
            "<div id='jp-relatedposts' class='jp-relatedposts' >\n\t<h3 class=\"jp-relatedposts-"
            'headline"><em>Related</em></h3><div class="jp-relatedposts-items jp-relatedposts-'
            'items-visual jp-relatedposts-grid ">' + "".join(related) + "</div></div>"
        )

    def _comments(
        self,
        req: _Request,
        ix: SiteIndex,
        post: DemoPost,
        url: str,
        comment_page: int | None = None,
    ) -> str:
        pid = ix.ids[id(post)]
        known = {c.comment_id for c in post.comments}
        children: dict[str | None, list[DemoComment]] = {}
        for c in post.comments:
            children.setdefault(c.parent if c.parent in known else None, []).append(c)
        counter = [0]
        nav = ""
        if self.comments_per_page and len(children.get(None, [])) > self.comments_per_page:
            top = children[None]
            pages = -(-len(top) // self.comments_per_page)
            page = min(comment_page or pages, pages)
            first = (page - 1) * self.comments_per_page
            children[None] = top[first : first + self.comments_per_page]
            links = []
            if page > 1:
                links.append(
                    f'<div class="nav-previous"><a href="{esc(url)}comment-page-{page - 1}/'
                    '#comments"><span class="nav-prev-text">Older comments</span></a></div>'
                )
            if page < pages:
                links.append(
                    f'<div class="nav-next"><a href="{esc(url)}comment-page-{page + 1}/'
                    '#comments"><span class="nav-next-text">Newer comments</span></a></div>'
                )
            nav = (
                '<nav class="navigation comment-navigation" aria-label="Comments"><h2 class='
                '"screen-reader-text">Comments navigation</h2><div class="nav-links">'
                + "".join(links)
                + "</div></nav>"
            )

        def one(c: DemoComment, depth: int) -> str:
            counter[0] += 1
            parity = "even" if counter[0] % 2 == 1 else "odd"
            kids = children.get(c.comment_id, [])
            dt = parse_iso(c.published)
            when = f"{self._date(dt)} at {_clock(dt).lower()}"
            by_author = " bypostauthor byuser" if c.author == post.author else ""
            paras = "".join(f"<p>{esc(t)}</p>" for t in c.text.split("\n\n") if t.strip())
            inner = ""
            if kids:
                inner = (
                    '\n<ol class="children">\n'
                    + "".join(one(k, depth + 1) for k in kids)
                    + "</ol><!-- .children -->\n"
                )
            return (
                f'<li id="comment-{c.comment_id}" class="comment {parity} depth-{depth}'
                f'{by_author}{" parent" if kids else ""}">\n<article id="div-comment-'
                f'{c.comment_id}" class="comment-body">\n<footer class="comment-meta">\n<div '
                f"class=\"comment-author vcard\">\n<img alt='' src='{req.base}/wp-content/uploads"
                "/avatar-60.png' class='avatar avatar-60 photo' height='60' width='60' loading="
                f"'lazy' decoding='async'/>\t\t\t\t\t\t<b class=\"fn\">{esc(c.author)}</b> <span "
                'class="says">says:</span>\t\t\t\t\t</div><!-- .comment-author -->\n\n<div class='
                f'"comment-metadata">\n<a href="{esc(url)}#comment-{c.comment_id}"><time datetime='
                f'"{dt.isoformat()}">{when}</time></a></div><!-- .comment-metadata -->\n\n'
                '</footer><!-- .comment-meta -->\n\n<div class="comment-content">\n'
                f'{paras}\n</div><!-- .comment-content -->\n\n<div class="reply"><a rel='
                f'"nofollow" class="comment-reply-link" href="{esc(url)}?replytocom='
                f'{c.comment_id}#respond" data-commentid="{c.comment_id}" data-postid="{pid}" '
                f'data-belowelement="div-comment-{c.comment_id}" data-respondelement="respond" '
                f'data-replyto="Reply to {esc(c.author)}" aria-label="Reply to {esc(c.author)}">'
                "Reply</a></div>\t\t\t</article><!-- .comment-body -->"
                f"{inner}</li><!-- #comment-## -->\n"
            )

        n = len(post.comments)
        parts = ['<div id="comments" class="comments-area default-max-width show-avatars">\n']
        if n:
            count = "One thought" if n == 1 else f"{n} thoughts"
            parts.append(
                f'\t\t<h2 class="comments-title">\n\t\t\t{count} on &ldquo;<span>'
                f"{esc(post.title)}</span>&rdquo;\t\t</h2><!-- .comments-title -->\n\n"
                '\t\t<ol class="comment-list">\n'
                + "".join(one(c, 1) for c in children.get(None, []))
                + "\t\t</ol><!-- .comment-list -->\n\n"
                + nav
            )
        parts.append(
            f"""	<div id="respond" class="comment-respond">
		<h3 id="reply-title" class="comment-reply-title">Leave a Reply <small><a rel="nofollow" id="cancel-comment-reply-link" href="{esc(url)}#respond" style="display:none;">Cancel reply</a></small></h3><form action="{req.base}/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate><p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> <span class="required-field-message">Required fields are marked <span class="required">*</span></span></p><p class="comment-form-comment"><label for="comment">Comment <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="5" maxlength="65525" required></textarea></p><p class="comment-form-author"><label for="author">Name <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" autocomplete="name" required /></p>
<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" aria-describedby="email-notes" autocomplete="email" required /></p>
<p class="comment-form-url"><label for="url">Website</label> <input id="url" name="url" type="url" value="" size="30" maxlength="200" autocomplete="url" /></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes" /> <label for="wp-comment-cookies-consent">Save my name, email, and website in this browser for the next time I comment.</label></p>
<p class="comment-subscription-form"><input type="checkbox" name="subscribe_comments" id="subscribe_comments" value="subscribe" style="width: auto; -moz-appearance: checkbox; -webkit-appearance: checkbox;" /> <label class="subscribe-label" id="subscribe-label" for="subscribe_comments">Notify me of follow-up comments by email.</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /> <input type='hidden' name='comment_post_ID' value='{pid}' id='comment_post_ID' />
<input type='hidden' name='comment_parent' id='comment_parent' value='0' />
</p></form>	</div><!-- #respond -->
	</div><!-- #comments -->
"""
        )
        return "".join(parts)

    def _jsonld(self, req: _Request, ix: SiteIndex, post: DemoPost, url: str) -> str:
        b = req.base
        pub = ix.published[id(post)].isoformat()
        upd = ix.updated[id(post)].isoformat()
        cats, tags = self.terms_of(ix, post)
        person = f"{b}/#/schema/person/{hashlib.md5(post.author.encode()).hexdigest()}"
        graph = {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "Article",
                    "@id": f"{url}#article",
                    "isPartOf": {"@id": url},
                    "author": {"name": post.author, "@id": person},
                    "headline": post.title,
                    "datePublished": pub,
                    "dateModified": upd,
                    "mainEntityOfPage": {"@id": url},
                    "wordCount": sum(len(p.split()) for p in post.paragraphs),
                    "commentCount": len(post.comments),
                    "publisher": {"@id": f"{b}/#website"},
                    "keywords": [t.name for t in tags],
                    "articleSection": [c.name for c in cats],
                    "inLanguage": "en-US",
                    "potentialAction": [
                        {"@type": "CommentAction", "name": "Comment", "target": [f"{url}#respond"]}
                    ],
                },
                {
                    "@type": "WebPage",
                    "@id": url,
                    "url": url,
                    "name": f"{post.title} - {self.title}",
                    "isPartOf": {"@id": f"{b}/#website"},
                    "datePublished": pub,
                    "dateModified": upd,
                    "breadcrumb": {"@id": f"{url}#breadcrumb"},
                    "inLanguage": "en-US",
                },
                {
                    "@type": "BreadcrumbList",
                    "@id": f"{url}#breadcrumb",
                    "itemListElement": [
                        {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{b}/"},
                        {"@type": "ListItem", "position": 2, "name": post.title},
                    ],
                },
                {
                    "@type": "WebSite",
                    "@id": f"{b}/#website",
                    "url": f"{b}/",
                    "name": self.title,
                    "description": self.description,
                    "inLanguage": "en-US",
                },
                {
                    "@type": "Person",
                    "@id": person,
                    "name": post.author,
                    "url": f"{b}/author/{self.author_slug(post.author)}/",
                },
            ],
        }
        return (
            '\t<script type="application/ld+json" class="yoast-schema-graph">'
            + json.dumps(graph, ensure_ascii=False).replace("</", "<\\/")
            + "</script>\n"
        )

    # -- pages ---------------------------------------------------------------
    def render_post(
        self, req: _Request, ix: SiteIndex, post: DemoPost, comment_page: int | None = None
    ) -> Response:
        url = req.base + self.post_path(post)
        lm = self.last_modified(ix, post)
        key = ("post", req.base, self.content_key(post), "replytocom" in req.query, comment_page)
        data = self.cached(
            key, lambda: self._render_post(req, ix, post, url, comment_page).encode("utf-8")
        )
        return _resp(
            200,
            data,
            HTML_TYPE,
            Last_Modified=http_date(lm),
            Link=(
                f'<{req.base}/wp-json/>; rel="https://api.w.org/", <{req.base}/wp-json/wp/v2/posts/'
                f'{ix.ids[id(post)]}>; rel="alternate"; type="application/json", <{req.base}/?p='
                f"{ix.ids[id(post)]}>; rel=shortlink"
            ),
        )

    def _render_post(
        self,
        req: _Request,
        ix: SiteIndex,
        post: DemoPost,
        url: str,
        comment_page: int | None = None,
    ) -> str:
        b = req.base
        pid = ix.ids[id(post)]
        cats, tags = self.terms_of(ix, post)
        pub = ix.published[id(post)]
        upd = ix.updated[id(post)]
        desc = snippet(post, 155)
        words = sum(len(p.split()) for p in post.paragraphs)
        extra = (
            f'\t<meta property="article:published_time" content="{pub.isoformat()}" />\n'
            f'\t<meta property="article:modified_time" content="{upd.isoformat()}" />\n'
            f'\t<meta name="author" content="{esc(post.author)}" />\n'
            '\t<meta name="twitter:card" content="summary_large_image" />\n'
            '\t<meta name="twitter:label1" content="Written by" />\n'
            f'\t<meta name="twitter:data1" content="{esc(post.author)}" />\n'
            '\t<meta name="twitter:label2" content="Est. reading time" />\n'
            f'\t<meta name="twitter:data2" content="{max(1, words // 200)} minutes" />\n'
            + self._jsonld(req, ix, post, url)
        )
        robots = (
            "noindex, follow"
            if "replytocom" in req.query
            else ("index, follow, max-image-preview:large, max-snippet:-1, max-video-preview:-1")
        )
        head = self._head(
            req,
            f"{post.title} - {self.title}",
            url,
            desc,
            og_type="article",
            extra=extra,
            robots=robots,
        )
        head = head.replace(
            "</head>",
            f'<link rel="alternate" title="JSON" type="application/json" href="{b}/wp-json/wp/v2/'
            f"posts/{pid}\" />\n<link rel='shortlink' href='{b}/?p={pid}' />\n<link rel="
            f'"alternate" type="application/rss+xml" title="{esc(self.title)} &raquo; '
            f'{esc(post.title)} Comments Feed" href="{url}feed/" />\n</head>',
        )
        classes = " ".join(
            [f"post-{pid}", "post", "type-post", "status-publish", "format-standard", "hentry"]
            + [f"category-{c.slug}" for c in cats]
            + [f"tag-{t.slug}" for t in tags]
            + ["entry"]
        )
        cat_links = ", ".join(
            f'<a href="{b}/category/{c.slug}/" rel="category tag">{esc(c.name)}</a>' for c in cats
        )
        tag_links = ", ".join(
            f'<a href="{b}/tag/{t.slug}/" rel="tag">{esc(t.name)}</a>' for t in tags
        )
        taxonomies = f'<span class="cat-links">Posted in {cat_links} </span>'
        if tags:
            taxonomies += f'<span class="tags-links">Tagged {tag_links}</span>'
        pos = ix.position[id(post)]
        newer = ix.posts[pos - 1] if pos > 0 else None
        older = ix.posts[pos + 1] if pos + 1 < len(ix.posts) else None
        nav = []
        if older:
            nav.append(
                f'<div class="nav-previous"><a href="{b}{self.post_path(older)}" rel="prev"><p '
                'class="meta-nav"><svg class="svg-icon" width="24" height="24" aria-hidden="true"'
                ' role="img" focusable="false" viewBox="0 0 24 24" fill="none" xmlns="http://www'
                '.w3.org/2000/svg"><path fill-rule="evenodd" clip-rule="evenodd" d="M20 13v-2H8l4'
                '-4-1-2-7 7 7 7 1-2-4-4z" fill="currentColor"/></svg>Previous post</p><p class='
                f'"post-title">{esc(older.title)}</p></a></div>'
            )
        if newer:
            nav.append(
                f'<div class="nav-next"><a href="{b}{self.post_path(newer)}" rel="next"><p class='
                '"meta-nav">Next post<svg class="svg-icon" width="24" height="24" aria-hidden='
                '"true" role="img" focusable="false" viewBox="0 0 24 24" fill="none" xmlns="http:'
                '//www.w3.org/2000/svg"><path fill-rule="evenodd" clip-rule="evenodd" d="m4 13v-2h'
                '12l-4-4 1-2 7 7-7 7-1-2 4-4z" fill="currentColor"/></svg></p><p class="post-title'
                f'">{esc(newer.title)}</p></a></div>'
            )
        author_posts = f"{b}/author/{self.author_slug(post.author)}/"
        main = f"""
<article id="post-{pid}" class="{classes}">

	<header class="entry-header alignwide">
		<h1 class="entry-title">{esc(post.title)}</h1>		{self._entry_meta(req, ix, post, url)}
	</header><!-- .entry-header -->

	<div class="entry-content">
		{body_html_of(post)}
{self._jetpack(req, ix, post, url)}	</div><!-- .entry-content -->

	<footer class="entry-footer default-max-width">
		<div class="posted-by"><span class="posted-on">Published <time class="entry-date published updated" datetime="{pub.isoformat()}">{self._date(pub)}</time></span><span class="byline">By <a href="{author_posts}" rel="author">{esc(post.author)}</a></span></div><div class="post-taxonomies">{taxonomies}</div>	</footer><!-- .entry-footer -->

	<div class="author-bio show-avatars">
	<img alt='' src='{b}/wp-content/uploads/avatar-85.png' class='avatar avatar-85 photo' height='85' width='85' loading='lazy' decoding='async'/>	<div class="author-bio-content">
		<h2 class="author-title">By {esc(post.author)}</h2><!-- .author-title -->
		<p class="author-description"> One half of {esc(self.title)}.</p><!-- .author-description -->
		<a class="author-link" href="{author_posts}" rel="author">View all of {esc(post.author)}&#039;s posts.</a>	</div><!-- .author-bio-content -->
</div><!-- .author-bio -->

</article><!-- #post-{pid} -->

{self._comments(req, ix, post, url, comment_page)}
	<nav class="navigation post-navigation" aria-label="Posts">
		<h2 class="screen-reader-text">Post navigation</h2>
		<div class="nav-links">{"".join(nav)}</div>
	</nav>
"""
        body_class = f"post-template-default single single-post postid-{pid} single-format-standard"
        return head + self._body_open(req, body_class) + main + self._page_end(req, ix)

    def render_page(self, req: _Request, ix: SiteIndex, page: DemoPost) -> Response:
        b = req.base
        pid = ix.ids[id(page)]
        url = b + self.page_path(page)
        head = self._head(req, f"{page.title} - {self.title}", url, snippet(page, 155))
        main = f"""
<article id="post-{pid}" class="post-{pid} page type-page status-publish hentry entry">
	<header class="entry-header alignwide">
		<h1 class="entry-title">{esc(page.title)}</h1>	</header><!-- .entry-header -->
	<div class="entry-content">
		{body_html_of(page)}
	</div><!-- .entry-content -->
</article><!-- #post-{pid} -->
"""
        text = (
            head
            + self._body_open(req, f"page-template-default page page-id-{pid}")
            + main
            + self._page_end(req, ix)
        )
        return _resp(200, text, HTML_TYPE, Last_Modified=http_date(ix.updated[id(page)]))

    def render_listing(self, req: _Request, kind: str, slug: str | None) -> Response | None:
        ix = self.index()
        b = req.base
        posts = ix.posts
        title = self.title
        base_path = "/"
        heading = ""
        if kind in ("category", "tag"):
            tax = "category" if kind == "category" else "post_tag"
            term = next(
                (t for t in self._terms.values() if t.taxonomy == tax and t.slug == slug), None
            )
            table = ix.cache["cat_posts" if kind == "category" else "tag_posts"]
            if term is None or term.id not in table:  # type: ignore[operator]
                return None
            posts = table[term.id]  # type: ignore[index]
            label = "Category" if kind == "category" else "Tag"
            heading = f"{label}: <span>{esc(term.name)}</span>"
            title = f"{term.name} Archives - {self.title}"
            base_path = f"/{kind}/{slug}/"
        elif kind == "author":
            posts = [p for p in ix.posts if self.author_slug(p.author) == slug]
            if not posts:
                return None
            heading = f"Author: <span>{esc(posts[0].author)}</span>"
            title = f"{posts[0].author}, Author at {self.title}"
            base_path = f"/author/{slug}/"
        elif kind == "date" and slug:
            parts = [int(x) for x in slug.strip("/").split("/")]
            posts = [
                p
                for p in ix.posts
                if ix.published[id(p)].year == parts[0]
                and (len(parts) == 1 or ix.published[id(p)].month == parts[1])
            ]
            if not posts:
                return None
            label = str(parts[0]) if len(parts) == 1 else datetime(*parts, 1).strftime("%B %Y")
            heading = (
                f"Month: <span>{label}</span>" if len(parts) > 1 else f"Year: <span>{label}</span>"
            )
            title = f"{label} - {self.title}"
            base_path = slug
        m = re.search(r"/page/(\d+)/?$", req.path)
        page = (
            int(m.group(1))
            if m
            else int(req.q("paged") or 1)
            if (req.q("paged") or "1").isdigit()
            else 1
        )
        pages = max(1, math.ceil(len(posts) / self.per_page))
        if page < 1 or page > pages:
            return None
        shown = posts[(page - 1) * self.per_page : page * self.per_page]
        items = []
        for p in shown:
            u = b + self.post_path(p)
            pid = ix.ids[id(p)]
            cats, tags = self.terms_of(ix, p)
            classes = " ".join(
                [f"post-{pid}", "post", "type-post", "status-publish", "format-standard", "hentry"]
                + [f"category-{c.slug}" for c in cats]
                + [f"tag-{t.slug}" for t in tags]
                + ["entry"]
            )
            items.append(
                f'<article id="post-{pid}" class="{classes}">\n\t<header class="entry-header '
                f'default-max-width">\n\t\t<h2 class="entry-title default-max-width"><a href="{u}">'
                f"{esc(p.title)}</a></h2>{self._entry_meta(req, ix, p, u)}\n\t</header>\n\t<div "
                f'class="entry-content">\n\t\t<p>{esc(snippet(p, 280))} <a class="more-link" '
                f'href="{u}">Continue reading<span class="screen-reader-text">{esc(p.title)}'
                "</span></a></p>\n\t</div><!-- .entry-content -->\n</article>\n"
            )

        def page_url(n: int) -> str:
            return b + base_path + (f"page/{n}/" if n > 1 else "")

        links = []
        if page > 1:
            links.append(
                f'<a class="prev page-numbers" href="{page_url(page - 1)}">Newer posts</a>'
            )
        for n in range(1, pages + 1):
            if n == page:
                links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
            else:
                links.append(f'<a class="page-numbers" href="{page_url(n)}">{n}</a>')
        if page < pages:
            links.append(
                f'<a class="next page-numbers" href="{page_url(page + 1)}">Older posts</a>'
            )
        pagination = (
            '<nav class="navigation pagination" aria-label="Posts">\n\t\t<h2 class="screen-reader'
            '-text">Posts navigation</h2>\n\t\t<div class="nav-links">'
            + " ".join(links)
            + "</div>\n\t</nav>"
            if pages > 1
            else ""
        )
        header = (
            f'<header class="page-header alignwide"><h1 class="page-title">{heading}</h1></header>'
            if heading
            else ""
        )
        canonical = page_url(page)
        head = self._head(req, title, canonical, self.description)
        if page < pages:
            head = head.replace(
                "</head>", f'<link rel="next" href="{page_url(page + 1)}" />\n</head>'
            )
        body_class = "home blog" if kind == "home" else f"archive {kind}"
        text = (
            head
            + self._body_open(req, body_class)
            + header
            + "".join(items)
            + pagination
            + self._page_end(req, ix)
        )
        return _resp(200, text, HTML_TYPE)

    def not_found(self, req: _Request) -> Response:
        ix = self.index()
        head = self._head(
            req, f"Page not found - {self.title}", req.base + req.path, "", robots="noindex, follow"
        )
        main = (
            '<header class="page-header alignwide"><h1 class="page-title">Nothing here</h1>'
            '</header><!-- .page-header -->\n<div class="error-404 not-found default-max-width">'
            '<div class="page-content"><p>It looks like nothing was found at this location. '
            "Maybe try a search?</p></div><!-- .page-content --></div><!-- .error-404 -->\n"
        )
        text = head + self._body_open(req, "error404") + main + self._page_end(req, ix)
        return _resp(404, text, HTML_TYPE)

    # -- feed ----------------------------------------------------------------
    def render_feed(self, req: _Request) -> Response | None:
        ix = self.index()
        b = req.base
        try:
            paged = int(req.q("paged") or 1)
        except ValueError:
            paged = 1
        size = self.feed_page_size
        chunk = ix.posts[(paged - 1) * size : paged * size]
        if paged < 1 or (paged > 1 and not chunk):
            return None
        newest = max(
            (ix.updated[id(p)] for p in ix.posts), default=datetime(2000, 1, 1, tzinfo=UTC)
        )
        items = []
        for p in chunk:
            pid = ix.ids[id(p)]
            url = b + self.post_path(p)
            cats, tags = self.terms_of(ix, p)
            categories = "".join(
                f"\n\t\t<category>{_cdata(t.name)}</category>" for t in cats + tags
            )
            excerpt = esc(snippet(p, 300)).replace("\u2026", " [&#8230;]")
            items.append(
                f"""	<item>
		<title>{xesc(p.title)}</title>
		<link>{url}</link>
					<comments>{url}#respond</comments>

		<dc:creator>{_cdata(p.author)}</dc:creator>
		<pubDate>{rfc822(ix.published[id(p)])}</pubDate>{categories}
		<guid isPermaLink="false">{b}/?p={pid}</guid>

					<description>{_cdata(excerpt)}</description>
										<content:encoded>{_cdata(body_html_of(p))}</content:encoded>

					<wfw:commentRss>{url}feed/</wfw:commentRss>
			<slash:comments>{len(p.comments)}</slash:comments>
	</item>
"""
            )
        self_url = b + "/feed/" + (f"?paged={paged}" if paged > 1 else "")
        body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>{xesc(self.title)}</title>
	<atom:link href="{xesc(self_url)}" rel="self" type="application/rss+xml" />
	<link>{b}/</link>
	<description>{xesc(self.description)}</description>
	<lastBuildDate>{rfc822(newest)}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.6.2</generator>
{"".join(items)}	</channel>
</rss>
"""
        return _resp(
            200, body, "application/rss+xml; charset=UTF-8", Last_Modified=http_date(newest)
        )

    # -- sitemaps ------------------------------------------------------------
    def render_comment_feed(self, req: _Request) -> Response | None:
        """``/comments/feed/``: the newest comments of every post (RSS 2.0), ten a page,
        ``?paged=N``."""
        ix = self.index()
        try:
            paged = int(req.q("paged") or 1)
        except ValueError:
            paged = 1
        every = sorted(
            ((c, p) for p in ix.posts for c in p.comments), key=lambda cp: cp[0].published
        )[::-1]
        chunk = every[(paged - 1) * 10 : paged * 10]
        if paged < 1 or (paged > 1 and not chunk):
            return None
        items = "".join(
            f"""	<item>
		<title>Comment on {xesc(p.title)} by {xesc(c.author)}</title>
		<link>{req.base}{self.post_path(p)}#comment-{c.comment_id}</link>
		<dc:creator>{_cdata(c.author)}</dc:creator>
		<pubDate>{rfc822(parse_iso(c.published))}</pubDate>
		<guid isPermaLink="false">{req.base}/?p={ix.ids[id(p)]}#comment-{c.comment_id}</guid>
		<description>{_cdata(esc(c.text))}</description>
	</item>
"""
            for c, p in chunk
        )
        body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
	<title>Comments for {xesc(self.title)}</title>
	<atom:link href="{req.base}/comments/feed/" rel="self" type="application/rss+xml" />
	<link>{req.base}/</link>
{items}</channel>
</rss>
"""
        return _resp(200, body, "application/rss+xml; charset=UTF-8")

    def render_sitemap(self, req: _Request) -> Response | None:
        ix = self.index()
        b = req.base
        size = self.sitemap_page_size
        by_id = sorted(ix.posts, key=lambda p: int(ix.ids[id(p)]) if ix.ids[id(p)].isdigit() else 0)
        cat_posts: dict = ix.cache["cat_posts"]  # type: ignore[assignment]
        tag_posts: dict = ix.cache["tag_posts"]  # type: ignore[assignment]
        terms = sorted(self._terms.values(), key=lambda t: t.id)
        cats = [t for t in terms if t.taxonomy == "category" and t.id in cat_posts]
        tags = [t for t in terms if t.taxonomy == "post_tag" and t.id in tag_posts]
        users = sorted({p.author for p in ix.posts}, key=self.user_id)
        pages = sorted(ix.pages, key=lambda p: ix.ids[id(p)])

        def urls(entries: list[tuple[str, datetime | None]]) -> str:
            out = []
            for loc, lm in entries:
                lastmod = f"<lastmod>{lm.isoformat()}</lastmod>" if lm else ""
                out.append(f"<url><loc>{xesc(loc)}</loc>{lastmod}</url>")
            return "".join(out)

        providers: dict[str, list[tuple[str, datetime | None]]] = {
            "posts-post": [(b + self.post_path(p), ix.updated[id(p)]) for p in by_id],
            "posts-page": [(b + self.page_path(p), ix.updated[id(p)]) for p in pages],
            "taxonomies-category": [(f"{b}/category/{t.slug}/", None) for t in cats],
            "taxonomies-post_tag": [(f"{b}/tag/{t.slug}/", None) for t in tags],
            "users": [(f"{b}/author/{self.author_slug(u)}/", None) for u in users],
        }
        if req.path == "/wp-sitemap.xml":
            maps = []
            for name, entries in providers.items():
                for i in range(1, math.ceil(len(entries) / size) + 1):
                    maps.append(f"<sitemap><loc>{b}/wp-sitemap-{name}-{i}.xml</loc></sitemap>")
            return _resp(
                200,
                '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" '
                f'href="{b}/wp-sitemap-index.xsl" ?>\n<sitemapindex xmlns="http://www.sitemaps.'
                f'org/schemas/sitemap/0.9">{"".join(maps)}</sitemapindex>\n',
                XML_TYPE,
            )
        m = re.fullmatch(r"/wp-sitemap-([a-z_-]+)-(\d+)\.xml", req.path)
        if not m or m.group(1) not in providers:
            return None
        entries = providers[m.group(1)]
        n = int(m.group(2))
        chunk = entries[(n - 1) * size : n * size]
        if n < 1 or not chunk:
            return None
        return _resp(
            200,
            '<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" '
            f'href="{b}/wp-sitemap.xsl" ?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
            f'sitemap/0.9">{urls(chunk)}</urlset>\n',
            XML_TYPE,
        )

    # -- REST API ------------------------------------------------------------
    @staticmethod
    def _rest_error(status: int, code: str, message: str, **data) -> Response:
        payload = {"code": code, "message": message, "data": {"status": status, **data}}
        return _resp(status, json.dumps(payload), JSON_TYPE)

    def _int_param(self, req: _Request, name: str, default: int, lo: int, hi: int) -> int:
        raw = req.q(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < lo or value > hi:
            rng = f"between {lo} (inclusive) and {hi} (inclusive)"
            raise _BadRequest(
                self._rest_error(
                    400,
                    "rest_invalid_param",
                    f"Invalid parameter(s): {name}",
                    params={name: f"{name} must be {rng}"},
                )
            )
        return value

    def _date_param(self, req: _Request, name: str) -> datetime | None:
        raw = req.q(name)
        if not raw:
            return None
        try:
            return parse_iso(raw)
        except ValueError:
            raise _BadRequest(
                self._rest_error(
                    400,
                    "rest_invalid_param",
                    f"Invalid parameter(s): {name}",
                    params={name: "Invalid date."},
                )
            ) from None

    def _paginate(
        self, req: _Request, items: list, route: str, to_json: Callable, invalid_page_error: bool
    ) -> Response:
        per_page = self._int_param(req, "per_page", 10, 1, self.rest_max_per_page)
        page = self._int_param(req, "page", 1, 1, 10**9)
        total = len(items)
        pages = math.ceil(total / per_page)
        if page > max(pages, 1) and invalid_page_error:
            return self._rest_error(
                400,
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        chunk = items[(page - 1) * per_page : page * per_page]
        data = [self._fields(req, to_json(x)) for x in chunk]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        keep = {k: v for k, v in req.query.items() if k not in ("page", "rest_route")}
        links = []

        def link(n: int) -> str:
            q = urlencode({**keep, "page": n})
            return f"{req.base}/wp-json{route}?{q}"

        if page > 1 and page <= pages + 1:
            links.append(f'<{link(page - 1)}>; rel="prev"')
        if page < pages:
            links.append(f'<{link(page + 1)}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        status, h, body = _resp(200, json.dumps(data, ensure_ascii=False), JSON_TYPE)
        h.update(headers)
        h["Access-Control-Expose-Headers"] = "X-WP-Total, X-WP-TotalPages, Link"
        h["Allow"] = "GET"
        return status, h, body

    @staticmethod
    def _fields(req: _Request, obj: dict) -> dict:
        spec = req.q("_fields")
        if not spec:
            return obj
        out: dict = {}
        for f in (x.strip() for x in spec.split(",")):
            if not f:
                continue
            parts = f.split(".")
            src, dst = obj, out
            for i, part in enumerate(parts):
                if not isinstance(src, dict) or part not in src:
                    break
                if i == len(parts) - 1:
                    dst[part] = src[part]
                else:
                    dst = dst.setdefault(part, {})
                    src = src[part]
        return out

    def _post_json(self, req: _Request, ix: SiteIndex, p: DemoPost, kind: str = "post") -> dict:
        b = req.base
        pid = int(ix.ids[id(p)]) if ix.ids[id(p)].isdigit() else ix.ids[id(p)]
        pub = ix.published[id(p)].strftime("%Y-%m-%dT%H:%M:%S")
        upd = ix.updated[id(p)].strftime("%Y-%m-%dT%H:%M:%S")
        link = b + (self.post_path(p) if kind == "post" else self.page_path(p))
        excerpt = "<p>" + esc(snippet(p, 300)).replace("\u2026", " [&hellip;]") + "</p>\n"
        obj = {
            "id": pid,
            "date": pub,
            "date_gmt": pub,
            "guid": {"rendered": f"{b}/?p={pid}"},
            "modified": upd,
            "modified_gmt": upd,
            "slug": p.slug,
            "status": "publish",
            "type": kind,
            "link": link,
            "title": {"rendered": esc(p.title)},
            "content": {"rendered": body_html_of(p) + "\n", "protected": False},
            "excerpt": {"rendered": excerpt, "protected": False},
            "author": self.user_id(p.author),
            "featured_media": 0,
            "comment_status": "open",
            "ping_status": "open",
            "sticky": False,
            "template": "",
            "format": "standard",
            "meta": {"footnotes": ""},
        }
        if kind == "post":
            cats, tags = self.terms_of(ix, p)
            obj["categories"] = [c.id for c in cats]
            obj["tags"] = [t.id for t in tags]
            obj["class_list"] = [f"post-{pid}", "post", "type-post", "status-publish", "hentry"]
        else:
            obj["parent"] = 0
            obj["menu_order"] = 0
        obj["_links"] = {
            "self": [{"href": f"{b}/wp-json/wp/v2/{kind}s/{pid}"}],
            "collection": [{"href": f"{b}/wp-json/wp/v2/{kind}s"}],
            "author": [
                {"embeddable": True, "href": f"{b}/wp-json/wp/v2/users/{self.user_id(p.author)}"}
            ],
            "replies": [{"embeddable": True, "href": f"{b}/wp-json/wp/v2/comments?post={pid}"}],
        }
        return obj

    def render_rest(self, req: _Request, route: str) -> Response:
        ix = self.index()
        b = req.base
        route = "/" + route.strip("/") if route.strip("/") else "/"
        if route == "/":
            root = {
                "name": self.title,
                "description": self.description,
                "url": b,
                "home": b,
                "gmt_offset": "0",
                "timezone_string": "UTC",
                "namespaces": ["oembed/1.0", "jetpack/v4", "wp/v2", "wp-site-health/v1"],
                "routes": {
                    "/wp/v2/posts": {"methods": ["GET"]},
                    "/wp/v2/pages": {"methods": ["GET"]},
                    "/wp/v2/categories": {"methods": ["GET"]},
                    "/wp/v2/tags": {"methods": ["GET"]},
                    "/wp/v2/users": {"methods": ["GET"]},
                },
            }
            return _resp(200, json.dumps(root, ensure_ascii=False), JSON_TYPE)
        if route in ("/wp/v2/posts", "/wp/v2/pages"):
            kind = "post" if route.endswith("posts") else "page"
            items = list(ix.posts) if kind == "post" else list(ix.pages)
            items = self._filter_posts(req, ix, items, kind)
            return self._paginate(
                req, items, route, lambda p: self._post_json(req, ix, p, kind), True
            )
        if m := re.fullmatch(r"/wp/v2/(posts|pages)/(\d+)", route):
            table = ix.cache["by_id" if m.group(1) == "posts" else "page_by_id"]
            p = table.get(m.group(2))  # type: ignore[union-attr]
            if p is None:
                return self._rest_error(404, "rest_post_invalid_id", "Invalid post ID.")
            kind = "post" if m.group(1) == "posts" else "page"
            return _resp(
                200,
                json.dumps(
                    self._fields(req, self._post_json(req, ix, p, kind)), ensure_ascii=False
                ),
                JSON_TYPE,
            )
        if route in ("/wp/v2/categories", "/wp/v2/tags"):
            tax = "category" if route.endswith("categories") else "post_tag"
            table: dict = ix.cache["cat_posts" if tax == "category" else "tag_posts"]  # type: ignore[assignment]
            terms = [t for t in self._terms.values() if t.taxonomy == tax]
            if req.q("hide_empty") in ("1", "true"):
                terms = [t for t in terms if t.id in table]
            if (s := req.q("slug")) is not None:
                terms = [t for t in terms if t.slug in s.split(",")]
            if (inc := req.q("include")) is not None:
                terms = [t for t in terms if str(t.id) in inc.split(",")]
            terms.sort(key=lambda t: t.id if req.q("orderby") == "id" else t.name.lower())
            if req.q("order") == "desc":
                terms.reverse()

            def term_json(t: _Term) -> dict:
                path = "category" if tax == "category" else "tag"
                obj = {
                    "id": t.id,
                    "count": len(table.get(t.id, [])),
                    "description": "",
                    "link": f"{b}/{path}/{t.slug}/",
                    "name": t.name,
                    "slug": t.slug,
                    "taxonomy": tax,
                }
                if tax == "category":
                    obj["parent"] = 0
                obj["meta"] = []
                return obj

            return self._paginate(req, terms, route, term_json, False)
        if route == "/wp/v2/users":
            names = sorted(
                {p.author for p in ix.posts} | {p.author for p in ix.pages}, key=self.user_id
            )

            def user_json(name: str) -> dict:
                uid = self.user_id(name)
                slug = self.author_slug(name)
                return {
                    "id": uid,
                    "name": name,
                    "url": "",
                    "description": "",
                    "link": f"{b}/author/{slug}/",
                    "slug": slug,
                    "avatar_urls": {
                        str(s): f"{b}/wp-content/uploads/avatar-{s}.png" for s in (24, 48, 96)
                    },
                    "meta": [],
                }

            return self._paginate(req, names, route, user_json, False)
        if m := re.fullmatch(r"/wp/v2/users/(\d+)", route):
            for name in {p.author for p in ix.posts}:
                if self.user_id(name) == int(m.group(1)):
                    return _resp(
                        200,
                        json.dumps(
                            {"id": int(m.group(1)), "name": name, "slug": self.author_slug(name)}
                        ),
                        JSON_TYPE,
                    )
            return self._rest_error(404, "rest_user_invalid_id", "Invalid user ID.")
        return self._rest_error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _filter_posts(
        self, req: _Request, ix: SiteIndex, items: list[DemoPost], kind: str
    ) -> list[DemoPost]:
        for name, table, after in (
            ("after", ix.published, True),
            ("before", ix.published, False),
            ("modified_after", ix.updated, True),
            ("modified_before", ix.updated, False),
        ):
            limit = self._date_param(req, name)
            if limit is not None:
                if after:
                    items = [p for p in items if table[id(p)] > limit]
                else:
                    items = [p for p in items if table[id(p)] < limit]
        if s := req.q("search"):
            needle = s.lower()
            items = [p for p in items if needle in (p.title + "\n" + p.text).lower()]
        if s := req.q("slug"):
            items = [p for p in items if p.slug in s.split(",")]
        if s := req.q("include"):
            items = [p for p in items if ix.ids[id(p)] in s.split(",")]
        if s := req.q("author"):
            items = [p for p in items if str(self.user_id(p.author)) in s.split(",")]
        if kind == "post":
            for name, idx in (("categories", 0), ("tags", 1)):
                if s := req.q(name):
                    wanted = set(s.split(","))
                    items = [
                        p for p in items if wanted & {str(t.id) for t in self.terms_of(ix, p)[idx]}
                    ]
        orderby = req.q("orderby") or "date"
        keys: dict[str, Callable] = {
            "date": lambda p: (ix.published[id(p)], ix.ids[id(p)]),
            "modified": lambda p: (ix.updated[id(p)], ix.ids[id(p)]),
            "id": lambda p: int(ix.ids[id(p)]) if ix.ids[id(p)].isdigit() else 0,
            "title": lambda p: p.title.lower(),
            "slug": lambda p: p.slug,
        }
        if orderby not in keys:
            raise _BadRequest(
                self._rest_error(
                    400,
                    "rest_invalid_param",
                    "Invalid parameter(s): orderby",
                    params={"orderby": "orderby is not one of " + ", ".join(keys)},
                )
            )
        order = (req.q("order") or "desc").lower()
        return sorted(items, key=keys[orderby], reverse=order != "asc")


# ---------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are closed after this

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        demo: DemoServer = self.server.demo  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        demo._count(self.path)
        try:
            status, headers, body = demo.site.handle(self.command, self.path, self.headers)
        except Exception:  # pragma: no cover - a bug in the demo site
            import traceback

            body = traceback.format_exc().encode()
            status, headers = 500, {"Content-Type": TEXT_TYPE, "Content-Length": str(len(body))}
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _serve

    def version_string(self) -> str:
        return self.server.demo.site.server_header  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet server
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:  # quiet on client hang-ups
        pass


class DemoServer:
    """Serve a :class:`BlogSite` on ``host:port`` (0 = any free port) in a daemon thread."""

    def __init__(self, site: BlogSite, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site
        self.host = host
        self.port = port
        self._httpd: _QuietServer | None = None
        self._thread: threading.Thread | None = None
        self._count_lock = threading.Lock()
        self._requests = 0
        self.paths: list[str] = []  # the path and query of each request, in order

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        httpd = _QuietServer((self.host, self.port), _Handler)
        httpd.demo = self  # type: ignore[attr-defined]
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self.site.base_url = self.url.rstrip("/")
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"demo-blog-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}/"

    def post_url(self, post: DemoPost) -> str:
        return self.url.rstrip("/") + self.site.post_path(post)

    @property
    def requests(self) -> int:
        with self._count_lock:
            return self._requests

    def reset_requests(self) -> None:
        with self._count_lock:
            self._requests = 0
            self.paths.clear()

    def _count(self, path: str = "") -> None:
        with self._count_lock:
            self._requests += 1
            self.paths.append(path)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class DemoBlogs:
    """Both demo blogs, running.  ``blogger`` and ``wordpress`` are DemoServers."""

    def __init__(self, blogger: DemoServer, wordpress: DemoServer) -> None:
        self.blogger = blogger
        self.wordpress = wordpress

    @property
    def servers(self) -> list[DemoServer]:
        return [self.blogger, self.wordpress]

    def stop(self) -> None:
        for s in self.servers:
            s.stop()

    def __enter__(self) -> DemoBlogs:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_demo_blogs(
    host: str = "127.0.0.1",
    blogger_port: int = 0,
    wordpress_port: int = 0,
    blogger_posts: list[DemoPost] | None = None,
    wordpress_posts: list[DemoPost] | None = None,
) -> DemoBlogs:
    """Start both demo blogs (default content unless posts are given) and return them."""
    blogger = DemoServer(BloggerSite(blogger_posts), host, blogger_port).start()
    try:
        wordpress = DemoServer(WordPressSite(wordpress_posts), host, wordpress_port).start()
    except BaseException:
        blogger.stop()
        raise
    return DemoBlogs(blogger, wordpress)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.demo.server", description="Serve the demo blogs until Ctrl-C."
    )
    parser.add_argument("--host", default="127.0.0.1")
    # spelled as `blogarchive demo` spells them; the older --port-* spellings still work
    parser.add_argument(
        "--blogger-port", "--port-blogger", dest="port_blogger", type=int, default=8101
    )
    parser.add_argument(
        "--wordpress-port", "--port-wordpress", dest="port_wordpress", type=int, default=8102
    )
    parser.add_argument(
        "--synthetic",
        type=int,
        default=0,
        metavar="N",
        help="serve N generated posts on each blog instead of the hand-written ones",
    )
    parser.add_argument("--paragraphs", type=int, default=12, help="paragraphs per synthetic post")
    args = parser.parse_args(argv)
    bp = wp = None
    if args.synthetic:
        bp = _content.synthetic_posts(args.synthetic, paragraphs=args.paragraphs)
        wp = _content.synthetic_posts(args.synthetic, seed=1, paragraphs=args.paragraphs)
    blogs = start_demo_blogs(args.host, args.port_blogger, args.port_wordpress, bp, wp)
    print(f"Blogger demo blog:   {blogs.blogger.url}", flush=True)
    print(f"WordPress demo blog: {blogs.wordpress.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        blogs.stop()


if __name__ == "__main__":
    main()
