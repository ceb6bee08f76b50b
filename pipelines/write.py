"""WritePipeline: render the post (pure) and write it atomically with its index row (I/O)."""

from __future__ import annotations

import hashlib
import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

from sinacrawl.archive import archive_for, drop, output_dir
from sinacrawl.columns import ColumnTable
from sinacrawl.render import post_path, render_post
from sinacrawl.shutdown import stop_for_medium
from sinacrawl.state import Record, StoreFailed, body_hash, medium_failure
from sinacrawl.storage import ArchiveDir, UnsafePath, resolve_inside, temp_name

logger = logging.getLogger(__name__)


def _later(recorded: str | None, crawled: str) -> str:
    """The later of two ISO times (``recorded`` may be ``unknown``, after a repair)."""
    try:
        if recorded and datetime.fromisoformat(recorded) >= datetime.fromisoformat(crawled):
            return recorded
    except ValueError:
        pass
    return crawled


def _reactor_running() -> bool:
    """True inside a running crawl; never installs a reactor itself (tests, ``convert``)."""
    reactor = sys.modules.get("twisted.internet.reactor")
    return bool(reactor is not None and reactor.running)


@dataclass
class _Plan:
    """One post to write: its index record and where its bytes go."""

    record: Record
    rel: str
    tmp: str  # the temporary file's name, in the post's folder
    write: bytes | None  # None: the file already holds these bytes
    old_path: str | None
    known: Record | None


class WritePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.root = output_dir(settings)
        self.columns = ColumnTable(
            settings.getlist("SINACRAWL_COLUMNS"), settings.get("SINACRAWL_DEFAULT_COLUMN")
        )
        self.group = settings.get("SINACRAWL_CATEGORY_GROUP")
        self.site = settings.get("SINACRAWL_SITE_NAME")
        self.default_image = settings.get("SINACRAWL_DEFAULT_IMAGE")
        self.body_format = settings.get("SINACRAWL_BODY_FORMAT")
        if self.body_format not in ("html", "markdown"):
            raise NotConfigured(
                f"SINACRAWL_BODY_FORMAT must be html or markdown, not {self.body_format!r}"
            )
        self.path_template = settings.get("SINACRAWL_PATH_TEMPLATE")
        self.threads = settings.getbool("SINACRAWL_WRITE_THREADS", True)
        self.state = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        if self.root is not None:
            self.state = archive_for(self.crawler)  # (creates the folder)
            self.resolved_root = self.root.resolve()
            self.dir = ArchiveDir(self.resolved_root)

    # -- pure part -----------------------------------------------------------------------
    def column(self, adapter, recorded: str | None = None):
        """The column a user asked for (``column_forced``), else the one already recorded
        for the article (fetching it again, by URL or from another column, never re-files
        it), else the discovering column, else the one the URL's path gives."""
        key = adapter.get("column")
        if recorded and not adapter.get("column_forced"):
            key = recorded
        return (self.columns.by_key.get(key) if key else None) or self.columns.for_url(
            adapter["url"]
        )

    def categories(self, adapter, recorded: str | None = None) -> list[str]:
        return [self.group, self.site, self.column(adapter, recorded).label]

    def render_item(self, item, recorded: str | None = None) -> tuple[str, str]:
        """(relative path, post text) for an item that went through the clean pipeline;
        ``recorded`` is the column the index already holds for it."""
        adapter = ItemAdapter(item)
        text = render_post(
            adapter,
            categories=self.categories(adapter, recorded),
            author=self.site,
            default_image=self.default_image,
            body_format=self.body_format,
        )
        return post_path(adapter["id"], adapter["published"], self.path_template), text

    # -- I/O -----------------------------------------------------------------------------
    def process_item(self, item):
        """Write the post. In a running crawl the file is written (and fsynced) on a thread,
        so the event loop goes on meanwhile: a coroutine is returned, giving the item once it
        is on disk (never a Deferred, which Scrapy deprecates). Elsewhere (tests, tools) the
        write is done before returning the item."""
        if self.root is None:
            return item
        try:
            plan = self._plan(item)
        except StoreFailed as exc:  # (the index could not be written: nothing was)
            raise self._store_error(ItemAdapter(item)["id"], exc) from None
        if plan is None:  # unchanged: nothing to write
            return item
        if plan.write is not None and self.threads and _reactor_running():
            return self._write_on_thread(plan, item)  # a coroutine (Scrapy awaits it)
        try:
            self._write_file(plan)
        except (OSError, UnsafePath) as exc:
            raise self._write_error(plan, exc) from None
        return self._finish(plan, item)

    def _plan(self, item) -> _Plan | None:
        adapter = ItemAdapter(item)
        known = self.state.get(adapter["id"]) if self.state else None
        if known is not None and known.id != adapter["id"]:
            # an alias (a republished duplicate) now with a body of its own: a new article,
            # never an update of, nor a move of, the one it repeated
            known = None
        rel, text = self.render_item(item, known.column_key if known else None)
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if adapter.get("crawled"):  # a page read from a WARC: fetched then, not now
            now = _later(known.last_crawled if known else None, adapter["crawled"])
        try:
            # (a lexical and symlink check up front; the write itself goes through
            # ArchiveDir, which refuses a folder swapped for a link later on)
            target = resolve_inside(self.resolved_root, rel)
        except UnsafePath as exc:
            raise drop(self.stats, "unsafe_path", str(exc)) from None
        record = Record(
            id=adapter["id"],
            url=adapter["url"],
            path=rel,
            title=adapter["title"],
            source=adapter.get("source"),
            published=adapter["published"].isoformat(),
            content_hash=digest,
            body_hash=body_hash(adapter.get("body")),
            column_key=self.column(adapter, known.column_key if known else None).key,
            mtime=adapter.get("mtime"),
            first_crawled=known.first_crawled if known else now,
            last_crawled=now,
            version=(known.version + (known.content_hash != digest)) if known else 1,
        )
        on_disk = self.dir.same_bytes(rel, data)
        if known and known.content_hash == digest and known.path == rel and on_disk:
            fetched = not adapter.get("crawled")  # (a page from a WARC was fetched before)
            if fetched or now != known.last_crawled or record.mtime not in (None, known.mtime):
                self.state.touch(record.id, now, record.mtime)
            self.stats.inc_value("sinacrawl/unchanged")
            return None
        tmp = temp_name(target).name
        old_path = known.path if known and known.path != rel else None
        if self.state:
            self.state.begin_write(record, str(PurePosixPath(rel).parent / tmp), old_path)
        return _Plan(record, rel, tmp, None if on_disk else data, old_path, known)

    def _write_file(self, plan: _Plan) -> None:
        if plan.write is not None:
            self.dir.write_atomic(plan.rel, plan.write, plan.tmp)

    def _write_error(self, plan: _Plan, exc: Exception):
        # Disk full, permissions, a folder swapped for a link…: nothing is marked done, so
        # the next run retries it. A failed disk stops the run (nothing else can be written).
        self.stats.inc_value("sinacrawl/errors/write")
        if medium_failure(exc):
            stop_for_medium(self.crawler, exc, f"writing {plan.rel}")
        else:
            logger.error("could not write %s: %s", plan.rel, exc)
        return drop(self.stats, "write_error", f"{plan.rel}: {exc}")

    def _store_error(self, article: str, exc: OSError):
        """The index could not record ``article`` (its disk failed): the post is either not
        written, or written with its pending row, which the next run settles."""
        self.stats.inc_value("sinacrawl/errors/write")
        stop_for_medium(self.crawler, exc, f"recording {article} in the index")
        return drop(self.stats, "write_error", f"{article}: {exc}")

    async def _write_on_thread(self, plan: _Plan, item):
        try:
            await maybe_deferred_to_future(threads.deferToThread(self._write_file, plan))
        except (OSError, UnsafePath) as exc:
            raise self._write_error(plan, exc) from None
        return self._finish(plan, item)

    def _finish(self, plan: _Plan, item):
        if plan.old_path:
            try:  # (a path from the index: checked like one from the web)
                self.dir.unlink(plan.old_path)
            except (UnsafePath, OSError) as exc:
                self.stats.inc_value("sinacrawl/errors/index_path")
                logger.warning("old path of %s not removed: %s", plan.record.id, exc)
        if self.state:
            try:
                self.state.finish_write(plan.record)
            except StoreFailed as exc:
                raise self._store_error(plan.record.id, exc) from None
        self.stats.inc_value("sinacrawl/written/updated" if plan.known else "sinacrawl/written/new")
        return item

    def close_spider(self):
        if self.state is not None:
            self.stats.set_value("sinacrawl/archive_size", self.state.count())
        if self.root is not None and getattr(self, "dir", None) is not None:
            self.dir.close()
