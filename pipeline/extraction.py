"""Turn one saved blog page into a :class:`PostRecord` (title, author, dates, body, comments).

Pipeline: decode bytes -> parse (huge_tree, deep trees flattened) -> Cloudflare-protected
addresses decoded, spoilers shown -> parse comments ->
remove non-content regions (comments, sidebars, widgets, pagers) -> read metadata ->
remove post furniture (share menus, footers, author boxes) -> trafilatura ``bare_extraction``
-> whole-line clutter filter -> fallbacks -> nh3-sanitised HTML rendition, with the post's
pictures and what it embeds (as links) put back where they stood.

This module imports neither Scrapy nor click and can be used on its own.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import lxml.html
from lxml import etree

from pipeline.cleaning import (
    clean_text,
    clutter_flags,
    decode_cloudflare_emails,
    is_menu_word,
    parse_html,
    remove_furniture,
    remove_noncontent,
    show_spoilers,
    unwrap_content_noscript,
)
from pipeline.dates import (
    check_dates,
    date_from_text,
    date_from_url,
    has_zone,
    implausible,
    normalise_date,
    same_moment,
)
from pipeline.encoding import decode_page
from pipeline.sanitise import sanitise_html
from pipeline.store import word_count
from pipeline.urls import join_url, page_base
from pipeline.walls import login_wall, wall_signs

__all__ = [
    "Comment",
    "ExtractionError",
    "LoginWall",
    "PostRecord",
    "extract_post",
    "normalise_date",
    "sanitise_html",
]

# trafilatura settings, chosen by bench/extraction.py (see its table): the pre-cleaned tree
# makes precision mode unnecessary, and balanced mode keeps recall on short posts.
FAVOR_PRECISION = False
FAVOR_RECALL = False
# trafilatura's own comparison with its bundled readability/jusText ("fast=False") is kept:
# it rescues bodies the main extractor truncates (see bench/README.md, "Extraction profile").
FAST = False
# Below this many characters a fallback result is not considered an article body.
MIN_FALLBACK_CHARS = 120


class ExtractionError(Exception):
    """The page has no extractable post body (the message says why)."""


class LoginWall(ExtractionError):
    """The page is a login wall (a login page, a private blog's notice, a password-protected
    or members-only post) with too little text to be a post: see pipeline/walls.py."""


SOFT_404 = re.compile(
    rb"<(title|h1)[^>]*>\s*(error\s*)?(404\b|page not found|not found|nothing (was )?found|"
    rb"(this )?page (does not|doesn't|can't be found)|sorry, (this|that) page)",
    re.IGNORECASE,
)


def says_not_found(body: bytes) -> bool:
    """A page whose title or first heading says "Page not found" (or 404): a soft 404 when
    it was answered with 200. Neither the crawl nor `reextract` archives it as a post."""
    return SOFT_404.search(body[:65536]) is not None


@dataclass
class Comment:
    author: str
    published: str | None
    text: str
    parent: str | None = None
    comment_key: str = ""

    def __post_init__(self) -> None:
        if not self.comment_key:
            digest = hashlib.sha1(
                f"{self.author}\x1f{self.published or ''}\x1f{self.text}".encode()
            ).hexdigest()
            self.comment_key = digest[:16]


@dataclass
class PostRecord:
    url: str
    title: str
    author: str
    published: str | None
    updated: str | None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    text: str = ""
    html: str = ""
    comments: list[Comment] = field(default_factory=list)
    # where each date came from (see pipeline.dates.SOURCES) and why a date was refused
    published_source: str | None = None
    updated_source: str | None = None
    date_flags: list[str] = field(default_factory=list)
    # how the bytes were decoded (see pipeline.encoding.SOURCES)
    encoding: str | None = None
    encoding_source: str | None = None
    # the page's rel=canonical (or og:url) when it is on the same host as ``url``
    canonical_url: str | None = None
    # signs that the page is a login wall, not the post (pipeline/walls.py): the crawl does
    # not archive it when its text is also short, or much shorter than the archived version
    wall_signs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "title": self.title,
            "author": self.author,
            "published": self.published,
            "updated": self.updated,
            "tags": list(self.tags),
            "language": self.language,
            "text": self.text,
            "html": self.html,
            "comments": [asdict(c) for c in self.comments],
            "published_source": self.published_source,
            "updated_source": self.updated_source,
            "date_flags": list(self.date_flags),
            "encoding": self.encoding,
            "encoding_source": self.encoding_source,
            "canonical_url": self.canonical_url,
            "wall_signs": list(self.wall_signs),
        }


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")
_EPOCH_MS = re.compile(r"^\d{12,13}$")


def _norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _text_of(el) -> str:
    if el is None:
        return ""
    if isinstance(el, str):
        return _norm(el)
    return _norm(el.text_content())


def _first(root, xpaths: list[str]) -> str:
    for xp in xpaths:
        for hit in root.xpath(xp):
            value = _text_of(hit)
            if value:
                return value
    return ""


def _dedupe(values) -> list[str]:
    seen, out = set(), []
    for value in values:
        value = _norm(value)
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


# --------------------------------------------------------------------------------------------
# JSON-LD
# --------------------------------------------------------------------------------------------

_ARTICLE_TYPES = {
    "blogposting", "article", "newsarticle", "reportagenewsarticle", "techarticle", "report",
    "socialmediaposting", "scholarlyarticle", "analysisnewsarticle", "opinionnewsarticle",
    "liveblogposting", "posting",
}  # fmt: skip


def _types(obj: dict) -> set[str]:
    value = obj.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values}


def _walk_jsonld(data):
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), (list, dict)):
                yield from _walk_jsonld(data[key])


@dataclass
class JsonLd:
    article: dict | None
    objects: list[dict]

    def resolve(self, value):
        if isinstance(value, dict) and set(value) <= {"@id"} and "@id" in value:
            for obj in self.objects:
                if obj.get("@id") == value["@id"] and len(obj) > 1:
                    return obj
        return value

    def website_name(self) -> str:
        for obj in self.objects:
            if "website" in _types(obj) and isinstance(obj.get("name"), str):
                return _norm(obj["name"])
        return ""


def _load_jsonld(root) -> JsonLd:
    objects: list[dict] = []
    for script in root.xpath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(re.sub(r"[\x00-\x1f]", " ", raw), strict=False)
            except ValueError:
                continue
        objects.extend(_walk_jsonld(data))
    article = None
    for obj in objects:
        if _types(obj) & _ARTICLE_TYPES:
            article = obj
            break
    return JsonLd(article, objects)


def _jsonld_names(ld: JsonLd, value) -> list[str]:
    value = ld.resolve(value)
    if isinstance(value, list):
        return [n for v in value for n in _jsonld_names(ld, v)]
    if isinstance(value, dict):
        name = value.get("name")
        return [_norm(name)] if isinstance(name, str) else []
    if isinstance(value, str):
        return [_norm(value)]
    return []


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------

_BAD_AUTHORS = {
    "unknown", "admin", "administrator", "anonymous", "anónimo", "anonyme", "guest", "author",
    "editor", "staff", "webmaster", "root", "user", "blogger", "wordpress", "wordpress.com",
    "ghost", "substack", "medium", "contributor", "unknown author", "site admin", "follow",
}  # fmt: skip


def valid_author(name: str | None) -> str:
    """A person's name, or "" for widget text, placeholders, URLs and e-mail addresses."""
    name = _norm(name)
    name = re.sub(r"^(?:by|posted by|written by|von|par|por)\s*:?\s+", "", name, flags=re.I)
    name = name.strip(" ,|-–—:·")
    low = name.lower()
    if (
        not name
        or low in _BAD_AUTHORS
        or "profile" in low
        or len(name) > 60
        or name.startswith(("http://", "https://", "@"))
        or "@" in name
        or not re.search(r"\w", name)
    ):
        return ""
    return name


class Metas:
    """The page's ``<meta>`` values, read once: lower-cased property/name/http-equiv (and
    itemprop in the head) -> contents in document order."""

    def __init__(self, root) -> None:
        self.values: dict[str, list[str]] = {}
        head = root.find("head")
        for el in root.iter("meta"):
            content = _norm(el.get("content"))
            if not content:
                continue
            for attr in ("property", "name", "http-equiv", "itemprop"):
                key = el.get(attr)
                if not key:
                    continue
                if attr == "itemprop" and (head is None or not _is_inside(el, head)):
                    continue  # itemprop metas in the body belong to whatever block holds them
                self.values.setdefault(key.strip().lower(), []).append(content)

    def get(self, *keys: str) -> str:
        for key in keys:
            values = self.values.get(key)
            if values:
                return values[0]
        return ""

    def all(self, key: str) -> list[str]:
        return list(self.values.get(key, ()))


def _is_inside(el, ancestor) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False


_HEADER_SITE_XPATHS = [
    f"//*[{_cls('widget')} and {_cls('Header')}]//h1",
    "//*[@id='header']//h1",
    f"//*[{_cls('site-title')}]",
    f"//*[{_cls('blog-title')}]",
    f"//*[{_cls('wp-block-site-title')}]",
]


def site_name(root, ld: JsonLd, metas: Metas | None = None) -> str:
    metas = metas or Metas(root)
    return (
        metas.get("og:site_name", "application-name")
        or ld.website_name()
        or _first(root, _HEADER_SITE_XPATHS)
    )


# Longest first: " :: " (Tistory's "Title :: Blog") before ": ". Japanese and Chinese sites
# write a full-width bar without spaces ("Title｜Blog").
_TITLE_SEPARATORS = (" :: ", " | ", " - ", " – ", " — ", ": ", " · ", " » ", "｜")


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def strip_site_name(title: str, site: str, host: str = "") -> str:
    """``Title | Blog name`` (or ``Blog name: Title``) -> ``Title``. Without a known blog name,
    a short side that spells the host name (``hedgerow`` on hedgerow.example) is dropped."""
    title = _norm(title)
    site_key = site.casefold() if site else ""
    if site_key and title.casefold() == site_key:
        return ""
    # the blog name and, when it is itself "Platform | Blog", each of its parts (Naver's
    # og:site_name "네이버 블로그 | Blog" beside the title "Title : 네이버 블로그")
    site_keys = {site_key} if site_key else set()
    for sep in (" | ", "｜"):
        site_keys.update(part.strip() for part in site_key.split(sep) if part.strip())
    host_key = _squash(host.removeprefix("www.").split(".")[0]) if host else ""
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        for head, tail, keep in (
            (*title.partition(sep)[::2], "tail"),
            (*title.rpartition(sep)[::2], "head"),
        ):
            side, other = (head, tail) if keep == "tail" else (tail, head)
            side, other = side.strip(), other.strip()
            if not other:
                continue
            key = side.casefold()
            if key in site_keys or (host_key and len(host_key) > 3 and _squash(side) == host_key):
                return other
    return title


_TITLE_XPATHS = [
    f"//*[self::h1 or self::h2 or self::h3][{_cls('post-title')}]",
    f"//h1[{_cls('entry-title')}]",
    f"//*[{_cls('post-title')}]",
    f"//*[{_cls('entry-title')}]",
    "//h1[@data-testid='storyTitle']",
    f"//h1[{_cls('gh-article-title')} or {_cls('article-title')}]",
    f"//*[self::h1 or self::h2][{_cls('wp-block-post-title')}]",  # WordPress block themes
    "//article//h1",
    f"//*[{_cls('post')} or {_cls('hentry')}]//h1",
    f"//h1[{_cls('title-article')}]",  # CSDN (its heading stands outside the <article>)
]
_WIDGET_TITLES = {
    "followers", "popular posts", "blog archive", "labels", "about me", "archive", "archives",
    "search this blog", "subscribe", "subscribe to", "contributors", "pages", "translate",
    "recent posts", "recent comments", "categories", "tags", "meta", "search", "follow by email",
    "total pageviews", "featured post", "report abuse", "links", "blogroll", "about",
    "related posts", "you might also like", "comments", "share this:", "like this:",
}  # fmt: skip


def _good_title(value: str) -> bool:
    return bool(value) and value.casefold().rstrip(":") not in _WIDGET_TITLES and len(value) < 400


def find_title(root, ld: JsonLd, site: str, metas: Metas | None = None, host: str = "") -> str:
    """Post heading, JSON-LD headline, og:title, <title>: the first that is a title, with the
    blog name taken off."""
    metas = metas or Metas(root)
    for xp in _TITLE_XPATHS:
        for el in root.xpath(xp):
            value = strip_site_name(_text_of(el), site, host)
            if _good_title(value):
                return value
    candidates = []
    if ld.article:
        headline = ld.article.get("headline") or ld.article.get("name")
        if isinstance(headline, str):
            candidates.append(headline)
    candidates.append(metas.get("og:title", "twitter:title"))
    candidates.append(_first(root, ["//head/title", "//title"]))
    for candidate in candidates:
        value = strip_site_name(_norm(candidate), site, host)
        if _good_title(value):
            return value
    return ""


_AUTHOR_XPATHS = [
    f"//*[{_cls('post-author')}]//*[{_cls('fn')}]",
    f"//*[{_cls('author')} and {_cls('vcard')}]//*[{_cls('fn')}]",
    f"//*[{_cls('byline')}]//*[{_cls('author')}]//*[@itemprop='name']",
    "//a[@rel='author']",
    f"//*[{_cls('byline')}]//*[{_cls('author')}]",
    "//*[@itemprop='author']//*[@itemprop='name']",
    "//*[@data-testid='authorName']",
    f"//*[{_cls('gh-article-author-name')} or {_cls('author-name')}]",
    # WordPress block themes: the Post Author Name and Post Author blocks
    f"//*[{_cls('wp-block-post-author-name')} or {_cls('wp-block-post-author__name')}]",
    f"//*[{_cls('writer')}]//*[{_cls('nick')}]",  # Naver Blog
    f"//*[{_cls('follow-nickName')}]",  # CSDN
]


def _author_candidates(root, ld: JsonLd, metas: Metas):
    if ld.article:
        for name in _jsonld_names(ld, ld.article.get("author")):
            yield valid_author(name)
    for xp in _AUTHOR_XPATHS:
        for el in root.xpath(xp):
            yield valid_author(_text_of(el))
    for key in ("author", "article:author", "dc.creator", "twitter:creator"):
        for value in metas.all(key):
            yield valid_author(value)


def find_author(root, ld: JsonLd, metas: Metas | None = None, site: str = "") -> str:
    """JSON-LD author, byline markup, author metas: the first person's name. The blog's own
    name (``site``; Squarespace and some themes give the site as every post's author) is
    taken only when nothing else names someone."""
    metas = metas or Metas(root)
    site_key = _norm(site).casefold()
    fallback = ""
    for name in _author_candidates(root, ld, metas):
        if not name:
            continue
        if site_key and name.casefold() == site_key:
            fallback = fallback or name
            continue
        return name
    return fallback


def _attr_dates(root, xpaths: list[str]) -> str | None:
    """The first date of ``xpaths``: an attribute's ISO 8601, or an element's visible date in
    any language :func:`date_from_text` reads ("18 мая 2024 в 09:15")."""
    for xp in xpaths:
        for hit in root.xpath(xp):
            if isinstance(hit, str):
                value = normalise_date(hit)
            else:
                value = normalise_date(_text_of(hit)) or date_from_text(_text_of(hit))
            if value:
                return value
    return None


_PUBLISHED_XPATHS = [
    f"//time[{_cls('published')}]/@datetime",
    "//*[@itemprop='datePublished']/@datetime",
    "//*[@itemprop='datePublished']/@content",
    f"//abbr[{_cls('published')}]/@title",
    f"//time[{_cls('entry-date')}]/@datetime",
    f"//*[{_cls('post-timestamp')}]//abbr/@title",
    f"//*[{_cls('post-timestamp')}]//time/@datetime",
    "//*[@data-testid='publishDate']/@datetime",
    f"//*[{_cls('gh-article-meta')} or {_cls('byline')} or {_cls('post-header')}]//time/@datetime",
    # WordPress block themes' Post Date block (its "last modified" variant is the update)
    f"//*[{_cls('wp-block-post-date')} and not({_cls('wp-block-post-date__modified-date')})]"
    "//time/@datetime",
    "//article//time/@datetime",
]
_UPDATED_XPATHS = [
    f"//time[{_cls('updated')}]/@datetime",
    "//*[@itemprop='dateModified']/@datetime",
    "//*[@itemprop='dateModified']/@content",
    f"//abbr[{_cls('updated')}]/@title",
    f"//*[{_cls('wp-block-post-date__modified-date')}]//time/@datetime",
]
# Visible dates written as text (Blogger's "Sunday, March 12, 2017" date header, themes'
# "Posted on ..." lines).
_TEXT_DATE_XPATHS = [
    f"//*[{_cls('date-header')}]",
    f"//*[{_cls('post-date')} or {_cls('entry-date')} or {_cls('posted-on')}]",
    f"//*[{_cls('post-timestamp')} or {_cls('published')} or {_cls('date')}]",
    # Naver's "2024. 5. 17. 14:03", CSDN's "于 2024-05-17 14:03:12 发布", Livedoor themes
    f"//*[{_cls('se_publishDate')} or {_cls('article-date')} or {_cls('time')}]",
    "//time",
]
_PUBLISHED_META = ("article:published_time", "datepublished", "dc.date.issued", "dc.date")
_UPDATED_META = ("article:modified_time", "og:updated_time", "datemodified", "dc.date.modified")
_PAGE_DATE_SOURCES = ("json-ld", "meta", "markup")
_FEED_SOURCES = {"feed", "atom", "rss", "api", "wp-api", "wp-json", "sitemap", "discovery"}


def _hint_source(hints: dict) -> str:
    source = _norm(str(hints.get("source") or "feed")).lower()
    return "feed" if source in _FEED_SOURCES else "hints"


def _text_date(root) -> str | None:
    for xp in _TEXT_DATE_XPATHS:
        for el in root.xpath(xp):
            value = date_from_text(_text_of(el))
            if value:
                return value
    return None


def _page_disagreement(chosen: str, candidates) -> list[str]:
    """A flag when the page's own first date (JSON-LD, meta, markup) puts the post more than
    a day from the feed's date that was chosen (`published_page_differs:markup:RAW`): the
    feed wins, and the reader is told the page says otherwise. A day either side is the
    same date written in another zone."""
    for source, read in candidates:
        if source not in _PAGE_DATE_SOURCES:
            continue
        raw = read()
        value = normalise_date(raw) if isinstance(raw, str) else None
        if not value or implausible(value):
            continue
        try:
            apart = abs(date.fromisoformat(value[:10]) - date.fromisoformat(chosen[:10])).days
        except ValueError:
            return []
        return [f"published_page_differs:{source}:{_norm(raw)}"] if apart > 1 else []
    return []


def find_dates(
    root,
    ld: JsonLd,
    metas: Metas | None = None,
    *,
    url: str = "",
    hints: dict | None = None,
    now: datetime | None = None,
) -> tuple[tuple[str | None, str | None], tuple[str | None, str | None], list[str]]:
    """((published, updated), (published_source, updated_source), date_flags).

    Sources are tried in order (hints/feed, JSON-LD, meta, markup, URL, visible text); a
    candidate that is implausible (future, before 1995) is flagged with its raw value and the
    next source is tried. htmldate is the caller's last resort (it needs the whole tree).
    """
    metas = metas or Metas(root)
    hints = hints or {}
    hint_source = _hint_source(hints)
    flags: list[str] = []
    article = ld.article or {}

    published_candidates = [
        (hint_source, lambda: hints.get("published")),
        ("json-ld", lambda: article.get("datePublished") or article.get("dateCreated")),
        ("meta", lambda: metas.get(*_PUBLISHED_META)),
        ("markup", lambda: _attr_dates(root, _PUBLISHED_XPATHS)),
        ("url", lambda: date_from_url(url)),
        ("text", lambda: _text_date(root)),
    ]
    updated_candidates = [
        (hint_source, lambda: hints.get("updated")),
        ("json-ld", lambda: article.get("dateModified")),
        ("meta", lambda: metas.get(*_UPDATED_META)),
        ("markup", lambda: _attr_dates(root, _UPDATED_XPATHS)),
    ]

    def pick(kind: str, candidates) -> tuple[str | None, str | None]:
        for source, read in candidates:
            raw = read()
            if not isinstance(raw, (str, int, float, date)) or raw in ("", None):
                continue
            value = normalise_date(raw)
            if not value:
                continue
            reason = implausible(value, now)
            if reason:
                flags.append(f"{kind}_{reason}:{_norm(str(raw))}")
                continue
            if source == hint_source and not has_zone(value, other_than_utc=True):
                # a feed in UTC (WordPress RSS) or without a zone: the page's writing of the
                # same moment, in the blog's zone, keeps the blog's day, month and year
                for page_source, page_read in candidates:
                    if page_source in _PAGE_DATE_SOURCES:
                        written = page_read()
                        zoned = normalise_date(written) if isinstance(written, str) else None
                        if zoned and has_zone(zoned, other_than_utc=True):
                            if same_moment(value, zoned):
                                return zoned, page_source
            if source == "url" and len(value) == 7:
                # Blogger URLs give only the month: a visible date in that month is more precise
                day = _text_date(root)
                if day and day.startswith(value) and not implausible(day, now):
                    return day, "text"
            return value, source
        return None, None

    published, published_source = pick("published", published_candidates)
    if published and published_source == hint_source:
        flags.extend(_page_disagreement(published, published_candidates))
    updated, updated_source = pick("updated", updated_candidates)
    published, updated, more = check_dates(published, updated)
    if updated is None:
        updated_source = None
    flags.extend(more)
    return (published, updated), (published_source, updated_source), flags


def _post_scope(root):
    scopes = root.xpath(
        f"//*[{_cls('post')} or {_cls('hentry')} or {_cls('post-outer')}][1] | //article[1]"
    )
    return scopes[0] if scopes else root


_TAG_CONTAINERS = frozenset(
    {
        "post-labels", "tags-links", "cat-links", "post-tags", "post-categories",
        "entry-categories", "entry-tags", "wp-block-post-terms", "tags", "post-tag-list",
        "article-tag",
        "wrap_tag", "m-tagList", "tags-box",  # Naver Blog, note.com, CSDN
    }
)  # fmt: skip
_TAG_LINK_CLASSES = frozenset(
    {"gh-article-tag", "post-tag", "article-tag", "post-card-primary-tag"}
)


def _tag_links(scope) -> list[str]:
    """Texts of tag links under ``scope``: ``a[rel~=tag]`` (WordPress "category tag", Blogger
    labels), links of the platforms' tag/category containers, Ghost/Substack tag links,
    microformats' ``p-category``.
    One Python pass instead of a class-test XPath over every element."""
    found: list[str] = []
    for el in scope.iter("a", "div", "span", "p", "ul", "footer", "section", "nav"):
        classes = (el.get("class") or "").split()
        if "p-category" in classes:  # microformats2 h-entry (WriteFreely, IndieWeb themes)
            found.append(_text_of(el))
        elif el.tag == "a":
            rel = (el.get("rel") or "").split()
            if "tag" in rel or not _TAG_LINK_CLASSES.isdisjoint(classes):
                found.append(_text_of(el))
        elif classes and not _TAG_CONTAINERS.isdisjoint(classes):
            found.extend(_text_of(a) for a in el.iter("a") if "tag" not in (a.get("rel") or ""))
    return found


def find_tags(root, ld: JsonLd, metas: Metas | None = None) -> list[str]:
    """Blogger labels, WordPress categories and tags, Ghost/Substack tags (links, article:tag
    metas, JSON-LD keywords)."""
    metas = metas or Metas(root)
    scope = _post_scope(root)
    tags = _tag_links(scope)
    if not tags and scope is not root:
        tags = _tag_links(root)
    tags += metas.all("article:tag")
    if ld.article:
        keywords = ld.article.get("keywords")
        if isinstance(keywords, str):
            tags += [k for k in keywords.split(",")]
        elif isinstance(keywords, list):
            tags += [k for k in keywords if isinstance(k, str)]
    return _dedupe(t.lstrip("#") for t in tags)


def canonical_of(root, url: str, metas: Metas | None = None) -> str | None:
    """The page's rel=canonical (else og:url), absolute, when it is on ``url``'s host."""
    metas = metas or Metas(root)
    candidates = [
        href
        for link in root.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
        for href in [link.get("href")]
        if href
    ]
    candidates.append(metas.get("og:url"))
    host = (urlsplit(url).hostname or "").lower()
    for candidate in candidates:
        candidate = _norm(candidate)
        if not candidate:
            continue
        absolute = join_url(url or "", candidate)
        if absolute is None:
            continue  # a malformed address (`https://[x/`): the page names no usable one
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and (parts.hostname or "").lower() == host and host:
            return absolute
    return None


_LANG_RE = re.compile(r"^([a-zA-Z]{2})(?:[-_][A-Za-z0-9]+)*$")
_STOPWORDS = {
    "en": "the and of to in is that it for was with as on be this are have you not",
    "de": "der die und das ist nicht ein eine zu mit den von sich auf für ich auch",
    "fr": "le la les et des est une un pour que dans qui pas sur avec du au",
    "es": "el la los las que de y en un una por con para es del se no como",
    "pt": "o os as que de e em um uma para com não do da no na é se",
    "it": "il la che di e un una per non sono del della con si è gli le",
    "nl": "de het een en van is dat op te niet zijn voor met ook maar",
}
_STOPSETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


def _lang_code(value: str | None) -> str | None:
    match = _LANG_RE.match(_norm(value))
    return match.group(1).lower() if match else None


# Scripts that name their language (most of the letters in them): kana is Japanese beside
# Chinese characters, Hangul Korean; then Han alone is Chinese.
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("he", re.compile(r"[\u05d0-\u05ea]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_LANGUAGE_OF_SCRIPT = {"ar": ("fa", re.compile("[پچژگ]")), "ru": ("uk", re.compile("[іїєґ]"))}


def _language_by_script(text: str) -> str | None:
    letters = re.findall(r"[^\W\d_]", text[:4000])
    if len(letters) < 8:
        return None
    sample = "".join(letters)
    for lang, script in _SCRIPTS:
        found = len(script.findall(sample))
        if lang == "zh" and found and _SCRIPTS[0][1].search(sample):
            continue  # Chinese characters among kana: Japanese, counted above
        # kana and Hangul mix with Chinese characters and Latin words: a tenth is enough
        if found >= len(sample) * (0.1 if lang in ("ja", "ko") else 0.5):
            other, marker = _LANGUAGE_OF_SCRIPT.get(lang, (None, None))
            return other if marker is not None and marker.search(sample.lower()) else lang
    return None


def detect_language(text: str) -> str | None:
    by_script = _language_by_script(text)
    if by_script:
        return by_script
    words = re.findall(r"[^\W\d_]+", text.lower())[:2000]
    if len(words) < 8:
        return None
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPSETS.items()}
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < max(3, len(words) * 0.05) or ranked[0] < ranked[1] * 1.3:
        return None
    return best


def find_language(root, ld: JsonLd, text: str, metas: Metas | None = None) -> str | None:
    metas = metas or Metas(root)
    candidates = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        metas.get("og:locale"),
        metas.get("content-language", "language", "dc.language"),
    ]
    if ld.article and isinstance(ld.article.get("inLanguage"), str):
        candidates.append(ld.article["inLanguage"])
    for candidate in candidates:
        code = _lang_code(candidate)
        if code:
            return code
    return detect_language(text)


# --------------------------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------------------------

_COMMENT_JUNK_XPATH = (
    f".//*[{_cls('comment-actions')} or {_cls('reply')} or {_cls('comment-reply-link')}"
    f" or {_cls('comment-reply')} or {_cls('item-control')} or {_cls('says')}"
    f" or {_cls('comment-edit-link')} or {_cls('blog-admin')} or {_cls('thread-toggle')}"
    f" or {_cls('comment-awaiting-moderation')}"
    # Blogger's "This comment has been removed by ...": what is left of a deleted comment
    f" or {_cls('deleted-comment')}"
    # like and vote counts (Jetpack's comment likes, wpDiscuz): they change, the comment not
    f" or {_cls('comment-likes')} or {_cls('wpd-vote-result')} or {_cls('wc-vote-result')}]"
    " | .//script | .//style | .//form | .//button"
)
_COMMENT_JUNK_LINES = {"reply", "delete", "replies", "says:", "said...", "edit", "report"}


# the notice Blogger leaves where a deleted comment was (classic templates say "post")
_REMOVED_COMMENT = re.compile(
    r"^this (comment|post) has been removed by (the author|a blog administrator)\.?$", re.I
)


def _comment_text(el) -> str:
    """The reader's text of a comment element: without reply, edit, like and moderation
    furniture, one line per line break or block; empty for a removed comment's notice."""
    if el is None:
        return ""
    el = copy.deepcopy(el)
    for junk in el.xpath(_COMMENT_JUNK_XPATH):
        if junk is not el and junk.getparent() is not None:
            junk.drop_tree()
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in el.xpath(".//p | .//div | .//li | .//blockquote"):
        block.tail = "\n" + (block.tail or "")
    lines = [_norm(line) for line in el.text_content().splitlines()]
    text = "\n".join(ln for ln in lines if ln and ln.lower() not in _COMMENT_JUNK_LINES)
    return "" if _REMOVED_COMMENT.match(text) else text


def _showcomment_date(el) -> str | None:
    for href in el.xpath(".//a/@href"):
        query = parse_qs(href.partition("?")[2].partition("#")[0])
        if "showComment" in query and _EPOCH_MS.match(query["showComment"][0]):
            return normalise_date(query["showComment"][0])
    return None


def _key_from_id(value: str | None, prefix: str) -> str:
    value = value or ""
    if value.startswith(prefix) and value[len(prefix) :].isdigit():
        return value[len(prefix) :]
    return ""


def _blogger_threaded(root) -> list[Comment]:
    out: list[Comment] = []
    for li in root.xpath(f"//li[{_cls('comment')} and starts-with(@id, 'c')]"):
        key = _key_from_id(li.get("id"), "c")
        if not key:
            continue
        block = li.xpath(f"./*[{_cls('comment-block')}]") or [li]
        block = block[0]
        author = _first(block, [f".//cite[{_cls('user')}]", f".//*[{_cls('comment-author')}]"])
        date_el = block.xpath(f".//*[{_cls('datetime')}]")
        published = None
        if date_el:
            published = _showcomment_date(date_el[0]) or normalise_date(_text_of(date_el[0]))
        content = block.xpath(f".//*[{_cls('comment-content')}]")
        parent_li = li.xpath(f"ancestor::li[{_cls('comment')} and starts-with(@id, 'c')][1]")
        parent = _key_from_id(parent_li[0].get("id"), "c") if parent_li else None
        text = _comment_text(content[0] if content else None)
        if text:
            out.append(Comment(_norm(author), published, text, parent or None, key))
    return out


def _blogger_classic(root) -> list[Comment]:
    out: list[Comment] = []
    for dl in root.xpath("//dl[@id='comments-block' or " + _cls("comments-block") + "]"):
        current: dict | None = None
        for child in dl:
            if child.tag == "dt":
                if current and current["text"]:
                    out.append(Comment(**current))
                author_el = child.xpath(".//a[not(@name)]")
                author = _text_of(author_el[0]) if author_el else _text_of(child)
                author = re.sub(r"\s*(said|says|disse|dijo|a dit|hat gesagt)\W*$", "", author)
                key = _key_from_id(child.get("id"), "c")
                if not key:
                    anchors = child.xpath("./a/@name")
                    key = _key_from_id(anchors[0], "c") if anchors else ""
                current = {
                    "author": _norm(author),
                    "published": None,
                    "text": "",
                    "parent": None,
                    "comment_key": key,
                }
            elif child.tag == "dd" and current is not None:
                if _has_class(child, _COMMENT_META_CLASSES):
                    stamp = child.xpath(f".//*[{_cls('comment-timestamp')}]//a") or child.xpath(
                        ".//a"
                    )
                    current["published"] = _showcomment_date(child) or (
                        normalise_date(_text_of(stamp[0])) if stamp else None
                    )
                else:
                    current["text"] = _comment_text(child)
        if current and current["text"]:
            out.append(Comment(**current))
    return out


_COMMENT_META_CLASSES = frozenset({"comment-footer", "comment-timestamp"})


def _wordpress(root) -> list[Comment]:
    out: list[Comment] = []
    for li in root.xpath(f"//li[{_cls('comment')} and starts-with(@id, 'comment-')]"):
        key = _key_from_id(li.get("id"), "comment-")
        body = li.xpath(f"./*[{_cls('comment-body')}]") or [li]
        body = body[0]
        author = _first(
            body,
            [
                f".//*[{_cls('comment-author')}]//*[{_cls('fn')}]",
                f".//*[{_cls('comment-author')}]//cite",
                f".//*[{_cls('comment-author')}]",
                f".//*[{_cls('wp-block-comment-author-name')}]",  # block themes
            ],
        )
        author = re.sub(r"\s*says:?$", "", author)
        published = _attr_dates(
            body,
            [
                f".//*[{_cls('comment-metadata')} or {_cls('comment-meta')}]//time/@datetime",
                ".//time/@datetime",
                f".//*[{_cls('comment-metadata')} or {_cls('comment-meta')}]//a",
            ],
        )
        content = body.xpath(
            f".//*[{_cls('comment-content')} or {_cls('wp-block-comment-content')}]"
        )
        if not content:
            # the classic `comment()` walker: the text is the body's own paragraphs, beside
            # the author, moderation-notice and date blocks
            content = [_classic_wordpress_text(body)] if body.xpath("./p") else [None]
        parent_li = li.xpath(f"ancestor::li[{_cls('comment')} and starts-with(@id,'comment-')][1]")
        parent = _key_from_id(parent_li[0].get("id"), "comment-") if parent_li else None
        text = _comment_text(content[0])
        if text:
            out.append(Comment(_norm(author), published, text, parent or None, key))
    return out


_CLASSIC_WORDPRESS_FURNITURE = (
    f"./*[{_cls('comment-author')} or {_cls('comment-meta')} or {_cls('commentmetadata')}"
    f" or {_cls('comment-awaiting-moderation')} or {_cls('vcard')}]"
)


def _classic_wordpress_text(body):
    """A copy of a classic WordPress comment body without its author, date and moderation
    notice (what :func:`_comment_text` would read as lines of the comment)."""
    body = copy.deepcopy(body)
    for furniture in body.xpath(_CLASSIC_WORDPRESS_FURNITURE):
        furniture.drop_tree()
    return body


def _microdata(root) -> list[Comment]:
    out: list[Comment] = []
    # Typecho's themes say "UserComments"
    nodes = root.xpath(
        "//*[contains(@itemtype, 'schema.org/Comment') or contains(@itemtype, 'schema.org/UserComments')]"
    )
    ids = {id(n): n for n in nodes}
    for node in nodes:
        author = _first(
            node,
            [
                ".//*[@itemprop='author' or @itemprop='creator']//*[@itemprop='name']",
                ".//*[@itemprop='author' or @itemprop='creator']",
            ],
        )
        stamp = "@itemprop='dateCreated' or @itemprop='datePublished' or @itemprop='commentTime'"
        published = _attr_dates(
            node, [f".//*[{stamp}]/@datetime", f".//*[{stamp}]/@content", f".//*[{stamp}]"]
        )
        text_el = node.xpath(".//*[@itemprop='text' or @itemprop='commentText']")
        text = _comment_text(text_el[0]) if text_el else ""
        parent = None
        for anc in node.iterancestors():
            if id(anc) in ids:
                parent = anc
                break
        if text:
            comment = Comment(_norm(author), published, text, None, node.get("id") or "")
            comment._node = node  # type: ignore[attr-defined]
            comment._parent_node = parent  # type: ignore[attr-defined]
            out.append(comment)
    by_node = {id(c._node): c for c in out}  # type: ignore[attr-defined]
    for c in out:
        parent_node = c._parent_node  # type: ignore[attr-defined]
        if parent_node is not None and id(parent_node) in by_node:
            c.parent = by_node[id(parent_node)].comment_key
        del c._node, c._parent_node  # type: ignore[attr-defined]
    return out


@dataclass(frozen=True)
class _CommentMarkup:
    """Where a platform puts a comment's parts: the comment element (its ``id`` minus
    ``key_prefix`` is the key; an enclosing comment is the parent), then the author, the date
    (an attribute, or text such as "2024. 5. 18. 09:12") and the text inside it."""

    item: str
    author: tuple[str, ...]
    date: tuple[str, ...]
    text: str
    key_prefix: str


_COMMENT_MARKUP = (
    # Hatena Blog
    _CommentMarkup(
        f"//li[{_cls('entry-comment')}]",
        (f".//*[{_cls('comment-user-name')}]",),
        (f".//*[{_cls('comment-metadata')}]//time/@datetime",),
        f".//*[{_cls('comment-content')}]",
        "entry-comment-",
    ),
    # Tistory (its comment system's "tt-" markup)
    _CommentMarkup(
        f"//li[{_cls('tt-item-reply')}]",
        (f".//*[{_cls('tt-txt-nickname')}]", f".//*[{_cls('tt-link-user')}]"),
        (f".//*[{_cls('tt_date')}]",),
        f".//*[{_cls('tt_desc')}]",
        "comment",
    ),
)


def _marked_up(root) -> list[Comment]:
    """Comments of the platforms in :data:`_COMMENT_MARKUP`."""
    for markup in _COMMENT_MARKUP:
        out: list[Comment] = []
        items = root.xpath(markup.item)
        for item in items:
            published = _attr_dates(item, list(markup.date))
            content = item.xpath(markup.text)
            parent_item = next((a for a in item.iterancestors() if a in items), None)
            text = _comment_text(content[0] if content else None)
            if text:
                out.append(
                    Comment(
                        _norm(_first(item, list(markup.author))),
                        published,
                        text,
                        _key_from_id(parent_item.get("id"), markup.key_prefix) or None
                        if parent_item is not None
                        else None,
                        _key_from_id(item.get("id"), markup.key_prefix),
                    )
                )
        if out:
            return out
    return []


def parse_comments(root) -> list[Comment]:
    """Comments from Blogger (threaded and classic), WordPress, Hatena Blog, Tistory, else
    schema.org microdata (Typecho)."""
    for parser in (_blogger_threaded, _wordpress, _blogger_classic, _marked_up, _microdata):
        comments = parser(root)
        if comments:
            return comments
    return []


# --------------------------------------------------------------------------------------------
# Comments the post page does not show
# --------------------------------------------------------------------------------------------

# how many comments one request to a Blogger comment feed asks for (Blogger answers up to 500)
COMMENT_FEED_PAGE_SIZE = 200
# how many comments Blogger puts in a post page before "Load more..."
BLOGGER_COMMENTS_IN_PAGE = 200
_WP_COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class CommentPage:
    """What one page of comments gave: its comments, and the further pages it links to."""

    comments: list[Comment]
    more: list[str] = field(default_factory=list)


def _comment_root(body: bytes | str, encoding: str | None = None):
    decoded = decode_page(body, encoding)
    return parse_html(decoded.text) if decoded.text.strip() else None


def _blogger_comment_feed_url(root, url: str) -> str | None:
    """Blogger's page holds the first 200 comments of a post; "Load more..." reads the rest
    from the post's comment feed. When the page says it has more comments
    (``data-num-comments``) than it shows, the feed's first page is where they are."""
    more = root.xpath(f"//*[{_cls('loadmore')}]/@data-post-id")
    if not more or not more[0].strip().isdigit():
        return None
    shown = len(root.xpath(f"//li[{_cls('comment')} and starts-with(@id, 'c')]"))
    counts = [c for c in root.xpath("//*[@id='comments']/@data-num-comments") if c.isdigit()]
    if counts and int(counts[0]) <= shown:
        return None
    if not counts and shown < BLOGGER_COMMENTS_IN_PAGE:
        return None  # a layout without the count: only a full page can hide more
    return join_url(
        url,
        f"/feeds/{more[0].strip()}/comments/default?start-index=1"
        f"&max-results={COMMENT_FEED_PAGE_SIZE}",
    )


def _post_path(url: str) -> str:
    path = urlsplit(url).path
    path = _WP_COMMENT_PAGE.sub("/", path)
    return path if path.endswith("/") else path + "/"


def _wordpress_comment_pages(root, url: str) -> list[str]:
    """WordPress's other comment pages of the same post (``/slug/comment-page-2/``, or
    ``?p=1&cpage=2`` without pretty permalinks), linked by "Older Comments" / "Newer
    Comments" and the numbered comment pager."""
    own = _post_path(url)
    found: list[str] = []
    for href in root.xpath("//a/@href"):
        target = join_url(url, href.strip())
        if not target:
            continue
        parts = urlsplit(target)
        if parts.netloc != urlsplit(url).netloc:
            continue
        if _WP_COMMENT_PAGE.search(parts.path) and _post_path(target) == own:
            found.append(target.split("#")[0])
        elif "cpage=" in parts.query and parts.path == urlsplit(url).path:
            query = parse_qs(parts.query)
            if query.get("cpage", [""])[0].isdigit():
                found.append(target.split("#")[0])
    return list(dict.fromkeys(u for u in found if u != url.split("#")[0]))


# What a page hiding some of its comments holds somewhere: Blogger's "Load more..." block
# (class `loadmore`), a WordPress comment pager's links (`/comment-page-N/`, `?cpage=N`).
_MORE_COMMENTS_MARKERS = ("loadmore", "comment-page-", "cpage=")
_MORE_COMMENTS_BYTES = tuple(marker.encode() for marker in _MORE_COMMENTS_MARKERS)


def _may_hide_comments(body: bytes | str) -> bool:
    """Whether a page may link to comments it does not show: it holds one of the markers
    (parsing and querying every post page for them cost the crawler's process several ms a
    page). A page in UTF-16 or UTF-32 (NUL bytes) is looked at whole, after decoding."""
    if isinstance(body, str):
        return any(marker in body for marker in _MORE_COMMENTS_MARKERS)
    if b"\x00" in body[:1024]:
        return True
    return any(marker in body for marker in _MORE_COMMENTS_BYTES)


def more_comment_pages(body: bytes | str, url: str, encoding: str | None = None) -> list[str]:
    """Where the comments of a post page that the page itself does not show are: Blogger's
    comment feed when the page shows fewer comments than it says it has (a post with more
    than 200), WordPress's other comment pages. Empty for a page that shows them all.

    Called for every post page in the crawler's own process: a page without any of the
    markers such pages carry (`_MORE_COMMENTS_MARKERS`) is not parsed at all."""
    if not _may_hide_comments(body):
        return []
    root = _comment_root(body, encoding)
    if root is None:
        return []
    feed = _blogger_comment_feed_url(root, url)
    if feed:
        return [feed]
    return _wordpress_comment_pages(root, url)


def _blogger_feed_comments(feed) -> list[Comment]:
    out: list[Comment] = []
    for entry in feed.iter(f"{_ATOM}entry"):
        entry_id = (entry.findtext(f"{_ATOM}id") or "").strip()
        key = entry_id.rpartition(".post-")[2] if ".post-" in entry_id else ""
        if not key.isdigit():
            continue
        published = None
        parent = None
        for link in entry.iter(f"{_ATOM}link"):
            href = link.get("href") or ""
            if link.get("rel") == "alternate":
                query = parse_qs(href.partition("?")[2].partition("#")[0])
                stamp = query.get("showComment", [""])[0]
                if _EPOCH_MS.match(stamp):
                    published = normalise_date(stamp)  # as the page gives it: UTC
            elif link.get("rel") == "related" and "/comments/default/" in href:
                parent = href.rstrip("/").rpartition("/")[2] or None
        if published is None:
            published = normalise_date((entry.findtext(f"{_ATOM}published") or "").strip())
        author = _norm(entry.findtext(f"{_ATOM}author/{_ATOM}name") or "")
        content = entry.find(f"{_ATOM}content")
        text = ""
        if content is not None and (content.text or "").strip():
            if content.get("type") in ("html", "xhtml"):
                fragment = lxml.html.fragment_fromstring(content.text, create_parent="p")
                text = _comment_text(fragment)
            else:
                text = "\n".join(ln for ln in (_norm(x) for x in content.text.splitlines()) if ln)
        if text:
            out.append(Comment(author, published, text, parent, key))
    return out


def _next_feed_page(feed, url: str, count: int) -> list[str]:
    for link in feed.iter(f"{_ATOM}link"):
        if link.get("rel") == "next" and link.get("href"):
            return [join_url(url, link.get("href"))]
    return []


def read_comment_page(body: bytes | str, url: str, encoding: str | None = None) -> CommentPage:
    """The comments of a page `more_comment_pages` named (a Blogger comment feed page, a
    WordPress comment page) and the further pages it links to. Raises
    :class:`ExtractionError` when it is neither a feed nor HTML."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    head = raw[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<feed"):
        try:
            feed = etree.fromstring(
                raw, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
            )
        except etree.XMLSyntaxError as error:
            raise ExtractionError(f"unreadable comment feed: {error}") from error
        if feed is None or feed.tag != f"{_ATOM}feed":
            raise ExtractionError("not an Atom comment feed")
        comments = _blogger_feed_comments(feed)
        return CommentPage(comments, _next_feed_page(feed, url, len(comments)))
    root = _comment_root(raw, encoding)
    if root is None:
        raise ExtractionError("not HTML: lxml could not parse the comment page")
    decode_cloudflare_emails(root)  # as on the post's own page
    return CommentPage(parse_comments(root), _wordpress_comment_pages(root, url))


# --------------------------------------------------------------------------------------------
# Body extraction
# --------------------------------------------------------------------------------------------


@functools.cache
def _short_post_config():
    """trafilatura's settings with no minimum article size. Below its MIN_EXTRACTED_SIZE (250
    characters) trafilatura replaces what it extracted with its baseline, the whole
    ``<article>``'s text as one paragraph: a short post became one line holding its title,
    date and every paragraph."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    return config


def _one_block(document) -> bool:
    """Is the extracted body one paragraph of a short page: what trafilatura's baseline gives
    (the whole ``<article>``, or the whole page, as one block of text)?"""
    body = document.body if document is not None else None
    return (
        body is not None
        and len(body) == 1
        and body[0].tag == "p"
        and len("".join(body.itertext())) < 2000
    )


def _trafilatura(tree, url: str, *, short: bool = False):
    """One trafilatura pass on the cleaned tree (trafilatura copies the tree it is given).
    Its own metadata pass (htmldate, author/title/category heuristics) is skipped: we read
    metadata from the markup ourselves. ``short``: without trafilatura's minimum size (see
    :func:`_short_post_config`)."""
    from trafilatura import bare_extraction

    try:
        return bare_extraction(
            tree,
            url=url or None,
            fast=FAST,
            include_comments=False,
            with_metadata=False,
            include_tables=True,
            include_links=True,
            include_formatting=True,
            include_images=False,
            favor_precision=FAVOR_PRECISION,
            favor_recall=FAVOR_RECALL,
            config=_short_post_config() if short else None,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        return None


# trafilatura's XML elements that hold running text: a <code> inside one of them is inline code
# (``configparser``), not a code block.
_INLINE_PARENTS = frozenset({"p", "head", "hi", "ref", "del", "item", "cell"})


def _body_html(body) -> str:
    """trafilatura's XML body as HTML (rewrites ``body`` in place). trafilatura's own
    conversion turns every list into <ul> and every <code> into <pre>, and pretty-printing
    indents code blocks that hold elements: ordered lists stay <ol>, inline code stays
    <code>, code blocks keep their exact text."""
    from trafilatura.htmlprocessing import convert_to_html

    for outer in body.xpath(".//code[.//code]"):
        etree.strip_tags(outer, "code")
    for code in body.iter("code"):
        parent = code.getparent()
        if (
            parent is not None
            and parent.tag in _INLINE_PARENTS
            and "\n" not in "".join(code.itertext())
        ):
            code.tag = "inline-code"  # not a tag convert_to_html rewrites
    for lst in body.iter("list"):
        if lst.get("rend") == "ol":
            lst.tag = "ol"
            lst.attrib.clear()
    html_tree = convert_to_html(body)
    for code in html_tree.iter("inline-code"):
        code.tag = "code"
        code.attrib.clear()
    return etree.tostring(html_tree, encoding="unicode")


def _document_text_and_html(document) -> tuple[str, str, set[str]]:
    """Plain text and HTML from the same extracted body (one small copy of the body: the HTML
    conversion rewrites it in place, the text drops the links' URLs), and the
    indented lines of its code blocks (see :func:`clean_text`)."""
    from trafilatura.xml import xmltotxt

    if document is None or document.body is None:
        return "", "", set()
    body = copy.deepcopy(document.body)
    etree.strip_tags(body, "ref")
    etree.strip_elements(body, "graphic", with_tail=False)
    text = xmltotxt(body, False) or ""
    if not text.strip():
        return "", "", set()
    code = {
        line.rstrip()
        for block in body.iter("code")
        for line in "".join(block.itertext()).splitlines()
        if line[:1].isspace()
    }
    try:
        html = _body_html(document.body)
    except Exception:  # noqa: BLE001 - fall back to the plain text rendition
        html = ""
    return text, html, code


_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})


def _block_text(el) -> str:
    return _norm(el.text_content()) if el is not None and el.tag in _BLOCKS else ""


def _link_list_items(el) -> list[tuple[str, str]]:
    """(text, href) of each item of a list of three or more items that are each one bare
    link, else []."""
    items = []
    for li in el:
        if not isinstance(li.tag, str) or li.tag != "li":
            return []
        links = li.findall("a")
        text = _norm(li.text_content())
        if len(links) != 1 or not text or _norm(links[0].text_content()) != text:
            return []
        items.append((text, links[0].get("href") or ""))
    return items if len(items) >= 3 else []


def _restore_link_lists(document, tree) -> int:
    """Put back the post's lists of bare links (a link round-up) that trafilatura's
    link-density test dropped: a ``<ul>``/``<ol>`` in the post's container whose every item is
    one link, when the paragraphs just before and just after it on the page were both kept, one
    after the other. A list of related posts or a menu at the end of the post has no paragraph
    of the post after it and stays out."""
    body = document.body if document is not None else None
    if body is None:
        return 0
    # lists between two paragraphs first (cheap): most pages have none, and then the post's
    # container is not looked for
    between = []
    for source in tree.iter("ul", "ol"):
        before, after = _block_text(source.getprevious()), _block_text(source.getnext())
        if before and after:
            between.append((source, before, after))
    if not between:
        return 0
    main = _main_node(tree)
    restored = 0
    for source, before, after in between:
        if source is not main and main not in source.iterancestors():
            continue
        items = _link_list_items(source)
        if not items:
            continue
        kept = list(body)
        for position, element in enumerate(kept[:-1]):
            if (
                _norm("".join(element.itertext())) == before
                and _norm("".join(kept[position + 1].itertext())) == after
            ):
                rendition = etree.Element("list", rend=source.tag)
                for text, href in items:
                    item = etree.SubElement(rendition, "item")
                    link = etree.SubElement(item, "ref", target=href) if href else item
                    link.text = text
                rendition.tail = element.tail
                element.tail = None
                element.addnext(rendition)
                restored += 1
                break
    return restored


def _main_node(tree):
    for xp in (
        f"//*[{_cls('post-body')}]",
        f"//*[{_cls('entry-content')}]",
        f"//*[{_cls('post-content')}]",
        f"//*[{_cls('article-content')}]",
        "//article",
        "//main",
        "//*[@role='main']",
        "//body",
    ):
        hits = tree.xpath(xp)
        if hits:
            return hits[0]
    return tree


def _fallback(tree) -> tuple[str, str]:
    """Baseline extraction on the cleaned tree's main content; returns (text, html)."""
    node = _main_node(tree)
    text = ""
    html = ""
    try:
        from trafilatura import baseline

        wrapper = lxml.html.document_fromstring("<html><body></body></html>")
        wrapper.find("body").append(copy.deepcopy(node))
        _, text, _ = baseline(wrapper)
    except Exception:  # noqa: BLE001 - fallbacks are best effort
        text = ""
    if len(_norm(text)) < MIN_FALLBACK_CHARS:
        try:
            from readability import Document

            html = Document(lxml.html.tostring(node, encoding="unicode")).summary(html_partial=True)
            text = _html_to_text(html)
        except Exception:  # noqa: BLE001
            text = text or ""
    if not html and text:
        html = "".join(f"<p>{_escape(line)}</p>" for line in text.splitlines() if line.strip())
    return text, html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_to_text(fragment: str) -> str:
    if not fragment or not fragment.strip():
        return ""
    node = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for bad in node.xpath(".//script | .//style"):
        bad.drop_tree()
    for el in node.xpath(".//p | .//div | .//li | .//h1 | .//h2 | .//h3 | .//h4 | .//br"):
        el.tail = "\n" + (el.tail or "")
    return "\n".join(_norm(line) for line in node.text_content().splitlines() if _norm(line))


def _clean_html(fragment: str, url: str, drop: set[str] | None = None) -> str:
    """The sanitised HTML rendition, without the blocks the text's line filter drops."""
    if not fragment:
        return ""
    try:
        node = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return sanitise_html(fragment)
    drop_keys = {_norm(d).casefold() for d in (drop or ()) if d}
    blocks, lines = [], []
    for el in node.xpath(".//p | .//li | .//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6"):
        content = _norm(el.text_content())
        if not content:
            if not el.xpath(".//img"):
                el.drop_tree()
            continue
        if is_menu_word(content) and _norm(" ".join(el.xpath(".//a//text()"))) == content:
            el.drop_tree()  # a menu word that is a link ("Home", "More") is navigation
            continue
        # as the text reads it: a list item is the line "- item", never a bare menu word
        blocks.append(el)
        lines.append(f"- {content}" if el.tag == "li" else content)
    # the blocks in document order are the text's lines: the same lines are dropped
    for el, clutter in zip(blocks, clutter_flags(lines, drop_keys), strict=True):
        if clutter and el.getparent() is not None:
            el.drop_tree()
    for inner in node.xpath(".//pre//pre | .//code//code"):
        inner.drop_tag()
    if url:
        try:
            node.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")
        except ValueError:
            pass
    body = node.find(".//body")
    node = body if body is not None else node
    inner = (node.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in node
    )
    return sanitise_html(inner)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


_HTML_SNIFF = re.compile(r"<(?:!doctype\s+html|html|head|body|div|p|article|main|title)\b", re.I)
_ARTICLE_CONTAINER_CLASSES = frozenset({"post-body", "entry-content", "post-content", "hentry"})


def _has_article_container(root) -> bool:
    for el in root.iter():
        tag = el.tag
        if tag in ("article", "main") or el.get("itemprop") == "articleBody":
            return True
        cls = el.get("class")
        if cls and not _ARTICLE_CONTAINER_CLASSES.isdisjoint(cls.split()):
            return True
    return False


def extract_post(
    page: str | bytes,
    url: str,
    *,
    hints: dict | None = None,
    encoding: str | None = None,
) -> PostRecord:
    """Extract one post page; raises :class:`ExtractionError` when there is no body text.

    ``hints`` are what discovery read about the post (feed/API ``title``, ``author``,
    ``published``, ``updated``, ``tags``; ``source`` says where from, "feed" by default);
    ``encoding`` is the HTTP header's charset.
    """
    hints = hints or {}
    decoded = decode_page(page, encoding)
    text_in = decoded.text
    if not text_in.strip():
        raise ExtractionError("empty page")
    if not _HTML_SNIFF.search(text_in[:65536]):
        raise ExtractionError("not HTML: no HTML elements found")
    # One parse; the tree is cleaned in place in two stages (non-content regions, then post
    # furniture) with the metadata read in between, and trafilatura copies what it is given.
    root = parse_html(text_in)
    if root is None:
        raise ExtractionError("not HTML: lxml could not parse the page")
    has_password = bool(root.xpath("//input[@type='password']"))
    signs = wall_signs(root)
    unwrap_content_noscript(root)
    decode_cloudflare_emails(root)  # the addresses the page's own script shows its readers
    show_spoilers(root, _main_node)  # text behind a "Show" button is the post's

    comments = parse_comments(root)
    ld = _load_jsonld(root)
    metas = Metas(root)
    site = site_name(root, ld, metas)
    host = urlsplit(url).hostname or "" if url else ""
    canonical = canonical_of(root, url, metas)

    remove_noncontent(root)
    title = _norm(hints.get("title")) or find_title(root, ld, site, metas, host)
    author = valid_author(hints.get("author")) or find_author(root, ld, metas, site)
    (published, updated), (published_source, updated_source), date_flags = find_dates(
        root, ld, metas, url=url, hints=hints
    )
    tags = find_tags(root, ld, metas)
    hint_tags = hints.get("tags") or []
    if isinstance(hint_tags, str):
        hint_tags = [hint_tags]
    tags = _dedupe([*hint_tags, *tags])

    remove_furniture(root)
    embedding_scripts = []  # a gist's <script>: read with the pictures, then dropped
    for el in list(root.iter("script", "style")):
        if "gist.github.com/" in (el.get("src") or ""):
            embedding_scripts.append(el)
        elif "ld+json" not in (el.get("type") or ""):
            _drop(el)
    has_container = _has_article_container(root)
    _absolute_links(root, url)
    media = _post_media(root, url)
    for el in embedding_scripts:
        _drop(el)

    # trafilatura's minimum size (250 characters) is a short English paragraph but a whole
    # short post in Chinese or Japanese: below it trafilatura adds stray page text (the blog's
    # tagline) or gives its baseline. Posts in those scripts are extracted without it.
    if _dense_script(_main_node(root)):
        document = _trafilatura(root, url, short=True)
    else:
        document = _trafilatura(root, url)
    _restore_link_lists(document, root)
    # The title is its own field: a heading line repeating it is not body text.
    drop = {title}

    text, html, code = _document_text_and_html(document)
    if _one_block(document):
        # Perhaps trafilatura's baseline standing in for a short post: its own extraction,
        # if it keeps most of the words (what it leaves out is the title, date, blog name).
        retry_document = _trafilatura(root, url, short=True)
        _restore_link_lists(retry_document, root)
        retry = _document_text_and_html(retry_document)
        if word_count(clean_text(retry[0], drop)) >= word_count(clean_text(text, drop)) / 2:
            text, html, code = retry
    text = clean_text(text, drop, code)
    if not text:
        html = ""
        fb_text, fb_html = _fallback(root)
        fb_text = clean_text(fb_text, drop)
        if len(fb_text) >= MIN_FALLBACK_CHARS:
            text, html = fb_text, fb_html
    if signs:  # (the text's words are counted only for a page with a wall's signs)
        wall = login_wall(signs, word_count(text))
        if wall or not text:
            # a login page, a private blog's notice: said so, not "no article text"
            raise LoginWall(wall or login_wall(signs, 0) or "login wall")
    if text and len(text) < MIN_FALLBACK_CHARS and (has_password or not has_container):
        # A few short lines outside any post container (login forms, error pages): not a post.
        raise ExtractionError(
            f"trafilatura found no article text (only {len(text)} characters of page chrome)"
        )
    if not text:
        raise ExtractionError("trafilatura found no article text and the fallbacks found none")

    if not published:
        published = _htmldate(root, date_flags)
        published_source = "htmldate" if published else None
        published, updated, more = check_dates(published, updated)
        date_flags.extend(more)
        if updated is None:
            updated_source = None

    language = find_language(root, ld, text, metas)

    return PostRecord(
        url=url,
        title=title,
        author=author,
        published=published,
        updated=updated,
        tags=tags,
        language=language,
        text=text,
        html=_with_media(_clean_html(html, url, drop), media) if html else "",
        comments=comments,
        published_source=published_source,
        updated_source=updated_source,
        date_flags=date_flags,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        canonical_url=canonical,
        wall_signs=signs,
    )


def _dense_script(node) -> bool:
    """Is the text under ``node`` mostly in a script written without spaces (Chinese,
    Japanese, Thai): far more words counted by character than by spaces?"""
    sample = _norm(node.text_content())[:4000] if node is not None else ""
    return word_count(sample) > 3 * max(len(re.findall(r"\w+", sample)), 10)


# Where lazy-load plugins put a picture while `src` holds a placeholder (a `data:` image):
# lazysizes and most plugins, WP Rocket, jQuery lazyload, others.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-lazy")


def _image_source(el) -> str:
    """An ``<img>``'s picture: its lazy-load source if it has one, else its ``src``."""
    for attr in _LAZY_SOURCES:
        value = (el.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return (el.get("src") or "").strip()


def _absolute_links(root, url: str) -> None:
    """Make links and image sources absolute against the page (or its ``<base href>``), in
    place. trafilatura resolves relative links against the site's root, not the page: a
    footnote ``#fn-1`` or ``photo.jpg`` beside ``/2024/05/post/`` would point elsewhere."""
    if not url:
        return
    base = page_base(root, url)
    for el in root.iter("a", "img"):
        for attr in ("href",) if el.tag == "a" else ("src", *_LAZY_SOURCES):
            value = el.get(attr)
            if value is None:
                continue
            value = value.strip()
            if not value or value.startswith(("data:", "javascript:", "mailto:", "tel:")):
                continue
            absolute = join_url(base, value)
            if absolute is None:
                del el.attrib[attr]
            elif absolute != value:
                el.set(attr, absolute)


# Containers that hold one image and its caption, and the captions' own markup (WordPress
# classic and block editor, Blogger's caption table, Ghost cards, Substack, Squarespace).
_FIGURE_CLASSES = frozenset(
    {
        "wp-caption", "tr-caption-container", "kg-image-card", "captioned-image-container",
        "image-block-wrapper", "sqs-block-image-figure", "wp-block-image",
    }
)  # fmt: skip
_CAPTION_CLASSES = frozenset(
    {
        "wp-caption-text", "wp-caption-dd", "wp-element-caption", "tr-caption", "image-caption",
        "gallery-caption", "blocks-gallery-item__caption",
    }
)  # fmt: skip
_ANCHOR_CHARS = 80
_SHORT_ANCHOR_CHARS = 30


@dataclass
class _Image:
    src: str
    alt: str
    caption: str
    anchor: str  # the end of the post's text before the image, _squash()ed ("" at the start)


def _has_class(el, names: frozenset) -> bool:
    """Whether `el` has one of these classes."""
    return not names.isdisjoint((el.get("class") or "").split())


def _tiny(img) -> bool:
    """An emoji, smiley or tracking pixel rather than a picture."""
    if _has_class(img, frozenset({"emoji", "wp-smiley", "wp-emoji"})):
        return True
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) <= 32:
            return True
    return False


@dataclass
class _Embed:
    """Something the post embedded (a video, a tweet, a map, a gist...): none of it is kept as
    it was (no frame, no script reaches the archive), so the HTML rendition says what was
    there and where it pointed."""

    kind: str  # "video", "audio", "map", "tweet", ..., "content" (another site's frame)
    url: str  # where it pointed (a video's own page rather than its player)
    title: str
    quote: list[str]  # the embed's own text as the page shows it (a tweet's), by paragraph
    caption: str
    anchor: str  # as _Image.anchor


_Media = _Image | _Embed

# Frames that are the page's machinery, not something the author embedded: share and like
# buttons, ads, tag managers.
_NOT_EMBEDS = (
    "facebook.com/plugins/like", "facebook.com/plugins/share_button", "facebook.com/plugins/follow",
    "facebook.com/plugins/page", "platform.twitter.com/widgets/", "widgets.wp.com/", "doubleclick.net/",
    "googlesyndication.com/", "amazon-adsystem.com/", "googletagmanager.com/", "blogger.com/comment",
    "blogger.com/navbar", "disqus.com/", "facebook.com/connect/",
)  # fmt: skip
# What an embed is, by where it points (the first match of its address)
_EMBED_KINDS = (
    ("youtube.com/", "video"), ("youtube-nocookie.com/", "video"), ("youtu.be/", "video"),
    ("vimeo.com/", "video"), ("dailymotion.com/", "video"), ("blogger.com/video", "video"),
    ("wistia.", "video"), ("loom.com/", "video"), ("twitch.tv/", "video"), ("ted.com/", "video"),
    ("facebook.com/plugins/video", "video"), ("spotify.com/", "audio"), ("soundcloud.com/", "audio"),
    ("bandcamp.com/", "audio"), ("mixcloud.com/", "audio"), ("podcasts.apple.com/", "audio"),
    ("anchor.fm/", "audio"), ("buzzsprout.com/", "audio"), ("google.com/maps", "map"),
    ("maps.google.", "map"), ("openstreetmap.org/", "map"), ("gist.github.com/", "GitHub gist"),
    ("twitter.com/", "tweet"), ("x.com/", "tweet"), ("instagram.com/", "Instagram post"),
    ("tiktok.com/", "TikTok video"), ("codepen.io/", "code"), ("docs.google.com/", "document"),
)  # fmt: skip
# Embeds that are a quotation in the page (the platform's script turns them into a frame)
_QUOTE_EMBEDS = {
    "twitter-tweet": "tweet", "twitter-video": "tweet", "instagram-media": "Instagram post",
    "tiktok-embed": "TikTok video",
}  # fmt: skip
_GENERIC_TITLES = re.compile(
    r"^(?:(?:youtube|vimeo) )?(?:video )?player$|^(?:embedded )?(?:i?frame|embed)$", re.I
)


def _embed_kind(url: str) -> str:
    lowered = url.lower()
    return next((kind for mark, kind in _EMBED_KINDS if mark in lowered), "content")


def _embed_link(src: str) -> str:
    """Where an embed's player pointed, as a reader would open it: a YouTube or Vimeo video's
    page, a Spotify item's page, a SoundCloud track, a gist (not its script); else ``src``."""
    try:
        parts = urlsplit(src)
    except ValueError:
        return src
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path
    query = parse_qs(parts.query)
    if host.endswith("embedly.com"):  # Medium's frames: the embedded address is a parameter
        for name in ("url", "src"):
            for value in query.get(name, []):
                if value.startswith(("http://", "https://")):
                    return _embed_link(value)
    if host in ("youtube.com", "youtube-nocookie.com", "m.youtube.com"):
        if path.startswith("/embed/"):
            video = path.removeprefix("/embed/").split("/")[0]
            if video == "videoseries" and query.get("list"):
                return f"https://www.youtube.com/playlist?list={query['list'][0]}"
            if re.fullmatch(r"[\w-]{6,}", video):
                return f"https://www.youtube.com/watch?v={video}"
    if host == "platform.twitter.com" and path.startswith("/embed/") and query.get("id"):
        # a tweet as its script rendered it (a page saved from a browser)
        return f"https://twitter.com/i/status/{query['id'][0]}"
    if host == "dailymotion.com" and path.startswith("/embed/video/"):
        return "https://www.dailymotion.com/video/" + path.removeprefix("/embed/video/")
    if host == "player.vimeo.com" and path.startswith("/video/"):
        video = path.removeprefix("/video/").split("/")[0]
        if video.isdigit():
            return f"https://vimeo.com/{video}"
    if host == "open.spotify.com":
        for prefix in ("/embed-podcast/", "/embed/"):
            if path.startswith(prefix):
                return "https://open.spotify.com/" + path.removeprefix(prefix)
    if host == "w.soundcloud.com":
        for value in query.get("url", []):
            if value.startswith(("http://", "https://")):
                return value
    if host == "gist.github.com" and path.endswith(".js"):
        return src.split("?")[0].removesuffix(".js") + (
            f"#file-{query['file'][0]}" if query.get("file") else ""
        )
    return src


def _absolute_http(base: str, value: str | None) -> str:
    value = (value or "").strip()
    if not value or value.startswith(("data:", "about:", "javascript:")):
        return ""
    absolute = join_url(base, value) or ""
    return absolute if absolute.startswith(("http://", "https://")) else ""


def _frame_source(el, base: str) -> str:
    for attr in ("data-src", "data-lazy-src", "src"):  # lazy-loaded frames keep it in data-src
        value = _absolute_http(base, el.get(attr))
        if value:
            return value
    return ""


def _quote_lines(el, kind: str) -> list[str]:
    """A quotation embed's text by paragraph, as the page shows it before the platform's
    script replaces it: a tweet's paragraphs and its "— Name (@handle) date" line."""
    paragraphs = [_norm(p.text_content()) for p in el.iter("p", "section")]
    paragraphs = [p for p in paragraphs if p]
    if kind == "tweet":
        rest = copy.deepcopy(el)
        for p in list(rest.iter("p")):
            _drop(p)
        attribution = _norm(rest.text_content())
        if attribution:
            paragraphs.append(attribution)
    if not paragraphs:
        paragraphs = [_norm(el.text_content())]
    return [p for p in paragraphs if p and p.casefold() != "view this post on instagram"]


def _embed_of(el, base: str) -> tuple[str, str, str, list[str]] | None:
    """(kind, address, title, quotation) of what ``el`` embeds, or None when it embeds
    nothing: a frame, a gist's script, an ``<audio>``/``<video>`` (its ``src`` or first
    ``<source>``), a tweet, Instagram or TikTok blockquote."""
    tag = el.tag
    if tag in ("iframe", "embed"):
        src = _frame_source(el, base)
        if not src or any(mark in src for mark in _NOT_EMBEDS):
            return None
        for attr in ("width", "height"):
            value = (el.get(attr) or "").strip().removesuffix("px")
            if value.isdigit() and int(value) <= 2:
                return None  # a tracking frame
        video = (el.get("youtube-src-id") or "").strip()  # Blogger's YouTube frames
        link = f"https://www.youtube.com/watch?v={video}" if video else _embed_link(src)
        title = _norm(el.get("title"))
        if _GENERIC_TITLES.match(title):
            title = ""
        return _embed_kind(link), link, title, []
    if tag == "script":
        src = _absolute_http(base, el.get("src"))
        if src and "gist.github.com/" in src:
            return "GitHub gist", _embed_link(src), "", []
        return None
    if tag in ("video", "audio"):
        src = _frame_source(el, base)
        if not src:
            src = next((s for s in (_frame_source(x, base) for x in el.iter("source")) if s), "")
        if not src:
            return None
        return tag, src, _norm(el.get("title")), []
    if tag == "blockquote":
        classes = (el.get("class") or "").split()
        kind = next((_QUOTE_EMBEDS[c] for c in classes if c in _QUOTE_EMBEDS), None)
        if kind is None:
            return None
        links = [_absolute_http(base, a.get("href")) for a in el.iter("a")]
        if kind == "tweet":  # the last link to a status: the date under the quoted text
            candidates = [x for x in links if re.search(r"/status(?:es)?/\d", x)][::-1]
        elif kind == "Instagram post":
            candidates = [_absolute_http(base, el.get("data-instgrm-permalink"))]
            candidates += [x for x in links if re.search(r"instagram\.com/(?:p|reel|tv)/", x)]
        else:
            candidates = [_absolute_http(base, el.get("cite"))]
        link = next((x for x in candidates if x), "")
        if not link:
            return None
        link = link.split("?")[0]  # ?ref_src=twsrc..., ?utm_source=ig_embed...
        return kind, link, "", _quote_lines(el, kind)
    return None


_EMBED_TAGS = frozenset({"iframe", "embed", "script", "video", "audio", "blockquote"})


def _post_media(root, url: str = "") -> list[_Media]:
    """The post's pictures with their captions, and what it embeds, each placed after the
    text it follows. Read from the cleaned tree before trafilatura, which keeps neither
    images, ``<figure>``s nor frames (with images on it also moves captions and alt texts into
    the text)."""
    scope = _main_node(root)
    base = page_base(root, url) if url else ""
    media: list[_Media] = []
    seen: set[str] = set()
    before = ""
    inside = None  # the figure container being walked (its caption is not running text)
    embedding = None  # the embed being walked (its own text is not the post's running text)
    for event, el in etree.iterwalk(scope, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if embedding is not None:
                continue
            if inside is None and (el.tag == "figure" or _has_class(el, _FIGURE_CLASSES)):
                inside = el
            if el.tag in _EMBED_TAGS:
                embed = _embed_of(el, base)
                if embed is not None:
                    embedding = el
                    kind, link, title, quote = embed
                    if link not in seen:
                        seen.add(link)
                        anchor = _squash(before)[-_ANCHOR_CHARS:]
                        media.append(_Embed(kind, link, title, quote, _caption(inside), anchor))
                    continue
            if el.tag == "img" and not _tiny(el):
                src = _image_source(el)
                if src.startswith(("http://", "https://")) and src not in seen:
                    seen.add(src)
                    caption = _caption(inside if inside is not None else el)
                    anchor = _squash(before)[-_ANCHOR_CHARS:]
                    media.append(_Image(src, _norm(el.get("alt")), caption, anchor))
            if inside is None and el.text and el.tag not in ("script", "style"):
                before = (before + " " + el.text)[-4 * _ANCHOR_CHARS :]
        else:
            if el is embedding:
                embedding = None
            elif embedding is not None:
                continue
            if el is inside:
                inside = None
            if inside is None and el.tail and el is not scope:
                before = (before + " " + el.tail)[-4 * _ANCHOR_CHARS :]
    return media


def _caption(container) -> str:
    """The caption in an image's or embed's container (``<figcaption>``, caption markup)."""
    if container is None:
        return ""
    return next(
        (
            _text_of(c)
            for c in container.iter()
            if isinstance(c.tag, str) and (c.tag == "figcaption" or _has_class(c, _CAPTION_CLASSES))
        ),
        "",
    )


def _media_element(item: _Media, whole: str):
    """The ``<figure>`` that stands for ``item`` in the HTML rendition (``whole``: the
    rendition's text, so that a caption or quotation it already holds is not repeated)."""
    figure = etree.Element("figure")
    if isinstance(item, _Image):
        etree.SubElement(figure, "img", src=item.src, **({"alt": item.alt} if item.alt else {}))
    else:
        if item.quote and not _quote_shown(item, whole):
            quote = etree.SubElement(figure, "blockquote")
            for line in item.quote:
                etree.SubElement(quote, "p").text = line
        label = etree.SubElement(figure, "p")
        label.text = f"Embedded {item.kind}" + (f" “{item.title}”: " if item.title else ": ")
        etree.SubElement(label, "a", href=item.url).text = item.url
    if item.caption and item.caption not in whole:
        etree.SubElement(figure, "figcaption").text = item.caption
    return figure


def _quote_shown(item: _Embed, whole: str) -> bool:
    """Whether the rendition already holds the embed's quotation (trafilatura keeps a tweet's
    blockquote that stands alone in the post, and drops one in a ``<figure>``)."""
    return bool(item.quote) and _norm(item.quote[0])[:200] in whole


def _with_media(html: str, media: list[_Media]) -> str:
    """``html`` (the sanitised rendition) with each picture (and its caption, unless the text
    already holds it) as a ``<figure>`` after the top-level block whose text its anchor ends,
    and each embed as a ``<figure>`` saying what was embedded and linking to it (a tweet's
    text as a quotation, when the rendition does not hold it yet; after it, when it does). An
    item whose text before it is not in the rendition is left out."""
    if not media or not html:
        return html
    try:
        node = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html
    blocks = list(node)
    whole = _norm(node.text_content())
    ends, joined = [], ""  # the blocks' texts, _squash()ed, end to end
    for block in blocks:
        joined += _squash(block.text_content())
        ends.append(len(joined))
    position, offset = 0, 0  # items keep their order: each goes at or after the previous one
    placed: list[tuple[int, lxml.html.HtmlElement]] = []
    for item in media:
        anchors: tuple[str, ...] = ()
        if isinstance(item, _Embed) and _quote_shown(item, whole):
            # after the quotation the rendition already holds
            anchors = (_squash(" ".join(item.quote))[-_ANCHOR_CHARS:],)
        elif item.anchor:
            # the longest end of the preceding text that the rendition holds (a short one
            # when a line just before the item was left out as clutter)
            anchors = (item.anchor, item.anchor[-_SHORT_ANCHOR_CHARS:])
        hit, anchor = -1, ""
        for anchor in anchors:
            hit = joined.find(anchor, offset)
            if hit >= 0:
                break
        if anchors and hit < 0:
            continue
        if anchors:
            offset = hit  # the next item may follow the same text
            position = next(i + 1 for i, end in enumerate(ends) if end >= hit + len(anchor))
        placed.append((position, _media_element(item, whole)))
    for index, figure in reversed(placed):
        node.insert(index, figure)
    inner = (node.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in node
    )
    return sanitise_html(inner)


def _drop(el) -> None:
    parent = el.getparent()
    if parent is not None:
        el.drop_tree()


def _htmldate(root, flags: list[str]) -> str | None:
    """htmldate's guess (the last resort: no feed, JSON-LD, meta, markup, URL or text date)."""
    try:
        from htmldate import find_date

        raw = find_date(root, original_date=True, extensive_search=False)
    except Exception:  # noqa: BLE001 - best effort
        return None
    value = normalise_date(raw)
    if value:
        reason = implausible(value)
        if reason:
            flags.append(f"published_{reason}:{raw}")
            return None
    return value
