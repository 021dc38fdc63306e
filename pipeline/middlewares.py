"""Downloader middlewares for hostile sites: each bounds one way a server can misbehave.

- `BudgetMiddleware` (110): per-source page and depth budgets, against calendar and
  session-id traps (`BLOGARCHIVE_MAX_PAGES_PER_SOURCE`, `BLOGARCHIVE_MAX_DEPTH`).
- `RobotsStatusMiddleware` (540): a robots.txt that answers 5xx is read as "disallow
  everything" for this run, as RFC 9309 says; 4xx means no rules (Scrapy's own behaviour).
- `CrawlDelayMiddleware` (545): a robots.txt `Crawl-delay` for our user agent is kept between
  two requests to that host (up to `BLOGARCHIVE_MAX_CRAWL_DELAY` seconds), AutoThrottle
  notwithstanding; Scrapy itself ignores the directive.
- `RetryAfterMiddleware` (560): 429 and 503 answers wait for their `Retry-After` (seconds or
  HTTP-date) up to `BLOGARCHIVE_RETRY_AFTER_MAX` seconds, `BLOGARCHIVE_RETRY_AFTER_TIMES`
  times; past that the page is left for the next run and recorded.
- `RedirectPolicyMiddleware` (610): no redirect to another scheme (file://, ftp:...), to another
  host or in a loop; a source whose home page answers 301/308 to a new host is followed as the
  same source and recorded in `sources.moved_to`.
- `SoftNotFoundMiddleware` (520): a post page that answers 200 with "Page not found" is
  not archived.
- `PrivateAddressMiddleware` (50) and `PrivateAddressResolver` (TWISTED_DNS_RESOLVER): no
  request to a loopback, private, link-local... address unless the user named that host
  (pipeline/addresses.py); `BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES` lifts it.
- `DecompressionGuardMiddleware` (960, next to the downloader, before the WARC capture
  decompresses anything): a compressed body that inflates past `DOWNLOAD_MAXSIZE` is refused.

A refused page raises `FetchRefused`; the spider's errbacks record it in `failures`. Each
middleware is switched off with its `BLOGARCHIVE_..._ENABLED` setting (NotConfigured) and
counts under `blogarchive/...` stats.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request, Response
from scrapy.resolver import CachingHostnameResolver, CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import get_meta_refresh
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import implementer

from pipeline.addresses import SETTING as ALLOW_PRIVATE_SETTING
from pipeline.addresses import AddressPolicy, literal_address
from pipeline.extraction import says_not_found
from pipeline.store import Archive, ArchiveError
from pipeline.urls import canonical_url, same_blog

logger = logging.getLogger(__name__)


class FetchRefused(IgnoreRequest):
    """A request or response refused by a hostile-site policy: recorded in `failures`.
    `gone`: the answer says the page is not there (a soft 404), so an archived post at that
    address is marked gone, as a 404 marks it."""

    def __init__(self, message: str, stage: str = "fetch", *, gone: bool = False):
        super().__init__(message)
        self.stage = stage
        self.gone = gone


class BudgetSpent(IgnoreRequest):
    """A request past its source's budget, after the first (which is a `FetchRefused`,
    logged and recorded): only counted, neither logged nor recorded, since a blog listing
    200,000 posts would otherwise write a log line for each one left for the next run."""


def _enabled(crawler: Any, name: str) -> None:
    if not crawler.settings.getbool(name, True):
        raise NotConfigured(f"{name} is off")


def _callback(request: Request) -> str:
    return getattr(request.callback, "__name__", "")


def _is_robots(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path == (
        "/robots.txt"
    )


# ---------------------------------------------------------------- private addresses

# One per crawler process: the DNS resolver (built by Scrapy's CrawlerProcess, before any
# crawler) and the downloader middlewares share it.
ADDRESS_POLICY = AddressPolicy()


def address_policy(crawler: Any) -> AddressPolicy:
    """The process's policy, with this crawl's setting and the hosts its spider was given."""
    ADDRESS_POLICY.allow_private = crawler.settings.getbool(ALLOW_PRIVATE_SETTING, False)
    spider = getattr(crawler, "spider", None)
    ADDRESS_POLICY.name_hosts(list(getattr(spider, "sources", None) or []))
    return ADDRESS_POLICY


class PrivateAddressResolver(CachingThreadedResolver):
    """Scrapy's default resolver (`TWISTED_DNS_RESOLVER`), whose every answer is checked
    against the address policy (pipeline/addresses.py) as the connection is made: the address
    checked is the one connected to, so a name that answers a public address to one lookup and
    a private one to the next (DNS rebinding) cannot slip past. A refused answer fails the
    lookup (DNSLookupError); `PrivateAddressMiddleware` turns it into a refusal."""

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PrivateAddressResolver:
        ADDRESS_POLICY.allow_private = crawler.settings.getbool(ALLOW_PRIVATE_SETTING, False)
        return super().from_crawler(crawler, reactor)

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's API
        lookup = super().getHostByName(name, timeout)
        lookup.addCallback(self._checked, name)
        return lookup

    @staticmethod
    def _checked(address: str, name: str) -> str:
        reason = ADDRESS_POLICY.check_resolved(name, address)
        if reason:
            raise DNSLookupError(reason)
        return address


@implementer(IResolutionReceiver)
class _CheckedResolutionReceiver:
    """Passes on the addresses the policy lets `name` be fetched at; without any, the
    connection fails (DNSLookupError) and the reason is in the policy's `refused`."""

    def __init__(self, receiver: Any, name: str):
        self.receiver = receiver
        self.name = name

    def resolutionBegan(self, resolution: Any) -> None:  # noqa: N802 - Twisted's API
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:  # noqa: N802 - Twisted's API
        if not ADDRESS_POLICY.check_resolved(self.name, getattr(address, "host", "")):
            self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:  # noqa: N802 - Twisted's API
        self.receiver.resolutionComplete()


class PrivateAddressHostnameResolver(CachingHostnameResolver):
    """Scrapy's IPv4 and IPv6 resolver (`scrapy.resolver.CachingHostnameResolver`) with the
    same check as `PrivateAddressResolver`: set `TWISTED_DNS_RESOLVER` to it to crawl blogs
    over IPv6. A refused address is not passed on to the connection."""

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PrivateAddressHostnameResolver:
        ADDRESS_POLICY.allow_private = crawler.settings.getbool(ALLOW_PRIVATE_SETTING, False)
        return super().from_crawler(crawler, reactor)

    def resolveHostName(  # noqa: N802 - Twisted's API
        self,
        resolutionReceiver: Any,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Any = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> Any:
        receiver = _CheckedResolutionReceiver(resolutionReceiver, hostName)
        return super().resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )


CHECKING_RESOLVERS = (PrivateAddressResolver, PrivateAddressHostnameResolver)


class PrivateAddressMiddleware:
    """No request to a host that is, or resolves to, a loopback, private, link-local, shared,
    multicast, reserved or unspecified address, unless the user named that host (a source's
    host): a hostile blog's move, redirect or link cannot send the crawler to
    `http://169.254.169.254/` or `http://127.0.0.1:6379/`. Addresses written in the URL
    (`127.0.0.2`, `[::1]`, `2130706433`, `localhost`) are refused here, before anything is
    sent; host names once resolved, by `PrivateAddressResolver`. Each refusal is logged at
    WARNING, counted (`blogarchive/address/refused`) and recorded in `failures`.
    `BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES=True` turns it off (NotConfigured)."""

    def __init__(self, stats: Any, policy: AddressPolicy):
        self.stats = stats
        self.policy = policy
        self.resolver_checked = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateAddressMiddleware:
        policy = address_policy(crawler)
        if policy.allow_private:
            raise NotConfigured(f"{ALLOW_PRIVATE_SETTING} is on")
        return cls(crawler.stats, policy)

    def _check_resolver(self) -> None:
        """Said once, at the first request: Scrapy installs its resolver as the reactor
        starts, after the middlewares are built."""
        self.resolver_checked = True
        from twisted.internet import reactor

        resolvers = [getattr(reactor, "resolver", None), getattr(reactor, "nameResolver", None)]
        if not any(isinstance(resolver, CHECKING_RESOLVERS) for resolver in resolvers):
            logger.warning(
                "TWISTED_DNS_RESOLVER is neither pipeline.middlewares.PrivateAddressResolver "
                "nor PrivateAddressHostnameResolver: host names resolving to private "
                "addresses are not refused"
            )

    def process_request(self, request: Request) -> None:
        if not self.resolver_checked:
            self._check_resolver()
        reason = self.policy.check_host(_hostname(request.url))
        if reason:
            self._refuse(request, reason)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DNSLookupError):
            reason = self.policy.refused.get(_hostname(request.url).lower().rstrip("."))
            if reason:
                self._refuse(request, reason)

    def _refuse(self, request: Request, reason: str) -> None:
        if not _is_robots(request):  # its page is refused next, and said once
            self.stats.inc_value("blogarchive/address/refused")
            logger.warning("%s: %s", request.url, reason)
        raise FetchRefused(reason)


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


# ---------------------------------------------------------------- budgets


class BudgetMiddleware:
    """At most `BLOGARCHIVE_MAX_PAGES_PER_SOURCE` requests per source and run, none deeper
    than `BLOGARCHIVE_MAX_DEPTH` links from its home page (0 turns either off).

    The first refusal of each kind per source is recorded in `failures` (stage `discover`);
    the rest are only counted (`blogarchive/budget/pages_refused`, `.../depth_refused`).
    What was not fetched is fetched by the next run."""

    def __init__(self, stats: Any, max_pages: int, max_depth: int):
        self.stats = stats
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.pages: dict[str, int] = {}
        self.reported: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> BudgetMiddleware:
        _enabled(crawler, "BLOGARCHIVE_BUDGET_ENABLED")
        settings = crawler.settings
        max_pages = settings.getint("BLOGARCHIVE_MAX_PAGES_PER_SOURCE", 0)
        max_depth = settings.getint("BLOGARCHIVE_MAX_DEPTH", 0)
        if max_pages <= 0 and max_depth <= 0:
            raise NotConfigured("no page or depth budget")
        return cls(crawler.stats, max_pages, max_depth)

    def process_request(self, request: Request) -> None:
        source = request.meta.get("source_url")
        if not source or _is_robots(request) or request.meta.get("redirect_times"):
            return
        depth = request.meta.get("depth", 0)
        if self.max_depth > 0 and depth > self.max_depth:
            self._refuse(
                source,
                "depth",
                f"depth budget of {self.max_depth} links from the home page reached "
                f"({request.url} is {depth} deep); deeper pages are not fetched",
            )
        count = self.pages.get(source, 0)
        if self.max_pages > 0 and count >= self.max_pages:
            self._refuse(
                source,
                "pages",
                f"page budget of {self.max_pages} requests per source reached; "
                "the rest is left for the next run",
            )
        self.pages[source] = count + 1

    def _refuse(self, source: str, kind: str, message: str) -> None:
        self.stats.inc_value(f"blogarchive/budget/{kind}_refused")
        if (source, kind) in self.reported:
            raise BudgetSpent(message)
        self.reported.add((source, kind))
        self.stats.inc_value("blogarchive/budget/hit")
        logger.warning("%s: %s", source, message)
        raise FetchRefused(message, stage="discover")


# ---------------------------------------------------------------- robots.txt, waited for


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with every request that arrives while its host's
    robots.txt is being fetched held until it is read. Scrapy 2.19 awaits the one shared
    Deferred from each such request; the first awaiter's callback returns None, so the
    second and later requests were given no rules and let through: the pictures of a post,
    asked for together from an image host, were fetched against its `Disallow`. Each waiter
    now has a Deferred of its own, fed by a callback that passes the rules on."""

    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def relay(result: Any) -> Any:
            waiter.callback(result)
            return result

        pending.addCallback(relay)
        return await maybe_deferred_to_future(waiter)


# ---------------------------------------------------------------- robots.txt errors


class RobotsStatusMiddleware:
    """RFC 9309: a robots.txt that is "unreachable" (5xx) means complete disallow; one that
    is "unavailable" (4xx) means no restrictions. Scrapy reads a 5xx error page as an empty
    robots.txt (allow all), so its body is replaced by `Disallow: /` here."""

    def __init__(self, stats: Any):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsStatusMiddleware:
        _enabled(crawler, "BLOGARCHIVE_ROBOTS_STATUS_ENABLED")
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not _is_robots(request):
            return response
        if 500 <= response.status < 600:
            self.stats.inc_value("blogarchive/robots/unreachable")
            logger.warning(
                "%s answered HTTP %d: treated as disallowing everything (RFC 9309); "
                "this host is not crawled this run",
                request.url,
                response.status,
            )
            return Response(
                request.url, status=200, body=b"User-agent: *\nDisallow: /\n", request=request
            )
        if 400 <= response.status < 500:
            self.stats.inc_value("blogarchive/robots/unavailable")  # no rules, as Scrapy reads it
        return response


# ---------------------------------------------------------------- robots.txt Crawl-delay


class CrawlDelayMiddleware:
    """Keep a robots.txt `Crawl-delay` (for our user agent, else for `*`) between two requests
    to its host (Scrapy's downloader slot: one per host name, whatever the port). Scrapy's
    robots.txt support ignores the directive, and AutoThrottle would lower a slot's delay to
    its own estimate: the host's downloader slot gets the delay, without jitter, and its
    requests are marked `autothrottle_dont_adjust_delay`. A delay over
    `BLOGARCHIVE_MAX_CRAWL_DELAY` seconds is cut to it (logged): a site asking a minute
    between pages would take days to archive. Robots.txt requests come first for each host
    (Scrapy's RobotsTxtMiddleware holds the others until it has read it), so every page of
    the host is spaced."""

    def __init__(self, crawler: Any, user_agent: str, max_delay: float):
        self.crawler = crawler
        self.user_agent = user_agent
        self.max_delay = max_delay
        self.delays: dict[str, float] = {}  # downloader slot (the host name) -> seconds

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        _enabled(crawler, "BLOGARCHIVE_CRAWL_DELAY_ENABLED")
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        return cls(crawler, user_agent, settings.getfloat("BLOGARCHIVE_MAX_CRAWL_DELAY", 30.0))

    def process_response(self, request: Request, response: Response) -> Response:
        if not _is_robots(request) or response.status != 200:
            return response
        delay = robots_crawl_delay(response.body, self.user_agent)
        if delay is None or delay <= 0:
            return response
        if delay > self.max_delay:
            logger.warning(
                "%s asks for %g s between requests: %g s kept (BLOGARCHIVE_MAX_CRAWL_DELAY)",
                request.url,
                delay,
                self.max_delay,
            )
            delay = self.max_delay
        else:
            logger.info("%s asks for %g s between requests: kept", request.url, delay)
        self.delays[self._slot_key(request)] = delay
        self.crawler.stats.set_value("blogarchive/robots/crawl_delay", delay)
        return response

    def _slot_key(self, request: Request) -> str:
        # Scrapy's politeness unit: requests to one host name share a slot (and its delay)
        return self.crawler.engine.downloader.get_slot_key(request)

    def process_request(self, request: Request) -> None:
        if not self.delays or _is_robots(request):
            return
        key = self._slot_key(request)
        delay = self.delays.get(key)
        if delay is None:
            return
        request.meta["autothrottle_dont_adjust_delay"] = True
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None and (slot.delay < delay or slot.jitter):
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0


def robots_crawl_delay(body: bytes, user_agent: str) -> float | None:
    """The `Crawl-delay` a robots.txt gives `user_agent` (its group, else `*`), in seconds;
    None when it gives none or cannot be read."""
    from protego import Protego

    try:
        delay = Protego.parse(body.decode("utf-8", errors="replace")).crawl_delay(user_agent)
    except Exception:  # noqa: BLE001 - an unreadable robots.txt sets no delay
        return None
    return float(delay) if delay is not None else None


# ---------------------------------------------------------------- Retry-After


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """The delay a `Retry-After` header asks for, in seconds (never negative), from either
    form: delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). None when
    absent or unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """429 Too Many Requests and 503 Service Unavailable with a `Retry-After`: wait that long
    (this request only) and ask again, up to `BLOGARCHIVE_RETRY_AFTER_TIMES` times and only
    for delays up to `BLOGARCHIVE_RETRY_AFTER_MAX` seconds. Past either cap the page is
    refused for this run (recorded in `failures`; not archived, so the next run asks again).
    Answers without `Retry-After` are left to Scrapy's RetryMiddleware."""

    CODES = (429, 503)

    def __init__(self, stats: Any, max_delay: float, times: int):
        self.stats = stats
        self.max_delay = max_delay
        self.times = times

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        _enabled(crawler, "BLOGARCHIVE_RETRY_AFTER_ENABLED")
        settings = crawler.settings
        return cls(
            crawler.stats,
            settings.getfloat("BLOGARCHIVE_RETRY_AFTER_MAX", 120.0),
            settings.getint("BLOGARCHIVE_RETRY_AFTER_TIMES", 3),
        )

    async def process_response(self, request: Request, response: Response) -> Any:
        if response.status not in self.CODES or request.meta.get("dont_retry"):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            return response
        done = request.meta.get("retry_after_times", 0)
        if delay > self.max_delay or done >= self.times:
            self.stats.inc_value("blogarchive/retry_after/gave_up")
            why = (
                f"asks to wait {delay:.0f} s, more than BLOGARCHIVE_RETRY_AFTER_MAX "
                f"({self.max_delay:g} s)"
                if delay > self.max_delay
                else f"still busy after {done} waits"
            )
            message = f"HTTP {response.status}: {why}; left for the next run"
            logger.warning("%s: %s", request.url, message)
            request.meta["dont_retry"] = True  # Scrapy's retry would ask again at once
            if _is_robots(request):
                return response
            raise FetchRefused(message)
        self.stats.inc_value("blogarchive/retry_after/waits")
        self.stats.inc_value("blogarchive/retry_after/seconds", int(round(delay)))
        logger.info(
            "%s: HTTP %d, waiting %.1f s (Retry-After)", request.url, response.status, delay
        )
        await asyncio.sleep(delay)
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = done + 1
        return retry


# ---------------------------------------------------------------- redirects


class RedirectPolicyMiddleware:
    """Sits before Scrapy's RedirectMiddleware and refuses redirects it should not follow:
    to a scheme other than http(s) (`file://`, `ftp:`, `data:`...), to another host (Scrapy
    would drop it as offsite, logged only at DEBUG), in a loop, or past `REDIRECT_MAX_TIMES`.
    Each is logged at WARNING, counted (`blogarchive/redirect/...`) and recorded in `failures`.

    One exception: a source whose home page answers 301 or 308 to another host, or a 200
    whose `<meta http-equiv="refresh">` sends it there, has moved; it is followed as the
    same source (the new host joins the spider's allowed hosts, logged at WARNING) and the new
    address is recorded in `sources.moved_to`. The same limits hold: no other scheme, no
    loop (a new home sending back to the old one), at most REDIRECT_MAX_TIMES."""

    def __init__(self, crawler: Any, max_times: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_times = max_times
        self.moved: dict[str, str] = {}
        settings = crawler.settings
        # what Scrapy's MetaRefreshMiddleware (after this one) follows
        self.meta_refresh = settings.getbool("METAREFRESH_ENABLED", True)
        self.meta_refresh_ignore_tags = settings.getlist("METAREFRESH_IGNORE_TAGS")
        self.meta_refresh_max_delay = settings.getint("METAREFRESH_MAXDELAY", 100)
        self.addresses = ADDRESS_POLICY

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectPolicyMiddleware:
        _enabled(crawler, "BLOGARCHIVE_REDIRECT_POLICY_ENABLED")
        if not crawler.settings.getbool("REDIRECT_ENABLED", True):
            raise NotConfigured("REDIRECT_ENABLED is off")
        middleware = cls(crawler, crawler.settings.getint("REDIRECT_MAX_TIMES", 20))
        middleware.addresses = address_policy(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 200:
            await self._check_meta_refresh(request, response)
            return response
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        if request.meta.get("dont_redirect") or response.status in request.meta.get(
            "handle_httpstatus_list", ()
        ):
            return response
        location = response.headers[b"Location"].decode("latin-1").strip()
        if location.startswith("//"):
            location = f"{urlsplit(request.url).scheme}:{location}"
        target = urljoin(request.url, location)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            self._refuse(
                request, "scheme", f"redirect to a {scheme or 'bad'}: URL refused: {target}"
            )
        private = self.addresses.check_host(_hostname(target))
        if private:
            self._refuse(request, "private_address", f"redirect to {target}: {private}")
        seen = [*request.meta.get("redirect_urls", []), request.url]
        if canonical_url(target) in {canonical_url(u) for u in seen}:
            self._forget_move(request)
            self._refuse(request, "loop", f"redirect loop: {target} redirects back")
        if len(seen) > self.max_times:
            self._refuse(
                request, "too_many", f"more than {self.max_times} redirects (REDIRECT_MAX_TIMES)"
            )
        source = request.meta.get("source_url")
        if source and self._post_sent_home(request, source, target):
            self.stats.inc_value("blogarchive/fetch/soft_404")
            raise FetchRefused(
                "soft 404: the post's address redirects to the blog's home page (a deleted "
                f"post?): {target}",
                gone=True,
            )
        if not source or same_blog(target, source) or same_blog(target, self.moved.get(source, "")):
            return response
        if self._is_home(request, source) and response.status in (301, 308):
            await self._refuse_private_move(request, target)
            self._follow_move(source, target)
            return response
        self._refuse(request, "other_host", f"redirect to another host refused: {target}")
        return response  # not reached

    async def _check_meta_refresh(self, request: Request, response: Response) -> None:
        """A page whose `<meta http-equiv="refresh">` Scrapy would follow (a delay under
        METAREFRESH_MAXDELAY) to its own address (a reload), to another host or scheme, in a
        loop or past REDIRECT_MAX_TIMES: not followed, the page is taken as it is (archived
        when it holds a post, else recorded as any page). Scrapy would drop the request for
        its own address as a duplicate, another host's as offsite, both logged at DEBUG or
        INFO only, so the post was silently missing. A refresh to another page of the blog
        is followed, as a redirect is, and so is a refresh of the blog's home page to another
        host: the blog moved (see the class)."""
        if (
            not self.meta_refresh
            or request.meta.get("dont_redirect")
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
        ):
            return
        try:
            delay, target = get_meta_refresh(response, ignore_tags=self.meta_refresh_ignore_tags)
        except Exception:  # noqa: BLE001 - markup Scrapy cannot read is a page without one
            return
        if not target or delay is None or delay >= self.meta_refresh_max_delay:
            return
        seen = [*request.meta.get("redirect_urls", []), request.url]
        source = request.meta.get("source_url")
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            why = "to another scheme"
        elif canonical_url(target) == canonical_url(request.url):
            why = "to the page itself (a reload)"
        elif canonical_url(target) in {canonical_url(u) for u in seen}:
            why = "in a loop"
            self._forget_move(request)
        elif len(seen) > self.max_times:
            why = f"after {self.max_times} redirects (REDIRECT_MAX_TIMES)"
        elif source and not (
            same_blog(target, source) or same_blog(target, self.moved.get(source, ""))
        ):
            if self._is_home(request, source) and _callback(request) == "parse_home":
                # the blog's home page sends its readers to a new host: moved, as a
                # 301/308 says; Scrapy's MetaRefreshMiddleware follows it
                await self._refuse_private_move(request, target)
                self._follow_move(source, target, how=f"its home page's meta refresh ({target})")
                return
            why = "to another host"
        else:
            return
        request.meta["dont_redirect"] = True  # Scrapy's MetaRefreshMiddleware leaves it be
        self.stats.inc_value("blogarchive/redirect/meta_refresh_not_followed")
        logger.log(
            logging.INFO if why.endswith("(a reload)") else logging.WARNING,
            "%s: meta refresh %s not followed (%s); the page is taken as it is",
            request.url,
            why,
            target,
        )

    async def _refuse_private_move(self, request: Request, target: str) -> None:
        """A move to a host that is, or resolves to, a private address (and is not one the
        user named) is not followed: `sources.moved_to` is not set, nothing is sent there.
        The name is resolved through the crawl's resolver, whose answer is cached: the
        connection would use the same one (and is checked again)."""
        host = _hostname(target)
        reason = self.addresses.check_host(host)
        if not reason and not self.addresses.allow_private and literal_address(host) is None:
            from twisted.internet import reactor

            try:
                address = await maybe_deferred_to_future(reactor.resolve(host))
            except DNSLookupError:  # refused by PrivateAddressResolver, or no such name
                reason = self.addresses.refused.get(host.lower().rstrip("."))
            except Exception:  # noqa: BLE001 - a lookup that fails is the fetch's to report
                reason = None
            else:
                reason = self.addresses.check_resolved(host, address)
        if reason:
            self._refuse(request, "private_address", f"the blog's move to {target}: {reason}")

    def _post_sent_home(self, request: Request, source: str, target: str) -> bool:
        """Whether a post's address redirects to its blog's home page (or the site's root),
        as "redirect 404s to the home page" plugins answer for a deleted post. Followed, it
        was dropped as a duplicate of the home page's request, silently."""
        if getattr(request.callback, "__name__", "") != "parse_post":
            return False
        homes = {source, urljoin(source, "/"), self.moved.get(source) or source}
        return canonical_url(target) in {canonical_url(home) for home in homes}

    @staticmethod
    def _is_home(request: Request, source: str) -> bool:
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        return canonical_url(first) == canonical_url(source)

    def _follow_move(self, source: str, target: str, how: str = "") -> None:
        new_home = canonical_url(urljoin(target, "/"))
        self.moved[source] = new_home
        spider = self.crawler.spider
        host = urlsplit(target).hostname or ""
        allowed = list(getattr(spider, "allowed_domains", None) or [])
        if host and allowed and host not in allowed:
            spider.allowed_domains = [*allowed, host]
        moved_to = getattr(spider, "moved_to", None)
        if isinstance(moved_to, dict):
            moved_to[source] = new_home
        self.stats.inc_value("blogarchive/redirect/source_moved")
        logger.warning(
            "%s: the blog has moved to %s%s; crawled there as the same source",
            source,
            new_home,
            f" (said by {how})" if how else "",
        )

    def _forget_move(self, request: Request) -> None:
        """A move followed from a source's home page that leads back to it (a loop): the
        blog has not moved, and `sources.moved_to` is not set."""
        source = request.meta.get("source_url")
        if not source or source not in self.moved or not self._is_home(request, source):
            return
        self.moved.pop(source)
        moved_to = getattr(self.crawler.spider, "moved_to", None)
        if isinstance(moved_to, dict):
            moved_to.pop(source, None)
        logger.warning("%s: its move leads back to it (a loop): not taken as moved", source)

    def _refuse(self, request: Request, kind: str, message: str) -> None:
        self.stats.inc_value(f"blogarchive/redirect/refused_{kind}")
        if kind == "private_address":
            self.stats.inc_value("blogarchive/address/refused")
        logger.warning("%s: %s", request.url, message)
        raise FetchRefused(message)

    def spider_closed(self, spider: Any = None) -> None:
        """Record each moved source's new address (`sources.moved_to`)."""
        db_path = self.crawler.settings.get("BLOGARCHIVE_DB")
        if not self.moved or not db_path:
            return
        try:
            with Archive(db_path) as archive:
                for source, new_home in self.moved.items():
                    try:
                        source_id = archive.source(source)["id"]
                    except ArchiveError:
                        continue
                    archive.update_source(source_id, moved_to=new_home)
        except ArchiveError as error:
            logger.error("cannot record moved sources: %s", error)


# ---------------------------------------------------------------- soft 404s


class SoftNotFoundMiddleware:
    """A post page that answers 200 but whose title or first heading says "Page not found"
    (or 404): refused, recorded in `failures`, never archived as a post."""

    def __init__(self, stats: Any):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> SoftNotFoundMiddleware:
        _enabled(crawler, "BLOGARCHIVE_SOFT_404_ENABLED")
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 200 or getattr(request.callback, "__name__", "") != "parse_post":
            return response
        if says_not_found(response.body):
            self.stats.inc_value("blogarchive/fetch/soft_404")
            raise FetchRefused(
                "soft 404: the page answers 200 but says it was not found", gone=True
            )
        return response


# ---------------------------------------------------------------- decompression bombs


class DecompressionGuardMiddleware:
    """A gzip or deflate body that inflates past `DOWNLOAD_MAXSIZE` (or the request's
    `download_maxsize`) is refused before anything decompresses it whole. Inflating is
    streamed in 64 KiB steps, so memory stays bounded whatever the ratio. A streamed body cut
    off at the limit by Scrapy is recorded as such (Scrapy's own error has no message)."""

    def __init__(self, stats: Any, maxsize: int):
        self.stats = stats
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Any) -> DecompressionGuardMiddleware:
        _enabled(crawler, "BLOGARCHIVE_DECOMPRESSION_GUARD_ENABLED")
        maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE", 0)
        if maxsize <= 0:
            raise NotConfigured("DOWNLOAD_MAXSIZE is 0")
        return cls(crawler.stats, maxsize)

    def process_response(self, request: Request, response: Response) -> Response:
        encodings = [
            part.strip().lower()
            for value in response.headers.getlist(b"Content-Encoding")
            for part in value.decode("latin-1").split(",")
        ]
        if not response.body or not any(e in ("gzip", "x-gzip", "deflate") for e in encodings):
            return response
        limit = request.meta.get("download_maxsize", self.maxsize)
        size = inflated_size(response.body, limit)
        if size is not None and size > limit:
            self.stats.inc_value("blogarchive/fetch/too_large")
            raise FetchRefused(
                f"compressed body inflates past the size limit of {limit} bytes "
                "(DOWNLOAD_MAXSIZE): a decompression bomb?"
            )
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Scrapy stops a streamed body past DOWNLOAD_MAXSIZE with an empty
        DownloadCancelledError: say what happened, for the `failures` row."""
        if isinstance(exception, DownloadCancelledError) and not str(exception):
            limit = request.meta.get("download_maxsize", self.maxsize)
            self.stats.inc_value("blogarchive/fetch/too_large")
            raise FetchRefused(
                f"body larger than the size limit of {limit} bytes (DOWNLOAD_MAXSIZE); "
                "download stopped"
            )


def inflated_size(body: bytes, limit: int) -> int | None:
    """How many bytes a gzip (or zlib) body inflates to, counting no further than just past
    `limit`; None when it is not gzip or zlib data."""
    wbits = 16 + zlib.MAX_WBITS if body[:2] == b"\x1f\x8b" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    total = 0
    data = body
    try:
        while data:
            chunk = inflater.decompress(data, 65536)
            total += len(chunk)
            if total > limit:
                return total
            data = inflater.unconsumed_tail
            if not chunk and not data:
                break
        total += len(inflater.flush(65536))
    except zlib.error:
        return None
    return total
