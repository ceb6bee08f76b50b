"""The ``sinacrawl`` command: tools beside Scrapy's own (``scrapy crawl`` runs the spiders)."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path


def _convert(args) -> int:
    from sinacrawl.convert import ConversionError, Converter

    try:
        body = Path(args.page).read_bytes()
    except OSError as exc:
        print(f"sinacrawl convert: cannot read {args.page}: {exc.strerror}", file=sys.stderr)
        return 2
    overrides = {"SINACRAWL_BODY_FORMAT": args.format} if args.format else {}
    try:
        _path, text = Converter(overrides).convert(body, args.url, column=args.column)
    except ConversionError as exc:
        print(f"sinacrawl convert: {exc}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_bytes(text.encode("utf-8"))
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


def _index(args) -> int:
    db = Path(args.archive) / "index.sqlite"
    if not db.is_file():
        print(f"sinacrawl index: no index at {db}", file=sys.stderr)
        return 2
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    out = sys.stdout
    for row in con.execute("SELECT * FROM articles ORDER BY published, id"):
        out.write(json.dumps(dict(row), ensure_ascii=False) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sinacrawl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser("convert", help="turn a saved article page into its post")
    conv.add_argument("page", help="the saved page (raw bytes, any encoding)")
    conv.add_argument("--url", required=True, help="the URL the page was saved from")
    conv.add_argument("-o", "--output", help="write the post here instead of printing it")
    conv.add_argument("--format", choices=["html", "markdown"], help="body format")
    conv.add_argument("--column", help="column key from SINACRAWL_COLUMNS (default: from URL)")
    conv.set_defaults(func=_convert)
    idx = sub.add_parser("index", help="print an archive's index as JSON Lines")
    idx.add_argument("archive", nargs="?", default="archive", help="the output folder")
    idx.set_defaults(func=_index)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
