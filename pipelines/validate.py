"""ValidatePipeline: drop items missing what every post needs, with a counted reason."""

from __future__ import annotations

import re

from itemadapter import ItemAdapter

from sinacrawl.archive import drop

_ID = re.compile(r"^[a-z0-9]{14}$")


class ValidatePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if not adapter.get("id") or not _ID.match(adapter["id"]):
            raise drop(self.stats, "bad_id", repr(adapter.get("id")))
        for field in ("url", "title", "published", "body_html"):
            if not adapter.get(field):
                raise drop(self.stats, f"missing_{field}", adapter.get("url") or adapter["id"])
        if adapter["published"].tzinfo is None:
            raise drop(self.stats, "naive_time", adapter["url"])
        return item
