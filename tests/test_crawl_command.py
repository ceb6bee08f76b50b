"""``scrapy crawl``'s checks of where a run reads from, made before anything is made or
locked, and its refusals written to LOG_FILE too (under Scrapyd, the job's log)."""

from __future__ import annotations

import pytest

from tests.crawlrun import SITE, run_crawl

pytestmark = pytest.mark.slow


def refusal(proc) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("sinacrawl:")]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "bug" not in proc.stderr.lower()
    return lines[0]


def test_a_missing_replay_folder_is_refused_not_crawled_live(tmp_path):
    out = tmp_path / "never"
    proc = run_crawl("roll", out, replay=tmp_path / "no-site")
    line = refusal(proc)
    assert f"SINACRAWL_REPLAY={tmp_path / 'no-site'}: no such folder;" in line
    assert "Spider opened" not in proc.stderr and not out.exists()


def test_a_relative_replay_folder_names_the_folder_it_was_looked_for_in(tmp_path):
    out = tmp_path / "never"
    proc = run_crawl("roll", out, "-s", "SINACRAWL_REPLAY=fixtures/no-site")
    assert "SINACRAWL_REPLAY=fixtures/no-site: no such folder in /" in refusal(proc)
    assert not out.exists()


def test_an_upstream_that_is_not_loopback_is_refused(tmp_path):
    out = tmp_path / "never"
    proc = run_crawl("roll", out, upstream="http://example.com:8080")
    assert "SINACRAWL_UPSTREAM=http://example.com:8080: give an http:// loopback" in refusal(proc)
    assert not out.exists()


def test_a_refusal_is_in_the_log_file_too(tmp_path):
    log = tmp_path / "job.log"
    out = tmp_path / "never"
    proc = run_crawl("roll", out, "-a", "pages=abc", "-s", f"LOG_FILE={log}", replay=SITE)
    line = refusal(proc)
    assert "-a pages=abc" in line
    assert line in log.read_text(encoding="utf-8")
    assert not out.exists()
