"""Downloader middleware counting requests sent, by kind (api, list, article, robots…)."""

from __future__ import annotations


class RequestKindStats:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        if request.url.endswith("/robots.txt"):
            kind = "robots"
        else:
            kind = request.meta.get("sinacrawl_kind", "other")
        self.stats.inc_value(f"sinacrawl/requests/{kind}")
        return None


class MediumFailureMiddleware:
    """Spider middleware: a callback that met a failed disk (``index.sqlite`` full…) stops
    the run with one line (``shutdown.stop_for_medium``), not a traceback for every page."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response, exception):
        from sinacrawl.shutdown import stop_for_medium
        from sinacrawl.state import medium_failure

        if medium_failure(exception):
            stop_for_medium(self.crawler, exception, f"reading {response.url}")
            return []
        return None
