"""Datasette plugin: a served archive is unlisted by default and, with --auth, private.

Configured by pipeline/access.py (``plugins: blogarchive-access: {public, auth, user}`` in the
metadata that pipeline.serving.make_datasette builds). One ASGI wrapper, in front of every
route Datasette or any plugin serves:

- unless ``public``: ``X-Robots-Tag: noindex, nofollow`` on every response, and
  ``/robots.txt`` answers ``Disallow: /``;
- with ``auth``: a request without a logged-in actor (the ``ds_actor`` cookie set by
  datasette-auth-passwords' ``/-/login``, or HTTP Basic credentials) gets a redirect to the
  login form for pages, and ``403`` for data (``.json``, ``.csv``, ``.atom``, ...) and anything
  but GET/HEAD. Only the login form and static assets are open. The ``ds_actor`` cookie is
  made ``HttpOnly`` (and ``Secure`` over HTTPS: a local proxy's ``X-Forwarded-Proto``). The page asked for is kept in a short-lived cookie and the login's
  redirect goes back to it (datasette-auth-passwords' form always sends you to ``/``).
- HTTP Basic credentials are checked here, once per request, in a worker thread, and a
  verified credential is remembered for the process (keyed by a digest of user, password and
  hash, so a changed hash takes effect at once): datasette-auth-passwords would run its
  PBKDF2 (480,000 rounds, ~0.2 s) on the event loop for each of the two actor look-ups of
  every request, stalling every other reader. The header is then taken off the request and
  the actor handed on through ``actor_from_request``; a malformed header counts as none.
- what it answers itself (the login redirect, 403, ``/robots.txt``, the 404 of ``/-/login``)
  carries the archive's security headers (pipeline.serving.SECURITY_HEADERS), like every
  response of Datasette's.
- a name that is not an account costs the same password check as a wrong password, for HTTP
  Basic and for the login form (whose POST is checked here, in a worker thread, before
  datasette-auth-passwords sees it; a failed one reaches it without the user name, so that it
  runs no PBKDF2 of its own on the event loop): neither the time of an answer nor its
  wording tells whether a user name exists, and a stream of wrong logins does not stall
  the other readers.
- failed logins (form or HTTP Basic) are counted per client address
  (pipeline.access.LoginThrottle): after 10 within 10 minutes (``login_failures_max``,
  ``login_failure_seconds`` in the plugin configuration) that address's logins answer ``429``
  with ``Retry-After``, before any password check, and a warning is logged once.
- ``/-/password-tool`` (datasette-auth-passwords' page that hashes a password on the event
  loop, open to anyone without ``--auth``) answers 404: ``blogarchive hash-password`` makes
  hashes.
- without ``auth`` and unless ``public``: a request whose ``Host`` is a name the archive is
  not served under (pipeline.access.host_allowed: not an IP address, ``localhost`` or a
  ``hosts`` name from ``serve --allow-host``) answers 403. That is a web page whose own name
  was made to resolve to 127.0.0.1 (DNS rebinding): the browser would let its script read
  the archive as the page's own origin.
- without an account to log in to (no ``*_password_hash`` in datasette-auth-passwords'
  configuration, as ``serve`` without ``--auth``): no "Log in" in the menu, and ``/-/login``
  answers ``404`` instead of a form that cannot succeed.

An archive served without our configuration (``datasette serve`` with archive/metadata.yml)
is treated as private: noindex and robots.txt, no login. Plugins are registered once per
process, so instances that are not archives (no ``"*"`` database block) are left alone.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import inspect
import logging
import re
import secrets
from urllib.parse import parse_qsl, quote, urlencode

from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils import await_me_maybe
from datasette.utils.asgi import Request
from datasette_auth_passwords.utils import ALGORITHM, hash_password, verify_password

from pipeline.access import (
    LOGIN_FAILURE_SECONDS,
    LOGIN_FAILURES_MAX,
    LoginThrottle,
    host_allowed,
)
from pipeline.serving import SECURITY_HEADERS, is_archive

log = logging.getLogger("blogarchive.access")

CONFIG_KEY = "blogarchive-access"
AUTH_PLUGIN = "datasette-auth-passwords"
NO_ACCOUNTS = b"404 Not Found: this archive is served without --auth; there is no login.\n"
PASSWORD_TOOL = "/-/password-tool"
NO_PASSWORD_TOOL = b"404 Not Found: make a password hash with: blogarchive hash-password\n"
WRONG_HOST = (
    b"403 Forbidden: this archive answers only to its own addresses (an IP address, localhost); "
    b"to reach it by a name, serve it with --allow-host NAME, or with --auth.\n"
)
# the iterations of datasette-auth-passwords' hashes, for a decoy when no account's hash says
DEFAULT_ITERATIONS = inspect.signature(hash_password).parameters["iterations"].default
# the largest login form read (a user name, a password and a CSRF token)
LOGIN_FORM_MAX = 64 * 1024
ROBOTS_TXT = b"User-agent: *\nDisallow: /\n"
ROBOTS_TAG = b"noindex, nofollow"
LOGIN_PATH = "/-/login"
# open without a login: the login form itself and the CSS/JS it needs
OPEN_PATHS = re.compile(
    r"^/(-/login|-/logout|favicon\.ico|robots\.txt)$|^/(-/static|-/static-plugins|static)/"
)
# a URL that asks for data rather than a page: refused with 403 instead of a redirect
DATA_SUFFIX = re.compile(r"\.(json|csv|tsv|atom|rss|xml|txt|db)$", re.IGNORECASE)
# where the wrapper leaves the actor of verified HTTP Basic credentials for actor_from_request
BASIC_ACTOR = "blogarchive.basic_actor"
# verified credentials remembered per served archive (a few scripts' accounts)
VERIFIED_MAX = 64
# the page a visitor asked for before logging in, for the login's redirect
NEXT_COOKIE = "blogarchive_next"
NEXT_COOKIE_SECONDS = 900


def _config(datasette) -> dict | None:
    config = datasette.plugin_config(CONFIG_KEY)
    if config is None and is_archive(datasette):
        return {"public": False, "auth": False}
    return config


def _offers_login(datasette, config: dict) -> bool:
    """Whether there is a login: `--auth`, or an account in datasette-auth-passwords'
    configuration (a `<user>_password_hash`)."""
    accounts = datasette.plugin_config(AUTH_PLUGIN) or {}
    return bool(config.get("auth")) or any(key.endswith("_password_hash") for key in accounts)


async def _send_simple(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _host(scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"host":
            return value.decode("latin-1")
    return None


def _is_basic_authorization(name: bytes, value: bytes) -> bool:
    return name.lower() == b"authorization" and value[:6].lower() == b"basic "


def _basic_credentials(scope) -> tuple[str, str] | None:
    """The user and password of the request's `Authorization: Basic` header; ("", "") when
    the header is malformed; None without one."""
    for name, value in scope.get("headers") or []:
        if _is_basic_authorization(name, value):
            try:
                decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return "", ""
            user, colon, password = decoded.partition(":")
            return (user, password) if colon else ("", "")
    return None


def _without_basic_authorization(headers: list) -> list:
    return [(name, value) for name, value in headers if not _is_basic_authorization(name, value)]


@hookimpl
def actor_from_request(datasette, request):
    return request.scope.get(BASIC_ACTOR)


def _local_path(value: str | None) -> str | None:
    """`value` if it is a path on this server (not `//host`, no backslash or control
    character a browser might read otherwise), else None."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return None
    return None if any(c == "\\" or ord(c) < 0x21 or ord(c) > 0x7E for c in value) else value


def _is_data_request(scope, path: str) -> bool:
    if DATA_SUFFIX.search(path):
        return True
    query = scope.get("query_string", b"").decode("latin-1")
    return "_format=" in query


@hookimpl
def asgi_wrapper(datasette):
    config = _config(datasette)
    if config is None:
        return lambda app: app
    public = bool(config.get("public"))
    auth = bool(config.get("auth"))
    login = _offers_login(datasette, config)
    hosts = frozenset(config.get("hosts") or ())
    check_host = not public and not auth

    verified: dict[bytes, dict] = {}
    decoys: dict[str, str] = {}
    throttle = LoginThrottle(
        int(config.get("login_failures_max") or LOGIN_FAILURES_MAX),
        float(config.get("login_failure_seconds") or LOGIN_FAILURE_SECONDS),
    )

    def decoy_hash(accounts: dict) -> str:
        """A hash in datasette-auth-passwords' format that no password matches, with the
        iterations of the accounts' hashes: what a name that is not an account is checked
        against, so that it takes as long as a real check."""
        iterations = next(
            (
                value.split("$")[1]
                for key, value in accounts.items()
                if key.endswith("_password_hash")
                and isinstance(value, str)
                and value.count("$") == 3
                and value.split("$")[1].isdigit()
            ),
            str(DEFAULT_ITERATIONS),
        )
        if iterations not in decoys:
            decoys[iterations] = f"{ALGORITHM}${iterations}${secrets.token_hex(16)}$-"
        return decoys[iterations]

    async def basic_actor(user: str, password: str) -> dict | None:
        accounts = datasette.plugin_config(AUTH_PLUGIN) or {}
        password_hash = accounts.get(f"{user}_password_hash")
        if not user or not isinstance(password_hash, str):
            if login:  # as long as a wrong password: the time tells no user name
                decoy = decoy_hash(accounts)
                await asyncio.to_thread(verify_password, password, decoy)
            return None
        key = hashlib.sha256("\0".join((user, password, password_hash)).encode()).digest()
        if key not in verified:
            try:
                ok = await asyncio.to_thread(verify_password, password, password_hash)
            except (AssertionError, ValueError):  # not a hash datasette-auth-passwords makes
                ok = False
            if not ok:
                return None
            if len(verified) >= VERIFIED_MAX:
                verified.clear()
            verified[key] = (accounts.get("actors") or {}).get(user) or {"id": user}
        return verified[key]

    async def checked_login(scope, receive):
        """The login form's POST checked here, in a worker thread: (scope, receive) to hand on,
        the form without its user name when the password is wrong (the plugin then refuses it
        without a check of its own), and whether it logs in; None when the form is too
        large."""
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return scope, _replay(body, receive)
            body += message.get("body", b"")
            if len(body) > LOGIN_FORM_MAX:
                return None
            if not message.get("more_body"):
                break
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return scope, _replay(body, receive), False
        if await basic_actor(form.get("username") or "", form.get("password") or ""):
            return scope, _replay(body, receive), True
        body = urlencode({**form, "username": ""}).encode()
        headers = [
            (name, str(len(body)).encode() if name.lower() == b"content-length" else value)
            for name, value in scope.get("headers") or []
        ]
        return {**scope, "headers": headers}, _replay(body, receive), False

    def counted(client: str, ok: bool) -> None:
        if ok:
            throttle.succeeded(client)
        elif throttle.failed(client):
            log.warning(
                "%d failed logins from %s within %d s: its logins are refused for a while",
                throttle.limit,
                client,
                throttle.seconds,
            )

    async def too_many_logins(client: str, send, extra) -> bool:
        """Answer 429 (without a password check) if `client` is shut out; whether it was."""
        wait = throttle.retry_after(client)
        if wait:
            body = (
                f"429 Too Many Requests: too many failed logins from this address; "
                f"try again in {wait} s\n"
            ).encode()
            await _send_simple(send, 429, body, [(b"retry-after", str(wait).encode()), *extra])
        return bool(wait)

    async def actor_of(scope) -> dict | None:
        if scope.get(BASIC_ACTOR):
            return scope[BASIC_ACTOR]
        request = Request(scope, None)
        for actor in pm.hook.actor_from_request(datasette=datasette, request=request):
            actor = await await_me_maybe(actor)
            if actor:
                return actor
        return None

    def wrap(app):
        async def access(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path") or "/"
            # over HTTPS (a local proxy's X-Forwarded-Proto), cookies are sent over HTTPS only
            secure = "; Secure" if scope.get("scheme") == "https" else ""
            extra: list[tuple[bytes, bytes]] = [] if public else [(b"x-robots-tag", ROBOTS_TAG)]
            if check_host and not host_allowed(_host(scope), hosts):
                return await _send_simple(send, 403, WRONG_HOST, extra)
            client = (scope.get("client") or ("unknown",))[0]
            credentials = _basic_credentials(scope)
            if credentials is not None:
                if await too_many_logins(client, send, extra):
                    return
                actor = await basic_actor(*credentials)
                counted(client, actor is not None)
                scope = {
                    **scope,
                    "headers": _without_basic_authorization(scope.get("headers") or []),
                    BASIC_ACTOR: actor,
                }
            if path == "/robots.txt" and not public:
                return await _send_simple(send, 200, ROBOTS_TXT, extra)
            if path == LOGIN_PATH and not login:
                return await _send_simple(send, 404, NO_ACCOUNTS, extra)
            if path == LOGIN_PATH and scope.get("method") == "POST":
                if await too_many_logins(client, send, extra):
                    return
                checked = await checked_login(scope, receive)
                if checked is None:
                    return await _send_simple(send, 413, b"413: login form too large\n", extra)
                scope, receive, ok = checked
                counted(client, ok)
            if auth and not OPEN_PATHS.search(path) and await actor_of(scope) is None:
                if scope.get("method") in ("GET", "HEAD") and not _is_data_request(scope, path):
                    location = datasette.urls.path(LOGIN_PATH).encode()
                    # the path as a URL (ASGI's is decoded), the query string as it came
                    query = scope.get("query_string", b"").decode("latin-1")
                    asked = quote((scope.get("root_path") or "") + path) + (
                        "?" + quote(query, safe="=&%+/:@") if query else ""
                    )
                    remember = (
                        f"{NEXT_COOKIE}={asked}; Path=/; HttpOnly; "
                        f"SameSite=Lax; Max-Age={NEXT_COOKIE_SECONDS}{secure}"
                    ).encode("latin-1")
                    return await _send_simple(
                        send,
                        302,
                        b"Log in first: " + location,
                        [(b"location", location), (b"set-cookie", remember), *extra],
                    )
                return await _send_simple(send, 403, b"403 Forbidden: log in first\n", extra)
            if path == PASSWORD_TOOL:
                return await _send_simple(send, 404, NO_PASSWORD_TOOL, extra)

            back_to = (
                _local_path(Request(scope, None).cookies.get(NEXT_COOKIE))
                if path == LOGIN_PATH and scope.get("method") == "POST"
                else None
            )

            async def send_with_headers(message):
                if message["type"] == "http.response.start" and (extra or auth or back_to):
                    headers = [
                        (name, value)
                        for name, value in message.get("headers", [])
                        if name.lower() != b"x-robots-tag" or public
                    ]
                    if auth:
                        headers = [_http_only(name, value, secure) for name, value in headers]
                    if back_to and _logs_in(message["status"], headers):
                        headers = [
                            (
                                name,
                                back_to.encode("latin-1") if name.lower() == b"location" else value,
                            )
                            for name, value in headers
                        ]
                        headers.append(
                            (b"set-cookie", f"{NEXT_COOKIE}=; Path=/; Max-Age=0".encode())
                        )
                    message = {**message, "headers": [*headers, *extra]}
                await send(message)

            return await app(scope, receive, send_with_headers)

        return access

    return wrap


@hookimpl
def extra_template_vars(datasette, request):
    """Datasette's `menu_links` for the page templates, less datasette-auth-passwords'
    "Log in" when there is no account to log in to."""
    config = _config(datasette)
    if config is None or _offers_login(datasette, config):
        return {}
    login = datasette.urls.path(LOGIN_PATH)
    actor = request.actor if request else None

    async def menu_links() -> list[dict]:
        links = []
        for hook in pm.hook.menu_links(datasette=datasette, actor=actor, request=request):
            links.extend(link for link in await await_me_maybe(hook) or [] if link["href"] != login)
        return links

    return {"menu_links": menu_links}


def _replay(body: bytes, receive):
    """An ASGI `receive` that hands over `body` (already read) once, then the real one."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _logs_in(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a response is a successful login: a redirect that sets the actor cookie."""
    return status in (301, 302, 303) and any(
        name.lower() == b"set-cookie" and value.startswith(b"ds_actor=") for name, value in headers
    )


def _http_only(name: bytes, value: bytes, secure: str = "") -> tuple[bytes, bytes]:
    """The `ds_actor` session cookie made HttpOnly, and Secure when served over HTTPS."""
    if name.lower() != b"set-cookie" or not value.startswith(b"ds_actor="):
        return name, value
    if b"httponly" not in value.lower():
        value += b"; HttpOnly"
    if secure and b"; secure" not in value.lower():
        value += secure.encode()
    return name, value
