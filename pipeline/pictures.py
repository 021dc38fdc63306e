"""The pictures a post shows, kept in the archive beside the post.

Extraction puts a post's pictures back into its HTML rendition (`<img src>`, most in
`<figure>`s); the crawl fetches each of them once, captures it as WARC records like every
response, and ties the post to the capture in `post_pictures` (`pipeline/store.py`). This
module is the part without Scrapy: which addresses are the post's pictures, what counts as a
picture, and how a captured one may be served back.

    picture_urls('<figure><img src="https://cdn.example/a.png"></figure>', limit=50)
    # ['https://cdn.example/a.png']
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import lxml.html
from lxml import etree

#: `BLOGARCHIVE_PICTURE_MAX_SIZE`: a picture larger than this is not fetched (bytes)
DEFAULT_MAX_SIZE = 20 * 1024 * 1024
#: `BLOGARCHIVE_PICTURES_PER_POST`: pictures fetched per post, in the order the post shows them
DEFAULT_PER_POST = 50

#: Picture types a browser shows and that can hold no script: served back with their own type.
#: Any other type, SVG included (an SVG document can hold script), is served as a download.
RASTER_TYPES = frozenset(
    {
        "image/apng",
        "image/avif",
        "image/bmp",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/vnd.microsoft.icon",
        "image/webp",
        "image/x-icon",
    }
)


def picture_urls(html: str | None, limit: int = DEFAULT_PER_POST) -> list[str]:
    """The `http:` and `https:` addresses of the pictures (`<img src>`) of a post's HTML
    rendition, in the order it shows them, each once (fragments dropped), at most `limit`
    (0: none)."""
    if not html or limit <= 0 or "<img" not in html.lower():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    found: list[str] = []
    for image in root.iter("img"):
        src = (image.get("src") or "").strip()
        try:
            scheme = urlsplit(src).scheme.lower()
        except ValueError:
            continue
        if scheme not in ("http", "https"):
            continue
        url = urldefrag(src)[0]
        if url not in found:
            found.append(url)
            if len(found) >= limit:
                break
    return found


def media_type(content_type: str | None) -> str:
    """`image/png` of `image/PNG; charset=binary`; empty for none."""
    return (content_type or "").split(";")[0].strip().lower()


def is_picture_type(content_type: str | None) -> bool:
    """Whether a response of this `Content-Type` is a picture (`image/*`)."""
    return media_type(content_type).startswith("image/")


def served_type(content_type: str | None) -> str | None:
    """The type a captured picture is served back with: its own when it is a raster picture
    (PNG, JPEG, GIF, WebP, AVIF, BMP, icons); None for anything else (SVG, a type the server
    made up), which is offered only as a download that nothing renders."""
    mime = media_type(content_type)
    return mime if mime in RASTER_TYPES else None
