"""Replay: answer every request from a recorded site folder instead of the network.

``SINACRAWL_REPLAY=<folder>`` turns it on. A recording is any folder below it holding
``url.txt`` (the URL, one line) and the body as ``page.html``, ``body.json`` or ``body``;
an optional ``response.json`` gives ``{"status": 200, "headers": {...}}``. URLs match after
dropping cache-busting parameters (``_``, ``r``) and the scheme, so http/https twins and a
fresh timestamp hit the same recording. A URL with no recording answers 404, as a missing
page would; robots.txt is 404 (allow all) unless recorded.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse

logger = logging.getLogger(__name__)

BODY_FILES = ("page.html", "body.json", "body")
CACHE_BUSTERS = {"_", "r"}


def replay_key(url: str) -> str:
    parts = urlsplit(url.strip())
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in CACHE_BUSTERS
    )
    return f"{(parts.hostname or '').lower()}{parts.path or '/'}?{urlencode(query)}"


def load_recordings(root: str | os.PathLike) -> dict[str, Path]:
    """Map replay keys to recording folders."""
    found: dict[str, Path] = {}
    for folder, _dirs, files in os.walk(os.fspath(root)):
        if "url.txt" in files:
            url = (Path(folder) / "url.txt").read_text(encoding="utf-8").strip()
            if url:
                found[replay_key(url)] = Path(folder)
    return found


def recorded_response(url: str, folder: Path, request=None) -> Response:
    meta = {}
    if (folder / "response.json").is_file():
        meta = json.loads((folder / "response.json").read_text(encoding="utf-8"))
    body = b""
    name = None
    for name in BODY_FILES:
        if (folder / name).is_file():
            body = (folder / name).read_bytes()
            break
    headers = meta.get("headers") or {}
    cls: type[Response]
    if name == "page.html":
        headers.setdefault("Content-Type", "text/html")
        cls = HtmlResponse
    elif name == "body.json":
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        cls = TextResponse
    else:
        cls = Response
    return cls(
        url, status=int(meta.get("status", 200)), headers=headers, body=body, request=request
    )


class ReplayMiddleware:
    """Downloader middleware serving a recorded site in place of the download handler."""

    def __init__(self, root: str, stats):
        if not Path(root).is_dir():
            raise NotConfigured(f"SINACRAWL_REPLAY folder {root!r} does not exist")
        self.root = root
        self.stats = stats
        self.recordings = load_recordings(root)
        logger.info("replaying %d recorded responses from %s", len(self.recordings), root)

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("SINACRAWL_REPLAY")
        if not root:
            raise NotConfigured
        return cls(root, crawler.stats)

    def process_request(self, request, spider=None):
        folder = self.recordings.get(replay_key(request.url))
        if folder is None:
            if not request.url.endswith("/robots.txt"):
                self.stats.inc_value("sinacrawl/replay/miss")
            return Response(request.url, status=404, body=b"not recorded", request=request)
        self.stats.inc_value("sinacrawl/replay/hit")
        return recorded_response(request.url, folder, request)

    def recorded_urls(self) -> list[str]:
        urls = []
        for folder in self.recordings.values():
            urls.append((folder / "url.txt").read_text(encoding="utf-8").strip())
        return sorted(urls)
