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
