"""Loopback servers that misbehave on purpose: one path per fault, for tests/test_hostile.py.

Raw sockets (not http.server) so a handler can hang, trickle one byte a second, reset the
connection or send a body shorter than its Content-Length. Every request is logged with the
time it arrived, so tests can check what was (and was not) asked for.

    with hostile_sites() as sites:
        sites.blog.url        # a blog whose home page links to every fault
        sites.trap.url        # calendar and session-id traps, endless replytocom variants
        sites.moved.url       # a blog whose home answers 301 to sites.new_home (127.0.0.2)
        sites.robots_500.url  # robots.txt answers 500
        sites.robots_404.url  # robots.txt answers 404
        sites.feed_loop.url   # a WordPress blog whose feed ignores ?paged=N
        sites.pager_loop.url  # a blog whose "Older posts" link goes on forever
        sites.slow_please.url # robots.txt asks for a Crawl-delay of 2 s
        sites.canonical_home.url  # every page's rel=canonical is the home page
        sites.everything.url  # every address answers with the home page
        sites.entities.url  # XXE and "billion laughs" entities in its feed and sitemap
        sites.meta_moved.url  # a home page whose meta refresh sends it to sites.meta_new_home
        sites.meta_loop.url  # a home page refreshing to another host that refreshes back

Run it alone to look at the pages: `.venv/bin/python tests/hostile_server.py`.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qs, urlsplit

MB = 1024 * 1024
PARAGRAPHS = [
    "The harbour wall was rebuilt in the spring, stone by stone, by the same three masons who "
    "had patched it every winter for twenty years.",
    "We walked along it at low tide and counted the new stones, paler than the old ones and "
    "still sharp at the edges where the sea had not yet worn them down.",
    "By the end of the afternoon the fog came in from the point and the foghorn started its "
    "slow complaint, which the dog answered every single time without fail.",
]


@dataclass
class Seen:
    path: str  # path and query, as requested
    at: float  # time.monotonic() when the request arrived
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[socket.socket, Seen], None]


def send(
    conn: socket.socket,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    length: int | None = None,
) -> None:
    """One HTTP/1.1 response and `Connection: close`; `length` overrides Content-Length."""
    reason = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if length is not False:
        lines.append(f"Content-Length: {len(body) if length is None else length}")
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def page(title: str, body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head>{head}<title>{title}</title></head><body>"
        f"<header><a href='/'>The Harbour Log</a></header>{body}"
        "<footer>Powered by nothing in particular</footer></body></html>"
    )


def post(title: str, extra: str = "", paragraphs: list[str] | None = None, head: str = "") -> str:
    text = "".join(f"<p>{p}</p>" for p in (paragraphs or PARAGRAPHS))
    return page(
        title,
        f"<article><h1>{title}</h1><time datetime='2024-01-15'>15 January 2024</time>"
        f"{text}{extra}</article>",
        head=f"<meta charset='utf-8'>{head}" if "charset" not in head else head,
    )


def html(status: int = 200, text: str = "", **headers: str) -> Handler:
    def handle(conn: socket.socket, seen: Seen) -> None:
        send(
            conn, status, text.encode("utf-8"), {k.replace("_", "-"): v for k, v in headers.items()}
        )

    return handle


def raw(body: bytes, content_type: str = "text/html", **extra: str) -> Handler:
    def handle(conn: socket.socket, seen: Seen) -> None:
        send(conn, 200, body, {"Content-Type": content_type, **extra})

    return handle


class RawServer:
    """A threaded loopback server answering from `routes` (path without query -> handler)."""

    def __init__(self, host: str = "127.0.0.1", routes: dict[str, Handler] | None = None):
        self.routes: dict[str, Handler] = dict(routes or {})
        self.sock = socket.create_server((host, 0))
        self.sock.settimeout(0.2)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}/"
        self.log: list[Seen] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            target = head[0].split(" ")[1]
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            seen = Seen(target, time.monotonic(), headers)
            self.log.append(seen)
            path = urlsplit(target).path
            handler = self.routes.get(target) or self.routes.get(path)
            if handler is None:
                send(conn, 404, page("Not found", "<h1>Not found</h1>").encode())
            else:
                handler(conn, seen)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def requested(self, path: str) -> list[Seen]:
        """Requests for this path (with or without a query)."""
        return [s for s in self.log if s.path == path or s.path.split("?")[0] == path]

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()


# ---------------------------------------------------------------- misbehaving handlers


def hang(conn: socket.socket, seen: Seen) -> None:
    """Accept, read the request, never answer (until the client gives up)."""
    conn.settimeout(60)
    try:
        while conn.recv(1024):
            pass
    except OSError:
        pass


def one_byte_a_second(conn: socket.socket, seen: Seen) -> None:
    body = post("Trickled out").encode()
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )
    for byte in body[:60]:
        conn.sendall(bytes([byte]))
        time.sleep(1)


def reset(conn: socket.socket, seen: Seen) -> None:
    """Close with SO_LINGER 0: the client sees a connection reset (RST)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def huge_header(conn: socket.socket, seen: Seen) -> None:
    """A response whose one header line is 1 MB (a runaway cookie), then a post."""
    body = post("Behind a huge cookie").encode()
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: crumbs="
        + b"x" * MB
        + f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


def short_body(conn: socket.socket, seen: Seen) -> None:
    body = post("Cut short").encode()
    send(conn, 200, body[: len(body) // 2], length=len(body))


def bad_chunks(conn: socket.socket, seen: Seen) -> None:
    """Chunked encoding whose first chunk size is not hexadecimal."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\n" + post("Bad chunks").encode() + b"\r\n0\r\n\r\n"
    )


ENTITIES = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    b'<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'.encode() for n in range(8)
    )
    + b"]>"
)  # &i; expands to 10^9 characters ("billion laughs"); &xxe; reads /etc/passwd


def entity_bombs(name: str) -> RawServer:
    """A blog whose feed and sitemap declare entities: an external one (XXE, `file:///etc/
    passwd`) and one that expands to a billion characters, used in titles and dates."""
    server = RawServer(routes=small_blog(name))
    first, second = (f"{server.url[:-1]}{path}" for path in small_blog(name) if path != "/")
    feed = (
        f'<rss version="2.0"><channel><title>&i;</title><item><title>&xxe;</title>'
        f"<link>{first}</link></item><item><title>&i;</title><link>{second}</link></item>"
        "</channel></rss>"
    )
    sitemap = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{first}</loc><lastmod>&xxe;</lastmod></url>"
        f"<url><loc>{second}</loc><lastmod>&i;</lastmod></url></urlset>"
    )
    server.routes["/feed.xml"] = raw(ENTITIES + feed.encode(), "application/rss+xml")
    server.routes["/sitemap.xml"] = raw(ENTITIES + sitemap.encode(), "application/xml")
    feed_link = f"<link rel='alternate' type='application/rss+xml' href='{server.url}feed.xml'>"
    server.routes["/"] = html(text=page(name, f"<h1>{name}</h1>", head=feed_link))
    return server


def redirect(location: str, status: int = 301) -> Handler:
    def handle(conn: socket.socket, seen: Seen) -> None:
        send(conn, status, b"", {"Location": location})

    return handle


def retry_after(status: int, value: Callable[[], str], then: Handler | None) -> Handler:
    """`status` with `Retry-After: value()` the first time; `then` afterwards (or always
    `status` when `then` is None)."""
    calls = {"n": 0}

    def handle(conn: socket.socket, seen: Seen) -> None:
        calls["n"] += 1
        if then is not None and calls["n"] > 1:
            then(conn, seen)
            return
        send(
            conn,
            status,
            page("Slow down", "<h1>Too many requests</h1>").encode(),
            {"Retry-After": value()},
        )

    return handle


_BOMB: dict[str, bytes] = {}


def gzip_bomb(inflated: int = 64 * MB) -> Handler:
    def handle(conn: socket.socket, seen: Seen) -> None:
        if inflated not in _BOMB:
            _BOMB[inflated] = gzip.compress(b"<p>" + b"\0" * inflated, compresslevel=9)
        send(conn, 200, _BOMB[inflated], {"Content-Encoding": "gzip"})

    return handle


def big_page(size: int = 50 * MB, *, chunked: bool = False) -> Handler:
    """A `size`-byte HTML page, announced with Content-Length or streamed without one."""

    def handle(conn: socket.socket, seen: Seen) -> None:
        start = page("Big", "<article><h1>Big</h1><p>").encode()
        headers = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        if not chunked:
            headers += f"Content-Length: {size}\r\n"
        conn.sendall((headers + "\r\n").encode() + start)
        block = b"all work and no play " * 50_000  # ~1 MB
        sent = len(start)
        while sent < size:
            conn.sendall(block)
            sent += len(block)

    return handle


def calendar_trap(conn: socket.socket, seen: Seen) -> None:
    """An endless calendar: every month links to the previous one ("Older posts") and to its
    posts with a fresh session id and reply-to-comment variants."""
    query = parse_qs(urlsplit(seen.path).query)
    n = int((query.get("month") or ["0"])[0])
    sid = f"{n:06d}abcdef"
    links = "".join(
        f"<h2><a href='/2024/01/day-{n}-{i}.html?sid={sid}'>Day {n} post {i}</a></h2>"
        f"<h2><a href='/2024/01/fixed-{i}.html?replytocom={n * 10 + i}'>reply</a></h2>"
        f"<h2><a href='/2024/01/fixed-{i}.html?showComment={n}#c{i}'>comment</a></h2>"
        f"<h2><a href='/2024/01/fixed-{i}.html?utm_source=trap{n}'>share</a></h2>"
        for i in range(2)
    )
    body = page(
        f"Calendar {n}",
        f"<h1>Month {n}</h1><ul>{links}</ul><a rel='next' href='/?month={n + 1}'>Older posts</a>",
    )
    send(conn, 200, body.encode())


# ---------------------------------------------------------------- login walls
# What a blog that went private, or a post behind a paywall, answers with 200 at a post's own
# address (pipeline/walls.py). Each page has more than a line of text, so that extraction
# alone would take it for a short post.


def private_site_login(blog: str, post_url: str) -> str:
    """A WordPress "private site" plugin's answer: its login form, with a paragraph."""
    return page(
        "Log in &lsaquo; The Harbour Log",
        "<div id='login'><h1><a href='/'>The Harbour Log</a></h1>"
        "<p class='message'>The Harbour Log is a private journal now. Its posts are kept "
        "for the family and friends its author has given an account to; log in with yours "
        "to read on, or write to the author if you think you should have one.</p>"
        f"<form name='loginform' id='loginform' action='{blog}wp-login.php' method='post'>"
        "<p><label for='user_login'>Username or Email Address</label>"
        "<input type='text' name='log' id='user_login'></p>"
        "<p><label for='user_pass'>Password</label>"
        "<input type='password' name='pwd' id='user_pass'></p>"
        f"<input type='hidden' name='redirect_to' value='{post_url}'>"
        "<p class='submit'><input type='submit' value='Log In'></p></form>"
        f"<p id='nav'><a href='{blog}wp-login.php?action=lostpassword'>Lost your password?</a>"
        "</p></div>",
    )


def invited_readers_only(blog: str) -> str:
    """A Blogger-style private blog's notice: no form, a sign-in link to an account service."""
    return page(
        "Private blog",
        "<div class='private-notice'><h1>Only invited readers may read this blog</h1>"
        f"<p>{blog}</p><p>You do not seem to be one of the readers its author invited. If "
        "that is a mistake, ask the author for an invitation and sign in with the account "
        "it was sent to.</p>"
        "<p><a class='signin' href='https://accounts.example.invalid/ServiceLogin?continue="
        f"{blog}'>Sign in</a></p></div>",
    )


def paywalled(title: str, teaser: list[str]) -> str:
    """A Substack/Ghost-style paid post: its first paragraphs, then the paywall."""
    return post(
        title,
        "<div class='paywall' data-testid='paywall'><h2>Keep reading with a paid "
        "subscription</h2><p>The rest of this post is for paying subscribers.</p>"
        "<a class='button' href='/subscribe'>Subscribe</a> "
        "<a href='/sign-in?redirect=%2Fp%2Fpost'>Already a subscriber? Sign in</a></div>",
        paragraphs=teaser,
    )


def password_protected(title: str, blog: str) -> str:
    """WordPress's password-protected post: the post's title and a password form."""
    return post(
        f"Protected: {title}",
        f"<form action='{blog}wp-login.php?action=postpass' class='post-password-form' "
        "method='post'><p>The author has locked this post: enter the password to read it.</p>"
        "<p><label>Password: <input name='post_password' type='password'></label> "
        "<input type='submit' name='Submit' value='Enter'></p></form>",
        paragraphs=["This post is locked."],
    )


# ---------------------------------------------------------------- the sites

CP1251_TEXT = (
    "Старая мельница на реке работала до самой войны. Мельник вставал затемно и шёл по "
    "плотине с фонарём, проверяя каждое колесо. Зимой лёд сковывал воду, и тогда вся деревня "
    "собиралась у запруды, чтобы колоть его топорами."
)
FRENCH = (
    "Le café du port ouvre à l'aube ; les pêcheurs y boivent un crème brûlant avant de "
    "partir. « Déjà la marée », dit le patron, qui connaît l'heure de chaque bateau."
)
XSS_EXTRA = (
    "<script>document.title='owned'</script>"
    '<p onclick="alert(\'click\')" onmouseover="alert(2)">Hover over this harmless line.</p>'
    "<p><a href=\"javascript:alert('link')\">a javascript link</a> and "
    "<a href='https://example.org/ok'>a fine link</a>.</p>"
    "<iframe src='https://evil.example/frame'></iframe>"
    "<svg><script>alert('svg')</script><circle r='4' onload=\"alert('svg2')\"/></svg>"
    "<img src='x' onerror=\"alert('img')\">"
)


def deep_nesting(levels: int = 3000) -> str:
    return post(
        "Deeply nested", "<div>" * levels + "<p>The bottom of the well.</p>" + "</div>" * levels
    )


def huge_text_node(size: int = 3 * MB) -> str:
    word = "tide "
    return post("One enormous paragraph", f"<p>{word * (size // len(word))}</p>")


# Post paths on the hostile blog, each a fault (all linked from its home page).
def blog_routes(elsewhere: str) -> dict[str, Handler]:
    def at(name: str) -> str:
        return f"/2024/01/{name}.html"

    def http_date(seconds: float) -> str:
        return formatdate(time.time() + seconds, usegmt=True)

    routes: dict[str, Handler] = {
        at("good-one"): html(text=post("A good first post")),
        at("good-two"): html(text=post("A good second post", paragraphs=PARAGRAPHS[::-1])),
        at("hang"): hang,
        at("one-byte-a-second"): one_byte_a_second,
        at("reset"): reset,
        at("short-body"): short_body,
        at("huge-header"): huge_header,
        at("loop-a"): redirect(at("loop-b")),
        at("loop-b"): redirect(at("loop-a")),
        at("to-file"): redirect("file:///etc/passwd"),
        at("to-ftp"): redirect("ftp://127.0.0.1/pub/post.html"),
        at("to-other-host"): redirect(elsewhere),
        # a deleted post, sent to the home page by a "redirect 404s home" plugin
        at("to-home"): redirect("/"),
        at("retry-after-seconds"): retry_after(
            429, lambda: "2", html(text=post("Patience rewarded (seconds)"))
        ),
        at("retry-after-date"): retry_after(
            503, lambda: http_date(2.5), html(text=post("Patience rewarded (date)"))
        ),
        at("retry-after-too-long"): retry_after(429, lambda: "3600", None),
        at("error-503"): retry_after(503, lambda: "1", None),
        at("gzip-bomb"): gzip_bomb(),
        at("fifty-megabytes"): big_page(),
        at("fifty-megabytes-streamed"): big_page(chunked=True),
        at("cp1251-no-charset"): raw(
            post("Мельница", paragraphs=[CP1251_TEXT], head="<meta name='x' content='y'>")
            .replace("<meta charset='utf-8'>", "")
            .encode("cp1251")
        ),
        at("utf16-bom"): raw(
            b"\xff\xfe" + post("Le café, en UTF-16", paragraphs=[FRENCH]).encode("utf-16-le")
        ),
        at("lying-meta"): raw(
            post("Le café menteur", paragraphs=[FRENCH], head="<meta charset='iso-8859-1'>").encode(
                "utf-8"
            )
        ),
        at("stray-latin1"): raw(
            post("Mostly UTF-8", paragraphs=[FRENCH, "A pasted line: caf\x00 cr\x01me."])
            .encode("utf-8")
            .replace(b"caf\x00", b"caf\xe9")
            .replace(b"cr\x01me", b"cr\xe8me")
        ),
        at("a-pdf"): raw(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"),
        at("an-image"): raw(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
        at("empty-body"): raw(b""),
        at("soft-404"): html(
            text=page("Page not found", "<h1>Page not found</h1><p>Sorry, nothing here.</p>")
        ),
        at("xss"): html(text=post("Scripts everywhere", XSS_EXTRA)),
        at("deep-nesting"): html(text=deep_nesting()),
        at("huge-text-node"): html(text=huge_text_node()),
        "/private/2024/secret.html": html(text=post("Should never be fetched")),
        # a post that sends the reader on to another host after a second (a blog that moved)
        at("meta-refresh-elsewhere"): html(
            text=post(
                "Still here after all",
                head=f"<meta http-equiv='refresh' content='1; url={elsewhere}'>",
            )
        ),
        # a post that reloads itself every 30 seconds
        at("meta-refresh-self"): html(
            text=post(
                "Reloads itself",
                head=f"<meta http-equiv='refresh' content='30; url={at('meta-refresh-self')}'>",
            )
        ),
        # a charset Python does not know; UTF-8 that says it is UTF-16
        at("bogus-charset"): raw(
            post("Le café inconnu", paragraphs=[FRENCH]).encode(), "text/html; charset=bogus"
        ),
        at("utf8-says-utf16"): raw(
            post("Le café prétendu", paragraphs=[FRENCH]).encode(), "text/html; charset=utf-16"
        ),
        at("bad-chunks"): bad_chunks,
        # a post address of 10,000 characters (Scrapy's URLLENGTH_LIMIT is 2,083)
        at("long-" + "x" * 10_000): html(text=post("A very long address")),
    }
    return routes


ROBOTS_DISALLOW = b"User-agent: *\nDisallow: /private/\n"


def blog_home(paths: list[str]) -> Handler:
    links = "".join(f"<h2><a href='{p}'>{p}</a></h2>" for p in paths)
    tracked = (
        "<h2><a href='/2024/01/good-one.html?utm_source=home&utm_medium=x'>again</a></h2>"
        "<h2><a href='/2024/01/good-one.html?replytocom=12#respond'>reply</a></h2>"
    )
    return html(text=page("The Harbour Log", f"<h1>The Harbour Log</h1>{links}{tracked}"))


@dataclass
class HostileSites:
    blog: RawServer
    elsewhere: RawServer
    trap: RawServer
    moved: RawServer
    new_home: RawServer
    robots_500: RawServer
    robots_404: RawServer
    feed_loop: RawServer
    pager_loop: RawServer
    slow_please: RawServer
    canonical_home: RawServer
    everything: RawServer
    entities: RawServer
    meta_moved: RawServer
    meta_new_home: RawServer
    meta_loop: RawServer
    meta_loop_back: RawServer

    def all(self) -> list[RawServer]:
        return [getattr(self, name) for name in self.__dataclass_fields__]

    def sources(self) -> list[str]:
        return [
            s.url
            for s in (
                self.blog,
                self.trap,
                self.moved,
                self.robots_500,
                self.robots_404,
                self.feed_loop,
                self.pager_loop,
                self.slow_please,
                self.canonical_home,
                self.everything,
                self.entities,
                self.meta_moved,
                self.meta_loop,
            )
        ]


def small_blog(name: str) -> dict[str, Handler]:
    return {
        "/": html(
            text=page(
                name,
                f"<h1>{name}</h1><h2><a href='/2023/05/first.html'>First</a></h2>"
                "<h2><a href='/2023/06/second.html'>Second</a></h2>",
            )
        ),
        "/2023/05/first.html": html(text=post(f"{name}: the first post")),
        "/2023/06/second.html": html(
            text=post(f"{name}: the second post", paragraphs=PARAGRAPHS[1:])
        ),
    }


class _EveryPath(dict):
    """Routes that answer every path (robots.txt, sitemaps, feeds, posts) with one handler."""

    def __init__(self, handler: Handler):
        super().__init__()
        self.handler = handler

    def get(self, key: str, default: Handler | None = None) -> Handler:
        return self.handler


def answering_everything(name: str) -> RawServer:
    """A site that answers every address with its home page, as a misconfigured server or
    a lapsed domain's parking page does: the home page links two posts."""
    server = RawServer()
    links = "".join(
        f"<h2><a href='{path}'>{path}</a></h2>" for path in small_blog(name) if path != "/"
    )
    server.routes = _EveryPath(
        html(text=page(name, f"<h1>{name}</h1>{links}<p>{PARAGRAPHS[0]}</p>"))
    )
    return server


def canonical_to_home(name: str) -> RawServer:
    """A blog whose theme gives every page the home page as its `rel=canonical`."""
    server = RawServer(routes=small_blog(name))
    canonical = f"<meta charset='utf-8'><link rel='canonical' href='{server.url}'>"
    server.routes["/2023/05/first.html"] = html(
        text=post(f"{name}: the first post", head=canonical)
    )
    server.routes["/2023/06/second.html"] = html(
        text=post(f"{name}: the second post", paragraphs=PARAGRAPHS[1:], head=canonical)
    )
    return server


def feed_ignoring_paging(name: str) -> RawServer:
    """A WordPress blog whose feed answers every `?paged=N` with its first page, as a cached or
    static feed does: three posts, listed on the home page and in the feed."""
    server = RawServer(routes=small_blog(name))
    posts = ["/2023/05/first.html", "/2023/06/second.html"]
    items = "".join(
        f"<item><title>{name} {n}</title><link>{server.url[:-1]}{path}</link>"
        f"<pubDate>Mon, 0{n} May 2023 10:00:00 +0000</pubDate></item>"
        for n, path in enumerate(posts, 1)
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'
    server.routes["/feed/"] = raw(feed.encode(), "application/rss+xml")
    server.routes["/"] = html(
        text=page(
            name,
            f"<h1>{name}</h1>" + "".join(f"<h2><a href='{path}'>{path}</a></h2>" for path in posts),
            head=f'<meta name="generator" content="WordPress 6.5">'
            f'<link rel="alternate" type="application/rss+xml" href="{server.url}feed/">',
        )
    )
    return server


def pager_ignoring_paging(name: str) -> RawServer:
    """A blog with no feed whose "Older posts" link goes on forever: `/?page=N` answers with
    the home page's posts and a link to `/?page=N+1`."""
    server = RawServer(routes=small_blog(name))

    def listing(conn: socket.socket, seen: Seen) -> None:
        number = int(parse_qs(urlsplit(seen.path).query).get("page", ["1"])[0])
        posts = "<h2><a href='/2023/05/first.html'>First</a></h2>"
        posts += "<h2><a href='/2023/06/second.html'>Second</a></h2>"
        older = f"<a class='blog-pager-older-link' href='/?page={number + 1}'>Older posts</a>"
        send(conn, 200, page(name, f"<h1>{name}</h1>{posts}{older}").encode())

    server.routes["/"] = listing
    return server


def refreshing_to(url: str, delay: int = 0) -> Handler:
    """A home page that sends its readers on with `<meta http-equiv="refresh">`, as a blog
    that moved leaves behind (a static host cannot answer 301)."""
    return html(
        text=page(
            "We have moved",
            f"<h1>We have moved</h1><p>This blog now lives at <a href='{url}'>{url}</a>.</p>",
            head=f"<meta http-equiv='refresh' content='{delay}; url={url}'>",
        )
    )


@contextmanager
def hostile_sites() -> Iterator[HostileSites]:
    elsewhere = RawServer("127.0.0.2", {"/2024/01/elsewhere.html": html(text=post("Elsewhere"))})
    routes = blog_routes(f"{elsewhere.url}2024/01/elsewhere.html")
    blog = RawServer(routes=routes)
    # loop-b is reached only through loop-a's redirect
    blog.routes["/"] = blog_home(sorted(p for p in routes if "loop-b" not in p))
    blog.routes["/robots.txt"] = raw(ROBOTS_DISALLOW, "text/plain")
    trap = RawServer(
        routes={
            "/": calendar_trap,
            **{f"/2024/01/fixed-{i}.html": html(text=post(f"Fixed post {i}")) for i in range(2)},
        }
    )
    for n in range(0, 1000):
        for i in range(2):
            trap.routes[f"/2024/01/day-{n}-{i}.html"] = html(text=post(f"Day {n} post {i}"))
    new_home = RawServer("127.0.0.3", small_blog("The Moved Blog"))
    moved = RawServer(routes={"/": redirect(new_home.url, 301)})
    robots_500 = RawServer(routes=small_blog("Robots 500"))
    robots_500.routes["/robots.txt"] = html(500, "<h1>Internal Server Error</h1>")
    robots_404 = RawServer(routes=small_blog("Robots 404"))  # /robots.txt: the default 404
    # a host of its own: Scrapy spaces requests per host name, and every other site is 127.0.0.1
    slow_please = RawServer("127.0.0.4", small_blog("Slow Please"))
    slow_please.routes["/robots.txt"] = raw(
        b"User-agent: *\nCrawl-delay: 2\nDisallow: /private/\n", "text/plain"
    )
    feed_loop = feed_ignoring_paging("Feed Loop")
    pager_loop = pager_ignoring_paging("Pager Loop")
    canonical_home = canonical_to_home("Canonical Home")
    everything = answering_everything("Everything Home")
    entities = entity_bombs("Entity Bombs")
    meta_new_home = RawServer("127.0.0.5", small_blog("The Refreshed Blog"))
    meta_moved = RawServer(routes={"/": refreshing_to(meta_new_home.url)})
    meta_loop = RawServer(routes=small_blog("Loop Home"))
    meta_loop_back = RawServer("127.0.0.6", {"/": refreshing_to(meta_loop.url)})
    meta_loop.routes["/"] = refreshing_to(meta_loop_back.url, delay=1)
    sites = HostileSites(
        blog,
        elsewhere,
        trap,
        moved,
        new_home,
        robots_500,
        robots_404,
        feed_loop,
        pager_loop,
        slow_please,
        canonical_home,
        everything,
        entities,
        meta_moved,
        meta_new_home,
        meta_loop,
        meta_loop_back,
    )
    try:
        yield sites
    finally:
        for server in sites.all():
            server.stop()


if __name__ == "__main__":
    with hostile_sites() as sites:
        for name in sites.__dataclass_fields__:
            print(f"{name}: {getattr(sites, name).url}")
        print("Ctrl-C to stop")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
