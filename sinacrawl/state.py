"""The archive's persistent state and index, behind one small interface.

``ArchiveState`` is what pipelines and spiders use; ``SqliteState`` (one SQLite file,
``index.sqlite``, beside the posts) is the default store. The same database is the index that
downstream tools read: one row per article with its id, canonical URL, path, title, media
source, publish time, content hash and first and last crawl time.

Crash safety: a post is written as *pending* (intent row) → file (atomic rename) → *done*
(row moved into ``articles``). ``recover()`` on open settles whatever a killed run left.

What the state remembers never hides an article for good on weak evidence: only a page that
is known to be gone or not an article (``PERMANENT_DROPS``) becomes a tombstone; every other
failed page stays in the frontier with a time before which it is not fetched again
(``defer``), doubling at each failure, and a listing that gives the id a newer ``mtime`` or
another URL outranks both.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import sqlite3
import time
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

from sinacrawl.storage import UnsafePath, check_relative

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    published TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    body_hash TEXT,
    column_key TEXT,
    mtime INTEGER,
    first_crawled TEXT NOT NULL,
    last_crawled TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_body ON articles(body_hash);
CREATE TABLE IF NOT EXISTS aliases (
    alias_id TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    url TEXT
);
CREATE INDEX IF NOT EXISTS aliases_url ON aliases(url);
CREATE TABLE IF NOT EXISTS frontier (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    column_key TEXT,
    mtime INTEGER,
    discovered TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER,
    last_reason TEXT
);
CREATE TABLE IF NOT EXISTS tombstones (
    id TEXT PRIMARY KEY,
    url TEXT,
    reason TEXT NOT NULL,
    mtime INTEGER,
    dropped TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS watermarks (
    column_key TEXT PRIMARY KEY,
    ctime INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS images (
    url TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    stored TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hotlinks (
    id TEXT PRIMARY KEY,
    urls TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_tried TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    tmp_path TEXT NOT NULL,
    old_path TEXT
);
"""


# Bumped when an archive's state needs migrating (``SqliteState._migrate``).
SCHEMA_VERSION = 2

# Drops that the page itself proves for good: Sina's own "article deleted" page, or a whole
# page that is something else (a list, a quote page, a video). Everything else that fails (a
# 404 on a URL we built or were given, an empty or truncated body, a redirect to the home page,
# an undecodable page…) is retried after a backoff: one bad minute of the site loses nothing.
PERMANENT_DROPS = frozenset({"deleted", "not_article"})


class ArchiveUnusable(RuntimeError):
    """The archive's state cannot be used as it is; the message says what to do."""


class ArchiveUnavailable(ArchiveUnusable):
    """The index is sound but cannot be opened now (a full disk, an I/O error, a read-only
    folder): a failed run, not a damaged archive."""


# SQLite's primary result codes that say the medium failed, not the file
_SQLITE_MEDIUM = {8: "is read-only", 10: "hit an I/O error", 13: "is full", 14: "cannot be opened"}
_ERRNO = {8: errno.EROFS, 10: errno.EIO, 13: errno.ENOSPC, 14: errno.EACCES}
# errors of a file write that say the medium failed (the whole run stops: nothing else can be
# written either), not this one article
MEDIUM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS})


class StoreFailed(OSError):
    """The index could not be written because its medium failed (a full disk, an I/O
    error): an OSError, so every writer handles it as it handles a failed file write."""


def medium_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the archive's disk failed (full, I/O error, read-only)."""
    return isinstance(exc, StoreFailed) or (isinstance(exc, OSError) and exc.errno in MEDIUM_ERRNOS)


def _converted(exc: sqlite3.Error) -> Exception:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in _SQLITE_MEDIUM or "disk is full" in str(exc):
        number = _ERRNO.get(code, errno.ENOSPC)
        return StoreFailed(number, f"index.sqlite: {exc}")
    return exc


class _Guarded:
    """The SQLite connection, with its medium failures raised as ``StoreFailed``."""

    def __init__(self, con: sqlite3.Connection):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, *args):
        try:
            return self._con.execute(*args)
        except sqlite3.OperationalError as exc:
            raise _converted(exc) from exc

    def executemany(self, *args):
        try:
            return self._con.executemany(*args)
        except sqlite3.OperationalError as exc:
            raise _converted(exc) from exc

    def executescript(self, *args):
        try:
            return self._con.executescript(*args)
        except sqlite3.OperationalError as exc:
            raise _converted(exc) from exc

    def __enter__(self):
        self._con.__enter__()
        return self

    def __exit__(self, *exc_info):
        try:
            return self._con.__exit__(*exc_info)
        except sqlite3.OperationalError as exc:
            raise _converted(exc) from exc


@dataclass
class Record:
    id: str
    url: str
    path: str
    title: str
    source: str | None
    published: str
    content_hash: str
    body_hash: str | None
    column_key: str | None
    mtime: int | None
    first_crawled: str
    last_crawled: str
    version: int = 1


@dataclass(frozen=True)
class Deferred:
    """An article in the frontier that failed and waits before it is fetched again."""

    url: str
    reason: str
    attempts: int
    not_before: int


_COLS = [f.name for f in fields(Record)]
_GET = (
    f"SELECT {','.join(_COLS)}, NULL FROM articles WHERE id=?1 UNION ALL "
    f"SELECT {','.join(['NULL'] * len(_COLS))}, id FROM aliases WHERE alias_id=?1 LIMIT 1"
)
_MARKUP = re.compile(r'<p class="article-editor">.*?</p>|<[^>]+>|\s+')


def body_hash(body: str | None) -> str:
    """Hash of a cleaned body's text alone (tags, whitespace and the editor line ignored):
    the same article republished under another id hashes the same."""
    text = _MARKUP.sub("", body or "")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def backoff(attempts: int, base: float, cap: float) -> int:
    """Seconds to wait after the ``attempts``-th failure: base, 2·base, 4·base… up to cap.

    >>> [backoff(n, 3600, 4 * 3600) for n in (1, 2, 3, 4)]
    [3600, 7200, 14400, 14400]
    """
    return int(min(cap, base * 2 ** max(0, attempts - 1)))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ArchiveState:
    """What the crawler needs to know about the archive. Subclass for another store."""

    def get(self, article_id: str) -> Record | None:
        raise NotImplementedError

    def id_for_url(self, url: str) -> str | None:
        raise NotImplementedError

    def id_for_body(self, body_hash: str) -> str | None:
        raise NotImplementedError

    def begin_write(self, record: Record, tmp_path: str, old_path: str | None) -> None:
        raise NotImplementedError

    def finish_write(self, record: Record) -> None:
        raise NotImplementedError

    def touch(self, article_id: str, crawled: str, mtime: int | None) -> None:
        """An archived article fetched again with unchanged bytes: it leaves the frontier."""
        raise NotImplementedError

    def add_alias(self, alias_id: str, article_id: str, url: str | None) -> None:
        raise NotImplementedError

    def has_post(self, record: Record) -> bool:
        """Whether the archived article's post is on disk (a post deleted by hand is
        fetched and written again)."""
        return True

    def recover(self) -> dict[str, int]:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    # The frontier: articles discovered but not yet settled (written or dropped for good).
    # A killed or failed run leaves them here; the next run fetches them first.
    def add_frontier(
        self, article_id: str, url: str, column: str | None, mtime: int | None
    ) -> None:
        raise NotImplementedError

    def settle(
        self,
        article_id: str,
        reason: str | None = None,
        url: str | None = None,
        mtime: int | None = None,
    ) -> None:
        """Take an article off the frontier; with a reason (one of ``PERMANENT_DROPS``),
        remember it as dropped for good so discovery does not fetch it again."""
        raise NotImplementedError

    def defer(
        self,
        article_id: str,
        url: str,
        column: str | None,
        mtime: int | None,
        reason: str,
        wait: tuple[float, float],
        now: int | None = None,
    ) -> Deferred:
        """A page that failed for now: keep the article in the frontier, not to be fetched
        before ``backoff(attempts, *wait)`` seconds from now."""
        raise NotImplementedError

    def tombstone(self, article_id: str) -> tuple[str, int | None, str | None] | None:
        """(reason, mtime, url) of an article dropped for good, or None."""
        raise NotImplementedError

    def deferred(self, article_id: str) -> Deferred | None:
        """The article's wait in the frontier after a failure, or None."""
        raise NotImplementedError

    def frontier(
        self, now: int | None = None
    ) -> list[tuple[str, str, str | None, int | None, int]]:
        """(id, url, column, mtime, attempts) of every frontier article due now (attempts:
        how often it failed before; 0 for one a killed or failed run left unsettled)."""
        raise NotImplementedError

    # Watermarks: the newest roll-API ctime of a column whose paging last ran to its end.
    def watermark(self, column: str) -> int | None:
        raise NotImplementedError

    def set_watermark(self, column: str, ctime: int) -> None:
        raise NotImplementedError

    # Local images (SINACRAWL_IMAGES): each remote image URL stored once, and the posts that
    # still show remote images because theirs failed (tried again with the post).
    def stored_image(self, url: str) -> str | None:
        """The archive path (``images/…``) the image at ``url`` was stored under, or None."""
        raise NotImplementedError

    def store_image(self, url: str, path: str) -> None:
        raise NotImplementedError

    def set_hotlinks(self, article_id: str, urls: list[str]) -> int:
        """Remember the remote images the article's post still shows (none: forget it);
        returns how many writes in a row have left it showing some (0 when none)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


def _has_posts(root: Path) -> bool:
    """Whether any ``*.md`` lies below ``root`` (stops at the first)."""
    for _folder, _dirs, files in os.walk(root):
        if any(name.endswith(".md") for name in files):
            return True
    return False


class SqliteState(ArchiveState):
    """ArchiveState in ``<root>/index.sqlite`` (WAL: readers never block the crawler)."""

    FILENAME = "index.sqlite"

    def __init__(self, root: str | os.PathLike, rebuilding: bool = False):
        self.root = Path(root)
        db_path = self.root / self.FILENAME
        if not rebuilding and not db_path.exists() and self.root.is_dir() and _has_posts(self.root):
            # Starting afresh here would fetch every article again and lose each one's
            # first_crawled time: never silently.
            raise ArchiveUnusable(
                f"{self.root} holds posts but no {self.FILENAME}: run `sinacrawl repair "
                f"{self.root}` to rebuild the index from the posts"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            # (typed as the connection it stands for)
            self.db = cast(
                sqlite3.Connection, _Guarded(sqlite3.connect(db_path, isolation_level=None))
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            fresh = not self.db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
            self.db.executescript(SCHEMA)
            self._migrate(0 if not fresh and version < SCHEMA_VERSION else SCHEMA_VERSION)
            # (a killed run's first post may be on disk with only its pending row)
            empty = not self.db.execute(
                "SELECT 1 FROM articles UNION ALL SELECT 1 FROM pending LIMIT 1"
            ).fetchone()
        except (sqlite3.DatabaseError, StoreFailed) as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if isinstance(exc, StoreFailed):
                code = {v: k for k, v in _ERRNO.items()}.get(exc.errno or 0, 13)
            if code in _SQLITE_MEDIUM or "disk is full" in str(exc):
                what = _SQLITE_MEDIUM.get(code, "is full")
                raise ArchiveUnavailable(
                    f"cannot open {db_path}: the disk or folder {what} ({exc}); free space or "
                    "fix the folder, then run again (the index itself is kept as it is)"
                ) from None
            raise ArchiveUnusable(
                f"{db_path} is not a readable SQLite database ({exc}): run `sinacrawl repair "
                f"{self.root}` to rebuild it from the posts (the damaged file is kept aside)"
            ) from None
        if empty and not rebuilding and _has_posts(self.root):
            # an index emptied, truncated to 0 bytes or swapped for another: crawling on
            # would fetch every article again and lose their history
            self.db.close()
            raise ArchiveUnusable(
                f"{db_path} lists no article though {self.root} holds posts (emptied or "
                f"replaced?): run `sinacrawl repair {self.root}` to rebuild it from the posts"
            )

    def _migrate(self, version: int) -> None:
        if version < SCHEMA_VERSION:
            have = {row[1] for row in self.db.execute("PRAGMA table_info(frontier)")}
            for column, decl in (
                ("attempts", "INTEGER NOT NULL DEFAULT 0"),
                ("not_before", "INTEGER"),
                ("last_reason", "TEXT"),
            ):
                if column not in have:
                    self.db.execute(f"ALTER TABLE frontier ADD COLUMN {column} {decl}")
            # Tombstones of earlier versions were made on weak evidence too (a 404 on a
            # built URL, an empty body): each is checked once more, then judged anew.
            self.db.execute(
                "INSERT OR IGNORE INTO frontier(id, url, column_key, mtime, discovered, "
                "attempts, not_before, last_reason) SELECT id, url, NULL, mtime, dropped, 0, "
                "NULL, reason FROM tombstones WHERE url IS NOT NULL"
            )
            self.db.execute("DELETE FROM tombstones WHERE url IS NOT NULL")
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    # -- reads ---------------------------------------------------------------------------
    def get(self, article_id: str) -> Record | None:
        # one statement: the article's row, else the id it is an alias of (a miss is the
        # common case while discovering, so it must not cost two round trips)
        row = self.db.execute(_GET, (article_id,)).fetchone()
        if row is None:
            return None
        if row[-1] is not None:
            return self.get(row[-1])
        return Record(*row[:-1])

    def id_for_url(self, url: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE url=?1 UNION ALL "
            "SELECT id FROM aliases WHERE url=?1 LIMIT 1",
            (url,),
        ).fetchone()
        return row[0] if row else None

    def id_for_body(self, body_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE body_hash=? LIMIT 1", (body_hash,)
        ).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    # -- writes --------------------------------------------------------------------------
    def begin_write(self, record: Record, tmp_path: str, old_path: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO pending(id, record, tmp_path, old_path) VALUES (?,?,?,?)",
            (record.id, json.dumps(vars(record), ensure_ascii=False), tmp_path, old_path),
        )

    def finish_write(self, record: Record) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                f"INSERT OR REPLACE INTO articles({','.join(_COLS)}) "
                f"VALUES ({','.join('?' * len(_COLS))})",
                astuple(record),  # (fields in _COLS order)
            )
            self.db.execute("DELETE FROM pending WHERE id=?", (record.id,))
            self.db.execute("DELETE FROM frontier WHERE id=?", (record.id,))
            self.db.execute("DELETE FROM tombstones WHERE id=?", (record.id,))

    def touch(self, article_id: str, crawled: str, mtime: int | None) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE articles SET last_crawled=?, mtime=COALESCE(?, mtime) WHERE id=?",
                (crawled, mtime, article_id),
            )
            self.db.execute("DELETE FROM frontier WHERE id=?", (article_id,))

    def add_alias(self, alias_id: str, article_id: str, url: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO aliases(alias_id, id, url) VALUES (?,?,?)",
            (alias_id, article_id, url),
        )

    def add_frontier(self, article_id, url, column, mtime) -> None:
        # A listing is fresh evidence: it replaces the URL and wait of an earlier failure
        # (the spider only adds what it is about to fetch).
        self.db.execute(
            "INSERT INTO frontier(id, url, column_key, mtime, discovered) VALUES (?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET url=excluded.url, "
            "column_key=COALESCE(excluded.column_key, column_key), "
            "mtime=COALESCE(excluded.mtime, mtime), not_before=NULL",
            (article_id, url, column, mtime, _now()),
        )

    def settle(self, article_id, reason=None, url=None, mtime=None) -> None:
        if reason is not None and reason not in PERMANENT_DROPS:
            raise ValueError(f"{reason!r} is not a permanent drop: defer() it")
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM frontier WHERE id=?", (article_id,))
            if reason:
                self.db.execute(
                    "INSERT OR REPLACE INTO tombstones(id, url, reason, mtime, dropped) "
                    "VALUES (?,?,?,?,?)",
                    (article_id, url, reason, mtime, _now()),
                )

    def defer(self, article_id, url, column, mtime, reason, wait, now=None) -> Deferred:
        now = int(time.time()) if now is None else now
        row = self.db.execute("SELECT attempts FROM frontier WHERE id=?", (article_id,)).fetchone()
        attempts = (row[0] if row else 0) + 1
        not_before = now + backoff(attempts, *wait)
        self.db.execute(
            "INSERT INTO frontier(id, url, column_key, mtime, discovered, attempts, not_before, "
            "last_reason) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "url=excluded.url, column_key=COALESCE(excluded.column_key, column_key), "
            "mtime=COALESCE(excluded.mtime, mtime), attempts=excluded.attempts, "
            "not_before=excluded.not_before, last_reason=excluded.last_reason",
            (article_id, url, column, mtime, _now(), attempts, not_before, reason),
        )
        return Deferred(url, reason, attempts, not_before)

    def tombstone(self, article_id):
        row = self.db.execute(
            "SELECT reason, mtime, url FROM tombstones WHERE id=?", (article_id,)
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def deferred(self, article_id):
        row = self.db.execute(
            "SELECT url, last_reason, attempts, not_before FROM frontier "
            "WHERE id=? AND not_before IS NOT NULL",
            (article_id,),
        ).fetchone()
        return Deferred(*row) if row else None

    def frontier(self, now=None):
        now = int(time.time()) if now is None else now
        return self.db.execute(
            "SELECT id, url, column_key, mtime, attempts FROM frontier "
            "WHERE not_before IS NULL OR not_before <= ? ORDER BY discovered, id",
            (now,),
        ).fetchall()

    def watermark(self, column: str) -> int | None:
        row = self.db.execute(
            "SELECT ctime FROM watermarks WHERE column_key=?", (column,)
        ).fetchone()
        return row[0] if row else None

    def set_watermark(self, column: str, ctime: int) -> None:
        self.db.execute(
            "INSERT INTO watermarks(column_key, ctime) VALUES (?, ?) ON CONFLICT(column_key) "
            "DO UPDATE SET ctime=max(ctime, excluded.ctime)",
            (column, ctime),
        )

    def stored_image(self, url: str) -> str | None:
        row = self.db.execute("SELECT path FROM images WHERE url=?", (url,)).fetchone()
        return row[0] if row else None

    def store_image(self, url: str, path: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO images(url, path, stored) VALUES (?,?,?)", (url, path, _now())
        )

    def set_hotlinks(self, article_id: str, urls: list[str]) -> int:
        if not urls:
            self.db.execute("DELETE FROM hotlinks WHERE id=?", (article_id,))
            return 0
        row = self.db.execute("SELECT attempts FROM hotlinks WHERE id=?", (article_id,)).fetchone()
        attempts = (row[0] if row else 0) + 1
        self.db.execute(
            "INSERT OR REPLACE INTO hotlinks(id, urls, attempts, last_tried) VALUES (?,?,?,?)",
            (article_id, json.dumps(urls, ensure_ascii=False), attempts, _now()),
        )
        return attempts

    def _inside(self, rel: str | None) -> Path | None:
        """``root/rel`` for a path read from the index, or None when it would leave the
        archive: index rows are checked like paths from the web before anything is deleted."""
        if not rel:
            return None
        try:
            return check_relative(self.root, rel)
        except UnsafePath:
            return None

    def has_post(self, record: Record) -> bool:
        path = self._inside(record.path)
        return path is not None and path.is_file()

    def recover(self) -> dict[str, int]:
        """Settle writes a killed run left pending; returns what was done."""
        done = {"completed": 0, "rolled_back": 0, "temp_removed": 0, "unsafe_paths": 0}
        rows = self.db.execute("SELECT id, record, tmp_path, old_path FROM pending").fetchall()
        for article_id, raw, tmp_path, old_path in rows:
            try:
                record = Record(**json.loads(raw))
            except (TypeError, ValueError):
                record = None
            tmp = self._inside(tmp_path)
            target = self._inside(record.path) if record else None
            old = self._inside(old_path) if old_path else None
            if tmp is None or target is None or (old_path and old is None):
                # a row pointing outside the archive (or unreadable) touches nothing
                done["unsafe_paths"] += 1
                self.db.execute("DELETE FROM pending WHERE id=?", (article_id,))
                continue
            if tmp.name.endswith(".tmp") and tmp.is_file():
                tmp.unlink()
                done["temp_removed"] += 1
            on_disk = None
            if target.is_file():
                on_disk = hashlib.sha256(target.read_bytes()).hexdigest()
            if record is not None and on_disk == record.content_hash:
                if old is not None and old_path != record.path and old.is_file():
                    old.unlink()
                self.finish_write(record)
                done["completed"] += 1
            else:
                self.db.execute("DELETE FROM pending WHERE id=?", (article_id,))
                done["rolled_back"] += 1
        return done

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:  # (a full disk at the last checkpoint: the WAL keeps it all)
            pass
