"""The site model: an article's facts, Beijing time, the URLs the recordings answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from fakesite.config import API_HOST, API_PATH, BEIJING


@dataclass
class Article:
    id: str
    kind: str  # finance | news | mobile
    template: str
    column: str
    ctime: int
    seed: int
    columns: list[str] = field(default_factory=list)
    title: str = ""
    url: str = ""
    wapurl: str = ""
    path: str = ""
    intime: int = 0
    mtime: int = 0
    source: str = ""
    editor: str | None = None
    keywords: list[str] = field(default_factory=list)
    paras: list[str] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    img: str | None = None
    lists: list[str] = field(default_factory=list)
    tracking_url: str | None = None
    folder: str = ""
    special: str | None = None


def bj(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, BEIJING)


def api_url(pageid: int, lid: int, num: int, page: int) -> str:
    return f"https://{API_HOST}{API_PATH}?pageid={pageid}&lid={lid}&num={num}&page={page}"


def replay_key(url: str) -> str:
    """Same as sinacrawl.replay.replay_key (kept here so the tool runs without the project)."""
    parts = urlsplit(url.strip())
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("_", "r")
    )
    return f"{(parts.hostname or '').lower()}{parts.path or '/'}?{urlencode(query)}"
