"""article: fetch given Sina article URLs (one, several, or a file of them) and archive them."""

from __future__ import annotations

from sinacrawl import arguments
from sinacrawl.columns import ColumnTable
from sinacrawl.pages.article import is_article_url
from sinacrawl.replay import load_recordings
from sinacrawl.spider import SinaSpider


class ArticleSpider(SinaSpider):
    name = "article"

    def __init__(
        self, url: str | None = None, file: str | None = None, column: str | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.urls = arguments.urls(url) + arguments.url_file(file)
        self.column = column.strip() if column else None

    @classmethod
    def check_arguments(cls, settings, url=None, file=None, column=None, **kwargs):
        """Raise BadArgument for arguments a run could not use (before it starts)."""
        arguments.column(ColumnTable(settings.getlist("SINACRAWL_COLUMNS")), column)
        spider = cls(url=url, file=file, column=column, **kwargs)
        if url is not None and not spider.urls and file is None:
            raise arguments.BadArgument("-a url= is empty: give a Sina article URL")
        if not spider.urls and not settings.get("SINACRAWL_REPLAY"):
            raise arguments.BadArgument(
                "no article given: add -a url=URL[,URL…] or -a file=FILE (one URL a line)"
            )

    async def start(self):
        urls = self.urls
        replay = self.settings.get("SINACRAWL_REPLAY")
        if not urls and replay:
            # No URL given on a recorded site: every recorded article page.
            urls = sorted(
                (f / "url.txt").read_text(encoding="utf-8").strip()
                for f in load_recordings(replay).values()
            )
            urls = [u for u in urls if is_article_url(u)]
        if not urls:
            raise arguments.BadArgument(
                "no article given: add -a url=URL[,URL…] or -a file=FILE (one URL a line)"
            )
        for url in dict.fromkeys(urls):  # (each once, in the order given)
            # a column given here re-files the article; without one, an archived article
            # keeps the column it has
            yield self.article_request(url, self.column, forced=self.column is not None)

    async def parse(self, response):
        """The default callback, used by ``scrapy parse``."""
        return await self.parse_article(response)
