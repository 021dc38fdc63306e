"""Login walls: a page answered at a post's address that is not the post but a gate before it.

A blog that goes private (a WordPress "private site" plugin, Blogger's invited-readers-only
setting, a password-protected post), or a post put behind a paywall or a "log in to continue"
page, still answers 200 at the post's own address. Stored, that page would become the post's
newest version: search and the post page would show the wall instead of the article.

A wall is told by what the page is, not by any site's wording:

- **signs**, read from the page's markup outside its sidebars, menus, headers, footers and
  comment forms (where a login widget or a "log in to comment" link is ordinary): a password
  field, a login form (its action a login, sign-in, session or post-password address), a
  paywall or members-only block (`class`/`id` naming a paywall, an upgrade call, members- or
  subscribers-only content), or a sign-in link (a weaker sign);
- **little text**: at most `WALL_MAX_WORDS` words of it (`LINK_WALL_MAX_WORDS` when the only
  sign is a sign-in link, which many news and newsletter pages carry beside the article), or,
  with a stronger sign, less than half the words of the version already archived.

`wall_signs` reads the signs (`extract_post` records them in `PostRecord.wall_signs`);
`login_wall` gives the verdict. No Scrapy or click here.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

#: a page with a wall sign and at most this many words of text is a wall (a login page, a
#: private blog's notice, a password-protected post), archived version or not
WALL_MAX_WORDS = 100
#: the same when the only sign is a sign-in link (weaker: a short post may link to one)
LINK_WALL_MAX_WORDS = 60

PASSWORD_FIELD = "a password field"
LOGIN_FORM = "a login form"
PAYWALL = "a paywall or members-only block"
SIGN_IN_LINK = "a sign-in link"

# regions where a login widget, a "log in to comment" link or a newsletter box is ordinary
_ASIDE_TAGS = frozenset({"aside", "nav", "header", "footer"})
# class and id tokens of such regions: a token whose first word is one of these
# (`menu-level-1`, `header-sticky`, `widget_login`, `comment-respond`), or whose last word is
# one of the second (`site-header`, `right-sidebar`, `primary-menu`); `has-comments`, an
# article's, is none, and `<body>`'s classes ("has-sidebar") are not looked at
_ASIDE_FIRST = frozenset(
    {
        "sidebar",
        "widget",
        "widgets",
        "comment",
        "comments",
        "commentform",
        "respond",
        "footer",
        "header",
        "masthead",
        "menu",
        "nav",
        "navbar",
        "navigation",
        "topbar",
        "secondary",
    }
)
_ASIDE_LAST = frozenset(
    {"sidebar", "widget", "widgets", "footer", "header", "masthead", "menu", "nav", "navbar"}
    | {"navigation", "topbar"}
)
_WORD_BREAKS = str.maketrans("_", "-")


def _aside_token(token: str) -> bool:
    words = token.translate(_WORD_BREAKS).split("-")
    return words[0] in _ASIDE_FIRST or words[-1] in _ASIDE_LAST


# a login, sign-in, session or post-password address: a whole path segment (or the query's
# WordPress `action=postpass`), so a post called "why-login-pages-fail" is none
_LOGIN_ADDRESS = re.compile(
    r"(?:^|/)(?:log-?in|sign-?in|sign_in|logon|sessions?|servicelogin|blogin\.g|"
    r"wp-login\.php|login\.php|signin\.php)(?:[/?#.]|$)|[?&]action=(?:postpass|login)\b",
    re.IGNORECASE,
)
_LOGIN_FORM_NAMES = re.compile(r"log-?in|sign-?in|password", re.IGNORECASE)
# a paywall or members-only block, by its class, id or data-testid (a regular expression over
# the whole page, or XPath's `contains` over every element, cost more than the rest of
# extraction: plain substrings pick the candidates, this confirms them)
_PAYWALL_NAMES = re.compile(
    r"paywall|upgrade-cta|members?-only|subscribers?-only|content-?gate|login-?wall|regwall",
    re.IGNORECASE,
)
# what each of those names holds, as written (plain substrings, tried first: fast)
_PAYWALL_PARTS = (
    "aywall",
    "AYWALL",
    "upgrade-cta",
    "rs-only",
    "er-only",
    "rs-Only",
    "er-Only",
    "ontent-gate",
    "ontentgate",
    "ogin-wall",
    "oginwall",
    "egwall",
)
# every class, id and data-testid of a page: each value knows its element (getparent)
_NAME_VALUES = etree.XPath("//@class | //@id | //@data-testid")
_PASSWORDS = etree.XPath("//input[translate(@type, 'PASSWORD', 'password') = 'password']")
# what a login address holds somewhere (lower-cased): the regular expression is tried only then
_LOGIN_WORDS = ("log", "sign", "session", "postpass", "blogin")


def _names(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _in_aside(el: Any) -> bool:
    """Whether `el` sits in a sidebar, menu, header, footer or comment area (or is one);
    the page's `<body>` and `<html>` are not looked at (their classes say "has-sidebar")."""
    node = el
    while node is not None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            return False
        if tag in _ASIDE_TAGS:
            return True
        if any(_aside_token(token) for token in _names(node).lower().split()):
            return True
        node = node.getparent()
    return False


def _login_address(value: str) -> bool:
    lowered = value.lower()
    return any(word in lowered for word in _LOGIN_WORDS) and bool(_LOGIN_ADDRESS.search(value))


def wall_signs(root: Any) -> list[str]:
    """The login-wall signs of a parsed page (an lxml tree, before any cleaning), in a fixed
    order, each once; [] for an ordinary page."""
    signs: list[str] = []
    if any(not _in_aside(el) for el in _PASSWORDS(root)):
        signs.append(PASSWORD_FIELD)
    forms = [
        form
        for form in root.iter("form")
        if _login_address(form.get("action") or "")
        or _LOGIN_FORM_NAMES.search(f"{form.get('id') or ''} {form.get('name') or ''}")
    ]
    if any(not _in_aside(form) for form in forms):
        signs.append(LOGIN_FORM)
    gates = [
        value.getparent()
        for value in _NAME_VALUES(root)
        if any(part in value for part in _PAYWALL_PARTS) and _PAYWALL_NAMES.search(value)
    ]
    if any(not _in_aside(el) for el in gates):
        signs.append(PAYWALL)
    links = [a for a in root.iter("a") if _login_address(a.get("href") or "")]
    if any(not _in_aside(a) for a in links):
        signs.append(SIGN_IN_LINK)
    return signs


def login_wall(signs: list[str], words: int, stored_words: int | None = None) -> str | None:
    """Why a page with these wall `signs` and `words` words of text is a login wall rather
    than the post (the reason, for the `failures` row and the log), or None when it is the
    post. `stored_words`: the word count of the version already archived, if any."""
    if not signs:
        return None
    strong = any(sign != SIGN_IN_LINK for sign in signs)
    limit = WALL_MAX_WORDS if strong else LINK_WALL_MAX_WORDS
    seen = ", ".join(signs)
    if words <= limit:
        return (
            f"login wall: the page shows {seen} and only {words} words of text (a private "
            "blog, a members-only or password-protected post): not archived"
        )
    if strong and stored_words and words < stored_words / 2:
        return (
            f"login wall: the page shows {seen} and {words} words of text, less than half of "
            f"the {stored_words} archived (a paywall or login page in front of the post): "
            "not archived; the archived version is kept"
        )
    return None


def page_wall(root: Any) -> str | None:
    """Whether a whole page (a blog's home page) is a login wall: its signs and the words of
    its visible text, without extracting it. The reason, or None."""
    signs = wall_signs(root)
    if not signs:
        return None
    for el in root.xpath("//script | //style | //noscript"):
        el.drop_tree()
    return login_wall(signs, len(root.text_content().split()))
