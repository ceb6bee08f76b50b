"""The WARC of the bundled recorded site, and how long ``sinacrawl rebuild`` takes on it.

    python bench/warc.py [--columns all]

Crawls ``fixtures/site`` (replayed) with and without ``SINACRAWL_WARC=1`` into temporary
folders, then times ``sinacrawl rebuild`` twice: with every post and the index deleted (all
restored) and on the unchanged archive (nothing rewritten). Prints ``name: value`` lines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def emit(name: str, value) -> None:
    print(f"{name}: {value}", flush=True)


def run(*args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def crawl(out: Path, columns: str, warc: bool) -> float:
    return run(
        sys.executable, "-m", "scrapy", "crawl", "roll", "-a", f"columns={columns}",
        "-s", "SINACRAWL_REPLAY=fixtures/site", "-s", f"SINACRAWL_OUTPUT_DIR={out}",
        "-s", f"SINACRAWL_WARC={int(warc)}", "-s", "SINACRAWL_PROGRESS=0",
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", default="all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, recorded = Path(tmp) / "plain", Path(tmp) / "recorded"
        emit("warc_crawl_without_s", round(crawl(plain, args.columns, False), 2))
        emit("warc_crawl_with_s", round(crawl(recorded, args.columns, True), 2))
        files = sorted((recorded / "warc").glob("*.warc.gz"))
        emit("warc_files", len(files))
        emit("warc_bytes", sum(f.stat().st_size for f in files))
        emit("warc_posts", len(list(recorded.rglob("*.md"))))
        for post in recorded.rglob("*.md"):
            post.unlink()
        for side in recorded.glob("index.sqlite*"):
            side.unlink()
        rebuild = (sys.executable, "-m", "sinacrawl", "rebuild", str(recorded))
        emit("warc_rebuild_restore_all_s", round(run(*rebuild), 2))
        emit("warc_rebuild_unchanged_s", round(run(*rebuild), 2))
        shutil.rmtree(recorded / "warc")


if __name__ == "__main__":
    main()
