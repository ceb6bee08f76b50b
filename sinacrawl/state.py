"""The archive's persistent state and index, behind one small interface.

``ArchiveState`` is what pipelines and spiders use; ``SqliteState`` (one SQLite file,
``index.sqlite``, beside the posts) is the default store. The same database is the index that
downstream tools read: one row per article with its id, canonical URL, path, title, media
source, publish time, content hash and first and last crawl time.

Crash safety: a post is written as *pending* (intent row) → file (atomic rename) → *done*
(row moved into ``articles``). ``recover()`` on open settles whatever a killed run left.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

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
    discovered TEXT NOT NULL
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
CREATE TABLE IF NOT EXISTS pending (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    tmp_path TEXT NOT NULL,
    old_path TEXT
);
"""


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
        raise NotImplementedError

    def add_alias(self, alias_id: str, article_id: str, url: str | None) -> None:
        raise NotImplementedError

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
        """Take an article off the frontier; with a reason, remember it as dropped for good
        (a deleted page, not an article), so discovery does not fetch it again."""
        raise NotImplementedError

    def tombstone(self, article_id: str) -> tuple[str, int | None] | None:
        """(reason, mtime) of an article dropped for good, or None."""
        raise NotImplementedError

    def frontier(self) -> list[tuple[str, str, str | None, int | None]]:
        raise NotImplementedError

    # Watermarks: the newest roll-API ctime of a column whose paging last ran to its end.
    def watermark(self, column: str) -> int | None:
        raise NotImplementedError

    def set_watermark(self, column: str, ctime: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SqliteState(ArchiveState):
    """ArchiveState in ``<root>/index.sqlite`` (WAL: readers never block the crawler)."""

    FILENAME = "index.sqlite"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.root / self.FILENAME, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

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
        self.db.execute(
            "UPDATE articles SET last_crawled=?, mtime=COALESCE(?, mtime) WHERE id=?",
            (crawled, mtime, article_id),
        )

    def add_alias(self, alias_id: str, article_id: str, url: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO aliases(alias_id, id, url) VALUES (?,?,?)",
            (alias_id, article_id, url),
        )

    def add_frontier(self, article_id, url, column, mtime) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO frontier(id, url, column_key, mtime, discovered) "
            "VALUES (?,?,?,?,?)",
            (
                article_id,
                url,
                column,
                mtime,
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
            ),
        )

    def settle(self, article_id, reason=None, url=None, mtime=None) -> None:
        self.db.execute("DELETE FROM frontier WHERE id=?", (article_id,))
        if reason:
            self.db.execute(
                "INSERT OR REPLACE INTO tombstones(id, url, reason, mtime, dropped) "
                "VALUES (?,?,?,?,?)",
                (
                    article_id,
                    url,
                    reason,
                    mtime,
                    datetime.now(timezone.utc).isoformat(timespec="seconds"),
                ),
            )

    def tombstone(self, article_id):
        row = self.db.execute(
            "SELECT reason, mtime FROM tombstones WHERE id=?", (article_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def frontier(self):
        return self.db.execute(
            "SELECT id, url, column_key, mtime FROM frontier ORDER BY discovered, id"
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

    def recover(self) -> dict[str, int]:
        """Settle writes a killed run left pending; returns what was done."""
        done = {"completed": 0, "rolled_back": 0, "temp_removed": 0}
        rows = self.db.execute("SELECT id, record, tmp_path, old_path FROM pending").fetchall()
        for article_id, raw, tmp_path, old_path in rows:
            record = Record(**json.loads(raw))
            tmp = self.root / tmp_path
            if tmp.exists():
                tmp.unlink()
                done["temp_removed"] += 1
            target = self.root / record.path
            on_disk = None
            if target.is_file():
                on_disk = hashlib.sha256(target.read_bytes()).hexdigest()
            if on_disk == record.content_hash:
                if old_path and old_path != record.path and (self.root / old_path).is_file():
                    (self.root / old_path).unlink()
                self.finish_write(record)
                done["completed"] += 1
            else:
                self.db.execute("DELETE FROM pending WHERE id=?", (article_id,))
                done["rolled_back"] += 1
        return done

    def close(self) -> None:
        self.db.close()
