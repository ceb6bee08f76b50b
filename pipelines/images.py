"""LocalImagesPipeline: each post's images stored once in the archive, keyed by their bytes,
and the post rewritten to show the local copies (``SINACRAWL_IMAGES=1``; off by default).

A thin subclass of Scrapy's FilesPipeline (not ImagesPipeline, which re-encodes every image
as JPEG through Pillow: the archive keeps the bytes Sina served). What it changes:

- the path is the SHA-256 of the bytes (``sinacrawl.images.image_path``), not of the URL, so
  an image served under several URLs is one file; the index remembers URL → path, so an
  image already stored is never downloaded again (Scrapy's own check stats a path computed
  from the URL alone, which a content key cannot give);
- files are written atomically into the archive (``ArchiveImageStore``); Scrapy's
  ``FSFilesStore`` writes in place, leaving a truncated file to a kill;
- a failed image is no error: it is counted (``sinacrawl/images/failed/<why>``) in one log
  line, the post keeps its remote URL, and the article stays in the frontier so the next run
  fetches it again with its images (Scrapy logs a traceback per failed file and keeps no
  record of it);
- only raster images (by their first bytes) are kept; requests carry no Referer (Sina's image
  host refuses a foreign one), go through robots.txt, retries and the offsite filter like
  every request, and images on hosts outside ``allowed_domains`` are left remote.
"""

from __future__ import annotations

import logging
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileInfo, FileInfoOrError, MediaPipeline
from scrapy.utils.url import url_is_from_any_domain
from twisted.internet import threads
from twisted.python.failure import Failure

from sinacrawl.archive import archive_for, output_dir
from sinacrawl.images import (
    DEFAULT_URL_PREFIX,
    IMAGES_DIR,
    body_images,
    image_path,
    image_type,
    local_url,
    rewrite_sources,
    wanted,
)
from sinacrawl.render import head_image
from sinacrawl.state import backoff
from sinacrawl.storage import ArchiveDir, UnsafePath, check_relative, temp_name

logger = logging.getLogger(__name__)


def remove_temp_files(root: Path) -> int:
    """Remove the temporary files a killed run left in ``root/images/`` (half-written or
    not yet renamed: never under an image's own name); returns how many."""
    removed = 0
    for tmp in (root / IMAGES_DIR).glob("*/.*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


class ArchiveImageStore:
    """FilesPipeline store inside the archive: paths are relative to the archive folder
    (``images/…``); each file is written to a temporary file beside it, fsynced and renamed
    (through ``ArchiveDir``: no symlink on the way is followed), and never rewritten with the
    bytes it holds."""

    def __init__(self, basedir: str):
        self.basedir = basedir
        self.dir: ArchiveDir | None = None  # opened by the pipeline's open_spider

    def persist_file(self, path, buf: BytesIO, info, meta=None, headers=None):
        data = buf.getvalue()
        reactor = sys.modules.get("twisted.internet.reactor")
        if reactor is not None and reactor.running:  # (off the event loop, like posts)
            return threads.deferToThread(self._write, path, data)
        self._write(path, data)
        return None

    def _write(self, path: str, data: bytes) -> None:
        assert self.dir is not None
        if not self.dir.same_bytes(path, data):
            self.dir.write_atomic(path, data, temp_name(Path(path)).name)

    def stat_file(self, path, info):
        return {}  # (unused: the pipeline asks the index which URLs are stored)


class LocalImagesPipeline(FilesPipeline):
    MEDIA_NAME = "image"
    STORE_SCHEMES = {
        **FilesPipeline.STORE_SCHEMES,
        "": ArchiveImageStore,
        "file": ArchiveImageStore,
    }

    def __init__(self, store_uri: str, download_func: None = None, *, crawler):
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.root = Path(store_uri)
        self.prefix = settings.get("SINACRAWL_IMAGES_URL") or DEFAULT_URL_PREFIX
        self.default_image = settings.get("SINACRAWL_DEFAULT_IMAGE")
        self.retry = (
            settings.getfloat("SINACRAWL_RECHECK_AFTER"),
            settings.getfloat("SINACRAWL_RECHECK_MAX"),
        )
        self.stats = crawler.stats
        self.state: Any = None
        self.remote: dict[str, list[str]] = {}  # article id → images its post shows remote
        crawler.signals.connect(self._post_written, signal=signals.item_scraped)
        crawler.signals.connect(self._post_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        root = output_dir(crawler.settings)
        if root is None or not crawler.settings.getbool("SINACRAWL_IMAGES"):
            raise NotConfigured
        # (absolute: FilesPipeline picks the store by the URI's scheme, and "a:b" has one)
        return cls(str(root.resolve()), crawler=crawler)

    def open_spider(self, spider=None) -> None:
        super().open_spider()
        self.state = archive_for(self.crawler)  # (creates the archive folder)
        resolved = self.root.resolve()
        self.resolved = resolved
        self.store.dir = ArchiveDir(resolved)  # type: ignore[attr-defined]
        removed = remove_temp_files(resolved)
        if removed:
            self.stats.inc_value("sinacrawl/images/temp_removed", removed)

    def close_spider(self, spider=None) -> None:
        store_dir = getattr(self.store, "dir", None)
        if store_dir is not None:
            store_dir.close()

    # -- which images -----------------------------------------------------------------------
    def _head(self, adapter) -> str:
        return head_image(adapter.get("images") or [], adapter.get("og_image"), self.default_image)

    def _urls(self, item, spider) -> tuple[list[str], list[str]]:
        """(images to fetch, images on hosts the spider may not fetch from)."""
        adapter = ItemAdapter(item)
        urls = wanted([*body_images(adapter.get("body") or ""), self._head(adapter)])
        allowed = getattr(spider, "allowed_domains", None) or []
        if not allowed:
            return urls, []
        own = [u for u in urls if url_is_from_any_domain(u, allowed)]
        return own, [u for u in urls if u not in own]

    def get_media_requests(self, item, info: MediaPipeline.SpiderInfo) -> list[Request]:
        urls, foreign = self._urls(item, info.spider)
        if foreign:
            self.stats.inc_value("sinacrawl/images/offsite", len(foreign))
        return [
            Request(
                url,
                callback=NO_CALLBACK,
                # Sina's image host refuses a foreign Referer: send none, on redirects too
                meta={"sinacrawl_kind": "image", "referrer_policy": "no-referrer"},
            )
            for url in urls
        ]

    # -- stored already? --------------------------------------------------------------------
    def media_to_download(self, request: Request, info, *, item: Any = None):
        path = self.state.stored_image(request.url) if self.state is not None else None
        if path is None:
            return None
        try:
            if not check_relative(self.resolved, path).is_file():
                return None  # (deleted by hand: fetched again)
        except UnsafePath:
            return None
        self.stats.inc_value("sinacrawl/images/known")
        return {"url": request.url, "path": path, "checksum": None, "status": "uptodate"}

    # -- downloaded -------------------------------------------------------------------------
    def file_path(self, request, response=None, info=None, *, item=None) -> str:
        if response is None:  # (Scrapy's stat path, unused here)
            return (self.state.stored_image(request.url) if self.state else None) or ""
        return image_path(response.body, image_type(response.body) or "bin")

    async def media_downloaded(
        self, response: Response, request: Request, info, *, item: Any = None
    ) -> FileInfo:
        if response.status != 200:
            return self._failed(request, f"http_{response.status}")
        if not response.body:
            return self._failed(request, "empty")
        if image_type(response.body) is None:
            return self._failed(request, "not_image")
        stored = await super().media_downloaded(response, request, info, item=item)
        self.state.store_image(request.url, stored["path"])
        self.stats.inc_value("sinacrawl/images/downloaded")
        return stored

    def media_failed(self, failure: Failure, request: Request, info) -> None:  # type: ignore[override]
        # Returning (not raising) keeps Scrapy from logging a traceback for what is a
        # counted, retried failure; the result is then None, read as failed below.
        if failure.check(IgnoreRequest):
            why = "filtered"  # robots.txt, the offsite filter
        else:
            why = failure.type.__name__ if failure.type else "error"
        self._failed(request, why)

    def _failed(self, request: Request, why: str) -> FileInfo:
        self.stats.inc_value("sinacrawl/images/failed")
        self.stats.inc_value(f"sinacrawl/images/failed/{why}")
        logger.warning("image not stored (%s), the post keeps its URL: %s", why, request.url)
        return {"url": request.url, "path": "", "checksum": None, "status": "failed"}

    # -- the post ---------------------------------------------------------------------------
    def item_completed(self, results: list[FileInfoOrError], item, info):
        adapter = ItemAdapter(item)
        urls, _foreign = self._urls(item, info.spider)
        local: dict[str, str] = {}
        remote: list[str] = []
        for url, (ok, value) in zip(urls, results, strict=True):
            if ok and isinstance(value, dict) and value.get("status") != "failed":
                local[url] = local_url(self.prefix, value["path"])
            else:
                remote.append(url)
        adapter["body"] = rewrite_sources(adapter.get("body") or "", local)
        head = self._head(adapter)
        if head in local:
            adapter["headimg"] = local[head]
        self.remote[adapter["id"]] = remote
        return item

    def _post_written(self, item, response, spider=None):
        """After the writer: remember which posts still show remote images, and keep those
        articles in the frontier: the next run fetches them again with their images (then,
        if they fail again, after the re-check backoff of failed pages)."""
        aid = item.get("id")
        remote = self.remote.pop(aid, None)
        if remote is None or self.state is None:
            return
        attempts = self.state.set_hotlinks(aid, remote)
        if not remote:
            return
        self.stats.inc_value("sinacrawl/images/posts_hotlinking")
        meta = response.meta if response is not None else {}
        wait = 0 if attempts <= 1 else backoff(attempts - 1, *self.retry)
        self.state.defer(
            aid,
            meta.get("sinacrawl_url") or item.get("url"),
            meta.get("sinacrawl_column"),
            meta.get("sinacrawl_mtime"),
            "images",
            (wait, wait),
        )
        self.stats.inc_value("sinacrawl/deferred/images")
        logger.info(
            "%s keeps %d remote image(s); fetched again %s",
            item.get("url"),
            len(remote),
            "at the next run" if not wait else f"after {wait}s",
        )

    def _post_dropped(self, item, response, exception, spider=None):
        self.remote.pop(item.get("id"), None)
