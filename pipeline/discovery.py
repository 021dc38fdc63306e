"""Discovery: from a blog's home page, feeds, sitemaps and APIs to the list of its posts.

Pure parsing functions (bytes in, URLs and metadata out); the spider turns their answers
into requests. No Scrapy here, so each rule is tested on its own.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from time import struct_time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import lxml.html
from lxml import etree

from pipeline.dates import normalise_date
from pipeline.urls import (
    canonical_url,
    canonical_url_or_none,
    dated_post_home,
    is_post_url,
    join_url,
    page_base,
    same_blog,
)

FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/feed+json")
BLOGGER_PAGE_SIZE = 150  # Blogger serves at most 150 entries per feed page
WORDPRESS_PAGE_SIZE = 100  # the WordPress REST API's per_page maximum
OLDER_LINK_TEXT = re.compile(r"^\s*(older|previous|next|more)\b.*(posts?|entries|page)?", re.I)


class DiscoveryError(Exception):
    """A discovery document (feed, sitemap, API answer) that cannot be read."""


@dataclass
class PostLink:
    """A post found by discovery, with what the listing said about it (hints for extraction)."""

    url: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    tags: list[str] = field(default_factory=list)

    def hints(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in {
                "title": self.title,
                "author": self.author,
                "published": self.published,
                "updated": self.updated,
                "tags": self.tags,
            }.items()
            if v
        }


@dataclass
class FeedPage:
    posts: list[PostLink]
    next_url: str | None = None
    total: int | None = None


def listing_digest(urls: Iterable[str]) -> bytes:
    """What a page of a feed or listing lists (post URLs, in any order), in 8 bytes: a feed or
    pager that ignores its paging answers every page with the same posts, hence the same
    digest."""
    joined = "\n".join(sorted(set(urls)))
    return hashlib.blake2b(joined.encode(), digest_size=8).digest()


@dataclass
class HomePage:
    platform: str  # "blogger", "wordpress" or "generic"
    title: str | None
    feeds: list[str]
    api_root: str | None
    post_links: list[str]
    pager_links: list[str]
    #: the page is itself a post (a post's address given as the blog): archived as one too
    is_post: bool = False


def parse_html(body: bytes | str) -> Any:
    try:
        return lxml.html.fromstring(body or b"<html></html>")
    except (etree.ParserError, ValueError) as error:
        raise DiscoveryError(f"cannot parse HTML: {error}") from error


def detect_platform(doc: Any) -> str:
    generator = " ".join(doc.xpath("//meta[@name='generator']/@content")).lower()
    if "blogger" in generator or doc.xpath("//link[contains(@href, 'blogger.com/feeds')]"):
        return "blogger"
    if "wordpress" in generator or doc.xpath("//link[@rel='https://api.w.org/']"):
        return "wordpress"
    return "generic"


def parse_home(body: bytes | str, url: str) -> HomePage:
    """Read a blog's home page: its platform, feeds, API root, post and pager links."""
    doc = parse_html(body)
    platform = detect_platform(doc)
    feeds = []
    for link in doc.xpath("//link[@rel='alternate'][@href]"):
        if (link.get("type") or "").split(";")[0].strip().lower() in FEED_TYPES:
            feed = join_url(url, link.get("href"))
            if feed and "/comments/" not in feed and same_blog(feed, url):
                feeds.append(feed)
    api = doc.xpath("//link[@rel='https://api.w.org/']/@href")
    title = (doc.findtext(".//title") or "").strip() or None
    og_type = " ".join(doc.xpath("//meta[@property='og:type']/@content")).strip().lower()
    return HomePage(
        platform=platform,
        title=title,
        feeds=list(dict.fromkeys(feeds)),
        api_root=join_url(url, api[0]) if api else None,
        post_links=listing_post_links(doc, url, platform),
        pager_links=pager_links(doc, url),
        # not a site's root, whatever a theme says of it
        is_post=urlsplit(url).path not in ("", "/")
        and (
            og_type == "article"
            or (platform == "blogger" and is_post_url(url, platform))
            or dated_post_home(url) is not None
        ),
    )


def listing_post_links(doc: Any, url: str, platform: str = "generic") -> list[str]:
    """Links to posts on a listing page (home, archive, pager page), on the same blog."""
    if platform == "blogger":
        hrefs = doc.xpath("//a/@href")
    else:
        # On platforms without a URL pattern, trust links in post headings and articles.
        hrefs = doc.xpath(
            "//article//a/@href | //h1//a/@href | //h2//a/@href | //h3//a/@href"
            " | //*[contains(@class,'post-title') or contains(@class,'entry-title')]//a/@href"
            " | //a[@rel='bookmark']/@href"
        )
    found = []
    base = page_base(doc, url)  # relative links resolve against a <base href>, as in a browser
    page = canonical_url(url)
    for href in hrefs:
        link = canonical_url_or_none(href, base=base)
        if not link:
            continue
        if same_blog(link, url) and is_post_url(link, platform) and link != page:
            found.append(link)
    return list(dict.fromkeys(found))


def pager_links(doc: Any, url: str) -> list[str]:
    """`rel=next` and "Older posts" links: the fallback route through a blog with no feed."""
    hrefs = doc.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href")
    for anchor in doc.xpath("//a[@href]"):
        text = anchor.text_content().strip()
        cls = (anchor.get("class") or "").lower()
        if (text and len(text) < 40 and OLDER_LINK_TEXT.match(text)) or "older" in cls:
            hrefs.append(anchor.get("href"))
    base = page_base(doc, url)
    links = [join_url(base, h) for h in hrefs]
    return list(dict.fromkeys(link for link in links if link and same_blog(link, url)))


def parse_timestamp(value: str | None) -> datetime | None:
    """An ISO 8601 date or timestamp as an aware datetime (UTC when no offset is given)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


#: how far behind UTC a blog's clock can be (UTC-12, the zone furthest west)
FURTHEST_BEHIND_UTC = timedelta(hours=12)


def latest_moment(value: str | None) -> datetime | None:
    """The latest instant a change signal (`lastmod`, `updated`) can mean, in UTC: a time
    with its zone is that instant; a time without one is the blog's local time, at the most
    FURTHEST_BEHIND_UTC behind; a day alone (`2024-05-18`) lasts until its end there. None
    when it is no ISO 8601 date."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    latest = parsed + FURTHEST_BEHIND_UTC
    if len(text) <= 10:  # a day
        latest += timedelta(days=1)
    return latest.replace(tzinfo=UTC)


def normalise_timestamp(value: str | None) -> str | None:
    """An ISO 8601 timestamp in UTC to the second (`2024-03-05T10:00:00+00:00`), so that the
    same instant written by a feed, a sitemap or an API compares equal. Dates without a time
    and unparseable values are returned stripped, unchanged."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        if len(value) <= 10:
            return value
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def feed_date(raw: str | None, parsed: struct_time | None = None) -> str | None:
    """A feed's date as the blog wrote it, in ISO 8601 to the second: in the blog's own zone
    (`2019-12-31T23:30:00-05:00` from `2019-12-31T23:30:00.000-05:00`, from
    `Tue, 31 Dec 2019 23:30:00 EST` or `... -0500`), not moved to UTC, which can change its
    day, month and year; without an offset when the feed gives none (the blog's local time).
    `parsed` is feedparser's reading (in UTC), used for a zone name only it knows. A value no
    parser reads is returned as written (extraction refuses it and tries the page's dates)."""
    text = (raw or "").strip()
    value = normalise_date(text) if text else None
    if value and len(value) > 10:
        moment = datetime.fromisoformat(value).replace(microsecond=0)
        if moment.tzinfo is None and parsed and not _NO_ZONE.search(text):
            return datetime(*parsed[:6], tzinfo=UTC).isoformat()
        return moment.isoformat()
    if value:
        return value
    if parsed:
        return datetime(*parsed[:6], tzinfo=UTC).isoformat()
    return text or None


# a time that ends without a zone ("Tue, 31 Dec 2019 23:30:00", "2019-12-31T23:30")
_NO_ZONE = re.compile(r"\d:\d\d(:\d\d(\.\d+)?)?$")


#: a title that is only entity references no parser expanded (`&xxe;`, `&lol9;`): what a
#: feed declaring an external entity or a "billion laughs" one leaves
UNEXPANDED_ENTITIES = re.compile(r"(\s*&[A-Za-z_][\w.-]*;)+\s*")


def _title_text(title: str, html: bool) -> str | None:
    """A feed entry's title as text: the markup of an HTML title dropped, entities decoded;
    None when nothing is left but entity references that were not expanded."""
    if html and "<" in title:
        title = lxml.html.fragment_fromstring(title, create_parent="div").text_content()
    title = html_lib.unescape(title).strip()
    if UNEXPANDED_ENTITIES.fullmatch(title):
        return None
    return title or None


def _plain_title(entry: Any) -> str | None:
    kind = (entry.get("title_detail") or {}).get("type", "")
    return _title_text(entry.get("title", ""), "html" in kind)


ATOM = "{http://www.w3.org/2005/Atom}"
_FEED_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


def _atom_title(element: Any) -> str | None:
    if element is None:
        return None
    kind = element.get("type", "text")
    if kind == "xhtml":
        return _title_text("".join(element.itertext()), html=False)
    return _title_text(element.text or "", html=kind == "html")


def parse_atom(body: bytes, url: str) -> FeedPage | None:
    """A well-formed Atom feed page read directly with lxml (Blogger's feeds): what
    `parse_feed` gets from feedparser, at a fraction of its cost (feedparser spends ~2.5 ms
    an entry in Python SAX handlers). None for anything else, which feedparser then reads."""
    try:
        root = etree.fromstring(body, _FEED_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root.tag != f"{ATOM}feed":
        return None
    posts = []
    for entry in root.iterfind(f"{ATOM}entry"):
        link = next(
            (
                item.get("href")
                for item in entry.iterfind(f"{ATOM}link")
                if item.get("rel", "alternate") == "alternate"
                and item.get("type", "text/html") == "text/html"
                and item.get("href")
            ),
            None,
        )
        link = canonical_url_or_none(link, base=url) if link else None
        if not link:
            continue
        author = entry.findtext(f"{ATOM}author/{ATOM}name")
        published = feed_date(entry.findtext(f"{ATOM}published"))
        posts.append(
            PostLink(
                url=link,
                title=_atom_title(entry.find(f"{ATOM}title")),
                author=author.strip() if author and author.strip() else None,
                published=published,
                # as feedparser does: an entry without <updated> was last updated when published
                updated=feed_date(entry.findtext(f"{ATOM}updated")) or published,
                tags=[c.get("term") for c in entry.iterfind(f"{ATOM}category") if c.get("term")],
            )
        )
    next_url = next(
        (item.get("href") for item in root.iterfind(f"{ATOM}link") if item.get("rel") == "next"),
        None,
    )
    total = next(
        (
            (child.text or "").strip()
            for child in root
            if isinstance(child.tag, str) and child.tag.endswith("}totalResults")
        ),
        None,
    )
    return FeedPage(
        posts=posts,
        next_url=join_url(url, next_url) if next_url else None,
        total=int(total) if total and total.isdigit() else None,
    )


def parse_feed(body: bytes, url: str) -> FeedPage:
    """Entries of one Atom or RSS feed page, and the address of the next page if any."""
    return parse_atom(body, url) or parse_feed_with_feedparser(body, url)


def parse_feed_with_feedparser(body: bytes, url: str) -> FeedPage:
    """`parse_feed` for any feed: RSS, Atom that is not well-formed, the rest."""
    # Only entry metadata is read: feedparser's HTML sanitiser and relative-URI resolver over
    # every entry's content are most of its cost, and useless here.
    feed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    if feed.bozo and not feed.entries and not feed.feed:
        raise DiscoveryError(f"not a feed: {feed.get('bozo_exception')}")
    # An RSS item has no "last updated" date (Atom requires <updated>); feedparser answers
    # `updated` with its pubDate, which says nothing of later edits: no change signal then.
    rss = (feed.get("version") or "").startswith("rss")
    posts = []
    for entry in feed.entries:
        link = next(
            (
                item.get("href")
                for item in entry.get("links", [])
                if item.get("rel") == "alternate" and item.get("type", "text/html") == "text/html"
            ),
            entry.get("link"),
        )
        link = canonical_url_or_none(link, base=url) if link else None
        if not link:
            continue
        posts.append(
            PostLink(
                url=link,
                title=_plain_title(entry),
                author=(entry.get("author_detail") or {}).get("name")
                or entry.get("author")
                or None,
                published=(
                    published := feed_date(entry.get("published"), entry.get("published_parsed"))
                ),
                # An Atom entry without <updated> was last updated when published (feedparser
                # 6 maps `updated` to `published` itself, with a DeprecationWarning, and says
                # the mapping will go: it is spelled out here; dict.get skips the mapping).
                # An RSS item has no update date: its pubDate is no change signal.
                updated=feed_date(dict.get(entry, "updated"), dict.get(entry, "updated_parsed"))
                or (None if rss else published),
                tags=[t.get("term") for t in entry.get("tags", []) if t.get("term")],
            )
        )
    next_url = next(
        (item.get("href") for item in feed.feed.get("links", []) if item.get("rel") == "next"),
        None,
    )
    total = feed.feed.get("opensearch_totalresults")
    return FeedPage(
        posts=posts,
        next_url=join_url(url, next_url) if next_url else None,
        total=int(total) if total and str(total).isdigit() else None,
    )


def with_query(url: str, **params: Any) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(
        {
            k.replace("_", "-") if k in ("start_index", "max_results") else k: str(v)
            for k, v in params.items()
        }
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def blogger_feed_url(home: str, start_index: int = 1, max_results: int = BLOGGER_PAGE_SIZE) -> str:
    """A page of a Blogger blog's Atom summary feed, most recently updated posts first.

    The summary feed lists the same entries (title, author, dates, labels, link) as
    `/feeds/posts/default` with a short summary instead of each post's whole body: a tenth of
    the bytes to fetch and parse; the bodies come from the post pages."""
    return with_query(
        urljoin(home, "/feeds/posts/summary"),
        orderby="updated",
        start_index=start_index,
        max_results=max_results,
    )


def older_than(page: FeedPage, cutoff: str | None) -> bool:
    """Whether every entry of a feed page was last updated before `cutoff` (the start of
    the last completed crawl): then the pages after it hold nothing new either."""
    limit = parse_timestamp(cutoff)
    if limit is None or not page.posts:
        return False
    moments = [latest_moment(post.updated or post.published) for post in page.posts]
    return all(moment is not None and moment < limit for moment in moments)


def next_blogger_page(url: str, page: FeedPage) -> str | None:
    """Blogger pages its feed with start-index/max-results; follow rel=next, else count."""
    if page.next_url:
        return page.next_url
    query = dict(parse_qsl(urlsplit(url).query))
    start = int(query.get("start-index", 1))
    size = int(query.get("max-results", 25))
    if not page.posts or (page.total is not None and start + len(page.posts) > page.total):
        return None
    if page.total is None and len(page.posts) < size:
        return None
    return with_query(url, start_index=start + len(page.posts))


def wordpress_posts_url(api_root: str, page: int = 1, modified_after: str | None = None) -> str:
    """A page of the WordPress REST API's posts; with `modified_after`, only posts changed
    since then (WordPress 5.7+)."""
    base = urljoin(api_root if api_root.endswith("/") else api_root + "/", "wp/v2/posts")
    params: dict[str, Any] = {
        "per_page": WORDPRESS_PAGE_SIZE,
        "page": page,
        "_fields": "id,link,title,date_gmt,modified_gmt",
    }
    if modified_after:
        params["modified_after"] = modified_after
    return with_query(base, **params)


def _gmt(value: str | None) -> str | None:
    if not value:
        return None
    return value if re.search(r"(Z|[+-]\d\d:?\d\d)$", value) else value + "+00:00"


def wordpress_date(local: Any, gmt: Any) -> str | None:
    """A WordPress API date in the blog's zone: its `date` (the blog's local time, as its
    pages show it) with the offset that `date_gmt` tells (`2019-12-31T23:30:00-05:00`); the
    `date_gmt` in UTC when `date` is missing or the two do not make an offset."""
    gmt_value = _gmt(gmt) if isinstance(gmt, str) else None
    if not isinstance(local, str) or not gmt_value:
        return gmt_value
    try:
        moment = datetime.fromisoformat(local.strip())
        instant = datetime.fromisoformat(gmt_value.replace("Z", "+00:00"))
    except ValueError:
        return gmt_value
    if moment.tzinfo is not None:
        return moment.isoformat()
    offset = moment - instant.replace(tzinfo=None) + (instant.utcoffset() or timedelta(0))
    if abs(offset) >= timedelta(hours=15) or offset % timedelta(minutes=15):
        return gmt_value
    return moment.replace(tzinfo=timezone(offset)).isoformat()


def parse_wordpress_posts(body: bytes, url: str) -> list[PostLink]:
    """Posts in one page of `/wp-json/wp/v2/posts`."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise DiscoveryError(f"WordPress API answered non-JSON: {error}") from error
    if not isinstance(data, list):
        raise DiscoveryError(f"WordPress API answered {str(data)[:200]}")
    posts = []
    for item in data:
        link = item.get("link") if isinstance(item, dict) else None
        link = canonical_url_or_none(link, base=url) if isinstance(link, str) else None
        if not link:
            continue
        title = item.get("title")
        title = title.get("rendered") if isinstance(title, dict) else title
        posts.append(
            PostLink(
                url=link,
                title=html_lib.unescape(re.sub(r"<[^>]+>", "", title or "")).strip() or None,
                published=wordpress_date(item.get("date"), item.get("date_gmt")),
                updated=wordpress_date(item.get("modified"), item.get("modified_gmt")),
            )
        )
    return posts


def next_wordpress_feed_page(url: str, page: FeedPage) -> str | None:
    """WordPress feeds page with `?paged=N`; stop at the first empty page."""
    if page.next_url:
        return page.next_url
    if not page.posts:
        return None
    current = int(dict(parse_qsl(urlsplit(url).query)).get("paged", 1))
    return with_query(url, paged=current + 1)


#: words in a child sitemap's file name that say it lists no posts: WordPress core's
#: `wp-sitemap-posts-page-1.xml`, `wp-sitemap-taxonomies-category-1.xml`,
#: `wp-sitemap-users-1.xml`; Yoast's and Rank Math's `page-sitemap.xml`,
#: `category-sitemap.xml`, `post_tag-sitemap.xml`, `author-sitemap.xml`; Ghost's and Tumblr's
#: `sitemap-pages.xml`, `sitemap-tags.xml`, `sitemap-authors.xml`; Wix's `pages-sitemap.xml`,
#: `blog-categories-sitemap.xml`; shops' `product-sitemap.xml`
NOT_POST_SITEMAP_WORDS = frozenset(
    "page pages tag tags category categories taxonomies author authors users user"
    " product products store".split()
)


def sitemap_wanted(url: str) -> bool:
    """Whether a sitemap named in a sitemap index may list posts: the sitemaps of static
    pages, tags, categories, authors and products that blog platforms split their
    sitemaps into are skipped (see NOT_POST_SITEMAP_WORDS)."""
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    name = re.sub(r"\.xml(\.gz)?$", "", name)
    words = {word.rstrip("0123456789") for word in re.split(r"[-_.]", name)}
    return not words & NOT_POST_SITEMAP_WORDS
