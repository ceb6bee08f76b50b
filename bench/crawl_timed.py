"""``scrapy`` with wall-clock timers around the project's per-page work (bench/hotspots.py).

    python bench/crawl_timed.py TIMERS.json crawl roll -s ...

Wraps, before the crawl starts, the functions below with timers that add up the seconds
spent in each (inclusive: write_atomic is also inside WritePipeline.process_item), runs
Scrapy's command line with the remaining arguments, and writes ``{name: [seconds, calls]}``
to TIMERS.json at exit. Nothing of the project is changed on disk.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import inspect
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = [
    ("sinacrawl.pages.article", "ArticlePage.__init__"),
    ("sinacrawl.pages.article", "ArticlePage.item"),
    ("sinacrawl.pages.roll", "RollApiPage.entries"),
    ("spiders.roll", "RollSpider.parse_api"),
    ("pipelines.validate", "ValidatePipeline.process_item"),
    ("pipelines.dedupe", "DedupePipeline.process_item"),
    ("pipelines.clean", "CleanPipeline.process_item"),
    ("pipelines.content", "ContentDedupePipeline.process_item"),
    ("pipelines.write", "WritePipeline.process_item"),
    ("pipelines.write", "WritePipeline.render_item"),
    ("pipelines.write", "write_atomic"),
    ("pipelines.write", "same_bytes"),
    ("sinacrawl.state", "SqliteState.begin_write"),
    ("sinacrawl.state", "SqliteState.finish_write"),
    ("sinacrawl.state", "SqliteState.get"),
    ("sinacrawl.state", "SqliteState.id_for_body"),
    ("sinacrawl.state", "SqliteState.id_for_url"),
    ("sinacrawl.state", "SqliteState.add_frontier"),
    ("sinacrawl.state", "SqliteState.tombstone"),
]
TOTALS: dict[str, list] = {}


def timer(name, fn):
    slot = TOTALS.setdefault(name, [0.0, 0])
    clock = time.perf_counter

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            it = fn(*args, **kwargs)
            while True:
                t0 = clock()
                try:
                    value = next(it)
                except StopIteration:
                    slot[0] += clock() - t0
                    slot[1] += 1
                    return
                slot[0] += clock() - t0
                yield value

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            slot[0] += clock() - t0
            slot[1] += 1

    return wrapper


def install() -> None:
    for module_name, path in TARGETS:
        module = importlib.import_module(module_name)
        owner, _, attr = path.rpartition(".")
        holder = getattr(module, owner) if owner else module
        setattr(holder, attr, timer(path, getattr(holder, attr)))


def main() -> None:
    out = Path(sys.argv[1])
    install()
    atexit.register(lambda: out.write_text(json.dumps(TOTALS, indent=1)))
    from scrapy.cmdline import execute

    execute(["scrapy", *sys.argv[2:]])


if __name__ == "__main__":
    main()
