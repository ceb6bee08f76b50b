"""tests/ensure_node.sh, the step of .ci/run (through tests/run.sh under CI=true) that installs
Node and npm where they are missing, run against stub tools on a PATH without Node: it calls
``apt-get update`` once and then ``apt-get install -y … nodejs npm``, as root; it stops with the
reason when there is no apt-get, no root, or a Node too old for Hexo 7. And what the tests
needing Node do without it: fail under CI=true, skip with the reason elsewhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


NODE_TESTS = ["tests/test_hexo.py", "tests/test_frontmatter_fuzz.py", "-k", "hexo or jsyaml"]


def _pytest_without_node(ci: str | None) -> tuple[int, str]:
    """Run the tests needing Node with a PATH holding only this Python's folder (no node)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PATH")}
    env["PATH"] = str(Path(sys.executable).parent)
    if ci is not None:
        env["CI"] = ci
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *NODE_TESTS, "-q", "-p", "no:cacheprovider", "-rfEs"],
        cwd=SCRIPT.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, proc.stdout


def test_node_tests_fail_under_ci_without_node():
    if shutil.which("node", path=str(Path(sys.executable).parent)):
        pytest.skip("node sits beside this Python: can't take it off PATH")
    status, out = _pytest_without_node("true")
    summary = out.strip().splitlines()[-1]
    assert status != 0, out
    assert re.search(r"\d+ errors?", summary) and not re.search(r"skipped|passed", summary), out
    assert "Node is not installed" in out and "must run, not skip" in out


def test_node_tests_skip_with_the_reason_outside_ci():
    if shutil.which("node", path=str(Path(sys.executable).parent)):
        pytest.skip("node sits beside this Python: can't take it off PATH")
    status, out = _pytest_without_node(None)
    summary = out.strip().splitlines()[-1]
    assert status == 0, out
    assert re.search(r"\d+ skipped", summary) and not re.search(r"error|failed|passed", summary)
    assert "SKIPPED" in out and "Node is not installed" in out
