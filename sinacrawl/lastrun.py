"""Read a run's verdict back from the archive: ``sinacrawl last-run ARCHIVE [--job ID]``.

Scrapyd keeps no exit status per job (``listjobs.json`` says only that the process ended), so
the report a run leaves beside the posts (``last-run.json``, ``reports/*.json``) is where a
scheduled job's outcome is read: this module finds it and says it in a few lines.
"""

from __future__ import annotations

import json
from pathlib import Path

LAST = "last-run.json"
HISTORY = "reports"


class NoReport(Exception):
    """No usable report: the message is the one line a user sees."""


def _load(path: Path) -> dict:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NoReport(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise NoReport(f"{path} is not a run report (not JSON)") from None
    if not isinstance(report, dict) or not isinstance(report.get("failed"), bool):
        raise NoReport(f"{path} is not a run report (it has no failed: true/false)")
    return report


def find_report(root: Path, job: str | None = None) -> tuple[Path, dict]:
    """The last run's report, or the report of the Scrapyd job ``job`` (newest first)."""
    last = root / LAST
    if job is None:
        if not last.is_file():
            raise NoReport(
                f"no run report in {root}: no run has ended there yet, or the last one "
                "stopped before it began or could not write its report (see its log)"
            )
        return last, _load(last)
    candidates = [last] if last.is_file() else []
    candidates += sorted((root / HISTORY).glob("*.json"), reverse=True)
    for path in candidates:
        try:
            report = _load(path)
        except NoReport:
            continue  # (a damaged old report does not hide the one asked for)
        if report.get("job") == job:
            return path, report
    where = f"in {root}" if root.is_dir() else f"(no folder {root})"
    raise NoReport(
        f"no report of job {job} {where}: the job is pending or running, or it stopped "
        "before its run began (a refused argument, a folder in use: see the job's log)"
    )


def _counts(values) -> str:
    if not values:
        return "none"
    if isinstance(values, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(values.items()))
    return str(values)


def summary(report: dict, path: Path) -> list[str]:
    """The lines ``sinacrawl last-run`` prints; pure."""
    verdict = "FAILED" if report["failed"] else "succeeded"
    head = [str(report.get("spider") or "run")]
    if report.get("job"):
        head.append(f"job {report['job']}")
    head.append(f"started {report.get('started')}")
    if report.get("duration_s") is not None:
        head.append(f"{report['duration_s']} s")
    lines = [f"{', '.join(head)}: {verdict} (finish reason: {report.get('finish_reason')})"]
    lines += [f"failed: {why}" for why in report.get("failures") or []]
    lines.append(
        f"new {report.get('new', 0)}, updated {report.get('updated', 0)}, "
        f"unchanged {report.get('unchanged', 0)}, skipped as known {report.get('skipped_known', 0)}"
    )
    lines.append(f"dropped: {_counts(report.get('dropped'))}")
    lines.append(f"deferred: {_counts(report.get('deferred'))}")
    lines.append(f"errors: {_counts(report.get('errors'))}")
    lines.append(f"requests: {_counts(report.get('requests'))}")
    lines.append(f"archive: {report.get('archive_size')} articles; report: {path}")
    return lines
