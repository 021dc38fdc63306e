"""The bundled demo blogs: what a crawler relies on, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from pipeline.demo.content import (
    CLUTTER_STRINGS,
    DemoPost,
    blogger_posts,
    distinctive_word,
    synthetic_posts,
    wordpress_posts,
)
from pipeline.demo.server import BloggerSite, DemoServer, WordPressSite, start_demo_blogs

ATOM = "{http://www.w3.org/2005/Atom}"
OS = "{http://a9.com/-/spec/opensearchrss/1.0/}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """(status, headers, body) without raising on 4xx/3xx."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def blogs():
    with start_demo_blogs() as b:
        yield b


@pytest.fixture()
def fresh_blogger():
    with DemoServer(BloggerSite()) as s:
        yield s


@pytest.fixture()
def fresh_wordpress():
    with DemoServer(WordPressSite()) as s:
        yield s


# -- content ---------------------------------------------------------------


def test_content_shape():
    for posts, minimum in ((blogger_posts(), 20), (wordpress_posts(), 14)):
        assert len(posts) >= minimum
        assert len({p.slug for p in posts}) == len(posts)
        for p in posts:
            assert 3 <= len(p.paragraphs), p.slug
            assert 1 <= len(p.labels) <= 4
            assert p.published.endswith("+00:00") and p.updated >= p.published
            assert p.text == "\n".join(p.paragraphs)
            distinctive_word(p, posts)  # raises if none
            blob = (p.title + p.text + " ".join(c.text for c in p.comments)).lower()
            for clutter in CLUTTER_STRINGS:
                assert clutter.lower() not in blob, (p.slug, clutter)
    assert blogger_posts() is not blogger_posts()
    a = blogger_posts()
    a[0].paragraphs.append("x")
    assert blogger_posts()[0].paragraphs[-1] != "x"
    assert len({p.author for p in wordpress_posts()}) == 2
    assert any(not t.isascii() for t in (p.title for p in blogger_posts()))
    assert any(c.parent for p in blogger_posts() for c in p.comments)


def test_xss_post_present():
    bodies = [p.body_html or "" for p in wordpress_posts()]
    evil = [b for b in bodies if "<script>alert(1)</script>" in b]
    assert len(evil) == 1
    assert 'onerror="alert(2)"' in evil[0] and 'href="javascript:alert(3)"' in evil[0]


def test_synthetic_posts_deterministic():
    a = synthetic_posts(50, seed=3)
    b = synthetic_posts(50, seed=3)
    assert a == b
    assert len({p.slug for p in a}) == 50
    assert [p.published for p in a] == sorted(p.published for p in a)
    assert all(distinctive_word(p, a).startswith("qx") for p in a)
    big = synthetic_posts(3, paragraphs=40)
    assert 10_000 < len(big[0].text) < 25_000


# -- Blogger -----------------------------------------------------------------


def test_blogger_robots(blogs):
    status, headers, body = fetch(blogs.blogger.url + "robots.txt")
    assert status == 200 and "charset" in headers["Content-Type"]
    host = blogs.blogger.url.rstrip("/")
    assert body.decode() == (
        "User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\nDisallow: /search\n"
        f"Allow: /\n\nSitemap: {host}/sitemap.xml\n"
    )


@pytest.mark.parametrize("alt", ["atom", "rss"])
def test_blogger_feed_paging(blogs, alt):
    site = blogs.blogger.site
    expected = {blogs.blogger.post_url(p) for p in site.posts}
    url = blogs.blogger.url + "feeds/posts/default" + ("?alt=rss" if alt == "rss" else "")
    seen: list[str] = []
    pages = 0
    while url:
        status, headers, body = fetch(url)
        assert status == 200
        root = ET.fromstring(body)
        pages += 1
        if alt == "atom":
            assert headers["Content-Type"].startswith("application/atom+xml")
            assert int(root.find(OS + "totalResults").text) == len(site.posts)
            assert int(root.find(OS + "itemsPerPage").text) == 10
            for entry in root.findall(ATOM + "entry"):
                link = [x for x in entry.findall(ATOM + "link") if x.get("rel") == "alternate"]
                seen.append(link[0].get("href"))
                assert entry.find(ATOM + "id").text.startswith("tag:blogger.com,1999:blog-")
                assert entry.find(ATOM + "content").get("type") == "html"
                assert entry.find(ATOM + "category").get("scheme").endswith("/atom/ns#")
            nxt = [x for x in root.findall(ATOM + "link") if x.get("rel") == "next"]
        else:
            channel = root.find("channel")
            seen += [item.find("link").text for item in channel.findall("item")]
            nxt = [x for x in channel.findall(ATOM + "link") if x.get("rel") == "next"]
        url = nxt[0].get("href") if nxt else None
    assert pages >= 3
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_blogger_feed_start_index_and_cap(blogs):
    base = blogs.blogger.url + "feeds/posts/default?"
    _, _, body = fetch(base + urlencode({"start-index": 3, "max-results": 500}))
    root = ET.fromstring(body)
    assert root.find(OS + "startIndex").text == "3"
    assert len(root.findall(ATOM + "entry")) == 10  # capped
    _, _, body = fetch(base + urlencode({"start-index": 21, "max-results": 10}))
    entries = ET.fromstring(body).findall(ATOM + "entry")
    assert len(entries) == len(blogs.blogger.site.posts) - 20
    assert not [x for x in ET.fromstring(body).findall(ATOM + "link") if x.get("rel") == "next"]


def _sitemap_urls(index_url: str) -> list[str]:
    status, _, body = fetch(index_url)
    assert status == 200
    root = ET.fromstring(body)
    assert root.tag == SM + "sitemapindex"
    parts = [loc.text for loc in root.iter(SM + "loc")]
    urls = []
    for part in parts:
        status, headers, body = fetch(part)
        assert status == 200 and "xml" in headers["Content-Type"]
        tree = ET.fromstring(body)
        for url in tree.findall(SM + "url"):
            urls.append(url.find(SM + "loc").text)
    return parts, urls


def test_blogger_sitemap(blogs):
    parts, urls = _sitemap_urls(blogs.blogger.url + "sitemap.xml")
    assert len(parts) >= 3
    assert all("sitemap.xml?page=" in p for p in parts)
    expected = sorted(blogs.blogger.post_url(p) for p in blogs.blogger.site.posts)
    assert sorted(urls) == expected


def test_blogger_post_page_realistic(blogs):
    site = blogs.blogger.site
    for post in site.posts[:5] + [p for p in site.posts if p.comments][:3]:
        status, headers, body = fetch(blogs.blogger.post_url(post))
        assert status == 200 and headers["Content-Type"] == "text/html; charset=UTF-8"
        assert headers["Last-Modified"] and headers["ETag"]
        page = body.decode()
        assert 30_000 < len(body) < 150_000
        assert "<meta content='blogger' name='generator'/>" in page
        assert f"<title>{site.title}: " in page
        assert "h3 class='post-title entry-title'" in page
        assert "post-body entry-content" in page
        assert "application/atom+xml" in page and "/feeds/posts/default" in page
        for label in post.labels:
            assert f"rel='tag'>\n{label}\n</a>" in page
        for clutter in (
            "Get link",
            "Facebook",
            "Pinterest",
            "Other Apps",
            "Post a Comment",
            "Popular Posts",
            "Blog Archive",
            "Labels",
            "View my complete profile",
            "Powered by Blogger",
            "Home",
        ):
            assert clutter in page, clutter
        assert page.count("post-share-buttons-") == 2
        assert "Newer Post" in page or "Older Post" in page
        assert "section class='comments" in page and "<h3 class='title'>Comments</h3>" in page
        for c in post.comments:
            assert f'id="c{c.comment_id}"' in page and "showComment=" in page
        if any(c.parent for c in post.comments):
            assert 'class="comment-replies"' in page
        assert distinctive_word(post, site.posts) in page.lower()


def test_blogger_other_urls(blogs):
    b = blogs.blogger.url.rstrip("/")
    status, _, body = fetch(b + "/")
    assert status == 200 and "/search?updated-max=" in body.decode()
    status, _, body = fetch(b + "/search/label/Astronomy")
    assert status == 200 and "Noctilucent" in body.decode()
    assert fetch(b + "/2023/04/")[0] == 200
    assert fetch(b + "/p/about.html")[0] == 200
    assert fetch(b + "/2023/04/no-such-post.html")[0] == 404
    status, headers, body = fetch(b + "/nothing/here")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    status, headers, body = fetch(b + "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


# -- WordPress ---------------------------------------------------------------


def test_wordpress_robots(blogs):
    host = blogs.wordpress.url.rstrip("/")
    _, _, body = fetch(host + "/robots.txt")
    assert body.decode() == (
        "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
        f"Sitemap: {host}/wp-sitemap.xml\n"
    )


def test_wordpress_feed_paging(blogs):
    b = blogs.wordpress.url.rstrip("/")
    seen = []
    for paged in range(1, 10):
        status, headers, body = fetch(f"{b}/feed/?paged={paged}")
        if status == 404:
            break
        assert headers["Content-Type"] == "application/rss+xml; charset=UTF-8"
        channel = ET.fromstring(body).find("channel")
        items = channel.findall("item")
        assert items and len(items) <= 10
        for item in items:
            seen.append(item.find("link").text)
            assert item.find("{http://purl.org/dc/elements/1.1/}creator").text
            assert item.find("{http://purl.org/rss/1.0/modules/content/}encoded").text
            assert item.findall("category")
    assert paged >= 3
    expected = {blogs.wordpress.post_url(p) for p in blogs.wordpress.site.posts}
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_wordpress_sitemap(blogs):
    parts, urls = _sitemap_urls(blogs.wordpress.url + "wp-sitemap.xml")
    names = [p.rsplit("/", 1)[1] for p in parts]
    assert "wp-sitemap-posts-post-2.xml" in names
    for n in ("posts-page-1", "taxonomies-category-1", "users-1"):
        assert f"wp-sitemap-{n}.xml" in names
    posts = [u for u in urls if re.search(r"/\d{4}/\d{2}/\d{2}/", u)]
    expected = sorted(blogs.wordpress.post_url(p) for p in blogs.wordpress.site.posts)
    assert sorted(posts) == expected


def test_wordpress_rest_api(blogs):
    b = blogs.wordpress.url.rstrip("/")
    total = len(blogs.wordpress.site.posts)
    ids = []
    page = 1
    while True:
        status, headers, body = fetch(f"{b}/wp-json/wp/v2/posts?per_page=4&page={page}")
        if status == 400:
            assert json.loads(body)["code"] == "rest_post_invalid_page_number"
            break
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        assert int(headers["X-WP-Total"]) == total
        assert int(headers["X-WP-TotalPages"]) == -(-total // 4)
        for obj in json.loads(body):
            ids.append(obj["id"])
            for key in (
                "date",
                "date_gmt",
                "modified",
                "modified_gmt",
                "slug",
                "link",
                "title",
                "content",
                "excerpt",
                "author",
                "categories",
                "tags",
            ):
                assert key in obj
            assert obj["link"].startswith(b)
        page += 1
    assert len(ids) == total == len(set(ids))
    _, _, body = fetch(f"{b}/wp-json/wp/v2/posts?per_page=100&_fields=id,link,modified_gmt")
    objs = json.loads(body)
    assert len(objs) == total and set(objs[0]) == {"id", "link", "modified_gmt"}
    newest = max(p.updated for p in blogs.wordpress.site.posts)
    _, _, body = fetch(f"{b}/wp-json/wp/v2/posts?modified_after={newest[:19]}")
    assert json.loads(body) == []
    assert fetch(f"{b}/wp-json/wp/v2/posts?per_page=101")[0] == 400
    _, _, body = fetch(f"{b}/wp-json/wp/v2/categories?per_page=100")
    cat_names = {c["name"] for c in json.loads(body)}
    assert {"Cycling", "Astronomy"} <= cat_names
    _, _, body = fetch(f"{b}/wp-json/wp/v2/users")
    assert {u["name"] for u in json.loads(body)} == {p.author for p in wordpress_posts()}
    _, _, body = fetch(f"{b}/wp-json/wp/v2/tags?per_page=100")
    assert "repairs" in {t["name"] for t in json.loads(body)}


def test_wordpress_post_page_realistic(blogs):
    site = blogs.wordpress.site
    for post in site.posts[:4] + [p for p in site.posts if p.comments][:3]:
        status, headers, body = fetch(blogs.wordpress.post_url(post))
        assert status == 200 and headers["Last-Modified"] and headers["ETag"]
        page = body.decode()
        assert 30_000 < len(body) < 150_000
        assert '<meta name="generator" content="WordPress 6.6.2" />' in page
        assert '<link rel="https://api.w.org/"' in page
        assert '<h1 class="entry-title">' in page
        assert 'class="yoast-schema-graph"' in page and '"datePublished"' in page
        assert f'rel="canonical" href="{blogs.wordpress.post_url(post)}"' in page
        for clutter in ("Share this:", "Like this:", "Related", "Leave a Reply", "Posted in"):
            assert clutter in page, clutter
        cats, tags = site.split_labels(post)
        for c in cats:
            assert f'rel="category tag">{c}</a>' in page
        for t in tags:
            assert f'rel="tag">{t}</a>' in page
        # Jetpack blocks sit inside entry-content, after the body
        content = page.split('<div class="entry-content">', 1)[1]
        assert content.index("sharedaddy") < content.index("<!-- .entry-content -->")
        if post.comments:
            assert "thought" in page and '<ol class="comment-list">' in page
            for c in post.comments:
                assert f'id="comment-{c.comment_id}"' in page
                assert f"?replytocom={c.comment_id}#respond" in page
        if any(c.parent for c in post.comments):
            assert '<ol class="children">' in page
        assert distinctive_word(post, site.posts) in page.lower()


def test_wordpress_other_urls(blogs):
    b = blogs.wordpress.url.rstrip("/")
    status, _, body = fetch(b + "/")
    assert status == 200 and f"{b}/page/2/" in body.decode() and "Older posts" in body.decode()
    for path in (
        "/page/2/",
        "/category/cycling/",
        "/tag/repairs/",
        "/author/priya-nair/",
        "/about/",
        "/2023/06/",
    ):
        assert fetch(b + path)[0] == 200, path
    assert fetch(b + "/page/9/")[0] == 404
    assert fetch(b + "/category/nope/")[0] == 404
    status, headers, _ = fetch(b + "/nothing/", method="GET")
    assert status == 404 and "charset" in headers["Content-Type"]


# -- conditional requests and live edits ---------------------------------------


@pytest.mark.parametrize("which", ["blogger", "wordpress"])
def test_conditional_requests(blogs, which):
    srv = getattr(blogs, which)
    url = srv.post_url(srv.site.posts[0])
    status, headers, _ = fetch(url)
    etag, lm = headers["ETag"], headers["Last-Modified"]
    status, headers2, body = fetch(url, {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers2["ETag"] == etag
    assert fetch(url, {"If-Modified-Since": lm})[0] == 304
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200


def _edit(post: DemoPost) -> None:
    post.paragraphs = ["A freshly rewritten paragraph about zanzibarite."] + post.paragraphs[1:]
    post.updated = "2025-01-01T00:00:00+00:00"


def test_blogger_edits_and_removals(fresh_blogger):
    srv = fresh_blogger
    post = srv.site.posts[3]
    url = srv.post_url(post)
    _, headers, _ = fetch(url)
    etag = headers["ETag"]
    _edit(post)
    status, headers, body = fetch(url, {"If-None-Match": etag})
    assert status == 200 and b"zanzibarite" in body and headers["ETag"] != etag
    _, _, body = fetch(srv.url + "feeds/posts/default?orderby=updated")
    assert b"zanzibarite" in body
    _, _, body = fetch(srv.url + "feeds/posts/default?updated-min=2024-12-31T00:00:00Z")
    assert len(ET.fromstring(body).findall(ATOM + "entry")) == 1
    srv.site.posts.remove(post)
    assert fetch(url)[0] == 404
    _, urls = _sitemap_urls(srv.url + "sitemap.xml")
    assert url not in urls and len(urls) == len(srv.site.posts)


def test_wordpress_edits_and_removals(fresh_wordpress):
    srv = fresh_wordpress
    b = srv.url.rstrip("/")
    post = next(p for p in srv.site.posts if p.body_html)  # body_html goes stale on edit
    url = srv.post_url(post)
    _edit(post)
    _, _, body = fetch(url)
    assert b"zanzibarite" in body
    _, _, body = fetch(f"{b}/wp-json/wp/v2/posts?modified_after=2024-12-31T00:00:00")
    objs = json.loads(body)
    assert [o["slug"] for o in objs] == [post.slug] and "zanzibarite" in objs[0]["content"][
        "rendered"
    ]
    srv.site.posts.remove(post)
    assert fetch(url)[0] == 404
    _, headers, _ = fetch(f"{b}/wp-json/wp/v2/posts")
    assert int(headers["X-WP-Total"]) == len(srv.site.posts)
    _, _, body = fetch(b + "/feed/")
    assert url.encode() not in body


def test_pure_handle_and_requests_counter():
    site = WordPressSite(synthetic_posts(30))
    status, headers, body = site.handle("GET", "/wp-json/wp/v2/posts?page=2", {"Host": "x.test"})
    assert status == 200 and headers["X-WP-TotalPages"] == "3"
    assert json.loads(body)[0]["link"].startswith("http://x.test/")
    status, _, _ = site.handle("POST", "/", {})
    assert status == 405
    with DemoServer(BloggerSite(synthetic_posts(25))) as srv:
        before = srv.requests
        for _ in range(3):
            fetch(srv.url + "robots.txt")
        assert srv.requests == before + 3
        assert srv.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("spelling", ["--blogger-port", "--port-blogger"])
def test_the_demo_server_command_serves_both_blogs(spelling: str) -> None:
    # What the README's "The demo blogs alone" runs, with the option names of `blogarchive demo`
    # (the older --port-* names still work).
    wordpress = spelling.replace("blogger", "wordpress")
    command = [sys.executable, "-m", "pipeline.demo.server", spelling, "0", wordpress, "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            urls = [server.stdout.readline().split()[-1] for _ in range(2)]
            assert [fetch(url + "robots.txt")[0] for url in urls] == [200, 200]
            assert b"blogger.com" in fetch(urls[0])[2].lower()
        finally:
            server.terminate()
