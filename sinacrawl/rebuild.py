"""``sinacrawl rebuild ARCHIVE``: re-extract every article from the archive's WARC files, with
no network, through the ``warc`` spider (the same page object and pipelines as a crawl), and
say which posts changed and how. ``--dry-run`` runs on a copy of the posts and index and
leaves the archive as it was."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class RebuildError(Exception):
    """A usage problem (exit 2), or ``code`` for another."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    failed: bool = False


def posts(root: Path, skip: Path | None) -> dict[str, bytes]:
    found = {}
    for path in sorted(root.rglob("*.md")):
        if skip is not None and skip in path.parents:
            continue
        found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def _front(text: str) -> tuple[dict[str, str], str]:
    """(front-matter entries, body) of a post, for saying what changed."""
    head, sep, body = text.partition("\n---\n")
    if not sep:
        return {}, text
    entries: dict[str, str] = {}
    key = ""
    for line in head.splitlines()[1:]:
        if line and not line.startswith(" ") and ":" in line:
            key = line.split(":", 1)[0]
            entries[key] = line
        elif key:
            entries[key] += "\n" + line
    return entries, body


def why(old: bytes, new: bytes) -> str:
    """What differs between two versions of a post: front-matter fields, the body."""
    (a, body_a), (b, body_b) = _front(old.decode("utf-8")), _front(new.decode("utf-8"))
    parts = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    if body_a != body_b:
        lines_a, lines_b = body_a.splitlines(), body_b.splitlines()
        changed = sum(1 for x, y in zip(lines_a, lines_b, strict=False) if x != y)
        changed += abs(len(lines_a) - len(lines_b))
        parts.append(f"body, {changed} line{'s' if changed != 1 else ''}")
    return ", ".join(parts) or "bytes"


def diff(before: dict[str, bytes], after: dict[str, bytes]) -> tuple[list[str], dict[str, int]]:
    lines, counts = [], {"rewritten": 0, "restored": 0, "unchanged": 0, "removed": 0}
    for rel in sorted(set(before) | set(after)):
        old, new = before.get(rel), after.get(rel)
        if old == new:
            counts["unchanged"] += 1
        elif old is None:
            counts["restored"] += 1
            lines.append(f"restored {rel} (no post on disk)")
        elif new is None:
            counts["removed"] += 1
            lines.append(f"removed {rel} (the article now has another path)")
        else:
            counts["rewritten"] += 1
            lines.append(f"rewrote {rel} ({why(old, new)})")
    return lines, counts


def _settings(root: Path):
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings().copy()
    if settings.get("BOT_NAME") != "sinacrawl":  # run outside the project folder
        settings.setmodule("sinacrawl.settings", priority="project")
    settings.set("SINACRAWL_OUTPUT_DIR", str(root), priority="cmdline")
    settings.set("SINACRAWL_PROGRESS", False, priority="cmdline")
    return settings


def _crawl(root: Path, folder: Path) -> dict:
    """Run the ``warc`` spider over ``folder`` into ``root``; the run report."""
    from scrapy.crawler import CrawlerProcess

    from sinacrawl.arguments import BadArgument
    from sinacrawl.lock import FolderLocked, OutputLock
    from sinacrawl.state import ArchiveUnusable, SqliteState

    process = CrawlerProcess(_settings(root))
    crawler = process.create_crawler("warc")
    try:
        spider = crawler.spidercls
        spider.check_arguments(crawler.settings, path=str(folder), rebuild="1")  # type: ignore[attr-defined]
    except BadArgument as exc:
        raise RebuildError(f"{folder}: {exc}") from None
    lock = OutputLock(root)
    try:
        lock.acquire()
    except FolderLocked as exc:
        raise RebuildError(str(exc), code=3) from None
    try:
        try:
            SqliteState(root).close()
        except ArchiveUnusable as exc:
            raise RebuildError(str(exc)) from None
        process.crawl(crawler, path=str(folder), rebuild="1")
        process.start()
    finally:
        lock.release()
    report = getattr(crawler, "sinacrawl_report", None)
    if report is None:
        raise RebuildError("the rebuild did not run (see the log)", code=1)
    return report


def rebuild(root: Path, dry_run: bool = False, warc: Path | None = None) -> Outcome:
    from sinacrawl.warc import OPEN_SUFFIX, recover, warc_dir
    from sinacrawl.warcread import warc_files

    folder = warc or warc_dir(_settings(root))
    assert folder is not None
    if not folder.is_dir() or not warc_files(folder):
        raise RebuildError(
            f"no WARC files in {folder}: crawl with -s SINACRAWL_WARC=1 first, "
            "or give their folder with --warc"
        )
    out = Outcome()
    if dry_run:
        left = sorted(folder.glob(f"*{OPEN_SUFFIX}"))
        if left:
            out.lines.append(
                f"{len(left)} files still open are not read (a run without "
                "--dry-run closes those of interrupted runs first)"
            )
    else:
        out.lines.extend(recover(folder))
    inside = folder.resolve() if root.resolve() in folder.resolve().parents else None
    target, tmp = root, None
    if dry_run:
        tmp = tempfile.TemporaryDirectory(prefix="sinacrawl-rebuild-")
        target = Path(tmp.name) / "archive"
        skip = {".sinacrawl.lock", "reports", "last-run.json"}
        if inside is not None and inside.parent == root.resolve():
            skip.add(inside.name)
        shutil.copytree(
            root,
            target,
            ignore=lambda d, names: (
                [n for n in names if n in skip] if Path(d).resolve() == root.resolve() else []
            ),
        )
    try:
        skip_dir = (target / inside.relative_to(root.resolve())) if inside else None
        before = posts(target, skip_dir)
        report = _crawl(target, folder)
        after = posts(target, skip_dir)
    finally:
        if tmp is not None:
            tmp.cleanup()
    lines, counts = diff(before, after)
    out.lines.extend(lines)
    dropped = ", ".join(f"{n} {k}" for k, n in sorted(report["dropped"].items())) or "none"
    errors = ", ".join(f"{n} {k}" for k, n in sorted(report["errors"].items())) or "none"
    out.lines.append(
        f"{counts['rewritten']} rewritten, {counts['restored']} restored, "
        f"{counts['unchanged']} unchanged; captures giving no post: {dropped}; errors: {errors}"
        + ("; dry run: the archive is left as it was" if dry_run else "")
    )
    out.failed = bool(report["failed"])
    out.lines.extend(f"failed: {f}" for f in report["failures"])
    return out
