"""RollApiPage: one reply of Sina's roll API (feed.mix.sina.com.cn/api/roll/get), JSON or JSONP."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from sinacrawl.urls import article_id, article_url, canonical_url

ROLL_API = "https://feed.mix.sina.com.cn/api/roll/get"
PAGE_SIZE = 50
_JSONP = re.compile(
    r"^\s*(?:try\s*\{)?\s*[\w$.]+\s*\(\s*(.*)\)\s*;?\s*(?:\}\s*catch\s*\(\s*\w+\s*\)\s*\{\s*\}\s*;?)?\s*$",
    re.S,
)


class MalformedReply(ValueError):
    """The reply is not the roll API's shape (Sina changed it, or an error page came back)."""


@dataclass(frozen=True)
class RollEntry:
    id: str
    url: str  # canonical
    raw_url: str
    title: str
    ctime: int | None
    mtime: int | None
    media: str | None


def roll_api_url(pageid: int, lid: int, page: int, num: int = PAGE_SIZE) -> str:
    """
    >>> roll_api_url(155, 1686, 1)
    'https://feed.mix.sina.com.cn/api/roll/get?pageid=155&lid=1686&num=50&page=1'
    """
    return f"{ROLL_API}?{urlencode({'pageid': pageid, 'lid': lid, 'num': num, 'page': page})}"


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def parse_roll_reply(text: str) -> dict:
    """The ``result`` object of a roll API reply; MalformedReply if it is not one."""
    m = _JSONP.match(text) if not text.lstrip().startswith("{") else None
    payload = m.group(1) if m else text
    try:
        data = json.loads(payload)
    except ValueError:
        raise MalformedReply(f"not JSON: {text[:60]!r}") from None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        raise MalformedReply("no result object")
    status = result.get("status")
    if isinstance(status, dict) and _int(status.get("code")) not in (0, None):
        raise MalformedReply(f"status {status.get('code')}: {status.get('msg')}")
    if not isinstance(result.get("data"), list):
        raise MalformedReply(f"data is {type(result.get('data')).__name__}, not a list")
    return result


class RollApiPage:
    """Entries of one roll API page, newest first as Sina serves them."""

    def __init__(self, response):
        self.response = response
        self.result = parse_roll_reply(response.text)

    def total(self) -> int | None:
        return _int(self.result.get("total"))

    def entries(self) -> list[RollEntry]:
        """The page's article entries; the others (not an object, no URL, a URL that is
        not a Sina article's) are listed in ``self.skipped`` as (what, why)."""
        out = []
        self.skipped: list[tuple[str, str]] = []
        for raw in self.result["data"]:
            if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
                self.skipped.append((repr(raw)[:80], "an item without a URL"))
                continue
            url = article_url(raw["url"])
            if url is None:
                self.skipped.append((raw["url"][:200], "not a Sina article URL"))
                continue
            out.append(
                RollEntry(
                    id=article_id(url, (raw.get("docid") or "").removeprefix("comos:") or None),
                    url=canonical_url(url),
                    raw_url=url,
                    title=str(raw.get("title") or ""),
                    ctime=_int(raw.get("ctime")) or _int(raw.get("intime")),
                    mtime=_int(raw.get("mtime")),
                    media=raw.get("media_name"),
                )
            )
        return out
