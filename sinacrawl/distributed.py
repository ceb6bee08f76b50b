"""Several workers on one Redis (``SINACRAWL_REDIS_URL``), and the archivist that writes.

Workers (``scrapy crawl roll|lists|article -s SINACRAWL_REDIS_URL=…``) share through Redis:

- one request queue per spider kind (a ZSET by priority, scrapy-redis's ``Scheduler`` and
  queue base, subclassed): a popped request is *leased* (``LeasedQueue``) with a deadline
  that its live worker renews; the lease is acknowledged only once the response's callback
  and every item it gave have been handled (the item handed to the archivist). A worker
  killed with ``kill -9`` stops renewing: after ``SINACRAWL_REDIS_LEASE`` seconds its
  requests go back to the queue for another worker;
- one dupefilter per *run* (``RunDupeFilter``): a run starts when a worker joins while no
  other is alive, and the previous run's fingerprints are deleted then, so the filter never
  grows without bound and never hides a later run's re-check; an article's fingerprint is
  its id, mtime and URL, so an update (newer mtime) or a moved URL is fetched again within
  a run too;
- the archive's state (``RedisState``): known ids, URLs, aliases, body hashes, tombstones,
  the frontier with its backoff waits, and watermarks; the archivist seeds it from the
  archive's index and mirrors every write into it (``MirroredState``).

Workers hand finished items to the archivist through a Redis list; the archivist moves each
into its processing list, writes it through the writing pipelines, and removes it only then
(a killed archivist's items are taken again by the next one). The released scrapy-redis
(0.9.1) spider mixin reads ``start_requests`` only (its issue #305): our spiders keep their
own async ``start()``, and only the scheduler, queue base and dupefilter are used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from datetime import datetime
from typing import Any

import redis
from itemadapter import ItemAdapter
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from sinacrawl.items import ArticleItem
from sinacrawl.state import ArchiveState, Deferred, Record, SqliteState, _now, backoff
from sinacrawl.urls import canonical_url

logger = logging.getLogger(__name__)

ARCHIVIST = "archivist"
CLIENT_ATTR = "_sinacrawl_redis"
# numeric stats a worker reports to the archivist (summed into its run report)
_REPORTED = ("sinacrawl/", "downloader/request_count", "item_scraped_count")
_ARCHIVIST_OWN = ("sinacrawl/written/", "sinacrawl/unchanged", "sinacrawl/handed")


class RedisUnreachable(RuntimeError):
    """Redis cannot be reached: the message is the one line to show."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def enabled(settings) -> bool:
    return bool(settings.get("SINACRAWL_REDIS_URL"))


def connect(url: str, retry_for: float = 60.0) -> redis.Redis:
    """A client for ``url`` that rides out a Redis restart for about ``retry_for`` seconds;
    RedisUnreachable at once when Redis cannot be reached now."""
    try:
        probe = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
        probe.ping()
        probe.close()
    except (redis.RedisError, ValueError, OSError) as exc:
        raise RedisUnreachable(f"cannot reach Redis at {url} ({exc})") from None
    errors: list[type[Exception]] = [
        redis.ConnectionError,
        redis.TimeoutError,
        redis.BusyLoadingError,
    ]
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=3,
        socket_timeout=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), max(1, int(retry_for))),
        retry_on_error=errors,
    )


def client_for(crawler) -> redis.Redis:
    """The crawler's one Redis client (made on first use)."""
    client = getattr(crawler, CLIENT_ATTR, None)
    if client is None:
        settings = crawler.settings
        client = connect(
            settings.get("SINACRAWL_REDIS_URL"), settings.getfloat("SINACRAWL_REDIS_RETRY")
        )
        setattr(crawler, CLIENT_ATTR, client)
    return client


def prefix(settings) -> str:
    return settings.get("SINACRAWL_REDIS_PREFIX") or "sinacrawl"


def is_worker(settings, spider_name: str) -> bool:
    return enabled(settings) and spider_name != ARCHIVIST


def worker_settings(settings, spider_name: str) -> None:
    """What SINACRAWL_REDIS_URL changes for a worker (called from update_settings)."""
    if not is_worker(settings, spider_name):
        return
    p = prefix(settings)
    settings.set("SCHEDULER", "sinacrawl.distributed.LeasedScheduler", priority="cmdline")
    settings.set("SCHEDULER_QUEUE_KEY", f"{p}:%(spider)s:requests", priority="cmdline")
    settings.set("SINACRAWL_OUTPUT_DIR", None, priority="cmdline")  # workers have no archive
    pipelines = {
        "pipelines.validate.ValidatePipeline": 100,
        "pipelines.dedupe.DedupePipeline": 200,
        "pipelines.clean.CleanPipeline": 300,
        "sinacrawl.distributed.HandoffPipeline": 400,
    }
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")


# -- the archive's state in Redis -----------------------------------------------------------
class RedisState(ArchiveState):
    """ArchiveState in Redis hashes, shared by every worker. Workers never write posts: the
    archivist mirrors what it writes (``remember``)."""

    def __init__(self, client: redis.Redis, key_prefix: str = "sinacrawl"):
        self.r = client
        k = f"{key_prefix}:state"
        self.k_known, self.k_urls, self.k_aliases = f"{k}:known", f"{k}:urls", f"{k}:aliases"
        self.k_bodies, self.k_tomb = f"{k}:bodies", f"{k}:tombstones"
        self.k_frontier, self.k_marks, self.k_seeded = (
            f"{k}:frontier",
            f"{k}:watermarks",
            f"{k}:seeded",
        )

    # -- reads ---------------------------------------------------------------------------
    def get(self, article_id: str) -> Record | None:
        raw = self.r.hget(self.k_known, article_id)
        if raw is not None:
            return Record(**json.loads(raw))
        alias = self.r.hget(self.k_aliases, article_id)
        if alias is not None:
            return self.get(json.loads(alias)["id"])
        return None

    def id_for_url(self, url: str) -> str | None:
        raw = self.r.hget(self.k_urls, url)
        return _text(raw) if raw is not None else None

    def id_for_body(self, body_hash: str) -> str | None:
        raw = self.r.hget(self.k_bodies, body_hash)
        return _text(raw) if raw is not None else None

    def count(self) -> int:
        return int(self.r.hlen(self.k_known))

    def recover(self) -> dict[str, int]:
        return {}

    def tombstone(self, article_id):
        raw = self.r.hget(self.k_tomb, article_id)
        if raw is None:
            return None
        row = json.loads(raw)
        return row["reason"], row.get("mtime"), row.get("url")

    def _frontier_row(self, article_id: str) -> dict | None:
        raw = self.r.hget(self.k_frontier, article_id)
        return json.loads(raw) if raw is not None else None

    def deferred(self, article_id):
        row = self._frontier_row(article_id)
        if row is None or row.get("not_before") is None:
            return None
        return Deferred(row["url"], row.get("last_reason"), row["attempts"], row["not_before"])

    def frontier(self, now=None):
        now = int(time.time()) if now is None else now
        rows = []
        for key, raw in self.r.hgetall(self.k_frontier).items():
            row = json.loads(raw)
            if row.get("not_before") is None or row["not_before"] <= now:
                rows.append((row["discovered"], _text(key), row))
        return [
            (aid, row["url"], row.get("column"), row.get("mtime"), row.get("attempts", 0))
            for _d, aid, row in sorted(rows, key=lambda r: (r[0], r[1]))
        ]

    def watermark(self, column: str) -> int | None:
        raw = self.r.hget(self.k_marks, column)
        return int(raw) if raw is not None else None

    # -- writes --------------------------------------------------------------------------
    def add_frontier(self, article_id, url, column, mtime) -> None:
        row = self._frontier_row(article_id) or {"discovered": _now(), "attempts": 0}
        row.update(url=url, not_before=None)
        row["column"] = column if column is not None else row.get("column")
        row["mtime"] = mtime if mtime is not None else row.get("mtime")
        self.r.hset(self.k_frontier, article_id, json.dumps(row))

    def settle(self, article_id, reason=None, url=None, mtime=None) -> None:
        pipe = self.r.pipeline()
        pipe.hdel(self.k_frontier, article_id)
        if reason:
            row = {"reason": reason, "url": url, "mtime": mtime, "dropped": _now()}
            pipe.hset(self.k_tomb, article_id, json.dumps(row))
        pipe.execute()

    def defer(self, article_id, url, column, mtime, reason, wait, now=None) -> Deferred:
        now = int(time.time()) if now is None else now
        row = self._frontier_row(article_id) or {"discovered": _now(), "attempts": 0}
        attempts = row.get("attempts", 0) + 1
        not_before = now + backoff(attempts, *wait)
        row.update(url=url, attempts=attempts, not_before=not_before, last_reason=reason)
        row["column"] = column if column is not None else row.get("column")
        row["mtime"] = mtime if mtime is not None else row.get("mtime")
        self.r.hset(self.k_frontier, article_id, json.dumps(row))
        return Deferred(url, reason, attempts, not_before)

    def set_watermark(self, column: str, ctime: int) -> None:
        old = self.watermark(column)
        if old is None or ctime > old:
            self.r.hset(self.k_marks, column, ctime)

    def add_alias(self, alias_id, article_id, url) -> None:
        pipe = self.r.pipeline()
        pipe.hset(self.k_aliases, alias_id, json.dumps({"id": article_id, "url": url}))
        if url:
            pipe.hset(self.k_urls, url, article_id)
        pipe.execute()

    def remember(self, record: Record) -> None:
        """An article the archivist wrote (or found unchanged): known to every worker."""
        pipe = self.r.pipeline()
        pipe.hset(self.k_known, record.id, json.dumps(vars(record), ensure_ascii=False))
        pipe.hset(self.k_urls, record.url, record.id)
        if record.body_hash:
            pipe.hset(self.k_bodies, record.body_hash, record.id)
        pipe.hdel(self.k_frontier, record.id)
        pipe.hdel(self.k_tomb, record.id)
        pipe.execute()

    def begin_write(self, record, tmp_path, old_path) -> None:
        raise NotImplementedError("workers do not write posts: the archivist does")

    finish_write = touch = begin_write  # type: ignore[assignment]


class MirroredState(SqliteState):
    """The archivist's state: the archive's SQLite index, every change mirrored to Redis so
    that the workers judge by it."""

    def __init__(self, root, shared: RedisState):
        super().__init__(root)
        self.shared = shared

    def seed(self) -> int:
        """Copy the index into Redis once (a Redis that already holds the state, as after an
        archivist restart, is left as it is); returns the articles copied."""
        if self.shared.r.exists(self.shared.k_seeded):
            return 0
        copied = 0
        for row in self.db.execute("SELECT id FROM articles").fetchall():
            record = SqliteState.get(self, row[0])
            if record is not None:
                self.shared.remember(record)
                copied += 1
        for alias, aid, url in self.db.execute("SELECT alias_id, id, url FROM aliases"):
            self.shared.add_alias(alias, aid, url)
        for aid, url, reason, mtime in self.db.execute(
            "SELECT id, url, reason, mtime FROM tombstones"
        ):
            self.shared.settle(aid, reason, url, mtime)
        for aid, url, column, mtime, discovered, attempts, not_before, reason in self.db.execute(
            "SELECT id, url, column_key, mtime, discovered, attempts, not_before, last_reason "
            "FROM frontier"
        ):
            row = dict(
                url=url,
                column=column,
                mtime=mtime,
                discovered=discovered,
                attempts=attempts,
                not_before=not_before,
                last_reason=reason,
            )
            self.shared.r.hset(self.shared.k_frontier, aid, json.dumps(row))
        for column, ctime in self.db.execute("SELECT column_key, ctime FROM watermarks"):
            self.shared.set_watermark(column, ctime)
        self.shared.r.set(self.shared.k_seeded, str(self.root))
        return copied

    def pull(self) -> None:
        """Bring the workers' frontier, tombstones and watermarks back into the index (at
        the archivist's end), so a later single-machine run goes on from them."""
        s = self.shared
        frontier = {_text(k): json.loads(v) for k, v in s.r.hgetall(s.k_frontier).items()}
        tombs = {_text(k): json.loads(v) for k, v in s.r.hgetall(s.k_tomb).items()}
        marks = {_text(k): int(v) for k, v in s.r.hgetall(s.k_marks).items()}
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM frontier")
            for aid, row in frontier.items():
                self.db.execute(
                    "INSERT INTO frontier(id, url, column_key, mtime, discovered, attempts, "
                    "not_before, last_reason) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        aid,
                        row["url"],
                        row.get("column"),
                        row.get("mtime"),
                        row["discovered"],
                        row.get("attempts", 0),
                        row.get("not_before"),
                        row.get("last_reason"),
                    ),
                )
            for aid, row in tombs.items():
                self.db.execute(
                    "INSERT OR REPLACE INTO tombstones(id, url, reason, mtime, dropped) "
                    "VALUES (?,?,?,?,?)",
                    (aid, row.get("url"), row["reason"], row.get("mtime"), row["dropped"]),
                )
            for column, ctime in marks.items():
                self.db.execute(
                    "INSERT INTO watermarks(column_key, ctime) VALUES (?, ?) ON CONFLICT"
                    "(column_key) DO UPDATE SET ctime=max(ctime, excluded.ctime)",
                    (column, ctime),
                )

    def finish_write(self, record: Record) -> None:
        super().finish_write(record)
        self.shared.remember(record)

    def touch(self, article_id, crawled, mtime) -> None:
        super().touch(article_id, crawled, mtime)
        record = SqliteState.get(self, article_id)
        if record is not None:
            self.shared.remember(record)

    def add_alias(self, alias_id, article_id, url) -> None:
        super().add_alias(alias_id, article_id, url)
        self.shared.add_alias(alias_id, article_id, url)

    def settle(self, article_id, reason=None, url=None, mtime=None) -> None:
        super().settle(article_id, reason, url, mtime)
        self.shared.settle(article_id, reason, url, mtime)

    def defer(self, article_id, url, column, mtime, reason, wait, now=None) -> Deferred:
        super().defer(article_id, url, column, mtime, reason, wait, now)
        return self.shared.defer(article_id, url, column, mtime, reason, wait, now)


# -- the leased request queue ---------------------------------------------------------------
_POP = """
local q, leases, prio, deadlines, owners, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now, deadline, worker = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local expired = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now)
for _, id in ipairs(expired) do
  local data = redis.call('HGET', leases, id)
  if data then redis.call('ZADD', q, redis.call('HGET', prio, id) or 0, data) end
  redis.call('HDEL', leases, id)
  redis.call('HDEL', prio, id)
  redis.call('HDEL', owners, id)
  redis.call('ZREM', deadlines, id)
end
local top = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
if #top == 0 then return {#expired} end
redis.call('ZREM', q, top[1])
local id = redis.call('INCR', seq)
redis.call('HSET', leases, id, top[1])
redis.call('HSET', prio, id, top[2])
redis.call('HSET', owners, id, worker)
redis.call('ZADD', deadlines, deadline, id)
return {#expired, id, top[1]}
"""

_JOIN = """
local workers, run, seen_prefix = KEYS[1], KEYS[2], ARGV[4]
local now, deadline, worker = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local live = redis.call('ZCOUNT', workers, '(' .. now, '+inf')
if live == 0 then
  redis.call('DEL', workers)
  local old = redis.call('GET', run)
  if old then redis.call('DEL', seen_prefix .. old) end
  redis.call('INCR', run)
end
redis.call('ZADD', workers, deadline, worker)
return redis.call('GET', run)
"""


class LeasedQueue(Base):
    """scrapy-redis's priority queue with acknowledgement: ``pop`` leases a request until a
    deadline the worker renews; ``ack`` ends the lease; an expired lease goes back to the
    queue at the next pop of any worker."""

    LEASE = "sinacrawl_lease"

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.timeout = settings.getfloat("SINACRAWL_REDIS_LEASE")
        self.worker = ""
        self.held: set[str] = set()
        k = self.key
        self.keys = [k, f"{k}:leases", f"{k}:prio", f"{k}:deadlines", f"{k}:owners", f"{k}:seq"]
        self._pop = server.register_script(_POP)
        self.reclaimed = 0

    def __len__(self) -> int:
        return int(self.server.zcard(self.key))

    def leased(self) -> int:
        return int(self.server.zcard(self.keys[3]))

    def push(self, request) -> None:
        lease = request.meta.pop(self.LEASE, None)  # (a redirect or retry of a leased one)
        data = self._encode_request(request)
        pipe = self.server.pipeline(transaction=True)
        pipe.zadd(self.key, {data: -request.priority})
        if lease:
            self._ack(pipe, lease)
        pipe.execute()

    def pop(self, timeout=0):
        reply = self._pop(
            keys=self.keys, args=[time.time(), time.time() + self.timeout, self.worker]
        )
        self.reclaimed += int(reply[0])
        if int(reply[0]):
            logger.info("%d requests of a worker that stopped answering taken back", reply[0])
        if len(reply) < 3:
            return None
        lease = reply[1].decode() if isinstance(reply[1], bytes) else str(reply[1])
        request = self._decode_request(reply[2])
        request.meta[self.LEASE] = lease
        self.held.add(lease)
        return request

    def _ack(self, pipe, lease: str) -> None:
        self.held.discard(lease)
        pipe.hdel(self.keys[1], lease)
        pipe.hdel(self.keys[2], lease)
        pipe.hdel(self.keys[4], lease)
        pipe.zrem(self.keys[3], lease)

    def ack(self, lease: str) -> None:
        pipe = self.server.pipeline(transaction=True)
        self._ack(pipe, lease)
        pipe.execute()

    def renew(self) -> None:
        if self.held:
            deadline = time.time() + self.timeout
            self.server.zadd(self.keys[3], dict.fromkeys(self.held, deadline), xx=True)

    def clear(self) -> None:
        self.server.delete(*self.keys)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter, kept for one run (the key carries the run's number) and
    fingerprinting an article by its evidence: id, mtime and URL."""

    def request_fingerprint(self, request):
        meta = request.meta
        if meta.get("sinacrawl_kind") == "article" and meta.get("sinacrawl_id"):
            evidence = [
                "article",
                meta["sinacrawl_id"],
                str(meta.get("sinacrawl_mtime")),
                # (canonical: a twin listed with tracking parameters is the same article)
                canonical_url(meta.get("sinacrawl_url") or request.url),
            ]
            return "|".join(evidence)
        return super().request_fingerprint(request)

    def close(self, reason=""):
        pass  # (the next run's first worker deletes it)


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler over ``LeasedQueue`` and ``RunDupeFilter``; a worker joins
    the run, renews its leases, and stays open while any worker still holds a request."""

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        server = client_for(crawler)
        p = prefix(settings)
        inst = cls(
            server=server,
            persist=True,
            queue_key=settings.get("SCHEDULER_QUEUE_KEY"),
            queue_cls="sinacrawl.distributed.LeasedQueue",
            dupefilter=RunDupeFilter(server, key=f"{p}:seen:pending"),
        )
        inst.stats = crawler.stats
        inst.crawler = crawler
        inst.prefix = p
        inst.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        return inst

    def open(self, spider):
        super().open(spider)
        self.queue.worker = self.worker
        self.timeout = self.queue.timeout
        run = self.server.register_script(_JOIN)(
            keys=[f"{self.prefix}:workers", f"{self.prefix}:run"],
            args=[time.time(), time.time() + self.timeout, self.worker, f"{self.prefix}:seen:"],
        )
        self.df.key = f"{self.prefix}:seen:{int(run)}"
        logger.info("worker %s joined run %s", self.worker, int(run))
        self.crawler.sinacrawl_queue = self.queue
        self.beat = task.LoopingCall(self.heartbeat)
        self.beat.start(max(0.5, self.timeout / 4), now=False)
        # an idle engine asks its scheduler only every 5 s: ask at once when others queued
        self.poll = task.LoopingCall(self.wake)
        self.poll.start(0.25, now=False)
        self.crawler.signals.connect(self.idle, signal=signals.spider_idle)
        self.crawler.signals.connect(self.wrap_scraper, signal=signals.engine_started)
        self.wrap_scraper()

    def heartbeat(self) -> None:
        try:
            self.server.zadd(f"{self.prefix}:workers", {self.worker: time.time() + self.timeout})
            self.queue.renew()
        except redis.RedisError as exc:
            logger.error("could not renew this worker's leases in Redis: %s", exc)

    def wake(self) -> None:
        slot = getattr(getattr(self.crawler, "engine", None), "_slot", None)
        try:
            if slot is not None and len(self.queue):
                slot.nextcall.schedule()
        except redis.RedisError:
            pass  # (the heartbeat says it)

    def wrap_scraper(self) -> None:
        """Acknowledge a leased request only once its response (or failure) was handled:
        the callback ran, its requests were queued and its items handed over."""
        engine = getattr(self.crawler, "engine", None)
        scraper = getattr(engine, "scraper", None)
        if scraper is None or getattr(scraper, "_sinacrawl_acks", False):
            return
        original = scraper._scrape
        queue = self.queue

        async def scrape(result, request):
            try:
                await original(result, request)
            finally:
                lease = request.meta.get(LeasedQueue.LEASE)
                if lease:
                    queue.ack(lease)

        scraper._scrape = scrape
        scraper._sinacrawl_acks = True

    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            lease = request.meta.pop(LeasedQueue.LEASE, None)
            if lease:  # (a redirect to a page already asked: its lease ends here)
                self.queue.ack(lease)
            self.df.log(request, self.spider)
            return False  # (the engine sends request_dropped)
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def idle(self, spider) -> None:
        # another worker may still page on and queue more: wait while anything is queued
        # or leased (an expired lease is taken back by a pop)
        try:
            if len(self.queue) or self.queue.leased():
                raise DontCloseSpider
        except redis.RedisError as exc:
            logger.error("Redis: %s", exc)

    def close(self, reason):
        for loop in (getattr(self, "beat", None), getattr(self, "poll", None)):
            if loop is not None and loop.running:
                loop.stop()
        try:
            self.server.zrem(f"{self.prefix}:workers", self.worker)
        except redis.RedisError:
            pass
        if self.queue.reclaimed:
            self.stats.set_value("sinacrawl/redis/reclaimed", self.queue.reclaimed)


# -- handing items to the archivist ---------------------------------------------------------
def encode_item(item) -> bytes:
    fields = dict(ItemAdapter(item))
    published = fields.get("published")
    if isinstance(published, datetime):
        fields["published"] = published.isoformat()
    return json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode_item(raw: bytes) -> ArticleItem:
    fields = json.loads(raw)
    if fields.get("published"):
        fields["published"] = datetime.fromisoformat(fields["published"])
    return ArticleItem(**fields)


class HandoffPipeline:
    """A worker's last pipeline: the cleaned item goes to the archivist through Redis."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.key = f"{prefix(crawler.settings)}:items"

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        client_for(self.crawler).lpush(self.key, encode_item(item))
        self.crawler.stats.inc_value("sinacrawl/handed")
        return item


def report_stats(crawler) -> None:
    """A worker's counts, for the archivist's report (at the worker's end)."""
    stats = {
        k: v
        for k, v in crawler.stats.get_stats().items()
        if k.startswith(_REPORTED) and isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    failed = {
        k: v
        for k, v in crawler.stats.get_stats().items()
        if k.startswith("sinacrawl/failed_columns/")
    }
    stats.update(failed)
    client_for(crawler).rpush(f"{prefix(crawler.settings)}:reports", json.dumps(stats))


# -- the archivist ----------------------------------------------------------------------------
class ItemFeed:
    """The archivist's side of the hand-over: take, acknowledge, give back."""

    def __init__(self, client: redis.Redis, key_prefix: str):
        self.r = client
        self.items = f"{key_prefix}:items"
        self.processing = f"{key_prefix}:items:processing"
        self.workers = f"{key_prefix}:workers"
        self.reports = f"{key_prefix}:reports"

    def give_back(self) -> int:
        """What a killed archivist took but never wrote goes back to the queue."""
        moved = 0
        while self.r.lmove(self.processing, self.items, "LEFT", "RIGHT") is not None:
            moved += 1
        return moved

    def take(self) -> Any:
        return self.r.lmove(self.items, self.processing, "RIGHT", "LEFT")

    def ack(self, raw: Any) -> None:
        self.r.lrem(self.processing, 1, raw)

    def workers_alive(self) -> int:
        return int(self.r.zcount(self.workers, f"({time.time()}", "+inf"))

    def waiting(self) -> int:
        return int(self.r.llen(self.items))

    def worker_reports(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.r.lrange(self.reports, 0, -1)]

    def forget_reports(self, count: int) -> None:
        self.r.ltrim(self.reports, count, -1)


async def feed_items(spider, feed: ItemFeed, idle_exit: float | None):
    """The archivist spider's start(): every handed item, until idle (or stopped)."""
    from sinacrawl.shutdown import stopping

    last = time.monotonic()
    while not stopping(spider.crawler):
        raw = feed.take()
        if raw is None:
            quiet = time.monotonic() - last
            if (
                idle_exit is not None
                and quiet >= idle_exit
                and not spider.inflight
                and not feed.workers_alive()
                and not feed.waiting()
            ):
                return
            await asyncio.sleep(0.2)
            continue
        last = time.monotonic()
        item = decode_item(raw)
        spider.inflight[id(item)] = raw
        yield item


def merge_reports(stats, reports: list[dict]) -> None:
    for report in reports:
        for key, value in report.items():
            if key.startswith(_ARCHIVIST_OWN):
                continue
            if isinstance(value, (int, float)):
                stats.inc_value(key, value)
            else:
                stats.set_value(key, value)
