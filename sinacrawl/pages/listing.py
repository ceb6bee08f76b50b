"""ListPage: Sina's HTML list pages (old roll lists with ``ul.list_009``, channel pages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sinacrawl.dates import BEIJING, parse_list_time
from sinacrawl.encoding import with_true_encoding
from sinacrawl.pages.article import is_article_url
from sinacrawl.urls import article_id, canonical_url


@dataclass(frozen=True)
class ListEntry:
    id: str
    url: str
    title: str
    when: datetime | None


class ListPage:
    def __init__(self, response):
        self.response = with_true_encoding(response)
        self.sel = self.response.selector

    def entries(self, year: int | None = None) -> list[ListEntry]:
        """Article links: ``ul.list_009`` items when the page has them, else every article link."""
        year = year or datetime.now(BEIJING).year
        items = self.sel.css("ul.list_009 > li")
        out: list[ListEntry] = []
        seen = set()
        if items:
            pairs = [
                (li.css("a::attr(href)").get(), li.css("a::text").get(), li.css("span::text").get())
                for li in items
            ]
        else:
            pairs = [
                (a.attrib.get("href"), a.xpath("string(.)").get(), None)
                for a in self.sel.css("a[href]")
            ]
        for href, title, when in pairs:
            if not href:
                continue
            url = self.response.urljoin(href.strip())
            if not is_article_url(url):
                continue
            canon = canonical_url(url)
            if canon in seen:
                continue
            seen.add(canon)
            # List times carry no year; the article URL's date does.
            dated = re.search(r"/((?:19|20)\d{2})-?\d{2}-?\d{2}/", url)
            when_dt = parse_list_time(when or "", int(dated.group(1)) if dated else year)
            out.append(ListEntry(article_id(url), canon, " ".join((title or "").split()), when_dt))
        return out

    def next_page(self) -> str | None:
        """The pager's next link (下一页), else the link to index_<n+1>."""
        for a in self.sel.css("a[href]"):
            if "下一页" in a.xpath("string(.)").get():
                return self.response.urljoin(a.attrib["href"])
        m = re.search(r"index_(\d+)\.shtml$", self.response.url)
        if m:
            nxt = f"index_{int(m.group(1)) + 1}.shtml"
            for href in self.sel.css("a::attr(href)").getall():
                if href.strip().endswith(nxt):
                    return self.response.urljoin(href.strip())
        return None
