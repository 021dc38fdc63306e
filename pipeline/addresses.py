"""Which hosts the crawler may connect to: no private address unless the user named it.

A hostile blog can send the crawler to a private address (server-side request forgery): its
home page "moves" to `http://169.254.169.254/latest/meta-data/`, a post redirects to
`http://127.0.0.1:6379/`, a link's host name resolves to `10.0.0.5`. What is fetched is
archived, and archives are published. So:

- A host the user named (the host of a source given to `crawl URL` or `add URL`) is crawled as
  asked, whatever it is: `http://127.0.0.1:8000/`, `http://localhost/`, an intranet name.
  Exceptions, for a named host *name* (not an address typed as such): it is never fetched at a
  link-local address (169.254.0.0/16, fe80::/10, where cloud metadata services answer), a
  known cloud metadata address, or an unspecified, multicast or reserved one; and a name
  whose first answer in a run was a public address is not fetched at a private one later
  (DNS rebinding).
- Any other host (a move's target, a redirect's, a link's) that is or resolves to a loopback,
  private, link-local, shared (CGNAT), multicast, reserved or unspecified address, IPv4 or IPv6
  (IPv4-mapped IPv6 too, and spellings such as `2130706433` or `0x7f.1`), is refused.
- `BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES=True` lifts both.

`AddressPolicy` decides; the Scrapy side (pipeline/middlewares.py) asks it on the URL's text
before a request and on the resolved address when the connection is made.
"""

from __future__ import annotations

import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SETTING = "BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES"

# Cloud metadata services outside link-local space (AWS over IPv6, Alibaba Cloud).
METADATA_ADDRESSES = {
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
NAT64 = ipaddress.ip_network("64:ff9b::/96")

# one to four dot-separated parts, each decimal, octal (leading 0) or hex (0x): what
# inet_aton (and so the system resolver) reads as an IPv4 address
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host written as an address stands for (`127.0.0.1`, `[::1]`,
    `::ffff:127.0.0.1`, and the spellings the system resolver accepts: `2130706433`,
    `0x7f.1`, `0177.0.0.1`); None for a host name."""
    host = host.strip().strip("[]").lower()
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # fe80::1%eth0
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is ("loopback", "private", "link-local",
    "shared (CGNAT)", "multicast", "reserved", "unspecified", "cloud metadata", "non-public"),
    or None for a public one. An IPv4 address inside IPv6 (`::ffff:127.0.0.1`, 6to4, NAT64)
    is judged as that IPv4 address."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return address_kind(inner)
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE:
        return "shared (CGNAT)"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "non-public"
    return None


# kinds never fetched for a named host name (only for an address the user typed as such)
NEVER_FOR_A_NAME = {"link-local", "cloud metadata", "unspecified", "multicast", "reserved"}


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").lower().rstrip(".")


class AddressPolicy:
    """Whether a host may be connected to: see the module. One per crawler process, shared
    by the downloader middleware and the DNS resolver."""

    def __init__(self, allow_private: bool = False):
        self.allow_private = allow_private
        self.named: set[str] = set()
        self.named_public: set[str] = set()  # named host names whose first answer was public
        self.refused: dict[str, str] = {}  # host -> the reason, for the failures row

    def name_hosts(self, urls: list[str]) -> None:
        """The hosts of these sources are the user's own choice."""
        from urllib.parse import urlsplit

        for url in urls:
            try:
                host = urlsplit(url).hostname
            except ValueError:
                continue
            if host:
                self.named.add(_normal_host(host))
                try:  # as the resolver is asked for it: `xn--bcher-kva.example`
                    self.named.add(_normal_host(host.encode("idna").decode("ascii")))
                except UnicodeError:
                    pass

    def is_named(self, host: str) -> bool:
        return _normal_host(host) in self.named

    def check_host(self, host: str) -> str | None:
        """The reason a host is refused from its text alone (an address, or `localhost`),
        or None when it may be fetched (a host name is judged again once resolved)."""
        if self.allow_private or not host or self.is_named(host):
            return None
        name = _normal_host(host)
        address = literal_address(name)
        if address is not None:
            kind = address_kind(address)
            return self._refusal(host, address, kind) if kind else None
        if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
            return self._refusal(host, ipaddress.ip_address("127.0.0.1"), "loopback")
        return None

    def check_resolved(self, host: str, resolved: str) -> str | None:
        """The reason the address `host` resolved to is refused, or None: checked when the
        connection is made, so a name that answers a public address first and a private one
        later (DNS rebinding) is caught."""
        if self.allow_private:
            return None
        try:
            address = ipaddress.ip_address(resolved.split("%", 1)[0])
        except ValueError:
            return None
        kind = address_kind(address)
        name = _normal_host(host)
        if not self.is_named(name):
            return self._refusal(host, address, kind) if kind else None
        if literal_address(name) is not None or kind is None:
            if kind is None:
                self.named_public.add(name)
            return None
        if kind in NEVER_FOR_A_NAME:
            return self._refusal(host, address, kind, named=True)
        if name in self.named_public:
            return self._refusal(host, address, kind, named=True, rebound=True)
        return None  # a named intranet host

    def _refusal(
        self,
        host: str,
        address: IPAddress,
        kind: str,
        *,
        named: bool = False,
        rebound: bool = False,
    ) -> str:
        name = _normal_host(host)
        if literal_address(name) is not None:
            what = f"{host} is {_a(kind)} address"
        else:
            what = f"{host} resolves to {address}, {_a(kind)} address"
        if rebound:
            why = "after a public one earlier in this run (DNS rebinding?)"
        elif named:
            why = "not fetched there even for a host you named"
        else:
            why = "and not a host you named"
        reason = f"private address refused: {what}, {why}; -s {SETTING}=True allows it"
        self.refused[_normal_host(host)] = reason
        return reason


def resolved_refusal(policy: AddressPolicy, host: str, port: int | None = None) -> str | None:
    """The reason `host` is refused, from its text or from every address the system resolver
    gives it now (for a fetch outside the crawl, whose connection resolves it again); None
    when it may be fetched or does not resolve (the fetch says so)."""
    reason = policy.check_host(host)
    if reason or policy.allow_private or literal_address(host) is not None:
        return reason
    try:
        answers = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for answer in answers:
        reason = policy.check_resolved(host, str(answer[4][0]))
        if reason:
            return reason
    return None
