"""``sinacrawl archivist ARCHIVE --redis URL``: the one writer of an archive fed by workers.

It takes the archive's lock, opens and recovers its index, seeds the workers' shared state
in Redis from it, then runs the writing pipelines (content dedupe, write) over every item
the workers hand over, acknowledging each only once it is written. Its run report sums the
workers' counts. Exit 0 done, 1 the run failed (or Redis cannot be reached), 2 a wrong
argument or an unusable archive, 3 another run holds the archive.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from scrapy import signals

from sinacrawl import distributed
from sinacrawl.spider import TRANSIENT_DROPS, SinaSpider


class ArchivistSpider(SinaSpider):
    name = distributed.ARCHIVIST

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        pipelines = {
            "pipelines.content.ContentDedupePipeline": 350,
            "pipelines.write.WritePipeline": 400,
        }
        settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._written, signal=signals.item_scraped)
        crawler.signals.connect(spider._refused, signal=signals.item_dropped)
        crawler.signals.connect(spider._failed, signal=signals.item_error)
        return spider

    def __init__(self, *args, feed=None, idle_exit=None, given_back=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.given_back = given_back
        self.inflight: dict[int, bytes] = {}
        self.feed: distributed.ItemFeed | None = feed
        self.idle_exit: float | None = idle_exit
        self.merged = 0

    async def start(self):
        assert self.feed is not None
        if self.given_back:  # what a killed archivist had taken but not written
            self.stats.set_value("sinacrawl/redis/taken_again", self.given_back)
            self.logger.warning("%d items a stopped archivist held taken again", self.given_back)
        async for item in distributed.feed_items(self, self.feed, self.idle_exit):
            yield item
        # the workers' counts, summed into this run's report (written when it closes)
        reports = self.feed.worker_reports()
        distributed.merge_reports(self.stats, reports)
        self.merged = len(reports)
        if self.archive is not None:
            self.archive.pull()

    def _ack(self, item) -> None:
        raw = self.inflight.pop(id(item), None)
        if raw is not None and self.feed is not None:
            self.feed.ack(raw)

    def _written(self, item, response=None, spider=None):
        self._ack(item)

    def _refused(self, item, response, exception, spider=None):
        if getattr(exception, "reason", None) in TRANSIENT_DROPS:
            # not written (a write error): left in the processing list, so the next
            # archivist takes it again
            self.inflight.pop(id(item), None)
            return
        self._ack(item)

    def _failed(self, item, response, spider=None, failure=None):
        self._ack(item)

    def unaccounted(self) -> None:
        pass  # (the archivist asks for no article itself)


def _say(message: str) -> None:
    print(f"sinacrawl archivist: {message}", file=sys.stderr)


def run(archive: str, url: str, idle_exit: float | None) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from sinacrawl.archive import PREOPENED
    from sinacrawl.lock import FolderLocked, OutputLock
    from sinacrawl.report import EXIT_FAILED, EXIT_LOCKED
    from sinacrawl.state import ArchiveUnusable

    if idle_exit is not None and idle_exit < 0:
        _say(f"--idle-exit {idle_exit:g}: give a number of seconds, 0 or more")
        return 2
    root = Path(archive)
    if root.exists() and not root.is_dir():
        _say(f"{archive} is a file: give the archive folder")
        return 2
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "sinacrawl.settings")
    settings = get_project_settings()
    settings.set("SINACRAWL_OUTPUT_DIR", str(root), priority="cmdline")
    settings.set("SINACRAWL_REDIS_URL", url, priority="cmdline")
    try:
        client = distributed.connect(url, settings.getfloat("SINACRAWL_REDIS_RETRY"))
    except distributed.RedisUnreachable as exc:
        _say(f"{exc}; not starting")
        return EXIT_FAILED
    p = distributed.prefix(settings)
    lock = OutputLock(root)
    try:
        lock.acquire()
    except FolderLocked as exc:
        _say(f"{exc}; not starting")
        return EXIT_LOCKED
    try:
        try:
            state = distributed.MirroredState(root, distributed.RedisState(client, p))
            recovered = state.recover()
            state.seed()
        except (ArchiveUnusable, OSError) as exc:
            _say(f"{exc}; not starting")
            return 2
        feed = distributed.ItemFeed(client, p)
        given_back = feed.give_back()
        process = CrawlerProcess(settings, install_root_handler=True)
        crawler = process.create_crawler(ArchivistSpider)
        setattr(crawler, PREOPENED, (state, recovered))
        setattr(crawler, distributed.CLIENT_ATTR, client)  # (one client a process)
        process.crawl(crawler, feed=feed, idle_exit=idle_exit, given_back=given_back)
        process.start()
        report = getattr(crawler, "sinacrawl_report", None)
        merged = getattr(crawler.spider, "merged", 0)
        if report is not None and merged:
            feed.forget_reports(merged)
        if process.bootstrap_failed or report is None or report["failed"]:
            return EXIT_FAILED
        return 0
    finally:
        lock.release()
