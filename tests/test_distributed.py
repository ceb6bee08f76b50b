"""Several workers and one archivist over a real Redis (SINACRAWL_REDIS_URL): the recorded
site on 127.0.0.1, slowed per response so the run lasts seconds; a worker killed with
kill -9, the archivist killed and restarted, Redis restarted, all mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.crawlrun import (
    SITE,
    check_consistent,
    crawl_cmd,
    env,
    leftovers,
    posts,
    report,
    run_crawl,
)
from tests.redissrv import RedisServer, free_port
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow

COLUMNS = "china,hgjj,roll,dfjj"
LEASE = 3  # seconds before a killed worker's requests go to another


@pytest.fixture
def redis_server(tmp_path):
    if not RedisServer.available():
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing: tests/run.sh installs it under CI=true")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with RedisServer(tmp_path / "redis") as server:
        yield server


def _slow(handler, url, attempt):
    time.sleep(0.3)  # (every response: the network, not the CPU, bounds the run)
    return False


def worker(tmp_path, url, site, name):
    cmd = crawl_cmd("roll", tmp_path / "unused", "-a", f"columns={COLUMNS}", upstream=site.url)
    cmd += [
        "-s", f"SINACRAWL_REDIS_URL={url}",
        "-s", f"SINACRAWL_REDIS_LEASE={LEASE}",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    ]
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - (closed with the process)
    return subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=log, stderr=subprocess.STDOUT)


def archivist(tmp_path, out, url, name, idle=4):
    cmd = [sys.executable, "-m", "sinacrawl", "archivist", str(out), "--redis", url]
    cmd += ["--idle-exit", str(idle)]
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115
    return subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=log, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout=90, what="a condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def held_by(client, pid: int) -> int:
    """Article requests the worker with ``pid`` held leased when it died."""
    owners = client.hgetall("sinacrawl:roll:requests:owners")
    return sum(1 for owner in owners.values() if f":{pid}:" in owner.decode())


def log_of(tmp_path, name):
    return (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")


def test_three_workers_one_archivist_survive_kills_and_a_redis_restart(redis_server, tmp_path):
    ref = tmp_path / "single"
    with SiteServer(SITE) as fast:
        single = run_crawl("roll", ref, "-a", f"columns={COLUMNS}", upstream=fast.url)
        assert single.returncode == 0, single.stderr[-2000:]
        ref_asked = fast.requests_of("article")
    with SiteServer(SITE, faults=_slow) as site:
        client = redis_server.client()
        out = tmp_path / "archive"
        arc = archivist(tmp_path, out, redis_server.url, "archivist1")
        workers = [worker(tmp_path, redis_server.url, site, f"w{i}") for i in range(3)]
        articles = lambda: len(site.requests_of("article"))  # noqa: E731

        # one worker killed with kill -9 while it holds requests
        wait_for(lambda: articles() >= 15 and held_by(client, workers[0].pid), what="work")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        held = held_by(client, workers[0].pid)
        assert held > 0
        # the archivist killed mid-run, and started again
        wait_for(lambda: articles() >= 40, what="40 article requests")
        arc.send_signal(signal.SIGKILL)
        arc.wait()
        arc = archivist(tmp_path, out, redis_server.url, "archivist2")
        wait_for(lambda: "Spider opened" in log_of(tmp_path, "archivist2"), what="archivist2")
        # Redis restarted mid-run (AOF, fsync always): nothing is lost
        wait_for(lambda: articles() >= 70, what="70 article requests")
        redis_server.stop()
        time.sleep(0.5)
        redis_server.start()

        for i, proc in enumerate(workers[1:], 1):
            assert proc.wait(timeout=150) == 0, log_of(tmp_path, f"w{i}")[-3000:]
        assert arc.wait(timeout=60) == 0, log_of(tmp_path, "archivist2")[-3000:]

        # every article written once, byte for byte as one process writes them
        assert posts(out) == posts(ref)
        check_consistent(out)
        assert not leftovers(out)
        asked = site.requests_of("article")
        assert set(asked) == set(ref_asked)
        # each article asked once, but what the killed worker held (asked again elsewhere)
        assert len(ref_asked) <= len(asked) <= len(ref_asked) + held
        last = report(out)
        assert last["failed"] is False, last["failures"]
        assert last["requests"]["article"] >= 1  # (the workers' counts, summed)

        # a second run of the columns sends no article request
        site.log.clear()
        arc = archivist(tmp_path, out, redis_server.url, "archivist3", idle=2)
        again = worker(tmp_path, redis_server.url, site, "again")
        assert again.wait(timeout=90) == 0, log_of(tmp_path, "again")[-3000:]
        assert arc.wait(timeout=60) == 0, log_of(tmp_path, "archivist3")[-3000:]
        assert site.requests_of("article") == []
        assert site.requests_of("api")


def test_a_worker_or_archivist_without_redis_fails_in_one_line(tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with SiteServer(SITE) as site:
        proc = subprocess.run(
            crawl_cmd("roll", tmp_path / "unused", upstream=site.url)
            + ["-s", f"SINACRAWL_REDIS_URL={url}", "-s", "LOG_LEVEL=ERROR"],
            cwd=ROOT, env=env(), capture_output=True, text=True, timeout=60,
        )
        assert site.log == []
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach Redis at {url}" in lines[0], proc.stderr
    arc = subprocess.run(
        [sys.executable, "-m", "sinacrawl", "archivist", str(tmp_path / "a"), "--redis", url],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=60,
    )
    assert arc.returncode == 1
    assert arc.stderr.strip().count("\n") == 0 and "cannot reach Redis" in arc.stderr
    assert not (tmp_path / "a").exists()
