"""``scrapy shell``, leaving the archive alone (see ``noarchive``)."""

from scrapy.commands.shell import Command as ScrapyShell

from sinacrawl.commands.noarchive import NoArchive


class Command(NoArchive, ScrapyShell):
    pass
