"""One ArchiveState per crawler, shared by the spiders and pipelines of a run."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import DropItem
from scrapy.utils.misc import load_object

from sinacrawl.state import ArchiveState

logger = logging.getLogger(__name__)

_ATTR = "_sinacrawl_state"
# (state, what recover() did): set by the crawl command, which opens the archive before the
# run starts, so a full disk or a damaged index is one line there, never a traceback later
PREOPENED = "_sinacrawl_preopened"


def output_dir(settings) -> Path | None:
    value = settings.get("SINACRAWL_OUTPUT_DIR")
    return Path(value) if value else None


def archive_for(crawler) -> ArchiveState | None:
    """The run's archive state (None when the run writes no archive, as in ``convert``)."""
    if hasattr(crawler, _ATTR):
        return getattr(crawler, _ATTR)
    root = output_dir(crawler.settings)
    state = None
    opened = getattr(crawler, PREOPENED, None)
    if opened is not None or root is not None:
        if opened is not None:  # (the crawl command opened and recovered it up front; for
            state, recovered = opened  # a Redis worker, the shared state without a folder)
        else:
            cls = load_object(crawler.settings.get("SINACRAWL_STATE_CLASS"))
            state = cls(root)
            recovered = state.recover()
        if any(recovered.values()):
            logger.warning("recovered an interrupted run: %s", recovered)
        for key, value in recovered.items():
            crawler.stats.inc_value(f"sinacrawl/recovered/{key}", value)
    setattr(crawler, _ATTR, state)
    return state


def drop(stats, reason: str, detail: str = "") -> DropItem:
    """Count a drop under ``sinacrawl/dropped/<reason>`` and return the DropItem to raise."""
    stats.inc_value(f"sinacrawl/dropped/{reason}")
    stats.inc_value("sinacrawl/dropped")
    exc = DropItem(f"{reason}: {detail}" if detail else reason)
    exc.reason = reason  # type: ignore[attr-defined]
    return exc
