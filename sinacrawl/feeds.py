"""Atom feeds of an archive: one per column and one for all, the newest N articles each.

Read from the index (which articles, their column, media source, times) and the posts
(categories and the cleaned body); written by feedgen. Pure reading of the archive: the index
is opened read-only (``sinacrawl.indexdb``) and nothing is written inside it.

Each entry's id is ``tag:sinacrawl,2005:article/<id>``, from Sina's article id alone, so it
stays the same across runs, URL changes and the site-URL setting. ``published`` is the
publish instant and ``updated`` the later of it and the roll API's ``mtime``, both written in
Beijing time (+08:00), the articles' own zone. A feed's ``updated`` is its newest entry's, so
an unchanged archive gives byte-identical feeds, and identical files are not rewritten.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import yaml

from sinacrawl.dates import BEIJING
from sinacrawl.indexdb import INDEX, open_readonly
from sinacrawl.render import safe_segment
from sinacrawl.storage import UnsafePath, check_relative, same_bytes, temp_name, write_atomic

logger = logging.getLogger(__name__)

ALL = "all.xml"
COLUMNS = "columns"
TAG = "tag:sinacrawl,2005:"
DEFAULT_SIZE = 50

# The newest N rows of each column by publish instant (the index holds ISO 8601 times whose
# offsets may differ: julianday() compares the instants). The newest N of the whole archive
# are among them.
_NEWEST = """
SELECT * FROM (
    SELECT id, url, path, title, source, published, column_key, mtime,
           ROW_NUMBER() OVER (PARTITION BY column_key
                              ORDER BY julianday(published) DESC, id) AS in_column
    FROM articles
) WHERE in_column <= ? ORDER BY column_key, in_column
"""


# Characters XML 1.0 cannot carry (lxml refuses them): dropped from what a feed holds.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    r"""``value`` without the characters XML cannot hold.

    >>> xml_text("a\x01b\x0bc")
    'abc'
    """
    return _NOT_XML.sub("", value)


class FeedError(Exception):
    """The feeds could not be written (the message says why)."""


class BadFeedSetting(ValueError):
    """A feed setting that cannot be used; ``name`` is the setting."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass
class Entry:
    id: str
    column: str
    title: str
    link: str | None
    author: str
    published: datetime
    updated: datetime
    categories: list[str]
    content: str
    content_type: str  # "html", or "text" for a Markdown body


@dataclass
class FeedRun:
    """What ``write_feeds`` did: files written and unchanged, articles skipped (with why)."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # article id → reason

    def summary(self) -> str:
        feeds = len(self.written) + len(self.unchanged)
        line = f"{feeds} feeds ({len(self.written)} written, {len(self.unchanged)} unchanged)"
        if self.skipped:
            reasons: dict[str, int] = {}
            for reason in self.skipped.values():
                reasons[reason] = reasons.get(reason, 0) + 1
            line += ", skipped " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        return line


def _unescape_braces(text: str) -> str:
    return text.replace("&#123;", "{").replace("&#125;", "}")


def split_post(text: str) -> tuple[dict, str]:
    """The front matter (as YAML reads it) and the body of a post.

    >>> split_post("---\\ntitle: 'a'\\n---\\n\\n<div>\\nb\\n</div>\\n")
    ({'title': 'a'}, '<div>\\nb\\n</div>')
    """
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise ValueError("front matter not closed")
    meta = yaml.safe_load(text[4 : end + 1]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[end + 5 :].strip("\n")


def _body(body: str) -> tuple[str, str]:
    """The cleaned body as the crawl had it (braces back), and its Atom content type."""
    if body.startswith("<div>\n") and body.endswith("\n</div>"):
        return _unescape_braces(body[len("<div>\n") : -len("\n</div>")]), "html"
    return _unescape_braces(body), "text"


_ROOT_RELATIVE = re.compile(r'(<img\b[^>]*?\ssrc=")/(?!/)')


def absolute_images(html: str, site_url: str) -> str:
    """Images the post shows from the site itself (``SINACRAWL_IMAGES``: ``/images/…``) made
    absolute on the site's host, since a feed reader has no page to resolve them against.

    >>> absolute_images('<img src="/images/ab/c.png">', "https://x.org/blog/")
    '<img src="https://x.org/images/ab/c.png">'
    """
    parts = urlsplit(site_url)
    return _ROOT_RELATIVE.sub(rf"\g<1>{parts.scheme}://{parts.netloc}/", html)


def post_link(site_url: str, path: str, published: datetime) -> str:
    """The Hexo page of a post under the README's ``permalink: :year/:month/:day/:name/``.

    >>> from sinacrawl.dates import parse_sina_datetime
    >>> post_link("https://x.org/blog", "2022/02/k1.md", parse_sina_datetime("2022-02-22 07:00"))
    'https://x.org/blog/2022/02/22/k1/'
    """
    day = published.astimezone(BEIJING)
    return f"{site_url.rstrip('/')}/{day:%Y/%m/%d}/{PurePosixPath(path).stem}/"


def _instant(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:  # (never written so; read as Beijing time, Sina's zone)
        when = when.replace(tzinfo=BEIJING)
    return when.astimezone(BEIJING)


def _entry(root: Path, row: Mapping, site_url: str | None, site_name: str) -> Entry:
    """One article's entry, read from its post; raises ValueError/OSError with the reason."""
    try:
        file = check_relative(root, row["path"])
    except UnsafePath:
        raise ValueError("unsafe path") from None
    meta, body = split_post(file.read_text(encoding="utf-8"))
    published = _instant(row["published"])
    updated = published
    if row["mtime"]:
        updated = max(published, datetime.fromtimestamp(int(row["mtime"]), BEIJING))
    url = row["url"] or ""
    sina = url if urlsplit(url).scheme in ("http", "https") else None
    link = post_link(site_url, row["path"], published) if site_url else sina
    categories = [_unescape_braces(str(c)) for c in meta.get("categories") or []]
    content, kind = _body(body)
    if site_url and kind == "html":
        content = absolute_images(content, site_url)
    return Entry(
        id=f"{TAG}article/{row['id']}",
        column=row["column_key"] or "",
        title=xml_text(row["title"]),
        link=link,
        author=xml_text(row["source"] or _unescape_braces(str(meta.get("author") or site_name))),
        published=published,
        updated=updated,
        categories=[xml_text(c) for c in categories],
        content=xml_text(content),
        content_type=kind,
    )


def atom(
    entries: Iterable[Entry], *, feed_id: str, title: str, link: str | None, subtitle: str
) -> bytes:
    """One Atom feed of ``entries`` (in the order given, newest first)."""
    from feedgen.feed import FeedGenerator

    entries = list(entries)
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.subtitle(subtitle)
    fg.language("zh-CN")
    if link:
        fg.link(href=link, rel="alternate")
    newest = max((e.updated for e in entries), default=datetime(2005, 1, 1, tzinfo=BEIJING))
    fg.updated(newest)
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry.id)
        fe.title(entry.title)
        if entry.link:
            fe.link(href=entry.link, rel="alternate")
        fe.author(name=entry.author)
        fe.published(entry.published)
        fe.updated(entry.updated)
        for name in entry.categories:
            fe.category(term=name)
        fe.content(entry.content, type=entry.content_type)
    return fg.atom_str(pretty=True, encoding="UTF-8")


def _rows(root: Path, size: int) -> Iterator[Mapping]:
    with open_readonly(root / INDEX) as con:
        yield from con.execute(_NEWEST, (size,))


def write_feeds(
    root: Path,
    out: Path,
    *,
    size: int = DEFAULT_SIZE,
    site_url: str | None = None,
    site_name: str = "新浪财经",
    labels: Mapping[str, str] | None = None,
) -> FeedRun:
    """Write ``out/all.xml`` and ``out/columns/<key>.xml`` from the archive at ``root``.

    Raises ``sinacrawl.indexdb.UnreadableIndex`` for an index that is not a database and
    OSError when a feed cannot be written. An article whose post cannot be read is left out
    and named in ``FeedRun.skipped``.
    """
    labels = labels or {}
    run = FeedRun()
    every: list[Entry] = []
    by_column: dict[str, list[Entry]] = {}
    for row in _rows(root, size):
        try:
            entry = _entry(root, row, site_url, site_name)
        except FileNotFoundError:
            run.skipped[row["id"]] = "post missing"
            continue
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            reason = "post unreadable" if not isinstance(exc, ValueError) else str(exc)
            run.skipped[row["id"]] = reason
            continue
        every.append(entry)
        by_column.setdefault(entry.column, []).append(entry)
    newest = sorted(every, key=lambda e: (-e.published.timestamp(), e.id))[:size]
    site = site_url.rstrip("/") + "/" if site_url else None
    feeds = {
        out / ALL: atom(
            newest,
            feed_id=f"{TAG}feed/all",
            title=site_name,
            link=site or "https://finance.sina.com.cn/",
            subtitle=f"{site_name}: the newest {size} archived articles",
        )
    }
    for key in sorted(by_column):
        label = labels.get(key) or key or "(no column)"
        feeds[out / COLUMNS / f"{safe_segment(key)}.xml"] = atom(
            by_column[key],
            feed_id=f"{TAG}feed/column/{key}",
            title=label,
            link=f"{site}categories/" if site else None,
            subtitle=f"{label}: the newest {size} archived articles",
        )
    for path, data in feeds.items():
        if same_bytes(path, data):
            run.unchanged.append(path)
            continue
        write_atomic(path, data, temp_name(path))
        run.written.append(path)
    return run


def check_site_url(value: str | None) -> str | None:
    """The site URL as given, or None when unset; ValueError when it is no http(s) URL."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(f"{value!r}: give the site's http(s) base URL, e.g. https://example.com/")
    return value


def check_size(value) -> int:
    try:
        size = int(str(value).strip())
    except ValueError:
        size = 0
    if size < 1:
        raise ValueError(f"{value!r}: give a whole number of entries, 1 or more")
    return size


def feed_options(settings) -> dict:
    """``write_feeds`` keyword arguments from Scrapy settings (BadFeedSetting on a bad one)."""
    from sinacrawl.columns import ColumnTable

    table = ColumnTable(
        settings.getlist("SINACRAWL_COLUMNS"), settings.get("SINACRAWL_DEFAULT_COLUMN")
    )
    options: dict = {}
    for name, key, check in (
        ("SINACRAWL_FEED_SIZE", "size", check_size),
        ("SINACRAWL_SITE_URL", "site_url", check_site_url),
    ):
        try:
            options[key] = check(settings.get(name))
        except ValueError as exc:
            raise BadFeedSetting(name, str(exc)) from None
    options["site_name"] = settings.get("SINACRAWL_SITE_NAME") or "新浪财经"
    options["labels"] = {c.key: c.label for c in table.columns}
    return options


def check_settings(settings) -> str | None:
    """Why the feed settings of a crawl with ``SINACRAWL_FEEDS`` cannot be used, or None."""
    if not settings.getbool("SINACRAWL_FEEDS"):
        return None
    try:
        feed_options(settings)
    except BadFeedSetting as exc:
        return f"{exc.name}={exc}"
    folder = Path(settings.get("SINACRAWL_FEED_DIR") or "feeds")
    if folder.exists() and not folder.is_dir():
        return f"SINACRAWL_FEED_DIR={folder} is a file, not a folder: give a folder"
    return None


class FeedWriter:
    """Extension: with ``SINACRAWL_FEEDS``, write the feeds when a crawl writing an archive
    closes. A failure is counted (``sinacrawl/errors/feeds``) and fails the run."""

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("SINACRAWL_FEEDS"):
            raise NotConfigured
        return cls(crawler)

    def spider_closed(self, spider, reason):
        from sinacrawl.archive import output_dir
        from sinacrawl.indexdb import UnreadableIndex

        settings = self.crawler.settings
        root = output_dir(settings)
        if root is None:  # (convert, parse, fetch…: no archive, no feeds)
            return
        out = Path(settings.get("SINACRAWL_FEED_DIR") or "feeds")
        stats = self.crawler.stats
        try:
            if not (root / INDEX).is_file():
                raise FeedError(f"no {INDEX} in {root}")
            run = write_feeds(root, out, **feed_options(settings))
        except (FeedError, OSError, UnreadableIndex, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            stats.inc_value("sinacrawl/errors/feeds")
            logger.error("could not write the feeds in %s: %s", out, reason)
            return
        if run.skipped:
            stats.inc_value("sinacrawl/errors/feeds", len(run.skipped))
            for article_id, why in sorted(run.skipped.items()):
                logger.error("feeds: left out %s: %s", article_id, why)
            logger.error("feeds in %s: %s", out, run.summary())
        else:
            logger.info("feeds in %s: %s", out, run.summary())
