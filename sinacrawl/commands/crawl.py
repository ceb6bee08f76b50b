"""``scrapy crawl`` with an honest exit status and one writer per output folder.

Exit 0 when the run succeeded, 1 when the run report says it failed (see README), 3 when
another run holds the output folder.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from sinacrawl.archive import output_dir
from sinacrawl.lock import FolderLocked, OutputLock
from sinacrawl.report import EXIT_FAILED, EXIT_LOCKED


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Run a spider; exit non-zero when the run failed (sinacrawl)"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        lock = None
        root = output_dir(crawler.settings)
        if root is not None:
            lock = OutputLock(root)
            try:
                lock.acquire()
            except FolderLocked as exc:
                print(f"sinacrawl: {exc}; not starting", file=sys.stderr)
                self.exitcode = EXIT_LOCKED
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
