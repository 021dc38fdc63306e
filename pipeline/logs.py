"""Logging of `blogarchive crawl`: a rotating log file beside the database, quiet terminals.

- The log file is `<database folder>/logs/blogarchive.log` (`archive/logs/blogarchive.log` for
  the default archive), rotated by size: `BLOGARCHIVE_LOG_MAX_BYTES` per file and
  `BLOGARCHIVE_LOG_BACKUPS` old files (`blogarchive.log.1` is the newest of them). Scrapy's log
  and ours go there at INFO, each line with the time and the process id.
- On stderr only errors; stdout carries the summary lines, nothing else. Under cron (stderr is
  not a terminal) that is all a run prints; on a terminal `ProgressExtension` adds a live
  progress line per source.

Imports neither Scrapy nor click.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_BACKUPS = 5
LOG_NAME = "blogarchive.log"
FILE_FORMAT = "%(asctime)s [%(process)d] %(name)s %(levelname)s: %(message)s"
STDERR_FORMAT = "blogarchive: %(levelname)s: %(message)s"

logger = logging.getLogger("blogarchive")

#: `extra` for a record whose message the command also prints itself (click's "Error: ..."):
#: it goes to the log file, not to stderr a second time
PRINTED = {"printed": True}


class OneLineFormatter(logging.Formatter):
    """A record as one line: an exception as its type and message, without the traceback
    (Scrapy logs a download error with the whole Twisted chain; the log file keeps it)."""

    def format(self, record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        plain = logging.makeLogRecord(
            {**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None}
        )
        text = super().format(plain)
        reason = str(error).strip().splitlines()[:1] if error is not None else []
        if error is not None and not (reason and reason[0] in text):
            text += f": {type(error).__name__}" + (f": {reason[0]}" if reason else "")
        return text


def log_dir(db_path: str | Path) -> Path:
    """The logs folder of an archive: `logs/` beside the database file."""
    return Path(db_path).absolute().parent / "logs"


def default_log_file(db_path: str | Path) -> Path:
    return log_dir(db_path) / LOG_NAME


def is_interactive() -> bool:
    """True when someone watches: stderr is a terminal (under cron it is not)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class LogFileHandler(RotatingFileHandler):
    """The size-rotated log file. A write that fails (a full disk, a log folder made
    read-only) is said once on stderr, in one line, and the file is not written again by
    this run; without this, logging prints a traceback on stderr for every record."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def doRollover(self) -> None:
        if self.backupCount > 0:
            super().doRollover()
            return
        # no older file kept: the file starts again (the base class lets it grow forever)
        self._drop_stream()
        self.mode, opened = "w", None
        try:
            opened = self._open()
        finally:
            self.mode = "a"
        self.stream = opened

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        self.failed = True
        error = sys.exc_info()[1]
        reason = f": {error}" if error is not None else ""
        sys.stderr.write(
            f"blogarchive: cannot write the log file {self.baseFilename}{reason}; "
            "the rest of this run is not logged there\n"
        )
        self._drop_stream()

    def _drop_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            try:
                stream.close()  # the buffered lines cannot be written either
            except OSError:
                pass

    def close(self) -> None:
        if self.failed:
            self._drop_stream()
        try:
            super().close()
        except OSError:  # its last lines could not be written: said when they were logged
            if not self.failed:
                self.failed = True
                sys.stderr.write(f"blogarchive: cannot write the log file {self.baseFilename}\n")


@dataclass
class LogSetup:
    """The handlers `setup_logging` added to the root logger; `close()` removes them."""

    path: Path | None
    handlers: list[logging.Handler] = field(default_factory=list)

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        self.handlers = []

    def __enter__(self) -> LogSetup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def setup_logging(
    log_file: str | Path | None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backups: int = DEFAULT_BACKUPS,
    level: int | str = logging.INFO,
    stderr_level: int | str | None = logging.ERROR,
) -> LogSetup:
    """Send the root logger's records at `level` and above to a size-rotated `log_file`
    (None: no file) and those at `stderr_level` and above to stderr (None: none).

    Scrapy's own root handler is separate: run the crawl with `LOG_ENABLED=False` to keep
    Scrapy from writing to stderr as well. The handlers survive Scrapy's `configure_logging`
    (it closes them; a file handler opens its file again on the next record).
    """
    root = logging.getLogger()
    setup = LogSetup(Path(log_file) if log_file else None)
    if setup.path is not None:
        setup.path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = LogFileHandler(
            setup.path,
            maxBytes=max(int(max_bytes), 0),
            backupCount=max(int(backups), 0),
            encoding="utf-8",
        )
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter(FILE_FORMAT))
        setup.handlers.append(handler)
    if stderr_level is not None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(stderr_level)
        handler.setFormatter(OneLineFormatter(STDERR_FORMAT))
        handler.addFilter(lambda record: not getattr(record, "printed", False))
        setup.handlers.append(handler)
    for handler in setup.handlers:
        root.addHandler(handler)
    wanted = logging.getLevelName(level) if isinstance(level, str) else level
    if root.level > wanted:  # NOTSET (0) lets everything through already
        root.setLevel(wanted)
    logger.setLevel(logging.INFO)
    return setup
