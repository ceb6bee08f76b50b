"""A live progress line on a terminal: discovered, fetched, written, dropped. Quiet otherwise."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    INTERVAL = 1.0

    def __init__(self, crawler, stream=None):
        self.crawler = crawler
        self.stream = stream or sys.stderr
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("SINACRAWL_PROGRESS"):
            raise NotConfigured
        if not sys.stderr.isatty() or crawler.settings.get("LOG_FILE"):
            raise NotConfigured  # a log file or a pipe stays free of carriage returns
        return cls(crawler)

    def line(self) -> str:
        s = self.crawler.stats.get_stats()
        discovered = sum(
            v
            for k, v in s.items()
            if k.startswith("sinacrawl/discovered/") and k != "sinacrawl/discovered/known"
        )
        written = s.get("sinacrawl/written/new", 0) + s.get("sinacrawl/written/updated", 0)
        return (
            f"discovered {discovered}  fetched {s.get('sinacrawl/requests/article', 0)}  "
            f"written {written}  unchanged {s.get('sinacrawl/unchanged', 0)}  "
            f"dropped {s.get('sinacrawl/dropped', 0)}  errors "
            f"{sum(v for k, v in s.items() if k.startswith('sinacrawl/errors/'))}"
        )

    def tick(self):
        self.stream.write("\r\x1b[2K" + self.line())
        self.stream.flush()

    def opened(self, spider):
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.INTERVAL, now=False)

    def closed(self, spider):
        if self.loop and self.loop.running:
            self.loop.stop()
            self.tick()
            self.stream.write("\n")
