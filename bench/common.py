"""What the benchmarks share: recorded sites, child processes with their peak memory, the
local server, the machine's description, and the ``name: value`` output."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
# This checkout's project first, whatever else is installed (an editable install elsewhere).
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))
REQUIREMENTS_HINT = (
    "the benchmarks need their own dependencies: pip install -r bench/requirements.txt"
)


def cache_dir() -> Path:
    """Where generated sites and archive states are kept between runs (not the repo)."""
    path = Path(
        os.environ.get("SINACRAWL_BENCH_CACHE") or Path(tempfile.gettempdir()) / "sinacrawl-bench"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def emit(name: str, value) -> None:
    """One figure a line, ``name: value``."""
    if isinstance(value, float):
        value = f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    print(f"{name}: {value}", flush=True)


def need(*modules: str) -> None:
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(f"missing {', '.join(missing)}: {REQUIREMENTS_HINT}")


def quietest_core(sample_s: float = 0.3) -> int | None:
    """The core of this process's allowed set that was idlest over a short sample (on a
    machine shared with other work, the one least likely to be taken)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))

    def idle():
        out = {}
        for line in Path("/proc/stat").read_text().splitlines():
            name, *vals = line.split()
            if name.startswith("cpu") and name != "cpu":
                out[int(name[3:])] = int(vals[3]) + int(vals[4])  # idle + iowait
        return out

    try:
        before = idle()
        time.sleep(sample_s)
        after = idle()
    except OSError:
        return allowed[-1]
    return max(allowed, key=lambda c: after.get(c, 0) - before.get(c, 0))


def pin_to_one_core(core: int | None = None) -> int | None:
    """Run this process on one core (the idlest one unless told); returns it."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = quietest_core() if core is None else core
    os.sched_setaffinity(0, {core})
    return core


# -- recorded sites ----------------------------------------------------------------------------
def site(articles: int, seed: int, columns: str = "china", real_size: bool = True) -> Path:
    """A recorded site from tools/sitegen.py, generated once and kept in the cache folder;
    ``real_size``: pages of real size (``--real-size``), as every benchmark uses."""
    out = cache_dir() / (
        f"site-{articles}-s{seed}-{columns.replace(',', '_')}{'-real' if real_size else ''}"
    )
    manifest = out / "manifest.json"
    if manifest.is_file():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        if (
            m.get("articles_requested") == articles
            and m.get("seed") == seed
            and bool(m.get("real_size")) == real_size
        ):
            return out
    if out.exists():
        shutil.rmtree(out)
    subprocess.run(
        [
            PY,
            str(ROOT / "tools" / "sitegen.py"),
            str(out),
            "--articles",
            str(articles),
            "--seed",
            str(seed),
            "--columns",
            columns,
            *(["--real-size"] if real_size else []),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def manifest(site_dir: Path) -> dict:
    return json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))


# -- child processes ---------------------------------------------------------------------------
def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), e.get("PYTHONPATH")) if p)
    e.setdefault("PYTHONHASHSEED", "0")
    return e


class Child:
    """A finished child process: exit code, wall seconds, peak resident memory (MiB), CPU
    seconds, and when it started (time.time())."""

    def __init__(self, cmd, log: Path, result: dict):
        self.cmd, self.log = cmd, log
        self.returncode = result["returncode"]
        self.wall_s = result["wall_s"]
        self.maxrss_mb = result["maxrss_kb"] / 1024  # KiB on Linux
        self.cpu_s = result["cpu_s"]
        self.started = result["started"]

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def run_child(
    cmd: list[str], log: Path, cpu: int | None = None, timeout: float = 1800, cwd: Path = ROOT
) -> Child:
    """Run ``cmd`` in a fresh process (through bench/launch.py, so its peak RSS is its own),
    output to ``log``."""
    result = log.with_name(log.name + ".rusage.json")
    launcher = [PY, str(BENCH / "launch.py"), str(result)]
    if cpu is not None:
        launcher += ["--cpu", str(cpu)]
    with open(log, "wb") as fh:
        subprocess.run(
            [*launcher, "--", *cmd],
            cwd=cwd,
            env=env(),
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
    return Child(cmd, log, json.loads(result.read_text()))


# -- the local server --------------------------------------------------------------------------
class Server:
    def __init__(self, proc, url):
        self.proc, self.url = proc, url

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url + path, timeout=30) as resp:  # loopback only
            return resp.read()

    def stats(self) -> dict:
        return json.loads(self.get("/__stats"))

    def reset(self) -> None:
        self.get("/__reset")


@contextmanager
def server(site_dir: Path, impl: str = "aiohttp", cpu: int | None = None):
    """bench/server.py in a process of its own, serving ``site_dir`` on 127.0.0.1."""
    cmd = [PY, str(BENCH / "server.py"), str(site_dir), "--impl", impl]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("listening "):
            raise RuntimeError(f"bench/server.py did not start: {line!r}")
        yield Server(proc, line.split()[1])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the machine -------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("scrapy", "twisted", "lxml", "parsel", "nh3", "pyyaml", "trafilatura", "aiohttp"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "project": str(ROOT),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
    }
    info.update(versions())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        info["commit"] = commit
        if dirty:  # uncommitted changes: name them by a hash of the diff
            import hashlib

            diff = subprocess.run(["git", "diff", "HEAD"], cwd=ROOT, capture_output=True).stdout
            info["commit"] += f"+dirty:{hashlib.sha1(diff).hexdigest()[:10]}"
    except OSError:
        pass
    return info


def self_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
