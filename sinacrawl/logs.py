"""What the log says: the few lines a person needs at INFO, one line per dropped item.

Scrapy logs its start-up and shut-down dumps (versions, enabled add-ons, extensions,
middlewares and pipelines, overridden settings, the stats) at INFO: about a hundred lines
a run. ``demote_startup_dumps()`` turns those records into DEBUG records (a filter on the
logger that creates each, consulted before any handler compares levels), so they still show
with ``-s LOG_LEVEL=DEBUG``; the run report (``sinacrawl.report``) says what the stats dump
said. ``SinaLogFormatter`` (the ``LOG_FORMATTER``) logs a dropped item as one line with its
id, URL and reason, instead of the whole item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from itemadapter import ItemAdapter
from scrapy.logformatter import LogFormatter

# logger name -> which of its INFO records are dumps (None: all of them)
DUMPS: dict[str, Callable[[logging.LogRecord], bool] | None] = {
    "scrapy.utils.log": lambda r: str(r.msg).startswith("Versions"),
    "scrapy.addons": None,  # Enabled addons
    "scrapy.middleware": None,  # Enabled extensions / middlewares / item pipelines
    "scrapy.crawler": lambda r: str(r.msg).startswith("Overridden settings"),
    "scrapy.extensions.telnet": None,
    "scrapy.statscollectors": lambda r: str(r.msg).startswith("Dumping Scrapy stats"),
    "scrapy.extensions.memusage": lambda r: str(r.msg).startswith("Peak memory usage"),
    # the line LogStats logs as the spider opens, before anything happened; its later
    # once-a-minute lines stay (a heartbeat in a long run's log file)
    "scrapy.extensions.logstats": lambda r: (
        isinstance(r.args, dict) and not r.args.get("pages") and not r.args.get("items")
    ),
}


class DemoteToDebug(logging.Filter):
    """A logger filter: the matching INFO records become DEBUG records."""

    def __init__(self, matches: Callable[[logging.LogRecord], bool] | None = None):
        super().__init__()
        self.matches = matches

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and (self.matches is None or self.matches(record)):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def demote_startup_dumps() -> None:
    """Install the filters (once). Called when Scrapy reads the project settings
    (``sinacrawl.settings``): the first dump is logged before any spider or extension
    exists."""
    for name, matches in DUMPS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DemoteToDebug) for f in logger.filters):
            logger.addFilter(DemoteToDebug(matches))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _id_url(item) -> tuple[str, str]:
    if not ItemAdapter.is_item(item):
        return "-", "-"
    adapter = ItemAdapter(item)
    return str(adapter.get("id") or "-"), str(adapter.get("url") or "-")


class SinaLogFormatter(LogFormatter):
    """Items are logged by id and URL, never with their body."""

    def dropped(self, item, exception, response, spider):
        id_, url = _id_url(item)
        reason = getattr(exception, "reason", None) or "dropped"
        why = str(exception)
        if why in (reason, f"{reason}: {url}"):
            why = reason  # (the detail only repeated the URL)
        level = getattr(exception, "log_level", None)
        if level is None:
            level = logging.WARNING if reason == "write_error" else logging.INFO
        elif isinstance(level, str):
            level = getattr(logging, level)
        return {
            "level": level,
            "msg": "dropped %(id)s %(url)s: %(why)s",
            "args": {"id": id_, "url": url, "why": _one_line(why)},
        }

    def scraped(self, item, response, spider):
        id_, url = _id_url(item)
        return {
            "level": logging.DEBUG,
            "msg": "scraped %(id)s %(url)s",
            "args": {"id": id_, "url": url},
        }

    def item_error(self, item, exception, response, spider):
        id_, url = _id_url(item)  # (the traceback follows the line)
        return {
            "level": logging.ERROR,
            "msg": "error processing %(id)s %(url)s",
            "args": {"id": id_, "url": url},
        }
