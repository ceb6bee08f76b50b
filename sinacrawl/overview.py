"""The archive report (``sinacrawl report``): one self-contained HTML page about an archive.

``gather()`` reads the index (read-only, through ``sinacrawl.indexdb``) and the run reports in
``reports/``, and nothing else; every figure over the articles is an SQL aggregate, so a
million-article index costs a few scans, not a Python loop over its rows. ``render()`` turns
what was gathered into the page: inline SVG (``sinacrawl.charts``) and CSS, no script, no
request to anywhere (a Content-Security-Policy says so to the browser too). Every string that
comes from the archive (titles, sources, reasons, URLs, file names) is escaped.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sinacrawl import charts
from sinacrawl.charts import esc, fmt
from sinacrawl.columns import DEFAULT_COLUMNS
from sinacrawl.dates import BEIJING
from sinacrawl.discovery import Window
from sinacrawl.indexdb import open_readonly

REPORTS = "reports"
# At most this many bars in a time chart: beyond it days become months (articles) and runs
# become days, then months (runs).
MOST_BARS = 400
MOST_RUN_BARS = 240
TOP_SOURCES = 15
LATEST_RUNS = 30
LATEST_FAILED = 50
NEWEST_ARTICLES = 10
FRONTIER_ROWS = 20
# Chinese text needs a CJK face: the first one the machine has wins. Debian ships
# fonts-noto-cjk ("Noto Sans CJK SC") and fonts-wqy-zenhei ("WenQuanYi Zen Hei"); the rest
# are their names on macOS and Windows. Nothing is embedded (the fonts are megabytes).
FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", '
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Droid Sans Fallback", sans-serif'
)

# The Beijing date of an ISO time in the index: the crawler writes publish times in Beijing
# time (``…+08:00``, read as it is: cheap); anything else (``Z``, another offset, repair's
# values) goes through SQLite's date(), which applies the offset. Not a time: NULL.
_BJ_DATE = (
    "CASE WHEN substr({c}, -6) = '+08:00' THEN substr({c}, 1, 10) ELSE date({c}, '+8 hours') END"
)


@dataclass
class Run:
    """One run report, as ``sinacrawl.report`` wrote it."""

    file: str
    started: datetime | None
    spider: str
    job: str | None
    new: int
    updated: int
    unchanged: int
    dropped: dict[str, int]
    errors: dict[str, int]
    duration_s: float | None
    archive_size: int | None
    failed: bool
    failures: list[str]

    @property
    def day(self) -> str:
        return self.started.astimezone(BEIJING).strftime("%Y-%m-%d") if self.started else ""

    @property
    def who(self) -> str:
        """The spider, and the Scrapyd job when there was one."""
        return f"{self.spider} ({self.job})" if self.job else self.spider

    @property
    def when(self) -> str:
        return self.started.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if self.started else "?"


@dataclass
class Overview:
    archive: str
    window: Window
    generated: datetime
    total: int = 0  # every article in the index
    in_window: int = 0
    index_bytes: int = 0
    days: dict[str, int] = field(default_factory=dict)  # publish date → articles
    archived_days: dict[str, int] = field(default_factory=dict)  # first crawl date → articles
    by_column: dict[str, int] = field(default_factory=dict)
    column_days: dict[str, dict[str, int]] = field(default_factory=dict)  # column → day → n
    sources: list[tuple[str, int]] = field(default_factory=list)
    source_count: int = 0
    newest: list[sqlite3.Row] = field(default_factory=list)
    aliases: int = 0
    tombstones: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    frontier: dict[str, int] = field(default_factory=dict)  # total, due, waiting, retried
    frontier_reasons: list[tuple[str, int]] = field(default_factory=list)
    frontier_attempts: list[tuple[int, int]] = field(default_factory=list)
    frontier_next: int | None = None
    frontier_rows: list[sqlite3.Row] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    unreadable_reports: list[str] = field(default_factory=list)


def column_labels() -> dict[str, str]:
    return {c["key"]: c["label"] for c in DEFAULT_COLUMNS}


# -- gathering ------------------------------------------------------------------------------
def _where(window: Window, column: str) -> tuple[str, list[str]]:
    """The SQL condition (``1`` when open) and its parameters: ``column``'s Beijing date in
    the window."""
    day = _BJ_DATE.format(c=column)
    parts, params = [], []
    if window.since:
        parts.append(f"{day} >= ?")
        params.append(window.since.isoformat())
    if window.until:
        parts.append(f"{day} <= ?")
        params.append(window.until.isoformat())
    return (" AND ".join(parts) or "1"), params


def gather(root: Path, window: Window, now: float | None = None) -> Overview:
    """What the report shows, from ``root``'s index and run reports."""
    now = time.time() if now is None else now
    out = Overview(str(root), window, datetime.fromtimestamp(int(now), BEIJING))
    db = root / "index.sqlite"
    out.index_bytes = sum(
        p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.is_file()
    )
    with open_readonly(db) as con:
        _articles(con, out, window)
        _frontier(con, out, int(now))
    out.runs, out.unreadable_reports = read_runs(root / REPORTS, window)
    return out


def _articles(con: sqlite3.Connection, out: Overview, window: Window) -> None:
    # Two scans of the table in all (a GROUP BY sorts every row it groups, the cost of a
    # report on a big index): articles per (publish date, column, date first archived), from
    # which days, columns, the window's total and the archiving days all follow; then per
    # media source. The newest rows come from the end of the table (rowid order), not a sort.
    out.total = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    day, crawled = _BJ_DATE.format(c="published"), _BJ_DATE.format(c="first_crawled")
    where, params = _where(window, "published")
    cwhere, cparams = _where(window, "first_crawled")
    lo = window.since.isoformat() if window.since else ""
    hi = window.until.isoformat() if window.until else "9999"
    for d, column, a, n in con.execute(
        f"SELECT {day} AS d, coalesce(column_key, ''), {crawled} AS a, count(*) "
        f"FROM articles WHERE ({where}) OR ({cwhere}) GROUP BY d, 2, a",
        [*params, *cparams],
    ):
        if d is None or lo <= d <= hi:
            d = d or "unknown"
            days = out.column_days.setdefault(column, {})
            days[d] = days.get(d, 0) + n
            out.days[d] = out.days.get(d, 0) + n
            out.by_column[column] = out.by_column.get(column, 0) + n
        if a is not None and lo <= a <= hi:
            out.archived_days[a] = out.archived_days.get(a, 0) + n
    out.in_window = sum(out.days.values())
    sources = con.execute(
        f"SELECT coalesce(source, ''), count(*) FROM articles WHERE {where} GROUP BY 1", params
    ).fetchall()
    out.source_count = sum(1 for source, _n in sources if source)
    out.sources = sorted(sources, key=lambda sn: (-sn[1], sn[0]))[:TOP_SOURCES]
    out.newest = con.execute(
        f"SELECT id, title, source, published, column_key, url FROM articles "
        f"WHERE {where} ORDER BY rowid DESC LIMIT ?",
        [*params, NEWEST_ARTICLES],
    ).fetchall()
    out.aliases = con.execute("SELECT count(*) FROM aliases").fetchone()[0]
    out.tombstones = dict(
        con.execute("SELECT reason, count(*) FROM tombstones GROUP BY reason ORDER BY 2 DESC")
    )
    out.pending = con.execute("SELECT count(*) FROM pending").fetchone()[0]


def _frontier(con: sqlite3.Connection, out: Overview, now: int) -> None:
    total, due, retried, nxt = con.execute(
        "SELECT count(*), coalesce(sum(not_before IS NULL OR not_before <= ?1), 0), "
        "coalesce(sum(attempts > 0), 0), min(CASE WHEN not_before > ?1 THEN not_before END) "
        "FROM frontier",
        (now,),
    ).fetchone()
    out.frontier = {"total": total, "due": due, "waiting": total - due, "retried": retried}
    out.frontier_next = nxt
    out.frontier_reasons = [
        (reason or "not fetched yet", n)
        for reason, n in con.execute(
            "SELECT last_reason, count(*) FROM frontier GROUP BY 1 ORDER BY 2 DESC, 1"
        )
    ]
    out.frontier_attempts = list(
        con.execute("SELECT attempts, count(*) FROM frontier GROUP BY 1 ORDER BY 1")
    )
    out.frontier_rows = con.execute(
        "SELECT id, url, column_key, attempts, not_before, last_reason, discovered "
        "FROM frontier ORDER BY attempts DESC, coalesce(not_before, 0), id LIMIT ?",
        (FRONTIER_ROWS,),
    ).fetchall()


def _number(value) -> int:
    """A count from a report: a finite number ≥ 0, else 0 (a hand-edited or damaged report
    must not break a chart).

    >>> [_number(v) for v in (3, 2.9, -1, True, "4", float("inf"), float("nan"), None)]
    [3, 2, 0, 0, 0, 0, 0, 0]
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    return max(int(value), 0)


def _count_map(value) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    counts = {str(k): _number(v) for k, v in value.items()}
    return {k: v for k, v in counts.items() if v}


def parse_run(name: str, data: dict) -> Run:
    """A run from its report's JSON; a field missing or of the wrong type reads as empty."""
    started: datetime | None = None
    if isinstance(data.get("started"), str):
        try:
            started = datetime.fromisoformat(data["started"])
            if started.tzinfo is None:
                started = started.replace(tzinfo=BEIJING)
        except ValueError:
            started = None
    duration = data.get("duration_s")
    size = data.get("archive_size")
    failures = data.get("failures")
    if not isinstance(failures, list):
        failures = []
    return Run(
        file=name,
        started=started,
        spider=str(data.get("spider") or "?"),
        job=str(data["job"]) if data.get("job") else None,
        new=_number(data.get("new")),
        updated=_number(data.get("updated")),
        unchanged=_number(data.get("unchanged")),
        dropped=_count_map(data.get("dropped")),
        errors=_count_map(data.get("errors")),
        duration_s=float(_number(duration * 1000)) / 1000
        if isinstance(duration, (int, float)) and not isinstance(duration, bool)
        else None,
        archive_size=_number(size)
        if isinstance(size, int) and not isinstance(size, bool)
        else None,
        failed=bool(data.get("failed")),
        failures=[str(f) for f in failures],
    )


def read_runs(folder: Path, window: Window) -> tuple[list[Run], list[str]]:
    """The runs of ``folder``'s reports started in the window, oldest first; and the names
    of report files that could not be read as one (they are listed, never skipped silently)."""
    runs, bad = [], []
    try:
        names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    except OSError:
        return [], []
    since = window.since.isoformat() if window.since else ""
    until = window.until.isoformat() if window.until else "9999"
    for name in names:
        if name.startswith("."):  # (a temporary file of a report being written)
            continue
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError, RecursionError):
            bad.append(name)
            continue
        run = parse_run(name, data)
        if run.started is None or since <= run.day <= until:
            runs.append(run)
    epoch = datetime.min.replace(tzinfo=BEIJING)
    runs.sort(key=lambda r: (r.started or epoch, r.file))
    return runs, bad


# -- time buckets ---------------------------------------------------------------------------
def buckets(first: str, last: str, most: int = MOST_BARS) -> tuple[list[str], int]:
    """Every bucket label from ``first`` to ``last`` (dates ``YYYY-MM-DD``): days, or months
    when there would be more than ``most`` days; and the label length (10 or 7).

    >>> buckets("2024-01-30", "2024-02-01")
    (['2024-01-30', '2024-01-31', '2024-02-01'], 10)
    >>> buckets("2023-12-05", "2024-02-01", most=10)
    (['2023-12', '2024-01', '2024-02'], 7)
    """
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    if (b - a).days + 1 <= most:
        return [(a + timedelta(days=i)).isoformat() for i in range((b - a).days + 1)], 10
    labels, y, m = [], a.year, a.month
    while (y, m) <= (b.year, b.month):
        labels.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return labels, 7


def _dated(keys) -> list[str]:
    return sorted(k for k in keys if len(k) == 10 and k[4] == "-")


def _series(counts: dict[str, int], labels: list[str], width: int) -> list[int]:
    index = {label: i for i, label in enumerate(labels)}
    values = [0] * len(labels)
    for d, n in counts.items():
        i = index.get(d[:width])
        if i is not None:
            values[i] += n
    return values


# -- rendering ------------------------------------------------------------------------------
CSS = """
:root { color-scheme: light; }
body { font-family: %(fonts)s; margin: 0 auto; max-width: 1000px; padding: 16px 20px 40px;
  color: #1d2733; background: #fbfbfa; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0.2em 0; } h2 { font-size: 1.2em; margin: 1.6em 0 0.4em;
  border-bottom: 1px solid #d9dde2; padding-bottom: 0.2em; }
h3 { font-size: 1em; margin: 1em 0 0.3em; color: #3b4754; }
.meta { color: #5b6673; font-size: 0.9em; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.figure { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 14px;
  min-width: 120px; }
.figure b { display: block; font-size: 1.5em; } .figure span { color: #5b6673; font-size: 0.85em; }
.figure.bad b { color: #b42318; }
svg.chart { width: 100%%; height: auto; display: block; background: #fff;
  border: 1px solid #e3e6ea; border-radius: 6px; margin: 4px 0 8px; font-family: %(fonts)s; }
svg .grid { stroke: #eceff2; } svg .tick { font-size: 11px; fill: #5b6673; }
svg .label { font-size: 12px; fill: #1d2733; } svg .value { font-size: 11px; fill: #5b6673; }
svg .note { font-size: 13px; fill: #8a939d; }
svg .s0 { fill: #2f6fb0; } svg .s1 { fill: #6fb04a; } svg .s2 { fill: #e0a030; }
svg .s3 { fill: #c0504d; } svg .s4 { fill: #8064a2; } svg .s5 { fill: #4bacc6; }
svg .s6 { fill: #9c6b3e; } svg .s7 { fill: #9aa3ad; }
svg .trace { fill: none; stroke: #2f6fb0; stroke-width: 1.5; } svg .dot { fill: #2f6fb0; }
svg .bad, svg .flag { fill: #d92d20; }
.legend { font-size: 0.85em; color: #3b4754; margin: 0 0 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
.legend i.s0 { background: #2f6fb0; } .legend i.s1 { background: #6fb04a; }
.legend i.s2 { background: #e0a030; } .legend i.s3 { background: #c0504d; }
.legend i.s4 { background: #8064a2; } .legend i.s5 { background: #4bacc6; }
.legend i.s6 { background: #9c6b3e; } .legend i.s7 { background: #9aa3ad; }
.legend i.flag { background: #d92d20; }
table { border-collapse: collapse; width: 100%%; font-size: 0.88em; background: #fff; }
th, td { border-bottom: 1px solid #e6e9ed; padding: 4px 6px; text-align: left;
  vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; } td.n, th.n { text-align: right;
  font-variant-numeric: tabular-nums; }
tr.failed td { background: #fff1f0; } .why { color: #b42318; }
.url { word-break: break-all; color: #5b6673; }
.warn { color: #b42318; }
"""


def _figure(label: str, value: str, key: str, bad: bool = False) -> str:
    cls = "figure bad" if bad else "figure"
    return (
        f'<div class="{cls}"><b data-figure="{esc(key)}">{value}</b><span>{esc(label)}</span></div>'
    )


def _legend(names: list[str], extra: str = "") -> str:
    items = "".join(f'<i class="s{k}"></i>{esc(n)}' for k, n in enumerate(names))
    return f'<p class="legend">{items}{extra}</p>'


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{esc(k)} {fmt(v)}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _window_text(window: Window) -> str:
    if not window.since and not window.until:
        return "the archive's whole life"
    return f"{window.since or '…'} to {window.until or '…'} (Beijing dates, inclusive)"


def render(ov: Overview) -> str:
    """The whole page."""
    labels = column_labels()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        # no script, no request: whatever the page holds, the browser fetches nothing
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>sinacrawl report: {esc(ov.archive)}</title>",
        f"<style>{CSS % {'fonts': FONTS}}</style></head><body>",
        "<h1>sinacrawl archive report</h1>",
        f'<p class="meta">Archive <code>{esc(ov.archive)}</code> · {esc(_window_text(ov.window))}'
        f" · made {ov.generated:%Y-%m-%d %H:%M} Beijing time</p>",
    ]
    failed = [r for r in ov.runs if r.failed]
    parts.append('<div class="figures">')
    parts.append(_figure("articles in the archive", fmt(ov.total), "total"))
    if ov.window.since or ov.window.until:
        parts.append(_figure("published in this period", fmt(ov.in_window), "in_window"))
    parts += [
        _figure("media sources", fmt(ov.source_count), "sources"),
        _figure("runs", fmt(len(ov.runs)), "runs"),
        _figure("failed runs", fmt(len(failed)), "failed_runs", bad=bool(failed)),
        _figure("waiting in the frontier", fmt(ov.frontier.get("total", 0)), "frontier"),
        _figure("index size", f"{ov.index_bytes / 2**20:,.1f} MiB", "index_mib"),
        "</div>",
    ]
    if ov.unreadable_reports:
        names = ", ".join(esc(n) for n in ov.unreadable_reports[:10])
        more = len(ov.unreadable_reports) - 10
        parts.append(
            f'<p class="warn" data-figure="unreadable_reports">'
            f"{len(ov.unreadable_reports)} run report files could not be read and are not "
            f"shown: {names}{f' and {more} more' if more > 0 else ''}</p>"
        )
    parts += _articles_section(ov, labels)
    parts += _runs_section(ov)
    parts += _archive_section(ov, labels)
    parts += _frontier_section(ov, labels)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _articles_section(ov: Overview, labels: dict[str, str]) -> list[str]:
    out = ["<h2>Articles</h2>"]
    dated = _dated(list(ov.days) + list(ov.archived_days))
    undated = ov.days.get("unknown", 0)
    if not dated:
        out.append(charts.empty("articles_per_day", "no article in this period"))
        return out
    axis, width = buckets(dated[0], dated[-1])
    unit = "day" if width == 10 else "month"
    published = _series(ov.days, axis, width)
    archived = _series(ov.archived_days, axis, width)
    out.append(f"<h3>Articles per {unit}, by publish date (Beijing)</h3>")
    out.append(charts.columns(f"published_per_{unit}", axis, [("published", published)]))
    if undated:
        out.append(f'<p class="meta">{fmt(undated)} articles have no readable publish time.</p>')
    # per column: the largest seven, the rest together
    ranked = sorted(ov.by_column.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [key for key, _ in ranked[:7]]
    series = []
    for key in shown:
        series.append(
            (labels.get(key, key or "no column"), _series(ov.column_days[key], axis, width))
        )
    if len(ranked) > 7:
        rest = [0] * len(axis)
        for key, _n in ranked[7:]:
            for i, n in enumerate(_series(ov.column_days[key], axis, width)):
                rest[i] += n
        series.append(("other columns", rest))
    out.append(f"<h3>Articles per {unit} and column</h3>")
    out.append(_legend([name for name, _ in series]))
    out.append(charts.columns(f"columns_per_{unit}", axis, series))
    out.append(f"<h3>Articles per {unit}, by the date first archived</h3>")
    out.append(
        charts.columns(f"archived_per_{unit}", axis, [("first archived", archived)], palette=1)
    )
    return out


def _run_buckets(runs: list[Run]) -> tuple[list[str], list[list[Run]]]:
    """One bar per run, or per day or month of runs when there are many."""
    if len(runs) <= MOST_RUN_BARS:
        return [r.when for r in runs], [[r] for r in runs]
    dated = [r for r in runs if r.started]
    if not dated:  # (no report says when it started: one bar each, however many)
        return [r.when for r in runs], [[r] for r in runs]
    axis, width = buckets(dated[0].day, dated[-1].day, MOST_RUN_BARS)
    index = {label: i for i, label in enumerate(axis)}
    groups: list[list[Run]] = [[] for _ in axis]
    for run in dated:
        groups[index[run.day[:width]]].append(run)
    return axis, groups


def _runs_section(ov: Overview) -> list[str]:
    out = ["<h2>Runs</h2>"]
    runs = ov.runs
    if not runs:
        out.append(charts.empty("runs", "no run report in this period"))
        return out
    axis, groups = _run_buckets(runs)
    per = "run" if len(groups) == len(runs) else ("day" if len(axis[0]) == 10 else "month")
    flags = {}
    for i, group in enumerate(groups):
        bad = [r for r in group if r.failed]
        if bad:
            why = "; ".join(dict.fromkeys(f for r in bad for f in r.failures)) or "failed"
            flags[i] = (f"{len(bad)} failed runs: " if per != "run" else "failed: ") + why
    series = [
        ("new", [sum(r.new for r in g) for g in groups]),
        ("updated", [sum(r.updated for r in g) for g in groups]),
        ("dropped", [sum(sum(r.dropped.values()) for r in g) for g in groups]),
        ("errors", [sum(sum(r.errors.values()) for r in g) for g in groups]),
    ]
    flag_key = ' <i class="flag"></i>failed'
    out.append(f"<h3>New, updated, dropped and errors per {per}</h3>")
    out.append(_legend([name for name, _ in series], flag_key))
    out.append(charts.columns("runs_outcome", axis, series, flags))
    durations = [
        (
            max(r.duration_s for r in g if r.duration_s is not None)
            if any(r.duration_s is not None for r in g)
            else None
        )
        for g in groups
    ]
    title = "Duration of each run" if per == "run" else f"Longest run of each {per}"
    out.append(f"<h3>{title} (seconds; red: failed)</h3>")
    out.append(charts.line("runs_duration", axis, durations, flags, " s"))
    dropped: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for run in runs:
        dropped.update(run.dropped)
        errors.update(run.errors)
    out.append("<h3>Dropped, by reason (all runs of the period)</h3>")
    out.append(charts.bars("dropped_by_reason", dropped.most_common()))
    out.append("<h3>Errors, by kind (all runs of the period)</h3>")
    out.append(charts.bars("errors_by_kind", errors.most_common()))
    failed = [r for r in runs if r.failed]
    if failed:
        out.append(f"<h3>Failed runs ({fmt(len(failed))}; newest first)</h3>")
        out.append(
            '<table data-table="failed_runs"><tr><th>started</th><th>spider</th><th>why</th></tr>'
        )
        for run in reversed(failed[-LATEST_FAILED:]):
            reasons = "<br>".join(esc(f) for f in run.failures) or "failed"
            out.append(
                f'<tr class="failed"><td>{esc(run.when)}</td><td>{esc(run.who)}</td>'
                f'<td class="why">{reasons}</td></tr>'
            )
        out.append("</table>")
    out.append(f"<h3>Latest runs (up to {LATEST_RUNS})</h3>")
    out.append(
        '<table data-table="latest_runs"><tr><th>started (Beijing)</th><th>spider</th>'
        '<th class="n">new</th><th class="n">updated</th><th class="n">unchanged</th>'
        '<th>dropped</th><th>errors</th><th class="n">seconds</th><th class="n">archive</th>'
        "<th>status</th></tr>"
    )
    for run in reversed(runs[-LATEST_RUNS:]):
        status = (
            '<span class="why">failed: ' + "; ".join(esc(f) for f in run.failures) + "</span>"
            if run.failed
            else "ok"
        )
        duration = "" if run.duration_s is None else fmt(run.duration_s)
        size = "" if run.archive_size is None else fmt(run.archive_size)
        out.append(
            f'<tr class="{"failed" if run.failed else "ok"}"><td>{esc(run.when)}</td>'
            f'<td>{esc(run.who)}</td><td class="n">{fmt(run.new)}</td>'
            f'<td class="n">{fmt(run.updated)}</td><td class="n">{fmt(run.unchanged)}</td>'
            f"<td>{_counts(run.dropped)}</td><td>{_counts(run.errors)}</td>"
            f'<td class="n">{duration}</td><td class="n">{size}</td><td>{status}</td></tr>'
        )
    out.append("</table>")
    return out


def _archive_section(ov: Overview, labels: dict[str, str]) -> list[str]:
    out = ["<h2>The archive</h2>"]
    sized = [r for r in ov.runs if r.archive_size is not None]
    out.append("<h3>Articles in the archive after each run</h3>")
    if sized:
        axis, groups = _run_buckets(sized)
        sizes = [max(r.archive_size or 0 for r in g) if g else None for g in groups]
        out.append(charts.line("archive_size", axis, sizes))
    else:
        out.append(charts.empty("archive_size", "no run report gives the archive's size"))
    out.append(
        f"<p>{fmt(ov.total)} articles, {fmt(ov.aliases)} aliases (the same article under "
        f"another id), dropped for good: {_counts(ov.tombstones) or 'none'}; "
        f"{fmt(ov.pending)} writes pending; index.sqlite {ov.index_bytes / 2**20:,.1f} MiB.</p>"
    )
    out.append(
        f"<h3>Top media sources ({fmt(min(len(ov.sources), TOP_SOURCES))} of "
        f"{fmt(ov.source_count)})</h3>"
    )
    out.append(charts.bars("top_sources", [(s or "(none)", n) for s, n in ov.sources]))
    ranked = sorted(ov.by_column.items(), key=lambda kv: (-kv[1], kv[0]))
    out.append("<h3>Articles per column</h3>")
    out.append(
        charts.bars(
            "per_column",
            [(f"{labels.get(k, k or 'no column')} ({k or '-'})", n) for k, n in ranked],
        )
    )
    if not ov.newest:
        return out
    out.append(
        "<h3>Last written posts</h3><table><tr><th>published</th><th>title</th>"
        "<th>source</th><th>column</th></tr>"
    )
    for row in ov.newest:
        title = esc(row["title"])
        if str(row["url"]).startswith(("https://", "http://")):  # (never javascript: …)
            title = f'<a href="{esc(row["url"])}">{title}</a>'
        out.append(
            f"<tr><td>{esc(row['published'])}</td><td>{title}</td>"
            f"<td>{esc(row['source'] or '')}</td>"
            f"<td>{esc(labels.get(row['column_key'] or '', row['column_key'] or ''))}</td></tr>"
        )
    out.append("</table>")
    return out


def _frontier_section(ov: Overview, labels: dict[str, str]) -> list[str]:
    f = ov.frontier
    out = [
        "<h2>Waiting in the frontier</h2>",
        f"<p>{fmt(f.get('total', 0))} articles discovered and not yet settled: "
        f"{fmt(f.get('due', 0))} due at the next run, {fmt(f.get('waiting', 0))} waiting "
        f"after a failure; {fmt(f.get('retried', 0))} have failed at least once.",
    ]
    if ov.frontier_next is not None:
        nxt = datetime.fromtimestamp(ov.frontier_next, BEIJING)
        out.append(f" The next wait ends {nxt:%Y-%m-%d %H:%M} Beijing time.")
    out.append("</p>")
    if not f.get("total"):
        out.append(charts.empty("frontier_reasons", "the frontier is empty"))
        return out
    out.append("<h3>By last reason</h3>")
    out.append(charts.bars("frontier_reasons", ov.frontier_reasons))
    out.append("<h3>By failed attempts</h3>")
    out.append(
        charts.bars("frontier_attempts", [(f"{a} attempts", n) for a, n in ov.frontier_attempts])
    )
    out.append(
        f'<h3>Most tried (up to {FRONTIER_ROWS})</h3><table data-table="frontier"><tr>'
        '<th>id</th><th>url</th><th>column</th><th class="n">attempts</th><th>last reason</th>'
        "<th>not before (Beijing)</th></tr>"
    )
    for row in ov.frontier_rows:
        when = (
            datetime.fromtimestamp(row["not_before"], BEIJING).strftime("%Y-%m-%d %H:%M")
            if isinstance(row["not_before"], int)
            else "next run"
        )
        column = row["column_key"] or ""
        out.append(
            f'<tr><td>{esc(row["id"])}</td><td class="url">{esc(row["url"])}</td>'
            f'<td>{esc(labels.get(column, column))}</td><td class="n">{fmt(row["attempts"])}'
            f"</td><td>{esc(row['last_reason'] or '')}</td><td>{esc(when)}</td></tr>"
        )
    out.append("</table>")
    return out
