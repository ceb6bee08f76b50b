"""Where the time goes, for the figures that miss their bar.

    python bench/hotspots.py extract [--pages 1000]      # pyinstrument over Converter.convert
    python bench/hotspots.py crawl [--articles 1000] [--spider roll|noop]
                                                        # py-spy over a real crawl process
    python bench/hotspots.py timers [--articles 1000]   # wall-clock timers in a real roll crawl

Prints the functions with the largest inclusive share (a function counted once per stack,
so recursion does not inflate it) and the largest self share. ``crawl`` samples the crawl
process's main thread (the reactor), idle time included, so shares are of wall time;
``--raw FILE`` keeps py-spy's collapsed stacks. ``timers`` runs the roll crawl through
bench/crawl_timed.py: the seconds spent in each stage of the per-page work, without the
distortion of sampling, as shares of the run's duration.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def show(
    title: str, incl: collections.Counter, self_: collections.Counter, total: float, top: int
) -> None:
    print(f"# {title}")
    print(f"## inclusive (share of {total:.2f} {'s' if isinstance(total, float) else 'samples'})")
    for name, value in incl.most_common(top):
        print(f"{100 * value / total:5.1f}%  {name}")
    print("## self")
    for name, value in self_.most_common(top):
        print(f"{100 * value / total:5.1f}%  {name}")


def profile_extract(pages: int, top: int) -> None:
    common.need("pyinstrument")
    import extract
    from pyinstrument import Profiler

    common.pin_to_one_core()
    corpus = extract.corpus(pages, 7)
    fn = extract.extractors()["extract"]
    for body, url in extract.warmup_pages():
        fn(body, url)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for body, url in corpus:
        fn(body, url)
    session = profiler.stop()
    root = session.root_frame()
    incl: collections.Counter = collections.Counter()
    self_: collections.Counter = collections.Counter()

    def key(frame) -> str:
        path = (frame.file_path_short or "").replace("\\", "/")
        return f"{frame.function} ({path.split('site-packages/')[-1]})"

    def walk(frame, on_path: frozenset):
        k = key(frame)
        if k not in on_path:
            incl[k] += frame.time
        self_[k] += frame.total_self_time
        for child in frame.children:
            walk(child, on_path | {k})

    walk(root, frozenset())
    show(f"extract: Converter.convert over {len(corpus)} pages", incl, self_, root.time, top)


def profile_crawl(articles: int, spider: str, top: int, raw: Path | None) -> None:
    import shutil as sh

    import crawl

    if not sh.which("py-spy"):
        sys.exit(f"py-spy is missing: {common.REQUIREMENTS_HINT}")
    site_dir = common.site(articles, 11, "china")
    work = Path(tempfile.mkdtemp(prefix="sinacrawl-bench-profile-"))
    raw = raw or work / "stacks.txt"
    try:
        with common.server(site_dir) as srv:
            out = work / "out"
            cmd = (
                crawl.roll_cmd(srv.url, out, "china")
                if spider == "roll"
                else crawl.noop_cmd(srv.url, out, site_dir, "china")
            )
            subprocess.run(
                [
                    "py-spy",
                    "record",
                    "--idle",
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--",
                    *cmd,
                ],
                cwd=common.ROOT,
                env=common.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
        incl: collections.Counter = collections.Counter()
        self_: collections.Counter = collections.Counter()
        total = 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack.startswith("_run_module_as_main"):
                continue  # not the main (reactor) thread
            n = int(count)
            total += n
            frames = [re.sub(r" \((?:.*/)?([^/:]+):\d+\)$", r" (\1)", f) for f in stack.split(";")]
            for f in set(frames):
                incl[f] += n
            self_[frames[-1]] += n
        show(f"crawl: {spider} over {articles} articles, main thread", incl, self_, total, top)
    finally:
        sh.rmtree(work, ignore_errors=True)


def timers(articles: int) -> None:
    import json
    import shutil as sh

    import crawl

    site_dir = common.site(articles, 11, "china")
    work = Path(tempfile.mkdtemp(prefix="sinacrawl-bench-timers-"))
    try:
        with common.server(site_dir) as srv:
            out = work / "out"
            cmd = crawl.roll_cmd(srv.url, out, "china")
            assert cmd[1:3] == ["-m", "scrapy"]
            cmd = [
                cmd[0],
                str(common.BENCH / "crawl_timed.py"),
                str(work / "timers.json"),
                *cmd[3:],
            ]
            child = common.run_child(cmd, work / "crawl.log")
            if child.returncode != 0:
                sys.exit(f"crawl failed:\n{child.tail()}")
        rep = json.loads((out / "last-run.json").read_text())
        totals = json.loads((work / "timers.json").read_text())
        duration = rep["duration_s"]
        print(
            f"# roll crawl of {articles} articles: {duration:.2f} s "
            f"({rep['new']} written), wall {child.wall_s:.2f} s, CPU {child.cpu_s:.2f} s"
        )
        print(f"{'stage':40} {'s':>7} {'share':>6} {'calls':>6} {'ms/call':>8} {'ms/article':>10}")
        for name, (sec, calls) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
            if calls:
                print(
                    f"{name:40} {sec:7.2f} {100 * sec / duration:5.1f}% {calls:6d} "
                    f"{1000 * sec / calls:8.3f} {1000 * sec / articles:10.3f}"
                )
    finally:
        sh.rmtree(work, ignore_errors=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=("extract", "crawl", "timers"))
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--spider", choices=("roll", "noop"), default="roll")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--raw", type=Path)
    args = ap.parse_args(argv)
    if args.what == "extract":
        profile_extract(args.pages, args.top)
    elif args.what == "timers":
        timers(args.articles)
    else:
        profile_crawl(args.articles, args.spider, args.top, args.raw)


if __name__ == "__main__":
    main()
