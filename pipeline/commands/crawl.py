"""`scrapy crawl`, taking the archive's run lock first, as `blogarchive crawl` does.

While another crawl of the archive (`BLOGARCHIVE_DB`) runs, it prints the same line as
`blogarchive crawl` on stderr and exits with the same status, 75, before Scrapy starts
anything. (Before, the pipeline found the lock taken once the spider had opened, and Scrapy
printed the refusal as a traceback.)
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from pipeline.runlock import EXIT_LOCKED, LockError, LockHeld, RunLock


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        db_path = self.settings.get("BLOGARCHIVE_DB")
        if not db_path or self.settings.getbool("BLOGARCHIVE_RUN_LOCK_HELD"):
            super().run(args, opts)
            return
        try:
            lock = RunLock(db_path).acquire()
        except LockHeld as held:
            print(f"blogarchive: {held}; this run exits with status {EXIT_LOCKED}", file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        except LockError:  # a folder this user cannot write: the pipeline says what it costs
            super().run(args, opts)
            return
        with lock:
            # the pipeline need not take it (it would find it taken, by this process)
            self.settings.set("BLOGARCHIVE_RUN_LOCK_HELD", True, priority="cmdline")
            super().run(args, opts)
