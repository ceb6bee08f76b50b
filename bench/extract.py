"""Benchmark 1: extraction, page bytes to finished post, on one core.

The corpus is N article pages of a recorded site from tools/sitegen.py (every template era,
GB2312 pages included; titles, times and body text differ on every page, so nothing is
cached between pages). All pages are read into memory first; then, in the same process, on
the same pages, taking turns page by page:

- ``extract``: ``sinacrawl.convert.Converter().convert(bytes, url)``: the crawl's page object
  and pipelines (validate, dedupe, clean with nh3, content dedupe, render);
- ``trafilatura``: ``trafilatura.extract(bytes, url=url, output_format="markdown",
  with_metadata=True)`` (benchmark-only dependency, bench/requirements.txt);
- ``lxml_parse``: ``lxml.html.document_fromstring(bytes)``, the bare parse no extractor that
  reads the page can beat.

The pages are of real size (``sitegen.py --real-size``; ``--small-pages``: a plain site's).
``extract_vs_trafilatura`` = extract pages/s ÷ trafilatura pages/s (bar ≥ 12);
``extract_vs_lxml_parse`` = extract time ÷ lxml parse time (bar ≤ 2.5).
``--profile`` adds a cProfile pass over the same pages and prints where extract's time goes.

    python bench/extract.py [--pages 1000] [--seed 7] [--profile] [--small-pages]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import ROOT, emit  # noqa: E402


def corpus(pages: int, seed: int, real_size: bool = True) -> list[tuple[bytes, str]]:
    site_dir = common.site(pages, seed, "china", real_size)
    out = []
    for article in common.manifest(site_dir)["articles"][:pages]:
        folder = site_dir / article["recording"]
        out.append(
            (
                (folder / "page.html").read_bytes(),
                (folder / "url.txt").read_text(encoding="utf-8").strip(),
            )
        )
    return out


def warmup_pages() -> list[tuple[bytes, str]]:
    """The hand-written fixture pages (not in the corpus): imports, caches of compiled
    XPath and regexes, first-call costs are paid before timing."""
    out = []
    for case in sorted((ROOT / "fixtures" / "article").iterdir()):
        if (case / "page.html").is_file() and (case / "url.txt").is_file():
            out.append(
                (
                    (case / "page.html").read_bytes(),
                    (case / "url.txt").read_text(encoding="utf-8").strip(),
                )
            )
    return out


def timed(fns: dict, pages) -> dict[str, tuple[float, int]]:
    """Seconds each function spent over every page, and how many pages gave a result.

    The functions take turns page by page (their order rotating), so a drift of the
    machine's speed during the run (a shared VM's neighbours, frequency changes) weighs on
    each of them alike."""
    names = list(fns)
    spent = dict.fromkeys(names, 0.0)
    ok = dict.fromkeys(names, 0)
    clock = time.perf_counter
    gc.collect()
    for i, (body, url) in enumerate(pages):
        for k in range(len(names)):
            name = names[(i + k) % len(names)]
            fn = fns[name]
            t0 = clock()
            result = fn(body, url)
            spent[name] += clock() - t0
            if result is not None:
                ok[name] += 1
    return {name: (spent[name], ok[name]) for name in names}


def extractors():
    import lxml.html
    import trafilatura

    from sinacrawl.convert import ConversionError, Converter

    converter = Converter()

    def extract(body, url):
        try:
            return converter.convert(body, url)
        except ConversionError:
            return None

    def trafilatura_md(body, url):
        return trafilatura.extract(body, url=url, output_format="markdown", with_metadata=True)

    def lxml_parse(body, url):
        return lxml.html.document_fromstring(body)

    return {"extract": extract, "trafilatura": trafilatura_md, "lxml_parse": lxml_parse}


# Where extract's time goes: cumulative cProfile time of these functions, as shares of the
# whole convert() time. (file suffix, function name) → figure name.
STAGES = {
    ("sinacrawl/convert.py", "convert"): "total",
    ("sinacrawl/convert.py", "pipelines"): "build_pipelines",
    ("sinacrawl/pages/article.py", "__init__"): "page_parse",
    ("sinacrawl/pages/article.py", "item"): "page_fields",
    ("pipelines/clean.py", "process_item"): "clean",
    ("sinacrawl/clean/pruning.py", "prune"): "clean_prune",
    ("sinacrawl/clean/allowlist.py", "sanitize"): "clean_nh3",
    ("pipelines/write.py", "render_item"): "render",
    ("sinacrawl/render.py", "scalar"): "render_yaml_scalar",
    ("pipelines/content.py", "process_item"): "content_dedupe",
    ("pipelines/validate.py", "process_item"): "validate",
    ("pipelines/dedupe.py", "process_item"): "dedupe",
}


def profile(fn, pages) -> dict[str, float]:
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for body, url in pages:
        fn(body, url)
    prof.disable()
    stats = pstats.Stats(prof).stats
    found: dict[str, float] = {}
    calls: dict[str, int] = {}
    for (filename, _line, func), (_cc, nc, _tt, ct, _callers) in stats.items():
        name = STAGES.get((filename.replace("\\", "/").split("/main/", 1)[-1], func))
        if name is None:
            for (suffix, f), n in STAGES.items():
                if f == func and filename.replace("\\", "/").endswith(suffix):
                    name = n
        if name:
            found[name] = found.get(name, 0.0) + ct
            calls[name] = calls.get(name, 0) + nc
    total = found.get("total") or 1.0
    out = {f"profile_{k}_pct": 100.0 * v / total for k, v in found.items() if k != "total"}
    out["profile_clean_prune_calls_per_page"] = calls.get("clean_prune", 0) / len(pages)
    out["profile_clean_nh3_calls_per_page"] = calls.get("clean_nh3", 0) / len(pages)
    out["profile_yaml_scalar_calls_per_page"] = calls.get("render_yaml_scalar", 0) / len(pages)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--cpu", type=int, default=None, help="the core to run on (default: the idlest)"
    )
    ap.add_argument("--profile", action="store_true", help="also print where extract's time goes")
    ap.add_argument(
        "--small-pages",
        action="store_true",
        help="the ~12 KiB pages of a plain sitegen site instead of real-size ones",
    )
    args = ap.parse_args(argv)
    common.need("trafilatura", "lxml", "scrapy")

    core = common.pin_to_one_core(args.cpu)
    pages = corpus(args.pages, args.seed, not args.small_pages)
    fns = extractors()
    for fn in fns.values():
        for body, url in warmup_pages():
            fn(body, url)

    from sinacrawl.clean.body import ROUNDS

    ROUNDS.clear()
    results = timed(fns, pages)
    rounds = dict(ROUNDS)
    n = len(pages)
    rate = {name: n / seconds for name, (seconds, _ok) in results.items()}
    figures = {
        "extract_pages": n,
        "extract_core": core if core is not None else "-",
        "extract_page_kb": sum(len(b) for b, _u in pages) / n / 1024,
        "extract_ok": results["extract"][1],
        "trafilatura_ok": results["trafilatura"][1],
        "extract_pages_per_s": rate["extract"],
        "trafilatura_pages_per_s": rate["trafilatura"],
        "lxml_parse_pages_per_s": rate["lxml_parse"],
        "extract_ms_per_page": 1000 / rate["extract"],
        "trafilatura_ms_per_page": 1000 / rate["trafilatura"],
        "lxml_parse_ms_per_page": 1000 / rate["lxml_parse"],
        "extract_vs_trafilatura": rate["extract"] / rate["trafilatura"],
        "extract_vs_lxml_parse": results["extract"][0] / results["lxml_parse"][0],
        # cleaning rounds: first rounds on the fast path, those sure to be the fixed point
        # (no second round), second rounds run (the check of a first round, or settling
        # it), and those second rounds that changed the body
        "clean_fast_first_rounds": rounds.get("fast", 0),
        "clean_sure_first_rounds": rounds.get("sure", 0),
        "clean_second_rounds": rounds.get("second", 0),
        "clean_second_rounds_that_changed": rounds.get("settled", 0),
    }
    if figures["extract_ok"] < n:
        print(
            f"warning: {n - figures['extract_ok']} of {n} pages gave no post: the extract "
            "figures do not measure a working extractor",
            file=sys.stderr,
        )
    if args.profile:
        figures.update(profile(fns["extract"], pages))
    for name, value in figures.items():
        emit(name, value)
    return figures


if __name__ == "__main__":
    main()
