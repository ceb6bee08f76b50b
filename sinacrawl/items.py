"""The article item that page objects fill and pipelines consume (read through itemadapter)."""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    id = scrapy.Field()  # Sina's 14-char id, or "u" + hash for old numeric URLs
    url = scrapy.Field()  # canonical URL (https, no tracking query)
    fetched_url = scrapy.Field()  # the URL the page was fetched from
    title = scrapy.Field()
    published = scrapy.Field()  # aware datetime
    source = scrapy.Field()  # media source (中国证券报, 新京报 …), for the index
    column = scrapy.Field()  # column key in SINACRAWL_COLUMNS
    column_forced = scrapy.Field()  # True: the user asked for this column (re-files)
    keywords = scrapy.Field()  # list[str]
    editor = scrapy.Field()  # "责任编辑：…" line
    images = scrapy.Field()  # content image URLs of the raw body, absolute https
    og_image = scrapy.Field()
    headimg = scrapy.Field()  # the head image's local URL, when stored (SINACRAWL_IMAGES)
    body_html = scrapy.Field()  # the raw article container's HTML
    body = scrapy.Field()  # cleaned body HTML (set by the clean pipeline)
    mtime = scrapy.Field()  # roll API modification time (epoch seconds), when discovered there
