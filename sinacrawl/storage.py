"""File I/O for posts: atomic writes that never leave the output folder.

``ArchiveDir`` does every write, read and delete of a running crawl through file descriptors:
the output folder is opened once, each post's folder is opened from it one component at a
time with ``O_NOFOLLOW``, and the temporary file and the rename act inside that folder's
descriptor. A folder swapped for a symlink while a run goes on is refused, not followed.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path, PurePosixPath


class UnsafePath(ValueError):
    """A computed path would land outside the output folder."""


def resolve_inside(root: Path, rel: str, folders: dict[str, Path] | None = None) -> Path:
    """``root/rel``, refusing anything that resolves outside ``root`` (symlinks included).

    ``root`` is resolved here unless it already is (a writer resolves it once). A writer
    also passes ``folders``, the folders it resolved before: then only the file name is
    looked at again (resolving costs a system call per path component).
    """
    if not root.is_absolute():
        root = root.resolve()
    if "\x00" in rel:
        raise UnsafePath(f"{rel!r} holds a NUL byte")
    for part in Path(rel).parts:
        if len(part.encode("utf-8")) > 255:
            raise UnsafePath(f"path segment longer than 255 bytes in {rel!r}")
    path = PurePosixPath(rel)
    if folders is not None and path.name not in ("", ".", ".."):
        folder = folders.get(str(path.parent))
        if folder is None:
            folder = (root / path.parent).resolve()
            if folder != root and root not in folder.parents:
                raise UnsafePath(f"{rel!r} escapes {root}")
            if folder.is_dir():  # (a folder not made yet is resolved again next time)
                folders[str(path.parent)] = folder
        target = folder / path.name
        if not target.is_symlink():
            return target
    target = (root / rel).resolve()
    if target == root or root not in target.parents:
        raise UnsafePath(f"{rel!r} escapes {root}")
    return target


def check_relative(root: Path, rel: str) -> Path:
    """``root/rel`` for a path read from the index (never from the web alone): relative,
    no ``..``, no NUL, and no symlink on the way, else UnsafePath.

    >>> check_relative(Path("/a"), "2022/02/x.md")
    PosixPath('/a/2022/02/x.md')
    >>> check_relative(Path("/a"), "../x.md")
    Traceback (most recent call last):
    ...
    sinacrawl.storage.UnsafePath: '../x.md' is not a path inside the archive
    """
    parts = _parts(rel)
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise UnsafePath(f"{rel!r} goes through a symlink ({path})")
    return path


def _parts(rel: str) -> list[str]:
    """The components of a relative path inside the archive, or UnsafePath."""
    if not isinstance(rel, str) or "\x00" in rel or rel.startswith("/") or not rel.strip():
        raise UnsafePath(f"{rel!r} is not a path inside the archive")
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or any(len(p.encode("utf-8")) > 255 for p in parts):
        raise UnsafePath(f"{rel!r} is not a path inside the archive")
    return parts


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class ArchiveDir:
    """The output folder, opened once; paths below it are opened without following links."""

    def __init__(self, root: Path):
        self.root = root
        self.fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _folder(self, parts: list[str], create: bool) -> int:
        """A new descriptor of the folder ``parts`` (made when ``create``)."""
        fd = os.dup(self.fd)
        try:
            for part in parts:
                try:
                    nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(part, 0o755, dir_fd=fd)
                    except FileExistsError:
                        pass
                    nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise UnsafePath(
                            f"{'/'.join(parts)}: {part!r} is not a folder inside {self.root}"
                        ) from None
                    raise
                os.close(fd)
                fd = nxt
        except BaseException:
            os.close(fd)
            raise
        return fd

    def read(self, rel: str) -> bytes | None:
        """The bytes of the regular file at ``rel``, or None (missing, a link, unreadable)."""
        parts = _parts(rel)
        try:
            folder = self._folder(parts[:-1], create=False)
        except (OSError, UnsafePath):
            return None
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder)
        except OSError:
            return None
        finally:
            os.close(folder)
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    def same_bytes(self, rel: str, data: bytes) -> bool:
        return self.read(rel) == data

    def unlink(self, rel: str) -> bool:
        """Delete the file at ``rel`` (never a folder, never through a link)."""
        parts = _parts(rel)
        try:
            folder = self._folder(parts[:-1], create=False)
        except (FileNotFoundError, NotADirectoryError):
            return False
        try:
            os.unlink(parts[-1], dir_fd=folder)
            return True
        except FileNotFoundError:
            return False
        finally:
            os.close(folder)

    def write_atomic(self, rel: str, data: bytes, tmp_name: str) -> None:
        """Write ``data`` to ``tmp_name`` in ``rel``'s folder, fsync it, rename it over
        ``rel``'s file name (a symlink there is replaced, not followed), fsync the folder."""
        parts = _parts(rel)
        folder = self._folder(parts[:-1], create=True)
        try:
            fd = os.open(
                tmp_name,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                0o644,
                dir_fd=folder,
            )
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp_name, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(tmp_name, dir_fd=folder)
                except OSError:
                    pass
                raise
            try:
                os.fsync(folder)
            except OSError:
                pass
        finally:
            os.close(folder)


def temp_name(target: Path) -> Path:
    """The temporary file beside ``target`` (same folder, so the rename is atomic)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether ``path`` holds exactly ``data`` (anything unreadable does not: the write that
    follows then fails, or succeeds, on its own terms)."""
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def write_atomic(target: Path, data: bytes, tmp: Path) -> None:
    """Write ``data`` to ``tmp``, flush it to disk, rename it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
