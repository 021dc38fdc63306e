"""The naive peer of `blogarchive crawl` (issue 5): a plain Scrapy SitemapSpider that calls
`trafilatura.extract` in its parse callback (on the reactor thread, blocking it) and an item
pipeline that inserts each item with its own commit through sqlite-utils (FTS5 kept by
triggers, SQLite's default rollback journal).

Usage: python bench/naive_spider.py BLOG_URL --db naive.db [-s NAME=VALUE ...]

Politeness is lifted the same way as for `blogarchive crawl` in bench/throughput.py
(`-s AUTOTHROTTLE_ENABLED=False -s DOWNLOAD_DELAY=0 -s CONCURRENT_REQUESTS=32 ...`).
"""

from __future__ import annotations

import argparse
import json
import sys

import sqlite_utils
import trafilatura
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider


class NaiveSpider(SitemapSpider):
    name = "naive"

    def __init__(self, url: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sitemap_urls = [url.rstrip("/") + "/sitemap.xml"]

    def parse(self, response):
        extracted = trafilatura.extract(
            response.text, url=response.url, output_format="json", with_metadata=True
        )
        if not extracted:
            return
        record = json.loads(extracted)
        yield {
            "url": response.url,
            "title": record.get("title"),
            "author": record.get("author"),
            "published": record.get("date"),
            "tags": record.get("tags"),
            "text": record.get("text") or record.get("raw_text") or "",
        }


class NaiveStorePipeline:
    """One INSERT and one COMMIT per item."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("NAIVE_DB"))

    def open_spider(self, spider) -> None:
        self.db = sqlite_utils.Database(self.db_path)
        if "posts" not in self.db.table_names():
            self.db["posts"].create(
                {"url": str, "title": str, "author": str, "published": str, "tags": str},
                pk="url",
            )
            self.db["posts"].add_column("text", str)
            self.db["posts"].enable_fts(["title", "text"], create_triggers=True)

    def process_item(self, item, spider):
        self.db["posts"].insert(dict(item), replace=True)  # sqlite-utils commits each call
        return item

    def close_spider(self, spider) -> None:
        self.db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the blog's home URL (its /sitemap.xml is read)")
    parser.add_argument("--db", required=True, help="SQLite file to write")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    settings = {
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "NAIVE_DB": args.db,
        "ITEM_PIPELINES": {NaiveStorePipeline: 300},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    process.crawl(NaiveSpider, url=args.url)
    process.start()
    db = sqlite_utils.Database(args.db)
    print(json.dumps({"stored": db["posts"].count if "posts" in db.table_names() else 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
