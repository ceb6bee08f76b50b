"""Send every request to one HTTP server (a local mirror or a fault-injecting test server)
while spiders, middlewares and items keep Sina's real URLs.

``SINACRAWL_UPSTREAM=http://127.0.0.1:8080`` turns it on: the request for
``https://finance.sina.com.cn/x.shtml`` goes to ``<upstream>/fetch?u=<quoted URL>`` and the
response comes back under its real URL. Being a download handler, it sits below robots.txt,
retries, redirects and the offsite filter, which all see the real URLs.
"""

from __future__ import annotations

from urllib.parse import quote

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import NotConfigured


class UpstreamDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        self.upstream = (crawler.settings.get("SINACRAWL_UPSTREAM") or "").rstrip("/")
        if not self.upstream.startswith(("http://127.", "http://localhost", "http://[::1]")):
            raise NotConfigured("SINACRAWL_UPSTREAM must be an http:// loopback address")
        super().__init__(crawler)

    async def download_request(self, request):
        proxied = request.replace(url=f"{self.upstream}/fetch?u={quote(request.url, safe='')}")
        response = await super().download_request(proxied)
        return response.replace(url=request.url, request=request)
