"""``sinacrawl repair``: rebuild or mend ``index.sqlite`` from the posts on disk.

What a post gives back: its id (from the file name, or the row that already names its path),
its path, title and publish time (front matter), ``content_hash`` (SHA-256 of the file),
``body_hash`` (``sinacrawl.state.body_hash`` of the HTML body; not for Markdown bodies) and
``column_key`` (the third category, looked up in the column table).

What it cannot give back, for a row it has to make anew: the canonical URL (taken from a
pending or frontier row of the old index when one names the id), the media source and the
roll API's ``mtime`` (left NULL), ``first_crawled`` and ``last_crawled``. Where the schema
forbids NULL the value is ``UNKNOWN`` ("unknown"): ``url``, ``first_crawled``,
``last_crawled``. Existing rows whose post still matches are kept as they are; rows of a
damaged index that can still be read are taken back when their post still matches.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from sinacrawl.dates import BEIJING
from sinacrawl.indexdb import INDEX, UnreadableIndex, open_readonly
from sinacrawl.render import escape_braces, one_line
from sinacrawl.state import Record, body_hash

UNKNOWN = "unknown"  # where the schema forbids NULL and a post does not say

# What the crawler keeps in the archive folder beside the posts.
OWN_FILES = ("last-run.json", ".sinacrawl.lock")
OWN_FOLDERS = ("reports", "images")
_ID_AT_END = re.compile(r"(?:^|[^a-z0-9])([a-z0-9]{14})$")
_COLS = (
    "id url path title source published content_hash body_hash column_key mtime "
    "first_crawled last_crawled version"
).split()


class RepairError(Exception):
    """Repair cannot run (the message is one line, for the user)."""


class ArchiveInUse(RepairError):
    """A crawl holds the archive's lock."""


def is_own(rel: str) -> bool:
    """The crawler's own files beside the posts: the index (and its side files and the
    copies repair keeps), the run reports and the lock."""
    top = rel.split("/", 1)[0]
    return rel.startswith(INDEX) or rel in OWN_FILES or top in OWN_FOLDERS


def walk(root: Path) -> Iterator[str]:
    """Every file under ``root`` (POSIX paths relative to it, sorted), symlinks not followed;
    the crawler's own files left out."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder).relative_to(root)
        for name in sorted(files + [d for d in dirs if (Path(folder) / d).is_symlink()]):
            rel = (base / name).as_posix()
            if not is_own(rel):
                yield rel


class NotAPost(ValueError):
    pass


@dataclass
class Post:
    id: str
    path: str
    title: str
    published: str
    content_hash: str
    body_hash: str | None
    column_label: str | None


def read_post(root: Path, rel: str) -> Post:
    """What the post at ``root/rel`` says about itself; NotAPost with the reason."""
    path = root / rel
    if path.is_symlink():
        raise NotAPost("a symbolic link")
    m = _ID_AT_END.search(path.stem)
    if not m:
        raise NotAPost("its file name holds no article id")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAPost("not UTF-8") from None
    if not text.startswith("---\n"):
        raise NotAPost("no front matter")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise NotAPost("front matter not closed")
    try:
        meta = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        raise NotAPost("front matter is not YAML") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("title"), str):
        raise NotAPost("no title in the front matter")
    try:
        when = email.utils.parsedate_to_datetime(str(meta.get("date")))
    except (TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        raise NotAPost("no RFC 1123 date in the front matter")
    categories = meta.get("categories")
    label = categories[-1] if isinstance(categories, list) and categories else None
    body = text[end + len("\n---\n") :]
    bhash = None
    if body.startswith("\n<div>\n") and body.endswith("\n</div>\n"):  # an HTML body
        bhash = body_hash(_unescape(body[len("\n<div>\n") : -len("\n</div>\n")]))
    return Post(
        id=m.group(1),
        path=rel,
        title=_unescape(meta["title"]),
        published=when.astimezone(BEIJING).isoformat(),
        content_hash=hashlib.sha256(data).hexdigest(),
        body_hash=bhash,
        column_label=str(label) if label is not None else None,
    )


def _unescape(text: str) -> str:
    return text.replace("&#123;", "{").replace("&#125;", "}")


def _same_instant(a: str, b: str) -> bool:
    try:
        return datetime.fromisoformat(a) == datetime.fromisoformat(b)
    except ValueError:
        return False


@dataclass
class Plan:
    """What repair will do, worked out before anything is changed."""

    keep: list[Record] = field(default_factory=list)
    add: list[Record] = field(default_factory=list)  # no row before
    restored: list[Record] = field(default_factory=list)  # from a damaged index's rows
    edited: list[Record] = field(default_factory=list)  # the post changed since
    moved: list[Record] = field(default_factory=list)  # same bytes, another path
    remove: list[Record] = field(default_factory=list)  # row whose post is gone
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, id)
    unknown_url: int = 0
    no_column: int = 0
    no_body_hash: int = 0

    @property
    def changes(self) -> bool:
        return bool(self.add or self.restored or self.edited or self.moved or self.remove)

    @property
    def loses(self) -> bool:
        """Whether applying it drops or overwrites data of the current index."""
        return bool(self.edited or self.moved or self.remove)


def plan(
    posts: list[Post],
    rows: dict[str, Record],
    columns: dict[str, str],
    salvaged: dict[str, Record] | None = None,
    urls: dict[str, str] | None = None,
) -> Plan:
    """Match posts to rows. ``columns``: label as rendered → column key; ``salvaged``: rows
    read from a damaged index; ``urls``: id → URL known from pending or frontier rows."""
    out = Plan()
    by_path = {r.path: r for r in rows.values()}
    chosen: dict[str, Post] = {}
    for post in posts:
        row = by_path.get(post.path)
        if row is not None:  # the index names this path: its id wins over the file name
            post = replace(post, id=row.id)
        other = chosen.get(post.id)
        if other is None:
            chosen[post.id] = post
            continue
        indexed = rows.get(post.id)
        if indexed is not None and indexed.path == post.path:  # the indexed one wins
            out.duplicates.append((other.path, other.id))
            chosen[post.id] = post
        else:
            out.duplicates.append((post.path, post.id))
    for article_id, post in chosen.items():
        column = columns.get(post.column_label or "")
        facts: dict[str, Any] = dict(
            path=post.path,
            title=post.title,
            content_hash=post.content_hash,
            body_hash=post.body_hash,
        )
        row = rows.get(article_id)
        if row is not None:
            if row.content_hash == post.content_hash:
                (out.keep if row.path == post.path else out.moved).append(
                    replace(row, path=post.path)
                )
            else:
                published = row.published
                if not _same_instant(published, post.published):
                    published = post.published
                out.edited.append(
                    replace(
                        row,
                        **facts,
                        published=published,
                        column_key=column or row.column_key,
                        version=row.version + 1,
                    )
                )
            continue
        old = (salvaged or {}).get(article_id)
        if old is not None and old.content_hash == post.content_hash:
            out.restored.append(replace(old, path=post.path))
            continue
        url = (urls or {}).get(article_id) or (old.url if old else None)
        record = Record(
            id=article_id,
            url=url or UNKNOWN,
            source=old.source if old else None,
            published=post.published,
            column_key=column or (old.column_key if old else None),
            mtime=old.mtime if old else None,
            first_crawled=old.first_crawled if old else UNKNOWN,
            last_crawled=old.last_crawled if old else UNKNOWN,
            version=old.version + 1 if old else 1,
            **facts,
        )
        out.add.append(record)
        out.unknown_url += record.url == UNKNOWN
        out.no_column += record.column_key is None
        out.no_body_hash += record.body_hash is None
    out.remove = [r for r in rows.values() if r.id not in chosen]
    return out


def scan(root: Path) -> tuple[list[Post], list[tuple[str, str]]]:
    posts, skipped = [], []
    for rel in walk(root):
        if not rel.endswith(".md"):
            continue
        try:
            posts.append(read_post(root, rel))
        except NotAPost as exc:
            skipped.append((rel, str(exc)))
        except OSError as exc:
            skipped.append((rel, f"unreadable: {exc.strerror}"))
    return posts, skipped


def _records(con: sqlite3.Connection) -> dict[str, Record]:
    cur = con.execute(f"SELECT {','.join(_COLS)} FROM articles")
    return {row[0]: Record(*row) for row in cur}


def _known_urls(con: sqlite3.Connection) -> dict[str, str]:
    """id → URL from the rows that still name one: pending writes and the frontier."""
    urls: dict[str, str] = {}
    for query in ("SELECT id, url FROM frontier", "SELECT id, record FROM pending"):
        try:
            for article_id, value in con.execute(query):
                if query.endswith("pending"):
                    value = json.loads(value).get("url")
                if value:
                    urls.setdefault(article_id, value)
        except (sqlite3.DatabaseError, ValueError, AttributeError):
            pass
    return urls


def salvage(db: Path) -> dict[str, Record]:
    """The rows of a damaged index that can still be read (best effort, never raises)."""
    out: dict[str, Record] = {}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return out
    try:
        cur = con.execute(f"SELECT {','.join(_COLS)} FROM articles")
        while True:
            try:
                row = cur.fetchone()
            except sqlite3.Error:
                break
            if row is None:
                break
            try:
                record = Record(*row)
                if isinstance(record.id, str) and isinstance(record.content_hash, str):
                    out[record.id] = record
            except TypeError:
                continue
    except sqlite3.Error:
        pass
    finally:
        con.close()
    return out


def column_labels(settings=None) -> dict[str, str]:
    """The column table's labels as a post's front matter reads back → column key."""
    from sinacrawl.columns import ColumnTable

    if settings is None:
        from scrapy.utils.project import get_project_settings

        settings = get_project_settings()
        if settings.get("BOT_NAME") != "sinacrawl":
            settings.setmodule("sinacrawl.settings", priority="project")
    table = ColumnTable(
        settings.getlist("SINACRAWL_COLUMNS"), settings.get("SINACRAWL_DEFAULT_COLUMN")
    )
    return {escape_braces(one_line(c.label)): c.key for c in table.columns}


def _drop_broken_pending(con: sqlite3.Connection) -> int:
    """Remove pending rows that ``recover()`` could not read (a damaged or hand-edited
    index); the copy made before holds them."""
    broken = []
    for article_id, raw in con.execute("SELECT id, record FROM pending").fetchall():
        try:
            Record(**json.loads(raw))
        except (TypeError, ValueError):
            broken.append(article_id)
    for article_id in broken:
        con.execute("DELETE FROM pending WHERE id=?", (article_id,))
    return len(broken)


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _free(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``… whichever (with its side files) is not taken."""
    n, candidate = 1, path
    while any(candidate.with_name(candidate.name + s).exists() for s in ("", "-wal", "-shm")):
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def _move_aside(db: Path, kind: str, stamp: str) -> Path:
    """Rename the index and its side files (a stale -wal must never be replayed into a new
    index) to ``index.sqlite.<kind>-<stamp>[-wal|-shm]``; never over an existing file."""
    aside = _free(db.with_name(f"{db.name}.{kind}-{stamp}"))
    for suffix in ("-wal", "-shm", ""):
        side = db.with_name(db.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    return aside


def _health(db: Path) -> str | None:
    """None when ``db`` reads as a sound index, else why not."""
    try:
        with open_readonly(db) as con:
            result = con.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                return f"database disk image is malformed ({result})"
            con.execute(f"SELECT {','.join(_COLS)} FROM articles LIMIT 1").fetchall()
    except UnreadableIndex as exc:
        return str(exc)
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None


def _names(records: list, limit: int = 5) -> str:
    items = [r.path if isinstance(r, Record) else r for r in records]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def repair(root: Path, columns: dict[str, str] | None = None) -> list[str]:
    """Repair ``root``'s index from its posts; returns one line per kind of thing done.
    Raises RepairError when it cannot (the archive is missing, not writable, in use)."""
    from sinacrawl.lock import FolderLocked, OutputLock
    from sinacrawl.state import SqliteState

    if not root.is_dir():
        raise RepairError(f"no archive folder at {root}")
    if not os.access(root, os.W_OK | os.X_OK):
        raise RepairError(f"the archive folder {root} is not writable")
    columns = column_labels() if columns is None else columns
    lines: list[str] = []
    lock = OutputLock(root)
    try:
        lock.acquire()
    except FolderLocked as exc:
        raise ArchiveInUse(f"{exc}: repair it once that run has ended") from None
    try:
        db = root / INDEX
        stamp = _stamp()
        salvaged: dict[str, Record] = {}
        urls: dict[str, str] = {}
        posts, skipped = scan(root)
        if not db.exists():
            lines.append(f"no {INDEX} was there: made a new one")
            if any(db.with_name(db.name + s).exists() for s in ("-wal", "-shm")):
                aside = _move_aside(db, "orphan", stamp)
                lines.append(f"its leftover -wal/-shm files moved aside as {aside.name}-*")
        else:
            why = _health(db)
            if why is not None:
                aside = _move_aside(db, "corrupt", stamp)
                salvaged = salvage(aside)
                lines.append(
                    f"{INDEX} was not a readable SQLite database ({why}): "
                    f"moved aside as {aside.name}, a new one made"
                    + (f" ({_n(len(salvaged), 'row')} still readable in it)" if salvaged else "")
                )
            else:
                with open_readonly(db) as con:
                    before = plan(posts, _records(con), columns)
                    pending = con.execute("SELECT count(*) FROM pending").fetchone()[0]
                    urls = _known_urls(con)
                    if before.loses or pending:
                        copy = _free(db.with_name(f"{db.name}.before-repair-{stamp}"))
                        target = sqlite3.connect(copy)
                        try:
                            con.backup(target)
                        finally:
                            target.close()
                        lines.append(f"the index as it was kept as {copy.name}")
        state = SqliteState(root, rebuilding=True)
        try:
            broken = _drop_broken_pending(state.db)
            if broken:
                lines.append(
                    f"{_n(broken, 'pending row')} not readable as a write record: removed "
                    "(kept in the copy of the index)"
                )
            settled = state.recover()
            if any(settled.values()):
                lines.append(
                    "settled interrupted writes: "
                    + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in settled.items())
                )
            con = state.db
            todo = plan(posts, _records(con), columns, salvaged, urls)
            with con:
                con.execute("BEGIN")
                for record in todo.add + todo.restored + todo.edited + todo.moved:
                    con.execute(
                        f"INSERT OR REPLACE INTO articles({','.join(_COLS)}) "
                        f"VALUES ({','.join('?' * len(_COLS))})",
                        tuple(getattr(record, c) for c in _COLS),
                    )
                for record in todo.remove:
                    con.execute("DELETE FROM articles WHERE id=?", (record.id,))
        finally:
            state.close()
    finally:
        lock.release()
    lines += _summary(todo, skipped)
    temps = [rel for rel in walk(root) if rel.endswith(".tmp")]
    if temps:
        lines.append(
            f"{_n(len(temps), 'temporary file')} of an interrupted write left in place, no "
            f"index row names them (remove them by hand once looked at): {_names(temps, 3)}"
        )
    return lines


def _summary(todo: Plan, skipped: list[tuple[str, str]]) -> list[str]:
    lines = []
    if todo.keep:
        lines.append(f"{_n(len(todo.keep), 'row')} kept: their posts match")
    if todo.restored:
        lines.append(
            f"{_n(len(todo.restored), 'row')} taken back from the damaged index: their posts match"
        )
    if todo.add:
        lines.append(f"{_n(len(todo.add), 'row')} added for posts the index did not list")
    if todo.edited:
        lines.append(
            f"{_n(len(todo.edited), 'row')} updated to the post as it is now (edited since; "
            f"version + 1): {_names(todo.edited)}"
        )
    if todo.moved:
        lines.append(
            f"{_n(len(todo.moved), 'row')} given its post's new path: {_names(todo.moved)}"
        )
    if todo.remove:
        lines.append(
            f"{_n(len(todo.remove), 'row')} removed, their post gone: {_names(todo.remove)}"
        )
    if todo.duplicates:
        lines.append(
            f"{_n(len(todo.duplicates), 'file')} not indexed, another post has the same id: "
            + _names([p for p, _ in todo.duplicates])
        )
    if skipped:
        lines.append(
            f"{_n(len(skipped), '.md file')} not indexed, not posts: "
            + _names([f"{p} ({why})" for p, why in skipped], 3)
        )
    new = todo.add
    if new:
        missing = [f"source, mtime (NULL); first_crawled, last_crawled ('{UNKNOWN}')"]
        if todo.unknown_url:
            missing.insert(0, f"url for {todo.unknown_url} ('{UNKNOWN}')")
        if todo.no_column:
            missing.append(f"column_key for {todo.no_column} (NULL: category not in the table)")
        if todo.no_body_hash:
            missing.append(f"body_hash for {todo.no_body_hash} (NULL: Markdown body)")
        lines.append(
            f"not recoverable from the posts, for the {_n(len(new), 'new row')}: "
            + "; ".join(missing)
        )
    if not (todo.changes or skipped or todo.duplicates):
        lines.append("nothing to repair")
    return lines
