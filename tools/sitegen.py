#!/usr/bin/env python3
"""sitegen: write a deterministic, recorded offline Sina Finance site for replay.

    python tools/sitegen.py OUT_DIR --articles 120 --seed 1 [--columns china,hgjj,roll]
                            [--page-size 50] [--special] [--verify]

OUT_DIR gets a recording (a folder with ``url.txt`` and ``page.html``/``body.json``/``body``,
optional ``response.json``) for every URL of the generated site, in the layout
``sinacrawl/replay.py`` reads (``SINACRAWL_REPLAY=OUT_DIR``):

    articles/<id>/            article pages, built from fixtures/article/<case>/page.html
    api/<pageid>-<lid>-<n>/   roll API replies (feed.mix.sina.com.cn/api/roll/get), + one empty page
                              (--special: every column of COLUMNS)
    list/zq1-<n>/             GBK list pages roll.finance.sina.com.cn/finance/zq1/index_<n>.shtml
    robots/<host>/            robots.txt per host
    video/<id>/               (--special) a video page with no article container
    images/<hash>/            (--special) every image the pages show, small generated PNG/JPEG
    manifest.json             the truth: every article, column list and special recording

Article pages are the project's hand-written template pages with the title, id, URL, times,
keywords, source, editor and body text substituted; structure, junk blocks and the template's
encoding (GB2312 stays GB2312) are kept. Same arguments, same bytes. Nothing is written outside
OUT_DIR. See tools/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # --verify may import the project: leave no __pycache__ behind
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakesite.config import COLUMNS, DEFAULT_COLUMN_KEYS, DEFAULT_TEMPLATES, GENERATOR  # noqa: E402
from fakesite.site import Site  # noqa: E402
from fakesite.verify import verify  # noqa: E402
from fakesite.words import check_gb2312  # noqa: E402

# -- main ---------------------------------------------------------------------------------------


def prepare_out(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()):
        mf = out / "manifest.json"
        ours = False
        if mf.is_file():
            try:
                ours = json.loads(mf.read_text(encoding="utf-8")).get("generator") == GENERATOR
            except ValueError:
                ours = False
        if not (ours or force):
            raise SystemExit(
                f"sitegen: {out} is not empty and holds no sitegen manifest "
                "(pass --force to write into it anyway)"
            )
        for name in ("articles", "api", "list", "robots", "video", "images"):
            if (out / name).is_dir():
                shutil.rmtree(out / name)
        if mf.is_file():
            mf.unlink()
    out.mkdir(parents=True, exist_ok=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Generate a recorded offline Sina Finance site.")
    p.add_argument("out", type=Path, help="output folder (recordings + manifest.json)")
    p.add_argument("--articles", type=int, default=120, help="number of articles (default 120)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--columns",
        default=",".join(DEFAULT_COLUMN_KEYS),
        help=f"roll API columns, comma-separated keys of: {', '.join(COLUMNS)} "
        "(default china,hgjj,roll)",
    )
    p.add_argument("--page-size", type=int, default=50, help="roll API items a page (num=)")
    p.add_argument(
        "--special",
        action="store_true",
        help="add the odd recordings of the committed fixture site (JSONP, empty, "
        "malformed replies, news/video/tracking/deleted items) and record every column "
        "of COLUMNS",
    )
    p.add_argument(
        "--templates",
        type=Path,
        default=DEFAULT_TEMPLATES,
        help="folder of template article cases (default fixtures/article)",
    )
    p.add_argument(
        "--real-size",
        action="store_true",
        help="dress article pages in their era's chrome (scripts, styles, navigation, "
        "sidebars, ads) so they weigh what real pages weigh (100-250 KiB)",
    )
    p.add_argument("--verify", action="store_true", help="check the written site afterwards")
    p.add_argument("--force", action="store_true", help="write into a non-empty foreign folder")
    args = p.parse_args(argv)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown or not columns:
        p.error(f"unknown column(s) {unknown}; known: {', '.join(COLUMNS)}")
    if args.articles < (40 if args.special else 1) or args.page_size < 1:
        p.error("--articles must be >= 1 (>= 40 with --special) and --page-size >= 1")
    check_gb2312()
    started = time.perf_counter()
    prepare_out(args.out, args.force)
    site = Site(
        args.out,
        args.articles,
        args.seed,
        columns,
        args.page_size,
        args.special,
        args.templates,
        real_size=args.real_size,
    )
    site.plan()
    site.write()
    (args.out / "manifest.json").write_text(
        json.dumps(site.manifest(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"sitegen: {len(site.articles)} articles, {len(site.recordings)} recordings "
        f"in {args.out} ({time.perf_counter() - started:.1f}s)"
    )
    if args.verify:
        problems = verify(args.out)
        for line in problems[:50]:
            print("  " + line, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
