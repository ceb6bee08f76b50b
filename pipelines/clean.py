"""CleanPipeline: Sina's article container → the safe body HTML the contract keeps."""

from __future__ import annotations

from itemadapter import ItemAdapter

from sinacrawl.archive import drop
from sinacrawl.clean import body_text_without_editor, clean_body


class CleanPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            result = clean_body(adapter["body_html"], adapter["url"], adapter.get("editor"))
        except Exception as exc:  # noqa: BLE001 - a page that breaks the cleaner is a counted drop
            raise drop(self.stats, "clean_error", f"{adapter['url']}: {exc!r}") from None
        if not body_text_without_editor(result, adapter.get("editor")) and not result.images:
            raise drop(self.stats, "empty_body", adapter["url"])
        adapter["body"] = result.html
        adapter["images"] = result.images
        return item
