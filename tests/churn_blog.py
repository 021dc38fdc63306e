"""A WordPress-style blog whose post pages change on every fetch the way real blogs' pages do,
for tests/test_extraction.py and tests/test_recrawl.py.

Each post carries one kind of churn (:data:`CHURN`): relative dates, view / like / comment
counters, rotating related / popular / recent posts, a quote of the day, "Page generated in"
and "Last cached" footers, Cloudflare e-mail obfuscation, form nonces, cache-busting image
URLs, lazy-load placeholders, reading time, rotating ads, wp-embed secrets, Jetpack's "Like
this:"... `post_page(post, fetch)` renders the page as the blog serves it on its `fetch`-th
request: only the churn differs between two fetches, never what the author wrote.

`churn_site_pages(site_url, posts, fetch)` gives the pages of a whole blog (home page, sitemap
without `lastmod`, one page per post) for `conftest.StaticSite`; a test assigns it again before
each crawl. Run it alone to look at a page: `.venv/bin/python tests/churn_blog.py KIND`.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

PARAGRAPHS = [
    "The allotment committee met on a wet Thursday to decide what to do about the water butts.",
    "Three of them had split over the winter, and the fourth leaned so far to one side that "
    "nobody trusted it near the path where the children ride their bikes on Saturdays.",
    "In the end we agreed to buy two new ones from the farm shop and to mend the rest with the "
    "rubber patches that Ivor keeps in a biscuit tin in his shed for exactly this purpose.",
    "Ivor also promised to show anyone who asked how to fit a tap low enough to fill a can "
    "without tipping the whole butt, a trick nobody else on the site has ever mastered.",
]
OTHER_POSTS = [
    "Seed swap in March", "Why the pond froze", "The new compost bays", "Bees at last",
    "Leeks, again", "The shed roof saga", "Frost dates", "Forcing rhubarb",
]  # fmt: skip


def _number(seed: str, digits: int) -> str:
    return str(int(hashlib.sha1(seed.encode()).hexdigest(), 16))[:digits]


def cloudflare_hex(email: str, key: int) -> str:
    """Cloudflare's `data-cfemail`: a key byte, then each character XOR the key. Cloudflare
    picks a new key for every response."""
    return f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in email)


def _rotating(fetch: int, count: int = 3) -> str:
    titles = [OTHER_POSTS[(fetch * 3 + i) % len(OTHER_POSTS)] for i in range(count)]
    return "".join(
        f"<li><a href='/2023/0{i + 1}/other-{i}/'>{t}</a></li>" for i, t in enumerate(titles)
    )


def _either(fetch: int, *texts: str) -> str:
    return texts[fetch % len(texts)]


def _churn(n: int) -> dict[str, dict[str, str]]:
    """Each kind of churn, and where it goes on fetch `n`: `head`, `top_bar`, `meta` (under the title),
    `start` / `end` (inside the post's content), `after` (after the article), `sidebar`,
    `footer`."""
    views = f"{1200 + 37 * n:,}"
    cf = cloudflare_hex("mara@plot14.example", 17 + n)
    secret = _number(f"secret{n}", 10)
    cached = date(2025, 11, 20) + timedelta(days=40 * n)  # a fetch every 40 days
    kinds = {
        # relative dates
        "relative date in the byline": {
            "meta": f"<span class='td-post-date'><time class='entry-date updated' "
            f"datetime='2024-05-12T09:00:00+00:00'>{n + 2} hours ago</time></span>"
        },
        "relative date line": {"start": f"<p class='post-time'>Posted {n + 2} hours ago</p>"},
        "relative update line": {"start": f"<p>Updated: {n + 2} minutes ago</p>"},
        "relative last updated": {
            "end": f"<p class='last-updated'>Last updated {n + 3} days ago</p>"
        },
        "today's date in the top bar": {
            "top_bar": f"<div class='td_data_time'>{_either(n, 'Sunday', 'Monday')}, "
            f"November {20 + n}, 2026</div>"
        },
        # counters
        "views counter plugin": {
            "start": "<div class='post-views content-post post-77 entry-meta'><span "
            f"class='post-views-label'>Post Views:</span> <span class='post-views-count'>{views}"
            "</span></div>"
        },
        "views line": {"end": f"<p class='post-views'>{views} views</p>"},
        "views label line": {"end": f"<p>Views: {views}</p>"},
        "hits line": {"start": f"<div class='hits'>Hits: {1200 + n}</div>"},
        "viewed times line": {"end": f"<p>This post has been viewed {views} times.</p>"},
        "views in the meta line": {
            "meta": f"<div class='meta-info'><span>{views} views</span></div>"
        },
        "likes counter": {
            "end": "<p class='zilla-likes-wrap'><a class='zilla-likes' href='#'><span "
            f"class='zilla-likes-count'>{40 + n}</span> likes</a></p>"
        },
        "Jetpack liked by": {"end": f"<p class='wpl-count'>Liked by {5 + n} people</p>"},
        "share counter": {"start": f"<div class='share-count-box'>{1200 + n} Shares</div>"},
        "comments link": {
            "meta": f"<span class='comments-link'><a href='#comments'>{10 + n} Comments</a></span>"
        },
        "comment count heading": {
            "after": f"<h2 class='comments-heading'>{10 + n} thoughts on &#8220;Water "
            "butts&#8221;</h2>"
        },
        "comment count line": {"end": f"<p><a href='#comments'>{10 + n} Responses</a></p>"},
        "reading time and words": {
            "start": f"<p class='reading'>{3 + n % 2} minute read &#183; {800 + n * 13} words</p>"
        },
        "reading time plugin": {
            "start": "<span class='span-reading-time rt-reading-time'><span class='rt-label'>"
            f"Reading Time: </span> <span class='rt-time'>{3 + n % 2}</span> <span "
            "class='rt-label rt-postfix'>minutes</span></span>"
        },
        # rotating lists and widgets
        "Jetpack related posts": {
            "end": "<div id='jp-relatedposts' class='jp-relatedposts'><h3 "
            f"class='jp-relatedposts-headline'>Related</h3><ul>{_rotating(n)}</ul></div>"
        },
        "theme related posts": {
            "after": f"<div class='related-posts-wrap'><h3>You might also like</h3><ul>"
            f"{_rotating(n)}</ul></div>"
        },
        "plugin related posts": {
            "end": "<div class='rp4wp-related-posts'><h3>Related Posts</h3><ul>"
            f"{_rotating(n)}</ul></div>"
        },
        "popular posts widget": {
            "sidebar": "<section class='widget widget_top-posts'><h2 class='widget-title'>"
            f"Popular Posts</h2><ul>{_rotating(n)}</ul></section>"
        },
        "recent posts in the footer": {
            "footer": f"<div class='footer-widgets'><h2>Recent Posts</h2><ul>{_rotating(n)}</ul></div>"
        },
        "quote of the day widget": {
            "sidebar": "<section class='widget widget_random_quote'><h2 class='widget-title'>"
            "Quote of the day</h2><blockquote>"
            + _either(n, "Well begun is half done.", "Make hay while the sun shines.")
            + "</blockquote></section>"
        },
        # footers
        "page generated footer": {"footer": f"<p>Page generated in 0.0{120 + n} seconds.</p>"},
        "last cached footer": {"footer": f"<p>Last cached: {cached.isoformat()} 17:03:12</p>"},
        # HTML-only churn
        "Cloudflare e-mail": {
            "end": f"<p>Write to me at <a href='/cdn-cgi/l/email-protection#{cf}' "
            f"class='__cf_email__' data-cfemail='{cf}'>[email&#160;protected]</a> to book "
            "a lesson.</p>"
        },
        "form nonce": {
            "end": f"<form method='post' action='/subscribe'><input type='hidden' "
            f"name='_wpnonce' value='{secret}'><input type='email' name='email'></form>"
        },
        "cache-busting image URL": {
            "start": "<figure class='wp-block-image'><img src='/wp-content/uploads/2024/05/"
            f"butts.jpg?ver={1732890000 + n}' alt='Two new water butts'><figcaption>The new "
            "butts</figcaption></figure>"
        },
        "lazy-load placeholder": {
            "start": "<figure class='wp-block-image'><img src='"
            + _either(n, "/wp-content/uploads/butts.jpg", "data:image/svg+xml,%3Csvg%3E%3C/svg%3E")
            + "' data-lazy-src='/wp-content/uploads/butts.jpg' alt='Two new water butts'>"
            "<figcaption>The new butts</figcaption></figure>"
        },
        "wp-embed secret": {
            "end": f"<blockquote class='wp-embedded-content' data-secret='{secret}'><a "
            "href='/2023/01/pond/'>Why the pond froze</a></blockquote><iframe "
            f"class='wp-embedded-content' src='/2023/01/pond/embed/#?secret={secret}' "
            f"data-secret='{secret}' title='Why the pond froze'></iframe>"
        },
        "Jetpack Like this": {
            "after": "<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper' "
            f"id='like-post-wrapper-1-77-{secret}'><h3 class='sd-title'>Like this:</h3><div "
            "class='likes-widget-placeholder post-likes-widget-placeholder'><span>Like</span> "
            "<span class='loading'>Loading...</span></div></div>"
        },
        # ads
        "Ad Inserter block": {
            "end": "<div class='code-block code-block-2' style='margin: 8px 0; clear: both;'>"
            "<p>"
            + _either(
                n,
                "Garden sheds from 199 pounds, free delivery this week only.",
                "Learn Spanish in thirty days with our award-winning app.",
            )
            + "</p></div>"
        },
        "advertisement box": {
            "end": "<div class='advertisement'><span class='ad-label'>Advertisement</span><p>"
            + _either(n, "Cheap flights to Lisbon this winter.", "The best mattress of 2026.")
            + "</p></div>"
        },
        "AdSense unit": {
            "end": "<ins class='adsbygoogle' style='display:block' data-ad-client='ca-pub-"
            f"{_number(str(n), 8)}'></ins><div class='google-auto-placed'><p>"
            + _either(n, "Garden sheds from 199 pounds.", "Flights to Lisbon this winter.")
            + "</p></div>"
        },
        "Amazon affiliate box": {
            "end": "<div class='aawp'><p class='aawp-product__title'>Rain water butt, 210 "
            f"litres</p><p class='aawp-product__price'>&#163;{39 + n}.99</p><p "
            f"class='aawp-disclaimer'>Last update on 2026-11-{20 + n} / Affiliate links / "
            "Images from Amazon Product Advertising API</p></div>"
        },
        "price as of": {"end": f"<p>Price: &#163;{39 + n}.99 (as of 29/11/2026 1{n}:03 GMT)</p>"},
    }
    return kinds


CHURN: tuple[str, ...] = tuple(_churn(0))


@dataclass
class ChurnPost:
    """One post of the blog: what the author wrote, and the kind of churn its page carries."""

    slug: str
    title: str = "Water butts"
    paragraphs: list[str] = field(default_factory=lambda: list(PARAGRAPHS))
    tags: list[str] = field(default_factory=lambda: ["Allotment", "Repairs"])
    churn: str | None = None
    body_html: str = ""  # instead of the paragraphs
    dated: bool = True  # False: no date in the markup (htmldate guesses one)

    @property
    def path(self) -> str:
        return f"/2024/05/{self.slug}/"


def post_page(post: ChurnPost, fetch: int, post_id: int = 77) -> str:
    """The page of `post` as served on the blog's `fetch`-th request."""
    slot = _churn(fetch)[post.churn] if post.churn else {}
    body = post.body_html or "".join(f"<p>{escape(p)}</p>" for p in post.paragraphs)
    tags = ", ".join(
        f"<a href='/tag/{escape(t.lower())}/' rel='tag'>{escape(t)}</a>" for t in post.tags
    )
    title = escape(post.title)
    nonce = _number(f"nonce{fetch}", 10)
    published_meta = posted_on = ""
    if post.dated:
        published_meta = (
            '<meta property="article:published_time" content="2024-05-12T09:00:00+00:00">'
        )
        posted_on = (
            '<span class="posted-on"><time class="entry-date published" '
            'datetime="2024-05-12T09:00:00+00:00">12 May 2024</time></span> '
        )
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>{title} &#8211; Plot 14</title>
<meta property="og:title" content="{title}">
{published_meta}
<link rel="stylesheet" href="/wp-includes/css/style.min.css?ver=6.{fetch}.1">{slot.get("head", "")}
</head><body class="post-template-default single single-post postid-{post_id}">
<div id="page" class="site">{slot.get("top_bar", "")}
<header id="masthead" class="site-header"><p class="site-title"><a href="/">Plot 14</a></p>
<nav class="main-navigation"><ul><li><a href="/">Home</a></li><li><a href="/about/">About</a>
</li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta">{posted_on}<span class="byline">by <span
class="author vcard"><a class="url fn n" href="/author/mara/">Mara</a></span></span></div>
{slot.get("meta", "")}</header>
<div class="entry-content">{slot.get("start", "")}{body}{slot.get("end", "")}</div>
<footer class="entry-footer"><span class="tags-links">Tagged {tags}</span></footer>
</article>{slot.get("after", "")}
<div id="comments" class="comments-area"><div id="respond" class="comment-respond">
<h3 id="reply-title">Leave a Reply</h3><form action="/wp-comments-post.php" method="post">
<textarea name="comment"></textarea><input type="hidden" name="akismet_comment_nonce"
value="{nonce}"></form></div></div>
</main></div>
<div class="right-column">{slot.get("sidebar", "")}</div>
</div>
<footer id="colophon" class="site-footer">{slot.get("footer", "")}<div class="site-info">
Proudly powered by WordPress</div></footer>
</div></body></html>"""


def churn_site_pages(site_url: str, posts: list[ChurnPost], fetch: int) -> dict[str, tuple]:
    """The blog as `conftest.StaticSite` serves it on its `fetch`-th crawl: the home page
    links to every post, the sitemap lists them without `lastmod` (so every crawl fetches
    every post again, as a blog without change signals is crawled)."""
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    links = "".join(
        f"<li><a href='{site_url}{p.path[1:]}'>{escape(p.title)}</a></li>" for p in posts
    )
    home = (
        "<!DOCTYPE html><html lang='en-GB'><head><title>Plot 14</title></head><body>"
        f"<h1>Plot 14</h1><ul>{links}</ul></body></html>"
    )
    locs = "".join(f"<url><loc>{site_url}{p.path[1:]}</loc></url>" for p in posts)
    sitemap = f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{locs}</urlset>"
    pages: dict[str, tuple] = {
        "/": (200, html_type, home.encode()),
        "/sitemap.xml": (200, {"Content-Type": "application/xml"}, sitemap.encode()),
    }
    for number, post in enumerate(posts):
        pages[post.path] = (200, html_type, post_page(post, fetch, 100 + number).encode())
    return pages


if __name__ == "__main__":
    print(post_page(ChurnPost("water-butts", churn=sys.argv[1] if len(sys.argv) > 1 else None), 1))
