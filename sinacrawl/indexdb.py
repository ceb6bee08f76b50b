"""Reading an archive's ``index.sqlite`` without changing anything, not even beside it.

SQLite opens a WAL database read-only (``mode=ro``) by creating ``-wal`` and ``-shm`` files
when they are missing, and leaves them behind. So:

- neither file there (the crawler closed cleanly: everything is in the main file): the main
  file is read as ``immutable=1`` (no locks, no side files);
- both there (a crawl is running, or one was killed): ``mode=ro`` uses them and creates nothing;
- only ``-wal`` there, or ``mode=ro`` refused (a read-only folder): the main file and its
  ``-wal`` are copied to a temporary folder outside the archive and the copy is read.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

INDEX = "index.sqlite"


class UnreadableIndex(Exception):
    """The file is not a readable SQLite database (the message says why)."""


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(str(path.resolve()))}?{query}"


def _check(con: sqlite3.Connection) -> None:
    """Fail now, not half-way through the output, on a file that is not a database."""
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        con.execute("SELECT count(*) FROM articles").fetchone()
    except sqlite3.DatabaseError as exc:
        con.close()
        raise UnreadableIndex(str(exc)) from None


@contextmanager
def open_readonly(db: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``db`` that leaves no file behind that was not there."""
    wal = db.with_name(db.name + "-wal")
    shm = db.with_name(db.name + "-shm")
    tmpdir: str | None = None
    con: sqlite3.Connection | None = None
    try:
        con = _connect(db, wal, shm)
        if con is None:  # a snapshot outside the archive, WAL included
            tmpdir = tempfile.mkdtemp(prefix="sinacrawl-index-")
            copy = Path(tmpdir) / INDEX
            shutil.copyfile(db, copy)
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(INDEX + "-wal"))
            con = sqlite3.connect(copy)
        _check(con)
        con.row_factory = sqlite3.Row
        yield con
    except sqlite3.DatabaseError as exc:
        raise UnreadableIndex(str(exc)) from None
    finally:
        if con is not None:
            con.close()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _connect(db: Path, wal: Path, shm: Path) -> sqlite3.Connection | None:
    """A connection straight to ``db`` when one creates nothing beside it, else None."""
    if not wal.exists() and not shm.exists():
        return sqlite3.connect(_uri(db, mode="ro", immutable="1"), uri=True)
    if wal.exists() and shm.exists():
        con = sqlite3.connect(_uri(db, mode="ro"), uri=True)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.OperationalError:  # (a -shm it may not use: read a copy)
            con.close()
    return None
