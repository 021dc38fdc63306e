"""Item pipelines: extract each fetched page, then store it.

`ExtractPipeline` turns a `PageItem` into a `PostItem` (or drops it with the reason);
`StorePipeline` is the one writer into the archive: posts, failures, and one `crawls` row
per source per run with its counts.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from pipeline.extraction import ExtractionError, extract_post
from pipeline.items import FailureItem, PageItem, PostItem, SourceItem
from pipeline.store import Archive, ArchiveError

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Runs extraction (trafilatura plus platform cleaning) on every fetched post page."""

    def __init__(self, stats: Any):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        if not crawler.settings.getbool("BLOGARCHIVE_EXTRACT_ENABLED", True):
            raise NotConfigured("BLOGARCHIVE_EXTRACT_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        try:
            record = extract_post(item.body, item.url, hints=item.hints, encoding=item.encoding)
        except ExtractionError as error:
            self.stats.inc_value("blogarchive/extract/failed")
            raise DropItem(f"extraction failed: {error}") from error
        except Exception as error:  # noqa: BLE001 - a crash on one page must not stop the crawl
            self.stats.inc_value("blogarchive/extract/crashed")
            raise DropItem(f"extraction crashed: {type(error).__name__}: {error}") from error
        self.stats.inc_value("blogarchive/extract/ok")
        return PostItem(
            url=item.url,
            source_url=item.source_url,
            record=record.to_dict(),
            fetched_at=item.fetched_at,
        )


@dataclass
class SourceRun:
    """The counts of one source in one run, written to its `crawls` row at the end."""

    source_id: int
    crawl_id: int
    requests: int = 0
    bytes: int = 0
    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    fatal: str | None = None

    def counts(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "bytes": self.bytes,
            "found": self.found,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


class StorePipeline:
    """Writes posts, comments, failures and crawl history into the SQLite archive."""

    def __init__(self, crawler: Any, db_path: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.archive: Archive | None = None
        self.runs: dict[str, SourceRun] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        db_path = crawler.settings.get("BLOGARCHIVE_DB")
        if not db_path:
            raise NotConfigured("BLOGARCHIVE_DB is not set")
        pipeline = cls(crawler, db_path)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path)
        for source_url in getattr(self.crawler.spider, "sources", []):
            source_id = self.archive.add_source(source_url)
            self.runs[source_url] = SourceRun(source_id, self.archive.start_crawl(source_id))
        logger.info("archiving into %s", self.db_path)

    def close_spider(self) -> None:
        assert self.archive is not None
        reason = self.stats.get_value("finish_reason") or ""
        for source_url, run in self.runs.items():
            if not run.fatal and run.found == 0:
                run.fatal = "no posts found: not a blog, or its feeds and sitemaps list none"
                self._failure(source_url, source_url, "discover", run.fatal)
            if run.fatal:
                status = "failed"
            elif reason == "shutdown":
                status = "interrupted"
            else:
                status = "partial" if run.failed else "ok"
            self.archive.finish_crawl(
                run.crawl_id, status=status, message=run.fatal, **run.counts()
            )
        self.archive.close()

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        run = self.runs.get(request.meta.get("source_url", ""))
        if run:
            run.requests += 1
            run.bytes += len(response.body)

    def item_dropped(
        self, item: Any, response: Any, exception: BaseException, spider: Any = None
    ) -> None:
        if isinstance(item, PageItem | PostItem):
            stage = "extract" if isinstance(item, PageItem) else "store"
            self._failure(item.url, item.source_url, stage, str(exception))

    def process_item(self, item: Any) -> Any:
        assert self.archive is not None
        if isinstance(item, PostItem):
            return self._store_post(item)
        if isinstance(item, FailureItem):
            self._failure(item.url, item.source_url, item.stage, item.error, fatal=item.fatal)
        elif isinstance(item, SourceItem):
            run = self.runs.get(item.source_url)
            if run:
                self.archive.update_source(run.source_id, platform=item.platform, title=item.title)
        return item

    def _store_post(self, item: PostItem) -> PostItem:
        assert self.archive is not None
        run = self.runs.get(item.source_url)
        try:
            result = self.archive.save_post(
                item.record,
                source_id=run.source_id if run else None,
                seen_at=item.fetched_at or None,
            )
        except (ArchiveError, sqlite3.Error) as error:
            self.stats.inc_value("blogarchive/store/failed")
            raise DropItem(f"cannot store: {error}") from error
        self.stats.inc_value(f"blogarchive/posts/{result.outcome}")
        if run:
            run.found += 1
            setattr(run, result.outcome, getattr(run, result.outcome) + 1)
        return item

    def _failure(
        self, url: str, source_url: str, stage: str, error: str, *, fatal: bool = False
    ) -> None:
        assert self.archive is not None
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
