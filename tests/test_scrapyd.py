"""Scheduled runs on a real Scrapyd: deploy with ``scrapyd-deploy``, schedule ``roll`` over
schedule.json against the recorded site served on 127.0.0.1, poll listjobs.json until it ends,
then read the archive, its report and ``sinacrawl last-run``; a job that fails and one that is
refused, each readable although Scrapyd keeps no exit status."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.clirun import one_clear_line, sinacrawl
from tests.conftest import ROOT
from tests.crawlrun import SITE, check_consistent, expected_ids, index_rows, posts, report
from tests.hexo_site import in_ci
from tests.scrapydrun import (
    FAST,
    PROJECT,
    Scrapyd,
    clean_env,
    copy_project,
    free_port,
    scrapyd_deploy,
)
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow
JOB_SCRIPT = ROOT / "tools" / "scrapyd-job.sh"
SINACRAWL_SCRIPT = Path(sys.executable).with_name("sinacrawl")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scrapyd")
    with Scrapyd(folder) as server:
        project = copy_project(tmp_path_factory.mktemp("deploy") / "project", server.url)
        done = scrapyd_deploy(project, "--version", "1")
        assert done.returncode == 0, done.stdout + done.stderr
        assert '"status": "ok"' in done.stdout and '"spiders": 4' in done.stdout, done.stdout
        yield server
    assert server.proc is not None and server.proc.poll() is not None, "Scrapyd left running"


@pytest.fixture(scope="module")
def site():
    with SiteServer(SITE) as server:
        yield server


@pytest.fixture(scope="module")
def cron_started(scrapyd, tmp_path_factory):
    """tools/scrapyd-job.sh, the README's cron and systemd recipe, started three times at
    once: a replay from an absolute folder, an unreachable upstream, a refused argument."""
    if not shutil.which("curl"):
        yield None  # (cron_runs says so; the other tests go on)
        return
    root = tmp_path_factory.mktemp("cron")
    gone = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    fast = [a for k, v in FAST.items() for a in ("-d", f"setting={k}={v}")]
    cases = {
        "ok": ["-d", f"setting=SINACRAWL_REPLAY={SITE}"],
        "failed": ["-d", f"setting=SINACRAWL_UPSTREAM={gone}"],
        "refused": ["-d", f"setting=SINACRAWL_REPLAY={SITE}", "-d", "since=2024-13-45"],
    }
    env = dict(clean_env(), SINACRAWL_POLL="0.3", SINACRAWL=str(SINACRAWL_SCRIPT))
    running = {
        name: subprocess.Popen(
            ["sh", str(JOB_SCRIPT), scrapyd.url, str(root / name), "roll", *fast, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in cases.items()
    }
    yield root, running
    for proc in running.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def cron_runs(cron_started):
    """By case: (exit status, stdout, stderr, archive, job id)."""
    if cron_started is None:
        reason = "tools/scrapyd-job.sh needs curl (Debian package curl)"
        if in_ci():
            pytest.fail(f"{reason}; under CI=true tests/run.sh installs it", pytrace=False)
        pytest.skip(reason)
    root, running = cron_started
    runs = {}
    for name, proc in running.items():
        out, err = proc.communicate(timeout=300)
        job = re.search(r"scheduled job (\S+)", out)
        runs[name] = (proc.returncode, out, err, root / name, job and job.group(1))
    return runs


@pytest.fixture(scope="module")
def archives(scrapyd, site, tmp_path_factory, cron_started):
    """Jobs that need no other, scheduled at once (the cron script's runs too, since
    Scrapyd runs three at a time): their archives by job id."""
    root = tmp_path_factory.mktemp("scheduled")
    jobs = {
        "first": {"SINACRAWL_UPSTREAM": site.url},
        "relative": {"SINACRAWL_REPLAY": "fixtures/site"},
    }
    site.log.clear()
    for job, settings in jobs.items():
        answer = scrapyd.schedule("roll", job, {**settings, "SINACRAWL_OUTPUT_DIR": root / job})
        assert answer["status"] == "ok", answer
    return {job: root / job for job in jobs}


@pytest.fixture(scope="module")
def first_run(scrapyd, site, archives):
    """The first scheduled roll into a new archive: (its finished entry, the archive, the
    article requests the site saw)."""
    entry = scrapyd.wait("first")
    return entry, archives["first"], site.requests_of("article")


def test_jobs_run_the_deployed_egg_only(scrapyd):
    # Scrapyd's Python has the dependencies but not the checkout nor its editable install
    probe = subprocess.run(
        [str(scrapyd.python), "-c", "import scrapy, nh3; import sinacrawl"],
        cwd=scrapyd.folder,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 1 and "No module named 'sinacrawl'" in probe.stderr, probe.stderr
    assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == [
        "article",
        "lists",
        "roll",
        "warc",
    ]
    egg = scrapyd.folder / "eggs" / PROJECT / "1.egg"
    with zipfile.ZipFile(egg) as packed:
        names = set(packed.namelist())
        entry_points = packed.read("EGG-INFO/entry_points.txt").decode()
    for module in (
        "sinacrawl/settings.py",
        "sinacrawl/commands/crawl.py",
        "sinacrawl/pages/article.py",
        "sinacrawl/py.typed",
        "spiders/roll.py",
        "pipelines/write.py",
    ):
        assert module in names, module
    assert not [n for n in names if n.startswith(("tests/", "fixtures/", "tools/"))]
    assert "[scrapy]\nsettings = sinacrawl.settings" in entry_points


def test_scheduled_roll_writes_the_archive_and_its_report(scrapyd, first_run):
    entry, out, article_requests = first_run
    assert set(entry) >= {"start_time", "end_time", "log_url"}  # and no exit status
    ids = expected_ids({"china"})
    rows = index_rows(out)
    assert set(rows) <= ids and len(rows) >= len(ids) - 2  # (a missing and a video page)
    assert len(posts(out)) == len(rows)
    check_consistent(out)
    got = report(out)
    assert got["failed"] is False and got["failures"] == []
    assert got["job"] == "first" and got["spider"] == "roll"
    assert got["new"] == len(rows) and got["finish_reason"] == "finished"
    assert got["requests"]["article"] == len(article_requests)
    log = scrapyd.log(entry)
    assert "run report written to" in log and "run failed" not in log
    done = sinacrawl("last-run", str(out), "--job", "first")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("roll, job first, started ") and ": succeeded" in lines[0]
    assert f"new {len(rows)}, updated 0" in done.stdout


def test_a_second_scheduled_run_sends_no_article_request(scrapyd, site, first_run):
    _entry, out, _requests = first_run
    before = posts(out)
    site.log.clear()
    scrapyd.schedule("roll", "second", {"SINACRAWL_UPSTREAM": site.url, "SINACRAWL_OUTPUT_DIR": out})
    scrapyd.wait("second")
    assert site.requests_of("article") == []
    assert len(site.requests_of("api")) == 1
    got = report(out)
    assert got["job"] == "second" and got["failed"] is False
    assert got["new"] == 0 and got["skipped_known"] == len(before)
    assert posts(out) == before
    # the first job's report is still found, in the history
    done = sinacrawl("last-run", str(out), "--job", "first")
    assert done.returncode == 0 and "job first" in done.stdout, done.stdout + done.stderr


def test_a_refused_job_is_readable(scrapyd, first_run):
    _entry, out, _requests = first_run
    before = posts(out), (out / "last-run.json").read_bytes()
    scrapyd.schedule("roll", "refused", {"SINACRAWL_OUTPUT_DIR": out}, pages="abc")
    entry = scrapyd.wait("refused")
    assert "sinacrawl: -a pages=abc: give a whole number of pages" in scrapyd.log(entry)
    assert (posts(out), (out / "last-run.json").read_bytes()) == before
    done = sinacrawl("last-run", str(out), "--job", "refused")
    assert done.returncode == 2
    line = one_clear_line(done.stderr)
    assert "no report of job refused" in line and "the job's log" in line


def test_a_relative_replay_folder_is_refused_not_crawled_live(scrapyd, archives):
    out = archives["relative"]
    entry = scrapyd.wait("relative")
    log = scrapyd.log(entry)
    assert f"SINACRAWL_REPLAY=fixtures/site: no such folder in {scrapyd.folder}" in log
    assert not out.exists()
    assert "Spider opened" not in log


def test_the_cron_script_runs_a_replay_from_an_absolute_folder(cron_runs, first_run):
    code, out, err, archive, job = cron_runs["ok"]
    assert code == 0, out + err
    assert job and job.startswith("roll-") and f"/logs/sinacrawl/roll/{job}.log" in out
    assert f"roll, job {job}, started " in out and ": succeeded (finish reason: finished)" in out
    assert report(archive)["job"] == job
    _entry, served, _requests = first_run
    assert posts(archive) == posts(served)  # the same posts as from the served site


def test_a_failed_job_is_readable(scrapyd, cron_runs):
    code, out, err, archive, job = cron_runs["failed"]
    assert code == 1, out + err
    got = report(archive)
    assert got["failed"] is True and got["job"] == job
    assert any("column china" in why for why in got["failures"]), got["failures"]
    assert ": FAILED (finish reason: finished)" in out and "failed: column china" in out
    assert "run failed: column china" in scrapyd.log(scrapyd.wait(job))
    done = sinacrawl("last-run", str(archive))  # the same, without the job id
    assert done.returncode == 1 and done.stdout in out, done.stdout + done.stderr
    # Scrapyd's own log keeps the exit status
    assert "Process died: exitstatus=1" in scrapyd.output and f"job='{job}'" in scrapyd.output


def test_a_refused_job_leaves_no_report_and_says_why_in_its_log(scrapyd, cron_runs):
    code, out, err, archive, job = cron_runs["refused"]
    assert code == 2, out + err
    assert f"no report of job {job} (no folder {archive})" in one_clear_line(err)
    assert not archive.exists()
    log = scrapyd.log(scrapyd.wait(job))
    assert "sinacrawl: -a since=2024-13-45: not a date" in log


def test_the_cron_script_wants_an_absolute_archive(scrapyd):
    done = subprocess.run(
        ["sh", str(JOB_SCRIPT), scrapyd.url, "archive", "roll"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "give an absolute path" in one_clear_line(done.stderr)
