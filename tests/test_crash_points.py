"""kill -9 at each step of the write sequence: pending row → temp file → rename → done.

A child process writes one post and SIGKILLs itself at the chosen step; the parent then
opens the archive as the next run would, and checks: no temporary file, no partial post,
the index agrees with the files, and a rerun writes the post exactly once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

from sinacrawl.state import SqliteState
from tests.conftest import ARTICLE_FIXTURES, ROOT
from tests.crawlrun import check_consistent, index_rows, leftovers, posts

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from scrapy.http import HtmlResponse
    from sinacrawl.pages import ArticlePage
    from sinacrawl import state as state_mod, storage
    from pipelines.clean import CleanPipeline
    from pipelines.write import WritePipeline

    out, step, variant = sys.argv[1], sys.argv[2], sys.argv[3]
    case = os.path.join({fixtures!r}, "seed_domestic_2022")
    url = open(os.path.join(case, "url.txt")).read().strip()
    body = open(os.path.join(case, "page.html"), "rb").read()
    if variant == "v2":
        body = body.replace("　　".encode(), "　　（第二版）".encode(), 1)

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def after(obj, name):
        original = getattr(obj, name)
        def wrapped(*a, **k):
            result = original(*a, **k)
            die()
            return result
        setattr(obj, name, wrapped)

    if step == "begin":
        after(state_mod.SqliteState, "begin_write")
    elif step == "tempfile":
        real_fsync = os.fsync
        def fsync(fd):
            real_fsync(fd)
            die()
        os.fsync = fsync
    elif step == "rename":
        after(storage.os, "replace")
    elif step == "finish":
        after(state_mod.SqliteState, "finish_write")

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector
    settings = Settings()
    settings.setmodule("sinacrawl.settings")
    settings.set("SINACRAWL_OUTPUT_DIR", out)
    crawler = Crawler(Spider, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    item = ArticlePage(HtmlResponse(url, body=body)).item()
    item = CleanPipeline.from_crawler(crawler).process_item(item)
    writer = WritePipeline.from_crawler(crawler)
    writer.open_spider()
    writer.process_item(item)
    writer.close_spider()
    """
).format(fixtures=str(ARTICLE_FIXTURES))


def write(out, step="none", variant="v1"):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env["SCRAPY_SETTINGS_MODULE"] = "sinacrawl.settings"
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(out), step, variant],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settle(out):
    state = SqliteState(out)
    done = state.recover()
    state.close()
    return done


@pytest.mark.parametrize("variant", ["new", "update"])
@pytest.mark.parametrize("step", ["begin", "tempfile", "rename", "finish"])
def test_kill_at_each_write_step(tmp_path, step, variant):
    ref = tmp_path / "ref"
    assert write(ref, "none", "v2").returncode == 0
    expected = posts(ref)
    out = tmp_path / "out"
    if variant == "update":
        assert write(out, "none", "v1").returncode == 0
        old = posts(out)
    else:
        old = {}
    killed = write(out, step, "v2")
    assert killed.returncode == -9, killed.stderr[-2000:]
    settle(out)
    # after the next start: no temporary file, each post whole (old or new), index agrees
    assert leftovers(out) == []
    for path, data in posts(out).items():
        assert data in (expected.get(path), old.get(path)), path
    check_consistent(out)
    # and the next run ends with the new post written exactly once
    assert write(out, "none", "v2").returncode == 0
    assert posts(out) == expected
    assert leftovers(out) == []
    check_consistent(out)
    digest = hashlib.sha256(next(iter(expected.values()))).hexdigest()
    assert [row[1] for row in index_rows(out).values()] == [digest]
