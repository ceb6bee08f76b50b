"""A live progress display on a terminal (rich): discovered, fetched, written, unchanged,
dropped, errors, the rate and the elapsed time, read from the crawl's stats. Log records
print above it, never into it. Off in a pipe, with a log file, or with SINACRAWL_PROGRESS
False."""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

FIELDS = ("discovered", "fetched", "written", "unchanged", "dropped", "errors")


def numbers(stats: dict, elapsed: float) -> dict:
    """What the display shows, from the crawl's stats; pure."""
    fetched = stats.get("sinacrawl/articles/fetched", 0)
    return {
        "discovered": sum(
            v
            for k, v in stats.items()
            if k.startswith("sinacrawl/discovered/") and k != "sinacrawl/discovered/known"
        ),
        "fetched": fetched,
        "written": stats.get("sinacrawl/written/new", 0)
        + stats.get("sinacrawl/written/updated", 0),
        "unchanged": stats.get("sinacrawl/unchanged", 0),
        "dropped": stats.get("sinacrawl/dropped", 0),
        "errors": sum(
            v
            for k, v in stats.items()
            if k.startswith("sinacrawl/errors/") and not k.startswith("sinacrawl/errors/http_")
        ),
        "rate": fetched / elapsed if elapsed > 0 else 0.0,  # articles/s since the start
    }


class ConsoleStream(io.TextIOBase):
    """What a log handler writes to while the display is live: each complete line is
    printed through the console, which prints it above the display and redraws that."""

    def __init__(self, console: Console):
        self.console = console
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.console.print(Text("\n".join(lines)), soft_wrap=True, highlight=False)
        return len(text)

    def flush(self) -> None:
        pass  # (a partial line waits for its end, or for close())

    def close(self) -> None:
        if self.pending:
            self.write("\n")
        super().close()


class Progress:
    INTERVAL = 0.5  # seconds between redraws

    def __init__(self, crawler, console: Console | None = None, clock: Callable = time.monotonic):
        self.crawler = crawler
        self.console = console or Console(file=sys.stderr)
        self.clock = clock
        self.display: RichProgress | None = None
        self.loop: task.LoopingCall | None = None
        self.redirected: list[tuple[logging.StreamHandler, object, ConsoleStream]] = []
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)
        crawler.signals.connect(self.closed, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("SINACRAWL_PROGRESS"):
            raise NotConfigured
        if not sys.stderr.isatty() or crawler.settings.get("LOG_FILE"):
            raise NotConfigured  # a log file or a pipe stays free of cursor movements
        return cls(crawler)

    def columns(self) -> list:
        fields = [TextColumn(f"{name} [bold]{{task.fields[{name}]}}[/]") for name in FIELDS]
        return [
            SpinnerColumn(finished_text="[green]✓[/]"),
            *fields,
            TextColumn("[bold]{task.fields[rate]:.1f}[/] articles/s"),
            TimeElapsedColumn(),
        ]

    def start(self) -> None:
        self.started = self.clock()
        self.display = RichProgress(
            *self.columns(),
            console=self.console,
            auto_refresh=False,  # redrawn from the reactor's thread, where the stats change
            transient=False,  # the last numbers stay on the screen
            redirect_stdout=False,  # stdout may carry a feed (-O -)
            redirect_stderr=True,  # direct writes to stderr print above the display too
            get_time=self.clock,
        )
        self.task = self.display.add_task("crawl", total=None, **self.current())
        self.display.start()
        # Scrapy's root handler writes to the same terminal: through the console, so each
        # record prints on its own line above the display
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is self.console.file:
                stream = ConsoleStream(self.console)
                self.redirected.append((handler, handler.setStream(stream), stream))  # type: ignore[arg-type]
        self.display.refresh()

    def current(self) -> dict:
        return numbers(self.crawler.stats.get_stats(), self.clock() - self.started)

    def tick(self) -> None:
        if self.display is not None:
            self.display.update(self.task, **self.current())
            self.display.refresh()

    def stop(self) -> None:
        if self.display is None:
            return
        self.tick()
        self.display.update(self.task, total=1, completed=1)  # (the spinner becomes ✓)
        self.display.refresh()
        self.display.stop()
        self.display = None
        for handler, original, stream in self.redirected:
            handler.setStream(original)  # type: ignore[arg-type]
            stream.close()
        self.redirected.clear()

    def opened(self, spider):
        self.start()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.INTERVAL, now=False)

    def closed(self, *args, **kwargs):
        if self.loop and self.loop.running:
            self.loop.stop()
        self.stop()
