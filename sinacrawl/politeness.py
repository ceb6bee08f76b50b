"""Politeness under failure, where stock Scrapy is too trusting.

``StrictRobotsTxtMiddleware``: a robots.txt that answers 5xx or cannot be fetched means *no*
fetching on that host (RFC 9309 §2.3.1.4), not "allow everything".
``BackoffRetryMiddleware``: retries wait, with exponential backoff, and a ``Retry-After``
(429/503) slows the whole host down for as long as it asks (capped).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from sinacrawl.shutdown import pause, stopping

logger = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ROBOTS_UNAVAILABLE = "robots.txt unavailable"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.unavailable: set[str] = set()
        self.tries = 1 + crawler.settings.getint("RETRY_TIMES")
        self.backoff = crawler.settings.getfloat("SINACRAWL_RETRY_BACKOFF")

    async def robot_parser(self, request):
        # Stock Scrapy lets the retry middleware answer the robots.txt download with a new
        # request, which resolves the host's parser as "allow all" while the retry is still
        # running. Here robots.txt is fetched with dont_retry and retried in this loop, so
        # every request to the host waits for the final answer.
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robotsurl = f"{url.scheme}://{url.netloc}/robots.txt"
            last_exc = None
            for attempt in range(self.tries):
                robotsreq = Request(
                    robotsurl,
                    priority=self.DOWNLOAD_PRIORITY,
                    callback=NO_CALLBACK,
                    meta={"dont_obey_robotstxt": True, "dont_retry": True},
                    dont_filter=True,
                )
                try:
                    resp = await self.crawler.engine.download_async(robotsreq)
                except Exception as exc:  # noqa: BLE001 - any failure means unavailable
                    last_exc, resp = exc, None
                if resp is not None and (resp.status < 500 or attempt == self.tries - 1):
                    await self._parse_robots(resp, netloc, request)
                    break
                if attempt < self.tries - 1:
                    await asyncio.sleep(self.backoff * (2**attempt))
            else:
                self._robots_error(last_exc or IgnoreRequest("robots.txt failed"), netloc)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            # Each waiter gets its own Deferred: awaiting the shared one directly would hand
            # its result to the first waiter only and None ("allow all") to the others.
            mine: Deferred = Deferred()

            def relay(result):
                mine.callback(result)
                return result

            parser.addBoth(relay)
            return await maybe_deferred_to_future(mine)
        return parser

    def _disallow_all(self, netloc: str, why: str):
        self.unavailable.add(netloc)
        self._stats.set_value(f"sinacrawl/robots_unavailable/{netloc}", why)
        logger.error(
            "robots.txt of %s is unavailable (%s): nothing will be fetched from "
            "that host in this run (RFC 9309)",
            netloc,
            why,
        )
        return build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            response = response.replace(body=DISALLOW_ALL)
            self._disallow_all(netloc, f"HTTP {response.status}")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc):
        # Not super(): stock Scrapy resolves the host's pending Deferred with None ("allow
        # all"), so every request that waited through the robots.txt tries would be let
        # through; they get the disallow-all parser like the requests that come later.
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        parser = self._disallow_all(netloc, type(exc).__name__)
        pending = self._parsers.get(netloc)
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    def process_request_2(self, rp, request):
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            netloc = request.url.split("/")[2]
            if netloc in self.unavailable:
                raise IgnoreRequest(f"{ROBOTS_UNAVAILABLE} for {netloc}") from None
            raise


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or an HTTP date).

    >>> retry_after_seconds(b"120"), retry_after_seconds("Thu, 01 Jan 1970 00:01:00 GMT", now=0)
    (120.0, 60.0)
    >>> retry_after_seconds(b"soon") is None
    True
    """
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings, crawler=None):
        super().__init__(settings)
        self.crawler = crawler
        self.base = settings.getfloat("SINACRAWL_RETRY_BACKOFF")
        self.cap = settings.getfloat("SINACRAWL_RETRY_BACKOFF_MAX")
        self.after_cap = settings.getfloat("SINACRAWL_RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings, crawler)

    def _delay(self, request, asked: float | None) -> float:
        if asked is not None:
            return min(asked, self.after_cap)
        tries = request.meta.get("retry_times", 0)
        return min(self.cap, self.base * (2**tries)) * random.uniform(0.5, 1.0)

    def _slow_host(self, request, seconds: float) -> None:
        """Make the host's download slot keep at least ``seconds`` between requests."""
        downloader = getattr(getattr(self.crawler, "engine", None), "downloader", None)
        if downloader is None:
            return
        key = request.meta.get("download_slot") or request.url.split("/")[2]
        slot = downloader.slots.get(key)
        if slot is not None and seconds > slot.delay:
            slot.delay = seconds
            self.crawler.stats.inc_value("sinacrawl/slowed_down")
            logger.warning("%s asked to slow down: %.0f s between requests", key, seconds)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        asked = None
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                self._slow_host(request, min(asked, self.after_cap))
        retry = get_retry_request(
            request,
            reason=response_status_message(response.status),
            spider=self.crawler.spider,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=self.priority_adjust,
        )
        if retry is None or stopping(self.crawler):
            return response
        if not await pause(self.crawler, self._delay(request, asked)):
            return response  # stopping: no retry (the article stays in the frontier)
        return retry

    async def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = get_retry_request(
            request,
            reason=exception,
            spider=self.crawler.spider,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=self.priority_adjust,
        )
        if retry is None or stopping(self.crawler):
            return None
        if not await pause(self.crawler, self._delay(request, None)):
            return None
        return retry
