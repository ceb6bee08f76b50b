"""What a run prints at LOG_LEVEL=INFO (real crawls in a child process, stderr a pipe):
the few lines a person needs, Scrapy's start-up and stats dumps only at DEBUG, no
deprecation warning, and a dropped item as one line (id, URL, reason) without its body."""

from __future__ import annotations

import re

import pytest

from sinacrawl.urls import article_id
from tests.conftest import ARTICLE_FIXTURES
from tests.crawlrun import SITE, report, run_crawl

pytestmark = pytest.mark.slow

RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[\w.]+\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): "
)
DUMPS = (
    "Versions:",
    "Enabled addons",
    "Enabled extensions",
    "Enabled downloader middlewares",
    "Enabled spider middlewares",
    "Enabled item pipelines",
    "Overridden settings",
    "Dumping Scrapy stats",
)
# An unchanged run needs: Scrapy started, replaying…, Spider opened, Closing spider,
# run report, run report written to…, Spider closed: 7 lines. 10 leaves room for a
# warning or two (a recovered interrupted run) but not for any of Scrapy's dumps, which
# are multi-line (the shortest, "Enabled addons:\n[]", is 2 lines; together about 100).
UNCHANGED_RUN_MAX_LINES = 10


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("archive")
    first = run_crawl("roll", out, replay=SITE)
    second = run_crawl("roll", out, replay=SITE)
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    return out, first.stderr, second.stderr


def test_an_unchanged_run_prints_the_few_lines_a_person_needs(two_runs):
    out, _, stderr = two_runs
    rep = report(out)
    assert rep["new"] == rep["updated"] == 0 and rep["skipped_known"] > 0  # it is unchanged
    lines = stderr.splitlines()
    assert len(lines) <= UNCHANGED_RUN_MAX_LINES, stderr
    assert all(RECORD.match(line) for line in lines), stderr  # no multi-line dump
    assert sum("run report: " in line for line in lines) == 1
    assert any(f"run report written to {out / 'last-run.json'}" in line for line in lines)
    assert any("Scrapy" in line and "started" in line for line in lines)
    for dump in DUMPS:
        assert dump not in stderr, dump


def test_no_deprecation_warning(two_runs):
    _, first, second = two_runs
    for stderr in (first, second):  # (the first run writes posts, on threads)
        assert "ScrapyDeprecationWarning" not in stderr
        assert "[py.warnings]" not in stderr


def test_a_run_that_writes_shows_no_line_per_page_or_item(two_runs):
    out, first, _ = two_runs
    lines = first.splitlines()
    assert all(RECORD.match(line) for line in lines), first
    assert not [line for line in lines if " DEBUG: " in line]
    assert "Crawled (" not in first and "Scraped from" not in first
    # one line per drop, the rest as in an unchanged run
    drops = sum(report(out)["dropped"].values())
    assert len(lines) <= UNCHANGED_RUN_MAX_LINES + drops, first


def test_the_dumps_went_to_debug(tmp_path):
    proc = run_crawl("roll", tmp_path, "-s", "LOG_LEVEL=DEBUG", replay=SITE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for dump in DUMPS:
        assert re.search(r"\] DEBUG: " + re.escape(dump), proc.stderr), dump


def _paragraph(post: str) -> str:
    """A stretch of an article's body text (from its golden post)."""
    texts = [t.strip("\u3000 ") for t in re.findall(r"<p>([^<]{30,})", post)]
    assert texts, "no body paragraph in the golden post"
    return texts[0][:20]


def test_a_dropped_item_is_one_line_with_id_url_and_reason(tmp_path):
    # a file where the post's folder must go: the write fails and the item is dropped
    case = ARTICLE_FIXTURES / "seed_domestic_2022"
    url = (case / "url.txt").read_text().strip()
    body = _paragraph((case / "expected.md").read_text(encoding="utf-8"))
    (tmp_path / "2022").write_text("in the way\n")
    proc = run_crawl("article", tmp_path, "-a", f"url={url}", replay=ARTICLE_FIXTURES)
    assert report(tmp_path)["dropped"] == {"write_error": 1}
    lines = proc.stderr.splitlines()
    assert all(RECORD.match(line) for line in lines), proc.stderr  # no item dump
    dropped = [line for line in lines if f"dropped {article_id(url)} " in line]
    assert len(dropped) == 1, proc.stderr
    assert " WARNING: " in dropped[0]
    assert f" {url}: write_error: " in dropped[0]
    assert body not in proc.stderr
    assert "'body'" not in proc.stderr


def test_a_dropped_item_for_content_is_logged_at_info(tmp_path):
    proc = run_crawl("article", tmp_path, replay=ARTICLE_FIXTURES)
    reasons = report(tmp_path)["dropped"]
    assert reasons.get("empty_body"), reasons  # the fixture set has an article without body
    lines = proc.stderr.splitlines()
    assert all(RECORD.match(line) for line in lines), proc.stderr
    empty = [line for line in lines if line.endswith(": empty_body")]
    assert len(empty) == reasons["empty_body"]
    for line in empty:
        assert " INFO: " in line
        dropped_url = line.split()[-2].rstrip(":")
        assert dropped_url.startswith("http") and article_id(dropped_url) in line
