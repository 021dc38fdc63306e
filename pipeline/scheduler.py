"""Scrapy's scheduler with its pending requests on disk, in a directory of this run only.

Discovery of a large blog yields every post request at once (a sitemap of 20,000 posts is
20,000 `Request` objects, 2-3 KB each in memory). Scrapy's own disk queues (the ones `JOBDIR`
turns on) hold them in files instead, so the crawler's memory stays flat in the number of
posts; only the duplicate filter's fingerprints grow. The queue directory is fresh for each
run and removed when the run closes: the archive, not a job directory, is the record of what
is done (the next run, not a resumed queue, fetches what a killed run missed).

Settings: `BLOGARCHIVE_DISK_QUEUE` (default True; False keeps Scrapy's memory queues),
`BLOGARCHIVE_QUEUE_DIR` (where the run's directory is made; default the system's temporary
directory). A `JOBDIR` set by the user is used as Scrapy uses it and never removed.
Requests that cannot be pickled fall back to the memory queue (Scrapy's
`scheduler/unserializable` stat).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from typing import Any

from scrapy.core.scheduler import Scheduler
from scrapy.utils.job import job_dir
from scrapy.utils.misc import build_from_crawler, load_object

logger = logging.getLogger(__name__)


class DiskQueueScheduler(Scheduler):
    """`scrapy.core.scheduler.Scheduler` with disk queues in a temporary directory."""

    temporary_dir: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DiskQueueScheduler:
        settings = crawler.settings
        jobdir = job_dir(settings)
        temporary = None
        if jobdir is None and settings.getbool("BLOGARCHIVE_DISK_QUEUE", True):
            temporary = tempfile.mkdtemp(
                prefix="blogarchive-queue-", dir=settings.get("BLOGARCHIVE_QUEUE_DIR") or None
            )
            jobdir = temporary
        dupefilter_cls = load_object(settings["DUPEFILTER_CLASS"])
        scheduler = cls(
            # the duplicate filter stays in memory: its file under JOBDIR would only serve a
            # resumed job, which this run never is
            dupefilter=build_from_crawler(dupefilter_cls, crawler),
            jobdir=jobdir,
            dqclass=load_object(settings["SCHEDULER_DISK_QUEUE"]),
            mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
            logunser=settings.getbool("SCHEDULER_DEBUG"),
            stats=crawler.stats,
            pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
            crawler=crawler,
        )
        scheduler.temporary_dir = temporary
        if temporary:
            crawler.stats.set_value("blogarchive/scheduler/queue_dir", temporary)
        return scheduler

    def close(self, reason: str) -> Any:
        try:
            return super().close(reason)
        finally:
            if self.temporary_dir:
                shutil.rmtree(self.temporary_dir, ignore_errors=True)
                logger.debug("removed the run's request queue %s", self.temporary_dir)
