"""``report.html`` in a real headless Chromium (Debian's, driven by Playwright): every chart
drew, its numbers are the index's and the run reports', nothing left the page, no console
error; a screenshot is kept in the test's temporary folder.

Skips, with the reason, where Chromium or Playwright is missing, never under CI=true (where
tests/run.sh installs them: `chromium:chromium` in its ensure_apt.sh line, playwright in the
test extra)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter

import pytest

from sinacrawl.charts import fmt
from sinacrawl.cli import main
from sinacrawl.state import Record, SqliteState
from tools.screenshot_report import HOSTILE_TITLE, browse, build_demo, find_chromium, screenshot

pytestmark = pytest.mark.slow
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
CHARTS = {
    "published_per_day",
    "archived_per_day",
    "columns_per_day",
    "per_column",
    "runs_outcome",
    "runs_duration",
    "dropped_by_reason",
    "errors_by_kind",
    "archive_size",
    "top_sources",
    "frontier_reasons",
    "frontier_attempts",
}
READ_CHARTS = """() => [...document.querySelectorAll('svg.chart')].map(svg => ({
    name: svg.dataset.chart,
    width: svg.getBoundingClientRect().width,
    marks: [...svg.querySelectorAll('.mark')].map(m => {
        const box = m.getBBox();
        return {w: box.width, h: box.height, value: Number(m.dataset.value),
                label: m.dataset.label || null, series: m.dataset.series || null,
                cls: m.getAttribute('class'),
                fill: getComputedStyle(m).fill, title: m.textContent};
    }),
}))"""
# Chinese glyphs drawn in the page's own font stack: with no CJK font every one is the same
# "missing glyph" box, so two different characters drawing alike means they do not render.
DRAW_GLYPHS = """() => {
    const family = getComputedStyle(document.body).fontFamily;
    const draw = (ch) => {
        const c = document.createElement('canvas'); c.width = 40; c.height = 40;
        const g = c.getContext('2d'); g.font = '32px ' + family; g.fillText(ch, 2, 34);
        return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
    };
    return {family, guo: draw('国'), tian: draw('田'), none: draw('\\u{E000}')};
}"""
READ_FIGURES = """() => Object.fromEntries([...document.querySelectorAll('[data-figure]')]
    .map(e => [e.dataset.figure, e.textContent]))"""


def unavailable(why: str):
    if IN_CI:
        pytest.fail(f"{why}; under CI=true this test must run (see tests/run.sh)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("Playwright for Python is not installed: pip install -e '.[test]'")
    found = find_chromium()
    if found is None:
        unavailable("no Chromium on this machine: apt-get install chromium")
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = build_demo(tmp_path_factory.mktemp("demo") / "archive")
    state = SqliteState(root)  # the last written post: its title would fetch if not escaped
    state.finish_write(
        Record(
            id="hostilehostile",
            url="javascript:alert(1)",
            path="2026/11/hostilehostile.md",
            title=HOSTILE_TITLE,
            source="<b>新京报</b>",
            published="2026-11-26T10:00:00+08:00",
            content_hash="0" * 64,
            body_hash=None,
            column_key="china",
            mtime=None,
            first_crawled="2026-11-26T03:00:00+00:00",
            last_crawled="2026-11-26T03:00:00+00:00",
        )
    )
    state.close()
    return root


def sql(root, query: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{root / 'index.sqlite'}?mode=ro", uri=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_the_report_in_chromium(chromium, demo, tmp_path):
    html = tmp_path / "report.html"
    assert main(["report", str(demo), "-o", str(html)]) == 0
    with browse(html, chromium) as (page, visit):
        page.wait_for_selector("svg.chart .mark")
        charts = {c["name"]: c for c in page.evaluate(READ_CHARTS)}
        figures = page.evaluate(READ_FIGURES)
        text = page.inner_text("body")
        glyphs = page.evaluate(DRAW_GLYPHS)
        png = tmp_path / "report.png"
        screenshot(page, png)
    assert visit.requests == [], visit.requests
    assert visit.console == [] and visit.errors == [], (visit.console, visit.errors)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000

    # Chinese renders: a CJK face the page names is there and draws each character its own way
    assert glyphs["family"].startswith('"Noto Sans CJK SC"'), glyphs["family"]
    assert glyphs["guo"] != glyphs["tian"], (
        "CJK characters draw as missing-glyph boxes: apt-get install fonts-wqy-zenhei "
        "(or fonts-noto-cjk)"
    )
    assert glyphs["guo"] != glyphs["none"]

    # every chart drew: marks with a size, in a chart with a width, coloured
    assert set(charts) == CHARTS
    for name, chart in charts.items():
        assert chart["width"] > 500, name
        assert chart["marks"], f"{name} has no mark"
        for mark in chart["marks"]:
            assert mark["w"] > 0 or mark["h"] > 0, (name, mark)
            if "trace" not in mark["cls"]:
                assert mark["fill"] not in ("none", "rgba(0, 0, 0, 0)"), (name, mark)

    def values(name, series=None):
        return [m["value"] for m in charts[name]["marks"] if series in (None, m["series"])]

    def by_label(name):
        return {m["label"]: m["value"] for m in charts[name]["marks"]}

    # the articles: the index's numbers
    (total,) = sql(demo, "SELECT count(*) FROM articles")[0]
    assert figures["total"] == fmt(total) and total == 121
    assert sum(values("published_per_day")) == total
    assert sum(values("archived_per_day")) == total
    assert sum(values("columns_per_day")) == total
    per_column = {
        re.search(r"\(([^)]+)\)$", k).group(1): v for k, v in by_label("per_column").items()
    }
    assert per_column == dict(sql(demo, "SELECT column_key, count(*) FROM articles GROUP BY 1"))
    sources = dict(sql(demo, "SELECT source, count(*) FROM articles GROUP BY 1"))
    shown = by_label("top_sources")
    assert len(shown) == min(15, len(sources)) and figures["sources"] == fmt(len(sources))
    assert all(sources[s] == n for s, n in shown.items())
    assert sorted(shown.values(), reverse=True) == sorted(sources.values(), reverse=True)[:15]
    # the frontier
    reasons = dict(
        sql(
            demo,
            "SELECT coalesce(last_reason, 'not fetched yet'), count(*) FROM frontier GROUP BY 1",
        )
    )
    assert by_label("frontier_reasons") == reasons
    assert figures["frontier"] == fmt(sum(reasons.values()))
    # the runs: what their reports say
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in (demo / "reports").glob("*.json")]
    failed = [r for r in runs if r["failed"]]
    assert figures["runs"] == fmt(len(runs)) and figures["failed_runs"] == fmt(len(failed)) == "2"
    assert sum(values("runs_outcome", "new")) == sum(r["new"] for r in runs)
    assert sum(values("runs_outcome", "updated")) == sum(r["updated"] for r in runs)
    flags = [m for m in charts["runs_outcome"]["marks"] if "flag" in m["cls"]]
    assert len(flags) == len(failed)
    bad_dots = [m for m in charts["runs_duration"]["marks"] if "bad" in m["cls"]]
    assert sorted(m["value"] for m in bad_dots) == sorted(r["duration_s"] for r in failed)
    dropped, errors = Counter(), Counter()
    for run in runs:
        dropped.update(run["dropped"])
        errors.update(run["errors"])
    assert by_label("dropped_by_reason") == dict(dropped)
    assert by_label("errors_by_kind") == dict(errors)
    sizes = [m["value"] for m in charts["archive_size"]["marks"] if "dot" in m["cls"]]
    assert sorted(sizes) == sorted(r["archive_size"] for r in runs if r["archive_size"] is not None)
    for run in failed:  # each failed run's reasons are on the page
        for why in run["failures"]:
            assert why in text, why
    # archive strings are text: the hostile title reads as itself and fetched nothing
    assert HOSTILE_TITLE in text and "<b>新京报</b>" in text
