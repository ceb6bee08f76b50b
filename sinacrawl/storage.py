"""File I/O for posts: atomic writes that never leave the output folder."""

from __future__ import annotations

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
