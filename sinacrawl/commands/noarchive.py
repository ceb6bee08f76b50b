"""Scrapy's commands that fetch or parse one page (``parse``, ``fetch``, ``shell``, ``view``,
``check``): they never open the archive, so they neither touch its state nor its run report,
and need no lock. Only ``scrapy crawl`` writes an archive."""

from __future__ import annotations


class NoArchive:
    """Mixin: the command runs with ``SINACRAWL_OUTPUT_DIR`` unset."""

    def process_options(self, args, opts):
        super().process_options(args, opts)  # type: ignore[misc]
        self.settings.set("SINACRAWL_OUTPUT_DIR", None, priority="cmdline")  # type: ignore[attr-defined]
