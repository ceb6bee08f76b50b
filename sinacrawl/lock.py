"""One writer per output folder: an advisory lock the kernel frees when its holder dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class FolderLocked(RuntimeError):
    pass


class OutputLock:
    def __init__(self, root: str | os.PathLike):
        self.path = Path(root) / ".sinacrawl.lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            os.close(fd)
            raise FolderLocked(
                f"another sinacrawl run (pid {holder or '?'}) is writing to {self.path.parent}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
