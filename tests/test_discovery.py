"""Discovery rules on hand-written feeds, sitemaps and API answers."""

from __future__ import annotations

import json

import pytest

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
    assert first.published == "2024-05-01T07:00:00+00:00"
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


def test_wordpress_sitemaps_followed_are_post_sitemaps_only() -> None:
    assert discovery.wordpress_sitemap_wanted("https://wp.example/wp-sitemap-posts-post-2.xml")
    for skipped in (
        "wp-sitemap-posts-page-1.xml",
        "wp-sitemap-taxonomies-category-1.xml",
        "wp-sitemap-users-1.xml",
    ):
        assert not discovery.wordpress_sitemap_wanted("https://wp.example/" + skipped)
    assert discovery.wordpress_sitemap_wanted("https://ex.blogspot.com/sitemap.xml?page=2")


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
