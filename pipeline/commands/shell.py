"""`scrapy shell [URL]`: fetches pages to look at, leaving the archive alone.

No item pipeline (the shell scrapes no items; the storage pipeline would open the archive and
hold its run lock, so that a `blogarchive crawl` started meanwhile exits with status 75, for as
long as the shell is open), no WARC capture into the archive, and Scrapy's memory queue: the
shell gives its request the callback it waits on only after handing it to the scheduler, so
a request that went through the disk queue (pipeline/scheduler.py) came back without it and
`fetch(URL)` failed with "DefaultSpider.parse callback is not defined".

The URL given to the shell is a host the user named (as a crawl's sources are): it may be at a
private address (`scrapy shell http://127.0.0.1:8000/`); a redirect or a `fetch()` elsewhere
follows the crawl's rule (pipeline/addresses.py).
"""

from __future__ import annotations

import argparse

from scrapy.commands.shell import Command as ScrapyShell
from scrapy.utils.url import guess_scheme

from pipeline.middlewares import ADDRESS_POLICY


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

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            ADDRESS_POLICY.name_hosts([guess_scheme(args[0])])
        super().run(args, opts)
