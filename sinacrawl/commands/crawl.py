"""``scrapy crawl`` with an honest exit status and one writer per output folder.

Exit 0 when the run succeeded, 1 when the run report says it failed (see README), 2 when an
argument, the output folder or its index cannot be used (one line on stderr, nothing made),
3 when another run holds the output folder.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.utils.misc import load_object

from sinacrawl import distributed
from sinacrawl.archive import PREOPENED, output_dir
from sinacrawl.arguments import EXIT_USAGE, BadArgument
from sinacrawl.lock import FolderLocked, OutputLock
from sinacrawl.report import EXIT_FAILED, EXIT_LOCKED
from sinacrawl.state import ArchiveUnavailable, ArchiveUnusable

logger = logging.getLogger(__name__)
_LOOPBACK = ("http://127.", "http://localhost", "http://[::1]")


def _say(message: str, settings=None) -> None:
    print(f"sinacrawl: {message}", file=sys.stderr)
    if settings is not None and settings.get("LOG_FILE"):
        # Under Scrapyd, stderr goes to Scrapyd's own log: the job's log must say it too.
        logger.error("sinacrawl: %s", message)


def _check_sources(settings) -> str | None:
    """Why SINACRAWL_REPLAY or SINACRAWL_UPSTREAM cannot be used, or None. (A missing replay
    folder would only switch the replay off, and the run would go to the live site.)"""
    replay = settings.get("SINACRAWL_REPLAY")
    if replay and not Path(replay).is_dir():
        where = "" if Path(replay).is_absolute() else f" in {Path.cwd()}"
        return (
            f"SINACRAWL_REPLAY={replay}: no such folder{where}; give the recorded site's "
            "folder (an absolute path under Scrapyd, whose jobs run in its own folder)"
        )
    upstream = settings.get("SINACRAWL_UPSTREAM")
    if upstream and not upstream.startswith(_LOOPBACK):
        return (
            f"SINACRAWL_UPSTREAM={upstream}: give an http:// loopback address (http://127.0.0.1:N)"
        )
    return None


def _check_folder(root: Path) -> str | None:
    """Why ``root`` cannot be the output folder, or None."""
    if root.is_symlink() and not root.exists():
        return f"SINACRAWL_OUTPUT_DIR={root} is a link to {os.readlink(root)}, which is missing"
    if root.exists() and not root.is_dir():
        return f"SINACRAWL_OUTPUT_DIR={root} is a file, not a folder: give a folder"
    parent = root
    while not parent.exists():  # the nearest folder that exists must be writable
        parent = parent.parent
    if not parent.is_dir():
        return f"SINACRAWL_OUTPUT_DIR={root}: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"SINACRAWL_OUTPUT_DIR={root}: cannot write in {parent} (permission denied)"
    return None


def _unavailable(exc: Exception) -> bool:
    if isinstance(exc, ArchiveUnavailable):
        return True
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO)


def _forget_last_run(root: Path) -> None:
    try:
        (root / "last-run.json").unlink(missing_ok=True)
    except OSError as exc:
        _say(f"could not remove the previous {root / 'last-run.json'} ({exc.strerror})")


def _check_images(settings) -> str | None:
    """Why the SINACRAWL_IMAGES settings cannot be used, or None."""
    try:
        settings.getbool("SINACRAWL_IMAGES")
    except ValueError:
        value = settings.get("SINACRAWL_IMAGES")
        return f"-s SINACRAWL_IMAGES={value}: give 1 (store the images) or 0"
    prefix = settings.get("SINACRAWL_IMAGES_URL")
    if not isinstance(prefix, str) or not prefix.strip() or any(c.isspace() for c in prefix):
        return f"-s SINACRAWL_IMAGES_URL={prefix}: give a URL prefix without spaces, e.g. /images/"
    return None


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Run a spider; exit non-zero when the run failed (sinacrawl)"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        settings = crawler.settings
        unknown = getattr(crawler.spidercls, "unknown_arguments", None)
        wrong = unknown(opts.spargs) if unknown is not None else []
        if wrong:
            takes = ", ".join(getattr(crawler.spidercls, "argument_names", list)()) or "none"
            _say(
                f"-a {wrong[0]}=: the {args[0]} spider takes no such argument (it takes: "
                f"{takes}); not starting",
                settings,
            )
            self.exitcode = EXIT_USAGE
            return
        why = _check_sources(settings)
        if why:
            _say(f"{why}; not starting", settings)
            self.exitcode = EXIT_USAGE
            return
        check = getattr(crawler.spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(crawler.settings, **opts.spargs)
            except BadArgument as exc:
                _say(f"{exc}; not starting", settings)
                self.exitcode = EXIT_USAGE
                return
        why = _check_images(crawler.settings)
        if why:
            _say(f"{why}; not starting", settings)
            self.exitcode = EXIT_USAGE
            return
        from sinacrawl.feeds import check_settings

        why = check_settings(crawler.settings)
        if why:
            _say(f"{why}; not starting", settings)
            self.exitcode = EXIT_USAGE
            return
        lock = None
        if crawler.settings.get("SINACRAWL_OUTPUT_DIR") == "":
            _say(
                "-s SINACRAWL_OUTPUT_DIR= is empty: give the output folder; not starting", settings
            )
            self.exitcode = EXIT_USAGE
            return
        if distributed.is_worker(crawler.settings, crawler.spidercls.name):
            # a worker: no folder of its own, the archive's state is shared in Redis
            try:
                client = distributed.client_for(crawler)
            except distributed.RedisUnreachable as exc:
                _say(f"{exc}; not starting")
                self.exitcode = EXIT_FAILED
                return
            shared = distributed.RedisState(client, distributed.prefix(crawler.settings))
            setattr(crawler, PREOPENED, (shared, {}))
        root = output_dir(crawler.settings)
        if root is not None:
            why = _check_folder(root)
            if why:
                _say(f"{why}; not starting", settings)
                self.exitcode = EXIT_USAGE
                return
            made = not root.exists()
            lock = OutputLock(root)
            try:
                lock.acquire()
                state = load_object(crawler.settings.get("SINACRAWL_STATE_CLASS"))(root)
                # (recover() writes: a full disk shows here, as one line)
                setattr(crawler, PREOPENED, (state, state.recover()))
            except FolderLocked as exc:
                _say(f"{exc}; not starting", settings)
                self.exitcode = EXIT_LOCKED
                return
            except (ArchiveUnusable, OSError) as exc:
                lock.release()
                if made:  # nothing half-made is left behind
                    for leftover in sorted(root.rglob("*"), reverse=True):
                        leftover.rmdir() if leftover.is_dir() else leftover.unlink()
                    root.rmdir()
                text = (
                    str(exc)
                    if isinstance(exc, ArchiveUnusable)
                    else (f"cannot use {root} as the output folder ({exc.strerror or exc})")
                )
                _say(f"{text}; not starting", settings)
                self.exitcode = EXIT_USAGE
                if _unavailable(exc):
                    # a failed run (a full disk…), not a user's mistake: no older success
                    # is left standing in last-run.json
                    self.exitcode = EXIT_FAILED
                    _forget_last_run(root)
                return
        try:
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            if lock:
                lock.release()
        report = getattr(crawler, "sinacrawl_report", None)
        if self.crawler_process.bootstrap_failed or report is None or report["failed"]:
            self.exitcode = EXIT_FAILED
