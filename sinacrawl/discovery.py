"""Discovery decisions: which discovered articles to fetch, and when a column's paging stops.

Pure functions over an ArchiveState; the spiders only act on what they say.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sinacrawl.dates import BEIJING
from sinacrawl.state import ArchiveState
from sinacrawl.urls import canonical_url

NEW, UPDATE, KNOWN, OUTSIDE = "new", "update", "known", "outside_window"
# A dropped article listed with better evidence (a newer mtime, another URL) or due again.
RECHECK = "recheck"
# Not fetched: dropped for good (Sina's deleted page…), or waiting after a failure.
TOMBSTONED, DEFERRED = "tombstoned", "deferred"
FETCH = frozenset({NEW, UPDATE, RECHECK})
SETTLED = frozenset({KNOWN, OUTSIDE, TOMBSTONED, DEFERRED})


@dataclass(frozen=True)
class Window:
    """Beijing dates, both inclusive; None means open."""

    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> Window:
        def d(value):
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"dates are YYYY-MM-DD, got {value!r}") from None

        window = cls(d(since), d(until))
        if window.since and window.until and window.since > window.until:
            raise ValueError(f"since {since} is after until {until}")
        return window

    def start_ts(self) -> int | None:
        if not self.since:
            return None
        return int(
            datetime(self.since.year, self.since.month, self.since.day, tzinfo=BEIJING).timestamp()
        )

    def end_ts(self) -> int | None:
        if not self.until:
            return None
        nxt = self.until + timedelta(days=1)
        return int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=BEIJING).timestamp())

    def contains(self, ts: int | None) -> bool:
        if ts is None:
            return True
        start, end = self.start_ts(), self.end_ts()
        return (start is None or ts >= start) and (end is None or ts < end)

    def is_older(self, ts: int | None) -> bool:
        start = self.start_ts()
        return ts is not None and start is not None and ts < start


def _epoch(iso: str | None) -> int:
    try:
        return int(datetime.fromisoformat(iso).timestamp()) if iso else 0
    except ValueError:
        return 0


def judge(
    state: ArchiveState | None,
    article_id: str,
    url: str,
    mtime: int | None,
    ctime: int | None,
    window: Window,
    refresh: bool = False,
    now: int | None = None,
) -> str:
    """NEW, UPDATE (archived but changed since), RECHECK (dropped, but listed with better
    evidence or due again), KNOWN, TOMBSTONED, DEFERRED, or OUTSIDE the date window.

    A drop never outranks better evidence: a listing that gives the id a newer ``mtime``
    or another URL than the one that failed is fetched; ``refresh`` ignores drops."""
    if not window.contains(ctime):
        return OUTSIDE
    if state is None or refresh:
        return NEW
    record = state.get(article_id)
    if record is None:
        other = state.id_for_url(url)
        record = state.get(other) if other else None
    if record is None:
        here = canonical_url(url)
        dropped = state.tombstone(article_id)
        if dropped is not None:
            _reason, dropped_mtime, dropped_url = dropped
            newer = mtime is not None and dropped_mtime is not None and mtime > dropped_mtime
            moved = dropped_url is not None and canonical_url(dropped_url) != here
            return RECHECK if newer or moved else TOMBSTONED
        waiting = state.deferred(article_id)
        if waiting is not None:
            due = waiting.not_before <= (int(time.time()) if now is None else now)
            moved = canonical_url(waiting.url) != here
            return RECHECK if due or moved else DEFERRED
        return NEW
    seen = record.mtime if record.mtime is not None else _epoch(record.last_crawled)
    if mtime is not None and mtime > seen:
        return UPDATE
    if not state.has_post(record):  # (deleted by hand, or lost): fetched and written again
        return UPDATE
    return KNOWN


def page_is_last(
    decisions: Iterable[tuple[str, int | None]], window: Window, watermark: int | None
) -> bool:
    """Stop paging a column after a page where every item is already settled: all known
    and no newer than the column's watermark, or all older than the window."""
    items = list(decisions)
    if not items:
        return True
    if all(window.is_older(ctime) for _d, ctime in items):
        return True
    return watermark is not None and all(
        d in SETTLED and (ctime is None or ctime <= watermark) for d, ctime in items
    )
