"""Scrapy settings for blogarchive. Every one can be overridden with `-s NAME=VALUE`,
on `blogarchive crawl` as on `scrapy crawl`.

The defaults are polite to real blogs: robots.txt obeyed, AutoThrottle on, a few requests
at a time per host. Benchmarks and tests on loopback lift them with `-s`.
"""

from pipeline.paths import default_db_path

BOT_NAME = "blogarchive"
SPIDER_MODULES = ["pipeline.spiders"]
NEWSPIDER_MODULE = "pipeline.spiders"
# `scrapy crawl` takes the archive's run lock before it starts (pipeline/commands/crawl.py).
COMMANDS_MODULE = "pipeline.commands"

# Where posts are archived (SQLite); `blogarchive --db PATH` sets it.
BLOGARCHIVE_DB = str(default_db_path())
# Pager pages followed per source on blogs without a feed or sitemap.
BLOGARCHIVE_MAX_LISTING_PAGES = 500
# requests per post for the comments its page does not show (Blogger's comment feed past
# 200 comments, 200 a request; WordPress's other comment pages); 0: the page's comments only
BLOGARCHIVE_MAX_COMMENT_PAGES = 100
# pages of a blog's own comment feed read per re-crawl (Blogger's /feeds/comments/default,
# WordPress's /comments/feed/) to find the posts commented on since the last crawl; 0: not read
BLOGARCHIVE_MAX_COMMENT_FEED_PAGES = 20
BLOGARCHIVE_EXTRACT_ENABLED = True
# Extraction worker processes: "auto" = one per core, 0 = in the crawler process.
BLOGARCHIVE_EXTRACT_WORKERS = "auto"
BLOGARCHIVE_EXTRACT_TIMEOUT = 60.0  # seconds per page before its worker is replaced
BLOGARCHIVE_EXTRACT_MEMORY_MB = 2048  # address-space limit of each worker
# Writes: one transaction per batch of items or per interval, whichever comes first.
BLOGARCHIVE_BATCH_SIZE = 100
BLOGARCHIVE_BATCH_SECONDS = 1.0
# A full sweep: ignore feed, sitemap and API change signals and re-check every post.
BLOGARCHIVE_FULL = False
# Seconds of clock difference allowed between a blog's change signals and our capture times.
BLOGARCHIVE_CLOCK_SKEW = 3600.0
# `blogarchive crawl`'s log file (default: logs/blogarchive.log beside the database), rotated
# at BLOGARCHIVE_LOG_MAX_BYTES with BLOGARCHIVE_LOG_BACKUPS old files kept; see pipeline/logs.py.
BLOGARCHIVE_LOG_FILE = ""
BLOGARCHIVE_LOG_MAX_BYTES = 5 * 1024 * 1024
BLOGARCHIVE_LOG_BACKUPS = 5
# A live progress line per source when stderr is a terminal (pipeline/extensions.py).
BLOGARCHIVE_PROGRESS = True
BLOGARCHIVE_PROGRESS_INTERVAL = 0.5

# WARC captures of every response (pipeline/capture.py): on by default, one gzip WARC file
# per run in BLOGARCHIVE_WARC_DIR (default: warc/ beside the database), rolled over at
# BLOGARCHIVE_WARC_MAX_SIZE bytes, each record gzipped at BLOGARCHIVE_WARC_GZIP_LEVEL (1-9).
BLOGARCHIVE_WARC_ENABLED = True
BLOGARCHIVE_WARC_DIR = ""
BLOGARCHIVE_WARC_MAX_SIZE = 1_000_000_000
BLOGARCHIVE_WARC_GZIP_LEVEL = 6
# The pictures each stored post shows (pipeline/pictures.py): fetched once, captured as WARC
# records like every response and tied to the post in `post_pictures`; at most
# BLOGARCHIVE_PICTURES_PER_POST per post, none larger than BLOGARCHIVE_PICTURE_MAX_SIZE bytes.
BLOGARCHIVE_PICTURES_ENABLED = True
BLOGARCHIVE_PICTURES_PER_POST = 50
BLOGARCHIVE_PICTURE_MAX_SIZE = 20 * 1024 * 1024
# `blogarchive crawl --redis` (pipeline/distributed.py): a worker exits once the run's queue was
# empty and no other worker busy this many seconds; a run's Redis keys expire this many
# seconds after a worker closed.
BLOGARCHIVE_REDIS_IDLE_SECONDS = 10.0
BLOGARCHIVE_REDIS_RUN_TTL = 7 * 86400
# Private addresses (pipeline/addresses.py): a host you did not name (a move's, a redirect's,
# a link's) that is or resolves to a loopback, private, link-local... address is refused.
BLOGARCHIVE_ALLOW_PRIVATE_ADDRESSES = False
# Scrapy's default resolver, checking each answer as the connection is made (DNS rebinding).
TWISTED_DNS_RESOLVER = "pipeline.middlewares.PrivateAddressResolver"
DOWNLOADER_MIDDLEWARES = {
    # first of all: no request, robots.txt included, to a private address not named
    "pipeline.middlewares.PrivateAddressMiddleware": 50,
    # Scrapy's, with every request that comes while robots.txt is fetched waiting for it
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "pipeline.middlewares.RobotsTxtMiddleware": 100,
    # next to the downloader: it sees responses before redirects, retries and decompression
    "pipeline.capture.WarcCaptureMiddleware": 950,
    # hostile sites (pipeline/middlewares.py); each has a BLOGARCHIVE_..._ENABLED switch
    "pipeline.middlewares.BudgetMiddleware": 110,
    "pipeline.middlewares.SoftNotFoundMiddleware": 520,
    "pipeline.middlewares.RobotsStatusMiddleware": 540,
    "pipeline.middlewares.CrawlDelayMiddleware": 545,
    "pipeline.middlewares.RetryAfterMiddleware": 560,
    "pipeline.middlewares.RedirectPolicyMiddleware": 610,
    "pipeline.middlewares.DecompressionGuardMiddleware": 960,
}

# Hostile sites (pipeline/middlewares.py).
# Per-source budgets against calendar and session-id traps (0 = no limit): requests per source
# per run, and links followed from the home page. Hitting one is recorded in `failures`.
BLOGARCHIVE_MAX_PAGES_PER_SOURCE = 20_000
BLOGARCHIVE_MAX_DEPTH = 1_000
# 429/503 with Retry-After: wait up to this many seconds, this many times; past it the page is
# recorded in `failures` and left for the next run.
BLOGARCHIVE_RETRY_AFTER_MAX = 120.0
BLOGARCHIVE_RETRY_AFTER_TIMES = 3
BLOGARCHIVE_BUDGET_ENABLED = True
BLOGARCHIVE_RETRY_AFTER_ENABLED = True
BLOGARCHIVE_REDIRECT_POLICY_ENABLED = True  # no file://, other hosts or loops; moved blogs followed
BLOGARCHIVE_ROBOTS_STATUS_ENABLED = True  # robots.txt answering 5xx = disallow all (RFC 9309)
BLOGARCHIVE_CRAWL_DELAY_ENABLED = True  # robots.txt Crawl-delay kept between two requests
BLOGARCHIVE_MAX_CRAWL_DELAY = 30.0  # seconds: a longer Crawl-delay is cut to this (logged)
BLOGARCHIVE_SOFT_404_ENABLED = True  # "Page not found" answered with 200 at a post URL
BLOGARCHIVE_DECOMPRESSION_GUARD_ENABLED = True  # gzip bodies inflating past DOWNLOAD_MAXSIZE
# Tests only: SQLite max_page_count of the crawl's connection (0 = none), to simulate a full disk.
BLOGARCHIVE_DB_MAX_PAGES = 0

USER_AGENT = "blogarchive/0.1 (a personal blog archiver; Scrapy)"
ROBOTSTXT_OBEY = True

# Politeness
# Pending requests wait on disk, in a queue directory of the run's own (pipeline/scheduler.py),
# so that memory does not grow with the number of posts a blog lists.
SCHEDULER = "pipeline.scheduler.DiskQueueScheduler"
SCHEDULER_DISK_QUEUE = "pipeline.scheduler.PickleLifoDiskQueue"
BLOGARCHIVE_DISK_QUEUE = True
BLOGARCHIVE_QUEUE_DIR = ""

CONCURRENT_REQUESTS = 16
# Items handled at once per response. Scrapy starts this many asyncio tasks for every
# callback's output (default 100); a post page yields one item, so a few are plenty.
CONCURRENT_ITEMS = 8
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
    "pipeline.pipelines.PicturePipeline": 700,
    "pipeline.pipelines.StorePipeline": 800,
}

# `-o posts.csv`: one row per extracted post (pipeline/feeds.py); other formats as Scrapy's.
FEED_EXPORTERS = {"csv": "pipeline.feeds.PostCsvItemExporter"}

EXTENSIONS = {
    "pipeline.extensions.ProgressExtension": 500,
}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
