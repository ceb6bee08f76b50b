"""Turn saved page bytes into the post a crawl would write, through the crawl's own path.

A response is built from the bytes, read by the same page object, and passed through the
project's item pipelines (ITEM_PIPELINES order); the writer's ``render_item`` replaces its
file I/O, so the text is exactly what ``scrapy crawl`` would write for that URL.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings

from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import ArticlePage, NotAnArticle


class ConversionError(ValueError):
    """The page gives no post; the message is a one-line reason."""


def _settings(overrides: dict | None) -> Settings:
    settings = get_project_settings().copy()
    if settings.get("BOT_NAME") != "sinacrawl":  # run outside the project folder
        settings.setmodule("sinacrawl.settings", priority="project")
    settings.set("SINACRAWL_OUTPUT_DIR", None, priority="cmdline")  # no archive, no state
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


class Converter:
    """Pipelines built once, for converting many pages (tests, benchmarks); each page is
    converted as a run of its own (``open_spider`` again, so one page never dedupes another)."""

    def __init__(self, settings: dict | None = None):
        self.crawler = Crawler(Spider, _settings(settings))
        self.crawler.stats = MemoryStatsCollector(self.crawler)
        order = sorted(
            self.crawler.settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1]
        )
        self.pipelines = []
        for path, prio in order:
            if prio is None:
                continue
            try:
                self.pipelines.append(build_from_crawler(load_object(path), self.crawler))
            except NotConfigured:  # (as Scrapy does: the images pipeline needs an archive)
                continue

    def _new_run(self) -> None:
        for pipe in self.pipelines:  # each page is a run of its own: forget the last one
            if hasattr(pipe, "open_spider"):
                pipe.open_spider()

    def convert(self, body: bytes, url: str, column: str | None = None) -> tuple[str, str]:
        """(relative path, post text). Raises ConversionError with the reason."""
        self._new_run()
        try:
            item = ArticlePage.from_bytes(body, url).item(column=column)
        except NotAnArticle as exc:
            raise ConversionError(f"not an article ({exc.reason}): {url}") from None
        except UndecodablePage as exc:
            raise ConversionError(f"undecodable page ({exc}): {url}") from None
        for pipe in self.pipelines:
            if hasattr(pipe, "render_item"):
                return pipe.render_item(item)
            try:
                item = pipe.process_item(item)
            except DropItem as exc:
                raise ConversionError(f"dropped ({exc}): {url}") from None
        raise ConversionError("no pipeline renders posts (check ITEM_PIPELINES)")


def convert_page(body: bytes, url: str, settings: dict | None = None) -> str:
    """The post text the crawl would write for ``url`` with these page bytes."""
    return Converter(settings).convert(body, url)[1]
