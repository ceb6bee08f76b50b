"""``scrapy parse``, leaving the archive alone (see ``noarchive``)."""

from scrapy.commands.parse import Command as ScrapyParse

from sinacrawl.commands.noarchive import NoArchive


class Command(NoArchive, ScrapyParse):
    pass
