"""Run ``scrapy crawl`` in a child process, as a user would, and read what it left."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SITE = ROOT / "fixtures" / "site"


def crawl_cmd(
    spider: str, out: Path, *args: str, upstream: str | None = None, replay: Path | None = None
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        spider,
        "-s",
        f"SINACRAWL_OUTPUT_DIR={out}",
        "-s",
        "LOG_LEVEL=INFO",
        "-s",
        "SINACRAWL_RETRY_BACKOFF=0.05",
    ]
    if upstream:
        cmd += [
            "-s",
            f"SINACRAWL_UPSTREAM={upstream}",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        ]
    if replay:
        cmd += ["-s", f"SINACRAWL_REPLAY={replay}"]
    return cmd + list(args)


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def run_crawl(spider: str, out: Path, *args: str, upstream=None, replay=None, timeout=300):
    return subprocess.run(
        crawl_cmd(spider, out, *args, upstream=upstream, replay=replay),
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def report(out: Path) -> dict:
    return json.loads((out / "last-run.json").read_text(encoding="utf-8"))


def posts(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.md"))}


def index_rows(out: Path) -> dict[str, tuple]:
    con = sqlite3.connect(out / "index.sqlite")
    try:
        return {
            r[0]: r[1:]
            for r in con.execute("SELECT id, path, content_hash, version, url FROM articles")
        }
    finally:
        con.close()


def leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def check_consistent(out: Path) -> None:
    """Index and files agree: every row's file exists with its hash, every post has a row."""
    rows = index_rows(out)
    files = posts(out)
    assert {r[0] for r in rows.values()} == set(files), "index and files disagree"
    for path, digest, _version, _url in rows.values():
        assert hashlib.sha256(files[path]).hexdigest() == digest, path


def manifest() -> dict:
    return json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))


def expected_ids(columns: set[str]) -> set[str]:
    return {a["id"] for a in manifest()["articles"] if set(a["columns"]) & columns}
