"""The run report's verdict: what makes a run failed (and the crawl command exit 1)."""

from __future__ import annotations

from scrapy.settings import Settings

from sinacrawl.report import summarize

SETTINGS = Settings({"SINACRAWL_MAX_ERROR_RATE": 0.1})


def test_a_clean_run_is_not_failed():
    report = summarize({"finish_reason": "finished", "sinacrawl/written/new": 3}, SETTINGS)
    assert report["failed"] is False and report["new"] == 3 and report["failures"] == []


def test_pipeline_and_callback_errors_fail_the_run():
    stats = {
        "finish_reason": "finished",
        "sinacrawl/errors/item": 2,
        "spider_exceptions/count": 1,
        "spider_exceptions/KeyError": 1,
        "sinacrawl/errors/write": 1,
    }
    report = summarize(stats, SETTINGS)
    assert report["failed"] is True
    assert report["errors"] == {"item": 2, "write": 1}
    assert report["failures"] == [
        "1 posts could not be written",
        "2 items failed in a pipeline (a bug: see the log)",
        "1 pages failed in a spider callback (a bug: see the log)",
    ]
