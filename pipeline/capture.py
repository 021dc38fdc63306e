"""`WarcCaptureMiddleware`: every response the crawl receives, kept as WARC records.

A downloader middleware placed next to the downloader (priority 950, above Scrapy's own), so it
sees each response as it came off the wire, before redirects are followed, retries made or
bodies decompressed: post pages, feeds, sitemaps, robots.txt, API answers, redirects, 304s and
errors alike. Each is written with its request by `pipeline.warc.RollingWarcWriter` into one
gzip WARC file per run (`blogarchive-<start time>-00001.warc.gz`, rolled over at
`BLOGARCHIVE_WARC_MAX_SIZE`) in `BLOGARCHIVE_WARC_DIR` (default: `warc/` beside the
database), and indexed in the `captures` table in a short transaction of its own. A payload
whose digest equals the URL's last capture, or a 304 answer, becomes a `revisit` record.

The capture's id is put in `request.meta["capture_id"]`, so the spider can link the post
version it stores to the capture it came from.

Settings: `BLOGARCHIVE_WARC_ENABLED` (default True; False raises NotConfigured),
`BLOGARCHIVE_WARC_DIR`, `BLOGARCHIVE_WARC_MAX_SIZE` (default 1 GB), `BLOGARCHIVE_WARC_GZIP_LEVEL`
(default 6, zlib's and Heritrix's; warcio's own is 9). Stats under
`blogarchive/warc/...`.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro

from pipeline.middlewares import FetchRefused
from pipeline.store import Archive, ArchiveError
from pipeline.warc import (
    DEFAULT_GZIP_LEVEL,
    DEFAULT_MAX_SIZE,
    Exchange,
    Original,
    RollingWarcWriter,
    WarcError,
    decode_body,
    payload_headers,
    read_record,
    warc_date,
)

logger = logging.getLogger(__name__)

#: the stat holding the first capture that could not be written (the crawl stops on it)
WARC_ERROR_STAT = "blogarchive/warc/error"


def default_warc_dir(db_path: str | Path) -> Path:
    """`warc/` beside the database file: `archive/warc/` for `archive/archive.db`."""
    return Path(db_path).parent / "warc"


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _header_list(headers: Any) -> list[tuple[str, str]]:
    return [(_text(name), _text(value)) for name, values in headers.items() for value in values]


class WarcCaptureMiddleware:
    """Writes every response with its request as WARC records and indexes them in `captures`."""

    def __init__(self, crawler: Any, db_path: str, warc_dir: Path, max_size: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.warc_dir = warc_dir
        self.max_size = max_size
        self.body_limit = crawler.settings.getint("DOWNLOAD_MAXSIZE") or None
        self.gzip_level = crawler.settings.getint("BLOGARCHIVE_WARC_GZIP_LEVEL", DEFAULT_GZIP_LEVEL)
        self.started = datetime.now(UTC)
        self.writer: RollingWarcWriter | None = None
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("BLOGARCHIVE_WARC_ENABLED", True):
            raise NotConfigured("BLOGARCHIVE_WARC_ENABLED is off")
        db_path = settings.get("BLOGARCHIVE_DB")
        if not db_path:
            raise NotConfigured("BLOGARCHIVE_DB is not set")
        warc_dir = Path(settings.get("BLOGARCHIVE_WARC_DIR") or default_warc_dir(db_path))
        max_size = settings.getint("BLOGARCHIVE_WARC_MAX_SIZE", DEFAULT_MAX_SIZE)
        middleware = cls(crawler, db_path, warc_dir, max_size)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _open(self) -> tuple[RollingWarcWriter, Archive]:
        if self.archive is None:
            self.archive = Archive(self.db_path)
            # WAL: a power cut may lose the last captures rows, never corrupt the file.
            self.archive.db.execute("PRAGMA synchronous = NORMAL")
        if self.writer is None:
            self.writer = RollingWarcWriter(
                self.warc_dir,
                max_size=self.max_size,
                started=self.started,
                info={"operator-software": "Scrapy", "robots": "obey"},
                gzip_level=self.gzip_level,
            )
        return self.writer, self.archive

    def process_response(self, request: Request, response: Response) -> Response:
        request.meta.pop("capture_id", None)  # a redirect's new request inherits the old meta
        try:
            capture_id = self._capture(request, response)
        except (WarcError, ArchiveError, sqlite3.Error, OSError) as error:
            self._failed(response.url, error)
        request.meta["capture_id"] = capture_id
        return response

    def _failed(self, url: str, error: Exception) -> None:
        """A capture that cannot be written (a full disk, a WARC folder made read-only): the
        page is not archived without it (recorded in `failures`, fetched again by the next
        run) and the crawl stops, its runs `failed` with this error (`StorePipeline`)."""
        self.stats.inc_value("blogarchive/warc/failed")
        if self.stats.get_value(WARC_ERROR_STAT) is None:
            self.stats.set_value(WARC_ERROR_STAT, f"cannot write WARC captures: {error}")
            logger.error("%s: cannot write its WARC capture: %s; the crawl stops", url, error)
            engine = self.crawler.engine
            if engine is not None and engine.spider is not None:
                deferred_from_coro(engine.close_spider_async(reason="warc_write_failed"))
        else:  # the responses still in flight: in the log file only
            logger.warning("%s: cannot write its WARC capture: %s", url, error)
        raise FetchRefused(f"not archived: its WARC capture could not be written: {error}")

    def _capture(self, request: Request, response: Response) -> int:
        writer, archive = self._open()
        kept = exchange_of(request, response, self.body_limit)
        if not kept.decoded:
            self.stats.inc_value("blogarchive/warc/undecoded")
        capture_id, record_type = archive_exchange(
            writer, archive, kept.exchange, mime=kept.mime, hints=kept.hints
        )
        self.stats.inc_value(
            "blogarchive/warc/revisits"
            if record_type == "revisit"
            else "blogarchive/warc/responses"
        )
        return capture_id

    def spider_closed(self, spider: Any = None) -> None:
        if self.writer is not None:
            try:
                self.writer.close()
            except OSError as error:  # its last records could not be written (a full disk)
                logger.warning("cannot close %s: %s", self.writer.current, error)
            self.stats.set_value("blogarchive/warc/files", len(self.writer.files))
            self.stats.set_value(
                "blogarchive/warc/bytes",
                sum(path.stat().st_size for path in self.writer.files if path.exists()),
            )
            self.writer = None
        if self.archive is not None:
            self.archive.close()
            self.archive = None


# ------------------------------------------------------------------ shared with the ingester


class KeptExchange(NamedTuple):
    """What is kept of a response: the exchange to write, its MIME type, its request's
    discovery hints, and whether a compressed body was kept decompressed."""

    exchange: Exchange
    mime: str | None
    hints: dict[str, Any] | None
    decoded: bool


def exchange_of(
    request: Request, response: Response, body_limit: int | None = None
) -> KeptExchange:
    """The exchange to keep for a response as it came off the wire (its body decompressed
    when the limit allows; otherwise kept as sent, with its Content-Encoding), its MIME type
    and the discovery hints of its request."""
    headers = _header_list(response.headers)
    body = response.body
    decoded = True
    encodings = [_text(v) for v in response.headers.getlist("Content-Encoding")]
    if encodings and body:
        plain = decode_body(body, ",".join(encodings).split(","), body_limit)
        if plain is None:
            decoded = False  # kept as it came, with its Content-Encoding header
        else:
            body = plain
    exchange = Exchange(
        url=response.url,
        status=response.status,
        response_headers=payload_headers(headers, len(body), decoded=decoded),
        body=body,
        method=request.method,
        request_headers=_header_list(request.headers),
        protocol=getattr(response, "protocol", None) or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
        date=warc_date(),
    )
    mime = _text(response.headers.get("Content-Type") or b"").split(";")[0].strip().lower() or None
    hints = request.cb_kwargs.get("hints") if isinstance(request.cb_kwargs, dict) else None
    return KeptExchange(exchange, mime, hints if isinstance(hints, dict) else None, decoded)


def validated_original(
    archive: Archive, exchange: Exchange, *, lookback: int = 20
) -> dict[str, Any] | None:
    """For a `304 Not Modified`: the capture holding the page whose validators the request
    sent (its `ETag` as `If-None-Match`, or its `Last-Modified` as `If-Modified-Since`),
    among the URL's last `lookback` captures; None when none matches. The URL's newest
    capture may be another page: one the crawl refused (a "Page not found" answered with
    200) after the page it keeps."""
    sent = {name.lower(): value.strip() for name, value in exchange.request_headers}
    etag, since = sent.get("if-none-match"), sent.get("if-modified-since")
    if not etag and not since:
        return None
    candidates = list(
        archive.db.query(
            "SELECT * FROM captures WHERE url = ? AND status IN (200, 304) "
            "ORDER BY id DESC LIMIT ?",
            [exchange.url, lookback],
        )
    )
    for capture in candidates:
        try:
            record = read_record(
                archive.capture_path(capture),
                int(capture["offset"]),
                int(capture["length"]),
                payload=False,
            )
        except WarcError:
            continue
        matches = (etag and (record.header("ETag") or "").strip() == etag) or (
            since and not etag and (record.header("Last-Modified") or "").strip() == since
        )
        if matches:
            return archive.original_capture(capture["id"])
    return None


def archive_exchange(
    writer: RollingWarcWriter,
    archive: Archive,
    exchange: Exchange,
    *,
    mime: str | None = None,
    hints: dict[str, Any] | None = None,
) -> tuple[int, str]:
    """Write an exchange as WARC records and index it in `captures`: a `revisit` record when
    it answered 304 or repeats the payload of the URL's last capture, else a `response`.
    Returns the capture's id and its record type. Used by the crawl's middleware and by the
    distributed ingester (`pipeline/distributed.py`) alike."""
    newest = archive.newest_capture(exchange.url)
    original = archive.original_capture(newest["id"]) if newest else None
    if exchange.status == 304:
        original = validated_original(archive, exchange) or original
    digest = exchange.digest
    if original is not None and (
        exchange.status == 304
        or (original["digest"] == digest and original["status"] == exchange.status)
    ):
        written = writer.write_revisit(
            exchange,
            Original(original["url"], original["fetched_at"], original["record_id"]),
            digest=original["digest"],
        )
        refers_to = original["id"]
        mime = mime or original["mime"]
    else:
        written = writer.write_response(exchange)
        refers_to = None
    try:
        warc_file = str(written.warc_file.resolve().relative_to(archive.path.resolve().parent))
    except ValueError:
        warc_file = str(written.warc_file.resolve())
    capture_id = archive.record_capture(
        url=exchange.url,
        warc_file=warc_file,
        offset=written.offset,
        length=written.length,
        digest=written.digest,
        status=exchange.status,
        mime=mime,
        fetched_at=written.date,
        record_type=written.record_type,
        refers_to=refers_to,
        record_id=written.record_id,
        hints=hints,
    )
    return capture_id, written.record_type
