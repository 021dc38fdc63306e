"""`scrapy parse --spider=blog URL`: a post page as the `blog` spider reads it.

The blog defaults to the site of URL (`-a url=` names another), and the archive is never
written: without `--pipelines` no item pipeline runs, and with it only extraction does (the
storage pipeline would record a crawl of the blog that fetched one page, as `failed`, or as
`ok` with `--pipelines`, which later crawls would take as a complete one), and no WARC
capture is made. `blogarchive crawl` archives.
"""

from __future__ import annotations

import argparse
from urllib.parse import urljoin

from scrapy.commands.parse import Command as ScrapyParse

STORE_PIPELINE = "pipeline.pipelines.StorePipeline"


class Command(ScrapyParse):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if args and not (opts.spargs.get("url") or opts.spargs.get("urls")):
            opts.spargs["url"] = urljoin(args[0], "/")
        pipelines = self.settings.getdict("ITEM_PIPELINES") if opts.pipelines else {}
        pipelines.pop(STORE_PIPELINE, None)
        self.settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
        self.settings.set("BLOGARCHIVE_WARC_ENABLED", False, priority="cmdline")
