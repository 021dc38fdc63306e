"""Run a crawl of some sources in this process and report per-source outcomes.

Used by `blogarchive crawl`; `scrapy crawl blog` runs the same spider and pipelines.
"""

from __future__ import annotations

import configparser
import contextlib
import logging
import math
import signal
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from pipeline.pipelines import WRITE_ERROR_STAT
from pipeline.spiders.blog import BlogSpider
from pipeline.store import Archive, ArchiveError

logger = logging.getLogger(__name__)


class SettingError(ValueError):
    """A `-s NAME=VALUE` override that is not of that form."""


class CrawlNotStarted(RuntimeError):
    """The crawl could not be set up (a component failed before the spider opened): the
    message says why in one line; the traceback is in the log file."""


def not_started_reason(error: BaseException) -> str:
    """One line saying why the crawl could not start. A scrapy.cfg that cannot be parsed
    (Scrapy's HTTP cache reads it for its folder) is named, with its line."""
    if isinstance(error, configparser.Error):
        source = getattr(error, "source", None) or "scrapy.cfg"
        line = getattr(error, "lineno", None)
        if line is None and getattr(error, "errors", None):
            line = error.errors[0][0]
        where = f" (line {line})" if line else ""
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return f"cannot read {source}{where}: {first}"
    return " ".join(f"{type(error).__name__}: {error}".split())


@dataclass
class SourceSummary:
    url: str
    status: str
    found: int
    new: int
    changed: int
    unchanged: int
    failed: int
    message: str | None
    not_modified: int = 0
    gone: int = 0

    @property
    def ok(self) -> bool:
        return self.status not in ("failed", "running")

    def line(self) -> str:
        text = (
            f"{self.url}: {self.status}, {self.found} posts found, {self.new} new, "
            f"{self.changed} updated, {self.unchanged + self.not_modified} unchanged, "
            f"{self.gone} gone, {self.failed} failed"
        )
        return f"{text} ({self.message})" if self.message else text


def parse_overrides(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SettingError(f"bad -s {pair}: expected NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


#: blogarchive settings that components read without a default in pipeline/settings.py
UNLISTED_SETTINGS = frozenset(
    {
        "BLOGARCHIVE_EXTRACT_FUNCTION",
        "BLOGARCHIVE_REDIS_RUN",
        "BLOGARCHIVE_RUN_LOCK_HELD",
    }
)
#: settings with a whole-number default that are read as seconds (getfloat): 2.5 is fine
FRACTIONAL_SECONDS = frozenset({"DOWNLOAD_TIMEOUT", "DNS_TIMEOUT"})
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def check_overrides(overrides: dict[str, str]) -> list[str]:
    """Refuse (SettingError) an override its setting cannot take, before the crawl starts
    (Scrapy would fail inside the reactor with a traceback and no crawl): a number for a
    numeric setting (a whole number where it is read as one: its default is whole and it is
    no timeout), a true/false value for a flag, a log level for LOG_LEVEL, a worker count or
    `auto` for BLOGARCHIVE_EXTRACT_WORKERS, and an unknown `BLOGARCHIVE_*` name (a typo).
    Returns warnings for other names neither Scrapy nor blogarchive define (a plugin's may)."""
    defaults = Settings()
    defaults.setmodule("pipeline.settings", priority="project")
    warnings = []
    for name, value in overrides.items():
        if name not in defaults:
            if name.startswith("BLOGARCHIVE_") and name not in UNLISTED_SETTINGS:
                raise SettingError(f"unknown setting -s {name} (a typo? see the README's list)")
            if name not in UNLISTED_SETTINGS:
                warnings.append(f"-s {name} is not a Scrapy or blogarchive setting; passed on")
            continue
        default = defaults.get(name)
        expected = None
        if isinstance(default, bool):
            try:
                Settings({name: value}).getbool(name)
            except ValueError:
                expected = "True or False (also 1/0, true/false)"
        elif isinstance(default, int | float):
            try:
                number = float(value)
            except ValueError:
                expected = "a number"
            else:
                if not math.isfinite(number):
                    expected = "a finite number"
                elif number < 0 and name.startswith("BLOGARCHIVE_"):
                    expected = "a number of 0 or more"
                if isinstance(default, int) and name not in FRACTIONAL_SECONDS:
                    try:
                        int(value)
                    except ValueError:
                        expected = "a whole number"
        if name == "LOG_LEVEL" and str(value).upper() not in LOG_LEVELS:
            expected = "one of " + ", ".join(LOG_LEVELS)
        if name == "BLOGARCHIVE_EXTRACT_WORKERS" and not (
            value == "auto" or (value.isdigit() and value.isascii())
        ):
            expected = "auto or a number of processes (0: extract in the crawler's process)"
        if expected:
            raise SettingError(f"bad -s {name}={value}: expected {expected}")
    return warnings


def crawl_settings(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("pipeline.settings", priority="project")
    settings.set("BLOGARCHIVE_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


class StopSignals:
    """SIGINT and SIGTERM during `run_crawl`, as Scrapy handles them, from the start on: the
    first stops the crawl gracefully (requests in flight end, what was fetched is stored),
    a second stops it at once. One that comes before the reactor runs (while Scrapy builds
    the crawler) stops the crawl as soon as it starts instead of being lost (Scrapy installs
    its handlers only once the reactor runs, and an exception raised inside its start-up is
    swallowed)."""

    def __init__(self, process: CrawlerProcess):
        self.process = process
        self.received: list[int] = []
        self.running = False
        self.stopping = False
        self.killed = False
        self.previous: dict[int, Any] = {}

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, frame: Any) -> None:
        self.received.append(signum)
        if self.running:
            from twisted.internet import reactor

            reactor.callFromThread(self._act)

    def started(self) -> None:
        """The reactor runs: act on what came before."""
        self.running = True
        if self.received:
            self._act()

    def _act(self) -> None:
        from twisted.internet import reactor

        name = signal.Signals(self.received[-1]).name
        if len(self.received) >= 2 and not self.killed:
            self.killed = True
            logger.info("Received %s again, stopping at once", name)
            with contextlib.suppress(RuntimeError):
                reactor.stop()
        elif not self.stopping:
            self.stopping = True
            logger.info("Received %s, shutting down gracefully. Send again to stop at once", name)
            self.process.stop()


#: the message of a run stopped before its pipelines could record its end
STOPPED_AT_ONCE = "stopped at once; what was not yet stored is fetched by the next run"
ENDED_EARLY = "the crawl ended before its end was recorded (see the log)"


def run_crawl(
    sources: list[str], db_path: str | Path, overrides: dict[str, Any] | None = None
) -> list[SourceSummary]:
    """Crawl the given source URLs into the archive at `db_path` (blocking) and return
    one summary per source, read back from the `crawls` rows this run wrote.

    A run stopped before its pipelines closed (a second Ctrl-C or SIGTERM, or one during
    the crawl's start-up) leaves its `crawls` rows `running`, with the counts of its last
    committed batch: they are marked `interrupted` here (`failed` if no signal came)."""
    with Archive(db_path) as archive:
        last_crawl = max((row["id"] for row in archive.crawls(limit=1)), default=0)
    settings = crawl_settings(db_path, overrides)
    if "LOG_LEVEL" not in (overrides or {}):
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")  # the summary lines say the rest
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BlogSpider)
    stop = StopSignals(process)
    stop.install()
    not_started: list[Any] = []  # the crawl's setting-up failure (a Failure), if any
    try:
        # consumed here: unhandled, Twisted printed "Unhandled error in Deferred" and its
        # traceback on stderr
        process.crawl(crawler, urls=list(sources)).addErrback(not_started.append)
        if stop.received:  # before anything was crawled
            raise KeyboardInterrupt
        from twisted.internet import reactor

        reactor.callWhenRunning(stop.started)
        process.start(install_signal_handlers=False)
    finally:
        stop.restore()
    write_error = crawler.stats.get_value(WRITE_ERROR_STAT) if crawler.stats else None
    with Archive(db_path) as archive:
        rows = [row for row in archive.crawls() if row["id"] > last_crawl]
        for row in rows:
            if row["status"] == "running":
                stopped = bool(stop.received)
                row["status"] = "interrupted" if stopped else "failed"
                row["message"] = STOPPED_AT_ONCE if stopped else write_error or ENDED_EARLY
                try:
                    archive.finish_crawl(row["id"], status=row["status"], message=row["message"])
                except (ArchiveError, sqlite3.Error) as error:  # a full disk: the next run
                    # marks the row aborted; the summary says what happened
                    logger.warning("cannot record the end of crawl %s: %s", row["id"], error)
    summaries = [
        SourceSummary(
            url=row["source_url"],
            status=row["status"],
            found=row["found"],
            new=row["new"],
            changed=row["changed"],
            unchanged=row["unchanged"],
            failed=row["failed"],
            message=row["message"],
            not_modified=row.get("not_modified") or 0,
            gone=row.get("gone") or 0,
        )
        for row in sorted(rows, key=lambda r: r["id"])
    ]
    if not_started and not rows:
        error = not_started[0].value
        logger.info("the crawl could not start", exc_info=(type(error), error, error.__traceback__))
        raise CrawlNotStarted(not_started_reason(error)) from error
    for failure in not_started:  # after the runs were recorded: the summaries say the rest
        logger.error("the crawl failed: %s", not_started_reason(failure.value))
    reported = {s.url for s in summaries}
    for url in sources:
        if url not in reported:  # the crawl never opened (e.g. a bad setting)
            reason = f"crawl did not run: {write_error}" if write_error else "crawl did not run"
            summaries.append(SourceSummary(url, "failed", 0, 0, 0, 0, 0, reason))
    return summaries
