"""Turn one saved blog page into a :class:`PostRecord` (title, author, dates, body, comments).

Pipeline: decode bytes -> parse (huge_tree, deep trees flattened) -> parse comments ->
remove non-content regions (comments, sidebars, widgets, pagers) -> read metadata ->
remove post furniture (share menus, footers, author boxes) -> trafilatura ``bare_extraction``
-> whole-line clutter filter -> fallbacks -> nh3-sanitised HTML rendition.

This module imports neither Scrapy nor click and can be used on its own.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import lxml.html
from lxml import etree

from pipeline.cleaning import (
    clean_text,
    decode_html,
    is_clutter_line,
    parse_html,
    remove_furniture,
    remove_noncontent,
)
from pipeline.sanitise import sanitise_html

__all__ = [
    "Comment",
    "ExtractionError",
    "PostRecord",
    "extract_post",
    "sanitise_html",
]

# trafilatura settings, chosen by bench/extraction.py (see its table): the pre-cleaned tree
# makes precision mode unnecessary, and balanced mode keeps recall on short posts.
FAVOR_PRECISION = False
FAVOR_RECALL = False
# Below this many characters a fallback result is not considered an article body.
MIN_FALLBACK_CHARS = 120


class ExtractionError(Exception):
    """The page has no extractable post body (the message says why)."""


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
        }


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


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
# Dates
# --------------------------------------------------------------------------------------------

_EPOCH_MS = re.compile(r"^\d{12,13}$")


def normalise_date(value) -> str | None:
    """Return ISO 8601 (a date, or a datetime keeping its offset) or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _norm(str(value))
    if not text:
        return None
    if _EPOCH_MS.match(text):
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).isoformat()
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
            return date.fromisoformat(iso).isoformat()
        return datetime.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    try:
        from dateutil import parser as dateparser
    except ImportError:  # pragma: no cover - dateutil ships with trafilatura's deps
        return None
    cleaned = re.sub(r"\b(at|um|à|às|a las)\b", " ", text, flags=re.I)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown tz names ("EST") are just dropped
            parsed = dateparser.parse(cleaned, fuzzy=False, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year < 1990 or parsed.year > 2100:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    return parsed.isoformat() if has_time else parsed.date().isoformat()


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

_BAD_AUTHORS = {"unknown", "admin", "administrator", "anonymous", "anónimo", "anonyme", "guest"}


def valid_author(name: str | None) -> str:
    name = _norm(name)
    name = re.sub(r"^(?:by|posted by|written by|von|par|por)\s*:?\s+", "", name, flags=re.I)
    name = name.strip(" ,|-–—:")
    low = name.lower()
    if (
        not name
        or low in _BAD_AUTHORS
        or "profile" in low
        or len(name) > 60
        or name.startswith(("http://", "https://", "@"))
        or not re.search(r"\w", name)
    ):
        return ""
    return name


def _meta(root, *keys: str) -> str:
    for key in keys:
        for attr in ("property", "name", "itemprop", "http-equiv"):
            hits = root.xpath(
                f"//meta[translate(@{attr},'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                f"'abcdefghijklmnopqrstuvwxyz')='{key}']/@content"
            )
            for hit in hits:
                if _norm(hit):
                    return _norm(hit)
    return ""


def _metas(root, key: str) -> list[str]:
    return [
        _norm(v)
        for v in root.xpath(f"//meta[@property='{key}' or @name='{key}']/@content")
        if _norm(v)
    ]


def site_name(root, ld: JsonLd) -> str:
    return (
        _meta(root, "og:site_name", "application-name")
        or ld.website_name()
        or _first(
            root,
            [
                f"//*[{_cls('widget')} and {_cls('Header')}]//h1",
                "//*[@id='header']//h1",
                f"//*[{_cls('site-title')}]",
                f"//*[{_cls('blog-title')}]",
            ],
        )
    )


_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", ": ", " :: ", " · ", " » ")


def strip_site_name(title: str, site: str) -> str:
    title = _norm(title)
    if not site:
        return title
    site_key = site.casefold()
    if title.casefold() == site_key:
        return ""
    for sep in _TITLE_SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.partition(sep)
        if head.strip().casefold() == site_key and tail.strip():
            return tail.strip()
        head, _, tail = title.rpartition(sep)
        if tail.strip().casefold() == site_key and head.strip():
            return head.strip()
    return title


_TITLE_XPATHS = [
    f"//*[self::h1 or self::h2 or self::h3][{_cls('post-title')}]",
    f"//h1[{_cls('entry-title')}]",
    f"//*[{_cls('post-title')}]",
    f"//*[{_cls('entry-title')}]",
    "//article//h1",
    f"//*[{_cls('post')} or {_cls('hentry')}]//h1",
]
_WIDGET_TITLES = {"followers", "popular posts", "blog archive", "labels", "about me", "archive"}


def find_title(root, ld: JsonLd, site: str) -> str:
    for xp in _TITLE_XPATHS:
        for el in root.xpath(xp):
            value = _text_of(el)
            if value and value.casefold() not in _WIDGET_TITLES and len(value) < 400:
                return value
    if ld.article:
        headline = ld.article.get("headline") or ld.article.get("name")
        if isinstance(headline, str) and _norm(headline):
            return _norm(headline)
    og = _meta(root, "og:title", "twitter:title")
    if og:
        stripped = strip_site_name(og, site)
        if stripped:
            return stripped
    head_title = _first(root, ["//head/title", "//title"])
    return strip_site_name(head_title, site) if head_title else ""


_AUTHOR_XPATHS = [
    f"//*[{_cls('post-author')}]//*[{_cls('fn')}]",
    f"//*[{_cls('author')} and {_cls('vcard')}]//*[{_cls('fn')}]",
    f"//*[{_cls('byline')}]//*[{_cls('author')}]//*[@itemprop='name']",
    "//a[@rel='author']",
    f"//*[{_cls('byline')}]//*[{_cls('author')}]",
    "//*[@itemprop='author']//*[@itemprop='name']",
]


def find_author(root, ld: JsonLd) -> str:
    if ld.article:
        for name in _jsonld_names(ld, ld.article.get("author")):
            if valid_author(name):
                return valid_author(name)
    for xp in _AUTHOR_XPATHS:
        for el in root.xpath(xp):
            name = valid_author(_text_of(el))
            if name:
                return name
    return valid_author(_meta(root, "author", "article:author", "dc.creator"))


def _attr_dates(root, xpaths: list[str]) -> str | None:
    for xp in xpaths:
        for hit in root.xpath(xp):
            value = normalise_date(hit if isinstance(hit, str) else _text_of(hit))
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
]
_UPDATED_XPATHS = [
    f"//time[{_cls('updated')}]/@datetime",
    "//*[@itemprop='dateModified']/@datetime",
    "//*[@itemprop='dateModified']/@content",
    f"//abbr[{_cls('updated')}]/@title",
]


def find_dates(root, ld: JsonLd) -> tuple[str | None, str | None]:
    published = updated = None
    if ld.article:
        published = normalise_date(ld.article.get("datePublished") or ld.article.get("dateCreated"))
        updated = normalise_date(ld.article.get("dateModified"))
    published = published or normalise_date(_meta(root, "article:published_time"))
    updated = updated or normalise_date(_meta(root, "article:modified_time", "og:updated_time"))
    published = published or _attr_dates(root, _PUBLISHED_XPATHS)
    updated = updated or _attr_dates(root, _UPDATED_XPATHS)
    return published, updated


def _post_scope(root):
    scopes = root.xpath(
        f"//*[{_cls('post')} or {_cls('hentry')} or {_cls('post-outer')}][1] | //article[1]"
    )
    return scopes[0] if scopes else root


def find_tags(root, ld: JsonLd) -> list[str]:
    scope = _post_scope(root)
    tags: list[str] = []
    tags += [_text_of(a) for a in root.xpath(f"//*[{_cls('post-labels')}]//a")]
    tags += [_text_of(a) for a in scope.xpath(".//a[contains(concat(' ', @rel, ' '), ' tag ')]")]
    if not tags:
        tags += [_text_of(a) for a in root.xpath("//a[contains(concat(' ', @rel, ' '), ' tag ')]")]
    tags += _metas(root, "article:tag")
    if ld.article:
        keywords = ld.article.get("keywords")
        if isinstance(keywords, str):
            tags += [k for k in keywords.split(",")]
        elif isinstance(keywords, list):
            tags += [k for k in keywords if isinstance(k, str)]
    return _dedupe(tags)


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


def detect_language(text: str) -> str | None:
    words = re.findall(r"[^\W\d_]+", text.lower())[:2000]
    if len(words) < 8:
        return None
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPSETS.items()}
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < max(3, len(words) * 0.05) or ranked[0] < ranked[1] * 1.3:
        return None
    return best


def find_language(root, ld: JsonLd, text: str) -> str | None:
    candidates = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        _meta(root, "og:locale"),
        _meta(root, "content-language", "language", "dc.language"),
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
    f" or {_cls('comment-edit-link')} or {_cls('blog-admin')} or {_cls('thread-toggle')}]"
    " | .//script | .//style | .//form | .//button"
)
_COMMENT_JUNK_LINES = {"reply", "delete", "replies", "says:", "said...", "edit", "report"}


def _comment_text(el) -> str:
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
    return "\n".join(ln for ln in lines if ln and ln.lower() not in _COMMENT_JUNK_LINES)


def _showcomment_date(el) -> str | None:
    for href in el.xpath(".//a/@href"):
        query = parse_qs(urlsplit(href).query)
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
                if _cls_in(child, "comment-footer") or _cls_in(child, "comment-timestamp"):
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


def _cls_in(el, name: str) -> bool:
    return name in (el.get("class") or "").split()


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
        content = body.xpath(f".//*[{_cls('comment-content')}]")
        if not content:
            content = [
                p.getparent() for p in body.xpath("./p[1]") if p.getparent() is not None
            ] or [None]
        parent_li = li.xpath(f"ancestor::li[{_cls('comment')} and starts-with(@id,'comment-')][1]")
        parent = _key_from_id(parent_li[0].get("id"), "comment-") if parent_li else None
        text = _comment_text(content[0])
        if text:
            out.append(Comment(_norm(author), published, text, parent or None, key))
    return out


def _microdata(root) -> list[Comment]:
    out: list[Comment] = []
    nodes = root.xpath("//*[contains(@itemtype, 'schema.org/Comment')]")
    ids = {id(n): n for n in nodes}
    for node in nodes:
        author = _first(
            node,
            [
                ".//*[@itemprop='author']//*[@itemprop='name']",
                ".//*[@itemprop='author']",
            ],
        )
        published = _attr_dates(
            node,
            [
                ".//*[@itemprop='dateCreated' or @itemprop='datePublished']/@datetime",
                ".//*[@itemprop='dateCreated' or @itemprop='datePublished']/@content",
                ".//*[@itemprop='dateCreated' or @itemprop='datePublished']",
            ],
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


def parse_comments(root) -> list[Comment]:
    """Comments from Blogger (threaded and classic), WordPress, else schema.org microdata."""
    for parser in (_blogger_threaded, _wordpress, _blogger_classic, _microdata):
        comments = parser(root)
        if comments:
            return comments
    return []


# --------------------------------------------------------------------------------------------
# Body extraction
# --------------------------------------------------------------------------------------------


def _trafilatura(tree, url: str):
    from trafilatura import bare_extraction

    try:
        return bare_extraction(
            tree,
            url=url or None,
            include_comments=False,
            with_metadata=True,
            include_tables=True,
            include_links=True,
            include_formatting=True,
            include_images=False,
            favor_precision=FAVOR_PRECISION,
            favor_recall=FAVOR_RECALL,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        return None


def _document_text(document) -> str:
    from trafilatura.xml import xmltotxt

    if document is None or document.body is None:
        return ""
    body = copy.deepcopy(document.body)
    # Links are extracted for the HTML rendition; in plain text they would add their URLs.
    etree.strip_tags(body, "ref")
    for graphic in body.xpath(".//graphic"):
        graphic.getparent().remove(graphic)
    return xmltotxt(body, False) or ""


def _document_html(document) -> str:
    from trafilatura.htmlprocessing import build_html_output

    try:
        doc = copy.copy(document)
        doc.body = copy.deepcopy(document.body)
        return build_html_output(doc)
    except Exception:  # noqa: BLE001 - fall back to the plain text rendition
        return ""


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
    if not fragment:
        return ""
    try:
        node = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return sanitise_html(fragment)
    drop_keys = {_norm(d).casefold() for d in (drop or ()) if d}
    for el in node.xpath(".//p | .//li | .//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6"):
        if el.getparent() is None:
            continue
        content = _norm(el.text_content())
        if (
            is_clutter_line(content)
            or content.casefold() in drop_keys
            or (not content and not el.xpath(".//img"))
        ):
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
_ARTICLE_CONTAINERS = (
    f"//article | //main | //*[@itemprop='articleBody'] | //*[{_cls('post-body')}]"
    f" | //*[{_cls('entry-content')}] | //*[{_cls('post-content')}] | //*[{_cls('hentry')}]"
)


def extract_post(
    page: str | bytes,
    url: str,
    *,
    hints: dict | None = None,
    encoding: str | None = None,
) -> PostRecord:
    """Extract one post page; raises :class:`ExtractionError` when there is no body text."""
    hints = hints or {}
    text_in = decode_html(page, encoding)
    if not text_in.strip():
        raise ExtractionError("empty page")
    if not _HTML_SNIFF.search(text_in[:65536]):
        raise ExtractionError("not HTML: no HTML elements found")
    root = parse_html(text_in)
    if root is None:
        raise ExtractionError("not HTML: lxml could not parse the page")

    comments = parse_comments(root)
    ld = _load_jsonld(root)

    meta_tree = copy.deepcopy(root)
    remove_noncontent(meta_tree)
    site = site_name(root, ld)

    content_tree = copy.deepcopy(meta_tree)
    remove_furniture(content_tree)
    for el in content_tree.xpath("//script[not(contains(@type, 'ld+json'))] | //style"):
        el.drop_tree()

    document = _trafilatura(copy.deepcopy(content_tree), url)

    title = _norm(hints.get("title")) or find_title(meta_tree, ld, site)
    if not title and document is not None and document.title:
        title = strip_site_name(document.title, site)
    # The title is its own field: a heading line repeating it is not body text.
    drop = {title, _norm(document.title) if document is not None else ""}

    text = clean_text(_document_text(document), drop)
    html = _document_html(document) if text else ""
    if not text:
        fb_text, fb_html = _fallback(content_tree)
        fb_text = clean_text(fb_text, drop)
        if len(fb_text) >= MIN_FALLBACK_CHARS:
            text, html = fb_text, fb_html
    if (
        text
        and len(text) < MIN_FALLBACK_CHARS
        and (root.xpath("//input[@type='password']") or not content_tree.xpath(_ARTICLE_CONTAINERS))
    ):
        # A few short lines outside any post container (login forms, error pages): not a post.
        raise ExtractionError(
            f"trafilatura found no article text (only {len(text)} characters of page chrome)"
        )
    if not text:
        raise ExtractionError("trafilatura found no article text and the fallbacks found none")

    author = valid_author(hints.get("author")) or find_author(meta_tree, ld)
    if not author and document is not None:
        author = valid_author(document.author)

    published, updated = find_dates(meta_tree, ld)
    published = normalise_date(hints.get("published")) or published
    updated = normalise_date(hints.get("updated")) or updated
    if not published and document is not None and document.date:
        published = normalise_date(document.date)

    tags = find_tags(meta_tree, ld)
    hint_tags = hints.get("tags") or []
    if isinstance(hint_tags, str):
        hint_tags = [hint_tags]
    tags = _dedupe([*hint_tags, *tags])

    language = find_language(root, ld, text)

    return PostRecord(
        url=url,
        title=title,
        author=author,
        published=published,
        updated=updated,
        tags=tags,
        language=language,
        text=text,
        html=_clean_html(html, url, drop) if html else "",
        comments=comments,
    )
