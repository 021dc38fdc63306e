"""`scrapy crawl`, taking the archive's run lock first, as `blogarchive crawl` does.

While another crawl of the archive (`BLOGARCHIVE_DB`) runs, it prints the same line as
`blogarchive crawl` on stderr and exits with the same status, 75, before Scrapy starts
anything. (Before, the pipeline found the lock taken once the spider had opened, and Scrapy
printed the refusal as a traceback.)

`-a url=` given more than once crawls every blog given (Scrapy itself keeps the last one
only), and `scrapy crawl blog` without a blog is a usage error, not a traceback.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from pipeline.runlock import EXIT_LOCKED, LockError, LockHeld, RunLock

NO_BLOG_GIVEN = (
    "give the blog to crawl: scrapy crawl blog -a url=URL "
    "(several: -a url=URL -a url=URL2, or -a urls=URL,URL2)"
)


def gather_blog_arguments(arglist: list[str]) -> list[str]:
    """The `-a` arguments with every `url=` given after the first folded into `urls`, in
    the order given, so that none is lost when Scrapy turns them into a dict."""
    urls = [arg.partition("=")[2] for arg in arglist if arg.partition("=")[0].strip() == "url"]
    if len(urls) < 2:
        return arglist
    listed = [
        url
        for arg in arglist
        if arg.partition("=")[0].strip() == "urls"
        for url in arg.partition("=")[2].split(",")
        if url
    ]
    others = [arg for arg in arglist if arg.partition("=")[0].strip() not in ("url", "urls")]
    return [*others, f"url={urls[0]}", "urls=" + ",".join([*urls[1:], *listed])]


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        opts.spargs = gather_blog_arguments(opts.spargs or [])
        super().process_options(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args == ["blog"] and not (opts.spargs.get("url") or opts.spargs.get("urls")):
            raise UsageError(NO_BLOG_GIVEN)
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
