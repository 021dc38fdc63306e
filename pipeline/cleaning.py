"""Decoding, parsing and platform-clutter removal ahead of article extraction.

Everything here works on blog-platform *markup* (class names, ids, element types that Blogger,
WordPress/Jetpack, Substack, Medium, Ghost and common static-site themes emit), never on the
wording of particular pages.
"""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# WHATWG: these labels mean windows-1252 in browsers.
_LATIN1_LABELS = {"latin-1", "iso8859-1", "ascii", "cp1252", "windows-1252"}


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in _LATIN1_LABELS else name


def _has_multibyte_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b > 0x7F for b in data)


def decode_html(page: str | bytes, encoding: str | None = None) -> str:
    """Decode page bytes: BOM, then ``encoding`` (HTTP header), then ``<meta charset>``,
    then UTF-8, then statistical detection; never raises on bad bytes."""
    if isinstance(page, str):
        return page.lstrip("\ufeff")
    data = bytes(page)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    meta = _META_CHARSET.search(data[:8192])
    candidates = [_codec_name(encoding)]
    if meta is not None:
        candidates.append(_codec_name(meta.group(1).decode("ascii", "ignore")))
    for name in candidates:
        if not name:
            continue
        # A single-byte label on bytes that are valid, non-ASCII UTF-8 is almost always a
        # mislabelled UTF-8 page (UTF-8 multibyte runs are very unlikely in real cp1252 text).
        if name == "cp1252" and _has_multibyte_utf8(data):
            return data.decode("utf-8")
        if name in {"utf-16", "utf-32"}:  # declared in an ASCII-compatible meta: cannot be
            continue
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace")
    except Exception:  # noqa: BLE001 - detection is best effort
        pass
    return data.decode("cp1252", errors="replace")


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    remove_comments=True,
    remove_pis=True,
    huge_tree=True,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Depth beyond which pure wrapper elements are unwrapped. libxml2 limits depth to 256 without
# huge_tree and several tree walkers recurse; flattening keeps deep pages extractable.
MAX_DEPTH = 200
_WRAPPERS = {"div", "span", "section", "font", "center", "main", "article", "td", "tr", "tbody"}


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """Parse decoded HTML into an lxml tree (huge_tree on, comments dropped)."""
    text = _INVALID_XML_CHARS.sub("", _XML_DECL.sub("", text))
    if not text.strip():
        return None
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    if root is None:
        return None
    flatten_deep(root)
    return root


def _depth_iter(root):
    stack = [(root, 0)]
    while stack:
        el, depth = stack.pop()
        yield el, depth
        stack.extend((child, depth + 1) for child in el)


def flatten_deep(root, max_depth: int = MAX_DEPTH) -> int:
    """Unwrap wrapper elements that sit deeper than ``max_depth``; returns how many."""
    deepest = max((d for _, d in _depth_iter(root)), default=0)
    if deepest <= max_depth:
        return 0
    removed = 0
    # Unwrap wrappers below the limit, deepest first, until the tree fits.
    for _ in range(8):
        deep = [el for el, d in _depth_iter(root) if d > max_depth // 2]
        changed = False
        for el in reversed(deep):
            if (
                isinstance(el.tag, str)
                and el.tag in _WRAPPERS
                and el.getparent() is not None
                and el.getparent().tag in _WRAPPERS
            ):
                el.drop_tag()
                removed += 1
                changed = True
        if not changed or max((d for _, d in _depth_iter(root)), default=0) <= max_depth:
            break
    return removed


# --------------------------------------------------------------------------------------------
# Clutter selectors
# --------------------------------------------------------------------------------------------


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _any_class(*names: str) -> str:
    return " or ".join(_cls(n) for n in names)


def _any_id(*names: str) -> str:
    return " or ".join(f"@id='{n}'" for n in names)


# Blogger widget types that never hold the post (the post lives in the `Blog` widget).
BLOGGER_SIDE_WIDGETS = (
    "PopularPosts", "BlogArchive", "Label", "Profile", "Attribution", "Followers", "BlogSearch",
    "FeaturedPost", "PageList", "LinkList", "Subscribe", "ReportAbuse", "Navbar", "ContactForm",
    "Stats", "Translate", "BlogList", "Feed", "AdSense", "Wikipedia", "Image", "HTML", "Text",
    "Header",
)  # fmt: skip

# Non-content regions: removed before metadata look-ups *and* before extraction.
_NONCONTENT_CLASSES = (
    # comments (parsed separately before removal)
    "comments", "comment-thread", "comments-area", "comment-respond", "comments-content",
    "comment-form", "commentlist", "comment-list",
    # pagers / navigation between posts
    "blog-pager", "post-navigation", "nav-links", "navigation", "post-nav", "pagination",
    # sidebars and widgets
    "sidebar", "sidebar-container", "widget-area", "sidebar-wrapper",
    # related posts
    "jp-relatedposts", "related-posts", "relatedposts", "yarpp-related", "crp_related",
    # subscription / newsletter prompts (Substack, Ghost, Medium)
    "subscribe-widget", "subscription-widget-wrap", "subscription-widget", "gh-subscribe",
    "gh-post-upgrade-cta", "kg-signup-card", "post-upgrade-cta", "subscribe-footer",
    "subscribe-prompt", "share-dialog",
)  # fmt: skip
_NONCONTENT_IDS = (
    "comments", "respond", "blog-pager", "sidebar-wrapper", "sidebar", "secondary", "jp-post-flair",
    "jp-relatedposts", "disqus_thread", "comment-form", "comments-block",
)  # fmt: skip

# Post furniture: read for metadata (labels, bylines) but removed before body extraction.
_FURNITURE_CLASSES = (
    # Blogger
    "post-share-buttons", "sharing", "share-button", "share-buttons", "post-footer",
    "post-footer-line", "post-header", "post-header-line-1", "byline", "post-labels",
    "post-author", "post-timestamp", "reactions", "post-feeds", "blog-feeds", "date-header",
    "post-snippet", "jump-link", "post-meta", "entry-meta", "entry-footer", "post-date", "post-bottom", "post-sidebar", "blog-name", "email-post-links",
    # WordPress / Jetpack / share plugins
    "sharedaddy", "sd-sharing", "sd-sharing-enabled", "sd-like", "sd-block", "sd-social",
    "jetpack-likes-widget-wrapper", "jetpack-sharing-buttons", "addtoany_share_save_container",
    "a2a_kit", "social-share", "share-links", "entry-share", "post-share", "shared-counts-wrap",
    "author-bio", "author-box", "about-author", "author-info", "author-description",
    "saboxplugin-wrap", "entry-author", "wp-block-post-author",
    # Substack / Medium / Ghost
    "button-wrapper", "post-ufi", "subscribe-btn", "pencraft-share", "gh-article-footer",
    "gh-post-footer",
)  # fmt: skip
_FURNITURE_IDS = ("share-buttons",)
_FURNITURE_TAGS = ("aside", "button", "input", "select", "textarea")
# Forms go unless they wrap the page (ASP.NET wraps everything in one <form>).
_SMALL_FORMS = "//form[not(.//article) and not(.//p[string-length(normalize-space()) > 200])]"


def _blogger_widget_xpath() -> str:
    inner = " or ".join(_cls(w) for w in BLOGGER_SIDE_WIDGETS)
    return f"//*[{_cls('widget')} and ({inner})]"


NONCONTENT_XPATH = " | ".join(
    [
        f"//*[{_any_class(*_NONCONTENT_CLASSES)}]",
        f"//*[{_any_id(*_NONCONTENT_IDS)}]",
        _blogger_widget_xpath(),
        # Blogger "Subscribe to: Post Comments (Atom)" and Substack subscribe buttons
        "//*[@id='comment-editor' or @id='comment-holder']",
    ]
)
FURNITURE_XPATH = " | ".join(
    [
        f"//*[{_any_class(*_FURNITURE_CLASSES)}]",
        f"//*[{_any_id(*_FURNITURE_IDS)}]",
        *(f"//{tag}" for tag in _FURNITURE_TAGS),
        _SMALL_FORMS,
    ]
)


def _remove(root, xpath: str) -> int:
    removed = 0
    for el in root.xpath(xpath):
        parent = el.getparent()
        if parent is None or el.tag in ("html", "body"):
            continue
        _drop_keep_tail(el)
        removed += 1
    return removed


def _drop_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


_POST_ID = re.compile(r"\bpost-(\d+)\b")
_POSTID = re.compile(r"\bpostid-(\d+)\b")


def remove_other_posts(root) -> int:
    """On a WordPress single-post page (``body.postid-N``), remove other posts' blocks
    (related / teaser ``article.post-M``) that do not contain the post itself."""
    body = root.find("body")
    match = _POSTID.search(body.get("class") or "") if body is not None else None
    if not match:
        return 0
    own = match.group(1)
    removed = 0
    for el in root.xpath("//*[starts-with(@id, 'post-') or contains(@class, 'post-')]"):
        ids = set(_POST_ID.findall(el.get("id") or ""))
        if not (el.get("id") or "").startswith("post-"):
            ids = set()
        classes = el.get("class") or ""
        if " hentry " in f" {classes} " or " type-post " in f" {classes} ":
            ids |= set(_POST_ID.findall(classes))
        if not ids or own in ids:
            continue
        if el.xpath(
            f".//*[@id='post-{own}' or contains(concat(' ', @class, ' '), ' post-{own} ')]"
        ):
            continue
        if el.getparent() is not None:
            _drop_keep_tail(el)
            removed += 1
    return removed


def remove_noncontent(root) -> int:
    """Remove comments, pagers, sidebars, widgets, other posts' teasers (in place)."""
    return _remove(root, NONCONTENT_XPATH) + remove_other_posts(root)


def remove_furniture(root) -> int:
    """Remove share menus, like buttons, post footers, author boxes, forms (in place)."""
    return _remove(root, FURNITURE_XPATH)


# --------------------------------------------------------------------------------------------
# Line-level clutter filter (applied to extracted text)
# --------------------------------------------------------------------------------------------

CLUTTER_LINES = {
    "get link", "facebook", "x", "twitter", "pinterest", "email", "other apps", "share this:",
    "like this:", "like", "loading...", "loading…", "like loading...", "related", "post a comment",
    "leave a reply", "leave a comment", "newer post", "older post", "home", "powered by blogger",
    "comments", "share", "subscribe", "labels:", "labels", "share this", "share this post",
    "print", "linkedin", "reddit", "whatsapp", "tumblr", "telegram", "pocket",
    "more", "click to share on twitter (opens in new window)", "subscribe to: post comments (atom)",
    "subscribe to: posts (atom)", "popular posts", "blog archive", "report abuse",
    "search this blog", "view my complete profile", "about me", "followers", "no comments:",
    "reply", "delete", "share on facebook", "share on twitter", "tweet", "pin it",
}  # fmt: skip
_CLUTTER_PATTERNS = [
    re.compile(r"^\d+\s*(?:min|mins|minute|minutes)\s+read$", re.I),
    re.compile(r"^liked by \d[\d,]*\s+(?:people|person|bloggers?)$", re.I),
    re.compile(r"^\d+\s+(?:comments?|likes?|shares?):?$", re.I),
    re.compile(r"^(?:one|no) comments?:?$", re.I),
    re.compile(r"^click to (?:share|email|print)\b.*\(opens in new window\)$", re.I),
]


def is_clutter_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    lowered = stripped.lower()
    if lowered in CLUTTER_LINES:
        return True
    return any(p.match(stripped) for p in _CLUTTER_PATTERNS)


def clean_text(text: str, drop: set[str] | frozenset = frozenset()) -> str:
    """Drop whole-line clutter, blank lines and lines equal (casefolded) to one of ``drop``
    (the post title); paragraphs are separated by a single newline."""
    drop = {" ".join(d.split()).casefold() for d in drop if d}
    lines = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or is_clutter_line(line) or " ".join(line.split()).casefold() in drop:
            continue
        lines.append(line)
    return "\n".join(lines)
