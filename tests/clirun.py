"""Run the ``sinacrawl`` command in a child process, as a user would, and judge its output."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.crawlrun import SITE, env, run_crawl

NOBODY = 65534
# what repair can rebuild from a post, compared row for row
REBUILT = "id, path, title, published, content_hash, body_hash, column_key"


def sinacrawl(*args: str, as_nobody: bool = False, shell_tail: str = "", timeout=120):
    cmd = [sys.executable, "-m", "sinacrawl", *args]
    if as_nobody:
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            pytest.skip("needs root and setpriv to run as an unprivileged user")
        cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
    if shell_tail:
        return subprocess.run(
            " ".join(f"'{c}'" for c in cmd) + shell_tail,
            shell=True,
            executable="/bin/bash",
            cwd=ROOT,
            env=env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    return subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=timeout)


def one_clear_line(stderr: str) -> str:
    """A user's mistake: exactly one line, no traceback, never called a bug."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "bug" not in stderr.lower(), stderr
    return lines[0]


def crawl_archive(out: Path) -> Path:
    done = run_crawl("roll", out, replay=SITE)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def copy_archive(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def world_readable_dir() -> Path:
    """A temporary folder the unprivileged user can reach (pytest's are root-only)."""
    path = Path(tempfile.mkdtemp(prefix="sinacrawl-test-"))
    path.chmod(0o755)
    return path


def rows(out: Path, cols: str = REBUILT) -> dict[str, tuple]:
    con = sqlite3.connect(f"file:{out / 'index.sqlite'}?mode=ro&immutable=1", uri=True)
    try:
        return {r[0]: tuple(r) for r in con.execute(f"SELECT {cols} FROM articles")}
    finally:
        con.close()


def listing(out: Path) -> dict[str, bytes]:
    """Every file of the archive with its bytes (to see that nothing changed)."""
    return {
        str(p.relative_to(out)): (b"" if p.is_dir() else p.read_bytes())
        for p in sorted(out.rglob("*"))
    }
