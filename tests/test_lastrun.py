"""``sinacrawl last-run ARCHIVE [--job ID]``: a run's report read back, exit 0 succeeded,
1 failed, 2 no report; with --job, the report of that Scrapyd job wherever it is kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from sinacrawl.cli import main
from sinacrawl.report import RunReport, summarize
from tests.clirun import one_clear_line

SETTINGS = Settings({"SINACRAWL_MAX_ERROR_RATE": 0.1})
GOOD = {
    "finish_reason": "finished",
    "sinacrawl/written/new": 3,
    "sinacrawl/dropped/not_article": 1,
    "sinacrawl/requests/api": 1,
    "sinacrawl/requests/article": 4,
    "sinacrawl/archive_size": 3,
}
BAD = {
    "finish_reason": "finished",
    "sinacrawl/errors/api": 1,
    "sinacrawl/failed_columns/china": "Connection was refused (https://feed.mix.sina.com.cn/…)",
}


def write_report(root: Path, stats: dict, job: str | None, started: str) -> dict:
    from datetime import datetime

    stats = {**stats, "start_time": datetime.fromisoformat(started)}
    stats["finish_time"] = stats["start_time"]
    report = {**summarize(stats, SETTINGS), "spider": "roll", "job": job}
    RunReport.write(root, report, "roll")
    return report


def last_run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["last-run", *[str(a) for a in args]])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_run_that_succeeded(tmp_path, capsys):
    write_report(tmp_path, GOOD, None, "2026-12-01T22:10:00+00:00")
    code, out, _err = last_run(capsys, tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "roll, started 2026-12-01T22:10:00+00:00, 0.0 s: succeeded (finish reason: finished)"
    )
    assert "new 3, updated 0, unchanged 0, skipped as known 0" in lines
    assert "dropped: not_article 1" in lines and "errors: none" in lines
    assert "requests: api 1, article 4" in lines
    assert f"archive: 3 articles; report: {tmp_path / 'last-run.json'}" in lines


def test_a_run_that_failed_says_why(tmp_path, capsys):
    write_report(tmp_path, BAD, "j7", "2026-12-01T22:10:00+00:00")
    code, out, _err = last_run(capsys, tmp_path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("roll, job j7, started ") and ": FAILED" in lines[0]
    assert lines[1] == f"failed: column china: {BAD['sinacrawl/failed_columns/china']}"
    assert "errors: api 1" in lines


def test_a_job_is_found_in_the_history(tmp_path, capsys):
    write_report(tmp_path, BAD, "early", "2026-12-01T22:10:00+00:00")
    write_report(tmp_path, GOOD, "late", "2026-12-02T22:10:00+00:00")
    assert last_run(capsys, tmp_path)[0] == 0  # the last run
    code, out, _err = last_run(capsys, tmp_path, "--job", "early")
    assert code == 1 and "job early" in out
    assert "report: " + str(tmp_path / "reports" / "20261201T221000Z-roll.json") in out
    assert last_run(capsys, tmp_path, "--job", "late")[0] == 0
    # a damaged older report does not hide one further back
    (tmp_path / "reports" / "20261202T000000Z-roll.json").write_text("{", encoding="utf-8")
    assert last_run(capsys, tmp_path, "--job", "early")[0] == 1


@pytest.mark.parametrize(
    "make,args,says",
    [
        (lambda root: None, [], "no run report in"),
        (lambda root: (root / "last-run.json").write_text("{nope"), [], "not JSON"),
        (lambda root: (root / "last-run.json").write_text('{"new": 1}'), [], "no failed: true/false"),
        (lambda root: (root / "last-run.json").write_bytes(b"\xff\xfe"), [], "not JSON"),
        (
            lambda root: write_report(root, GOOD, "other", "2026-12-01T22:10:00+00:00"),
            ["--job", "mine"],
            "no report of job mine in",
        ),
    ],
)
def test_no_report_is_one_line_and_exit_2(tmp_path, capsys, make, args, says):
    make(tmp_path)
    code, out, err = last_run(capsys, tmp_path, *args)
    assert code == 2 and out == ""
    assert says in one_clear_line(err)


def test_no_folder(tmp_path, capsys):
    code, _out, err = last_run(capsys, tmp_path / "nowhere")
    assert code == 2 and "no archive folder at" in one_clear_line(err)
    code, _out, err = last_run(capsys, tmp_path / "nowhere", "--job", "j")
    assert code == 2 and "no report of job j (no folder" in one_clear_line(err)


def test_the_report_names_the_scrapyd_job():
    from sinacrawl.report import job_id

    class Spider:
        pass

    spider = Spider()
    assert job_id(spider) is None
    spider._job = "abc123"  # what Scrapyd's -a _job=ID sets
    assert job_id(spider) == "abc123"
