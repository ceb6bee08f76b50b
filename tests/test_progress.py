"""The live progress display: its numbers come from the stats, and a log record emitted
while it is live prints on a line of its own above it, never glued to it. The display
writes to a fake terminal (a rich Console on a StringIO, force_terminal), replayed through
a small screen emulator to see what a person would see."""

from __future__ import annotations

import io
import logging
import re
import sys

import pytest
from rich.console import Console
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings

from sinacrawl.progress import Progress, numbers

CONTROL = re.compile(r"\x1b\[(\??)(\d*)(?:;\d+)*([A-Za-z])|\r|\n|[^\x1b\r\n]+")


def screen(output: str) -> list[str]:
    """The lines a terminal shows after ``output``: text, CR, LF (with the tty's CR), cursor
    up/down (ESC[nA/B), erase line (ESC[2K); colours and cursor visibility ignored."""
    lines, row, col = [""], 0, 0
    for m in CONTROL.finditer(output):
        token = m.group(0)
        if token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
        elif token.startswith("\x1b"):
            private, n, op = m.group(1), int(m.group(2) or 1), m.group(3)
            if private or op == "m":
                continue
            if op == "A":
                row = max(0, row - n)
            elif op == "B":
                row += n
            elif op == "K":
                lines[row] = "" if m.group(2) == "2" else lines[row][:col]
            else:
                raise AssertionError(f"the emulator does not know {token!r}")
            continue
        else:
            while len(lines) <= row:
                lines.append("")
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
        while len(lines) <= row:
            lines.append("")
    return [line.rstrip() for line in lines]


class FakeSignals:
    def connect(self, *args, **kwargs):
        pass


class FakeStats:
    def __init__(self, stats):
        self.stats = stats

    def get_stats(self):
        return self.stats


class FakeCrawler:
    def __init__(self, stats=None, settings=None):
        self.signals = FakeSignals()
        self.stats = FakeStats(stats or {})
        self.settings = Settings(settings or {})


class Clock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


STATS = {
    "sinacrawl/discovered/new": 6,
    "sinacrawl/discovered/frontier": 1,
    "sinacrawl/discovered/known": 40,  # skipped, not shown as discovered
    "sinacrawl/articles/fetched": 5,
    "sinacrawl/written/new": 3,
    "sinacrawl/written/updated": 1,
    "sinacrawl/unchanged": 2,
    "sinacrawl/dropped": 1,
    "sinacrawl/dropped/deleted": 1,
    "sinacrawl/errors/article": 2,
    "sinacrawl/errors/http_500": 2,  # (a detail of the article errors, not more errors)
}


def test_numbers_come_from_the_stats():
    shown = numbers(STATS, elapsed=2.0)
    assert shown == {
        "discovered": 7,
        "fetched": 5,
        "written": 4,
        "unchanged": 2,
        "dropped": 1,
        "errors": 2,
        "rate": 2.5,
    }
    assert numbers({}, elapsed=0.0)["rate"] == 0.0


@pytest.fixture
def terminal():
    """A fake terminal: a console on a StringIO, and a root log handler writing there too
    (as Scrapy's writes to stderr, the terminal the display is on)."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("[%(name)s] %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    logger = logging.getLogger("tests.progress")
    logger.setLevel(logging.INFO)
    try:
        yield out, console, handler, logger
    finally:
        root.removeHandler(handler)


def test_a_log_record_prints_on_its_own_line_above_the_display(terminal):
    out, console, handler, logger = terminal
    stats = dict(STATS)
    clock = Clock()
    progress = Progress(FakeCrawler(stats), console=console, clock=clock)
    progress.start()
    clock.now += 2.0
    progress.tick()
    assert handler.stream is not out  # written through the console while live
    logger.info("a record while the display is live")
    shown = screen(out.getvalue())
    while shown and not shown[-1]:
        shown.pop()
    assert shown[-2] == "[tests.progress] INFO: a record while the display is live"
    live = shown[-1]
    for text in (
        "discovered 7",
        "fetched 5",
        "written 4",
        "unchanged 2",
        "dropped 1",
        "errors 2",
        "2.5 articles/s",
        "0:00:02",
    ):
        assert text in live, live

    # the stats move on; the display follows them, the record stays where it was
    stats["sinacrawl/articles/fetched"] = 9
    stats["sinacrawl/written/new"] = 7
    clock.now += 1.0
    logger.warning("a second record")
    progress.tick()
    progress.stop()
    assert handler.stream is out  # Scrapy's handler is given its stream back
    logger.info("after the run")
    shown = [line for line in screen(out.getvalue()) if line]
    assert shown[-4] == "[tests.progress] INFO: a record while the display is live"
    assert shown[-3] == "[tests.progress] WARNING: a second record"
    final = shown[-2]  # the last numbers stay on the screen
    assert "fetched 9" in final and "written 8" in final and "3.0 articles/s" in final, final
    assert shown[-1] == "[tests.progress] INFO: after the run"
    assert sum("discovered" in line for line in shown) == 1  # redrawn in place


def test_a_partial_write_waits_for_its_line_end(terminal):
    out, console, handler, logger = terminal
    progress = Progress(FakeCrawler(dict(STATS)), console=console, clock=Clock())
    progress.start()
    handler.stream.write("one half, ")
    handler.stream.write("the other half\n")
    progress.stop()
    assert "one half, the other half" in screen(out.getvalue())


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    "settings, tty, on",
    [
        ({"SINACRAWL_PROGRESS": True}, True, True),
        ({"SINACRAWL_PROGRESS": True}, False, False),  # a pipe
        ({"SINACRAWL_PROGRESS": True, "LOG_FILE": "crawl.log"}, True, False),
        ({"SINACRAWL_PROGRESS": False}, True, False),
    ],
)
def test_only_on_a_terminal(monkeypatch, settings, tty, on):
    monkeypatch.setattr(sys, "stderr", Tty() if tty else io.StringIO())
    crawler = FakeCrawler(settings=settings)
    if on:
        assert isinstance(Progress.from_crawler(crawler), Progress)
    else:
        with pytest.raises(NotConfigured):
            Progress.from_crawler(crawler)
