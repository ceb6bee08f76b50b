"""ContentDedupePipeline: the same article republished under another id is written once.

The body's text is hashed; when an archived article under another id has the same hash,
the new id is recorded as an alias of it and the item is dropped as ``duplicate_content``.
"""

from __future__ import annotations

from itemadapter import ItemAdapter

from sinacrawl.archive import archive_for, drop, output_dir
from sinacrawl.shutdown import stop_for_medium
from sinacrawl.state import StoreFailed, body_hash


class ContentDedupePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.enabled = output_dir(crawler.settings) is not None
        self.seen: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.seen.clear()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        digest = body_hash(adapter.get("body") or "")
        original = self.seen.get(digest)
        state = archive_for(self.crawler) if self.enabled else None
        if original is None and state is not None:
            original = state.id_for_body(digest)
        if original is not None and original != adapter["id"]:
            if state is not None:
                try:
                    state.add_alias(adapter["id"], original, adapter["url"])
                except StoreFailed as exc:  # (the alias is found again next run)
                    stop_for_medium(self.crawler, exc, f"recording the alias {adapter['id']}")
            raise drop(self.stats, "duplicate_content", f"{adapter['url']} = {original}")
        self.seen[digest] = adapter["id"]
        return item
