"""Scrapy settings for sinacrawl. Every SINACRAWL_* setting is described in the README."""

from sinacrawl import __version__
from sinacrawl.columns import DEFAULT_COLUMN_KEY, DEFAULT_COLUMNS, SITE
from sinacrawl.logs import demote_startup_dumps
from sinacrawl.render import DEFAULT_IMAGE, DEFAULT_PATH_TEMPLATE

BOT_NAME = "sinacrawl"
SPIDER_MODULES = ["spiders"]
COMMANDS_MODULE = "sinacrawl.commands"
NEWSPIDER_MODULE = "spiders"

# -- sinacrawl ----------------------------------------------------------------------------
SINACRAWL_OUTPUT_DIR = "archive"
SINACRAWL_BODY_FORMAT = "html"  # or "markdown"
SINACRAWL_PATH_TEMPLATE = DEFAULT_PATH_TEMPLATE
SINACRAWL_COLUMNS = DEFAULT_COLUMNS
SINACRAWL_DEFAULT_COLUMN = DEFAULT_COLUMN_KEY
SINACRAWL_CATEGORY_GROUP = "金融"
SINACRAWL_SITE_NAME = SITE
SINACRAWL_DEFAULT_IMAGE = DEFAULT_IMAGE
SINACRAWL_STATE_CLASS = "sinacrawl.state.SqliteState"
SINACRAWL_REPLAY = None  # a recorded-site folder: crawl it instead of the network
SINACRAWL_UPSTREAM = None  # an http://127.0.0.1:PORT server to send every request to (tests)
SINACRAWL_LIST_URLS = ["http://roll.finance.sina.com.cn/finance/zq1/index_1.shtml"]
SINACRAWL_MAX_PAGES = 100  # roll API pages per column and run (50 articles a page)
SINACRAWL_MAX_ERROR_RATE = 0.1  # failed article requests above this share fail the run
# A page that failed for now (a 404, an empty body, a redirect home…) is fetched again after
# this many seconds, doubled at each failure up to the max; only Sina's deleted page and a
# page of another kind are dropped for good.
SINACRAWL_RECHECK_AFTER = 3600
SINACRAWL_RECHECK_MAX = 7 * 24 * 3600
SINACRAWL_STOP_TIMEOUT = 30  # seconds from a first SIGTERM/SIGINT to a forced stop
SINACRAWL_PROGRESS = True  # a live progress line on a terminal (never in a log file)
SINACRAWL_WORKERS = 0  # processes reading article pages beside the event loop (0: inline)
SINACRAWL_WRITE_THREADS = True  # posts written and fsynced off the event-loop thread
# Store each post's images in ARCHIVE/images/ and show them from this URL prefix (README,
# "Images"): /images/ is where a Hexo site serves its source/images/.
SINACRAWL_IMAGES = False
SINACRAWL_IMAGES_URL = "/images/"
SINACRAWL_WARC = False  # record every exchange in WARC files (sinacrawl/warc.py)
SINACRAWL_WARC_DIR = None  # where; None: <SINACRAWL_OUTPUT_DIR>/warc
SINACRAWL_WARC_MAX_SIZE = 1_000_000_000  # bytes; a WARC file is closed and the next begun past it
# Atom feeds (sinacrawl feed; with SINACRAWL_FEEDS, after each crawl writing an archive)
SINACRAWL_FEEDS = False
SINACRAWL_FEED_DIR = "feeds"
SINACRAWL_FEED_SIZE = 50  # entries per feed, the newest
SINACRAWL_SITE_URL = None  # the Hexo site's base URL: entries link there instead of to Sina
# Several workers on one Redis (sinacrawl/distributed.py); unset: one process, SQLite.
SINACRAWL_REDIS_URL = None  # redis://HOST:6379/0
SINACRAWL_REDIS_PREFIX = "sinacrawl"  # the Redis keys' prefix: one per archive
SINACRAWL_REDIS_LEASE = 60  # seconds before a silent worker's requests go to another
SINACRAWL_REDIS_RETRY = 60  # seconds a Redis restart is waited out before a call fails

ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.dedupe.DedupePipeline": 200,
    "pipelines.clean.CleanPipeline": 300,
    "pipelines.content.ContentDedupePipeline": 350,
    "pipelines.images.LocalImagesPipeline": 380,  # (only with SINACRAWL_IMAGES)
    "pipelines.write.WritePipeline": 400,
}

DOWNLOADER_MIDDLEWARES = {
    # Last before the download handler: robots.txt, retries, redirects and offsite checks
    # act on a replayed site exactly as on the network, and nothing leaks past it.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "sinacrawl.politeness.StrictRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "sinacrawl.politeness.BackoffRetryMiddleware": 550,
    "sinacrawl.middlewares.RequestKindStats": 980,
    # Sees each attempt as the handler answered it (before decompression), replay included.
    "sinacrawl.warc.WarcRecorder": 985,
    "sinacrawl.replay.ReplayMiddleware": 990,
}

SPIDER_MIDDLEWARES = {
    # a full disk met in a callback: one line and the run stops, no traceback per page
    "sinacrawl.middlewares.MediumFailureMiddleware": 950,
}

EXTENSIONS = {
    "sinacrawl.feeds.FeedWriter": 90,  # (before the report, which counts its failures)
    "sinacrawl.report.RunReport": 100,
    "sinacrawl.progress.Progress": 110,
    "sinacrawl.shutdown.GracefulStop": 120,
}

# -- politeness ------------------------------------------------------------------------------
# Honest: says what is crawling and why. Add your contact when you run it at scale.
USER_AGENT = f"sinacrawl/{__version__} (Sina Finance article archiver; Scrapy)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
# Outputs of one response handled at a time. An article page gives one item, an API page
# requests only; Scrapy starts this many asyncio tasks for every response, and at its
# default of 100 that alone halved the crawl's speed (bench/README.md).
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
SINACRAWL_RETRY_BACKOFF = 1.0  # seconds before the first retry, doubled each time
SINACRAWL_RETRY_BACKOFF_MAX = 60.0
SINACRAWL_RETRY_AFTER_MAX = 300.0  # the longest Retry-After obeyed
# Hostile responses are bounded (limits apply after decompression).
DOWNLOAD_FAIL_ON_DATALOSS = True
CLOSESPIDER_TIMEOUT = 6 * 3600  # a whole run's time limit, seconds
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 2048
# Certificate checks on; no file:, data:, ftp: or s3: fetching.
DOWNLOAD_VERIFY_CERTIFICATES = True
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 runs a code-executing HTTP server by default; an unattended crawler needs none.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# A dropped item is one line (id, URL, reason); Scrapy's start-up dumps and the stats dump
# are DEBUG records (the run report says what the stats said): sinacrawl/logs.py.
LOG_FORMATTER = "sinacrawl.logs.SinaLogFormatter"
demote_startup_dumps()
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
