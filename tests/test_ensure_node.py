"""tests/ensure_node.sh, the step of .ci/run (through tests/run.sh under CI=true) that installs
Node and npm where they are missing, run against stub tools on a PATH without Node: it calls
``apt-get update`` once and then ``apt-get install -y … nodejs npm``, as root; it stops with the
reason when there is no apt-get, no root, or a Node too old for Hexo 7."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "ensure_node.sh"

# What apt-get "installs": node (with the version given), npm and npx, into the stub folder.
APT_GET = """#!/bin/bash
echo "$*" >> "$STUB_LOG"
if [ "$1" = install ]; then
    printf '#!/bin/bash\\necho %s\\n' "$STUB_NODE_VERSION" > "$STUB_BIN/node"
    printf '#!/bin/bash\\necho 9.2.0\\n' > "$STUB_BIN/npm"
    printf '#!/bin/bash\\n' > "$STUB_BIN/npx"
    chmod +x "$STUB_BIN/node" "$STUB_BIN/npm" "$STUB_BIN/npx"
fi
"""


def _stub_bin(tmp_path: Path, *, apt: bool = True, uid: int = 0) -> Path:
    """A PATH folder holding bash, chmod, a stub ``id`` and (if ``apt``) a stub apt-get."""
    stub = tmp_path / "bin"
    stub.mkdir()
    for tool in ("bash", "chmod"):
        found = shutil.which(tool)
        if not found:
            pytest.skip(f"{tool} not found")
        (stub / tool).symlink_to(found)
    (stub / "id").write_text(f"#!/bin/bash\necho {uid}\n")
    (stub / "id").chmod(0o755)
    if apt:
        (stub / "apt-get").write_text(APT_GET)
        (stub / "apt-get").chmod(0o755)
    return stub


def _run(stub: Path, tmp_path: Path, node_version: str = "v18.19.0"):
    env = {
        "PATH": str(stub),
        "STUB_BIN": str(stub),
        "STUB_LOG": str(tmp_path / "apt.log"),
        "STUB_NODE_VERSION": node_version,
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }
    bash = str(stub / "bash")
    proc = subprocess.run([bash, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    log = tmp_path / "apt.log"
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


def test_installs_node_with_apt_get_when_missing(tmp_path):
    stub = _stub_bin(tmp_path)
    proc, calls = _run(stub, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert calls == ["update", "install -y --no-install-recommends nodejs npm"]
    assert (stub / "node").is_file()
    assert "Node v18.19.0" in proc.stdout


def test_does_nothing_when_node_is_there(tmp_path):
    stub = _stub_bin(tmp_path)
    _run(stub, tmp_path)  # installs the stubs
    (tmp_path / "apt.log").unlink()
    proc, calls = _run(stub, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert calls == []


def test_fails_without_apt_get(tmp_path):
    proc, calls = _run(_stub_bin(tmp_path, apt=False), tmp_path)
    assert proc.returncode == 1
    assert "no apt-get" in proc.stderr


def test_fails_without_root(tmp_path):
    proc, calls = _run(_stub_bin(tmp_path, uid=1000), tmp_path)
    assert proc.returncode == 1
    assert calls == []
    assert "needs root" in proc.stderr


def test_fails_on_a_node_too_old_for_hexo(tmp_path):
    proc, calls = _run(_stub_bin(tmp_path), tmp_path, node_version="v12.22.12")
    assert proc.returncode == 1
    assert "too old" in proc.stderr
