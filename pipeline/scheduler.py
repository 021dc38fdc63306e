"""Scrapy's scheduler with its pending requests on disk, in a directory of this run only.

Discovery of a large blog yields every post request at once (a sitemap of 20,000 posts is
20,000 `Request` objects, 2-3 KB each in memory). Scrapy's own disk queues (the ones `JOBDIR`
turns on) hold them in files instead, so the crawler's memory stays flat in the number of
posts; only the duplicate filter's fingerprints grow. The queue directory is fresh for each
run and removed when the run closes (a run killed with SIGKILL leaves it; the next run removes
it): the archive, not a job directory, is the record of what is done (the next run, not a
resumed queue, fetches what a killed run missed).

Settings: `BLOGARCHIVE_DISK_QUEUE` (default True; False keeps Scrapy's memory queues),
`BLOGARCHIVE_QUEUE_DIR` (where the run's directory is made; default the system's temporary
directory). A `JOBDIR` set by the user is used as Scrapy uses it and never removed.
Requests that cannot be pickled fall back to the memory queue (Scrapy's
`scheduler/unserializable` stat). `SCHEDULER_DISK_QUEUE` is `PickleLifoDiskQueue` below:
Scrapy's own, naming each request's callback from a table instead of listing the spider's
methods for every request.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.squeues import PickleLifoDiskQueue as ScrapyPickleLifoDiskQueue

logger = logging.getLogger(__name__)


def remove_dead_queues(parent: str | Path) -> int:
    """Remove the queue directories that runs killed with SIGKILL left in `parent` (named
    `blogarchive-queue-<pid>-...`, the pid no longer running); return how many."""
    removed = 0
    for path in Path(parent).glob("blogarchive-queue-*-*"):
        pid = path.name.split("-")[2]
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


class DiskQueueScheduler(Scheduler):
    """`scrapy.core.scheduler.Scheduler` with disk queues in a temporary directory."""

    def __init__(
        self, dupefilter: Any, jobdir: str | None = None, *, crawler: Any = None, **kwargs: Any
    ):
        # Scrapy's own `from_crawler` builds it; `jobdir` is JOBDIR's, None unless the user
        # set one. The duplicate filter stays in memory: its file under JOBDIR would only serve
        # a resumed job, which this run never is.
        self.temporary_dir: str | None = None
        settings = crawler.settings if crawler is not None else None
        if (
            jobdir is None
            and settings is not None
            and settings.getbool("BLOGARCHIVE_DISK_QUEUE", True)
        ):
            parent = settings.get("BLOGARCHIVE_QUEUE_DIR") or tempfile.gettempdir()
            remove_dead_queues(parent)
            self.temporary_dir = tempfile.mkdtemp(
                prefix=f"blogarchive-queue-{os.getpid()}-", dir=parent
            )
            jobdir = self.temporary_dir
            crawler.stats.set_value("blogarchive/scheduler/queue_dir", jobdir)
        super().__init__(dupefilter, jobdir, crawler=crawler, **kwargs)

    def close(self, reason: str) -> Any:
        try:
            return super().close(reason)
        finally:
            if self.temporary_dir:
                shutil.rmtree(self.temporary_dir, ignore_errors=True)
                logger.debug("removed the run's request queue %s", self.temporary_dir)


class PickleLifoDiskQueue(ScrapyPickleLifoDiskQueue):
    """`scrapy.squeues.PickleLifoDiskQueue`, writing the same records faster.

    Scrapy names a request's callback and errback (`Request.to_dict(spider=...)`) by listing
    every method of the spider with `inspect.getmembers`, twice a request: ~0.5 ms, more than
    the rest of queueing it. Here each method's name is found that way once, then looked up.
    """

    def __init__(self, crawler: Any, key: str):
        super().__init__(crawler, key)
        self._names: dict[Any, str] = {}

    def push(self, request: Request) -> None:
        callback, errback = request.callback, request.errback
        names = [
            self._names.get(getattr(method, "__func__", None)) for method in (callback, errback)
        ]
        if any(
            method is not None and (name is None or method.__self__ is not self.spider)
            for method, name in zip((callback, errback), names, strict=True)
        ):
            # a method not met yet (or not the spider's): Scrapy's way, which raises
            # ValueError for what it cannot name (the scheduler then keeps it in memory)
            request_dict = request.to_dict(spider=self.spider)
            for method, key in ((callback, "callback"), (errback, "errback")):
                if method is not None:
                    self._names[method.__func__] = request_dict[key]
        else:
            request.callback = request.errback = None
            try:
                request_dict = request.to_dict()
            finally:
                request.callback, request.errback = callback, errback
            request_dict["callback"], request_dict["errback"] = names
        # the pickling queue under Scrapy's request-to-dict layer
        super(ScrapyPickleLifoDiskQueue, self).push(request_dict)
