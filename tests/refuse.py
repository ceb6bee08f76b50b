"""A test downloader middleware: robots.txt of one host fails as a refused TCP connection.

The test server listens on one port for every host, so it cannot refuse one host's
connections; this raises, for ``https://<SINACRAWL_TEST_REFUSE_HOST>/robots.txt``, the very
exception Twisted's connector gives when nothing listens (``ConnectionRefusedError``),
before the download handler runs. Every other request goes on to the server.
"""

from __future__ import annotations

from twisted.internet.error import ConnectionRefusedError as Refused


class RefuseRobots:
    def __init__(self, host: str):
        self.url = f"https://{host}/robots.txt"

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("SINACRAWL_TEST_REFUSE_HOST"))

    def process_request(self, request, spider=None):
        if request.url == self.url:
            raise Refused(f"connection refused: {self.url}")
        return None
