"""Bundled loopback demo blogs (Blogger-style and WordPress-style) and their content.

Server classes are imported lazily so that ``python -m pipeline.demo.server`` runs
without a double-import warning.
"""

from .content import (
    DemoComment,
    DemoPost,
    blogger_posts,
    distinctive_word,
    synthetic_posts,
    wordpress_posts,
)

_SERVER_NAMES = {
    "BlogSite",
    "BloggerSite",
    "DemoBlogs",
    "DemoServer",
    "WordPressSite",
    "start_demo_blogs",
}

__all__ = [
    "BlogSite",
    "BloggerSite",
    "DemoBlogs",
    "DemoComment",
    "DemoPost",
    "DemoServer",
    "WordPressSite",
    "blogger_posts",
    "distinctive_word",
    "start_demo_blogs",
    "synthetic_posts",
    "wordpress_posts",
]


def __getattr__(name: str):
    if name in _SERVER_NAMES:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
