"""Discovery rules on hand-written feeds, sitemaps and API answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from conftest import LOOPBACK, rows, run_blogarchive
from pipeline import discovery

HOME = "https://ex.blogspot.com/"

BLOGGER_FEED = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>
<id>tag:blogger.com,1999:blog-1</id><title type='text'>Hedgerow Notes</title>
<openSearch:totalResults>3</openSearch:totalResults><openSearch:startIndex>1</openSearch:startIndex>
<openSearch:itemsPerPage>2</openSearch:itemsPerPage>
<link rel='next' type='application/atom+xml' href='https://ex.blogspot.com/feeds/posts/default?start-index=3&amp;max-results=2'/>
<entry><id>tag:blogger.com,1999:blog-1.post-9</id><published>2024-05-01T08:00:00.000+01:00</published>
<updated>2024-05-02T09:00:00.000+01:00</updated>
<category scheme='http://www.blogger.com/atom/ns#' term='Hedges'/><category scheme='http://www.blogger.com/atom/ns#' term='Birds &amp; Bees'/>
<title type='text'>Laying a hedge: the &quot;Midland&quot; style</title><content type='html'>&lt;p&gt;Body&lt;/p&gt;</content>
<link rel='replies' type='text/html' href='https://ex.blogspot.com/2024/05/laying-hedge.html#comment-form' title='2 Comments'/>
<link rel='alternate' type='text/html' href='https://ex.blogspot.com/2024/05/laying-hedge.html?m=1' title='x'/>
<author><name>Rosa Finch</name></author></entry>
<entry><id>tag:blogger.com,1999:blog-1.post-8</id><published>2024-04-01T08:00:00.000Z</published><updated>2024-04-01T08:00:00.000Z</updated>
<title type='text'>Blackthorn winter</title><link rel='alternate' type='text/html' href='https://ex.blogspot.com/2024/04/blackthorn.html'/>
<author><name>Rosa Finch</name></author></entry>
</feed>"""


def test_blogger_feed_entries_carry_metadata_and_the_next_page() -> None:
    page_url = HOME + "feeds/posts/default?start-index=1&max-results=2"
    page = discovery.parse_feed(BLOGGER_FEED, page_url)
    first = page.posts[0]
    assert first.url == "https://ex.blogspot.com/2024/05/laying-hedge.html"
    assert first.title == 'Laying a hedge: the "Midland" style'
    assert first.tags == ["Hedges", "Birds & Bees"]
    assert first.author == "Rosa Finch"
    assert first.published == "2024-05-01T08:00:00+01:00"  # in the blog's zone, as written
    assert page.total == 3
    assert discovery.next_blogger_page(page_url, page) == (
        "https://ex.blogspot.com/feeds/posts/default?start-index=3&max-results=2"
    )


def test_blogger_paging_by_count_when_the_feed_has_no_next_link() -> None:
    page = discovery.FeedPage(
        posts=[discovery.PostLink(url=f"{HOME}{i}") for i in range(2)], total=5
    )
    url = discovery.blogger_feed_url(HOME, 1, 2)
    assert (
        url
        == "https://ex.blogspot.com/feeds/posts/summary?orderby=updated&start-index=1&max-results=2"
    )
    assert discovery.next_blogger_page(url, page).endswith("start-index=3&max-results=2")
    last = discovery.FeedPage(posts=[discovery.PostLink(url=HOME + "5")], total=5)
    assert discovery.next_blogger_page(url.replace("start-index=1", "start-index=5"), last) is None


def test_home_page_detection() -> None:
    blogger = b"""<html><head><meta content='blogger' name='generator'/>
    <link rel="alternate" type="application/atom+xml" title="Hedgerow Notes - Atom" href="https://ex.blogspot.com/feeds/posts/default" />
    <link rel="alternate" type="application/rss+xml" href="https://ex.blogspot.com/feeds/posts/default?alt=rss" />
    <link rel="alternate" type="application/atom+xml" href="https://ex.blogspot.com/feeds/123/comments/default" />
    </head><body><h3 class='post-title'><a href='https://ex.blogspot.com/2024/05/laying-hedge.html'>Laying</a></h3>
    <a href='https://ex.blogspot.com/search/label/Hedges'>Hedges</a><a href='https://elsewhere.example/2024/05/x.html'>x</a>
    </body></html>"""
    home = discovery.parse_home(blogger, HOME)
    assert home.platform == "blogger"
    assert home.feeds == [
        "https://ex.blogspot.com/feeds/posts/default",
        "https://ex.blogspot.com/feeds/posts/default?alt=rss",
    ]
    assert home.post_links == ["https://ex.blogspot.com/2024/05/laying-hedge.html"]
    wordpress = b"""<html><head><meta name="generator" content="WordPress 6.6.2" />
    <link rel="https://api.w.org/" href="https://wp.example/wp-json/" /></head>
    <body><article><h2 class="entry-title"><a href="/2024/01/02/walk/" rel="bookmark">Walk</a></h2></article>
    <nav><a class="next page-numbers" href="/page/2/">Older posts</a></nav></body></html>"""
    home = discovery.parse_home(wordpress, "https://wp.example/")
    assert (home.platform, home.api_root) == ("wordpress", "https://wp.example/wp-json/")
    assert home.post_links == ["https://wp.example/2024/01/02/walk/"]
    assert home.pager_links == ["https://wp.example/page/2/"]


def test_wordpress_api_page() -> None:
    body = json.dumps(
        [
            {
                "id": 5,
                "link": "https://wp.example/2024/01/02/walk/",
                "title": {"rendered": "Walks &amp; <em>talks</em>"},
                "date_gmt": "2024-01-02T10:00:00",
                "modified_gmt": "2024-01-03T11:00:00",
            },
        ]
    ).encode()
    [post] = discovery.parse_wordpress_posts(body, "https://wp.example/wp-json/wp/v2/posts")
    assert (post.title, post.published, post.updated) == (
        "Walks & talks",
        "2024-01-02T10:00:00+00:00",
        "2024-01-03T11:00:00+00:00",
    )
    assert discovery.wordpress_posts_url("https://wp.example/wp-json/", 3) == (
        "https://wp.example/wp-json/wp/v2/posts?per_page=100&page=3&_fields=id%2Clink%2Ctitle%2Cdate_gmt%2Cmodified_gmt"
    )
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_wordpress_posts(b'{"code":"rest_post_invalid_page_number"}', "x")
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_wordpress_posts(b"<html>", "x")


def test_sitemaps_followed_are_post_sitemaps_only() -> None:
    for wanted in (
        "wp-sitemap-posts-post-2.xml",
        "post-sitemap.xml",  # Yoast, Rank Math
        "post-sitemap2.xml",
        "sitemap-posts.xml",  # Ghost
        "sitemap1.xml",  # Tumblr
        "blog-posts-sitemap.xml",  # Wix
        "sitemap.xml?page=2",  # Blogger
    ):
        assert discovery.sitemap_wanted("https://wp.example/" + wanted), wanted
    for skipped in (
        "wp-sitemap-posts-page-1.xml",
        "wp-sitemap-taxonomies-category-1.xml",
        "wp-sitemap-users-1.xml",
        "page-sitemap.xml",
        "category-sitemap.xml",
        "post_tag-sitemap.xml",
        "author-sitemap.xml",
        "product-sitemap.xml",
        "sitemap-pages.xml",
        "sitemap-tags.xml",
        "sitemap-authors.xml",
        "blog-categories-sitemap.xml",
    ):
        assert not discovery.sitemap_wanted("https://wp.example/" + skipped), skipped


def test_a_feed_that_is_not_a_feed() -> None:
    with pytest.raises(discovery.DiscoveryError):
        discovery.parse_feed(b"\x00\x01 definitely not xml", "https://ex.example/feed")


def test_feed_paging_stops_at_entries_older_than_the_last_crawl() -> None:
    old = discovery.FeedPage(
        posts=[
            discovery.PostLink(url=HOME + "a", updated="2024-05-01T08:00:00Z"),
            discovery.PostLink(url=HOME + "b", updated="2024-04-01T08:00:00+02:00"),
        ]
    )
    assert discovery.older_than(old, "2024-06-01T00:00:00+00:00")
    assert not discovery.older_than(old, "2024-04-15T00:00:00+00:00")  # "a" is newer
    assert not discovery.older_than(old, None)  # first crawl, or --full
    assert not discovery.older_than(discovery.FeedPage(posts=[]), "2024-06-01T00:00:00+00:00")


def test_timestamps_from_feeds_sitemaps_and_apis_compare_equal() -> None:
    same = {
        discovery.normalise_timestamp(value)
        for value in (
            "2024-05-01T08:00:00Z",
            "2024-05-01T10:00:00+02:00",
            "2024-05-01T08:00:00.000+00:00",
        )
    }
    assert same == {"2024-05-01T08:00:00+00:00"}
    assert discovery.normalise_timestamp("2024-05-01") == "2024-05-01"
    assert discovery.parse_timestamp("not a date") is None
    assert discovery.wordpress_posts_url(
        "https://wp.example/wp-json/", 1, "2024-05-01T08:00:00+00:00"
    ).endswith("&modified_after=2024-05-01T08%3A00%3A00%2B00%3A00")


ODD_ATOM = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://ex.blogspot.com/'>
<title>Odd titles</title>
<entry><title type='html'>Frost &amp;amp; &lt;em&gt;fog&lt;/em&gt; at dawn</title>
<link href='/2024/01/frost.html'/><updated>2024-01-02T03:04:05.678-05:00</updated></entry>
<entry><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>Rooks <b>return</b></div></title>
<link rel='alternate' href='https://ex.blogspot.com/2024/02/rooks.html'/>
<published>not a date</published><author><name> </name></author></entry>
<entry><title>No link at all</title></entry>
</feed>"""


@pytest.mark.parametrize("body", [BLOGGER_FEED, ODD_ATOM], ids=["blogger", "odd"])
def test_the_fast_atom_reader_gives_what_feedparser_gives(body: bytes) -> None:
    fast = discovery.parse_atom(body, HOME)
    assert fast is not None and fast.posts
    assert fast == discovery.parse_feed_with_feedparser(body, HOME)


def test_the_fast_atom_reader_gives_what_feedparser_gives_on_the_demo_feeds(demo_blogs) -> None:
    from urllib.request import urlopen

    for path in ("feeds/posts/summary", "feeds/posts/default", "feeds/posts/default?alt=rss"):
        url = demo_blogs.blogger.url + path
        body = urlopen(url, timeout=10).read()
        expected = discovery.parse_feed_with_feedparser(body, url)
        assert expected.posts
        assert discovery.parse_feed(body, url) == expected
        # RSS and anything not well-formed Atom is left to feedparser
        assert (discovery.parse_atom(body, url) is None) == ("alt=rss" in path)
    assert discovery.parse_atom(b"<rss><channel/></rss>", HOME) is None
    assert discovery.parse_atom(b"<feed><entry>", HOME) is None


# -- loopback copies of blog platforms: every post archived, nothing else


@dataclass
class Post:
    slug: str
    date: datetime
    updated: datetime
    text: str

    @property
    def title(self) -> str:
        return self.slug.replace("-", " ").capitalize()


def _posts(count: int) -> list[Post]:
    words = "hedge river letter harbour signal method evening journal".split()
    posts = []
    for n in range(count):
        date = datetime(2023, 1, 2, 9, tzinfo=UTC) + timedelta(days=7 * n)
        text = " ".join(words[(n + k) % len(words)] for k in range(60))
        posts.append(Post(f"walk-number-{n}", date, date, f"Walk {n} went by the {text}."))
    return posts


def _html(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/about/'>About</a></nav>{body}</body></html>"
    ).encode()


def _rss(items: list[tuple[str, Post]]) -> bytes:
    entries = "".join(
        f"<item><title>{post.title}</title><link>{url}</link><guid>{url}</guid>"
        f"<pubDate>{format_datetime(post.date)}</pubDate></item>"
        for url, post in items
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>B</title>{entries}</channel></rss>".encode()


def _urlset(urls: list[tuple[str, datetime | None]]) -> bytes:
    entries = "".join(
        f"<url><loc>{url}</loc>{f'<lastmod>{mod.isoformat()}</lastmod>' if mod else ''}</url>"
        for url, mod in urls
    )
    return (
        "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"{entries}</urlset>"
    ).encode()


def _index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return (
        "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"{entries}</sitemapindex>"
    ).encode()


@dataclass
class Platform:
    """How a platform lays a blog out: where posts live, its generator, its feed (holding the
    newest FEED_SIZE posts only), its pager and its sitemaps (with the non-post pages)."""

    home: str  # the blog's folder
    post_path: Callable[[Post], str]
    head: str  # generator and feed links
    feed: tuple[str, str]  # path, content type
    pager: Callable[[int], str]  # listing page n >= 2
    sitemaps: Callable[[str, list[tuple[str, datetime | None]]], dict[str, bytes]]
    #: pages that are no posts, linked from every listing (tags, authors, static pages...)
    others: tuple[str, ...]


FEED_SIZE = 4
#: what themes link from each post of a listing: its tags, categories, author and day
TAXONOMY = re.compile(r"/(tags?|tagged|categories|category|author|day)/")
XML = "application/xml"
RSS = "application/rss+xml"


def _ghost_sitemaps(root: str, posts: list) -> dict[str, bytes]:
    return {
        "/sitemap.xml": _index(
            [f"{root}/sitemap-{kind}.xml" for kind in ("pages", "posts", "authors", "tags")]
        ),
        "/sitemap-posts.xml": _urlset(posts),
        "/sitemap-pages.xml": _urlset([(f"{root}/about/", None), (f"{root}/contact/", None)]),
        "/sitemap-authors.xml": _urlset([(f"{root}/author/ann/", None)]),
        "/sitemap-tags.xml": _urlset([(f"{root}/tag/walks/", None)]),
    }


def _yoast_sitemaps(root: str, posts: list) -> dict[str, bytes]:
    names = ["post", "post2", "page", "category", "post_tag", "author"]
    return {
        "/sitemap_index.xml": _index(
            [f"{root}/{name.replace('2', '')}-sitemap{name[4:]}.xml" for name in names]
        ),
        "/post-sitemap.xml": _urlset(posts[: len(posts) // 2]),
        "/post-sitemap2.xml": _urlset(posts[len(posts) // 2 :]),
        "/page-sitemap.xml": _urlset([(f"{root}/", None), (f"{root}/about/", None)]),
        "/category-sitemap.xml": _urlset([(f"{root}/category/walks/", None)]),
        "/post_tag-sitemap.xml": _urlset([(f"{root}/tag/walks/", None)]),
        "/author-sitemap.xml": _urlset([(f"{root}/author/ann/", None)]),
    }


def _flat_sitemap(*others: str) -> Callable[[str, list], dict[str, bytes]]:
    """A static site generator's one sitemap: posts, static pages, sections and taxonomies."""
    return lambda root, posts: {
        "/sitemap.xml": _urlset(posts + [(root + path, posts[0][1]) for path in others])
    }


def _tumblr_sitemaps(root: str, posts: list) -> dict[str, bytes]:
    return {
        "/sitemap.xml": _index([f"{root}/sitemap1.xml", f"{root}/sitemap-pages.xml"]),
        "/sitemap1.xml": _urlset(posts),
        "/sitemap-pages.xml": _urlset([(f"{root}/", None), (f"{root}/about", None)]),
    }


PLATFORMS = {
    "ghost": Platform(
        "/",
        lambda post: f"/{post.slug}/",
        "<meta name='generator' content='Ghost 5.80'>"
        "<link rel='alternate' type='application/rss+xml' href='/rss/'>",
        ("/rss/", RSS),
        lambda n: f"/page/{n}/",
        _ghost_sitemaps,
        ("/about/", "/contact/", "/tag/walks/", "/author/ann/"),
    ),
    "hugo": Platform(
        "/",
        lambda post: f"/posts/{post.slug}/",
        "<meta name='generator' content='Hugo 0.125.4'>"
        "<link rel='alternate' type='application/rss+xml' href='/index.xml'>",
        ("/index.xml", RSS),
        lambda n: f"/page/{n}/",
        _flat_sitemap("/", "/posts/", "/about/", "/tags/", "/tags/walks/", "/categories/"),
        ("/posts/", "/about/", "/tags/", "/tags/walks/", "/categories/"),
    ),
    "jekyll": Platform(
        "/",
        lambda post: f"/jekyll/update/{post.date:%Y/%m/%d}/{post.slug}.html",
        "<meta name='generator' content='Jekyll v4.3.3'>"
        "<link rel='alternate' type='application/atom+xml' href='/feed.xml'>",
        ("/feed.xml", RSS),
        lambda n: f"/page{n}/",
        _flat_sitemap("/", "/about/", "/page2/", "/page3/"),
        ("/about/", "/page2/", "/page3/"),
    ),
    "wordpress-yoast": Platform(
        "/",
        lambda post: f"/{post.date:%Y/%m/%d}/{post.slug}/",
        "<meta name='generator' content='WordPress 6.5.2'>"
        "<link rel='https://api.w.org/' href='/wp-json/'>"
        "<link rel='alternate' type='application/rss+xml' href='/feed/'>",
        ("/feed/", RSS),
        lambda n: f"/page/{n}/",
        _yoast_sitemaps,
        ("/about/", "/category/walks/", "/tag/walks/", "/author/ann/"),
    ),
    "tumblr": Platform(
        "/",
        lambda post: f"/post/7000{post.date:%j}/{post.slug}",
        "<link rel='alternate' type='application/rss+xml' href='/rss'>",
        ("/rss", RSS),
        lambda n: f"/page/{n}",
        _tumblr_sitemaps,
        ("/about", "/tagged/walks", "/archive", "/day/2023/01/02"),
    ),
    "micro.blog": Platform(
        "/",
        lambda post: f"/{post.date:%Y/%m/%d}/{post.slug}.html",
        "<meta name='generator' content='Hugo 0.91.2'>"
        "<link rel='alternate' type='application/rss+xml' href='/feed.xml'>",
        ("/feed.xml", RSS),
        lambda n: f"/page/{n}/",
        _flat_sitemap("/", "/archive/", "/photos/", "/replies/", "/now/", "/categories/walks/"),
        ("/photos/", "/replies/", "/now/", "/about/"),
    ),
    "subfolder": Platform(
        "/blog/",
        lambda post: f"/blog/{post.slug}/",
        "<link rel='alternate' type='application/rss+xml' href='/blog/feed.xml'>",
        ("/blog/feed.xml", RSS),
        lambda n: f"/blog/page/{n}/",
        _flat_sitemap("/", "/shop/", "/shop/blue-mug/", "/docs/install/", "/pricing/", "/blog/"),
        ("/shop/", "/shop/blue-mug/", "/docs/install/", "/pricing/"),
    ),
}


def _platform_pages(platform: Platform, root: str, posts: list[Post]) -> dict:
    html = {"Content-Type": "text/html; charset=utf-8"}
    newest = sorted(posts, key=lambda post: post.date, reverse=True)
    listed = [(root + platform.post_path(post), post) for post in newest]
    pages: dict = {}
    chunks = [listed[i : i + 3] for i in range(0, len(listed), 3)]
    for number, chunk in enumerate(chunks, 1):
        body = "".join(
            f"<article><h2><a href='{url}'>{post.title}</a></h2>"
            + "".join(
                f"<a href='{other}'>{other}</a> "
                for other in platform.others
                if TAXONOMY.search(other)
            )
            + "</article>"
            for url, post in chunk
        )
        body += (
            "<footer>"
            + "".join(f"<a href='{other}'>{other}</a> " for other in platform.others)
            + "</footer>"
        )
        if number < len(chunks):
            body += f"<a class='older-posts' href='{platform.pager(number + 1)}'>Older posts</a>"
        path = platform.home if number == 1 else platform.pager(number)
        pages[path] = (200, html, _html("Blog", body, platform.head))
    for url, post in listed:
        pages[url[len(root) :]] = (
            200,
            html,
            _html(
                post.title,
                f"<article><h1>{post.title}</h1><time datetime='{post.date.isoformat()}'>"
                f"{post.date:%B %d, %Y}</time><p>{post.text}</p><p>{post.text}</p></article>",
                platform.head + "<meta property='og:type' content='article'>",
            ),
        )
    for other in platform.others:
        pages.setdefault(
            other,
            (200, html, _html("Other", f"<h1>{other}</h1><p>{'Not a post at all. ' * 40}</p>")),
        )
    path, kind = platform.feed
    pages[path] = (200, {"Content-Type": kind}, _rss(listed[:FEED_SIZE]))
    sitemaps = platform.sitemaps(root, [(url, post.updated) for url, post in listed])
    for name, body in sitemaps.items():
        pages[name] = (200, {"Content-Type": XML}, body)
    for name in ("/sitemap.xml", "/wp-sitemap.xml"):
        if name not in pages and "/sitemap_index.xml" in pages:  # Yoast's redirects
            pages[name] = (301, {"Location": f"{root}/sitemap_index.xml"}, b"")
    pages["/robots.txt"] = (
        200,
        {"Content-Type": "text/plain"},
        f"User-agent: *\nDisallow: /ghost/\nSitemap: {root}{next(iter(sitemaps))}\n".encode(),
    )
    return pages


def _archived(db: Path) -> dict[str, dict]:
    return {row["url"]: row for row in rows(db, "SELECT url, gone_at FROM posts")}


@pytest.mark.parametrize("name", PLATFORMS)
def test_every_post_of_each_platform_and_nothing_else(
    name: str, static_site, tmp_path: Path
) -> None:
    """A blog whose feed holds its newest posts only, whose sitemaps also list its static
    pages, tags, authors, sections (or a whole site's shop and docs), and whose listings link
    tag, archive and pager pages: every post is archived, nothing else; then a post is added,
    one edited and one deleted, and the next crawl finds just that."""
    platform = PLATFORMS[name]
    posts = _posts(10)
    site = static_site({})
    root = site.url.rstrip("/")
    site.pages = _platform_pages(platform, root, posts)
    db = tmp_path / "archive.db"

    def crawl() -> None:
        result = run_blogarchive("crawl", root + platform.home, "--db", str(db), *LOOPBACK)
        assert result.returncode == 0, result.stderr[-3000:]

    crawl()
    expected = {root + platform.post_path(post) for post in posts}
    assert set(_archived(db)) == expected

    now = datetime.now(UTC).replace(microsecond=0)
    edited, deleted = posts[2], posts.pop(4)
    posts[posts.index(edited)] = replace(edited, updated=now, text=edited.text + " Corrected.")
    posts.append(Post("a-new-walk", now, now, "A new walk " + posts[0].text))
    site.pages = _platform_pages(platform, root, posts)
    crawl()
    archived = _archived(db)
    deleted_url = root + platform.post_path(deleted)
    assert set(archived) == {root + platform.post_path(post) for post in posts} | {deleted_url}
    assert [url for url, row in archived.items() if row["gone_at"]] == [deleted_url]
    versions = rows(
        db,
        "SELECT posts.url, count(*) AS n FROM post_versions JOIN posts ON posts.id = post_id "
        "GROUP BY posts.url HAVING n > 1",
    )
    assert [v["url"] for v in versions] == [root + platform.post_path(edited)]


def test_listing_links_resolve_against_the_pages_base_href() -> None:
    # before, relative links were resolved against the page's own address, as no browser
    # does: /page/2/2024/01/older.html, a 404, and the post was never found
    listing = (
        b"<html><head><base href='/'><title>Older posts</title></head><body>"
        b"<h2><a href='2024/01/older.html'>A January walk</a></h2>"
        b"<a rel='next' href='page/3/'>Older posts</a></body></html>"
    )
    doc = discovery.parse_html(listing)
    url = "https://static.example/page/2/"
    assert discovery.listing_post_links(doc, url) == ["https://static.example/2024/01/older.html"]
    assert discovery.pager_links(doc, url) == ["https://static.example/page/3/"]
    # a <base href> on another host takes the relative links there: none is this blog's
    elsewhere = listing.replace(b"<base href='/'>", b"<base href='https://other.example/'>")
    assert discovery.listing_post_links(discovery.parse_html(elsewhere), url) == []


def test_wordpress_api_dates_are_the_blogs_local_time_with_its_offset() -> None:
    """The API gives a post's `date` in the blog's zone (what its pages show) and `date_gmt`.
    Only `date_gmt` was kept: a post of 23:30 on 31 December in New York was dated
    2020-01-01T04:30 UTC, in the next year's facets."""
    body = json.dumps(
        [
            {
                "link": "https://wp.example/2019/12/31/pond/",
                "title": {"rendered": "Pond"},
                "date": "2019-12-31T23:30:00",
                "date_gmt": "2020-01-01T04:30:00",
                "modified": "2020-01-02T09:15:00",
                "modified_gmt": "2020-01-02T14:15:00",
            },
            {
                "link": "https://wp.example/2020/01/01/kathmandu/",
                "date": "2020-01-01T05:00:00",
                "date_gmt": "2019-12-31T23:15:00",
            },
            {"link": "https://wp.example/2020/01/02/gmt-only/", "date_gmt": "2020-01-02T10:00:00"},
        ]
    ).encode()
    posts = discovery.parse_wordpress_posts(body, "https://wp.example/wp-json/wp/v2/posts")
    assert [(post.published, post.updated) for post in posts] == [
        ("2019-12-31T23:30:00-05:00", "2020-01-02T09:15:00-05:00"),
        ("2020-01-01T05:00:00+05:45", None),
        ("2020-01-02T10:00:00+00:00", None),
    ]
