"""Many crawler processes, one archive: scrapy-redis workers and a single ingester.

`blogarchive crawl --redis URL --run NAME URL ...` runs a *worker*: the `blog` spider with
scrapy-redis's scheduler and duplicate filter, so that any number of workers on any number of
machines take requests from, and add requests to, one shared queue in Redis. Workers never
open SQLite: their items (`PostItem`, `FailureItem`, `PostStatusItem`, `SourceItem`) are
pushed as tagged JSON onto the Redis list `blogarchive:items` by `RedisPushPipeline`, and every
response they receive, with its request, as a `Capture` record by `RedisCaptureMiddleware`
(in place of `WarcCaptureMiddleware`), before the item made from it.
`blogarchive ingest --redis URL` (`Ingester`) is the one writer: it moves items reliably into
`blogarchive:items:processing` (LMOVE), writes a batch in one transaction with the same code as
`StorePipeline` (`pipeline.pipelines.ItemWriter`), and only then deletes the batch from the
processing list; at start it puts back whatever a killed ingester left there. It writes the
captures into WARC files beside the archive (`warc/`) and indexes them in `captures`, exactly
as a single-process crawl does (`pipeline.capture.archive_exchange`), and links each post
version to the capture of its page.

Keys of one run (`--run NAME`, default the UTC date) are namespaced:
`blogarchive:run:NAME:requests` (the priority queue), `...:dupefilter` (request fingerprints),
`...:platforms` (what each source's home page said it is), `...:workers` (heartbeats),
`...:written` (each running worker's count of its writes, `RedisLink`) and `...:crawls` (the
ingester's `crawls` row per source). They persist across workers (the
first worker to finish must not wipe the queue of the others) and expire
`BLOGARCHIVE_REDIS_RUN_TTL` seconds after a worker last closed; a new run name starts afresh.

scrapy-redis 0.9.1 against Scrapy 2.19, adapted in the subclasses below:

- `RedisScheduler`: scrapy-redis passes `spider=` to the stats collector, which Scrapy 2.19
  deprecates (a warning per request); and its `close()` flushes the shared queue and
  fingerprints unless `SCHEDULER_PERSIST`, which with several workers throws away the others'
  work, so it always persists and sets an expiry instead.
- `RedisDupeFilter`: its `close()` deletes the shared fingerprints (Scrapy's own scheduler
  calls it); here it leaves them to the run's expiry.
- `DistributedBlogSpider`: the spider keeps per-source state learnt on the home page
  (`platforms`, which decides what is a post URL); another worker's callbacks need it, so it
  is kept in Redis. Incremental crawling needs the archive, which workers do not have: they
  run without `archive_view` (every listed post is fetched) and without the sweep of
  unlisted posts.

A worker whose Redis fails (a command failing past redis-py's retry) or comes back without
the worker's writes (restarted without persistence) stops and says its run is incomplete
(`RedisLink`), instead of taking the empty queue for the end of the crawl.

The engine closes a spider whose scheduler is empty; `WorkerKeepAlive` keeps a worker open
while the shared queue holds requests or another worker has been busy in the last
`BLOGARCHIVE_REDIS_IDLE_SECONDS`, so that all workers share the crawl until it ends.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.items import (
    FailureItem,
    FetchState,
    PageItem,
    PictureItem,
    PostItem,
    PostStatusItem,
    SourceItem,
)
from pipeline.pipelines import ItemWriter, SourceRun, dropped_page_failure, finished_status
from pipeline.store import Archive, utcnow
from pipeline.warc import DEFAULT_GZIP_LEVEL, Exchange, RollingWarcWriter, WarcError

logger = logging.getLogger(__name__)

ITEMS_KEY = "blogarchive:items"
PROCESSING_KEY = "blogarchive:items:processing"
RUN_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
ITEM_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (PostItem, FailureItem, PostStatusItem, SourceItem, PictureItem)
}


INGESTER_KEY = "blogarchive:ingester"  # the lease of the one ingester: `host:pid started`
INGESTER_LEASE_SECONDS = 60
# where the ingester's WARC files stood before its batch in hand: what a killed ingester wrote
# past it for a batch it did not commit is cut by the next one
INGESTER_WARC_KEY = "blogarchive:ingester:warc"


class DistributedError(ValueError):
    """A bad run name, an unreachable Redis, an item that cannot be decoded."""


class IngesterBusy(DistributedError):
    """Another ingester holds the lease: two would take each other's batches."""


@dataclass
class PushedCapture:
    """A response (with its request) a worker received, for the ingester to write as WARC
    records; `key` names it until the ingester has given it a `captures` id."""

    key: str
    source_url: str
    exchange: Exchange
    mime: str | None = None
    hints: dict[str, Any] | None = None


def default_run_name() -> str:
    """The run name when `--run` is not given: today's UTC date (one crawl a day)."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def run_key(run: str, name: str) -> str:
    if not RUN_NAME.match(run):
        raise DistributedError(f"run name must be letters, digits, '.', '_' or '-': {run!r}")
    return f"blogarchive:run:{run}:{name}"


REDIS_TIMEOUT = 30  # seconds: a host that accepts the connection but never answers


def redacted(url: str) -> str:
    """`url` with its password, if any, as `***` (for what is printed and logged)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return url


def redis_problem(url: str, error: BaseException) -> str:
    """What went wrong talking to the Redis at `url`, in words, with no password."""
    import redis

    where = redacted(url)
    if isinstance(error, redis.AuthenticationError):
        from urllib.parse import urlsplit

        if urlsplit(url).password is None:
            return f"Redis at {where} needs a password: redis://:PASSWORD@HOST:PORT/DB"
        return f"Redis at {where} refused the password ({error})"
    if isinstance(error, redis.TimeoutError | redis.ResponseError) or (
        isinstance(error, redis.ConnectionError) and "closed by server" in str(error)
    ):
        return f"no Redis answered at {where} ({error}): is it the Redis port?"
    return f"cannot reach Redis at {where}: {error}"


def redis_client(url: str, *, timeout: float = REDIS_TIMEOUT) -> Any:
    """A redis-py client for `url`, checked with PING."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        raise DistributedError(redis_problem(url, error)) from error
    return client


def worker_settings(redis_url: str, run: str) -> dict[str, Any]:
    """The Scrapy settings that make `blogarchive crawl` a worker of run `run`."""
    from pipeline import settings as base

    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "pipeline.distributed.RedisScheduler",
        "DUPEFILTER_CLASS": "pipeline.distributed.RedisDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": run_key(run, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": run_key(run, "dupefilter"),
        "BLOGARCHIVE_REDIS_RUN": run,
        # No SQLite in a worker: no archive to read, no store pipeline; captures go through
        # Redis to the ingester, which writes the WARC files and their index.
        "BLOGARCHIVE_DB": "",
        "DOWNLOADER_MIDDLEWARES": {
            **base.DOWNLOADER_MIDDLEWARES,
            "pipeline.capture.WarcCaptureMiddleware": None,
            "pipeline.distributed.RedisCaptureMiddleware": base.DOWNLOADER_MIDDLEWARES[
                "pipeline.capture.WarcCaptureMiddleware"
            ],
        },
        "ITEM_PIPELINES": {
            **base.ITEM_PIPELINES,
            "pipeline.pipelines.StorePipeline": None,
            "pipeline.distributed.RedisPushPipeline": 800,
        },
        "EXTENSIONS": {**base.EXTENSIONS, "pipeline.distributed.WorkerKeepAlive": 600},
    }


# ------------------------------------------------------------------ items as JSON


def encode_item(item: Any, run: str, worker: str = "") -> str:
    """An item as one JSON line: `{"type": ..., "run": ..., "worker": ..., "item": {...}}`."""
    return json.dumps(
        {"type": type(item).__name__, "run": run, "worker": worker, "item": asdict(item)},
        ensure_ascii=False,
    )


def encode_capture(capture: PushedCapture, run: str, worker: str = "") -> str:
    """A capture as one JSON line, its body in base64."""
    exchange = asdict(capture.exchange)
    exchange["body"] = base64.b64encode(capture.exchange.body).decode("ascii")
    fields = {**asdict(capture), "exchange": exchange}
    return json.dumps(
        {"type": "Capture", "run": run, "worker": worker, "item": fields}, ensure_ascii=False
    )


def decode_item(data: bytes | str) -> tuple[str, Any]:
    """(run, item) from `encode_item`'s or `encode_capture`'s JSON; `WorkerStats` envelopes
    come back as dicts."""
    try:
        envelope = json.loads(data)
        kind, fields = envelope["type"], envelope["item"]
        if kind == "WorkerStats":
            return envelope["run"], fields
        if kind == "Capture":
            exchange = dict(fields["exchange"])
            exchange["body"] = base64.b64decode(exchange["body"], validate=True)
            for name in ("response_headers", "request_headers"):
                exchange[name] = [tuple(pair) for pair in exchange.get(name) or []]
            return envelope["run"], PushedCapture(**{**fields, "exchange": Exchange(**exchange)})
        cls = ITEM_TYPES[kind]
        if cls is PostItem:
            fields = {**fields, "fetch": FetchState(**fields.get("fetch") or {})}
        return envelope["run"], cls(**fields)
    except (ValueError, KeyError, TypeError, base64.binascii.Error) as error:
        raise DistributedError(f"cannot decode item: {error}") from error


# ------------------------------------------------------------------ Scrapy components

import redis  # noqa: E402 - scrapy-redis's own client library
from scrapy import signals  # noqa: E402 - kept below the Scrapy-free helpers above
from scrapy.exceptions import DontCloseSpider, NotConfigured  # noqa: E402
from scrapy.utils.defer import deferred_from_coro  # noqa: E402
from scrapy_redis.connection import get_redis_from_settings  # noqa: E402
from scrapy_redis.dupefilter import RFPDupeFilter  # noqa: E402
from scrapy_redis.scheduler import Scheduler  # noqa: E402

from pipeline.capture import archive_exchange, exchange_of  # noqa: E402
from pipeline.scheduler import process_alive  # noqa: E402
from pipeline.spiders.blog import BlogSpider  # noqa: E402


def worker_name() -> str:
    """This process, as heartbeats and pushed items name it: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _dead_here(holder: str) -> bool:
    """Whether a lease holder (`host:pid started`) was a process of this machine that is
    gone."""
    host, _, rest = holder.partition(" ")[0].rpartition(":")
    if host != socket.gethostname() or not rest.isdigit():
        return False
    return not process_alive(int(rest))


def redis_of(crawler: Any) -> tuple[Any, str]:
    """The shared Redis (scrapy-redis's `REDIS_URL`) and the run's name for a worker's
    component; `NotConfigured` when the crawl is no worker."""
    if not crawler.settings.get("REDIS_URL"):
        raise NotConfigured("REDIS_URL is not set")
    run = crawler.settings.get("BLOGARCHIVE_REDIS_RUN") or default_run_name()
    return get_redis_from_settings(crawler.settings), run


REDIS_LOST_STAT = "blogarchive/redis/lost"  # why this worker's part of the run is incomplete


class RedisLink:
    """What a worker knows of its writes to the shared Redis, so that a Redis that failed
    (unreachable past redis-py's retry) or came back without them (restarted without
    persistence, flushed) is noticed and said, not taken for the end of the crawl.

    Each item, capture and request the worker writes also counts one in the run's hash
    `...:written` (field: this worker), in the same transaction for items; at the end the
    worker compares Redis's count with its own. Redis keeps (or loses) a prefix of the
    writes it received, so a count that came through means the writes before it did too."""

    def __init__(self, crawler: Any, server: Any, run: str):
        self.crawler = crawler
        self.server = server
        self.run = run
        self.worker = worker_name()
        self.written_key = run_key(run, "written")
        self.writes = 0

    @classmethod
    def of(cls, crawler: Any) -> RedisLink:
        """The crawler's one link (made by the first component that asks)."""
        link = getattr(crawler, "_blogarchive_redis_link", None)
        if link is None:
            link = cls(crawler, *redis_of(crawler))
            crawler._blogarchive_redis_link = link
        return link

    @property
    def lost(self) -> str | None:
        return self.crawler.stats.get_value(REDIS_LOST_STAT)

    def push(self, data: str) -> bool:
        """LPUSH one record onto `blogarchive:items`, counted; False when Redis failed."""
        try:
            pipe = self.server.pipeline(transaction=True)
            pipe.lpush(ITEMS_KEY, data)
            pipe.hincrby(self.written_key, self.worker, 1)
            pipe.execute()
        except redis.RedisError as error:
            self.fail(f"cannot push to Redis: {error}")
            return False
        self.writes += 1
        return True

    def count(self) -> None:
        """Count one write made elsewhere (a request the scheduler queued)."""
        try:
            self.server.hincrby(self.written_key, self.worker, 1)
        except redis.RedisError as error:
            self.fail(f"cannot write to Redis: {error}")
            return
        self.writes += 1

    def fail(self, why: str) -> None:
        """Redis failed this worker: what it had not written is lost, so it stops; the
        first reason is kept for its summary (`REDIS_LOST_STAT`)."""
        self.crawler.stats.inc_value("blogarchive/redis/errors")
        if self.lost is not None:
            logger.warning("%s", why)
            return
        self.crawler.stats.set_value(REDIS_LOST_STAT, why)
        logger.error("%s; this worker stops: run %s is incomplete", why, self.run)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="redis_lost"))

    def check(self) -> None:
        """At the end: does Redis still hold every write of this worker? Then the keys of
        the run get their expiry."""
        if self.lost is not None:
            return
        try:
            held = int(self.server.hget(self.written_key, self.worker) or 0)
            self.server.hdel(self.written_key, self.worker)
        except redis.RedisError as error:
            self.fail(f"cannot check this worker's writes in Redis: {error}")
            return
        if held < self.writes:
            self.fail(
                f"Redis no longer holds {self.writes - held} of the {self.writes} items and "
                "requests this worker wrote (was it restarted without persistence?)"
            )


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler, adapted to Scrapy 2.19 and to many workers (see above)."""

    link: RedisLink | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.link = RedisLink.of(crawler)
        return scheduler

    def enqueue_request(self, request: Any) -> bool:
        if self.link is not None and self.link.lost:
            return False  # the worker is stopping
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except redis.RedisError as error:
            if self.link is None:
                raise
            self.link.fail(f"cannot queue {request.url} in Redis: {error}")
            return False
        if self.link is not None:
            self.link.count()
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        if self.link is not None and self.link.lost:
            return None
        try:
            request = self.queue.pop(self.idle_before_close)
        except redis.RedisError as error:
            if self.link is None:
                raise
            self.link.fail(f"cannot take a request from Redis: {error}")
            return None
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.link is not None and self.link.lost:
            return False
        try:
            return super().has_pending_requests()
        except redis.RedisError as error:
            if self.link is None:
                raise
            self.link.fail(f"cannot read the queue in Redis: {error}")
            return False

    def close(self, reason: str) -> None:
        ttl = self.spider.settings.getint("BLOGARCHIVE_REDIS_RUN_TTL", 7 * 86400)
        if ttl > 0:
            try:
                for key in (self.queue.key, self.df.key, run_key(self.link.run, "written")):
                    self.server.expire(key, ttl)
            except redis.RedisError as error:  # they expire with the next worker's close
                logger.warning("cannot set the expiry of run %s's keys: %s", self.link.run, error)


class RedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter whose `close()` leaves the shared fingerprints."""

    def close(self, reason: str = "") -> None:
        return None


class RedisDict(dict):
    """A dict mirrored in a Redis hash: what one worker learns, the others read."""

    def __init__(self, server: Any, key: str, link: RedisLink | None = None):
        super().__init__()
        self.server = server
        self.key = key
        self.link = link  # told when Redis fails (then this worker's own copy is used)

    def _failed(self, error: redis.RedisError) -> None:
        if self.link is None:
            raise error
        self.link.fail(f"cannot share what a blog's home page said in Redis: {error}")

    def __setitem__(self, name: str, value: str) -> None:
        super().__setitem__(name, value)
        try:
            self.server.hset(self.key, name, value)
        except redis.RedisError as error:
            self._failed(error)

    def _load(self, name: Any) -> None:
        if not super().__contains__(name):
            try:
                value = self.server.hget(self.key, name)
            except redis.RedisError as error:
                self._failed(error)
                return
            if value is not None:
                super().__setitem__(name, value.decode())

    def get(self, name: Any, default: Any = None) -> Any:
        self._load(name)
        return super().get(name, default)

    def __getitem__(self, name: Any) -> Any:
        self._load(name)
        return super().__getitem__(name)

    def __contains__(self, name: Any) -> bool:
        self._load(name)
        return super().__contains__(name)


class DistributedBlogSpider(BlogSpider):
    """The `blog` spider as a worker: platforms shared in Redis, no archive to read."""

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DistributedBlogSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        link = RedisLink.of(crawler)
        spider.platforms = RedisDict(link.server, run_key(link.run, "platforms"), link)
        return spider

    def _open_archive_view(self) -> None:
        return None  # full fetch: a worker has no archive (documented in the README)


class WorkerKeepAlive:
    """Keeps an idle worker open while the shared queue holds requests or another worker
    of the run was busy in the last `BLOGARCHIVE_REDIS_IDLE_SECONDS` (default 10)."""

    def __init__(self, crawler: Any, server: Any, run: str):
        self.crawler = crawler
        self.server = server
        self.key = run_key(run, "workers")
        self.queue_key = run_key(run, "requests")
        self.worker = worker_name()
        self.idle_seconds = crawler.settings.getfloat("BLOGARCHIVE_REDIS_IDLE_SECONDS", 10.0)
        self.last_beat = 0.0
        self.idle_since: float | None = None
        self.link = RedisLink.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WorkerKeepAlive:
        extension = cls(crawler, *redis_of(crawler))
        for signal in (signals.request_scheduled, signals.response_received, signals.item_scraped):
            crawler.signals.connect(extension.busy, signal=signal)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def busy(self, *args: Any, **kwargs: Any) -> None:
        self.idle_since = None
        now = time.time()
        if now - self.last_beat >= 1.0 and not self.link.lost:
            self.last_beat = now
            try:
                self.server.zadd(self.key, {self.worker: now})
            except redis.RedisError as error:
                self.link.fail(f"cannot reach Redis: {error}")

    def spider_idle(self, spider: Any = None) -> None:
        if self.link.lost:
            return  # stopping: nothing more can be shared
        now = time.time()
        try:
            self.server.zrem(self.key, self.worker)
            others = self.server.zcount(self.key, now - self.idle_seconds, "+inf")
            queued = self.server.zcard(self.queue_key)
        except redis.RedisError as error:
            self.link.fail(f"cannot reach Redis: {error}")
            return
        self.last_beat = 0.0
        if queued or others:
            self.idle_since = None
            self.crawler.stats.inc_value("blogarchive/redis/kept_alive")
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_seconds:
            raise DontCloseSpider

    def spider_closed(self, spider: Any = None) -> None:
        try:
            self.server.zrem(self.key, self.worker)
        except redis.RedisError as error:  # a heartbeat ages out by itself
            logger.warning("cannot withdraw this worker's heartbeat: %s", error)


class RedisCaptureMiddleware:
    """A worker's `WarcCaptureMiddleware`: every response as it came off the wire, with its
    request, pushed onto `blogarchive:items` as a `Capture` record for the ingester to write
    and index; its key goes into `request.meta["capture_key"]` so that the post stored from
    it is linked to it. Off with `BLOGARCHIVE_WARC_ENABLED = False`."""

    def __init__(self, crawler: Any, server: Any, run: str):
        self.stats = crawler.stats
        self.server = server
        self.run = run
        self.worker = worker_name()
        self.body_limit = crawler.settings.getint("DOWNLOAD_MAXSIZE") or None
        self.link = RedisLink.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisCaptureMiddleware:
        server, run = redis_of(crawler)
        if not crawler.settings.getbool("BLOGARCHIVE_WARC_ENABLED", True):
            raise NotConfigured("BLOGARCHIVE_WARC_ENABLED is off")
        return cls(crawler, server, run)

    def process_response(self, request: Any, response: Any) -> Any:
        request.meta.pop("capture_key", None)  # a redirect's new request inherits the old meta
        kept = exchange_of(request, response, self.body_limit)
        capture = PushedCapture(
            uuid.uuid4().hex,
            request.meta.get("source_url", ""),
            kept.exchange,
            kept.mime,
            kept.hints,
        )
        if not self.link.push(encode_capture(capture, self.run, self.worker)):
            self.stats.inc_value("blogarchive/warc/failed")  # the worker stops (RedisLink)
            return response
        request.meta["capture_key"] = capture.key
        self.stats.inc_value("blogarchive/redis/captures_pushed")
        return response


class RedisPushPipeline:
    """Pushes each archive item onto the Redis list `blogarchive:items` for the ingester,
    in place of `StorePipeline` (a worker never writes SQLite). Per source it also counts
    the responses and bytes, pushed once at the end as a `WorkerStats` record."""

    def __init__(self, crawler: Any, server: Any, run: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = server
        self.run = run
        self.worker = worker_name()
        self.traffic: dict[str, list[int]] = {}
        self.link = RedisLink.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisPushPipeline:
        pipeline = cls(crawler, *redis_of(crawler))
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def push(self, item: Any) -> None:
        if self.link.push(encode_item(item, self.run, self.worker)):
            self.stats.inc_value("blogarchive/redis/items_pushed")

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PostItem | FailureItem | PostStatusItem | SourceItem | PictureItem):
            self.push(item)
        return item

    def item_dropped(
        self, item: Any, response: Any, exception: BaseException, spider: Any = None
    ) -> None:
        if isinstance(item, PageItem):
            self.push(dropped_page_failure(item, exception))

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        source = request.meta.get("source_url", "")
        if source:
            counts = self.traffic.setdefault(source, [0, 0])
            counts[0] += 1
            counts[1] += len(response.body)

    def close_spider(self) -> None:
        for source, (requests, size) in self.traffic.items():
            if self.link.lost:
                break
            record = {"source_url": source, "requests": requests, "bytes": size}
            envelope = {"type": "WorkerStats", "run": self.run, "worker": self.worker}
            self.link.push(json.dumps({**envelope, "item": record}))
        self.link.check()


def finished_run(server: Any, run: str, idle_seconds: float, sources: list[str]) -> str | None:
    """Why a worker of run `run` would fetch nothing, when the run has finished: its
    fingerprints kept (for `BLOGARCHIVE_REDIS_RUN_TTL`), its queue empty, none of its
    workers busy in the last `idle_seconds`, every blog given already in it. None when the
    run is new, going on, or the worker brings a blog of its own."""
    fingerprints = run_key(run, "dupefilter")
    if not server.exists(fingerprints) or server.zcard(run_key(run, "requests")):
        return None
    if server.zcount(run_key(run, "workers"), time.time() - idle_seconds, "+inf"):
        return None
    known = server.hkeys(run_key(run, "platforms"))
    if not {source.encode() for source in sources} <= set(known):
        return None
    return (
        f"run {run} has finished: it fetched these blogs already and its fingerprints "
        "keep it from fetching them again; crawl them under a new --run name"
    )


def run_worker(
    sources: list[str], redis_url: str, run: str, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run one worker of run `run` until the shared crawl has nothing left; return its stats."""
    from scrapy.crawler import CrawlerProcess

    from pipeline.crawl import crawl_settings

    server = redis_client(redis_url)  # fail early and clearly
    settings = crawl_settings("", {**worker_settings(redis_url, run), **(overrides or {})})
    finished = finished_run(
        server, run, settings.getfloat("BLOGARCHIVE_REDIS_IDLE_SECONDS", 10.0), sources
    )
    if finished:
        raise DistributedError(finished)
    if "LOG_LEVEL" not in (overrides or {}):
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DistributedBlogSpider)
    process.crawl(crawler, urls=list(sources))
    process.start()
    return dict(crawler.stats.get_stats()) if crawler.stats else {}


# ------------------------------------------------------------------ the single writer


class _Counter:
    """The little of Scrapy's stats collector that `ItemWriter` uses."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def batch_digest(items: list[bytes]) -> str:
    """What identifies a batch of raw items, in the order they were taken."""
    digest = hashlib.sha256()
    for data in items:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class Ingester:
    """Pops items from Redis and writes them into the archive, the one writer.

    Reliable: items are moved (LMOVE) into the processing list, written in one transaction
    per batch, and removed from it only after the commit; a restarted ingester first puts the
    processing list back. Idempotent: a post written twice is stored once (`save_post` finds
    it unchanged). Keeps one `crawls` row per source per run (its id in the run's Redis hash
    `...:crawls`, so a restart continues the same row), updated after every batch.
    """

    def __init__(
        self,
        archive: Archive,
        server: Any,
        batch_size: int = 100,
        *,
        warc_dir: str | Path | None = None,
        gzip_level: int = DEFAULT_GZIP_LEVEL,
    ):
        self.archive = archive
        self.server = server
        self.batch_size = batch_size
        self.stats = _Counter()
        self.runs: dict[str, dict[str, SourceRun]] = {}
        self.writers: dict[str, ItemWriter] = {}
        self.items = 0
        self.warc_dir = Path(warc_dir) if warc_dir else archive.path.parent / "warc"
        self.gzip_level = gzip_level
        self.warc: RollingWarcWriter | None = None
        self.capture_ids: dict[str, int] = {}  # a worker's capture key -> `captures` id
        self.lease: str | None = None  # ours once `claim` took it
        self._renewed = 0.0
        self.redis_run_id: str | None = None  # changes when Redis restarts

    # -- the lease: one ingester at a time on a Redis (the items and processing lists are
    # shared: a second ingester's start would put the first one's batch back in the queue,
    # and the first one's commit would delete the second one's batch from the processing list)

    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end"
    )
    _RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end"
    )
    _TAKE_OVER = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) else return nil end"
    )

    def claim(self) -> None:
        """Take the ingester lease of this Redis, or raise `IngesterBusy` naming its holder.

        The lease lasts `INGESTER_LEASE_SECONDS` and is renewed with every batch; the lease of
        a killed ingester on this machine (its pid gone) is taken over at once, one on another
        machine when it expires."""
        lease = f"{worker_name()} {utcnow()}"
        self.redis_run_id = self._redis_run_id()
        if self.server.set(INGESTER_KEY, lease, nx=True, ex=INGESTER_LEASE_SECONDS):
            self.lease = lease
            return
        held = self.server.get(INGESTER_KEY)
        holder = held.decode("utf-8", "replace") if held else ""
        if (
            held
            and _dead_here(holder)
            and self.server.eval(
                self._TAKE_OVER, 1, INGESTER_KEY, held, lease, INGESTER_LEASE_SECONDS
            )
        ):
            self.lease = lease
            return
        raise IngesterBusy(
            f"another ingester is running on this Redis ({holder or 'its lease just ended'}); "
            f"a stopped one's lease ends within {INGESTER_LEASE_SECONDS} s"
        )

    def _renew(self, *, if_due: bool = False) -> None:
        """Extend the lease (`if_due`: only when a quarter of it has passed since the last
        time); `IngesterBusy` when it is no longer ours."""
        if self.lease is None:
            return
        now = time.monotonic()
        if if_due and now - self._renewed < INGESTER_LEASE_SECONDS / 4:
            return
        self._renewed = now
        if self.server.eval(self._RENEW, 1, INGESTER_KEY, self.lease, INGESTER_LEASE_SECONDS):
            return
        restarted = self._redis_run_id()
        if restarted != self.redis_run_id and self.server.set(
            INGESTER_KEY, self.lease, nx=True, ex=INGESTER_LEASE_SECONDS
        ):
            # Redis restarted without its data: the lease is gone, and so is the batch in
            # hand, of which this ingester holds the only copy; nobody else can have taken it
            self.redis_run_id = restarted
            logger.warning(
                "Redis restarted without its data while this ingester ran (its lease was gone): "
                "lease taken again; the items in hand are written, those Redis lost are not"
            )
            return
        self.lease = None
        raise IngesterBusy("this ingester's lease ran out and another ingester took over")

    def _redis_run_id(self) -> str | None:
        """Redis's `run_id`: a new one each time the server starts."""
        try:
            return str(self.server.info("server").get("run_id") or "") or None
        except redis.ResponseError:  # INFO refused (a renamed command): no restart detection
            return None

    def close(self, *, release_lease: bool = True) -> None:
        """Close the WARC file being written and give the lease up (the archive is the
        caller's). `release_lease=False` when Redis was lost: asking it again would wait its
        timeout a second time; the lease ends by itself (at once for a next ingester here)."""
        if self.warc is not None:
            self.warc.close()
            self.warc = None
        if self.lease is not None and release_lease:
            try:
                self.server.eval(self._RELEASE, 1, INGESTER_KEY, self.lease)
            except (redis.ConnectionError, redis.TimeoutError) as error:  # Redis is gone
                logger.info("cannot give the ingester lease up: %s", error)
            except Exception as error:  # noqa: BLE001 - it expires by itself
                logger.warning("cannot give the ingester lease up: %s", error)
            self.lease = None

    def _writer(self) -> RollingWarcWriter:
        if self.warc is None:  # its first file is made by its first record
            self.warc = RollingWarcWriter(
                self.warc_dir,
                prefix="blogarchive-ingest",
                info={"operator-software": "Scrapy, scrapy-redis", "robots": "obey"},
                gzip_level=self.gzip_level,
            )
        return self.warc

    def _mark_warc(self) -> tuple[int, int]:
        """Note, in Redis, where this ingester's WARC files stand before it takes a batch."""
        writer = self._writer()
        count, size = writer.mark()
        where = {
            "dir": str(writer.directory.resolve()),
            "names": writer.name_prefix,
            "files": [path.name for path in writer.files[:count]],
            "size": size,
        }
        self.server.set(INGESTER_WARC_KEY, json.dumps(where))
        return count, size

    def _cut_uncommitted_warc(self) -> None:
        """Remove what a killed ingester wrote into its WARC files for the batch it did not
        commit (records no `captures` row names; the batch is written again)."""
        data = self.server.get(INGESTER_WARC_KEY)
        if not data:
            return
        where = json.loads(data)
        directory, kept = Path(where["dir"]), set(where["files"])
        cut = 0
        for path in directory.glob(f"{where['names']}*.warc.gz"):
            if path.name not in kept:
                path.unlink(missing_ok=True)
                cut += 1
        if where["files"] and where["size"] >= 0:
            last = directory / where["files"][-1]
            if last.exists() and last.stat().st_size > where["size"]:
                os.truncate(last, where["size"])
                cut += 1
        if cut:
            logger.warning(
                "cut the WARC records of the interrupted ingest's uncommitted batch from %s",
                directory,
            )
        self.server.delete(INGESTER_WARC_KEY)

    def _store_capture(self, capture: PushedCapture) -> None:
        self._writer()
        try:
            capture_id, record_type = archive_exchange(
                self.warc, self.archive, capture.exchange, mime=capture.mime, hints=capture.hints
            )
        except (WarcError, OSError) as error:
            self.stats.inc_value("blogarchive/ingest/captures/failed")
            logger.error("%s: cannot write its WARC capture: %s", capture.exchange.url, error)
            return
        self.capture_ids[capture.key] = capture_id
        self.stats.inc_value(f"blogarchive/ingest/captures/{record_type}")

    def _link_capture(self, item: PostItem | PictureItem) -> None:
        """Give a post (a picture) the id of the capture its worker pushed before it; after a
        restart of the ingester (the key forgotten), the newest capture of its address."""
        if item.capture_id is not None or not item.capture_key:
            return
        item.capture_id = self.capture_ids.pop(item.capture_key, None)
        if item.capture_id is None:
            newest = self.archive.newest_capture(item.url)
            item.capture_id = newest["id"] if newest else None

    def recover(self) -> int:
        """Put items a killed ingester had taken but not committed back in the queue, in the
        order it took them (a capture before the post made from it). A batch it had committed
        (killed before it could delete it from Redis; `ingest_batches` knows its digest) is
        dropped instead: written again, each capture and failure would be there twice."""
        # the processing list holds the newest taken leftmost
        taken = list(reversed(self.server.lrange(PROCESSING_KEY, 0, -1)))
        if taken and self.archive.ingested_batch(batch_digest(taken)):
            self.server.delete(PROCESSING_KEY, INGESTER_WARC_KEY)
            self.stats.inc_value("blogarchive/ingest/committed_batch_dropped")
            logger.warning(
                "the %d items an interrupted ingest left in Redis were written before it "
                "stopped: not put back",
                len(taken),
            )
            return 0
        if taken:
            self._cut_uncommitted_warc()
        moved = 0
        # taken from the queue's right end and pushed on the processing list's left, so the
        # newest taken is leftmost: put back leftmost first, each at the right end, and the
        # first taken is again the first to be taken
        while self.server.lmove(PROCESSING_KEY, ITEMS_KEY, "LEFT", "RIGHT") is not None:
            moved += 1
        return moved

    def _run(self, run: str, source_url: str) -> SourceRun:
        runs = self.runs.setdefault(run, {})
        if source_url not in runs:
            source_id = self.archive.add_source(source_url)
            key = run_key(run, "crawls")
            crawl_id = self.server.hget(key, source_url)
            row = None
            if crawl_id is not None:
                cursor = self.archive.db.execute(
                    "SELECT * FROM crawls WHERE id = ?", [int(crawl_id)]
                )
                found = cursor.fetchone()
                if found is not None:
                    row = dict(zip([d[0] for d in cursor.description], found, strict=True))
            if row is None:
                started = utcnow()
                crawl_id = self.archive.start_crawl(source_id, started)
                self.server.hset(key, source_url, crawl_id)
                runs[source_url] = SourceRun(source_id, int(crawl_id), started)
            else:
                run_state = SourceRun(source_id, int(crawl_id), row["started"])
                for name in run_state.counts():
                    setattr(run_state, name, row.get(name) or 0)
                runs[source_url] = run_state
        return runs[source_url]

    def _write(self, run: str, item: Any) -> str | None:
        """Write one item; return the source whose `crawls` row it counts in, if any."""
        if isinstance(item, PushedCapture):
            self._store_capture(item)
            return None
        if isinstance(item, PostItem | PictureItem):
            self._link_capture(item)
        source_run = self._run(
            run, item["source_url"] if isinstance(item, dict) else item.source_url
        )
        if isinstance(item, dict):  # WorkerStats: responses and bytes of one worker
            source_run.requests += int(item.get("requests") or 0)
            source_run.bytes += int(item.get("bytes") or 0)
            return item["source_url"]
        if run not in self.writers:
            self.writers[run] = ItemWriter(self.archive, self.runs[run], self.stats)
        self.writers[run].write(item)
        return item.source_url

    def ingest_batch(self, block: float = 0) -> int:
        """Take up to `batch_size` items, write them in one transaction; return how many."""
        self._renew()  # before anything is taken: a lost lease takes nothing
        warc_mark = self._mark_warc()
        raw: list[bytes] = []
        if block > 0:
            first = self.server.blmove(ITEMS_KEY, PROCESSING_KEY, block, "RIGHT", "LEFT")
            if first is None:
                return 0
            raw.append(first)
        while len(raw) < self.batch_size:
            data = self.server.lmove(ITEMS_KEY, PROCESSING_KEY, "RIGHT", "LEFT")
            if data is None:
                break
            raw.append(data)
        if not raw:
            return 0
        touched: set[tuple[str, str]] = set()
        try:
            self._write_batch(raw, touched)
        except BaseException:
            # rolled back (Redis lost, Ctrl-C, a full disk): the batch's WARC records go too,
            # or the next ingest would leave them in the files unindexed beside its own
            if self.warc is not None:
                self.warc.rewind(warc_mark)
            raise
        self.server.delete(PROCESSING_KEY)  # committed: the batch is done
        self.items += len(raw)
        return len(raw)

    def _write_batch(self, raw: list[bytes], touched: set[tuple[str, str]]) -> None:
        with self.archive.transaction():
            for data in raw:
                self._renew(if_due=True)  # a batch of large captures may take a while
                try:
                    run, item = decode_item(data)
                except DistributedError as error:
                    logger.error("skipping an item: %s", error)
                    self.stats.inc_value("blogarchive/ingest/undecodable")
                    continue
                source = self._write(run, item)
                if source is not None:
                    touched.add((run, source))
            for run, source in touched:
                state = self.runs[run][source]
                status, message = finished_status(state)
                self.archive.finish_crawl(
                    state.crawl_id, status=status, message=message, **state.counts()
                )
            self.archive.record_ingested_batch(batch_digest(raw), len(raw))
            self._renew()  # still the one ingester: commit (raising here rolls back)

    def drain(self) -> int:
        """Ingest until the queue is empty (`--once`); return the number of items."""
        total = 0
        while count := self.ingest_batch():
            total += count
        return total

    def forever(self, poll: float = 1.0) -> None:
        """Ingest as items arrive, until interrupted."""
        while True:
            self.ingest_batch(block=poll)
