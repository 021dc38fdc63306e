"""Private addresses (server-side request forgery): a hostile blog on a host the user named
cannot send the crawler to another loopback, private or link-local host, by a moved home
page (301 or meta refresh) or a post's redirect, however the address is spelled. Real
loopback servers: `127.0.0.1` is the named host; `localhost`, `127.0.0.2` and the odd
spellings of 127.0.0.1 are hosts the user did not name, and their servers must see nothing."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_server import RawServer, html, page, redirect, refreshing_to, small_blog

from conftest import LOOPBACK, rows, run_blogarchive
from pipeline.addresses import AddressPolicy, address_kind, literal_address

ALLOW = ["-s", "BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES=True"]


def crawl(db: Path, *urls: str, extra: tuple[str, ...] = ()) -> dict:
    result = run_blogarchive(
        "crawl", *urls, "--db", str(db), *LOOPBACK, "-s", "LOG_LEVEL=INFO", *extra, timeout=120
    )
    return {"db": db, "result": result}


def failure_errors(db: Path, url: str) -> list[str]:
    return [r["error"] for r in rows(db, "SELECT error FROM failures WHERE url = ?", (url,))]


def moved_to(db: Path, url: str) -> str | None:
    return rows(db, "SELECT moved_to FROM sources WHERE url = ?", (url,))[0]["moved_to"]


# -- what counts as a private address


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.2", "loopback"),
        ("2130706433", "loopback"),
        ("0x7f.1", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("[fc00::1]", "private"),
        ("169.254.169.254", "link-local"),
        ("[fe80::1]", "link-local"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.100.100.200", "cloud metadata"),
        ("[fd00:ec2::254]", "cloud metadata"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("[::]", "unspecified"),
        ("[2002:a00:1::]", "private"),  # 6to4 around 10.0.0.1
        ("93.184.215.14", None),
        ("[2606:4700::1111]", None),
    ],
)
def test_every_spelling_of_a_non_public_address_is_recognised(host: str, kind: str | None) -> None:
    address = literal_address(host)
    assert address is not None
    assert address_kind(address) == kind


def test_a_host_name_is_no_address() -> None:
    for host in ("example.org", "blog.example", "0x", "1.2.3.4.5", "localhost"):
        assert literal_address(host) is None


def test_named_hosts_are_fetched_others_refused_and_the_setting_lifts_it() -> None:
    policy = AddressPolicy()
    policy.name_hosts(["http://127.0.0.1:8000/", "https://intranet.example/blog/"])
    assert policy.check_host("127.0.0.1") is None  # named, as typed
    assert policy.check_resolved("intranet.example", "10.0.0.7") is None  # an intranet blog
    refused = policy.check_host("127.0.0.2")
    assert refused and "127.0.0.2 is a loopback address" in refused
    assert "BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES=True" in refused
    assert "localhost" in (policy.check_host("localhost") or "")
    refused = policy.check_resolved("moved.example", "192.168.0.3")
    assert refused and "moved.example resolves to 192.168.0.3, a private address" in refused
    # a named name never reaches cloud metadata
    assert "link-local" in (policy.check_resolved("intranet.example", "169.254.169.254") or "")
    allowing = AddressPolicy(allow_private=True)
    assert allowing.check_host("127.0.0.2") is None
    assert allowing.check_resolved("moved.example", "169.254.169.254") is None


def test_a_named_international_name_is_named_as_the_resolver_is_asked_for_it() -> None:
    policy = AddressPolicy()
    policy.name_hosts(["http://bücher.intranet/"])
    assert policy.check_resolved("xn--bcher-kva.intranet", "10.0.0.7") is None
    assert policy.check_resolved("xn--bcher-kva.other", "10.0.0.7")


def test_a_named_name_that_answered_public_is_not_fetched_at_a_private_address_later() -> None:
    policy = AddressPolicy()
    policy.name_hosts(["https://blog.example/"])
    assert policy.check_resolved("blog.example", "93.184.215.14") is None
    refused = policy.check_resolved("blog.example", "127.0.0.1")
    assert refused and "DNS rebinding" in refused


RESOLVE = """
import sys
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.task import react
from pipeline.middlewares import ADDRESS_POLICY, PrivateAddressHostnameResolver, PrivateAddressResolver

ADDRESS_POLICY.name_hosts(sys.argv[2:])

class Receiver:
    def __init__(self):
        self.addresses, self.done = [], Deferred()
    def resolutionBegan(self, resolution):
        pass
    def addressResolved(self, address):
        self.addresses.append(address.host)
    def resolutionComplete(self):
        self.done.callback(self.addresses)

async def main(reactor):
    if sys.argv[1] == "simple":
        try:
            print(await PrivateAddressResolver(reactor, 0, 5.0).getHostByName("localhost"))
        except Exception as error:
            print(type(error).__name__, error)
    else:
        receiver = Receiver()
        PrivateAddressHostnameResolver(reactor, 0).resolveHostName(receiver, "localhost", 80)
        print(" ".join(sorted(set(await receiver.done))) or "nothing")
    print(ADDRESS_POLICY.refused.get("localhost"))

react(lambda reactor: ensureDeferred(main(reactor)))
"""


@pytest.mark.parametrize("resolver", ["simple", "hostname"])
@pytest.mark.parametrize("named", [[], ["http://localhost:8080/"]])
def test_the_crawl_resolvers_check_the_addresses_they_answer(
    resolver: str, named: list[str]
) -> None:
    """The check made as the connection is made: Scrapy's resolvers (IPv4, and IPv4 and
    IPv6), run on a real reactor."""
    result = subprocess.run(
        [sys.executable, "-c", RESOLVE, resolver, *named],
        capture_output=True,
        text=True,
        timeout=60,
    )
    answer, reason = result.stdout.strip().split("\n")
    if named:
        assert "127.0.0.1" in answer.split(), result
        assert reason == "None"
    else:
        assert answer.startswith("DNSLookupError" if resolver == "simple" else "nothing"), result
        assert "localhost resolves to " in reason and "a loopback address" in reason


def machine_name() -> tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address] | None:
    """This machine's own name and the non-public address it resolves to (127.0.x.1 or a
    container's private address), standing in for an intranet name; None without one."""
    name = socket.gethostname()
    try:
        address = ipaddress.ip_address(socket.gethostbyname(name))
    except (OSError, ValueError):
        return None
    if address_kind(address) not in ("loopback", "private"):
        return None
    return name, address


# -- a real crawl: a blog on 127.0.0.1 sending the crawler elsewhere


@pytest.fixture(scope="module")
def targets() -> Iterator[dict[str, RawServer]]:
    """Blogs the crawler must not reach: one on 127.0.0.1 (reached by `localhost` and the
    odd spellings of 127.0.0.1), one on 127.0.0.2."""
    here = RawServer("127.0.0.1", small_blog("Not Named Here"))
    there = RawServer("127.0.0.2", small_blog("Not Named There"))
    yield {"here": here, "there": there}
    here.stop()
    there.stop()


def post_redirects(targets: dict[str, RawServer]) -> dict[str, str]:
    port = targets["here"].port
    return {
        "/2024/01/to-localhost.html": f"http://localhost:{port}/2023/05/first.html",
        "/2024/01/to-other-loopback.html": f"{targets['there'].url}2023/05/first.html",
        "/2024/01/to-decimal.html": f"http://2130706433:{port}/2023/05/first.html",
        "/2024/01/to-hex.html": f"http://0x7f.1:{port}/2023/05/first.html",
        "/2024/01/to-mapped.html": f"http://[::ffff:127.0.0.1]:{port}/2023/05/first.html",
    }


@pytest.fixture(scope="module")
def hostile(targets, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    redirects = post_redirects(targets)
    home = "".join(f"<h2><a href='{path}'>{path}</a></h2>" for path in redirects)
    posts = RawServer(routes={path: redirect(to, 302) for path, to in redirects.items()})
    posts.routes["/"] = html(text=page("Redirecting Posts", f"<h1>Redirects</h1>{home}"))
    moved_local = RawServer(routes={"/": redirect(f"http://localhost:{targets['here'].port}/")})
    moved_there = RawServer(routes={"/": redirect(targets["there"].url, 308)})
    refreshed = RawServer(routes={"/": refreshing_to(targets["there"].url)})
    sites = {"posts": posts, "moved_local": moved_local, "moved_there": moved_there}
    sites["refreshed"] = refreshed
    db = tmp_path_factory.mktemp("private") / "archive.db"
    crawled = crawl(db, *(s.url for s in sites.values()))
    yield {**crawled, **sites, "redirects": redirects}
    for site in sites.values():
        site.stop()


def test_the_crawl_goes_on_and_the_refused_hosts_see_no_request(hostile, targets) -> None:
    result = hostile["result"]
    assert "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 4, result.stdout
    assert targets["here"].log == []
    assert targets["there"].log == []
    assert "'blogarchive/address/refused'" in result.stderr
    assert "TWISTED_DNS_RESOLVER is neither" not in result.stderr  # the checking resolver


@pytest.mark.parametrize("name", ["moved_local", "moved_there", "refreshed"])
def test_a_move_to_a_private_host_not_named_is_not_followed(hostile, name: str) -> None:
    url = hostile[name].url
    errors = failure_errors(hostile["db"], url)
    assert any("private address refused" in e for e in errors), errors
    assert all("BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES=True" in e for e in errors), errors
    assert moved_to(hostile["db"], url) is None
    assert f"{url}: failed" in hostile["result"].stdout
    assert "has moved to" not in hostile["result"].stderr


def test_a_post_redirecting_to_a_private_host_is_refused_however_spelled(hostile) -> None:
    base = hostile["posts"].url[:-1]
    for path, target in hostile["redirects"].items():
        errors = failure_errors(hostile["db"], base + path)
        assert any("private address refused" in e and target in e for e in errors), (
            path,
            errors,
        )
    warnings = [line for line in hostile["result"].stderr.splitlines() if "WARNING" in line]
    assert sum("private address refused" in line for line in warnings) >= len(hostile["redirects"])
    assert rows(hostile["db"], "SELECT url FROM posts") == []


def test_the_ipv6_resolver_keeps_the_rule(targets, tmp_path: Path) -> None:
    """Crawling with Scrapy's IPv4 and IPv6 resolver, in its checking form: a named blog is
    crawled, a move to a private host it did not name is refused; any other resolver is said
    to leave names unchecked."""
    blog = RawServer(routes=small_blog("Named Here"))
    moved = RawServer(routes={"/": redirect(targets["there"].url, 301)})
    resolver = ("-s", "TWISTED_DNS_RESOLVER=pipeline.middlewares.PrivateAddressHostnameResolver")
    try:
        crawled = crawl(tmp_path / "archive.db", blog.url, moved.url, extra=resolver)
        plain = crawl(
            tmp_path / "plain.db",
            blog.url,
            extra=("-s", "TWISTED_DNS_RESOLVER=scrapy.resolver.CachingHostnameResolver"),
        )
    finally:
        blog.stop()
        moved.stop()
    out = crawled["result"].stdout
    assert f"{blog.url}: ok, 2 posts found" in out, crawled["result"]
    assert f"{moved.url}: failed" in out
    assert any(
        "127.0.0.2 is a loopback address" in e for e in failure_errors(crawled["db"], moved.url)
    )
    assert "TWISTED_DNS_RESOLVER is neither" not in crawled["result"].stderr
    assert "TWISTED_DNS_RESOLVER is neither" in plain["result"].stderr
    assert targets["there"].log == []


def test_the_setting_lets_a_blog_move_to_a_private_host(targets, tmp_path: Path) -> None:
    moved = RawServer(routes={"/": redirect(f"http://localhost:{targets['here'].port}/")})
    try:
        crawled = crawl(tmp_path / "archive.db", moved.url, extra=tuple(ALLOW))
    finally:
        moved.stop()
    assert crawled["result"].stdout.startswith(f"{moved.url}: ok, 2 posts found"), crawled["result"]
    assert moved_to(crawled["db"], moved.url) == f"http://localhost:{targets['here'].port}/"
    assert targets["here"].requested("/2023/05/first.html")
    targets["here"].log.clear()


def test_a_move_to_a_name_resolving_to_a_private_address_is_not_followed(
    targets, tmp_path: Path
) -> None:
    """A name, not an address: refused once resolved (through the crawl's resolver)."""
    found = machine_name()
    if found is None:
        pytest.skip("this machine's name does not resolve to a loopback or private address")
    name, address = found
    target = RawServer(str(address), small_blog("Behind The Name"))
    moved = RawServer(routes={"/": redirect(f"http://{name}:{target.port}/")})
    try:
        crawled = crawl(tmp_path / "archive.db", moved.url)
    finally:
        moved.stop()
        target.stop()
    errors = failure_errors(crawled["db"], moved.url)
    assert any(f"{name} resolves to {address}" in e for e in errors), (errors, crawled)
    assert moved_to(crawled["db"], moved.url) is None
    assert target.log == []


def test_a_named_host_name_resolving_to_a_private_address_is_crawled(tmp_path: Path) -> None:
    """An intranet blog: the user typed its name, and it is crawled though it resolves to a
    private address."""
    found = machine_name()
    if found is None:
        pytest.skip("this machine's name does not resolve to a loopback or private address")
    name, address = found
    blog = RawServer(str(address), small_blog("Ours"))
    url = f"http://{name}:{blog.port}/"
    try:
        crawled = crawl(tmp_path / "archive.db", url)
    finally:
        blog.stop()
    assert crawled["result"].stdout.startswith(f"{url}: ok, 2 posts found"), crawled["result"]


# -- `blogarchive extract URL`, outside the crawl


def test_extract_refuses_a_redirect_to_a_private_host_not_typed(targets) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    site = RawServer(routes={"/post.html": redirect(f"{targets['there'].url}2023/05/first.html")})
    try:
        refused = CliRunner().invoke(cli, ["extract", f"{site.url}post.html"])
        typed = CliRunner().invoke(cli, ["extract", f"{targets['there'].url}2023/05/first.html"])
    finally:
        site.stop()
    assert refused.exit_code == 1
    assert "127.0.0.2 is a loopback address" in refused.output
    assert "give that address itself" in refused.output
    assert typed.exit_code == 0, typed.output
    assert [s.path for s in targets["there"].log] == ["/2023/05/first.html"]  # the typed one
    targets["there"].log.clear()
