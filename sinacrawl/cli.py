"""The ``sinacrawl`` command: tools beside Scrapy's own (``scrapy crawl`` runs the spiders).

Exit status: 0 done; 1 the command ran and found or hit a problem (``verify``: problems;
``convert``: not an article; ``repair``: could not write); 2 a usage error (a missing or
wrong argument, a folder that is not an archive, an unreadable index for ``index``);
3 another run holds the archive.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit


class UsageError(Exception):
    """A user's mistake: one line on stderr, exit 2."""


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _convert(args) -> int:
    from sinacrawl.columns import ColumnTable
    from sinacrawl.convert import ConversionError, Converter

    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--url {args.url!r}: give the http(s) URL the page was saved from")
    page = Path(args.page)
    if page.is_dir():
        raise UsageError(f"{args.page} is a folder: give the saved page's file")
    output = Path(args.output) if args.output else None
    if output is not None:
        if output.is_dir():
            raise UsageError(
                f"-o {args.output} is a folder: give a file name, e.g. -o {output / 'post.md'}"
            )
        folder = output.parent
        if not folder.is_dir():
            raise UsageError(
                f"-o {args.output}: the folder {folder} does not exist "
                f"(create it first: mkdir -p {folder})"
            )
    try:
        body = page.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.page}: {exc.strerror}") from None
    overrides = {"SINACRAWL_BODY_FORMAT": args.format} if args.format else {}
    converter = Converter(overrides)
    if args.column is not None:
        settings = converter.crawler.settings
        table = ColumnTable(
            settings.getlist("SINACRAWL_COLUMNS"), settings.get("SINACRAWL_DEFAULT_COLUMN")
        )
        if args.column not in table.by_key:
            raise UsageError(
                f"--column {args.column!r} is not a column key; known: {', '.join(table.by_key)}"
            )
    try:
        _path, text = converter.convert(body, args.url, column=args.column)
    except ConversionError as exc:
        print(f"sinacrawl convert: {exc}", file=sys.stderr)
        return 1
    data = text.encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(data)
        return 0
    from sinacrawl.storage import temp_name, write_atomic

    try:  # (atomic: a failed write leaves no half-made file)
        write_atomic(output, data, temp_name(output))
    except OSError as exc:
        print(f"sinacrawl convert: cannot write -o {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _archive(value: str) -> Path:
    root = Path(value)
    if not root.exists():
        raise UsageError(f"no archive folder at {value}")
    if not root.is_dir():
        raise UsageError(f"{value} is not a folder: give the archive folder")
    return root


def _index(args) -> int:
    from sinacrawl.indexdb import INDEX, UnreadableIndex, open_readonly

    db = _archive(args.archive) / INDEX
    if not db.is_file():
        raise UsageError(f"no index at {db}: run `sinacrawl repair {args.archive}`")
    try:
        with open_readonly(db) as con:
            for row in con.execute("SELECT * FROM articles ORDER BY published, id"):
                _say(json.dumps(dict(row), ensure_ascii=False))
    except UnreadableIndex:
        raise UsageError(
            f"{INDEX} is not a readable SQLite database: run `sinacrawl repair {args.archive}`"
        ) from None
    return 0


def _verify(args) -> int:
    from sinacrawl.verify import summary, verify

    problems, counts = verify(_archive(args.archive))
    for problem in problems:
        _say(problem.line())
    _say(f"sinacrawl verify: {summary(problems, counts)}")
    return 1 if problems else 0


def _repair(args) -> int:
    import sqlite3

    from sinacrawl.repair import ArchiveInUse, RepairError, repair

    root = _archive(args.archive)
    try:
        lines = repair(root)
    except RepairError as exc:
        print(f"sinacrawl repair: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, ArchiveInUse) else 1
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(
            f"sinacrawl repair: could not repair {args.archive}: {reason} "
            "(the index is left as it was)",
            file=sys.stderr,
        )
        return 1
    for line in lines:
        _say(f"sinacrawl repair: {line}")
    return 0


def _archivist(args) -> int:
    from sinacrawl.archivist import run

    if not args.redis.startswith(("redis://", "rediss://", "unix://")):
        raise UsageError(f"--redis {args.redis!r}: give a URL such as redis://127.0.0.1:6379/0")
    return run(args.archive, args.redis, args.idle_exit)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sinacrawl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    ver = sub.add_parser("verify", help="check an archive's posts against its index")
    ver.add_argument("archive", help="the output folder")
    ver.set_defaults(func=_verify)
    rep = sub.add_parser("repair", help="rebuild or mend an archive's index from its posts")
    rep.add_argument("archive", help="the output folder")
    rep.set_defaults(func=_repair)
    arc = sub.add_parser("archivist", help="write the items Redis workers hand over")
    arc.add_argument("archive", help="the output folder (this machine's archive)")
    arc.add_argument("--redis", required=True, help="the workers' SINACRAWL_REDIS_URL")
    arc.add_argument(
        "--idle-exit", type=float, metavar="SECONDS",
        help="exit once no worker runs and nothing arrived for this long",
    )
    arc.set_defaults(func=_archivist)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        print(f"sinacrawl {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`sinacrawl index | head -1`): stop quietly; point stdout at
        # /dev/null so the interpreter's last flush does not complain either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # (128 + SIGPIPE, as a tool killed by the signal reports)


if __name__ == "__main__":
    raise SystemExit(main())
