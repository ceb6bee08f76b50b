"""Open an archive report in headless Chromium, check it as a reader would see it, and take
its screenshot; the README's ``docs/report.png`` is made this way, and so is the browser test's.

    python tools/screenshot_report.py [-o docs/report.png] [--archive DIR]

Without ``--archive`` it builds the demo archive first (``build_demo``): the recorded site
(``fixtures/site``) crawled by the real ``roll`` spider, then earlier runs' reports written by
the crawler's own report writer from the stats such runs leave (two of them failed), and
articles waiting in the frontier after failures (``SqliteState.defer``). Chromium is Debian's
(``/usr/bin/chromium``), driven by Playwright for Python; no browser is downloaded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "fixtures" / "site"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A title that would fetch from here and fail the page's checks if it were not escaped.
HOSTILE_TITLE = '<img src="http://127.0.0.1:9/x.png" onerror="console.error(1)">{{ t }}</title>'


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@dataclass
class Visit:
    """What the page did in the browser."""

    url: str
    requests: list[str] = field(default_factory=list)  # every request but the page's own
    console: list[str] = field(default_factory=list)  # console errors and warnings
    errors: list[str] = field(default_factory=list)  # uncaught page errors


@contextmanager
def browse(html: Path, chromium: str, width: int = 1100) -> Iterator[tuple[object, Visit]]:
    """The page ``html`` open in headless Chromium, loaded, with what it asked for."""
    from playwright.sync_api import sync_playwright

    visit = Visit(html.resolve().as_uri())

    def on_request(request):
        if request.url != visit.url:
            visit.requests.append(request.url)

    def on_console(message):
        if message.type in ("error", "warning"):
            visit.console.append(f"{message.type}: {message.text}")

    def on_route(route):
        # the page itself comes from disk; anything else is recorded and never sent
        if route.request.url == visit.url:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("request", on_request)
            page.on("console", on_console)
            page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
            page.route("**/*", on_route)
            page.goto(visit.url, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            yield page, visit
        finally:
            browser.close()


def screenshot(page, png: Path, height: int = 1800) -> None:
    """The top of the page (the figures and the first charts), a small PNG."""
    png.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(png), full_page=True, clip={"x": 0, "y": 0, "width": 1100, "height": height}
    )


def build_demo(root: Path) -> Path:
    """The demo archive in ``root`` (made; must not exist yet)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "roll", "-a", "columns=all",
            "-s", f"SINACRAWL_OUTPUT_DIR={root}", "-s", f"SINACRAWL_REPLAY={SITE}",
            "-s", "LOG_LEVEL=WARNING", "-s", "SINACRAWL_PROGRESS=False",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the demo crawl exited {done.returncode}:\n{done.stderr[-2000:]}")
    add_history(root)
    return root


def add_history(root: Path) -> None:
    """Earlier runs' reports, as the crawler writes them, and articles waiting after failures."""
    from scrapy.settings import Settings

    from sinacrawl.report import RunReport, summarize
    from sinacrawl.state import SqliteState

    settings = Settings({"SINACRAWL_MAX_ERROR_RATE": 0.1})
    start = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    for i in range(14):
        began = start + timedelta(hours=12 * i)
        stats: dict = {
            "start_time": began,
            "finish_time": began + timedelta(seconds=30 + 7 * (i % 5) + (300 if i == 9 else 0)),
            "finish_reason": "shutdown" if i == 9 else "finished",
            "sinacrawl/written/new": (5 * i) % 23,
            "sinacrawl/written/updated": i % 3,
            "sinacrawl/unchanged": i % 4,
            "sinacrawl/dropped/missing": i % 2,
            "sinacrawl/dropped/duplicate_content": 1 if i % 5 == 0 else 0,
            "sinacrawl/dropped/not_article": 1 if i % 4 == 1 else 0,
            "sinacrawl/errors/article": 3 if i == 5 else i % 2,
            "sinacrawl/archive_size": 6 * i,
            "sinacrawl/articles/fetched": 20,
        }
        if i == 5:
            stats["sinacrawl/failed_columns/gspd"] = "the roll API answered 502 三次 <b>bad</b>"
        stats = {k: v for k, v in stats.items() if v != 0}
        report = summarize(stats, settings)
        report["spider"] = "roll" if i % 3 else "lists"
        RunReport.write(root, report, report["spider"])
    state = SqliteState(root)
    try:
        now = int(datetime.now(timezone.utc).timestamp())
        for n, reason in enumerate(["empty_page", "truncated", "empty_page", "redirected_home"]):
            aid = f"demowait{n:06d}"
            url = f"https://finance.sina.com.cn/china/2026-11-2{n}/doc-i{aid}.shtml"
            for _ in range(n + 1):
                state.defer(aid, url, "china", None, reason, (3600, 604800), now=now)
    finally:
        state.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "docs" / "report.png"))
    ap.add_argument("--height", type=int, default=1800, help="pixels of the page shown")
    ap.add_argument("--archive", help="an archive to report on (default: the demo archive)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found: apt-get install chromium")
    work = Path(tempfile.mkdtemp(prefix="sinacrawl-report-"))
    try:
        archive = Path(args.archive) if args.archive else build_demo(work / "archive")
        html = work / "report.html"
        from sinacrawl.cli import main as sinacrawl

        code = sinacrawl(["report", str(archive), "-o", str(html)])
        if code:
            return code
        with browse(html, chromium) as (page, visit):
            if visit.requests or visit.console or visit.errors:
                sys.exit(f"the page misbehaved: {visit}")
            screenshot(page, Path(args.output), args.height)
        print(f"screenshot: {args.output}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
