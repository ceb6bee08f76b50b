"""The crawl benchmark's baseline: a spider that requests what ``roll`` requests and does
nothing with the answers.

It is a SinaSpider (same upstream download handler, same allowed domains) run with the
project's settings (same middlewares: strict robots.txt, retries, request stats, and the run
report), and requests every roll-API page of the given columns and every article they list,
read from a sitegen ``manifest.json``; each answer is dropped unread.

    scrapy runspider bench/noop_spider.py -a manifest=SITE/manifest.json [-a columns=china] \
        -s SINACRAWL_UPSTREAM=http://127.0.0.1:PORT -s SINACRAWL_OUTPUT_DIR=TMP ...
"""

from __future__ import annotations

import json

import scrapy

from sinacrawl.spider import SinaSpider


class NoopSpider(SinaSpider):
    name = "bench_noop"

    def __init__(self, manifest: str = "", columns: str = "china", **kwargs):
        super().__init__(**kwargs)
        self.manifest_path = manifest
        self.column_keys = [c for c in columns.split(",") if c]

    async def start(self):
        with open(self.manifest_path, encoding="utf-8") as fh:
            site = json.load(fh)
        wanted = set(self.column_keys)
        for key in self.column_keys:
            for url in site["columns"][key]["urls"]:
                yield scrapy.Request(url, callback=self.ignore, meta={"sinacrawl_kind": "api"})
        for article in site["articles"]:
            if wanted & set(article["columns"]):
                yield scrapy.Request(
                    article["url"],
                    callback=self.ignore,
                    meta={"sinacrawl_kind": "article", "handle_httpstatus_list": [404, 410]},
                )

    def ignore(self, response):
        return None
