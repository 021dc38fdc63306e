"""HTML sanitising for archived post bodies (nh3 with an article-reading allow-list)."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
    "em", "strong", "b", "i", "a", "img", "figure", "figcaption", "table", "thead", "tbody",
    "tfoot", "tr", "th", "td", "caption", "br", "hr",
}  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}

# Elements dropped together with everything inside them (not merely unwrapped).
DROP_WITH_CONTENT = {
    "script", "style", "iframe", "noscript", "object", "embed", "template", "svg", "math",
    "form", "button", "select", "textarea", "frame", "frameset", "applet", "canvas", "audio",
    "video", "head", "title",
}  # fmt: skip

_LINK_SCHEMES = {"http", "https", "mailto"}
_IMAGE_SCHEMES = {"http", "https"}


def _scheme(value: str) -> str | None:
    try:
        return urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if _scheme(value) in _LINK_SCHEMES else None
    if tag == "img" and attribute == "src":
        return value if _scheme(value) in _IMAGE_SCHEMES else None
    return value


def sanitise_html(html: str) -> str:
    """Return ``html`` reduced to a safe article-reading subset.

    Only the allow-listed tags survive; ``a[href]`` keeps http/https/mailto links and gets
    ``rel="nofollow noopener"``; ``img[src]`` keeps http/https sources; scripts, styles,
    iframes and other active content are removed with their content; comments and every
    other attribute (``on*``, ``style``, ``class``...) are dropped.
    """
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=_LINK_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return cleaned.strip()
