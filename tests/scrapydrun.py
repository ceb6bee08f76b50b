"""A real Scrapyd on 127.0.0.1 in a temporary folder, and the project deployed to it with
``scrapyd-deploy``, as a user would.

Scrapyd runs under a Python that sees this venv's packages but not the project's editable
install nor the checkout (a fresh venv whose only link is a ``.pth`` line naming this venv's
site-packages, started in the temporary folder): the jobs can only run the deployed egg.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

from tests.conftest import ROOT

PROJECT = "sinacrawl"
# what a deploy needs (pyproject.toml names README.md); the egg must need nothing else
SOURCES = ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md", "sinacrawl", "spiders", "pipelines")
# the settings crawlrun.crawl_cmd gives runs against a local server
FAST = {
    "LOG_LEVEL": "INFO",
    "SINACRAWL_RETRY_BACKOFF": "0.05",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_python(folder: Path) -> Path:
    """A venv's python that imports this venv's packages, but not the project itself."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(folder)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # A path line adds the folder only: the .pth files inside it (the editable install's
    # finder) are not run.
    (Path(site) / "deps.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return python


def clean_env() -> dict:
    return {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH" and not k.startswith(("SCRAPY_", "SCRAPYD_", "SINACRAWL_"))
    }


class Scrapyd:
    def __init__(self, folder: Path):
        self.folder = folder
        self.python = isolated_python(folder / "venv")
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        return (self.folder / "scrapyd.out").read_text(encoding="utf-8", errors="replace")

    def start(self, timeout: float = 60) -> None:
        for _attempt in range(3):  # (another process may take the free port first)
            self.port = free_port()
            (self.folder / "scrapyd.conf").write_text(
                "[scrapyd]\n"
                "bind_address = 127.0.0.1\n"
                f"http_port = {self.port}\n"
                f"eggs_dir = {self.folder / 'eggs'}\n"
                f"logs_dir = {self.folder / 'logs'}\n"
                f"dbs_dir = {self.folder / 'dbs'}\n"
                "items_dir =\n"
                "poll_interval = 0.2\n"
                "max_proc = 3\n"
                "jobs_to_keep = 50\n",  # (Scrapyd's default keeps the logs of 5 jobs a spider)
                encoding="utf-8",
            )
            with open(self.folder / "scrapyd.out", "w", encoding="utf-8") as out:
                self.proc = subprocess.Popen(
                    [str(self.python), "-m", "scrapyd", "--pidfile="],
                    cwd=self.folder,
                    env=clean_env(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if self.get("daemonstatus.json")["status"] == "ok":
                        return
                except OSError:
                    time.sleep(0.2)
            self.stop()
        raise RuntimeError(f"Scrapyd did not start:\n{self.output[-3000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- the HTTP API -----------------------------------------------------------------------
    def get(self, endpoint: str, **params) -> dict:
        query = f"?{urlencode(params)}" if params else ""
        with urlopen(f"{self.url}/{endpoint}{query}", timeout=30) as resp:
            return json.loads(resp.read())

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        with urlopen(f"{self.url}/{endpoint}", data=urlencode(fields).encode(), timeout=60) as resp:
            return json.loads(resp.read())

    def schedule(self, spider: str, job: str, settings: dict, **args: str) -> dict:
        fields = [("project", PROJECT), ("spider", spider), ("jobid", job)]
        fields += [("setting", f"{k}={v}") for k, v in {**FAST, **settings}.items()]
        fields += list(args.items())
        return self.post("schedule.json", fields)

    def wait(self, job: str, timeout: float = 180) -> dict:
        """Poll listjobs.json until the job is among the finished ones; that entry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.get("listjobs.json", project=PROJECT)["finished"]:
                if entry["id"] == job:
                    return entry
            time.sleep(0.3)
        raise AssertionError(f"job {job} did not end in {timeout} s:\n{self.output[-3000:]}")

    def log(self, entry: dict) -> str:
        assert entry["log_url"], f"no log kept for {entry}"
        with urlopen(f"{self.url}{entry['log_url']}", timeout=30) as resp:
            return resp.read().decode("utf-8", errors="replace")


def copy_project(folder: Path, url: str) -> Path:
    """The project's sources in ``folder``, its [deploy] target pointed at ``url``."""
    folder.mkdir(parents=True)
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, folder / name)
    cfg = folder / "scrapy.cfg"
    text = cfg.read_text(encoding="utf-8")
    assert "url = http://localhost:6800/" in text, text
    cfg.write_text(text.replace("http://localhost:6800/", f"{url}/"), encoding="utf-8")
    return folder


def scrapyd_deploy(folder: Path, *args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("scrapyd-deploy")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "scrapyd_client.deploy"]
    return subprocess.run(
        [*cmd, *args], cwd=folder, env=clean_env(), capture_output=True, text=True, timeout=300
    )
