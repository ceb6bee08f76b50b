"""``scrapy view``, leaving the archive alone (see ``noarchive``)."""

from scrapy.commands.view import Command as ScrapyView

from sinacrawl.commands.noarchive import NoArchive


class Command(NoArchive, ScrapyView):
    pass
