"""``scrapy check``, leaving the archive alone (see ``noarchive``)."""

from scrapy.commands.check import Command as ScrapyCheck

from sinacrawl.commands.noarchive import NoArchive


class Command(NoArchive, ScrapyCheck):
    pass
