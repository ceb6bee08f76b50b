"""``sinacrawl verify``: check an archive's posts against its index, changing nothing.

The index is read through ``indexdb.open_readonly`` (no ``-wal``/``-shm`` left behind); no
file is written, and no path the index names is followed outside the archive.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sinacrawl.indexdb import INDEX, UnreadableIndex, open_readonly
from sinacrawl.repair import walk
from sinacrawl.storage import UnsafePath, resolve_inside

# (kind, what it means) in the order problems are listed
KINDS = {
    "unreadable index": "the index cannot be read: run `sinacrawl repair ARCHIVE`",
    "no index": "the archive has no index: run `sinacrawl repair ARCHIVE`",
    "unsafe path": "the index names a path outside the archive",
    "edited": "the post differs from the hash the index holds (edited by hand?)",
    "missing": "the index lists the post, the file is gone (deleted by hand?)",
    "foreign post": "a .md file the index does not list",
    "pending": "an interrupted write (the next crawl or `sinacrawl repair` settles it)",
    "temporary file": "a leftover temporary file",
    "unknown file": "a file that is neither a post nor the crawler's own",
}


@dataclass
class Problem:
    kind: str
    where: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.kind}: {self.where}" + (f" ({self.detail})" if self.detail else "")


def verify(root: Path) -> tuple[list[Problem], dict[str, int]]:
    """(problems, counts of posts and rows looked at). ``root`` must be a folder."""
    problems: list[Problem] = []
    resolved = root.resolve()
    files = list(walk(root))
    db = root / INDEX
    rows: list[tuple[str, str, str]] = []
    pending: list[tuple[str, str]] = []
    if not db.exists():
        problems.append(Problem("no index", INDEX, KINDS["no index"]))
    else:
        try:
            with open_readonly(db) as con:
                rows = [
                    tuple(r)
                    for r in con.execute(
                        "SELECT id, path, content_hash FROM articles ORDER BY path, id"
                    )
                ]
                pending = [
                    tuple(r) for r in con.execute("SELECT id, record FROM pending ORDER BY id")
                ]
        except UnreadableIndex as exc:
            problems.append(Problem("unreadable index", INDEX, f"{exc}: run `sinacrawl repair`"))
    indexed = not problems
    listed: set[str] = set()
    for article_id, rel, digest in rows:
        try:
            target = resolve_inside(resolved, rel)
        except UnsafePath:
            problems.append(Problem("unsafe path", repr(rel), f"id {article_id}"))
            continue
        listed.add(target.relative_to(resolved).as_posix())
        if not target.is_file():
            problems.append(Problem("missing", rel, f"id {article_id}"))
            continue
        try:
            on_disk = hashlib.sha256(target.read_bytes()).hexdigest()
        except OSError as exc:
            problems.append(Problem("missing", rel, f"id {article_id}, unreadable: {exc.strerror}"))
            continue
        if on_disk != digest:
            problems.append(Problem("edited", rel, f"id {article_id}"))
    for article_id, raw in pending:
        try:
            path = json.loads(raw).get("path") or "?"
        except (ValueError, AttributeError):
            path = "?"
        problems.append(Problem("pending", str(path), f"id {article_id}"))
    for rel in files:
        if rel.endswith(".tmp"):
            problems.append(Problem("temporary file", rel))
        elif rel in listed:
            continue
        elif rel.endswith(".md"):
            if indexed:  # (without a readable index every post would be listed here)
                problems.append(Problem("foreign post", rel, "not in the index"))
        else:
            problems.append(Problem("unknown file", rel))
    order = list(KINDS)
    problems.sort(key=lambda p: order.index(p.kind))
    posts = sum(1 for rel in files if rel.endswith(".md"))
    return problems, {"posts": posts, "rows": len(rows)}


def summary(problems: list[Problem], counts: dict[str, int]) -> str:
    seen = f"{counts['posts']} .md files, {counts['rows']} index rows"
    if not problems:
        return f"{seen}: clean"
    by_kind: dict[str, int] = {}
    for p in problems:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
    word = "problem" if len(problems) == 1 else "problems"
    return (
        f"{seen}: {len(problems)} {word} ("
        + ", ".join(f"{n} {k}" for k, n in by_kind.items())
        + ")"
    )
