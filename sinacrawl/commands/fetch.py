"""``scrapy fetch``, leaving the archive alone (see ``noarchive``)."""

from scrapy.commands.fetch import Command as ScrapyFetch

from sinacrawl.commands.noarchive import NoArchive


class Command(NoArchive, ScrapyFetch):
    pass
