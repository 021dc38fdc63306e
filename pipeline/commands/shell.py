"""`scrapy shell [URL]`: fetches pages to look at, leaving the archive alone.

No item pipeline (the shell scrapes no items; the storage pipeline would open the archive and
hold its run lock, so that a `blogarchive crawl` started meanwhile exits with status 75, for as
long as the shell is open), no WARC capture into the archive, and Scrapy's memory queue: the
shell gives its request the callback it waits on only after handing it to the scheduler, so
a request that went through the disk queue (pipeline/scheduler.py) came back without it and
`fetch(URL)` failed with "DefaultSpider.parse callback is not defined".
"""

from __future__ import annotations

import argparse

from scrapy.commands.shell import Command as ScrapyShell


class Command(ScrapyShell):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        for name, value in (
            ("ITEM_PIPELINES", {}),
            ("BLOGARCHIVE_WARC_ENABLED", False),
            ("BLOGARCHIVE_DISK_QUEUE", False),
        ):
            self.settings.set(name, value, priority="cmdline")
