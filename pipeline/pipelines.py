"""Item pipelines: extract each fetched page, then store it.

`ExtractPipeline` turns a `PageItem` into a `PostItem` in a pool of worker processes (or drops
it with the reason); `StorePipeline` is the one writer into the archive: posts, statuses,
failures, and one `crawls` row per source per run with its counts, written in batches.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from pipeline.capture import WARC_ERROR_STAT
from pipeline.extraction import ExtractionError, LoginWall
from pipeline.items import (
    FailureItem,
    PageItem,
    PictureItem,
    PostItem,
    PostStatusItem,
    SourceItem,
)
from pipeline.pictures import DEFAULT_PER_POST, picture_urls
from pipeline.runlock import LockError, LockHeld, RunLock
from pipeline.store import (
    Archive,
    ArchiveError,
    extracted_fields,
    full_disk_hint,
    listing_stamp,
    utcnow,
)
from pipeline.walls import login_wall
from pipeline.workers import ExtractionPool, WorkerCrashed, extract_record, unguarded_main_line

logger = logging.getLogger(__name__)

#: the stat holding why the archive (or a WARC capture) could not be written, if it could not
WRITE_ERROR_STAT = "blogarchive/store/error"
#: the message of a run closed before it finished by one of Scrapy's CLOSESPIDER_* settings
CLOSED_EARLY = (
    "closed before the crawl finished (a CLOSESPIDER_* setting); the next run fetches the rest"
)
#: pages refused as login walls (pipeline/walls.py)
LOGIN_WALL_STAT = "blogarchive/fetch/login_wall"
#: the message of a run in which every post page failed (a `failed` run, exit status 1)
EVERY_PAGE_FAILED = (
    "every post page failed ({failed} of {found}): nothing was archived or found unchanged "
    "this run; see the failures table"
)


def asked_url(item: PageItem | PostItem) -> str:
    """The post address a page was asked for: the first of the addresses on the blog that
    redirected to it (a post sent to the blog's login page), else its own."""
    return (item.fetch.aliases or [item.url])[0]


class PageRefused(DropItem):
    """A fetched page that is not the post (a login wall): dropped, and recorded in
    `failures` under `stage` rather than as an extraction failure."""

    def __init__(self, message: str, stage: str = "fetch"):
        super().__init__(message)
        self.stage = stage


def dropped_page_failure(item: PageItem, exception: BaseException) -> FailureItem:
    """The `failures` row of a page the extraction pipeline dropped: an extraction failure,
    or a login wall (`PageRefused`), recorded under the post's address."""
    if isinstance(exception, PageRefused):
        return FailureItem(asked_url(item), item.source_url, exception.stage, str(exception))
    return FailureItem(item.url, item.source_url, "extract", str(exception))


def with_more_comments(
    comments: list[dict[str, Any]], more: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The post page's comments, then those of its other comment pages that the page does
    not show (by key: the page's own rendition of a comment is the one kept)."""
    keys = {c.get("comment_key") for c in comments}
    added = []
    for comment in more:
        if comment.get("comment_key") not in keys:
            keys.add(comment.get("comment_key"))
            added.append(comment)
    return [*comments, *added]


class ExtractPipeline:
    """Runs extraction (trafilatura plus platform cleaning) on every fetched post page.

    With `BLOGARCHIVE_EXTRACT_WORKERS` > 0 (default: one per core) it runs in worker
    processes, off the reactor; 0 runs it in the crawler's own process.
    """

    def __init__(self, stats: Any, pool: ExtractionPool | None):
        self.stats = stats
        self.pool = pool

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        settings = crawler.settings
        if not settings.getbool("BLOGARCHIVE_EXTRACT_ENABLED", True):
            raise NotConfigured("BLOGARCHIVE_EXTRACT_ENABLED is off")
        workers = settings.get("BLOGARCHIVE_EXTRACT_WORKERS")
        workers = None if workers in (None, "", "auto") else int(workers)
        pool = None
        script_line = unguarded_main_line() if workers != 0 else None
        if script_line:
            logger.warning(
                "%s starts a crawl when it is imported, outside 'if __name__ == \"__main__\":'; "
                "each extraction worker would import it and run its crawl again, so pages are "
                "extracted in this process (put the crawl under the guard to use the workers)",
                script_line,
            )
            workers = 0
        if workers != 0:
            function = settings.get("BLOGARCHIVE_EXTRACT_FUNCTION") or extract_record
            if isinstance(function, str):
                from scrapy.utils.misc import load_object

                function = load_object(function)
            pool = ExtractionPool(
                workers,
                timeout=settings.getfloat("BLOGARCHIVE_EXTRACT_TIMEOUT", 60.0),
                memory_limit_mb=settings.getint("BLOGARCHIVE_EXTRACT_MEMORY_MB", 2048),
                function=function,
            )
        return cls(crawler.stats, pool)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.stats.set_value("blogarchive/extract/workers_replaced", self.pool.replaced)
            self.pool.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        try:
            if self.pool is None:
                record = extract_record(item.body, item.url, item.hints, item.encoding)
            else:
                record = await self.pool.extract(item.body, item.url, item.hints, item.encoding)
        except LoginWall as error:  # logged by Scrapy ("Dropped: login wall: ...")
            self.stats.inc_value(LOGIN_WALL_STAT)
            raise PageRefused(str(error)) from error
        except ExtractionError as error:
            self.stats.inc_value("blogarchive/extract/failed")
            raise DropItem(f"extraction failed: {error}") from error
        except WorkerCrashed as error:
            self.stats.inc_value("blogarchive/extract/crashed")
            raise DropItem(f"extraction crashed: {error}") from error
        except Exception as error:  # noqa: BLE001 - a bug on one page must not stop the crawl
            self.stats.inc_value("blogarchive/extract/crashed")
            raise DropItem(f"extraction crashed: {type(error).__name__}: {error}") from error
        self.stats.inc_value("blogarchive/extract/ok")
        if item.more_comments:
            record["comments"] = with_more_comments(
                record.get("comments") or [], item.more_comments
            )
        return PostItem(
            url=item.url,
            source_url=item.source_url,
            record=record,
            fetched_at=item.fetched_at,
            fetch=item.fetch,
            capture_id=item.capture_id,
            capture_key=item.capture_key,
        )


class PicturePipeline:
    """Keeps the pictures each post shows (`BLOGARCHIVE_PICTURES_ENABLED`, default on).

    For each extracted post it reads the `<img src>` of its HTML rendition (at most
    `BLOGARCHIVE_PICTURES_PER_POST`, in order), notes them on the item (`PostItem.pictures`:
    `StorePipeline` ties them to the post in `post_pictures`) and schedules, through the
    engine, one request per picture not already captured by an earlier run (a picture many
    posts share is fetched once in a run: Scrapy's duplicate filter drops the other requests). The
    spider's `parse_picture` turns the answer into a `PictureItem` (captured by
    `WarcCaptureMiddleware` like every response) or a failure. Needs WARC captures: with
    `BLOGARCHIVE_WARC_ENABLED` off it is off too. Stats under `blogarchive/pictures/...`.
    """

    def __init__(self, crawler: Any, db_path: str, per_post: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.per_post = per_post
        self.archive: Archive | None = None
        self.archive_tried = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> PicturePipeline:
        settings = crawler.settings
        if not settings.getbool("BLOGARCHIVE_PICTURES_ENABLED", True):
            raise NotConfigured("BLOGARCHIVE_PICTURES_ENABLED is off")
        if not settings.getbool("BLOGARCHIVE_WARC_ENABLED", True):
            logger.info("the posts' pictures are not kept: WARC captures are off")
            raise NotConfigured("BLOGARCHIVE_WARC_ENABLED is off")
        per_post = settings.getint("BLOGARCHIVE_PICTURES_PER_POST", DEFAULT_PER_POST)
        if per_post <= 0:
            raise NotConfigured("BLOGARCHIVE_PICTURES_PER_POST is 0")
        return cls(crawler, settings.get("BLOGARCHIVE_DB") or "", per_post)

    def close_spider(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PostItem):
            return item
        urls = picture_urls(item.record.get("html"), self.per_post + 1)
        if len(urls) > self.per_post:
            self.stats.inc_value("blogarchive/pictures/per_post_cap_hit")
            logger.info(
                "%s: shows more than %d pictures; the first %d are kept "
                "(BLOGARCHIVE_PICTURES_PER_POST)",
                item.url,
                self.per_post,
                self.per_post,
            )
            urls = urls[: self.per_post]
        item.pictures = urls
        spider = self.crawler.spider
        if not hasattr(spider, "picture_request"):
            return item
        for url in urls:
            # a picture several posts show is asked for by each, and fetched once: Scrapy's
            # duplicate filter drops the later requests (no set of addresses kept here, which
            # would grow with the blog)
            if self._archived(url):
                self.stats.inc_value("blogarchive/pictures/already_archived")
                continue
            self.stats.inc_value("blogarchive/pictures/requested")
            self.crawler.engine.crawl(spider.picture_request(url, item.url, item.source_url))
        return item

    def _archived(self, url: str) -> bool:
        """Whether an earlier run captured this picture (read from the archive, read-only:
        `StorePipeline` is the one writer). A distributed worker has no archive: its
        pictures are fetched every run, and the ingester writes a revisit for one that has
        not changed."""
        if not self.archive_tried:
            self.archive_tried = True
            if self.db_path:
                try:
                    self.archive = Archive(self.db_path, readonly=True)
                except ArchiveError as error:
                    logger.info("no archive to look pictures up in: %s", error)
        if self.archive is None:
            return False
        try:
            return self.archive.picture_capture(url) is not None
        except (ArchiveError, sqlite3.Error):
            return False


@dataclass
class SourceRun:
    """The counts of one source in one run, written to its `crawls` row at the end."""

    source_id: int
    crawl_id: int
    started: str
    requests: int = 0
    bytes: int = 0
    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    gone: int = 0
    failed: int = 0
    fatal: str | None = None
    swept: bool = False
    # when this run began, to the microsecond: posts listed before it are "unlisted"
    listed_since: str | None = None

    @property
    def listing_cutoff(self) -> str:
        return self.listed_since or self.started

    def counts(self) -> dict[str, int]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("source_id", "crawl_id", "started", "fatal", "swept", "listed_since")
        }

    @property
    def every_page_failed(self) -> bool:
        """Posts were found, and not one of them was archived, found unchanged or gone."""
        confirmed = self.new + self.changed + self.unchanged + self.not_modified + self.gone
        return self.found > 0 and confirmed == 0


#: the message of a run some of whose answers Scrapy's HTTP cache gave (a `cached` run)
FROM_HTTP_CACHE = (
    "{cached} of {responses} responses came from Scrapy's HTTP cache (HTTPCACHE_ENABLED), not "
    "from the blog: no check of the blog (posts deleted or edited since they were cached are "
    "not seen), and not the next run's incremental cut-off"
)


def finished_status(run: SourceRun) -> tuple[str, str | None]:
    """The status and message of a run that ended on its own: `failed` with its reason when
    the source failed outright, or when every post page it found failed (a blog answering 500,
    or a login wall, on every post: nothing was archived or checked, which cron must hear of);
    `partial` when some pages failed; else `ok`."""
    if run.fatal:
        return "failed", run.fatal
    if run.every_page_failed:
        return "failed", EVERY_PAGE_FAILED.format(failed=run.found, found=run.found)
    return ("partial" if run.failed else "ok"), None


class StorePipeline:
    """The one writer into the SQLite archive.

    Items are written in batches (`BLOGARCHIVE_BATCH_SIZE` items or `BLOGARCHIVE_BATCH_SECONDS`,
    whichever comes first), each batch one transaction and each item a savepoint in it, so a
    bad item is recorded in `failures` and the rest of its batch is kept. When the crawl runs
    out of requests, stored posts that no listing mentioned are asked for once, so that
    deleted posts are noticed.
    """

    def __init__(self, crawler: Any, db_path: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.batch_size = crawler.settings.getint("BLOGARCHIVE_BATCH_SIZE", 100)
        self.batch_seconds = crawler.settings.getfloat("BLOGARCHIVE_BATCH_SECONDS", 1.0)
        self.archive: Archive | None = None
        self.runs: dict[str, SourceRun] = {}
        self.pending: list[Any] = []
        self.pending_since = 0.0
        self.flusher: task.LoopingCall | None = None
        self.write_error: str | None = None
        self.run_lock: RunLock | None = None
        self.writer: ItemWriter | None = None
        self.written_counts: dict[int, dict[str, int]] = {}  # as the crawls rows hold them
        # Whether the crawl went idle with nothing left to ask for since its last response: a
        # crawl closed otherwise (CLOSESPIDER_ITEMCOUNT and the other CLOSESPIDER_* settings,
        # which do not stop the engine as a signal does) did not finish.
        self.ran_out_of_requests = False
        # post pages that reached this pipeline unextracted, per source (extraction off)
        self.pages_not_extracted: dict[str, int] = {}
        # Scrapy's JOBDIR keeps the requests a run saw (read before this run adds to them):
        # given again after that run finished, every request is dropped as seen
        self.jobdir = crawler.settings.get("JOBDIR") or ""
        seen = Path(self.jobdir, "requests.seen") if self.jobdir else None
        self.jobdir_had_requests = bool(seen and seen.is_file() and seen.stat().st_size > 0)
        # responses Scrapy's HTTP cache gave (HTTPCACHE_ENABLED), per source
        self.cached_responses: dict[str, int] = {}
        # addresses this run had from the blog itself, kept only with the cache on (a set of
        # every address would grow with the blog)
        self.http_cache = crawler.settings.getbool("HTTPCACHE_ENABLED")
        self.fetched_urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        db_path = crawler.settings.get("BLOGARCHIVE_DB")
        if not db_path:
            raise NotConfigured("BLOGARCHIVE_DB is not set")
        pipeline = cls(crawler, db_path)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    # -- lifecycle

    def open_spider(self) -> None:
        holds_lock = self._holds_run_lock()  # before anything is written (LockHeld: refused)
        try:
            self._open_runs(holds_lock)
        except (ArchiveError, sqlite3.Error) as error:
            # a full disk: not even the runs can be recorded. Nothing is crawled; the
            # summary says why (run_crawl reads WRITE_ERROR_STAT)
            if self.archive is not None:
                self.archive.close()
                self.archive = None
            self.write_error = f"cannot write to the archive: {error}"
            self.stats.set_value(WRITE_ERROR_STAT, self.write_error)
            logger.error("%s; this crawl does not start", self.write_error)
            deferred_from_coro(
                self.crawler.engine.close_spider_async(reason="archive_write_failed")
            )

    def _open_runs(self, holds_lock: bool) -> None:
        self.archive = Archive(self.db_path)
        max_pages = self.crawler.settings.getint("BLOGARCHIVE_DB_MAX_PAGES", 0)
        if max_pages > 0:  # tests only: a "disk" that fills up at this many pages
            self.archive.db.execute(f"PRAGMA max_page_count = {max_pages}")
        if holds_lock:
            stale = self.archive.close_stale_crawls()
            if stale:
                logger.warning("%d crawl(s) of a process that died are marked aborted", stale)
        for source_url in getattr(self.crawler.spider, "sources", []):
            source_id = self.archive.add_source(source_url)
            started, listed_since = utcnow(), listing_stamp()
            self.runs[source_url] = SourceRun(
                source_id,
                self.archive.start_crawl(source_id, started),
                started,
                listed_since=listed_since,
            )
        self.writer = ItemWriter(self.archive, self.runs, self.stats)
        self.flusher = task.LoopingCall(self._flush_if_due)
        self.flusher.start(max(self.batch_seconds, 0.1), now=False)
        logger.info("archiving into %s", self.db_path)

    def _holds_run_lock(self) -> bool:
        """Whether this run may treat `running` crawls as dead: `blogarchive crawl` holds the
        archive's run lock already; `scrapy crawl` and `blogarchive demo` take it here. One
        crawl of an archive at a time: a lock another process holds is LockHeld, raised, and
        the crawl does not start (Scrapy logs it and `scrapy crawl` exits 1). A lock file
        that cannot be made (a folder this user cannot write) only costs the dead-run check."""
        if self.crawler.settings.getbool("BLOGARCHIVE_RUN_LOCK_HELD"):
            return True
        try:
            self.run_lock = RunLock(self.db_path).acquire()
        except LockHeld as error:
            logger.error("%s: this crawl does not start", error)
            raise
        except LockError as error:
            logger.warning("not marking dead crawls: %s", error)
            return False
        return True

    def close_spider(self) -> None:
        if self.run_lock is not None:
            self.run_lock.release()
        if self.archive is None:  # it could not be opened (open_spider)
            return
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        self.flush()
        reason = self.stats.get_value("finish_reason") or ""
        # a WARC capture that could not be written stopped the crawl (pipeline/capture.py)
        self.write_error = self.write_error or self.stats.get_value(WARC_ERROR_STAT)
        if self.write_error:
            self.stats.set_value(WRITE_ERROR_STAT, self.write_error)
        if self.write_error:
            self._finish_after_write_error()
            return
        # stopped by SIGINT/SIGTERM (finish_reason is set only after pipelines close), or
        # closed before it ran out of requests (CLOSESPIDER_*)
        signalled = reason == "shutdown" or (
            self.crawler.engine is not None and not self.crawler.engine.running
        )
        closed_early = not signalled and not self.ran_out_of_requests
        stopped = signalled or closed_early
        for source_url, run in self.runs.items():
            if not run.fatal and not stopped and run.found == 0:
                # (a run stopped before it found anything has not shown the source is no blog)
                run.fatal = self._nothing_found_reason(source_url)
                self._failure(source_url, source_url, "discover", run.fatal)
            if stopped and not run.fatal:
                status, message = "interrupted", CLOSED_EARLY if closed_early else None
            else:
                status, message = finished_status(run)
            cached = self.cached_responses.get(source_url, 0)
            if cached and status in ("ok", "partial"):
                # the blog was not asked: the run says so, and is no incremental cut-off
                # (Archive.last_crawl_started takes `ok` and `partial` runs only)
                status = "cached"
                message = FROM_HTTP_CACHE.format(cached=cached, responses=run.requests)
            self.archive.finish_crawl(run.crawl_id, status=status, message=message, **run.counts())
        self.archive.close()

    def _nothing_found_reason(self, source_url: str) -> str:
        """Why a run that ended on its own found no post: the blog's, or a setting's."""
        unextracted = self.pages_not_extracted.get(source_url, 0)
        if unextracted:
            return (
                f"{unextracted} post pages fetched, none archived: extraction is off "
                "(BLOGARCHIVE_EXTRACT_ENABLED)"
            )
        reason = "no posts found: not a blog, or its feeds and sitemaps list none"
        depth_limit = self.crawler.settings.getint("DEPTH_LIMIT", 0)
        if depth_limit > 0:
            reason += (
                f" (or DEPTH_LIMIT={depth_limit} stopped discovery before the posts, which are "
                "two or three requests from the home page)"
            )
        if self.jobdir_had_requests:
            reason += (
                f" (or JOBDIR={self.jobdir} holds the requests of a run that finished: Scrapy "
                "skips every request seen there; give a new JOBDIR, or none)"
            )
        return reason

    def _finish_after_write_error(self) -> None:
        """Try to record the failed runs; if even that cannot be written, their crawls rows
        stay `running` (the next run marks them aborted) and the summary reports failure."""
        assert self.archive is not None
        try:
            for run in self.runs.values():
                self.archive.finish_crawl(
                    run.crawl_id, status="failed", message=self.write_error, **run.counts()
                )
        except (ArchiveError, sqlite3.Error) as error:
            logger.warning("cannot record the crawl's end either: %s", error)
        self.archive.close()

    # -- signals

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        self.ran_out_of_requests = False
        source_url = request.meta.get("source_url", "")
        # Scrapy's HttpCacheMiddleware answered with what an earlier run fetched (an address
        # asked twice in this run is answered from what this run fetched: that is fresh)
        from_cache = "cached" in response.flags and request.url not in self.fetched_urls
        if self.http_cache and "cached" not in response.flags:
            self.fetched_urls.add(request.url)
        run = self.runs.get(source_url)
        if run:
            run.requests += 1
            run.bytes += len(response.body)
            if from_cache:
                self.cached_responses[source_url] = self.cached_responses.get(source_url, 0) + 1

    def item_dropped(
        self, item: Any, response: Any, exception: BaseException, spider: Any = None
    ) -> None:
        if isinstance(item, PageItem):
            self._queue(dropped_page_failure(item, exception))

    def spider_idle(self, spider: Any = None) -> None:
        """Before the crawl ends: ask once for each stored post of each source that no
        listing mentioned this run (deleted posts answer 404 or 410 and get `gone_at`)."""
        self.flush()
        spider = spider or self.crawler.spider
        if getattr(spider, "discovery_pending", bool)():
            return  # the spider asks for more listings first (BlogSpider.spider_idle)
        self.ran_out_of_requests = True  # unless the sweep below asks for more
        if not hasattr(spider, "post_request") or self.archive is None:
            return
        scheduled = 0
        for source_url, run in self.runs.items():
            if run.swept or run.fatal:
                continue
            run.swept = True
            for url in self.archive.unlisted_posts(run.source_id, run.listing_cutoff):
                self.crawler.engine.crawl(spider.post_request(url, source_url))
                scheduled += 1
        if scheduled:
            self.stats.inc_value("blogarchive/sweep/requests", scheduled)
            raise DontCloseSpider

    # -- items

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PostItem | FailureItem | PostStatusItem | SourceItem | PictureItem):
            self._queue(item)
        elif isinstance(item, PageItem):  # the extraction pipeline is off
            self.pages_not_extracted[item.source_url] = (
                self.pages_not_extracted.get(item.source_url, 0) + 1
            )
        return item

    def _queue(self, item: Any) -> None:
        if not self.pending:
            self.pending_since = time.monotonic()
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.pending_since >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the pending items in one transaction."""
        if not self.pending or self.archive is None:
            return
        batch, self.pending = self.pending, []
        counted = {url: run.counts() for url, run in self.runs.items()}
        try:
            with self.archive.transaction():
                for item in batch:
                    self._write(item)
                self._write_counts()
        except (ArchiveError, sqlite3.Error) as error:
            # The batch could not be committed (disk full, database locked for too long):
            # none of it is stored, so the next run fetches those pages again, and none of
            # it is counted (the summary says what the archive holds). Everything committed
            # before stays intact; the crawl stops and reports the failure.
            self._uncount(counted)
            self.stats.inc_value("blogarchive/store/batch_failed")
            # the first failure on stderr (cron's mail), the batches still in flight only
            # in the log file
            log = logger.error if self.write_error is None else logger.warning
            log("cannot write %d items to %s: %s", len(batch), self.db_path, error)
            if self.write_error is None:
                self.write_error = f"cannot write to the archive: {error}{full_disk_hint(error)}"
                self.stats.set_value(WRITE_ERROR_STAT, self.write_error)
                if self.crawler.engine is not None and self.crawler.engine.spider is not None:
                    deferred_from_coro(
                        self.crawler.engine.close_spider_async(reason="archive_write_failed")
                    )
            return
        self.stats.inc_value("blogarchive/store/batches")

    def _uncount(self, counted: dict[str, dict[str, int]]) -> None:
        """Take back what a batch that was rolled back added to the runs' counts (the
        responses received stay counted: they were)."""
        for url, counts in counted.items():
            run = self.runs[url]
            for name, value in counts.items():
                if name not in ("requests", "bytes"):
                    setattr(run, name, value)

    def _write(self, item: Any) -> None:
        assert self.writer is not None
        self.writer.write(item)

    def _write_counts(self) -> None:
        """Bring each run's `crawls` row up to what the batch being committed holds, in its
        transaction: a run killed later (`kill -9`, a second Ctrl-C) still says how many posts
        it archived, new or changed, and the next run does not count them as its own."""
        assert self.archive is not None
        for run in self.runs.values():
            counts = run.counts()
            if counts != self.written_counts.get(run.crawl_id):
                self.archive.update_crawl(run.crawl_id, **counts)
                self.written_counts[run.crawl_id] = counts

    def _failure(
        self, url: str, source_url: str, stage: str, error: str, *, fatal: bool = False
    ) -> None:
        assert self.writer is not None
        self.writer.failure(url, source_url, stage, error, fatal=fatal)


class ItemWriter:
    """Writes one crawl item (post, status, failure, source) into the archive and counts it
    in its source's `SourceRun`: what `StorePipeline` does per item, shared with the
    distributed ingester (`pipeline/distributed.py`). The caller owns the transaction."""

    def __init__(self, archive: Archive, runs: dict[str, SourceRun], stats: Any):
        self.archive = archive
        self.runs = runs
        self.stats = stats

    def write(self, item: Any) -> None:
        run = self.runs.get(item.source_url)
        try:
            if isinstance(item, PostItem):
                self._store_post(item, run)
            elif isinstance(item, PostStatusItem):
                self._store_status(item, run)
            elif isinstance(item, FailureItem):
                self.failure(item.url, item.source_url, item.stage, item.error, fatal=item.fatal)
            elif isinstance(item, PictureItem):
                self._store_picture(item, run)
            elif isinstance(item, SourceItem) and run:
                self.archive.update_source(run.source_id, platform=item.platform, title=item.title)
        except (ArchiveError, sqlite3.IntegrityError, sqlite3.InterfaceError) as error:
            self.stats.inc_value("blogarchive/store/failed")
            self.failure(getattr(item, "url", ""), item.source_url, "store", str(error))

    def _store_post(self, item: PostItem, run: SourceRun | None) -> None:
        if item.record.get("wall_signs"):
            wall = login_wall(
                item.record["wall_signs"],
                extracted_fields(item.record)["word_count"],
                self.archive.stored_word_count([item.url, *item.fetch.aliases]),
            )
            if wall:
                # the archived version stays the post's face; not even last_seen changes
                self.stats.inc_value(LOGIN_WALL_STAT)
                logger.warning("%s: %s", asked_url(item), wall)
                self.failure(asked_url(item), item.source_url, "fetch", wall)
                return
        result = self.archive.save_post(
            item.record,
            source_id=run.source_id if run else None,
            seen_at=item.fetched_at or None,
            aliases=item.fetch.aliases,
            etag=item.fetch.etag,
            last_modified=item.fetch.last_modified,
            capture_id=item.capture_id,
        )
        if item.pictures:
            self.archive.link_pictures(result.post_id, item.pictures, item.fetched_at or None)
        self.stats.inc_value(f"blogarchive/posts/{result.outcome}")
        if run:
            run.found += 1
            setattr(run, result.outcome, getattr(run, result.outcome) + 1)

    def _store_picture(self, item: PictureItem, run: SourceRun | None) -> None:
        """A fetched picture: tied to every post showing it that has no copy of it yet; or,
        when it could not be kept, a `failures` row (stage `picture`). The post is archived
        either way, and a picture that failed is asked for again by the next run. Not
        counted in the run's `failed`, which counts posts."""
        if item.error or item.capture_id is None:
            self.stats.inc_value("blogarchive/pictures/failed")
            message = (
                f"picture of {item.post_url}: {item.error or 'not captured'}; the post is "
                "archived with a link to it"
            )
            logger.warning("%s: %s", item.url, message)
            self.archive.record_failure(
                item.url,
                "picture",
                message,
                source_id=run.source_id if run else None,
                crawl_id=run.crawl_id if run else None,
            )
            return
        self.archive.record_picture(item.url, item.capture_id)
        self.stats.inc_value("blogarchive/pictures/archived")

    def _store_status(self, item: PostStatusItem, run: SourceRun | None) -> None:
        self.stats.inc_value(f"blogarchive/posts/{item.status}")
        if item.status == "listed":
            first = self.archive.mark_listed([item.url], since=run.listing_cutoff if run else None)
            if run and first:
                run.found += 1
                run.unchanged += 1
        elif item.status == "not_modified":
            self.archive.touch_post(item.url)
            if run:
                run.found += 1
                run.not_modified += 1
        elif item.status == "gone":
            if self.archive.mark_gone(item.url, item.detail):
                if run:
                    run.found += 1
                    run.gone += 1
            else:  # an address that never held an archived post: a plain failure
                self.failure(item.url, item.source_url, "fetch", item.detail)

    def failure(
        self, url: str, source_url: str, stage: str, error: str, *, fatal: bool = False
    ) -> None:
        run = self.runs.get(source_url)
        self.stats.inc_value(f"blogarchive/failures/{stage}")
        if run:
            if stage in ("fetch", "extract", "store") and not fatal:
                run.found += 1
            run.failed += 1
            if fatal:
                run.fatal = error
        self.archive.record_failure(
            url,
            stage,
            error,
            source_id=run.source_id if run else None,
            crawl_id=run.crawl_id if run else None,
        )
