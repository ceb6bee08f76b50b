"""The article spider end to end: real Scrapy processes over the recorded pages (replay)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLE_FIXTURES, ROOT, article_cases

pytestmark = pytest.mark.slow


def scrapy(*args, cwd=ROOT, check=True):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr[-3000:])
    return proc


def crawl(out: Path, *extra, check: bool = True):
    return scrapy(
        "crawl",
        "article",
        "-s",
        f"SINACRAWL_REPLAY={ARTICLE_FIXTURES}",
        "-s",
        f"SINACRAWL_OUTPUT_DIR={out}",
        "-s",
        "LOG_LEVEL=INFO",
        *extra,
        check=check,
    )


def run_report(out: Path) -> dict:
    return json.loads((out / "last-run.json").read_text(encoding="utf-8"))


def test_scrapy_list():
    out = scrapy("list").stdout.split()
    assert "article" in out


def test_crawl_writes_one_post_per_article_and_index(tmp_path):
    crawl(tmp_path)
    cases = article_cases()
    articles = [c for c in cases if c.facts["is_article"]]
    posts = sorted(tmp_path.rglob("*.md"))
    assert len(posts) == len(articles)
    # each post is byte-identical to the golden file of its case
    golden = {c.expected.read_bytes() for c in articles}
    assert {p.read_bytes() for p in posts} == golden
    report = run_report(tmp_path)
    assert report["new"] == len(articles)
    from sinacrawl.pages.article import is_article_url

    for c in cases:
        if not c.facts["is_article"] and is_article_url(c.url):  # list pages are not crawled
            assert c.facts["reason"] in report["dropped"]
    con = sqlite3.connect(tmp_path / "index.sqlite")
    rows = con.execute("SELECT id, url, path, title, source, content_hash FROM articles").fetchall()
    assert len(rows) == len(articles)
    for _id, url, path, _title, _source, digest in rows:
        assert (tmp_path / path).is_file()
        assert url.startswith("https://")
        import hashlib

        assert hashlib.sha256((tmp_path / path).read_bytes()).hexdigest() == digest
    assert not list(tmp_path.rglob("*.tmp"))


def test_second_run_touches_nothing(tmp_path):
    crawl(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.md")}
    crawl(tmp_path)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.md")}
    assert before == after
    report = run_report(tmp_path)
    assert report["new"] == 0 and report["updated"] == 0
    assert report["unchanged"] == len(before)


def test_crawl_one_url_and_a_file_of_urls(tmp_path):
    seed = (ARTICLE_FIXTURES / "seed_domestic_2022" / "url.txt").read_text().strip()
    crawl(tmp_path / "one", "-a", f"url={seed}")
    assert [p.name for p in (tmp_path / "one").rglob("*.md")] == ["kyakumy8753215.md"]
    urls = [c.url for c in article_cases()[:3]]
    listing = tmp_path / "urls.txt"
    listing.write_text("# a comment\n" + "\n".join(urls) + "\n")
    proc = crawl(tmp_path / "file", "-a", f"file={listing}", check=False)
    written = len(list((tmp_path / "file").rglob("*.md")))
    assert written == sum(1 for c in article_cases()[:3] if c.facts["is_article"])
    # of the three asked for, one gave no post for now (its body is empty: tried again
    # later), more than SINACRAWL_MAX_ERROR_RATE: the run says so and fails
    report = run_report(tmp_path / "file")
    assert report["deferred"] == {"empty_body": 1}
    assert proc.returncode == 1 and any("gave no post for now" in f for f in report["failures"])
    proc = crawl(
        tmp_path / "lax", "-a", f"file={listing}", "-s", "SINACRAWL_MAX_ERROR_RATE=0.5", check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_markdown_body_format(tmp_path):
    seed = (ARTICLE_FIXTURES / "seed_domestic_2022" / "url.txt").read_text().strip()
    crawl(tmp_path, "-a", f"url={seed}", "-s", "SINACRAWL_BODY_FORMAT=markdown")
    post = next(tmp_path.rglob("*.md")).read_text(encoding="utf-8")
    assert (
        post.startswith("---\ntitle: '人社部：") and "<p>" not in post and "责任编辑：王蒙" in post
    )


def test_scrapy_parse_an_article_url():
    seed = (ARTICLE_FIXTURES / "seed_domestic_2022" / "url.txt").read_text().strip()
    proc = scrapy(
        "parse",
        "--spider",
        "article",
        "-s",
        f"SINACRAWL_REPLAY={ARTICLE_FIXTURES}",
        "-s",
        "SINACRAWL_OUTPUT_DIR=",
        seed,
    )
    assert "人社部：重点面向2022届高校毕业生" in proc.stdout
    assert "'id': 'kyakumy8753215'" in proc.stdout


def test_cli_convert(tmp_path):
    case = ARTICLE_FIXTURES / "era2005_gb2312"
    url = (case / "url.txt").read_text().strip()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "sinacrawl", "convert", str(case / "page.html"), "--url", url]
    printed = subprocess.run(cmd, capture_output=True, env=env, cwd=tmp_path, check=True).stdout
    assert printed == (case / "expected.md").read_bytes()
    subprocess.run(cmd + ["-o", str(tmp_path / "p.md")], env=env, cwd=tmp_path, check=True)
    assert (tmp_path / "p.md").read_bytes() == printed
    bad = ARTICLE_FIXTURES / "not_article_list"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sinacrawl",
            "convert",
            str(bad / "page.html"),
            "--url",
            (bad / "url.txt").read_text().strip(),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "not_article" in proc.stderr


def test_cli_index_export(tmp_path):
    crawl(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "sinacrawl", "index", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["id"] for r in rows} >= {"kyakumy8753215"}
    assert all(
        {
            "url",
            "path",
            "title",
            "source",
            "published",
            "content_hash",
            "first_crawled",
            "last_crawled",
        }
        <= set(r)
        for r in rows
    )


@pytest.mark.parametrize("threads", ["True", "False"])
def test_a_write_that_fails_loses_nothing(tmp_path, threads):
    # a file where the post's folder must go: every write of that post fails (as on a full
    # disk); the run says so, nothing is marked done, and the next run writes it
    seed = (ARTICLE_FIXTURES / "seed_domestic_2022" / "url.txt").read_text().strip()
    (tmp_path / "2022").write_text("in the way\n")
    args = ("-a", f"url={seed}", "-s", f"SINACRAWL_WRITE_THREADS={threads}")
    proc = crawl(tmp_path, *args, check=False)
    report = json.loads((tmp_path / "last-run.json").read_text())
    assert report["dropped"] == {"write_error": 1}, report
    assert "could not write" in proc.stderr
    assert report["failed"] is True and proc.returncode == 1
    assert not list(tmp_path.rglob("*.md")) and not list(tmp_path.rglob("*.tmp"))
    con = sqlite3.connect(tmp_path / "index.sqlite")
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    con.close()
    (tmp_path / "2022").unlink()
    crawl(tmp_path, *args)
    assert [p.name for p in tmp_path.rglob("*.md")] == ["kyakumy8753215.md"]
