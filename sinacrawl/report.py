"""The run report: a summary in the log and a JSON file beside the archive, and the verdict
(failed or not) that the ``crawl`` command turns into the exit status."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals

from sinacrawl import distributed
from sinacrawl.archive import output_dir

logger = logging.getLogger(__name__)

EXIT_FAILED = 1
# error kinds of article requests that never reached the spider
FILTERED_KINDS = ("filtered", "offsite_redirect", "redirect_loop")
EXIT_LOCKED = 3


def summarize(stats: dict, settings) -> dict:
    """The report's numbers from the crawl's stats; pure."""

    def prefixed(prefix):
        return {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}

    started, finished = stats.get("start_time"), stats.get("finish_time")
    errors = prefixed("sinacrawl/errors/")
    # articles whose fetch ended in a page (any status) or a failure; retries not counted
    article_requests = stats.get("sinacrawl/articles/fetched", 0) + errors.get("article", 0)
    failures = []
    reason = stats.get("finish_reason")
    if reason != "finished":
        failures.append(f"the run did not finish ({reason})")
    for column, why in sorted(prefixed("sinacrawl/failed_columns/").items()):
        failures.append(f"column {column}: {why}")
    for host, why in sorted(prefixed("sinacrawl/robots_unavailable/").items()):
        failures.append(f"robots.txt of {host} unavailable ({why}): nothing fetched there")
    for column in sorted(prefixed("sinacrawl/empty_listing/")):
        failures.append(
            f"column {column}: the listing answered but listed no article "
            "(has Sina changed its layout?)"
        )
    article_errors = errors.get("article", 0)
    max_rate = settings.getfloat("SINACRAWL_MAX_ERROR_RATE")
    if article_requests and article_errors / article_requests > max_rate:
        failures.append(
            f"{article_errors} of {article_requests} articles could not be fetched "
            f"(more than {max_rate:.0%})"
        )
    # of the articles this run was asked for (re-checks of earlier failures aside), those
    # that gave no post for now (a 404, an empty page, no title… kept for a re-check)
    asked = stats.get("sinacrawl/articles/asked", 0)
    for_now = stats.get("sinacrawl/articles/failed_for_now", 0)
    if asked and for_now / asked > max_rate:
        failures.append(
            f"{for_now} of {asked} articles asked for gave no post for now (more than "
            f"{max_rate:.0%}; see deferred)"
        )
    filtered = sum(errors.get(k, 0) for k in FILTERED_KINDS)
    if filtered:
        failures.append(
            f"{filtered} article requests were filtered on the way (off-site redirect, "
            "redirect loop or another filter; see errors)"
        )
    gave_post = (
        stats.get("sinacrawl/written/new", 0)
        + stats.get("sinacrawl/written/updated", 0)
        + stats.get("sinacrawl/unchanged", 0)
        + stats.get("sinacrawl/dropped/duplicate_in_run", 0)
        + stats.get("sinacrawl/dropped/duplicate_content", 0)
        + stats.get("sinacrawl/handed", 0)  # (a Redis worker's: the archivist writes them)
    )
    if asked and not gave_post:
        failures.append(
            f"{asked} articles were asked for and none was written or found unchanged "
            "(see dropped and errors)"
        )
    for _key, why in sorted(prefixed("sinacrawl/failure/").items()):
        failures.append(str(why))  # (a spider's own reason: e.g. no WARC record readable)
    if errors.get("report"):
        failures.append("the run report could not be written (see the log)")
    if errors.get("disk"):
        failures.append(
            f"the archive's disk failed ({errors['disk']} writes refused: full, or an I/O "
            "error); the run stopped there and the next one goes on"
        )
    if errors.get("write"):
        failures.append(f"{errors['write']} posts could not be written")
    if errors.get("feeds"):
        failures.append(f"the feeds could not be written in full ({errors['feeds']} problems)")
    if errors.get("item"):
        failures.append(f"{errors['item']} items failed in a pipeline (a bug: see the log)")
    crashes = stats.get("spider_exceptions/count", 0)  # (beside one count per exception type)
    if crashes:
        failures.append(f"{crashes} pages failed in a spider callback (a bug: see the log)")
    return {
        "new": stats.get("sinacrawl/written/new", 0),
        "updated": stats.get("sinacrawl/written/updated", 0),
        "unchanged": stats.get("sinacrawl/unchanged", 0),
        "skipped_known": stats.get("sinacrawl/discovered/known", 0),
        "skipped_tombstoned": stats.get("sinacrawl/discovered/tombstoned", 0),
        "skipped_deferred": stats.get("sinacrawl/discovered/deferred", 0),
        "rechecked": stats.get("sinacrawl/discovered/recheck", 0),
        "deferred": prefixed("sinacrawl/deferred/"),
        "outside_window": stats.get("sinacrawl/discovered/outside_window", 0),
        "dropped": {k: v for k, v in prefixed("sinacrawl/dropped/").items()},
        "errors": {k: v for k, v in errors.items() if not k.startswith("http_")},
        "requests": prefixed("sinacrawl/requests/"),
        "images": prefixed("sinacrawl/images/"),
        "archive_size": stats.get("sinacrawl/archive_size"),
        "started": started.isoformat() if started else None,
        "finished": finished.isoformat() if finished else None,
        "duration_s": round((finished - started).total_seconds(), 3)
        if started and finished
        else None,
        "finish_reason": reason,
        "failed": bool(failures),
        "failures": failures,
    }


def job_id(spider) -> str | None:
    """The Scrapyd job this run is (Scrapyd passes ``-a _job=ID``; ``sinacrawl last-run
    --job ID`` finds its report), or None outside Scrapyd."""
    value = getattr(spider, "_job", None)
    return str(value) if value else None


class RunReport:
    """Extension: write the report when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    def item_error(self, item, response, spider, failure):
        # an exception other than a counted drop: the article stays in the frontier, and
        # the run says it failed
        from sinacrawl.shutdown import stop_for_medium
        from sinacrawl.state import medium_failure

        if medium_failure(failure.value):  # a full disk is no bug in a pipeline
            stop_for_medium(self.crawler, failure.value, "processing an article")
            return
        self.crawler.stats.inc_value("sinacrawl/errors/item")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def root(self, spider) -> Path | None:
        """Where the report goes: the output folder; none for a Redis worker."""
        if distributed.is_worker(self.crawler.settings, spider.name):
            return None
        return output_dir(self.crawler.settings)

    def spider_opened(self, spider):
        root = self.root(spider)
        if root is None:
            return
        # temporary report files a run killed while writing them (or a full disk) left
        for leftover in [*root.glob(".last-run.json.tmp"), *root.glob("reports/.*.json.tmp")]:
            leftover.unlink(missing_ok=True)
        # Until this run ends, last-run.json says it has not: a run killed with kill -9 (or
        # stopped by a second signal) never leaves the previous run's success standing.
        started = self.crawler.stats.get_value("start_time")
        running = {
            "spider": spider.name,
            "started": started.isoformat() if started else None,
            "finished": None,
            "finish_reason": None,
            "running": True,
            "failed": True,
            "failures": ["the run has not finished (it is still running, or it was killed)"],
        }
        try:
            self._write_file(root / "last-run.json", json.dumps(running, indent=2) + "\n")
        except OSError as exc:
            logger.error("could not mark %s as running: %s", root / "last-run.json", exc)
            try:
                (root / "last-run.json").unlink(missing_ok=True)
            except OSError:
                pass

    def spider_closed(self, spider, reason):
        if reason == "finished" and hasattr(spider, "unaccounted"):
            spider.unaccounted()  # article requests a middleware filtered without a word
        if distributed.is_worker(self.crawler.settings, spider.name):
            try:  # a worker's counts go to the archivist's report
                distributed.report_stats(self.crawler)
            except Exception as exc:  # noqa: BLE001 - (Redis gone): this run fails, says why
                self.crawler.stats.inc_value("sinacrawl/errors/report")
                logger.error("could not hand this worker's counts to Redis: %s", exc)
        stats = self.crawler.stats.get_stats()
        stats.setdefault("finish_reason", reason)
        stats.setdefault("finish_time", datetime.now(timezone.utc))
        report = summarize(stats, self.crawler.settings)
        report["spider"] = spider.name
        report["job"] = job_id(spider)
        root = self.root(spider)
        if root is not None:
            try:
                self.write(root, report, spider.name)
            except OSError as exc:
                # (a full disk): the run fails, and no earlier success is left standing
                self.crawler.stats.inc_value("sinacrawl/errors/report")
                report = summarize(self.crawler.stats.get_stats(), self.crawler.settings)
                report["spider"] = spider.name
                report["job"] = job_id(spider)
                logger.error("could not write the run report in %s: %s", root, exc)
                try:
                    (root / "last-run.json").unlink(missing_ok=True)
                except OSError as gone:
                    logger.error("could not remove the previous last-run.json: %s", gone)
        self.crawler.stats.set_value("sinacrawl/failed", report["failed"])
        self.crawler.sinacrawl_report = report
        logger.info(
            "run report: %(new)s new, %(updated)s updated, %(unchanged)s unchanged, "
            "%(skipped_known)s skipped as known, dropped %(dropped)s, errors %(errors)s, "
            "requests %(requests)s, %(duration_s)ss",
            report,
        )
        for failure in report["failures"]:
            logger.error("run failed: %s", failure)

    @staticmethod
    def _write_file(path: Path, text: str) -> None:
        """``text`` into ``path`` atomically (a temporary file, fsync, rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @staticmethod
    def write(root: Path, report: dict, spider: str) -> None:
        text = json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"
        stamp = (report["started"] or "").replace(":", "").replace("-", "")[:15] or "run"
        history = root / "reports" / f"{stamp}Z-{spider}.json"
        for path in (history, root / "last-run.json"):
            RunReport._write_file(path, text)
        logger.info("run report written to %s", root / "last-run.json")
