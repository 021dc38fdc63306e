"""Scrapy extensions of blogarchive.

`ProgressExtension` draws a live progress line per source on the terminal while a crawl runs:

    https://example.blogspot.com/ [########------------]  found 212, fetched 90, archived 84

`found` counts the pages of the source the crawl has queued (listings and posts), `fetched`
the responses received, `archived` the posts stored; `unchanged` (304 answers and posts a
listing showed unchanged) and `failed` appear once they are not zero. The lines are redrawn in
place on stderr every `BLOGARCHIVE_PROGRESS_INTERVAL` seconds and once more at the end.

It is off (`NotConfigured`) when stderr is not a terminal (cron, pipes, tests), when
`BLOGARCHIVE_PROGRESS=False`, and when Scrapy's own log is written to the terminal
(`scrapy crawl`, or `blogarchive crawl -s LOG_LEVEL=...`), whose lines would tear it.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from pipeline.items import FailureItem, PostItem, PostStatusItem

BAR_WIDTH = 20


class SourceProgress:
    __slots__ = ("found", "fetched", "archived", "unchanged", "failed")

    def __init__(self) -> None:
        self.found = self.fetched = self.archived = self.unchanged = self.failed = 0

    def line(self, url: str) -> str:
        done = min(self.fetched / self.found, 1.0) if self.found else 0.0
        filled = round(done * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        text = (
            f"{url} [{bar}]  found {self.found}, fetched {self.fetched}, archived {self.archived}"
        )
        if self.unchanged:
            text += f", unchanged {self.unchanged}"
        if self.failed:
            text += f", failed {self.failed}"
        return text


class ProgressExtension:
    """A live progress line per source on a terminal (see the module's docstring)."""

    def __init__(self, crawler: Any, stream: TextIO, interval: float):
        self.crawler = crawler
        self.stream = stream
        self.interval = interval
        self.sources: dict[str, SourceProgress] = {}
        self.drawn = 0  # lines drawn last time, to move back over them
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        settings = crawler.settings
        if not settings.getbool("BLOGARCHIVE_PROGRESS", True):
            raise NotConfigured  # no reason given: Scrapy would log one as a warning
        stream = sys.stderr
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        if not tty:
            raise NotConfigured  # stderr is not a terminal (cron, a pipe): nothing to draw on
        if settings.getbool("LOG_ENABLED") and not settings.get("LOG_FILE"):
            raise NotConfigured  # Scrapy's log is written to the terminal: it would mix
        extension = cls(crawler, stream, settings.getfloat("BLOGARCHIVE_PROGRESS_INTERVAL", 0.5))
        connect = crawler.signals.connect
        connect(extension.spider_opened, signal=signals.spider_opened)
        connect(extension.spider_closed, signal=signals.spider_closed)
        connect(extension.request_scheduled, signal=signals.request_scheduled)
        connect(extension.request_dropped, signal=signals.request_dropped)
        connect(extension.response_received, signal=signals.response_received)
        connect(extension.item_scraped, signal=signals.item_scraped)
        connect(extension.item_dropped, signal=signals.item_dropped)
        return extension

    def _source(self, url: str | None) -> SourceProgress | None:
        if not url:
            return None
        progress = self.sources.get(url)
        if progress is None:
            progress = self.sources[url] = SourceProgress()
        return progress

    # -- signals

    def spider_opened(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        for url in getattr(spider, "sources", []):
            self._source(url)
        self.loop = task.LoopingCall(self.draw)
        self.loop.start(self.interval, now=True)

    def spider_closed(self, spider: Any = None, reason: str = "") -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.draw()

    def request_scheduled(self, request: Any, spider: Any = None) -> None:
        progress = self._source(request.meta.get("source_url"))
        if progress:
            progress.found += 1

    def request_dropped(self, request: Any, spider: Any = None) -> None:
        progress = self._source(request.meta.get("source_url"))
        if progress and progress.found:
            progress.found -= 1  # a duplicate the scheduler refused

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        progress = self._source(request.meta.get("source_url"))
        if progress:
            progress.fetched += 1

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        progress = self._source(getattr(item, "source_url", None))
        if progress is None:
            return
        if isinstance(item, PostItem):
            progress.archived += 1
        elif isinstance(item, PostStatusItem) and item.status in ("not_modified", "listed"):
            progress.unchanged += 1
        elif isinstance(item, FailureItem):
            progress.failed += 1

    def item_dropped(self, item: Any, response: Any = None, exception: Any = None) -> None:
        progress = self._source(getattr(item, "source_url", None))
        if progress is not None:
            progress.failed += 1  # a page extraction could not read

    # -- drawing

    def columns(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        return columns or shutil.get_terminal_size((100, 24)).columns

    def draw(self) -> None:
        width = max(self.columns() - 1, 20)  # a wrapped line would break the redraw
        out = []
        if self.drawn:
            out.append(f"\x1b[{self.drawn}F")  # back to the first line drawn last time
        for url, progress in self.sources.items():
            out.append("\x1b[2K" + progress.line(url)[:width] + "\n")
        self.drawn = len(self.sources)
        try:
            self.stream.write("".join(out))
            self.stream.flush()
        except (OSError, ValueError):
            pass
