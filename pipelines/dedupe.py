"""DedupePipeline: one post per article within a run, by id and by canonical URL."""

from __future__ import annotations

from itemadapter import ItemAdapter

from sinacrawl.archive import drop
from sinacrawl.urls import canonical_url


class DedupePipeline:
    def __init__(self, stats):
        self.stats = stats
        self.ids: set[str] = set()
        self.urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def open_spider(self):
        self.ids.clear()
        self.urls.clear()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        url = canonical_url(adapter["url"])
        if adapter["id"] in self.ids or url in self.urls:
            raise drop(self.stats, "duplicate_in_run", url)
        self.ids.add(adapter["id"])
        self.urls.add(url)
        return item
