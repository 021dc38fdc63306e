"""Scrapy settings for blogarchive. Every one can be overridden with `-s NAME=VALUE`,
on `blogarchive crawl` as on `scrapy crawl`.

The defaults are polite to real blogs: robots.txt obeyed, AutoThrottle on, a few requests
at a time per host. Benchmarks and tests on loopback lift them with `-s`.
"""

from pipeline.paths import default_db_path

BOT_NAME = "blogarchive"
SPIDER_MODULES = ["pipeline.spiders"]
NEWSPIDER_MODULE = "pipeline.spiders"

# Where posts are archived (SQLite); `blogarchive --db PATH` sets it.
BLOGARCHIVE_DB = str(default_db_path())
# Pager pages followed per source on blogs without a feed or sitemap.
BLOGARCHIVE_MAX_LISTING_PAGES = 500
BLOGARCHIVE_EXTRACT_ENABLED = True

USER_AGENT = "blogarchive/0.1 (a personal blog archiver; Scrapy)"
ROBOTSTXT_OBEY = True

# Politeness
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Bounded fetches
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "pipeline.pipelines.ExtractPipeline": 300,
    "pipeline.pipelines.StorePipeline": 800,
}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
