"""``sinacrawl report`` without a browser: hostile strings escaped, the --since/--until window,
an empty archive, a read-only one, and one clear line for each mistake.

(The page in a real browser: tests/test_report_browser.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import html5lib
import pytest

from sinacrawl.cli import main
from sinacrawl.dates import BEIJING
from sinacrawl.discovery import Window
from sinacrawl.overview import gather
from sinacrawl.state import Record, SqliteState
from tests.clirun import NOBODY, listing, one_clear_line, sinacrawl, world_readable_dir

NS = "{http://www.w3.org/1999/xhtml}"
HOSTILE = {
    "title": '</td></table><script>alert("t")</script><img src=x onerror=alert(1)>{{ x }}',
    "source": "<b onmouseover=alert(2)>新京报</b>",
    "column": '"><svg onload=alert(3)>',
    "url": "javascript:alert(4)",
    "reason": "<iframe src=//evil.example/></iframe>",
    "failure": '</title><style>*{display:none}</style><script src="//evil.example/x.js">',
    "spider": "<marquee>roll</marquee>",
    "job": "<blink>job1</blink>",
}


def record(aid: str, published: str, **kw) -> Record:
    fields = {
        "id": aid,
        "url": f"https://finance.sina.com.cn/china/doc-i{aid}.shtml",
        "path": f"2024/03/{aid}.md",
        "title": f"标题 {aid}",
        "source": "新京报",
        "published": published,
        "content_hash": "0" * 64,
        "body_hash": None,
        "column_key": "china",
        "mtime": None,
        "first_crawled": "2024-03-05T02:00:00+00:00",
        "last_crawled": "2024-03-05T02:00:00+00:00",
    }
    fields.update(kw)
    return Record(**fields)


def make_archive(root: Path, records: list[Record], runs: list[dict] = ()) -> Path:
    state = SqliteState(root)
    for rec in records:
        state.finish_write(rec)
    state.close()
    if runs:
        (root / "reports").mkdir()
    for i, run in enumerate(runs):
        body = {"new": 0, "updated": 0, "dropped": {}, "errors": {}, "failed": False}
        body.update(run)
        (root / "reports" / f"run{i:03d}.json").write_text(
            json.dumps(body, ensure_ascii=False), encoding="utf-8"
        )
    return root


def report(root: Path, out: Path, *args: str) -> str:
    assert main(["report", str(root), "-o", str(out), *args]) == 0
    return out.read_text(encoding="utf-8")


def figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)">([^<]*)<', page))


# -- escaping --------------------------------------------------------------------------------
def test_hostile_strings_from_the_archive_are_text_never_markup(tmp_path):
    root = make_archive(
        tmp_path / "archive",
        [
            record(
                "hostilehostile",
                "2024-03-01T10:00:00+08:00",
                title=HOSTILE["title"],
                source=HOSTILE["source"],
                column_key=HOSTILE["column"],
                url=HOSTILE["url"],
            )
        ],
        [
            {
                "started": "2024-03-01T01:00:00+00:00",
                "spider": HOSTILE["spider"],
                "job": HOSTILE["job"],
                "failed": True,
                "failures": [HOSTILE["failure"]],
                "dropped": {HOSTILE["reason"]: 2},
                "errors": {HOSTILE["reason"]: 1},
                "duration_s": 3.5,
            }
        ],
    )
    state = SqliteState(root)
    state.defer(
        "waitingwaiting", HOSTILE["url"], HOSTILE["column"], None, HOSTILE["reason"], (60, 60)
    )
    state.close()
    (root / "reports" / "<img src=x onerror=alert(5)>.json").write_text("{not json")
    page = report(root, tmp_path / "report.html")

    doc = html5lib.parse(page)  # read as a browser reads it
    tags = {el.tag.replace(NS, "").split("}")[-1] for el in doc.iter() if isinstance(el.tag, str)}
    assert not tags & {"script", "img", "iframe", "marquee", "blink"}, tags
    assert [t for t in tags if t == "style"] == ["style"]  # only the page's own, in <head>
    assert len(doc.findall(f".//{NS}style")) == 1
    for el in doc.iter():
        for name, value in getattr(el, "attrib", {}).items():
            assert not name.lower().startswith("on"), (el.tag, name)
            assert not str(value).lower().startswith("javascript:"), (el.tag, name, value)
    text = "".join(doc.itertext())
    for key in ("title", "source", "failure", "spider", "reason", "job"):
        assert HOSTILE[key] in text, key  # shown as the text it is
    assert "<img src=x onerror=alert(5)>.json" in text  # the unreadable report, named


# -- the window ------------------------------------------------------------------------------
def test_since_and_until_narrow_articles_and_runs_by_beijing_date(tmp_path):
    published = [
        "2024-03-01T23:59:00+08:00",  # before
        "2024-03-01T16:30:00+00:00",  # 00:30 on 2024-03-02 in Beijing: inside
        "2024-03-02T00:00:00+08:00",
        "2024-03-03T23:59:59+08:00",
        "2024-03-03T16:00:00Z",  # 2024-03-04 00:00 in Beijing: after
        "2024-03-04T08:00:00+08:00",
    ]
    records = [
        record(f"window{i:08d}", p, source="界面新闻" if i in (1, 2, 3) else f"来源{i}")
        for i, p in enumerate(published)
    ]
    runs = [
        {"started": "2024-03-01T15:59:00+00:00", "new": 1},  # 23:59 on 03-01 Beijing
        {"started": "2024-03-01T16:00:00+00:00", "new": 2},  # 00:00 on 03-02 Beijing
        {"started": "2024-03-03T10:00:00+00:00", "new": 4, "failed": True},
        {"started": "2024-03-03T16:00:00+00:00", "new": 8},  # 03-04 Beijing
    ]
    root = make_archive(tmp_path / "archive", records, runs)

    def inside(value: str, lo: str, hi: str) -> bool:
        day = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(BEIJING).date()
        return lo <= day.isoformat() <= hi

    ov = gather(root, Window.parse("2024-03-02", "2024-03-03"))
    assert ov.total == 6
    assert ov.in_window == sum(inside(p, "2024-03-02", "2024-03-03") for p in published) == 3
    assert sorted(ov.days) == ["2024-03-02", "2024-03-03"]
    assert [r.new for r in ov.runs] == [2, 4]
    assert [tuple(s) for s in ov.sources] == [("界面新闻", 3)] and ov.source_count == 1
    assert sorted(row["id"] for row in ov.newest) == [
        "window00000001",
        "window00000002",
        "window00000003",
    ]
    page = report(root, tmp_path / "r.html", "--since", "2024-03-02", "--until", "2024-03-03")
    assert figures(page)["in_window"] == "3" and figures(page)["total"] == "6"
    assert figures(page)["runs"] == "2" and figures(page)["failed_runs"] == "1"

    # open on one side
    assert gather(root, Window.parse("2024-03-04", None)).in_window == 2
    assert gather(root, Window.parse(None, "2024-03-01")).in_window == 1
    assert [r.new for r in gather(root, Window.parse("2024-03-04", None)).runs] == [8]
    # the whole life
    whole = figures(report(root, tmp_path / "all.html"))
    assert whole["total"] == "6" and "in_window" not in whole and whole["runs"] == "4"


@pytest.mark.parametrize(
    "args, says",
    [
        (["--since", "2024-13-45"], "--since 2024-13-45: not a date; give YYYY-MM-DD"),
        (["--until", "yesterday"], "--until yesterday: not a date"),
        (["--since", "2024-03-05", "--until", "2024-03-01"], "is after --until 2024-03-01"),
    ],
)
def test_bad_dates_are_one_line_and_exit_2(tmp_path, capsys, args, says):
    root = make_archive(tmp_path / "archive", [])
    out = tmp_path / "r.html"
    assert main(["report", str(root), "-o", str(out), *args]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line.startswith("sinacrawl report: ") and says in line
    assert not out.exists()


def test_unusable_archives_and_outputs_are_one_line_and_exit_2(tmp_path, capsys):
    root = make_archive(tmp_path / "archive", [])
    (tmp_path / "afile").write_text("x")
    (tmp_path / "posts-only").mkdir()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "index.sqlite").write_bytes(b"junk" * 1000)
    cases = [
        ([str(tmp_path / "nope")], "no archive folder at"),
        ([str(tmp_path / "afile")], "is not a folder"),
        ([str(tmp_path / "posts-only")], "no index at"),
        ([str(corrupt)], "not a readable SQLite database: run `sinacrawl repair"),
        ([str(root), "-o", str(tmp_path)], "is a folder: give a file name"),
        ([str(root), "-o", str(tmp_path / "no" / "r.html")], "does not exist (create it first"),
    ]
    for args, says in cases:
        assert main(["report", *args]) == 2, args
        line = one_clear_line(capsys.readouterr().err)
        assert says in line, (args, line)
    assert not (tmp_path / "no").exists()


# -- empty, read-only ------------------------------------------------------------------------
def test_an_empty_archive_reports_nothing_yet(tmp_path):
    root = make_archive(tmp_path / "archive", [])
    page = report(root, tmp_path / "r.html")
    shown = figures(page)
    assert shown["total"] == "0" and shown["runs"] == "0" and shown["frontier"] == "0"
    assert 'class="mark' not in page
    assert "no article in this period" in page and "no run report in this period" in page
    assert "the frontier is empty" in page


def test_a_read_only_archive_is_read_and_left_as_it_was(tmp_path):
    base = world_readable_dir()
    try:
        root = make_archive(
            base / "archive",
            [record("readonlyreadon", "2024-03-02T10:00:00+08:00")],
            [{"started": "2024-03-02T01:00:00+00:00", "new": 1}],
        )
        out = base / "out"
        out.mkdir()
        os.chown(out, NOBODY, NOBODY)
        for path in [root, *root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        before = listing(root)
        done = sinacrawl("report", str(root), "-o", str(out / "r.html"), as_nobody=True)
        assert done.returncode == 0, done.stderr
        assert figures((out / "r.html").read_text(encoding="utf-8"))["total"] == "1"
        assert listing(root) == before  # nothing made, not even -wal/-shm
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(base)], check=False)
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_an_archive_a_crawl_has_open_shows_its_writes_and_gains_no_file(tmp_path):
    root = make_archive(
        tmp_path / "archive", [record("firstfirstfirs", "2024-03-02T10:00:00+08:00")]
    )
    state = SqliteState(root)  # a running crawl: WAL and shared memory files open
    try:
        state.finish_write(record("secondsecondse", "2024-03-02T11:00:00+08:00"))
        before = sorted(p.name for p in root.iterdir())
        assert "index.sqlite-wal" in before
        page = report(root, tmp_path / "r.html")
        assert figures(page)["total"] == "2"
        assert sorted(p.name for p in root.iterdir()) == before
    finally:
        state.close()


def test_unreadable_run_reports_are_named_on_stderr_and_in_the_page(tmp_path, capsys):
    root = make_archive(
        tmp_path / "archive", [], [{"started": "2024-03-02T01:00:00+00:00", "new": 3}]
    )
    (root / "reports" / "broken.json").write_text('{"new": ', encoding="utf-8")
    (root / "reports" / "list.json").write_text("[1, 2]", encoding="utf-8")
    page = report(root, tmp_path / "r.html")
    line = one_clear_line(capsys.readouterr().err)
    assert "2 run report files could not be read" in line and "broken.json" in line
    assert figures(page)["runs"] == "1"
    assert "broken.json" in page and "list.json" in page


def test_many_runs_are_grouped_and_failed_ones_flagged(tmp_path):
    start = datetime(2024, 1, 1, tzinfo=BEIJING)
    runs = [
        {
            "started": (start + timedelta(hours=6 * i)).isoformat(),
            "new": 1,
            "failed": i == 7,
            "failures": ["column china: the roll API answered 502"] if i == 7 else [],
            "duration_s": 10 + i % 3,
        }
        for i in range(400)  # 100 days of runs: one bar a day
    ]
    root = make_archive(tmp_path / "archive", [], runs)
    page = report(root, tmp_path / "r.html")
    chart = re.search(r'<svg class="chart" data-chart="runs_outcome".*?</svg>', page).group(0)
    values = [float(v) for v in re.findall(r'class="mark s0"[^>]*data-value="([0-9.]+)"', chart)]
    assert len(values) == 100 and sum(values) == 400
    flags = re.findall(r'class="mark flag".*?<title>([^<]*)</title>', chart)
    assert flags == ["2024-01-02: 1 failed runs: column china: the roll API answered 502"]


def test_damaged_run_reports_are_read_as_far_as_they_make_sense(tmp_path, capsys):
    odd = [
        {"started": "2024-03-02T01:00:00+00:00", "new": float("inf"), "duration_s": float("nan")},
        {"started": "not a time", "new": -5, "updated": "7", "dropped": {"missing": True}},
        {"started": 20240302, "dropped": [1, 2], "errors": {"article": 1e400}, "failures": "x"},
        {"started": "2024-03-02T13:00:00", "new": 2.7, "archive_size": -3, "failed": 1},
    ]
    root = make_archive(tmp_path / "archive", [], odd)
    (root / "reports" / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    page = report(root, tmp_path / "r.html")
    assert "1 run report files could not be read" in one_clear_line(capsys.readouterr().err)
    ov = gather(root, Window())
    assert [(r.new, r.updated, r.dropped, r.errors) for r in ov.runs] == [
        (0, 0, {}, {}),
        (0, 0, {}, {}),
        (0, 0, {}, {}),
        (2, 0, {}, {}),
    ]
    assert [r.started is None for r in ov.runs] == [True, True, False, False]
    assert ov.runs[-1].failed and ov.runs[-1].archive_size == 0
    assert figures(page)["runs"] == "4" and figures(page)["failed_runs"] == "1"


def test_many_runs_none_of_which_says_when_it_started(tmp_path):
    root = make_archive(tmp_path / "archive", [], [{"new": 1} for _ in range(300)])
    page = report(root, tmp_path / "r.html")
    chart = re.search(r'<svg class="chart" data-chart="runs_outcome".*?</svg>', page).group(0)
    assert chart.count('class="mark s0"') == 300
