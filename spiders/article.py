"""article: fetch given Sina article URLs (one, several, or a file of them) and archive them."""

from __future__ import annotations

import re
from pathlib import Path

from sinacrawl.pages.article import is_article_url
from sinacrawl.replay import load_recordings
from sinacrawl.spider import SinaSpider


class ArticleSpider(SinaSpider):
    name = "article"

    def __init__(self, url: str | None = None, file: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.urls = [u for u in re.split(r"[\s,]+", url or "") if u]
        if file:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
            self.urls += [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]

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
            raise ValueError("give -a url=URL[,URL…] or -a file=FILE (one URL a line)")
        for url in urls:
            yield self.article_request(url)

    async def parse(self, response):
        """The default callback, used by ``scrapy parse``."""
        return await self.parse_article(response)
