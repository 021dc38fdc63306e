"""The `blog` spider: discovers every post of each blog it is given and fetches it.

Discovery follows what the platform exposes: Blogger's paged Atom feed and sitemap parts,
WordPress's REST API, feed and core sitemaps, and for any other blog its sitemaps
(from robots.txt), feeds and pager links. Only post pages on the blog's own host are fetched;
each becomes a `PageItem` for the extraction and storage pipelines.

    scrapy crawl blog -a url=https://example.blogspot.com/
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import asdict
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet.error import ConnectionDone
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from pipeline import discovery
from pipeline.extraction import ExtractionError, more_comment_pages, read_comment_page
from pipeline.items import (
    FailureItem,
    FetchState,
    PageItem,
    PictureItem,
    PostStatusItem,
    SourceItem,
)
from pipeline.middlewares import BudgetSpent, FetchRefused
from pipeline.pictures import DEFAULT_MAX_SIZE, is_picture_type, media_type
from pipeline.store import Archive, ArchiveError, utcnow
from pipeline.urls import (
    canonical_url,
    canonical_url_or_none,
    depth_in_blog,
    is_post_url,
    normalise_source_url,
    same_blog,
)
from pipeline.walls import page_wall
from pipeline.warc import payload_digest

HTML_TYPES = ("text/html", "application/xhtml+xml")


class BlogSpider(Spider):
    name = "blog"
    custom_settings: dict[str, Any] = {}

    def __init__(self, url: str | None = None, urls: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        given = list(urls.split(",") if isinstance(urls, str) else urls or [])
        if url:
            given.insert(0, url)
        if not given:
            raise ValueError("give the blog to crawl: scrapy crawl blog -a url=URL")
        self.sources = list(dict.fromkeys(normalise_source_url(u) for u in given))
        self.platforms: dict[str, str] = {}
        self.listing_pages: dict[str, int] = {}
        # discovery.listing_digest of each feed page and of each listing page read, per source
        # and kind ("feed", "listing"): a page listing what an earlier page of its kind listed
        # means the feed or pager ignores its paging (or pages in a loop).
        self.pages_listed: dict[tuple[str, str], set[bytes]] = {}
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.sources})
        # A source whose home page moved to another host (pipeline/middlewares.py): new home.
        self.moved_to: dict[str, str] = {}
        # the root of each source whose sitemaps are not asked for yet (see _sitemap_requests)
        self.sitemaps_waiting: dict[str, str] = {}
        # whether all the posts of each source's feed sit below its top level
        self.posts_nested: dict[str, bool] = {}
        # each source's home page post links, held until its feed was read (_held_home_links)
        self.home_links_waiting: dict[str, list[str]] = {}
        # Each source's home page as read this run: its address, its length and its
        # warc.payload_digest (a post page's digest is computed only when it has that length:
        # hashing every post page cost ~0.3 ms each)
        self.home_pages: dict[str, tuple[str, int, str]] = {}
        # posts asked for again because the blog's comment feed names a new comment on them
        self.commented_posts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_listing_pages = settings.getint("BLOGARCHIVE_MAX_LISTING_PAGES", 500)
        spider.max_comment_pages = settings.getint("BLOGARCHIVE_MAX_COMMENT_PAGES", 100)
        spider.max_comment_feed_pages = settings.getint("BLOGARCHIVE_MAX_COMMENT_FEED_PAGES", 20)
        spider.max_sitemap_size = settings.getint("DOWNLOAD_MAXSIZE")
        spider.url_length_limit = settings.getint("URLLENGTH_LIMIT")
        spider.full = settings.getbool("BLOGARCHIVE_FULL", False)
        spider.clock_skew = timedelta(seconds=settings.getfloat("BLOGARCHIVE_CLOCK_SKEW", 3600))
        spider.db_path = settings.get("BLOGARCHIVE_DB")
        spider.picture_max_size = settings.getint("BLOGARCHIVE_PICTURE_MAX_SIZE", DEFAULT_MAX_SIZE)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    def spider_idle(self) -> None:
        """A feed request that came to nothing without a callback or errback (dropped as a
        duplicate after a redirect) must not keep its blog's sitemaps and home page links
        from being asked for."""
        waiting = list(dict.fromkeys([*self.sitemaps_waiting, *self.home_links_waiting]))
        for source in waiting:
            for request in [*self._sitemap_requests(source), *self._held_home_links(source)]:
                if isinstance(request, Request):  # a `listed` status is left to the sweep
                    self.crawler.engine.crawl(request)
        if waiting:
            raise DontCloseSpider

    def discovery_pending(self) -> bool:
        """Whether some blog's sitemaps or home page links are still to be asked for (the
        sweep of unlisted posts waits for them)."""
        return bool(self.sitemaps_waiting or self.home_links_waiting)

    async def start(self) -> AsyncIterator[Any]:
        # What is archived decides what to fetch: opened here, after the storage pipeline
        # has created the database, read-only (the pipeline is the one writer).
        self.archive_view = self._open_archive_view()
        self.cutoffs = {source: self._cutoff(source) for source in self.sources}
        for source in self.sources:
            yield self._request(
                source, source, self.parse_home, errback=self.home_failed, priority=100
            )

    # -- what the archive already holds

    def _open_archive_view(self) -> Archive | None:
        if not self.db_path:
            return None
        try:
            return Archive(self.db_path, readonly=True)
        except ArchiveError as error:
            self.logger.info("no archive to crawl incrementally against: %s", error)
            return None

    def _cutoff(self, source: str) -> str | None:
        """The start of the source's last completed crawl: listings older than it are old
        news. None in a full sweep (`--full`) or on the first crawl."""
        if self.full or self.archive_view is None:
            return None
        try:
            source_id = self.archive_view.source(source)["id"]
        except ArchiveError:
            return None
        cutoff = self.archive_view.last_crawl_started(source_id)
        if cutoff and cutoff > utcnow():
            # a run recorded "in the future": the clock was set back since. Every listing
            # looks older than it; check them all, as on a first crawl.
            self.logger.warning(
                "%s: its last crawl started at %s, later than now (was the clock set back?): "
                "every post is checked this run",
                source,
                cutoff,
            )
            return None
        return cutoff

    def closed(self, reason: str) -> None:
        if getattr(self, "archive_view", None) is not None:
            self.archive_view.close()

    # -- helpers

    def _request(
        self,
        url: str,
        source: str,
        callback: Any,
        *,
        errback: Any = None,
        priority: int = 0,
        optional: bool = False,
        **cb_kwargs: Any,
    ) -> Request:
        return Request(
            url,
            callback=callback,
            errback=errback or self.discovery_failed,
            priority=priority,
            meta={"source_url": source, "optional": optional},
            cb_kwargs=cb_kwargs,
        )

    def _post_request(self, link: discovery.PostLink | str, source: str) -> Any:
        """A request for a post page, or a `listed` status when the archive already holds
        the post as the listing last showed it, a failure for a post address too long to
        fetch (URLLENGTH_LIMIT), or None for a link that is no post of ours."""
        if isinstance(link, str):
            link = discovery.PostLink(url=link)
        url = canonical_url_or_none(link.url)
        if (
            not url
            or not self._same_blog(url, source)
            or not is_post_url(url, self.platforms.get(source, "generic"))
        ):
            return None
        if 0 < self.url_length_limit < len(url):
            # Scrapy's UrlLengthMiddleware would drop the request, logged at INFO only
            self.crawler.stats.inc_value("blogarchive/discovery/url_too_long")
            message = (
                f"post address of {len(url)} characters is longer than URLLENGTH_LIMIT "
                f"({self.url_length_limit}): not fetched"
            )
            self.logger.warning("%s: %s", url[:200], message)
            return FailureItem(url, source, "discover", message)
        self.crawler.stats.inc_value("blogarchive/discovery/post_links")
        state = self.archive_view.post_state(url) if self.archive_view is not None else None
        if state is not None and not self.full and not state["gone_at"]:
            if self._unchanged_since_capture(link.updated, state["last_seen"]):
                self.crawler.stats.inc_value("blogarchive/discovery/unchanged")
                return PostStatusItem(url, source, "listed")
            if not link.updated and self.cutoffs.get(source):
                # No change signal: checked (conditionally) by the sweep of unlisted posts.
                return None
        return self.post_request(url, source, hints=link.hints(), state=state)

    def _post_requests(
        self, links: Iterable[discovery.PostLink | str], source: str
    ) -> Iterator[Any]:
        """`_post_request` of each link that gives one (a request, a `listed` status or a
        failure)."""
        for link in links:
            request = self._post_request(link, source)
            if request:
                yield request

    def _unchanged_since_capture(self, updated: str | None, captured: str | None) -> bool:
        """A listing's "updated" signal older than our last capture of the post (less the
        allowed clock skew between the blog and us) means the capture holds that version."""
        signal = discovery.latest_moment(updated)  # a day, or a time without its zone: its latest
        capture = discovery.parse_timestamp(captured)
        if signal is None or capture is None:
            return False
        return signal < capture - self.clock_skew

    def post_request(
        self,
        url: str,
        source: str,
        *,
        hints: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
    ) -> Request:
        """Fetch a post page, conditionally when the archive has its ETag or Last-Modified.

        Also used to re-check stored posts that no listing mentioned this run."""
        if state is None and self.archive_view is not None:
            state = self.archive_view.post_state(url)
        headers = {}
        if state and state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state and state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return Request(
            url,
            callback=self.parse_post,
            errback=self.page_failed,
            headers=headers,
            meta={
                "source_url": source,
                "handle_httpstatus_list": [304, 404, 410],
            },
            cb_kwargs={"hints": hints or {}},
        )

    def _same_blog(self, url: str, source: str) -> bool:
        moved = self.moved_to.get(source)
        return same_blog(url, source) or bool(moved and same_blog(url, moved))

    def _source_for(self, url: str) -> str:
        """The blog given that `url` belongs to (the first one given when none)."""
        return (
            next((source for source in self.sources if self._same_blog(url, source)), "")
            or (self.sources[0])
        )

    def _source_of(self, response_or_failure: Any) -> str:
        request = getattr(response_or_failure, "request", None)
        return (request.meta if request is not None else {}).get("source_url", "")

    # -- discovery

    def parse_home(self, response: Response) -> Iterator[Any]:
        source = response.meta["source_url"]
        if not _is_html(response):
            yield FailureItem(
                response.url,
                source,
                "discover",
                f"home page is not HTML ({_content_type(response) or 'no type'})",
                fatal=True,
            )
            return
        home = discovery.parse_home(response.body, response.url)
        self._check_home_wall(response, source)
        self.home_pages[source] = (
            canonical_url(response.url),
            len(response.body),
            payload_digest(response.body),
        )
        self.platforms[source] = home.platform
        self.logger.info("%s: %s blog", source, home.platform)
        yield SourceItem(source, platform=home.platform, title=home.title)
        root = urljoin(response.url, "/")

        self.sitemaps_waiting[source] = root
        feeds = list(home.feeds)
        if home.platform == "blogger":
            feeds.insert(0, discovery.blogger_feed_url(root))
        if home.platform == "wordpress":
            api_root = home.api_root or urljoin(root, "/wp-json/")
            yield self._request(
                discovery.wordpress_posts_url(api_root, 1, self.cutoffs.get(source)),
                source,
                self.parse_wordpress_api,
                optional=True,
                priority=60,
                api_root=api_root,
                page=1,
            )
            feeds.append(urljoin(root, "/feed/"))
        for feed in dict.fromkeys(feeds):
            if home.platform == "blogger" and "/feeds/posts/default" in feed:
                feed = discovery.blogger_feed_url(root) if "start-index" not in feed else feed
            yield self._request(
                feed, source, self.parse_feed, errback=self.feed_failed, optional=True, priority=60
            )
        yield from self._blog_comment_feed_request(source, root, home.platform)
        if not feeds or home.platform == "blogger":
            # Blogger's sitemaps list posts only; without a feed there is no post to learn
            # the shape of post addresses from: the sitemaps are read at once.
            yield from self._sitemap_requests(source)
        if feeds and home.platform not in ("blogger", "wordpress"):
            self.home_links_waiting[source] = home.post_links
        yield from self._listing(
            response, source, home.post_links, home.pager_links, request_posts=not feeds
        )
        if home.is_post:
            # The page asked for as the blog's home is one of its posts (a source added before
            # post addresses stood for their blog, or one without a date in its address): its
            # own request would be dropped as a duplicate, so it is archived from here.
            self.crawler.stats.inc_value("blogarchive/discovery/home_is_a_post")
            yield from self.parse_post(response, hints={})

    def _blog_comment_feed_request(self, source: str, root: str, platform: str) -> Iterator[Any]:
        """On a re-crawl, the blog's own comment feed (newest comments of every post): a new
        comment changes no feed `updated`, sitemap `lastmod` or `modified_gmt`, so the posts it
        names as commented on since the last crawl are fetched again (conditionally)."""
        if not self.cutoffs.get(source) or self.max_comment_feed_pages <= 0:
            return
        if platform == "blogger":
            url = urljoin(root, "/feeds/comments/default?start-index=1&max-results=100")
        elif platform == "wordpress":
            url = urljoin(root, "/comments/feed/")
        else:
            return
        yield self._request(
            url, source, self.parse_blog_comment_feed, optional=True, priority=55, page=1
        )

    def parse_blog_comment_feed(self, response: Response, page: int) -> Iterator[Any]:
        source = response.meta["source_url"]
        try:
            feed = discovery.parse_feed(response.body, response.url)
        except discovery.DiscoveryError as error:
            self.logger.info("%s: comment feed not usable: %s", source, error)
            return
        self.crawler.stats.inc_value("blogarchive/discovery/comment_feed_pages")
        cutoff = discovery.parse_timestamp(self.cutoffs.get(source))
        platform = self.platforms.get(source, "generic")
        reached_older = False
        for link in feed.posts:
            moment = discovery.latest_moment(link.updated or link.published)
            if cutoff is not None and moment is not None and moment < cutoff - self.clock_skew:
                reached_older = True  # newest first: the rest of the feed is older still
                continue
            url = canonical_url_or_none(link.url)
            if not url or not self._same_blog(url, source) or not is_post_url(url, platform):
                continue
            if url in self.commented_posts:
                continue
            self.commented_posts.add(url)
            self.crawler.stats.inc_value("blogarchive/discovery/commented_posts")
            yield self.post_request(url, source)
        if reached_older or not feed.posts:
            return
        if page >= self.max_comment_feed_pages:
            self.crawler.stats.inc_value("blogarchive/discovery/comment_feed_budget_hit")
            self.logger.warning(
                "%s: stopped reading the blog's comment feed after %d pages "
                "(BLOGARCHIVE_MAX_COMMENT_FEED_PAGES): posts commented on earlier since the "
                "last crawl are checked when their listing says they changed",
                source,
                page,
            )
            return
        if platform == "blogger":
            next_url = discovery.next_blogger_page(response.url, feed)
        else:
            next_url = discovery.next_wordpress_feed_page(response.url, feed)
        if next_url and self._same_blog(next_url, source) and next_url != response.url:
            yield self._request(
                next_url,
                source,
                self.parse_blog_comment_feed,
                optional=True,
                priority=55,
                page=page + 1,
            )

    def _check_home_wall(self, response: Response, source: str) -> None:
        """A home page that is a login wall: the blog went private or members-only. Said
        once per run (its posts' walls are refused and recorded one by one)."""
        try:
            wall = page_wall(discovery.parse_html(response.body))
        except discovery.DiscoveryError:
            return
        if wall:
            self.crawler.stats.inc_value("blogarchive/discovery/home_login_wall")
            self.logger.warning(
                "%s: the home page is a %s; is the blog private or members-only now? Its "
                "archived posts are kept",
                source,
                wall.removesuffix(": not archived"),
            )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        source = response.meta["source_url"]
        if not _is_html(response):
            return
        doc = discovery.parse_html(response.body)
        yield from self._listing(
            response,
            source,
            discovery.listing_post_links(doc, response.url, self.platforms.get(source, "generic")),
            discovery.pager_links(doc, response.url),
        )

    def _listing(
        self,
        response: Response,
        source: str,
        posts: list[str],
        pagers: list[str],
        *,
        request_posts: bool = True,
    ) -> Iterator[Any]:
        if self.platforms.get(source) in ("blogger", "wordpress"):
            return  # their feeds, APIs and sitemaps list every post, with change signals
        if request_posts:
            yield from self._post_requests(posts, source)
        if self._page_repeats(source, "listing", posts, response.url):
            return
        for link in pagers:
            if self.listing_pages.get(source, 0) >= self.max_listing_pages:
                self.crawler.stats.inc_value("blogarchive/discovery/listing_budget_hit")
                self.logger.warning(
                    "%s: stopped following pager links after %d pages",
                    source,
                    self.max_listing_pages,
                )
                return
            self.listing_pages[source] = self.listing_pages.get(source, 0) + 1
            yield self._request(link, source, self.parse_listing, optional=True)

    def _sitemap_requests(self, source: str) -> Iterator[Request]:
        """robots.txt's and the usual sitemaps, once per source: after the first feed page
        (or the feed's failure), so that the addresses of the feed's posts tell which
        sitemap entries are static pages (see `_sitemap_entry_wanted`)."""
        root = self.sitemaps_waiting.pop(source, None)
        if root is None:
            return
        platform = self.platforms.get(source, "generic")
        yield self._request(
            urljoin(root, "/robots.txt"), source, self.parse_robots, optional=True, priority=50
        )
        for sitemap in ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml"):
            if platform == "blogger" and sitemap != "/sitemap.xml":
                continue
            if platform != "wordpress" and sitemap == "/wp-sitemap.xml":
                continue
            yield self._request(
                urljoin(root, sitemap), source, self.parse_sitemap, optional=True, priority=50
            )

    def _learn_post_depth(self, source: str, page: discovery.FeedPage) -> None:
        """Whether every post of the blog's feed sits deeper than the blog's top level
        (`/posts/slug/`, `/2024/05/slug.html`): then a top-level address in a sitemap
        (`/about/`, `/now/`, Hugo's `/posts/` section) is a static or listing page."""
        if source in self.posts_nested or not page.posts:
            return
        depths = [depth_in_blog(link.url, source) for link in page.posts]
        self.posts_nested[source] = all(depth is not None and depth > 1 for depth in depths)

    def _sitemap_entry_wanted(self, url: str, source: str) -> bool:
        """A sitemap lists a whole site: only addresses inside the blog's folder (a blog
        at `/blog/` of a site whose sitemap lists its shop and docs too) and, when the feed's
        posts all sit deeper, not at the blog's top level, may be posts."""
        if self.platforms.get(source) == "blogger":
            return True
        depth = depth_in_blog(url, source)
        if depth is None:
            self.crawler.stats.inc_value("blogarchive/discovery/sitemap_outside_blog")
            return False
        if depth == 1 and self.posts_nested.get(source):
            self.crawler.stats.inc_value("blogarchive/discovery/sitemap_top_level_page")
            return False
        return True

    def feed_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self.discovery_failed(failure)
        yield from self._sitemap_requests(self._source_of(failure))
        yield from self._held_home_links(self._source_of(failure))

    def _held_home_links(self, source: str) -> Iterator[Any]:
        """The post links of the source's home page, asked for once its feed's first page
        was read (or failed), after the feed's own requests for the same posts: those carry
        the feed's dates, author and labels, and a later request for an address already
        asked for is dropped as a duplicate."""
        yield from self._post_requests(self.home_links_waiting.pop(source, ()), source)

    def parse_robots(self, response: Response) -> Iterator[Any]:
        source = response.meta["source_url"]
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if self._same_blog(url, source) and discovery.sitemap_wanted(url):
                yield self._request(url, source, self.parse_sitemap, optional=True, priority=50)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        source = response.meta["source_url"]
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.max_sitemap_size)
            except Exception as error:  # noqa: BLE001 - a broken archive is a discovery failure
                yield FailureItem(response.url, source, "discover", f"bad gzip sitemap: {error}")
                return
        if not body.lstrip().startswith(b"<"):
            return  # a soft 404 or an HTML page at a guessed address
        try:
            sitemap = Sitemap(body)
        except Exception as error:  # noqa: BLE001
            yield FailureItem(response.url, source, "discover", f"unreadable sitemap: {error}")
            return
        self.crawler.stats.inc_value("blogarchive/discovery/sitemaps")
        if b"<!ENTITY" in body[:65536]:
            # never expanded (an external one is never read); libxml2 stops at a reference to
            # an entity bomb, so the entries after it are lost
            self.crawler.stats.inc_value("blogarchive/discovery/sitemap_entities")
            self.logger.warning(
                "%s: the sitemap declares XML entities, which are not expanded: entries after "
                "a reference to one may be missing",
                response.url,
            )
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                loc = entry.get("loc")
                if loc and self._same_blog(loc, source) and discovery.sitemap_wanted(loc):
                    yield self._request(loc, source, self.parse_sitemap, optional=True, priority=50)
        elif sitemap.type == "urlset":
            yield from self._post_requests(
                (
                    discovery.PostLink(url=entry["loc"], updated=entry.get("lastmod"))
                    for entry in sitemap
                    if entry.get("loc") and self._sitemap_entry_wanted(entry["loc"], source)
                ),
                source,
            )
        else:  # XML, but no sitemap (an RSS feed at /sitemap.xml, another format)
            self.crawler.stats.inc_value("blogarchive/discovery/sitemap_unreadable")
            self.logger.warning(
                "%s: no <urlset> or <sitemapindex> in it: not a sitemap, skipped", response.url
            )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        source = response.meta["source_url"]
        try:
            page = discovery.parse_feed(response.body, response.url)
        except discovery.DiscoveryError as error:
            yield FailureItem(response.url, source, "discover", str(error))
            yield from self._sitemap_requests(source)
            yield from self._held_home_links(source)
            return
        self.crawler.stats.inc_value("blogarchive/discovery/feed_pages")
        self._learn_post_depth(source, page)
        yield from self._sitemap_requests(source)
        if self._page_repeats(source, "feed", [link.url for link in page.posts], response.url):
            yield from self._held_home_links(source)
            return
        yield from self._post_requests(page.posts, source)
        yield from self._held_home_links(source)
        platform = self.platforms.get(source, "generic")
        if platform == "blogger" and "/feeds/" in response.url:
            next_url = discovery.next_blogger_page(response.url, page)
        elif platform == "wordpress":
            next_url = discovery.next_wordpress_feed_page(response.url, page)
        else:
            next_url = page.next_url
        if discovery.older_than(page, self.cutoffs.get(source)):
            self.crawler.stats.inc_value("blogarchive/discovery/feed_paging_stopped")
            return  # everything after this page is older than the last crawl
        if next_url and self._same_blog(next_url, source) and next_url != response.url:
            yield self._request(next_url, source, self.parse_feed, optional=True, priority=60)

    def _page_repeats(self, source: str, kind: str, posts: list[str], url: str) -> bool:
        """Whether this page of a feed or listing (`kind`) lists the same `posts` as an
        earlier page of its kind (compared by discovery.listing_digest; a page that lists
        nothing repeats nothing).
        A feed that answers every `?paged=N` or `start-index=N` with its first page would
        otherwise be paged through until the source's request budget (20,000 by default) is
        spent, a pager that does the same until BLOGARCHIVE_MAX_LISTING_PAGES."""
        if not posts:
            return False
        digest = discovery.listing_digest(posts)
        seen = self.pages_listed.setdefault((source, kind), set())
        if digest not in seen:
            seen.add(digest)
            return False
        self.crawler.stats.inc_value(f"blogarchive/discovery/{kind}_page_repeated")
        self.logger.warning(
            "%s: %s page %s lists the same posts as an earlier page (its paging is ignored or "
            "loops); stopped paging there",
            source,
            kind,
            url,
        )
        return True

    def parse_wordpress_api(self, response: Response, api_root: str, page: int) -> Iterator[Any]:
        source = response.meta["source_url"]
        try:
            posts = discovery.parse_wordpress_posts(response.body, response.url)
        except discovery.DiscoveryError as error:
            self.logger.info("%s: WordPress API not usable: %s", source, error)
            return
        yield from self._post_requests(posts, source)
        if page == 1:
            total = int(response.headers.get(b"X-WP-TotalPages", b"1").decode() or 1)
            for number in range(2, total + 1):
                yield self._request(
                    discovery.wordpress_posts_url(api_root, number, self.cutoffs.get(source)),
                    source,
                    self.parse_wordpress_api,
                    optional=True,
                    priority=60,
                    api_root=api_root,
                    page=number,
                )

    # -- posts

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A page asked for without a callback of ours (`scrapy parse --spider=blog URL`,
        `scrapy shell`'s fetch): read as a post page."""
        return self.parse_post(response, **kwargs)

    def parse_post(self, response: Response, hints: dict[str, Any] | None = None) -> Iterator[Any]:
        source = response.meta.get("source_url") or self._source_for(response.url)
        hints = hints or {}
        url = canonical_url(response.url)
        if response.status == 304:
            yield PostStatusItem(url, source, "not_modified")
            return
        if response.status in (404, 410):
            yield PostStatusItem(url, source, "gone", f"HTTP {response.status}")
            return
        if not _is_html(response):
            yield FailureItem(
                response.url,
                source,
                "fetch",
                f"not an HTML page ({_content_type(response) or 'no type'})",
            )
            return
        if not response.body.strip():
            yield FailureItem(response.url, source, "fetch", "empty body")
            return
        if self._is_home_page(response, source, url):
            self.crawler.stats.inc_value("blogarchive/fetch/home_page_answer")
            message = (
                "the page is the blog's home page, byte for byte (a site that answers every "
                "address with it, a parked domain): not archived"
            )
            self.logger.warning("%s: %s", response.url, message)
            yield FailureItem(response.url, source, "fetch", message)
            return
        redirected_from = [
            canonical_url(u)
            for u in response.meta.get("redirect_urls", [])
            if self._same_blog(u, source)
        ]
        item = PageItem(
            url=url,
            source_url=source,
            body=response.body,
            encoding=_declared_encoding(response),
            status=response.status,
            hints=hints,
            fetched_at=utcnow(),
            fetch=FetchState(
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
                aliases=[u for u in dict.fromkeys(redirected_from) if u != url],
            ),
            capture_id=response.meta.get("capture_id"),
            capture_key=response.meta.get("capture_key"),
        )
        pages = []
        if self.max_comment_pages > 0:
            pages = more_comment_pages(response.body, response.url, _declared_encoding(response))
        if not pages:
            yield item
            return
        yield self._comment_page_request(item, pages, set(pages), 0)

    # -- comments the post page does not show

    def _comment_page_request(
        self, item: PageItem, waiting: list[str], asked: set[str], fetched: int
    ) -> Request:
        """The next page of the post's comments (the post's item waits for them all)."""
        return Request(
            waiting[0],
            callback=self.parse_comment_page,
            errback=self.comment_page_failed,
            priority=10,
            dont_filter=True,  # a dropped duplicate would lose the post waiting for it
            meta={"source_url": item.source_url, "optional": True},
            cb_kwargs={
                "item": item,
                "waiting": waiting[1:],
                "asked": asked,
                "fetched": fetched + 1,
            },
        )

    def parse_comment_page(
        self,
        response: Response,
        item: PageItem,
        waiting: list[str],
        asked: set[str],
        fetched: int,
    ) -> Iterator[Any]:
        self.crawler.stats.inc_value("blogarchive/fetch/comment_pages")
        try:
            page = read_comment_page(response.body, response.url, _declared_encoding(response))
        except ExtractionError as error:
            yield FailureItem(
                response.url,
                item.source_url,
                "discover",
                f"comment page of {item.url}: {error}; its comments are not archived this run",
            )
            page = None
        if page is not None:
            item.more_comments.extend(asdict(c) for c in page.comments)
            for url in page.more:
                if url not in asked:
                    asked.add(url)
                    waiting.append(url)
        yield from self._next_comment_page(item, waiting, asked, fetched)

    def _next_comment_page(
        self, item: PageItem, waiting: list[str], asked: set[str], fetched: int
    ) -> Iterator[Any]:
        if waiting and fetched >= self.max_comment_pages:
            self.crawler.stats.inc_value("blogarchive/fetch/comment_pages_budget_hit")
            self.logger.warning(
                "%s: stopped reading its comments after %d pages (BLOGARCHIVE_MAX_COMMENT_PAGES)",
                item.url,
                fetched,
            )
            waiting = []
        if waiting:
            yield self._comment_page_request(item, waiting, asked, fetched)
        else:
            yield item

    def comment_page_failed(self, failure: Failure) -> Iterator[Any]:
        """A comment page that cannot be read costs its comments, not the post."""
        kwargs = failure.request.cb_kwargs
        item = kwargs["item"]
        if not failure.check(BudgetSpent):
            message = (
                f"comment page of {item.url}: {_describe(failure)}; the comments on it are "
                "not archived this run"
            )
            self.logger.warning("%s: %s", failure.request.url, message)
            # stage `discover`: a `fetch` failure counts a post found, and the post is stored
            yield FailureItem(failure.request.url, item.source_url, "discover", message)
        yield from self._next_comment_page(
            item, kwargs["waiting"], kwargs["asked"], kwargs["fetched"]
        )

    # -- the pictures of stored posts (scheduled by pipeline.pipelines.PicturePipeline)

    def picture_request(self, url: str, post_url: str, source: str) -> Request:
        """A request for a picture a post shows, wherever the blog keeps it (its own host or
        an image host): through robots.txt, AutoThrottle, retries and the private-address
        policy like every request, at most `BLOGARCHIVE_PICTURE_MAX_SIZE` bytes. No
        `source_url`: a picture does not spend its blog's page budget, and may be redirected
        to another (public) host, as image hosts do."""
        return Request(
            url,
            callback=self.parse_picture,
            errback=self.picture_failed,
            priority=-10,  # after the pages: a post is archived before its pictures are fetched
            headers={
                "Accept": "image/avif,image/webp,image/png,image/*;q=0.8,*/*;q=0.5",
                "Referer": post_url,  # as a reader's browser sends it (hotlink protection)
            },
            meta={
                "picture_of": post_url,
                "picture_source": source,
                "allow_offsite": True,
                "download_maxsize": self.picture_max_size,
            },
        )

    def parse_picture(self, response: Response) -> Iterator[Any]:
        asked = (response.meta.get("redirect_urls") or [response.url])[0]
        post_url = response.meta.get("picture_of", "")
        source = response.meta.get("picture_source", "")
        content_type = media_type(_header(response, b"Content-Type"))
        if response.status != 200 or not is_picture_type(content_type):
            why = (
                f"HTTP {response.status}"
                if response.status != 200
                else f"not a picture ({content_type or 'no type'})"
            )
            yield PictureItem(asked, source, post_url, error=why)
            return
        yield PictureItem(
            asked,
            source,
            post_url,
            capture_id=response.meta.get("capture_id"),
            capture_key=response.meta.get("capture_key"),
        )

    def picture_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        if failure.check(DownloadCancelledError) or (
            failure.check(FetchRefused) and "size limit" in str(failure.value)
        ):
            limit = request.meta.get("download_maxsize")
            why = f"larger than {limit} bytes (BLOGARCHIVE_PICTURE_MAX_SIZE): not fetched"
        elif failure.check(FetchRefused):
            why = str(failure.value)
        else:
            why = _describe(failure)
        yield PictureItem(
            url,
            request.meta.get("picture_source", ""),
            request.meta.get("picture_of", ""),
            error=why,
        )

    def _is_home_page(self, response: Response, source: str, url: str) -> bool:
        """Whether a post's address answered with the source's home page of this run, byte
        for byte: a site that answers every address with its home page (or a lapsed domain
        whose parking page does) would otherwise have it archived as each of its posts, or
        as a new version of each post already archived."""
        home_url, home_length, home_digest = self.home_pages.get(source, ("", -1, ""))
        return (
            url != home_url
            and len(response.body) == home_length
            and payload_digest(response.body) == home_digest
        )

    # -- errors

    def home_failed(self, failure: Failure) -> Iterator[Any]:
        source = self._source_of(failure)
        url = failure.request.url if hasattr(failure, "request") else source
        self.logger.error("%s: cannot fetch the home page: %s", source, _describe(failure))
        yield FailureItem(url, source, "fetch", _describe(failure), fatal=True)

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        source = self._source_of(failure)
        url = failure.request.url
        if failure.check(FetchRefused) and failure.value.gone:
            # a soft 404: an archived post there is gone (recorded as a failure otherwise)
            yield PostStatusItem(url, source, "gone", str(failure.value))
            return
        if failure.check(FetchRefused):  # a hostile-site policy (pipeline/middlewares.py)
            yield FailureItem(url, source, failure.value.stage, str(failure.value))
            return
        if failure.check(BudgetSpent):
            return  # counted by the budget; its first refusal was logged and recorded
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.crawler.stats.inc_value("blogarchive/fetch/ignored")
            self.logger.info("%s: not fetched: %s", url, _describe(failure))
            return
        self.logger.warning("%s: fetch failed: %s", url, _describe(failure))
        yield FailureItem(url, source, "fetch", _describe(failure))

    def discovery_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        if failure.check(FetchRefused):  # a hostile-site policy (pipeline/middlewares.py)
            yield FailureItem(
                request.url, request.meta.get("source_url", ""), "discover", str(failure.value)
            )
            return
        if request.meta.get("optional") and (
            failure.check(HttpError) or failure.check(IgnoreRequest)
        ):
            self.logger.debug("%s: not available: %s", request.url, _describe(failure))
            return
        self.logger.warning("%s: discovery failed: %s", request.url, _describe(failure))
        yield FailureItem(
            request.url, request.meta.get("source_url", ""), "discover", _describe(failure)
        )


def _content_type(response: Response) -> str:
    return (
        (response.headers.get(b"Content-Type") or b"")
        .decode("latin-1")
        .split(";")[0]
        .strip()
        .lower()
    )


def _is_html(response: Response) -> bool:
    content_type = _content_type(response)
    if content_type:
        return content_type in HTML_TYPES
    return isinstance(response, TextResponse) and b"<html" in response.body[:2048].lower()


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _declared_encoding(response: Response) -> str | None:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _describe(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if _closed_mid_headers(failure.value):
        return (
            f"{failure.type.__name__}: the connection was closed before the response's headers "
            f"ended: a header line longer than {LineReceiver.MAX_LENGTH} bytes, which "
            "Twisted's HTTP client refuses (a runaway cookie, say), or a server that stopped "
            "in the middle of its headers"
        )
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _closed_mid_headers(error: BaseException) -> bool:
    """Whether a download failed because the connection was closed cleanly after the
    response began and before its headers ended. Twisted's HTTP client says only
    "ConnectionDone: Connection was closed cleanly" both when the server closed it there and
    when the client itself did, at a header line longer than its line limit (16 KiB): it
    keeps no trace of which, so the message names both."""
    cause = error.__cause__ if not isinstance(error, ResponseFailed) else error
    if not isinstance(cause, ResponseFailed) or isinstance(cause, ResponseNeverReceived):
        return False
    reasons = getattr(cause, "reasons", None) or []
    return bool(reasons) and all(
        isinstance(reason, Failure) and reason.check(ConnectionDone) for reason in reasons
    )
