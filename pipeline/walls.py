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
  sign is a sign-in link), or less than half the words of the version already archived.

`wall_signs` reads the signs (`extract_post` records them in `PostRecord.wall_signs`);
`login_wall` gives the verdict. No Scrapy or click here.
"""

from __future__ import annotations

import re
from typing import Any

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
_ASIDE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:sidebar|widgets?|comments?|respond|comment-form|footer|menu|nav|navbar|"
    r"navigation|masthead|site-header|topbar|header)(?:$|[\s_-])",
    re.IGNORECASE,
)
# a login, sign-in, session or post-password address: a whole path segment (or the query's
# WordPress `action=postpass`), so a post called "why-login-pages-fail" is none
_LOGIN_ADDRESS = re.compile(
    r"(?:^|/)(?:log-?in|sign-?in|sign_in|logon|sessions?|servicelogin|blogin\.g|"
    r"wp-login\.php|login\.php|signin\.php)(?:[/?#.]|$)|[?&]action=(?:postpass|login)\b",
    re.IGNORECASE,
)
_LOGIN_FORM_NAMES = re.compile(r"log-?in|sign-?in|password", re.IGNORECASE)
_PAYWALL_NAMES = re.compile(
    r"paywall|upgrade-cta|members?-only|subscribers?-only|content-?gate|login-?wall|regwall",
    re.IGNORECASE,
)


def _names(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _in_aside(el: Any) -> bool:
    """Whether `el` sits in a sidebar, menu, header, footer or comment area (or is one)."""
    node = el
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag.lower() in _ASIDE_TAGS or _ASIDE_NAMES.search(_names(node)):
            return True
        node = node.getparent()
    return False


def wall_signs(root: Any, source: str | None = None) -> list[str]:
    """The login-wall signs of a parsed page (an lxml tree, before any cleaning), in a fixed
    order, each once; [] for an ordinary page. `source`, the page's HTML, lets a page that
    names no paywall skip the look for one."""
    signs: list[str] = []
    passwords = root.xpath("//input[translate(@type, 'PASSWORD', 'password') = 'password']")
    if any(not _in_aside(el) for el in passwords):
        signs.append(PASSWORD_FIELD)
    forms = [
        form
        for form in root.iter("form")
        if _LOGIN_ADDRESS.search(form.get("action") or "")
        or _LOGIN_FORM_NAMES.search(f"{form.get('id') or ''} {form.get('name') or ''}")
    ]
    if any(not _in_aside(form) for form in forms):
        signs.append(LOGIN_FORM)
    if source is None or _PAYWALL_NAMES.search(source):
        gates = root.xpath("//*[@class or @id or @data-testid]")
        if any(
            _PAYWALL_NAMES.search(f"{_names(el)} {el.get('data-testid') or ''}")
            and not _in_aside(el)
            for el in gates
        ):
            signs.append(PAYWALL)
    links = [a for a in root.iter("a") if _LOGIN_ADDRESS.search(a.get("href") or "")]
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
    if stored_words and words < stored_words / 2:
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
