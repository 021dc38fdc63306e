"""Unlisted by default, private with --auth: the real `blogarchive serve` over a real archive."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from conftest import BLOGARCHIVE, run_blogarchive, serve_archive
from pipeline.access import (
    PASSWORD_HASH_ENV,
    AccessError,
    LoginThrottle,
    auth_from_environment,
    hash_password,
)
from pipeline.serving import make_datasette
from pipeline.store import Archive

PASSWORD = "correct horse battery staple"
SITE = "alpha.example"


def build_archive(path: Path) -> Path:
    with Archive(path) as archive, archive.transaction():
        source_id = archive.add_source(f"https://{SITE}/")
        for i in range(3):
            archive.save_post(
                {
                    "url": f"https://{SITE}/2024/0{i + 1}/post-{i}.html",
                    "title": f"Post {i} about xylophones",
                    "author": "Ann",
                    "published": f"2024-0{i + 1}-05T10:00:00+00:00",
                    "tags": ["music"],
                    "text": "A post about xylophones and other things. " * 20,
                    "html": "<p>A post about xylophones.</p>",
                },
                source_id=source_id,
            )
    return path


def protected_urls(db_name: str) -> list[str]:
    return [
        "/",
        f"/{db_name}",
        f"/{db_name}/posts",
        f"/{db_name}/posts.json",
        f"/{db_name}/posts/1",
        f"/{db_name}/posts.json?_search=xylophones",
        f"/{db_name}/posts?_search=xylophones",
        f"/{db_name}?sql=select+1",
        f"/{db_name}.json?sql=select+title+from+posts",
        f"/{db_name}.json",
        f"/{db_name}/posts.csv",
        f"/{db_name}/posts.atom?_search=xylophones",
        f"/{db_name}/comments.json",
        "/-/dashboard",
        f"/-/blog/{SITE}",
        "/-/metadata.json",
        "/-/databases.json",
        "/-/password-tool",
    ]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("access") / "private.db")


@pytest.fixture(scope="module")
def password_hash() -> str:
    result = subprocess.run(
        [BLOGARCHIVE, "hash-password", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# ------------------------------------------------------------------ unlisted by default


def get(ds, path: str) -> httpx.Response:
    return asyncio.run(ds.client.get(path))


def test_every_response_says_noindex_and_robots_txt_disallows_all(archive_db: Path) -> None:
    ds = make_datasette(archive_db)
    for path in ["/", "/private/posts", "/private/posts.json", "/-/dashboard", "/nothing-here"]:
        response = get(ds, path)
        assert response.headers.get("x-robots-tag") == "noindex, nofollow", path
    robots = get(ds, "/robots.txt")
    assert robots.status_code == 200
    assert robots.text.splitlines() == ["User-agent: *", "Disallow: /"]


def test_public_lifts_noindex_and_robots_txt(archive_db: Path) -> None:
    ds = make_datasette(archive_db, public=True)
    response = get(ds, "/private/posts")
    assert response.status_code == 200
    assert "x-robots-tag" not in response.headers
    assert get(ds, "/robots.txt").status_code == 404


def test_serve_public_sends_no_noindex(archive_db: Path) -> None:
    with serve_archive(archive_db, "--public") as base:
        response = httpx.get(f"{base}/private/posts.json")
        assert response.status_code == 200 and "x-robots-tag" not in response.headers
        assert httpx.get(f"{base}/robots.txt").status_code == 404


def test_without_auth_there_is_no_login(archive_db: Path) -> None:
    ds = make_datasette(archive_db)
    for path in ["/", "/private/posts", "/private/posts/1", "/-/dashboard"]:
        page = get(ds, path)
        assert page.status_code == 200, path
        assert 'href="/-/login"' not in page.text, path
    login = get(ds, "/-/login")
    assert login.status_code == 404 and "served without --auth" in login.text
    assert login.headers["x-robots-tag"] == "noindex, nofollow"


# ------------------------------------------------------------------ private with --auth


def log_in(client: httpx.Client, password: str) -> httpx.Response:
    form = client.get("/-/login")
    assert form.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/-/login", data={"username": "admin", "password": password, "csrftoken": token}
    )


def test_auth_refuses_every_kind_of_url_until_logged_in(archive_db: Path, password_hash: str):
    with serve_archive(archive_db, "--auth", env={PASSWORD_HASH_ENV: password_hash}) as base:
        with httpx.Client(base_url=base) as anonymous:
            for url in protected_urls("private"):
                response = anonymous.get(url)
                assert response.status_code in (302, 403), (url, response.status_code)
                if response.status_code == 302:
                    assert response.headers["location"] == "/-/login", url
                assert "xylophones" not in response.text, url
            # data endpoints are refused outright, pages redirect to the login form
            assert anonymous.get("/private/posts.json").status_code == 403
            assert anonymous.get("/private/posts").status_code == 302
            assert anonymous.post("/private/posts.json").status_code == 403
            # the login form itself is open, and a wrong password does not get in
            assert log_in(anonymous, "wrong password").status_code == 200
            assert anonymous.get("/private/posts.json").status_code == 403

        with httpx.Client(base_url=base) as owner:
            response = log_in(owner, PASSWORD)
            assert response.status_code == 302
            assert "httponly" in response.headers["set-cookie"].lower()
            for url in protected_urls("private"):
                response = owner.get(url)
                assert response.status_code not in (302, 401, 403), (url, response.status_code)
            posts = owner.get("/private/posts.json?_shape=objects").json()
            assert len(posts["rows"]) == 3
            found = owner.get("/private/posts.json?_search=xylophones&_shape=objects").json()
            assert found["rows"]
            assert owner.get("/private?sql=select+count(*)+as+n+from+posts").status_code == 200
            dashboard = owner.get("/-/dashboard")
            assert dashboard.status_code == 200 and "<svg" in dashboard.text
            assert owner.get("/").headers["x-robots-tag"] == "noindex, nofollow"

        # scripts may use HTTP Basic instead of the form
        basic = httpx.get(f"{base}/private/posts.json", auth=("admin", PASSWORD))
        assert basic.status_code == 200 and basic.json()["rows"]
        assert httpx.get(f"{base}/private/posts.json", auth=("admin", "nope")).status_code == 403


def test_password_hash_file(archive_db: Path, password_hash: str, tmp_path: Path) -> None:
    hash_file = tmp_path / "hash"
    hash_file.write_text(password_hash + "\n")
    auth = auth_from_environment({}, password_hash_file=hash_file)
    ds = make_datasette(archive_db, auth=auth)
    owner = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}

    async def fetch(path: str, headers: dict | None = None) -> httpx.Response:
        return await ds.client.get(path, headers=headers or {})

    assert asyncio.run(fetch("/private/posts.json")).status_code == 403
    assert asyncio.run(fetch("/private/posts")).status_code == 302
    response = asyncio.run(fetch("/private/posts.json", owner))
    assert response.status_code == 200 and len(response.json()["rows"]) == 3
    metadata = asyncio.run(fetch("/-/metadata.json", owner)).text
    assert password_hash not in metadata and str(hash_file) in metadata


def test_logging_in_returns_to_the_page_asked_for(archive_db: Path, password_hash: str):
    with serve_archive(archive_db, "--auth", env={PASSWORD_HASH_ENV: password_hash}) as base:
        with httpx.Client(base_url=base) as reader:
            asked = "/private/search?q=xylophones&site=alpha.example&order=newest"
            first = reader.get(asked)
            assert first.status_code == 302 and first.headers["location"] == "/-/login"
            assert log_in(reader, "wrong password").status_code == 200
            response = log_in(reader, PASSWORD)
            assert response.status_code == 302 and response.headers["location"] == asked
            page = reader.get(response.headers["location"])
            assert page.status_code == 200 and "newest first" in page.text
            # once: the next login (say after the server restarted) goes to the home page
            assert log_in(reader, PASSWORD).headers["location"] == "/"
        with httpx.Client(base_url=base) as other:
            # a cookie pointing elsewhere is not followed
            other.cookies.set("blogarchive_next", "//evil.example/")
            assert log_in(other, PASSWORD).headers["location"] == "/"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_http_basic_credentials_checked_once_and_bad_headers_refused(
    archive_db: Path, tmp_path: Path
) -> None:
    # A script's Basic credentials are verified once and remembered, but only for the hash
    # they were verified against: a new hash in the file shuts the old password out at once.
    # Malformed headers are refused like missing credentials, never a server error.
    new_password = "rødgrød med fløde"  # not ASCII: Basic credentials are UTF-8
    hash_file = tmp_path / "hash"
    hash_file.write_text(hash_password(PASSWORD))
    auth = auth_from_environment({}, password_hash_file=hash_file)
    # more refusals than the failed-login limit: that limit has a test of its own
    ds = make_datasette(archive_db, auth=dataclasses.replace(auth, login_failures_max=100))

    async def status(headers: dict, path: str = "/private/posts.json") -> int:
        return (await ds.client.get(path, headers=headers)).status_code

    async def scenario() -> None:
        assert await status(basic("admin", PASSWORD)) == 200
        assert await status(basic("admin", PASSWORD)) == 200
        assert await status(basic("admin", "nope")) == 403
        assert await status(basic("nobody", PASSWORD)) == 403
        for header in (
            "Basic !!!not-base64",
            "Basic " + base64.b64encode(b"\xff:\xfe").decode(),
            "Basic " + base64.b64encode(b"no-colon").decode(),
            "Basic ",
        ):
            assert await status({"Authorization": header}) == 403, header
            assert await status({"Authorization": header}, "/private/posts") == 302, header
        hash_file.write_text(hash_password(new_password))
        assert await status(basic("admin", PASSWORD)) == 403
        assert await status(basic("admin", new_password)) == 200

    asyncio.run(scenario())
    # served without --auth, a malformed header is ignored like any other
    open_ds = make_datasette(archive_db)
    response = asyncio.run(
        open_ds.client.get("/private/posts.json", headers={"Authorization": "Basic !!!"})
    )
    assert response.status_code == 200


def test_auth_without_a_hash_refuses_to_start(archive_db: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_HASH_ENV}
    result = run_blogarchive("serve", "--db", str(archive_db), "--auth", env=env, timeout=60)
    assert result.returncode == 1
    assert PASSWORD_HASH_ENV in result.stderr and "hash-password" in result.stderr
    bad = tmp_path / "bad-hash"
    bad.write_text("hunter2")
    result = run_blogarchive(
        "serve", "--db", str(archive_db), "--auth", "--password-hash-file", str(bad), timeout=60
    )
    assert result.returncode == 1 and "does not hold a password hash" in result.stderr


def test_hash_password_prompts_twice_and_hashes_are_salted(password_hash: str) -> None:
    assert password_hash.startswith("pbkdf2_sha256$") and PASSWORD not in password_hash
    result = subprocess.run(
        [BLOGARCHIVE, "hash-password"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    second = result.stdout.strip().splitlines()[-1]
    assert second.startswith("pbkdf2_sha256$") and second != password_hash
    assert PASSWORD not in result.stdout
    mismatch = subprocess.run(
        [BLOGARCHIVE, "hash-password"],
        input="one\ntwo\none\none\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert mismatch.returncode == 0 and "do not match" in (mismatch.stdout + mismatch.stderr)
    with pytest.raises(AccessError):
        hash_password("")
    with pytest.raises(AccessError):
        auth_from_environment({PASSWORD_HASH_ENV: "plain text"})


# ------------------------------------------------------------------ security headers everywhere


def assert_secured(response: httpx.Response, what: str) -> None:
    """The headers a browser needs to refuse script, sniffing and framing by another site."""
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'self'" in policy, (what, policy)
    assert "default-src" in policy, (what, policy)
    assert response.headers.get("x-content-type-options") == "nosniff", what
    assert response.headers.get("referrer-policy") in ("same-origin", "no-referrer"), what


def test_every_kind_of_response_carries_the_security_headers(
    archive_db: Path, tmp_path: Path
) -> None:
    # The login redirect, the 403 of data URLs, robots.txt, the 404 of /-/login without --auth
    # and the captures page were sent without them (no CSP: frameable by any site).
    hash_file = tmp_path / "hash"
    hash_file.write_text(hash_password(PASSWORD))
    private = make_datasette(
        archive_db, auth=auth_from_environment({}, password_hash_file=hash_file)
    )
    for path in ("/", "/private/posts/1", "/private/posts.json", "/private/posts.csv",
                 "/robots.txt", "/-/login", "/-/capture/1", "/nothing-here"):  # fmt: skip
        assert_secured(get(private, path), f"--auth {path}")
    authorised = asyncio.run(
        private.client.get("/private/posts.json", headers=basic("admin", PASSWORD))
    )
    assert authorised.status_code == 200
    assert_secured(authorised, "--auth, logged in, posts.json")
    open_ds = make_datasette(archive_db)
    for path in ("/", "/private/posts/1", "/private/posts.json", "/private/posts.csv",
                 "/private/posts.atom", "/robots.txt", "/-/login", "/-/capture/1",
                 "/-/capture/1/raw", "/nothing-here", "/static/archive.css"):  # fmt: skip
        assert_secured(get(open_ds, path), path)


# ------------------------------------------------------------------ what a wrong login reveals


def test_a_wrong_user_name_costs_the_same_check_as_a_wrong_password_off_the_event_loop(
    archive_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wrong password took ~0.2 s (PBKDF2) and an unknown user name ~0 s, by the form and by
    # HTTP Basic: the time of a refusal told whether a name (`--user alice`) exists. And the
    # form's check ran on the event loop: a stream of wrong logins, open to anyone, stalled
    # every reader. The PBKDF2 runs are counted (the real function runs), not timed.
    import hashlib
    import threading

    runs: list[tuple[int, bool]] = []
    real_pbkdf2 = hashlib.pbkdf2_hmac

    def counted_pbkdf2(name, password, salt, iterations, *args):
        runs.append((iterations, threading.current_thread() is threading.main_thread()))
        return real_pbkdf2(name, password, salt, iterations, *args)

    hash_file = tmp_path / "hash"
    hash_file.write_text(hash_password(PASSWORD))
    auth = auth_from_environment({}, password_hash_file=hash_file, user="alice")
    ds = make_datasette(archive_db, auth=auth)
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted_pbkdf2)

    async def form_login(user: str, password: str) -> httpx.Response:
        form = await ds.client.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
        return await ds.client.post(
            "/-/login",
            data={"username": user, "password": password, "csrftoken": token},
            cookies={"ds_csrftoken": form.cookies["ds_csrftoken"]},
        )

    async def basic_login(user: str, password: str) -> httpx.Response:
        return await ds.client.get("/private/posts.json", headers=basic(user, password))

    async def refusals() -> dict[str, tuple[int, str, list]]:
        seen = {}
        for way, attempt in (("form", form_login), ("basic", basic_login)):
            for user in ("alice", "admin", "nobody"):
                runs.clear()
                response = await attempt(user, "wrong password")
                page = re.sub(r'name="csrftoken" value="[^"]+"', "", response.text)
                seen[f"{way} {user}"] = (response.status_code, page, list(runs))
        return seen

    seen = asyncio.run(refusals())
    iterations = int(hash_file.read_text().split("$")[1])
    for attempt, (status, _page, pbkdf2_runs) in seen.items():
        assert status in (200, 403), attempt
        # one check of the account's strength each, in a worker thread
        assert pbkdf2_runs == [(iterations, False)], (attempt, pbkdf2_runs)
    assert seen["form alice"][1] == seen["form nobody"][1]  # the same page (less its token)
    assert seen["basic alice"][1] == seen["basic nobody"][1]
    assert "Invalid username or password" in seen["form nobody"][1]

    async def right_login() -> httpx.Response:
        return await form_login("alice", PASSWORD)

    logged_in = asyncio.run(right_login())
    assert logged_in.status_code == 302 and "ds_actor=" in logged_in.headers["set-cookie"]


def test_the_password_tool_is_not_served(archive_db: Path) -> None:
    # datasette-auth-passwords' /-/password-tool hashed any password POSTed to it (PBKDF2 on
    # the event loop), open to anyone on an archive served without --auth.
    ds = make_datasette(archive_db)
    page = get(ds, "/-/password-tool")
    assert page.status_code == 404 and "blogarchive hash-password" in page.text
    posted = asyncio.run(ds.client.post("/-/password-tool", data={"password": "x"}))
    assert posted.status_code == 404 and "pbkdf2" not in posted.text


# ------------------------------------------------------------------ DNS rebinding


def test_an_archive_without_login_answers_only_to_its_own_names(archive_db: Path) -> None:
    # A web page at attacker.example whose name is made to resolve to 127.0.0.1 (DNS
    # rebinding) could read the whole archive from the reader's browser, as its own origin:
    # `serve` answered any Host. Now a name it is not served under gets a 403.
    with serve_archive(archive_db) as base:
        port = base.rsplit(":", 1)[1]
        stolen = httpx.get(
            f"{base}/private/posts.json", headers={"Host": f"attacker.example:{port}"}
        )
        assert stolen.status_code == 403, stolen.text[:200]
        assert "xylophones" not in stolen.text and "--allow-host" in stolen.text
        assert stolen.headers["content-security-policy"]
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "10.0.0.5"):
            response = httpx.get(f"{base}/private/posts.json", headers={"Host": host})
            assert response.status_code == 200 and "xylophones" in response.text, host
    # a reverse proxy's name is given with --allow-host; --public and --auth need no list
    with serve_archive(archive_db, "--allow-host", "Archive.Example.org") as base:
        proxied = httpx.get(f"{base}/private/posts.json", headers={"Host": "archive.example.org"})
        assert proxied.status_code == 200
        other = httpx.get(f"{base}/private/posts.json", headers={"Host": "attacker.example"})
        assert other.status_code == 403
    ds = make_datasette(archive_db, public=True)
    response = asyncio.run(
        ds.client.get("/private/posts.json", headers={"Host": "anything.example"})
    )
    assert response.status_code == 200
    bad = run_blogarchive("serve", "--db", str(archive_db), "--allow-host", "https://x.example/")
    assert bad.returncode == 2 and "--allow-host takes a host name" in bad.stderr


# ------------------------------------------------------------------ password guessing


def test_login_throttle_counts_failures_per_address_within_the_window() -> None:
    now = [1000.0]
    throttle = LoginThrottle(3, 60, clients_max=2, clock=lambda: now[0])
    shut_out = []
    for _ in range(3):  # at 1000, 1010, 1020
        shut_out.append(throttle.failed("a"))
        now[0] += 10
    assert shut_out == [False, False, True]
    assert throttle.retry_after("a") == 30 and throttle.retry_after("b") == 0
    now[0] += 29.5
    assert throttle.retry_after("a") == 1
    now[0] += 0.5  # the first failure is a minute old: one more try
    assert throttle.retry_after("a") == 0
    assert throttle.failed("a") is True and throttle.retry_after("a") == 10
    throttle.succeeded("a")
    assert throttle.retry_after("a") == 0
    # a stream of addresses forgets the oldest instead of growing
    for client in ("a", "b", "c"):
        throttle.failed(client), throttle.failed(client), throttle.failed(client)
    assert throttle.retry_after("a") == 0 and throttle.retry_after("c") == 60
    with pytest.raises(AccessError):
        LoginThrottle(0, 60)


def test_password_guessing_is_refused_after_ten_failures_without_a_check(
    archive_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    # Each wrong password cost the server a PBKDF2 check (~0.2 s of a core) and the guesser
    # nothing more: one client could try passwords without end and keep the cores busy.
    import hashlib

    from datasette_auth_passwords.utils import hash_password as hash_with_rounds

    runs: list[int] = []
    real_pbkdf2 = hashlib.pbkdf2_hmac

    def counted_pbkdf2(name, password, salt, iterations, *args):
        runs.append(iterations)
        return real_pbkdf2(name, password, salt, iterations, *args)

    hash_file = tmp_path / "hash"
    hash_file.write_text(hash_with_rounds(PASSWORD, iterations=1000))  # a quick test
    ds = make_datasette(archive_db, auth=auth_from_environment({}, password_hash_file=hash_file))
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counted_pbkdf2)

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=ds.app(), client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")

    async def form_login(http: httpx.AsyncClient, password: str) -> httpx.Response:
        form = await http.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
        return await http.post(
            "/-/login", data={"username": "admin", "password": password, "csrftoken": token}
        )

    async def scenario() -> None:
        async with client("203.0.113.7") as guesser, client("198.51.100.2") as owner:
            for guess in range(9):
                assert (await form_login(guesser, f"guess {guess}")).status_code == 200
            data = await guesser.get("/private/posts.json", headers=basic("admin", "guess 9"))
            assert data.status_code == 403  # the tenth failure, by HTTP Basic
            runs.clear()
            for attempt in (
                await form_login(guesser, PASSWORD),  # even the right one, now
                await guesser.get("/private/posts.json", headers=basic("admin", PASSWORD)),
            ):
                assert attempt.status_code == 429
                assert 590 <= int(attempt.headers["retry-after"]) <= 600
                assert "too many failed logins" in attempt.text
                assert_secured(attempt, "429")
            assert runs == []  # refused before any password check
            # the rest of the archive still answers it, and others still log in
            assert (await guesser.get("/-/login")).status_code == 200
            assert (await form_login(owner, "typo")).status_code == 200
            logged_in = await form_login(owner, PASSWORD)
            assert logged_in.status_code == 302 and "ds_actor=" in logged_in.headers["set-cookie"]
            assert (await owner.get("/private/posts.json")).status_code == 200

    with caplog.at_level("WARNING", logger="blogarchive.access"):
        asyncio.run(scenario())
    warnings = [r.getMessage() for r in caplog.records if r.name == "blogarchive.access"]
    assert warnings == [
        "10 failed logins from 203.0.113.7 within 600 s: its logins are refused for a while"
    ]


def test_behind_a_local_proxy_logins_are_counted_by_client_and_cookies_secure_over_https(
    archive_db: Path,
) -> None:
    # Behind nginx or Caddy on the same machine every connection comes from 127.0.0.1: the
    # guesser is told apart by the X-Forwarded-For its proxy adds, so the owner can still log in.
    from datasette_auth_passwords.utils import hash_password as hash_with_rounds

    quick_hash = hash_with_rounds(PASSWORD, iterations=1000)
    with serve_archive(archive_db, "--auth", env={PASSWORD_HASH_ENV: quick_hash}) as base:

        def status(password: str, forwarded_for: str) -> int:
            headers = {**basic("admin", password), "X-Forwarded-For": forwarded_for}
            return httpx.get(f"{base}/private/posts.json", headers=headers).status_code

        assert [status(f"guess {n}", "203.0.113.7") for n in range(11)] == [403] * 10 + [429]
        assert status(PASSWORD, "203.0.113.7") == 429
        assert status(PASSWORD, "198.51.100.2") == 200

        # over HTTPS at the proxy, the session cookie and the page-to-return-to are Secure
        for proto, secure in (("https", True), ("http", False)):
            forwarded = {"X-Forwarded-Proto": proto, "X-Forwarded-For": "198.51.100.3"}
            with httpx.Client(base_url=base, headers=forwarded) as reader:
                asked = reader.get("/private/posts")
                assert asked.status_code == 302
                form = reader.get("/-/login")
                token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
                # the client keeps no Secure cookie for an http:// address: send it as a proxy would
                reader.cookies.set("ds_csrftoken", form.cookies["ds_csrftoken"])
                login = reader.post(
                    "/-/login", data={"username": "admin", "password": PASSWORD, "csrftoken": token}
                )
                assert login.status_code == 302, login.text
                for response, name in ((asked, "blogarchive_next"), (login, "ds_actor")):
                    cookie = next(
                        c for c in response.headers.get_list("set-cookie") if c.startswith(name)
                    )
                    assert ("; Secure" in cookie) is secure, (proto, cookie)
                    assert "HttpOnly" in cookie, cookie
