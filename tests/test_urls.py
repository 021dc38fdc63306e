"""One address per post, and which addresses are posts."""

from __future__ import annotations

import pytest

from pipeline.urls import (
    SourceURLError,
    canonical_url,
    canonical_url_or_none,
    depth_in_blog,
    is_post_url,
    join_url,
    normalise_source_url,
    same_blog,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "https://Ex.blogspot.com/2024/01/walk.html?m=1",
            "https://ex.blogspot.com/2024/01/walk.html",
        ),
        (
            "https://ex.blogspot.com/2024/01/walk.html?showComment=1712#c1712",
            "https://ex.blogspot.com/2024/01/walk.html",
        ),
        (
            "https://wp.example/2024/01/02/walk/?replytocom=5#respond",
            "https://wp.example/2024/01/02/walk/",
        ),
        (
            "https://wp.example/2024/01/02/walk/?utm_source=x&utm_medium=y&fbclid=z",
            "https://wp.example/2024/01/02/walk/",
        ),
        ("http://wp.example:80/a/?p=12", "http://wp.example/a/?p=12"),
        ("http://127.0.0.1:8101/2024/01/a.html", "http://127.0.0.1:8101/2024/01/a.html"),
        (
            "https://ex.example/post;jsessionid=A1B2?PHPSESSID=x&sid=y&p=3",
            "https://ex.example/post?p=3",
        ),
        (
            "https://ex.blogspot.co.uk/2024/01/walk.html",
            "https://ex.blogspot.com/2024/01/walk.html",
        ),
    ],
)
def test_canonical_url(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


@pytest.mark.parametrize(
    ("url", "platform", "post"),
    [
        ("https://ex.blogspot.com/2024/01/walk.html", "blogger", True),
        ("https://ex.blogspot.com/search/label/Walks", "blogger", False),
        ("https://ex.blogspot.com/search?updated-max=2024-01-01", "blogger", False),
        ("https://ex.blogspot.com/2024/01/", "blogger", False),
        ("https://ex.blogspot.com/p/about.html", "blogger", False),
        ("https://ex.blogspot.com/", "blogger", False),
        ("https://wp.example/2024/01/02/walk/", "wordpress", True),
        ("https://wp.example/category/walks/", "wordpress", False),
        ("https://wp.example/tag/hills/", "wordpress", False),
        ("https://wp.example/author/ada/", "wordpress", False),
        ("https://wp.example/page/2/", "wordpress", False),
        ("https://wp.example/feed/", "wordpress", False),
        ("https://wp.example/wp-json/wp/v2/posts", "wordpress", False),
        # WordPress "Plain" and "Numeric" permalinks, Movable Type archives, Substack posts
        ("https://wp.example/?p=123", "wordpress", True),
        ("https://wp.example/index.php?p=123", "wordpress", True),
        ("https://wp.example/?page_id=2", "wordpress", False),
        ("https://wp.example/?cat=4", "wordpress", False),
        ("https://wp.example/?s=hills", "wordpress", False),
        ("https://wp.example/archives/123", "wordpress", True),
        ("https://wp.example/archives/2024/05/", "wordpress", False),
        ("https://wp.example/archives/category/walks/", "wordpress", False),
        ("https://mt.example/archives/000123.html", "generic", True),
        ("https://mt.example/archives/2004/05/spring_walk.html", "generic", True),
        ("https://mt.example/archives/index.html", "generic", False),
        ("https://mt.example/archives/2004_05_archive.html", "generic", False),
        ("https://letters.substack.com/p/village-shops", "generic", True),
        ("https://ex.example/p/about.html", "generic", False),
        ("https://hugo.example/posts/first-light/", "generic", True),
        ("https://hugo.example/tags/astronomy/", "generic", False),
        ("https://hugo.example/images/moon.jpg", "generic", False),
        ("https://hugo.example/sitemap.xml", "generic", False),
        # Jekyll's pager, Tumblr's tag, day and archive pages, Ghost's feed pages
        ("https://jekyll.example/page2/", "generic", False),
        ("https://jekyll.example/blog/page12/", "generic", False),
        ("https://jekyll.example/2024/05/17/page-turner.html", "generic", True),
        ("https://t.example/post/7000123/a-walk", "generic", True),
        ("https://t.example/tagged/walks", "generic", False),
        ("https://t.example/day/2024/05/17", "generic", False),
        ("https://t.example/archive", "generic", False),
        ("https://t.example/rss", "generic", False),
        ("https://ghost.example/rss/2/", "generic", False),
        ("https://ghost.example/archive-of-our-walks/", "generic", True),
        ("mailto:someone@example.org", "generic", False),
    ],
)
def test_is_post_url(url: str, platform: str, post: bool) -> None:
    assert is_post_url(url, platform) is post


def test_same_blog_ignores_www_but_not_ports() -> None:
    assert same_blog("https://www.wp.example/a/", "https://wp.example/")
    assert not same_blog("http://127.0.0.1:8102/a/", "http://127.0.0.1:8101/")
    assert not same_blog("https://other.example/a/", "https://wp.example/")


@pytest.mark.parametrize(
    ("given", "source"),
    [
        ("ex.blogspot.com/2023/05/slug.html", "https://ex.blogspot.com/"),
        ("https://ex.example/2023/05/12/slug/", "https://ex.example/"),
        ("https://ex.example/2023/05/12/slug", "https://ex.example/"),
        ("https://ex.example/blog/2023/05/slug.html?m=1#c", "https://ex.example/blog/"),
        ("http://[::1]:8080/2023/05/a.html", "http://[::1]:8080/"),
        # a page listing some of its posts stands for the blog too
        ("https://ex.example/2023/05/", "https://ex.example/"),
        ("https://ex.example/2023/05/12/", "https://ex.example/"),
        ("https://ex.example/blog/2023/", "https://ex.example/blog/"),
        ("ex.blogspot.com/search/label/Astronomy", "https://ex.blogspot.com/"),
        (
            "https://ex.blogspot.com/search?updated-max=2023-05-01T00:00:00Z",
            "https://ex.blogspot.com/",
        ),
        ("https://ex.example/category/astronomy/", "https://ex.example/"),
        ("https://ex.example/blog/tag/night-sky/page/2/", "https://ex.example/blog/"),
        ("https://ex.example/author/ann/", "https://ex.example/"),
        ("https://ex.example/page/3/", "https://ex.example/"),
        # static pages and folders are neither: kept as given
        ("https://ex.example/p/about.html", "https://ex.example/p/about.html"),
        ("https://ex.example/blog/", "https://ex.example/blog/"),
        ("https://ex.example/tags-and-notes/", "https://ex.example/tags-and-notes/"),
        ("https://ex.example/categories", "https://ex.example/categories"),
    ],
)
def test_a_post_or_listing_address_stands_for_its_blog(given: str, source: str) -> None:
    assert normalise_source_url(given) == source


def test_normalise_source_url() -> None:
    assert normalise_source_url("ex.blogspot.com") == "https://ex.blogspot.com/"
    assert (
        normalise_source_url(" http://EX.example/blog/?utm_source=a ") == "http://ex.example/blog/"
    )
    assert normalise_source_url("localhost:8080") == "https://localhost:8080/"
    assert normalise_source_url("http://[::1]:8080/blog") == "http://[::1]:8080/blog"
    assert normalise_source_url("https://bücher.example/") == "https://bücher.example/"
    for bad in (
        "",
        "ftp://ex.example/",
        "http://",
        "http://ex.example:notaport/",
        "not a url",
        "javascript:alert(1)",
        "mailto:someone@ex.example",
        "http://-ex.example/",
        "https://ex..example/",
    ):
        with pytest.raises(SourceURLError):
            normalise_source_url(bad)


@pytest.mark.parametrize("href", ["http://[broken/x.html", "https://blog.example:99999/a", "//[x"])
def test_malformed_addresses_are_none_not_errors(href: str) -> None:
    assert join_url("https://blog.example/", href) is None
    assert canonical_url_or_none(href, base="https://blog.example/") is None
    assert not same_blog(href, "https://blog.example/")
    assert not same_blog(href, href)
    assert (
        join_url("https://blog.example/2024/", "01/a.html") == "https://blog.example/2024/01/a.html"
    )


def test_depth_in_blog_and_outside_its_folder() -> None:
    assert depth_in_blog("https://ex.org/blog/walk/", "https://ex.org/blog/") == 1
    assert depth_in_blog("https://ex.org/blog/walk/", "https://ex.org/blog") == 1
    assert depth_in_blog("https://ex.org/blog/2024/05/walk.html", "https://ex.org/blog/") == 3
    assert depth_in_blog("https://ex.org/blog", "https://ex.org/blog/") == 0
    assert depth_in_blog("https://ex.org/shop/mug/", "https://ex.org/blog/") is None
    assert depth_in_blog("https://ex.org/blogroll/", "https://ex.org/blog/") is None
    assert depth_in_blog("https://ex.org/posts/walk/", "https://ex.org/") == 2
    assert depth_in_blog("https://ex.org/about/", "https://ex.org/") == 1
    assert depth_in_blog("http://[broken/2024/01/x.html", "https://ex.org/") is None
