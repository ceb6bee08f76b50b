"""ArticlePage: every Sina article template era, one method per field with fallback chains.

Eras (see README): the 2005 table layout (GB2312), the 2014-2016 ``news_content_2014``
template, the old ``blkContainerSblk`` template still used on some channels, the 2017+ finance
template, news.sina.com.cn's ``#article`` pages and the mobile finance.sina.cn pages.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree
from parsel import Selector
from scrapy.http import Response

from sinacrawl.dates import parse_sina_datetime
from sinacrawl.encoding import content_type, decode_page
from sinacrawl.items import ArticleItem
from sinacrawl.loaders import ArticleLoader, normalize_space
from sinacrawl.tree import parse_html, parse_page, tostring
from sinacrawl.urls import article_id, canonical_url, is_article_path

# The 2005 pages splice a picture-in-picture ad into the middle of a word
# ("获得了5<!--NEWSZW_HZH_BEGIN-->…<!--NEWSZW_HZH_END-->00万元"): cut it out of the raw text
# before parsing, so the parser never splits the paragraph around the ad's <table>.
_AD_SPLICE = re.compile(r"<!--\s*NEWSZW_HZH_BEGIN\s*-->.*?<!--\s*NEWSZW_HZH_END\s*-->", re.S)
_CMS_STAMP = re.compile(r"published at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")
_EDITOR = re.compile(r"责任编辑\s*[:：]\s*[^\n<]{1,40}")
_TITLE_SUFFIX = re.compile(r"(?:[_|｜]\s*[^_|｜]*(?:新浪|sina)[^_|｜]*)+$", re.I)
_SCHEME_HOST = re.compile(r"^[a-z]+://[^/]+")
_DELETED_MARKERS = ("页面没有找到", "页面不存在", "已被删除", "您访问的页面不存在", "文章已删除")

# Body containers, most specific first.
BODY_XPATHS = (
    "//*[@id='artibody']",  # 2014-2016, 2017+ finance, old blk template
    "//div[@id='article']",  # news.sina.com.cn 2017+
    "//section[contains(concat(' ', normalize-space(@class), ' '), ' art_content ')]",  # mobile
    "//div[contains(@class, 'blkContainerSblkCon')]",
    # 2005: the innermost td.l17 that holds paragraphs.
    "//td[contains(concat(' ', normalize-space(@class), ' '), ' l17 ')][.//p]"
    "[not(.//td[contains(concat(' ', normalize-space(@class), ' '), ' l17 ')])]",
)
TITLE_XPATHS = (
    "//h1[contains(@class, 'main-title')]",
    "//h1[@id='artibodyTitle']",
    "//h1[contains(@class, 'art_tit_h1')]",
    "//th[contains(concat(' ', normalize-space(@class), ' '), ' f24 ')]",
    "//*[@id='top_bar_wrap']//*[contains(@class, 'second-title')]",
)
VISIBLE_DATE_XPATHS = (
    "//*[contains(@class, 'date-source')]//*[contains(@class, 'date')]",
    "//span[@id='pub_date']",
    "//span[contains(@class, 'time-source')]",
    "//span[contains(@class, 'art_time')]",
    "//font[translate(@color, 'a', 'A')='#A20010']/..",
)
SOURCE_XPATHS = (
    "//*[contains(@class, 'date-source')]//*[contains(@class, 'source')]",
    "//span[@id='media_name']/a",
    "//span[@id='media_name']",
    "//*[@data-sudaclick='media_name']",
    "//span[contains(@class, 'time-source')]//a",
    "//font[translate(@color, 'a', 'A')='#A20010']",
)


def _xpath(path: str):
    compiled = etree.XPath(path)
    return lambda page: compiled(page.root)


def _by_id(fast: str, full: str, ident: str | None = None):
    """``full`` (``//*[@id=…]…``) through libxml2's id table, which knows only the first
    element of a duplicated id: when that one gives nothing, the whole page is searched
    (unless no element has the id ``ident`` at all: then the table holds none either)."""
    first, every = etree.XPath(fast), etree.XPath(full)
    if ident is None:
        return lambda page: first(page.root) or every(page.root)
    some = etree.XPath(f"id('{ident}')")

    def select(page):
        return first(page.root) or (every(page.root) if some(page.root) else [])

    return select


def _classed(fragment: str, below: str | None = None, tag: str = "*"):
    """``//tag[contains(@class, fragment)]``, then ``below`` (relative) under each match, in
    document order; answered from the page's class index, one walk for every such query."""
    inner = etree.XPath(below) if below else None

    def select(page):
        outers = page.with_class(fragment)
        if tag != "*":
            outers = [el for el in outers if el.tag == tag]
        return outers if inner is None else page.under(outers, inner)

    return select


def _selectors(xpaths):
    # Compiled once; a page is read with lxml directly (parsel's per-call Selector objects
    # cost more than the queries on Sina's small pages). ``//*[contains(@class, …)]`` tests
    # every element of the page, so those go through the class index instead; ``@id`` tests
    # go through libxml2's id table (``id()``).
    out = []
    for xp in xpaths:
        m = re.fullmatch(r"//(\*|[a-z][a-z0-9]*)\[contains\(@class, '([\w-]+)'\)\](//.*)?", xp)
        if m:
            below = "." + m.group(3) if m.group(3) else None
            out.append(_classed(m.group(2), below, m.group(1)))
            continue
        m = re.fullmatch(r"//(\*|[a-z][a-z0-9]*)\[@id='([\w-]+)'\](.*)", xp)
        if m:  # (a tag other than * is tested on the element the id table gives)
            own = "" if m.group(1) == "*" else f"[self::{m.group(1)}]"
            out.append(_by_id(f"id('{m.group(2)}'){own}{m.group(3)}", xp, m.group(2)))
            continue
        out.append(_xpath(xp))
    return tuple(out)


_BODY = _selectors(BODY_XPATHS)
_TITLE = _selectors(TITLE_XPATHS)
_VISIBLE_DATE = _selectors(VISIBLE_DATE_XPATHS)
_SOURCE = _selectors(SOURCE_XPATHS)
_KEYWORD_LINKS = _classed("keywords", ".//a/text()")  # (covers 'article-keywords')
_WBKEY = _by_id("id('keywords')/@data-wbkey", "//*[@id='keywords']/@data-wbkey")
_EDITORS = _selectors(
    [
        "//p[contains(@class, 'article-editor')]",
        "//p[contains(@class, 'show_author')]",
        "//*[contains(@class, 'article-editor')]",
    ]
)
_TIME_SOURCE = _selectors(["//span[contains(@class, 'time-source')]"])
_CLASSES = etree.XPath("//@class")


def _text(node) -> str | None:
    return normalize_space("".join(node.itertext()))


class NotAnArticle(ValueError):
    """The page is not an article; ``reason`` is a short stats key (``deleted``, …)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):  # (raised in worker processes too)
        return type(self), (self.reason, self.detail)


class ArticlePage:
    """A Sina article page. Build it from any response; ask it for fields or an item."""

    def __init__(self, response: Response, url: str | None = None):
        self._load(
            response.body,
            response.url,
            status=response.status,
            content_type=content_type(response),
            url=url,
        )

    @classmethod
    def from_bytes(
        cls,
        body: bytes,
        fetched_url: str,
        *,
        status: int = 200,
        content_type: str | None = None,
        url: str | None = None,
    ) -> ArticlePage:
        """The page for saved bytes, without building a Scrapy response (``convert``)."""
        page = cls.__new__(cls)
        page._load(body, fetched_url, status=status, content_type=content_type, url=url)
        return page

    def _load(self, body, fetched_url, *, status, content_type, url) -> None:
        self.fetched_url = fetched_url
        self.url = url or fetched_url
        self.status = status
        self.encoding, self.text = decode_page(body, content_type)
        if "NEWSZW_HZH_BEGIN" in self.text:
            self.root = parse_html(_AD_SPLICE.sub("", self.text), self.url)
        else:
            self.root = parse_page(body, self.text, self.encoding, self.url)
        self._body = None
        self._metas: dict[str, str] | None = None
        self._classes: list | None = None
        self._title: str | None = None
        self._title_done = False

    @property
    def sel(self) -> Selector:
        """The page as a parsel Selector (for ``scrapy shell`` and ad hoc queries)."""
        return Selector(root=self.root, type="html")

    # -- helpers -------------------------------------------------------------------------
    def _meta(self, *names: str) -> str | None:
        if self._metas is None:
            metas: dict[str, str] = {}
            for meta in self.root.iter("meta"):
                key = meta.get("name") or meta.get("property")
                value = (meta.get("content") or "").strip()
                if key and value and key not in metas:
                    metas[key] = value
            self._metas = metas
        for name in names:
            if name in self._metas:
                return self._metas[name]
        return None

    def with_class(self, fragment: str) -> list:
        """Elements whose class attribute contains ``fragment``, in document order."""
        if self._classes is None:
            self._classes = _CLASSES(self.root)  # (class values; each knows its element)
        return [value.getparent() for value in self._classes if fragment in value]

    @staticmethod
    def under(outers: list, inner) -> list:
        """``inner`` evaluated under each of ``outers``: one list in document order (an outer
        inside an earlier one adds nothing new)."""
        if len(outers) == 1:
            return inner(outers[0])
        out: list = []
        done: set = set()
        for outer in outers:
            if not any(up in done for up in outer.iterancestors()):
                out.extend(inner(outer))
            done.add(outer)
        return out

    def _first_text(self, selectors) -> str | None:
        for select in selectors:
            for node in select(self):
                text = _text(node)
                if text:
                    return text
        return None

    def _container(self):
        if self._body is None:
            self._body = next((found[0] for sel in _BODY if (found := sel(self))), False)
        return self._body if self._body is not False else None

    # -- article or not ----------------------------------------------------------------
    def not_article_reason(self) -> str | None:
        """Why this page is not an article, or None when it is one."""
        # Only Sina's own "deleted" page and a whole page of another kind are proof for good
        # (state.PERMANENT_DROPS); a bare 404 (a URL built wrong, a page not published yet),
        # an empty or cut-off answer and a redirect home say nothing lasting about the article.
        if not self.text.strip():
            return "empty_page"
        if self.status in (404, 410):
            return "deleted" if self._deleted_marker() else "missing"
        path = _SCHEME_HOST.sub("", self.fetched_url)
        if path in ("", "/") or path.startswith("/index."):
            return "redirected_home"
        if self._container() is None:
            if self._deleted_marker():
                return "deleted"
            if not "".join(self.root.xpath("//body//text()")).strip():
                return "empty_page"
            if "</html" not in self.text[-4096:].lower():
                return "truncated"
            # For good only with proof of another kind: a maintenance, anti-bot or error page
            # answered 200 in place of the article says nothing lasting about it.
            return "not_article" if self._other_kind() else "no_article_body"
        if not self.title():
            return "no_title"
        return None

    def _other_kind(self) -> bool:
        """Whether the page is positively something other than an article: it says so
        (``og:type`` video…), its URL is not an article's, or it is a list or quote page."""
        kind = (self._meta("og:type") or "").lower()
        if kind and kind not in ("article", "news"):
            return True
        if not is_article_path(_SCHEME_HOST.sub("", self.fetched_url).split("?")[0]):
            return True
        if self.root.xpath(
            "//*[@id='hqDetails' or contains(@class, 'listBlk') or contains(@class, 'list_009')"
            " or contains(@class, 'feed-card')]"
        ):
            return True
        links = self.root.xpath(
            "count(//a[contains(@href, '/doc-i') or contains(@href, '/detail-i')])"
        )
        return links >= 20  # a list of articles

    def _deleted_marker(self) -> bool:
        head = " ".join(self.root.xpath("//title//text() | //body//text()")[:200])
        return any(marker in head for marker in _DELETED_MARKERS)

    def check(self) -> None:
        reason = self.not_article_reason()
        if reason:
            raise NotAnArticle(reason, self.url)

    # -- fields --------------------------------------------------------------------------
    def canonical_url(self) -> str:
        return canonical_url(self.url)

    def article_id(self) -> str:
        return article_id(self.url, self._meta("publishid"))

    def title(self) -> str | None:
        if self._title_done:
            return self._title
        title = self._first_text(_TITLE) or self._meta("og:title")
        if not title:
            raw = normalize_space(self.root.xpath("string(//title)"))
            title = _TITLE_SUFFIX.sub("", raw or "").strip("_ ") or None
        self._title, self._title_done = title, True  # (asked: is it an article; the item)
        return title

    def published(self) -> datetime | None:
        # weibo create_at is the creation time shown (to the minute) on the page;
        # published_time can be a later re-publish (seen: 00:26 shown, 05:54 published).
        for candidate in (
            lambda: self._meta("weibo: article:create_at"),
            lambda: self._meta("article:published_time"),
            lambda: self._first_text(_VISIBLE_DATE),
            lambda: self._meta("weibo: article:update_at"),
        ):
            when = parse_sina_datetime(candidate())
            if when:
                return when
        stamp = _CMS_STAMP.search(self.text[:3000])
        return parse_sina_datetime(stamp.group(1)) if stamp else None

    def source(self) -> str | None:
        for select in _SOURCE:
            for node in select(self):
                text = _text(node)
                if text and not re.search(r"\d{4}年", text):
                    return text
        span = self._first_text(_TIME_SOURCE)
        if span:  # 2014-2016: "2016年05月25日10:10 新浪财经" in one span
            rest = re.sub(r"^.*?\d{1,2}:\d{2}", "", span).strip()
            if rest:
                return rest
        return self._meta("article:author", "mediaid")

    def keywords(self) -> list[str]:
        wbkey = _WBKEY(self)
        found = [self._meta("keywords"), self._meta("tags"), wbkey[0] if wbkey else None]
        found += [str(t) for t in _KEYWORD_LINKS(self)]
        words = ",".join(w for w in found if w)
        return [w for w in re.split(r"[,，;；|]", words) if w.strip() and "sina" not in w]

    def editor(self) -> str | None:
        text = self._first_text(_EDITORS)
        if not text:
            container = self._container()
            m = _EDITOR.search("".join(container.itertext())) if container is not None else None
            text = normalize_space(m.group(0)) if m else None
        return text

    def og_image(self) -> str | None:
        return self._meta("og:image")

    def body_html(self) -> str | None:
        container = self._container()
        if container is None:
            return None
        return tostring(container, with_tail=False)

    # -- the item ------------------------------------------------------------------------
    def item(self, column: str | None = None, mtime: int | None = None) -> ArticleItem:
        """The article as an ArticleItem; raises NotAnArticle for anything else."""
        self.check()
        loader = ArticleLoader(item=ArticleItem())
        loader.add_value("title", self.title())
        loader.add_value("source", self.source())
        loader.add_value("keywords", self.keywords())
        loader.add_value("editor", self.editor())
        loaded = loader.load_item()
        # The loader takes the fields its processors shape; the others (no input processor,
        # one value) it would pass through unchanged, so they are set as they are.
        item = ArticleItem()
        for name, value in (
            ("id", self.article_id()),
            ("url", self.canonical_url()),
            ("fetched_url", self.fetched_url),
            ("title", loaded.get("title")),
            ("published", self.published()),
            ("source", loaded.get("source")),
            ("column", column),
            ("keywords", loaded.get("keywords", [])),
            ("editor", loaded.get("editor")),
            ("og_image", self.og_image()),
            ("body_html", self.body_html()),
            ("mtime", mtime),
        ):
            if value is not None and value != "":
                item[name] = value
        return item


def is_article_url(url: str) -> bool:
    """True when a URL has the shape of a Sina article page."""
    return is_article_path(_SCHEME_HOST.sub("", url).split("?")[0])
