"""Decoding, parsing and platform-clutter removal ahead of article extraction.

Everything here works on blog-platform *markup* (class names, ids, element types that Blogger,
WordPress/Jetpack, Substack, Medium, Ghost and common static-site themes emit), never on the
wording of particular pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import lxml.html
from lxml import etree

from pipeline.encoding import decode_page
from pipeline.store import word_count

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------


def decode_html(page: str | bytes, encoding: str | None = None) -> str:
    """Decode page bytes: BOM, then ``encoding`` (HTTP header), then ``<meta charset>``,
    then UTF-8, then statistical detection; never raises on bad bytes. See
    :func:`pipeline.encoding.decode_page` for the decision and its record."""
    return decode_page(page, encoding).text


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


_DEEPER_THAN: dict[int, etree.XPath] = {}


def _deeper_than(root, max_depth: int) -> bool:
    """Is any element deeper than ``max_depth`` (the root element is depth 0)? One libxml2
    XPath walk, level by level, instead of a Python walk over every node."""
    xp = _DEEPER_THAN.get(max_depth)
    if xp is None:
        xp = _DEEPER_THAN[max_depth] = etree.XPath(
            "boolean(/" + "/".join(["*"] * (max_depth + 2)) + ")"
        )
    return bool(xp(root))


def flatten_deep(root, max_depth: int = MAX_DEPTH) -> int:
    """Unwrap wrapper elements that sit deeper than ``max_depth``; returns how many."""
    if not _deeper_than(root, max_depth):
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
    "comment-form", "commentlist", "comment-list", "wp-block-comments",
    "wp-block-comments-query-loop",
    # pagers / navigation between posts
    "blog-pager", "post-navigation", "nav-links", "navigation", "post-nav", "pagination",
    # sidebars and widgets
    "sidebar", "sidebar-container", "widget-area", "sidebar-wrapper",
    # related posts
    "jp-relatedposts", "related-posts", "relatedposts", "yarpp-related", "crp_related",
    # subscription / newsletter prompts (Substack, Ghost, Medium)
    "subscribe-widget", "subscription-widget-wrap", "subscription-widget", "gh-subscribe",
    "gh-post-upgrade-cta", "kg-signup-card", "post-upgrade-cta", "subscribe-footer",
    "subscribe-prompt", "share-dialog", "footer-cta", "gh-cta", "gh-article-cta",
    "kg-cta-card", "newsletter-signup", "newsletter-form", "mc4wp-form", "jetpack_subscription_widget",
    "wp-block-jetpack-subscriptions", "affiliate-disclosure", "affiliate-disclaimer",
    "read-next",
    # related posts and comment areas of Hatena Blog, Ameba, Tistory, Naver Blog, CSDN, note
    "hatena-module-related-entries", "related-entries", "skin-recommendArea", "related-articles",
    "recommend-box", "o-recommendNote", "skin-commentArea", "u_cbox", "comment-box",
    # ads, whose text rotates on every fetch: AdSense (and its auto ads), ad networks' and
    # themes' ad slots (Ad Inserter's `.code-block-N` blocks: see _AD_INSERTER_BLOCK)
    "adsbygoogle", "google-auto-placed", "advertisement", "advertisements", "adsense",
    "ad-container", "ad-wrapper", "ad-slot", "ad-unit", "adthrive-ad", "mv-ad-box",
    "ezoic-ad", "ai-viewport-1", "ai-viewport-2", "ai-viewport-3",
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
    "gh-post-footer", "captioned-button-wrap", "subscription-widget-wrap-editor",
    "gh-article-meta", "gh-article-meta-content", "article-byline", "speechify-ignore",
    "pw-multi-vote-count", "reading-time", "post-reading-time", "wpcom-reblog-snippet",
    "post-likes-widget-placeholder", "copyright", "site-info",
    # share bars and reactions outside the English-speaking world: Ya.share (Russian
    # WordPress), Hatena Blog, Ameba, note, Tistory, Naver Blog, CSDN
    "ya-share2", "social-buttons", "hatena-star-container", "entry-footer-html",
    "skin-reactionArea", "skin-shareArea", "skin-followArea", "o-noteContentFooter",
    "container_postbtn", "another_category", "revenue_unit_wrap", "post-btn",
    "wrap_postcomment", "more-toolbox-new", "article-copyright",
    # counters that change on every fetch: Post Views Counter, WP-PostViews and themes' view
    # counts, Reading Time WP, Amazon affiliate boxes' "Last update on ..." notice
    "post-views", "post-views-count", "view-count", "views-count", "post-view-count",
    "entry-views", "span-reading-time", "rt-reading-time", "aawp-disclaimer",
    "aawp-product__pricing", "aawp-product__price",
)  # fmt: skip
_FURNITURE_IDS = ("share-buttons", "jp-post-flair", "likes-other-gravatars")
# Medium marks its chrome with data-testid (claps, responses, share, "Follow", read time).
_FURNITURE_TESTID_VALUES = (
    "headerClapButton", "footerClapButton", "storyReadTime", "publishDate", "authorName",
    "authorPhoto", "headerSocialShareButton", "footerSocialShareButton", "audioPlayButton",
    "headerBookmarkButton", "footerBookmarkButton", "responsesButton", "followButton",
)  # fmt: skip
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
    """Remove every element ``xpath`` selects (except html/body), keeping tails."""
    removed = 0
    for el in root.xpath(xpath):
        parent = el.getparent()
        if parent is None or el.tag in ("html", "body"):
            continue
        _drop_keep_tail(el)
        removed += 1
    return removed


def _remove_matching(root, match) -> int:
    """One pass over the tree: remove the outermost elements for which ``match(el, classes)``
    is true (html/body never). Much cheaper than evaluating a large XPath union of
    ``contains(concat(' ', normalize-space(@class), ' '), ...)`` tests on every element."""
    hits = []
    skip_until = None  # an element already selected: its descendants are skipped
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if skip_until is not None:
            if _is_descendant(el, skip_until):
                continue
            skip_until = None
        cls = el.get("class")
        if match(el, tag, frozenset(cls.split()) if cls else _EMPTY):
            if tag in ("html", "body"):
                continue
            hits.append(el)
            skip_until = el
    for el in hits:
        _drop_keep_tail(el)
    return len(hits)


_EMPTY: frozenset = frozenset()


def _is_descendant(el, ancestor) -> bool:
    parent = el.getparent()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.getparent()
    return False


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


_NONCONTENT_CLASS_SET = frozenset(_NONCONTENT_CLASSES)
_NONCONTENT_ID_SET = frozenset((*_NONCONTENT_IDS, "comment-editor", "comment-holder"))
_WIDGET_SET = frozenset(BLOGGER_SIDE_WIDGETS)
_FURNITURE_CLASS_SET = frozenset(_FURNITURE_CLASSES)
_FURNITURE_ID_SET = frozenset(_FURNITURE_IDS)
_FURNITURE_TAG_SET = frozenset(_FURNITURE_TAGS)
_FURNITURE_TESTIDS = frozenset(_FURNITURE_TESTID_VALUES)


_AD_INSERTER_BLOCK = re.compile(r"code-block-\d+")


def _in_post_container(el) -> bool:
    """Is ``el`` inside the post's own content (page builders such as SiteOrigin's lay a post
    out as WordPress widgets: ``.so-panel.widget.widget_sow-editor``)?"""
    return any(
        not _POST_CONTAINER_CLASSES.isdisjoint((parent.get("class") or "").split())
        for parent in el.iterancestors()
    )


def _is_noncontent(el, tag: str, classes: frozenset) -> bool:
    if classes and (
        not classes.isdisjoint(_NONCONTENT_CLASS_SET)
        or ("widget" in classes and not classes.isdisjoint(_WIDGET_SET))
        or (
            "widget" in classes
            and any(c.startswith("widget_") for c in classes)
            and not _in_post_container(el)
        )
        or ("code-block" in classes and any(_AD_INSERTER_BLOCK.fullmatch(c) for c in classes))
    ):
        return True
    ident = el.get("id")
    return ident is not None and ident in _NONCONTENT_ID_SET


def _is_small_form(el) -> bool:
    if el.find(".//article") is not None:
        return False
    return not any(len(" ".join(p.text_content().split())) > 200 for p in el.iter("p"))


def _is_furniture(el, tag: str, classes: frozenset) -> bool:
    if tag in _FURNITURE_TAG_SET:
        return True
    if classes and not classes.isdisjoint(_FURNITURE_CLASS_SET):
        return True
    ident = el.get("id")
    if ident is not None and ident in _FURNITURE_ID_SET:
        return True
    testid = el.get("data-testid")
    if testid is not None and testid in _FURNITURE_TESTIDS:
        return True
    return tag == "form" and _is_small_form(el)


def remove_noncontent(root) -> int:
    """Remove comments, pagers, sidebars, widgets, other posts' teasers (in place)."""
    return _remove_matching(root, _is_noncontent) + remove_other_posts(root)


def remove_furniture(root) -> int:
    """Remove share menus, like buttons, post footers, author boxes, forms and headings'
    permalink anchors (in place)."""
    return _remove_matching(root, _is_furniture) + remove_heading_anchors(root)


_WORD = re.compile(r"\w")


def remove_heading_anchors(root) -> int:
    """Remove the permalink anchors static-site generators put in headings (Hugo, Jekyll,
    MkDocs, Sphinx, GitHub-style themes: ``<h2>Route<a href="#route">#</a></h2>``, or ``¶``,
    ``§``, an icon): a link to the heading itself with no word in it. Without this the
    heading read "Route#"."""
    removed = 0
    for heading in root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        for link in list(heading.iter("a")):
            href = (link.get("href") or "").strip()
            if href.startswith("#") and not _WORD.search(link.text_content()):
                _drop_keep_tail(link)
                removed += 1
    return removed


_POST_CONTAINER_CLASSES = frozenset(
    {"post-body", "entry-content", "article-content", "post-content", "hentry", "post"}
)


def unwrap_content_noscript(root) -> int:
    """Unwrap ``<noscript>`` blocks that hold the post itself (Blogger Dynamic Views and other
    script-rendered themes serve the article there for clients without JavaScript); tracking
    pixels and "enable JavaScript" notes stay inside and are dropped later."""
    unwrapped = 0
    for el in list(root.iter("noscript")):
        if el.getparent() is None:
            continue
        holds_post = any(
            not _POST_CONTAINER_CLASSES.isdisjoint((d.get("class") or "").split())
            for d in el.iter()
            if isinstance(d.tag, str)
        )
        if holds_post or len(" ".join(el.text_content().split())) > 400:
            el.drop_tag()
            unwrapped += 1
    return unwrapped


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none\s*(?:!important\s*)?;?", re.I)
_SPOILER_LEVELS = 4  # the hidden block, and up to three of its ancestors


def _is_spoiler(el) -> bool:
    """Whether hidden ``el`` is text a reader shows with a click: inside a spoiler's markup
    (a class naming it), or just after a button or link whose script sets ``display``
    (Blogger's spoiler snippet), it or one of its nearest ancestors."""
    node = el
    for _ in range(_SPOILER_LEVELS):
        if node is None or not isinstance(node.tag, str) or node.tag in ("body", "html"):
            return False
        if "spoiler" in (node.get("class") or "").lower():
            return True
        before = node.getprevious()  # the toggle stands just before the block it shows
        if before is not None and isinstance(before.tag, str):
            for toggle in before.iter("input", "button", "a"):
                if "display" in (toggle.get("onclick") or "").lower():
                    return True
        node = node.getparent()
    return False


def show_spoilers(root, post_scope: Callable[[Any], Any]) -> int:
    """Un-hide, in place, the blocks of the post that a reader shows by clicking "Show" /
    "Click to show" (see :func:`_is_spoiler`): their ``display: none`` is taken off, else
    trafilatura drops them as hidden. Other hidden blocks stay hidden. ``post_scope(root)``
    finds the post's element; it is asked only on a page with a spoiler, since finding it
    costs more than the rest. Returns how many."""
    spoilers = [
        el
        for el in root.xpath("//*[contains(translate(@style, ' ', ''), 'display:none')]")
        if _is_spoiler(el)
    ]
    if not spoilers:
        return 0
    scope = post_scope(root)
    if scope is None:
        return 0
    shown = 0
    for el in spoilers:
        if not any(a is scope for a in el.iterancestors()):
            continue  # a sidebar's or a menu's hidden block
        style = _HIDDEN_STYLE.sub("", el.get("style") or "").strip()
        if style:
            el.set("style", style)
        else:
            del el.attrib["style"]
        shown += 1
    return shown


_CF_PROTECTED_HREF = "/cdn-cgi/l/email-protection"


def cloudflare_address(encoded: str) -> str | None:
    """The e-mail address Cloudflare's e-mail protection hid in ``encoded`` (a
    ``data-cfemail`` value or the fragment of a ``/cdn-cgi/l/email-protection#...`` link): a
    key byte, then each byte of the UTF-8 address XOR the key, all in hex. None when it is not
    such a value (odd length, not hex, not UTF-8, control characters)."""
    encoded = (encoded or "").strip()
    if len(encoded) < 4 or len(encoded) % 2:
        return None
    try:
        raw = bytes.fromhex(encoded)
        address = bytes(b ^ raw[0] for b in raw[1:]).decode("utf-8")
    except ValueError:
        return None
    if not address.strip() or any(c < " " or c == "\x7f" for c in address):
        return None
    return address


def decode_cloudflare_emails(root) -> int:
    """Put back the e-mail addresses Cloudflare's e-mail protection replaced, in place, as the
    page's own script shows them to its readers: an element with ``data-cfemail`` (its text
    "[email protected]") gets the address as its text (and its link, ``mailto:`` it), and a
    link to
    ``/cdn-cgi/l/email-protection#HEX`` becomes ``mailto:`` the address (its text, when it
    is the placeholder, the address too). Returns how many were decoded. Cloudflare picks a new
    key for every response: the decoded address is the same on every fetch."""
    decoded = 0
    for el in root.xpath("//*[@data-cfemail]"):
        address = cloudflare_address(el.get("data-cfemail"))
        if address is None:
            continue
        for child in list(el):
            _drop_keep_tail(child)
        el.text = address
        del el.attrib["data-cfemail"]
        decoded += 1
        link = el if el.tag == "a" else el.getparent()
        if link is not None and link.tag == "a":
            if (link.get("href") or "").partition("#")[0].endswith(_CF_PROTECTED_HREF):
                link.set("href", f"mailto:{address}")
    for link in root.xpath(f"//a[contains(@href, '{_CF_PROTECTED_HREF}')]"):
        href = link.get("href") or ""
        path, _, fragment = href.partition("#")
        if not path.endswith(_CF_PROTECTED_HREF):
            continue
        address = cloudflare_address(fragment)
        if address is None:
            continue
        link.set("href", f"mailto:{address}")
        decoded += 1
        if "email protected" in " ".join(link.text_content().split()).lower():
            for child in list(link):
                _drop_keep_tail(child)
            link.text = address
    return decoded


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
    "member-only story", "follow", "listen", "subscribe now",
    "all rights reserved.", "all rights reserved", "published with ghost", "sign up", "sign in",
    "subscribe to newsletter", "give a gift subscription", "keep reading", "ready for more?",
    "discover more from", "type your email...", "continue reading",
}  # fmt: skip
# The same bars, menus and prompts in the languages of the platforms most used outside the
# English-speaking world (Blogger's and WordPress's own translations; Hatena Blog, Ameba,
# note, Livedoor, Naver, Tistory, CSDN, Typecho, LiveJournal).
CLUTTER_LINES |= {
    # German, French, Spanish (Blogger and Jetpack)
    "link abrufen", "kommentar veröffentlichen", "weitere apps", "neuerer post", "älterer post",
    "startseite", "teilen", "antworten", "löschen", "kommentare", "beliebte posts",
    "blog-archiv", "missbrauch melden", "posts abonnieren (atom)", "kommentare zum post (atom)",
    "hinterlasse einen kommentar", "teilen mit:", "gefällt mir:", "wird geladen …",
    "obtenir le lien", "publier un commentaire", "autres applications", "article plus récent",
    "articles plus récents", "article plus ancien", "articles plus anciens", "accueil",
    "partager", "répondre", "supprimer", "commentaires", "laisser un commentaire", "partager :",
    "j’aime :", "j'aime :", "chargement…", "articles les plus consultés", "archives du blog",
    "signaler un abus", "obtener enlace", "obtener el enlace", "publicar un comentario",
    "otras aplicaciones", "entrada más reciente", "entrada antigua", "entradas más recientes",
    "entradas antiguas", "página principal", "compartir", "responder", "eliminar",
    "comentarios", "deja un comentario", "compartir esto:", "me gusta esto:", "cargando...",
    "entradas populares", "archivo del blog", "denunciar abuso",
    # Russian and Ukrainian (WordPress, LiveJournal, Ya.share)
    "поделиться", "поделиться:", "поделиться ссылкой:", "нравится", "нравится:",
    "комментарии", "добавить комментарий", "оставить комментарий", "оставьте комментарий",
    "ответить", "похожие записи", "читать далее", "подписаться", "поділитися",
    # Arabic and Hebrew (Blogger)
    "الحصول على الرابط", "إرسال تعليق", "تطبيقات أخرى", "رسالة أحدث", "رسالة أقدم",
    "الصفحة الرئيسية", "مشاركة", "التعليقات", "لا توجد تعليقات:", "קבלת קישור", "פרסום תגובה",
    "אפליקציות אחרות", "רשומה חדשה יותר", "רשומה ישנה יותר", "דף הבית", "שיתוף", "תגובות",
    # Japanese (Hatena Blog, Ameba, note, Livedoor)
    "コメント", "コメントを書く", "コメントする", "コメント投稿", "この記事をシェアする",
    "この記事をシェア", "シェアする", "シェア", "読者になる", "読者です", "関連記事", "ツイート",
    "はてなブックマークに追加", "いいね！", "リブログ", "フォロー", "フォローする", "前の記事",
    "次の記事", "次の記事へ", "前の記事へ", "スキ", "サポート",
    "この記事が気に入ったらサポートをしてみませんか？", "広告を非表示にする", "もっと見る",
    # Korean (Naver Blog, Tistory)
    "공감", "댓글", "공유하기", "구독하기", "이웃추가", "관련글", "좋아요", "신고하기", "답글",
    # Chinese (CSDN, WordPress, Typecho)
    "分享", "分享到：", "分享到:", "点赞", "收藏", "评论", "发表评论", "添加新评论", "回复",
    "相关文章", "相关推荐", "关注", "举报", "阅读全文",
}  # fmt: skip
_CLUTTER_PATTERNS = [
    # reading time: "5 min read", "— 4 min read", "Reading time: 3 minutes", "6 minute read"
    re.compile(r"^[\W_]*\d+\s*(?:min|mins|minute|minutes)\.?\s+read[\W_]*$", re.I),
    re.compile(r"^(?:estimated\s+)?reading time:?\s*\d+\s*(?:min|mins|minutes?)\.?$", re.I),
    # copyright lines: "© 2024 Hedgerow Notes", "© Reuters", "... All rights reserved."
    # ("Copyright 2019 Foo", "copyright Inexhibit": see _COPYRIGHT_WORD)
    re.compile(r"^©[^\n]{0,120}$"),
    re.compile(
        r"^[^\n]{0,80}\b(?:19|20)\d{2}\b[^\n]{0,60}(?:all rights reserved|alle rechte"
        r" vorbehalten|tous droits réservés|todos los derechos reservados|все права"
        r" защищены)\.?$",
        re.I,
    ),
    # Chinese copyright notices ("版权声明：本文为博主原创文章……")
    re.compile(r"^(?:版权声明|版權聲明|著作权归作者所有)[:：][^\n]{0,200}$"),
    # Tistory's "'Category' 카테고리의 다른 글" (the category's other posts)
    re.compile(r"^'[^\n]{1,60}' 카테고리의 다른 글$"),
    # affiliate notices
    re.compile(r"^[^\n]{0,60}\bas an amazon associate\b[^\n]{0,200}$", re.I),
    re.compile(
        r"^(?:disclosure:?\s*)?(?:this|the) (?:post|article|page) (?:may )?contains? affiliate"
        r"\b[^\n]{0,250}$",
        re.I,
    ),
    re.compile(r"^(?:affiliate )?disclosure:[^\n]{0,200}\baffiliate\b[^\n]{0,200}$", re.I),
    # newsletter prompts (short lines only)
    re.compile(
        r"^(?:thanks for reading\b[^\n]{0,120}\bsubscribe\b|subscribe (?:to (?:my|our|the)\b[^\n]{0,30}\b(?:newsletter|blog|mailing list|posts)|for free|now)\b"
        r"|sign up for (?:our|my|the)\b[^\n]{0,40}\bnewsletter|join \d[\d,]* other subscribers"
        r"|enter your email(?: address)? to (?:subscribe|follow)|get new posts by email"
        r"|subscribe to get the latest posts)[^\n]{0,160}$",
        re.I,
    ),
    re.compile(r"^liked by \d[\d,]*\s+(?:people|person|bloggers?)$", re.I),
    re.compile(r"^\d+\s+(?:comments?|likes?|shares?):?$", re.I),
    re.compile(r"^(?:one|no) comments?:?$", re.I),
    re.compile(r"^click to (?:share|email|print)\b.*\(opens in new window\)$", re.I),
    # Amazon's notices beside affiliate product boxes, whose date and price change daily:
    # "Last update on 2024-05-17 / Affiliate links / Images from Amazon Product Advertising
    # API", "Price: $19.99 (as of 05/17/2024 14:03 GMT - Details)"
    re.compile(r"^last updated? on [^\n]{1,40}\baffiliate links\b[^\n]{0,100}$", re.I),
    re.compile(
        r"^(?:price:?\s*)?[^\n]{0,20}[$£€¥]\s?\d[\d.,]*[^\n]{0,20}\(as of [^)\n]{0,40}"
        r"\d{1,2}:\d{2}[^)\n]{0,40}\)[^\n]{0,40}$",
        re.I,
    ),
]

# Lines a page prints about the post, not in it, which change from one fetch to the next: view
# and other counters ("1,234 views", "Views: 1,234", "Hits: 57", "This post has been viewed
# 1,234 times."), relative dates ("Posted 3 hours ago", "Updated: 5 minutes ago"), and meta
# lines made of those with a reading time or a word count ("4 minute read · 813 words"). Such
# a line is clutter at the start or end of the text or beside other clutter; alone between two
# of the author's paragraphs it is the author's (see clutter_flags).
_COUNT = r"\d[\d,.\u00a0\u202f]*\s?[km]?"
_COUNTED = (
    r"views?|hits|reads|visits|pageviews|page views|visitors|words|comments?|responses|"
    r"replies|likes?|shares?|reactions|claps|restacks"
)
_POSTED = r"(?:posted|published|updated|last updated|modified|last modified|edited)\s*:?\s*"
_UNITS = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
_VOLATILE_ITEMS = re.compile(
    "|".join(
        [
            rf"(?:post |page |total )?(?:views|hits|reads|visits|pageviews|page views)\s*:?\s*{_COUNT}",
            rf"{_COUNT}\s*(?:{_COUNTED})",
            rf"(?:this (?:post|article|page|entry) has been )?(?:viewed|read|visited)\s+"
            rf"{_COUNT}\s+times?\.?",
            # "3 hours ago", "Posted 3 hours ago by Mara", "Updated about an hour ago"
            rf"(?:{_POSTED})?(?:about |over |almost |nearly )?\d+\s+{_UNITS}\s+ago\.?"
            r"(?:\s+by\s+\S[^\n]{0,40})?",
            rf"{_POSTED}(?:about |over |almost |nearly )?(?:an?|one)\s+{_UNITS}\s+ago\.?"
            r"(?:\s+by\s+\S[^\n]{0,40})?",
            r"(?:estimated\s+)?reading time:?\s*\d+\s*(?:min|mins|minutes?)\.?",
            r"\d+\s*(?:min|mins|minutes?)\.?\s+read",
            # the same in the languages of the platforms outside the English-speaking world
            r"vor \d+ (?:sekunden?|minuten?|stunden?|tag(?:en)?|wochen?|monat(?:en)?|jahr(?:en)?)",
            r"il y a \d+ (?:secondes?|minutes?|heures?|jours?|semaines?|mois|ans?)",
            r"hace \d+ (?:segundos?|minutos?|horas?|días?|semanas?|mes(?:es)?|años?)",
            r"\d+ (?:секунд\w*|минут\w*|час\w*|дн\w*|день|недел\w*|месяц\w*|год\w*|лет) назад",
            r"\d+\s?(?:秒|分|時間|日|週間|か月|ヶ月|年)前",
            r"\d+\s?(?:초|분|시간|일|주|개월|년) 전",
            r"\d+\s?(?:秒|分钟|小时|天|周|个月|年)前",
            rf"{_COUNT}\s*(?:aufrufe|vues|visitas|visualizaciones|просмотр\w*)",
            rf"(?:aufrufe|vues|visitas|просмотры|閲覧数|조회수?|阅读(?:量|数)?)\s*:?\s*{_COUNT}",
        ]
    ),
    re.I,
)
_META_SEPARATORS = re.compile(r"\s*[·•|]\s*|\s{2,}")
# a count after a counter's icon ("👁 1,234", "💬 12", "♥ 40")
_ICON_COUNT = re.compile(rf"[👁👀💬🗨❤♥★⭐🔥👍]\ufe0f?\s*{_COUNT}")
_AROUND = "\u00a0 \t:-–—·•|()[]⏱🕒🕑📅✎✍📖"


# Every item of such a line has a number or says "ago" ("an hour ago"); a line without either,
# or longer than a few items (a paragraph), is passed over before it is split and matched.
_VOLATILE_HINT = re.compile(r"\d|ago\b", re.I)
_VOLATILE_LINE_MAX = 200


def is_volatile_line(line: str) -> bool:
    """A line of counters, relative dates and reading times ("Posted 3 hours ago",
    "1,234 views", "4 min read · 813 words", "👁 1,234 · 💬 12"): what a page says about the
    post, which changes on every fetch."""
    if len(line) > _VOLATILE_LINE_MAX or not _VOLATILE_HINT.search(line):
        return False
    parts = [part.strip(_AROUND) for part in _META_SEPARATORS.split(line.strip())]
    parts = [part for part in parts if part]
    return bool(parts) and all(
        _VOLATILE_ITEMS.fullmatch(part) or _ICON_COUNT.fullmatch(part) for part in parts
    )


# "Copyright (c) 2019 Foo", "Copyright ⓒ Entermedia", "copyright Inexhibit 2019": the word
# followed by a symbol, a number or a name; prose goes on in lower case ("Copyright law ...").
_COPYRIGHT_WORD = re.compile(r"^(?:copyright\b|\(c\))\s*(\S)[^\n]{0,120}$", re.I)


def is_clutter_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    lowered = stripped.lower()
    if lowered in CLUTTER_LINES:
        return True
    copyright_line = _COPYRIGHT_WORD.match(stripped)
    if copyright_line:
        following = copyright_line.group(1)
        if not following.isalpha() or following.isupper():
            return True
    return any(p.match(stripped) for p in _CLUTTER_PATTERNS)


def clutter_flags(lines: Sequence[str], drop: set[str] | frozenset = frozenset()) -> list[bool]:
    """Which of the (non-blank) lines of a post are clutter.

    A share-bar or comment-form phrase ("Get link", "Post a Comment") or a line matching a
    pattern (reading time, copyright, affiliate notice) is clutter wherever it stands. A line
    that is one menu word ("Home", "More", "Listen", "Like", "X", "Facebook") is clutter only
    beside other clutter or at the start or end of the text: alone between two paragraphs (a
    line of a poem, an answer in an interview) it is the author's. So is a line of counters
    or relative dates (:func:`is_volatile_line`: "1,234 views", "Posted 3 hours ago") between
    two of the author's paragraphs. Lines equal to one of
    ``drop`` (casefolded keys: the post title) count as clutter."""
    volatile = [is_volatile_line(line) for line in lines]
    clutter = [is_clutter_line(line) for line in lines]
    candidate = [
        cluttered or changing or " ".join(line.split()).casefold() in drop
        for line, cluttered, changing in zip(lines, clutter, volatile, strict=True)
    ]
    flags = list(candidate)
    start = 0
    while start < len(lines):
        if not candidate[start]:
            start += 1
            continue
        end = start
        while end < len(lines) and candidate[end]:
            end += 1
        inside = start > 0 and end < len(lines)
        if inside and (
            (end - start == 1 and is_menu_word(lines[start]))
            or all(volatile[start:end])
            and not any(clutter[start:end])
        ):
            flags[start:end] = [False] * (end - start)
        start = end
    return flags


def is_menu_word(line: str) -> bool:
    """A line that is one word of a site's menus or share bar ("Home", "More", "Like",
    "コメント", "공감"; in scripts written without spaces, up to four characters)."""
    lowered = line.strip().lower()
    return lowered in CLUTTER_LINES and " " not in lowered and word_count(lowered) <= 4


def clean_text(
    text: str, drop: set[str] | frozenset = frozenset(), code: set[str] | frozenset = frozenset()
) -> str:
    """Drop clutter lines (:func:`clutter_flags`), blank lines and lines equal (casefolded) to
    one of ``drop`` (the post title); paragraphs are separated by a single newline. Lines are
    stripped, except a line of ``code`` (the lines of the post's code blocks), which keeps its
    indentation."""
    drop = {" ".join(d.split()).casefold() for d in drop if d}
    kept = [line for line in (text or "").splitlines() if line.strip()]
    flags = clutter_flags([line.strip() for line in kept], drop)
    lines = []
    for line, clutter in zip(kept, flags, strict=True):
        if clutter:
            continue
        line = line.rstrip()
        lines.append(line if line in code else line.strip())
    return "\n".join(lines)
