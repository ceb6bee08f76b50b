"""The ``sinacrawl`` command: tools beside Scrapy's own (``scrapy crawl`` runs the spiders).

Exit status: 0 done; 1 the command ran and found or hit a problem (``verify``: problems;
``convert``: not an article; ``repair``, ``report``: could not write; ``last-run``: the run
failed; ``feed``: a feed not written or a post left out); 2 a usage error (a missing or
wrong argument, a folder that is not an archive, an unreadable index for ``index`` or
``report``, no report for ``last-run``); 3 another run holds the archive.
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

    try:
        parts = urlsplit(args.url)
        parts.port  # noqa: B018  (a port out of range raises ValueError)
    except ValueError as exc:
        raise UsageError(f"--url {args.url!r} is not a well-formed URL ({exc})") from None
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


def _last_run(args) -> int:
    from sinacrawl.lastrun import NoReport, find_report, summary

    # (a job refused before it began may have left no folder: that is said as "no report")
    root = _archive(args.archive) if args.job is None else Path(args.archive)
    try:
        path, report = find_report(root, args.job)
    except NoReport as exc:
        raise UsageError(str(exc)) from None
    for line in summary(report, path):
        _say(line)
    return 1 if report["failed"] else 0


def _report(args) -> int:
    from sinacrawl.discovery import Window
    from sinacrawl.indexdb import INDEX, UnreadableIndex
    from sinacrawl.overview import gather, render
    from sinacrawl.storage import temp_name, write_atomic

    for name, value in (("--since", args.since), ("--until", args.until)):
        try:
            Window.parse(value, None)
        except ValueError:
            raise UsageError(
                f"{name} {value}: not a date; give YYYY-MM-DD (a Beijing date)"
            ) from None
    try:
        window = Window.parse(args.since, args.until)
    except ValueError:
        raise UsageError(
            f"--since {args.since} is after --until {args.until}: give since ≤ until"
        ) from None
    root = _archive(args.archive)
    if not (root / INDEX).is_file():
        raise UsageError(f"no index at {root / INDEX}: run `sinacrawl repair {args.archive}`")
    output = Path(args.output)
    if output.is_dir():
        raise UsageError(
            f"-o {args.output} is a folder: give a file name, e.g. -o {output / 'report.html'}"
        )
    if not output.parent.is_dir():
        raise UsageError(
            f"-o {args.output}: the folder {output.parent} does not exist "
            f"(create it first: mkdir -p {output.parent})"
        )
    try:
        overview = gather(root, window)
    except UnreadableIndex:
        raise UsageError(
            f"{INDEX} is not a readable SQLite database: run `sinacrawl repair {args.archive}`"
        ) from None
    if overview.unreadable_reports:
        print(
            f"sinacrawl report: {len(overview.unreadable_reports)} run report files could not "
            f"be read (named in the page): {', '.join(overview.unreadable_reports[:5])}"
            + (" …" if len(overview.unreadable_reports) > 5 else ""),
            file=sys.stderr,
        )
    try:
        write_atomic(output, render(overview).encode("utf-8"), temp_name(output))
    except OSError as exc:
        print(f"sinacrawl report: cannot write -o {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _rebuild(args) -> int:
    from sinacrawl.rebuild import RebuildError, rebuild

    root = _archive(args.archive)
    try:
        outcome = rebuild(root, dry_run=args.dry_run, warc=Path(args.warc) if args.warc else None)
    except RebuildError as exc:
        if exc.code == 2:
            raise UsageError(str(exc)) from None
        print(f"sinacrawl rebuild: {exc}", file=sys.stderr)
        return exc.code
    for line in outcome.lines:
        _say(f"sinacrawl rebuild: {line}")
    return 1 if outcome.failed else 0


def _feed(args) -> int:
    from scrapy.utils.project import get_project_settings

    from sinacrawl.feeds import BadFeedSetting, feed_options, write_feeds
    from sinacrawl.indexdb import INDEX, UnreadableIndex

    root = _archive(args.archive)
    if not (root / INDEX).is_file():
        raise UsageError(f"no index at {root / INDEX}: run `sinacrawl repair {args.archive}`")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {args.output} is a file: give a folder for the feeds")
    settings = get_project_settings().copy()
    if settings.get("BOT_NAME") != "sinacrawl":  # run outside the project folder
        settings.setmodule("sinacrawl.settings", priority="project")
    for name, value in (("SINACRAWL_FEED_SIZE", args.size), ("SINACRAWL_SITE_URL", args.site_url)):
        if value is not None:
            settings.set(name, value, priority="cmdline")
    try:
        options = feed_options(settings)
    except BadFeedSetting as exc:
        flag = {"SINACRAWL_FEED_SIZE": "-n", "SINACRAWL_SITE_URL": "--site-url"}[exc.name]
        raise UsageError(f"{flag} {exc}") from None
    try:
        run = write_feeds(root, out, **options)
    except UnreadableIndex:
        raise UsageError(
            f"{INDEX} is not a readable SQLite database: run `sinacrawl repair {args.archive}`"
        ) from None
    except OSError as exc:
        print(f"sinacrawl feed: cannot write in {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for article_id, reason in sorted(run.skipped.items()):
        print(f"sinacrawl feed: left out {article_id}: {reason}", file=sys.stderr)
    _say(f"sinacrawl feed: {run.summary()} in {out}")
    return 1 if run.skipped else 0


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
    last = sub.add_parser(
        "last-run", help="print the last run's report; exit 0 succeeded, 1 failed, 2 none"
    )
    last.add_argument("archive", help="the output folder")
    last.add_argument("--job", help="the report of this Scrapyd job instead of the last one")
    last.set_defaults(func=_last_run)
    rpt = sub.add_parser("report", help="write an HTML report of an archive and its runs")
    rpt.add_argument("archive", help="the output folder")
    rpt.add_argument("-o", "--output", default="report.html", help="the page (report.html)")
    rpt.add_argument("--since", help="first Beijing publish/run date, YYYY-MM-DD")
    rpt.add_argument("--until", help="last Beijing publish/run date, YYYY-MM-DD")
    rpt.set_defaults(func=_report)
    reb = sub.add_parser("rebuild", help="re-extract every post from the archive's WARC files")
    reb.add_argument("archive", help="the output folder")
    reb.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    reb.add_argument("--warc", help="the WARC folder (default: SINACRAWL_WARC_DIR, ARCHIVE/warc)")
    reb.set_defaults(func=_rebuild)
    feed = sub.add_parser("feed", help="write Atom feeds of an archive's newest articles")
    feed.add_argument("archive", help="the output folder")
    feed.add_argument("-o", "--output", required=True, help="the folder for the feeds")
    feed.add_argument("-n", "--size", help="entries per feed (default SINACRAWL_FEED_SIZE)")
    feed.add_argument("--site-url", help="link the Hexo posts here (default SINACRAWL_SITE_URL)")
    feed.set_defaults(func=_feed)
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
        if isinstance(getattr(args, "archive", None), str) and not args.archive.strip():
            # ('' would be the current folder: never guessed)
            raise UsageError("the archive folder is empty: give its path, e.g. archive")
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
