"""Login walls (pipeline/walls.py): what a page with a password field, a login form, a paywall
or a sign-in link is, beside how much text it has. The crawls that refuse them are in
tests/test_recrawl.py (a blog gone private, a members-only blog) and tests/test_warc.py
(reextract)."""

from __future__ import annotations

import pytest
from hostile_server import (
    PARAGRAPHS,
    invited_readers_only,
    password_protected,
    paywalled,
    post,
    private_site_login,
)

from pipeline.extraction import LoginWall, extract_post
from pipeline.walls import (
    LOGIN_FORM,
    PASSWORD_FIELD,
    PAYWALL,
    SIGN_IN_LINK,
    login_wall,
)

BLOG = "https://harbour.example/"
URL = BLOG + "2024/01/quay.html"
SIDEBAR_LOGIN = (
    "<aside id='secondary'><section class='widget widget_login'><h2>Members</h2>"
    f"<form action='{BLOG}wp-login.php' method='post'><input name='log'>"
    "<input type='password' name='pwd'></form></section></aside>"
)
COMMENT_LOGIN = (
    "<div id='respond' class='comment-respond'><p>You must be "
    f"<a href='{BLOG}wp-login.php?redirect_to={URL}'>logged in</a> to post a comment.</p></div>"
)


@pytest.mark.parametrize(
    ("page", "signs"),
    [
        (private_site_login(BLOG, URL), [PASSWORD_FIELD, LOGIN_FORM]),
        (invited_readers_only(BLOG), [SIGN_IN_LINK]),
        (paywalled("Quay", PARAGRAPHS[:1]), [PAYWALL, SIGN_IN_LINK]),
        (password_protected("Quay", BLOG), [PASSWORD_FIELD, LOGIN_FORM]),
    ],
)
def test_short_walls_are_refused_by_extraction(page: str, signs: list[str]) -> None:
    with pytest.raises(LoginWall, match="^login wall: the page shows " + ", ".join(signs)):
        extract_post(page, URL)


def test_a_wall_is_seen_whatever_the_theme_calls_the_page() -> None:
    # a body class naming the sidebar, an article class naming the comments: the page's
    # layout, not regions of it
    page = (
        password_protected("Quay", BLOG)
        .replace("<body>", "<body class='single has-sidebar right-sidebar'>")
        .replace("<article>", "<article class='post has-comments'>")
    )
    with pytest.raises(LoginWall, match="a password field, a login form"):
        extract_post(page, URL)


@pytest.mark.parametrize(
    "extra",
    [
        SIDEBAR_LOGIN,  # a login widget in the sidebar
        COMMENT_LOGIN,  # "log in to comment"
        # a link to a post whose address says "login": no login address
        f"<p>See <a href='{BLOG}2023/02/why-login-pages-fail.html'>this older post</a>.</p>",
    ],
)
def test_a_short_post_beside_ordinary_login_links_is_no_wall(extra: str) -> None:
    page = post("A short one", paragraphs=PARAGRAPHS[:1], head="").replace(
        "</article>", f"</article>{extra}"
    )
    record = extract_post(page, URL)
    assert record.wall_signs == []
    assert PARAGRAPHS[0][:40] in record.text


def test_the_verdict_weighs_the_text_against_the_archived_version() -> None:
    strong, link = [PAYWALL], [SIGN_IN_LINK]
    assert login_wall(strong, 100) and login_wall(link, 60)
    assert login_wall(strong, 101) is None and login_wall(link, 61) is None  # first crawl
    # a paywall's teaser after the whole post was archived
    assert "less than half of the 600 archived" in login_wall(strong, 250, 600)
    assert login_wall(strong, 350, 600) is None  # most of the post: an edit, kept
    assert login_wall(link, 100, 600) is None  # a sign-in link beside a shortened post
    assert login_wall([], 3, 600) is None  # a post cut short, with no wall: an edit, kept
