"""URL rules: one address per post, and which addresses are posts at all.

Pure functions, no Scrapy: used by discovery, the spider and the store alike.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that never change which post a URL shows.
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|m|showComment|replytocom|share|amp|ref|_ga"
    r"|sid|sessionid|session_id|phpsessid|jsessionid|aspsessionid\w*|cfid|cftoken)$",
    re.IGNORECASE,
)

LISTING_PATH = re.compile(
    r"""(
        ^/$ |
        ^/search(/|$) | /search/label/ |
        /(tag|tags|category|categories|label|labels|author|authors|topics?|archives?)/ |
        /page/?\d+/?$ | /feed/?$ | /feeds/ | /rss/(\d+/)?$ | /rss$ | /atom/?$ | /comments/feed |
        /tagged/ | /day/\d{4}/ | /archives?$ |
        ^/wp-(json|admin|content|includes|login) | /xmlrpc\.php |
        sitemap[^/]*\.xml$ | \.(xml|rss|atom|json|css|js|png|jpe?g|gif|svg|webp|ico|pdf|zip|mp3|mp4)$ |
        ^/\d{4}/?$ | ^/\d{4}/\d{2}/?$ | ^/\d{4}/\d{2}/\d{2}/?$ | ^/\d{4}_\d{2}_\d{2}_archive\.html$ |
        ^/p/[^/]+\.html$ | /attachment/ | /trackback/?$ | /embed/?$
    )""",
    re.VERBOSE | re.IGNORECASE,
)
# Session ids carried in the path (`/post;jsessionid=ABC`), as Java servers write them.
SESSION_PATH_PARAM = re.compile(r";(jsessionid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
BLOGGER_POST_PATH = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
# Blogger served each blog under country domains too (example.blogspot.co.uk, .fr, .com.br...).
BLOGSPOT_COUNTRY_HOST = re.compile(r"^(?P<name>[^.]+)\.blogspot\.(?!com$)[a-z]{2,3}(\.[a-z]{2})?$")
LISTING_QUERY = re.compile(r"(^|&)(s|q|paged|page|updated-max|updated-min|max-results)=", re.I)
# WordPress's "Plain" permalinks (`/?p=123`, `/index.php?p=123`) and "Numeric" ones
# (`/archives/123`), and Movable Type's `/archives/000123.html`: posts, though their paths
# look like the home page or an archive listing.
WORDPRESS_PLAIN_POST = re.compile(r"(^|&)p=\d+(&|$)")
NUMBERED_ARCHIVE_POST = re.compile(
    r"^/archives?/(\d+/?|(\d{4}/(\d{2}/)?)?(?!index\.)(?![^/]*_archive\.)[^/]+\.html?)$", re.I
)


def join_url(base: str, href: str) -> str | None:
    """`href` made absolute against `base`, or None when it is no usable address (a malformed
    host or port, such as `http://[x/` or `http://host:99999/`): hostile or broken pages
    carry such links, and one of them must not cost the others on the page."""
    try:
        url = urljoin(base, href)
        urlsplit(url).port  # noqa: B018 - raises ValueError on a malformed host or port
    except ValueError:
        return None
    return url


def page_base(root: Any, url: str) -> str:
    """The address a page's relative links resolve against, as a browser resolves them: its
    `<base href>` (made absolute against `url`) when it has one, else `url`. `root` is the
    page's lxml tree."""
    for href in root.xpath("//head/base/@href")[:1]:
        return join_url(url, href.strip()) or url
    return url


def http_url(value: object) -> str | None:
    """`value` if it is an http(s) address a page may link to, else None (`javascript:`,
    `data:`, a relative or malformed address): for stored URLs the archive renders as links."""
    if not isinstance(value, str):
        return None
    try:
        scheme = urlsplit(value.strip()).scheme.lower()
    except ValueError:
        return None
    return value if scheme in ("http", "https") else None


def canonical_url_or_none(url: str, base: str | None = None) -> str | None:
    """`canonical_url`, or None for what is no usable address (see `join_url`)."""
    try:
        return canonical_url(url, base)
    except ValueError:
        return None


def canonical_url(url: str, base: str | None = None) -> str:
    """The address a post is stored under: tracking and comment parameters removed,
    the fragment dropped, the host lower-cased and default ports removed. Raises ValueError
    for a malformed host or port (`canonical_url_or_none` does not)."""
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    country = BLOGSPOT_COUNTRY_HOST.match(host)
    if country:
        host = f"{country.group('name')}.blogspot.com"
    port = parts.port
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not TRACKING_PARAMS.match(k)
        ]
    )
    path = SESSION_PATH_PARAM.sub("", parts.path) or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def url_variants(url: str) -> list[str]:
    """The addresses under which the same post may have been archived: the URL itself and
    the same address over the other of http/https."""
    parts = urlsplit(url)
    other = {"http": "https", "https": "http"}.get(parts.scheme)
    variants = [url]
    if other:
        variants.append(urlunsplit((other, *parts[1:])))
    return variants


def host_key(url: str) -> str:
    """host[:port] without a leading `www.`, to compare whether two URLs are on one blog
    ("" for a URL without a usable host)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower().removeprefix("www.")
    return f"{host}:{port}" if port else host


def same_blog(url: str, home: str) -> bool:
    key = host_key(url)
    return bool(key) and key == host_key(home)


def depth_in_blog(url: str, home: str) -> int | None:
    """How many path segments deep `url` sits inside the blog at `home` (`/blog/slug/` is 1
    deep in `https://example.org/blog/`, 2 in `https://example.org/`), or None when it is
    outside the blog's folder (`/shop/mug/` for a blog at `/blog/`) or no usable address."""
    folder = urlsplit(home).path.rstrip("/") + "/"
    try:
        path = urlsplit(url).path or "/"
    except ValueError:  # `http://[broken/...`
        return None
    if not (path + "/").startswith(folder):
        return None
    return len([part for part in path[len(folder) :].split("/") if part])


def is_post_url(url: str, platform: str = "generic") -> bool:
    """Whether a URL on a blog addresses a single post (not a label, archive, search,
    feed, asset or home page)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    path = parts.path or "/"
    if platform == "blogger":
        return bool(BLOGGER_POST_PATH.match(path)) and not LISTING_QUERY.search(parts.query)
    if path in ("/", "/index.php") and WORDPRESS_PLAIN_POST.search(parts.query):
        return True
    if NUMBERED_ARCHIVE_POST.match(path):
        return True
    if LISTING_PATH.search(path) or LISTING_QUERY.search(parts.query):
        return False
    return True


#: a URL that starts with a scheme other than http(s)'s `//` form: `mailto:`, `javascript:`
OTHER_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?![0-9]*(/|$))")
#: a host name: dot-separated labels of letters (any script), digits and hyphens
HOST_NAME = re.compile(r"(?!-)[\w-]+(\.(?!-)[\w-]+)*\.?")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


#: a post's address by date, `/2024/05/slug.html` or `/2024/05/17/slug/` (Blogger, WordPress
#: and most engines), maybe under the blog's own folder (`/blog/2024/05/slug.html`); the slug is
#: not a day number, so a day's archive (`/2024/05/17/`) is no post
DATED_POST_PATH = re.compile(r"^(?P<blog>(/[^/]+)*?/)\d{4}/\d{2}/(\d{2}/)?(?!\d+/?$)[^/]+/?$")


def dated_post_home(url: str) -> str | None:
    """The blog's home of a URL that addresses one of its posts by date (the part of the path
    before the year), or None for any other URL."""
    return _home_in_path(DATED_POST_PATH, url)


def _home_in_path(pattern: re.Pattern[str], url: str) -> str | None:
    """The address of the blog folder `pattern` finds (its `blog` group) in `url`'s path, or
    None when the path does not match."""
    parts = urlsplit(url)
    found = pattern.match(parts.path or "/")
    if found is None:
        return None
    return urlunsplit((parts.scheme, parts.netloc, found.group("blog"), "", ""))


#: a page of a blog that lists its posts: a Blogger label or search page (`/search/label/X`,
#: `/search?updated-max=...`), a WordPress category, tag or author page, a pager page
#: (`/page/2/`), an archive by year, month or day (`/2024/05/`), maybe under the blog's folder
LISTING_PAGE_PATH = re.compile(
    r"^(?P<blog>(/[^/]+)*?/)(?:search(?:/label/[^/]+)?"
    r"|(?:tags?|categor(?:y|ies)|labels?|authors?|topics?)/.+|page/\d+"
    r"|\d{4}(?:/\d{2}(?:/\d{2})?)?)/?$",
    re.IGNORECASE,
)


def listing_page_home(url: str) -> str | None:
    """The blog's home of a URL that addresses one of its listing pages (`LISTING_PAGE_PATH`: a
    label, category, tag, author, pager or date archive page), or None for any other URL."""
    return _home_in_path(LISTING_PAGE_PATH, url)


class SourceURLError(ValueError):
    """A source address that cannot be a blog's home page."""


def normalise_source_url(url: str) -> str:
    """A blog's home URL as stored in `sources`: scheme added if missing, host lower-cased,
    tracking parameters and fragment removed, `/` as the path of a bare host; the address of
    one of its posts by date (`dated_post_home`) or of a page listing its posts
    (`listing_page_home`) stands for the blog."""
    return source_home(checked_source_url(url))


def source_home(url: str) -> str:
    """The blog an absolute http(s) URL belongs to as a source: the home of a post or listing
    page's address (`dated_post_home`, `listing_page_home`), canonical."""
    return canonical_url(dated_post_home(url) or listing_page_home(url) or url)


def checked_source_url(url: str) -> str:
    """A URL as a user gives a blog's (`https://` added when it has no scheme), or
    SourceURLError when it cannot be one: another scheme, no host name, a bad port."""
    url = (url or "").strip()
    if not url:
        raise SourceURLError("empty URL")
    if "://" not in url:
        if OTHER_SCHEME.match(url):  # javascript:..., mailto:... (not host:port)
            raise SourceURLError(f"not an http(s) URL: {url}")
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceURLError(f"not an http(s) URL: {url}")
    if not HOST_NAME.fullmatch(parts.hostname) and not _is_ip_address(parts.hostname):
        raise SourceURLError(f"not a host name: {parts.hostname!r} in {url}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as error:
        raise SourceURLError(f"bad port in {url}: {error}") from error
    return url
