"""A recorded Sina site served on 127.0.0.1 for the crawl benchmarks, in a process of its own.

The same protocol as ``tests/sitesrv.py`` (``GET /fetch?u=<Sina URL>``, reached by spiders
through ``SINACRAWL_UPSTREAM``) and the same answers (``sinacrawl.replay``), but every
response is built once at start-up and kept in memory, so serving costs the spiders under
test as little as possible. Two implementations:

- ``aiohttp`` (default): one asyncio process;
- ``stdlib``: ``http.server.ThreadingHTTPServer``, as in the tests (to show whether it is
  the bottleneck).

Besides ``/fetch``: ``GET /__stats`` answers the requests seen since the last reset as JSON
(``{"total", "by_kind": {api, article, robots, list}, "first", "last"}``, times from
``time.time()``), ``GET /__reset`` clears them.

    python bench/server.py SITE_DIR [--impl aiohttp|stdlib] [--port 0] [--cpu N]

prints ``listening http://127.0.0.1:PORT`` on stdout once it accepts connections.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sinacrawl.replay import load_recordings, recorded_response, replay_key  # noqa: E402

NOT_FOUND = (404, {"Content-Type": "text/html"}, b"<html><title>404</title></html>")


def kind_of(url: str) -> str:
    """The kinds tests/sitesrv.py counts (api, robots, list, article)."""
    if "/api/roll/" in url:
        return "api"
    if url.endswith("/robots.txt"):
        return "robots"
    if "/index_" in url:
        return "list"
    return "article"


class Site:
    def __init__(self, root: Path):
        self.answers: dict[str, tuple[int, dict, bytes]] = {}
        for key, folder in load_recordings(root).items():
            url = (folder / "url.txt").read_text(encoding="utf-8").strip()
            resp = recorded_response(url, folder)
            headers = {k.decode(): v[0].decode("latin-1") for k, v in resp.headers.items()}
            self.answers[key] = (resp.status, headers, resp.body)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.kinds: Counter = Counter()
            self.first: float | None = None
            self.last: float | None = None

    def answer(self, url: str) -> tuple[int, dict, bytes]:
        now = time.time()
        with self.lock:
            self.kinds[kind_of(url)] += 1
            if self.first is None:
                self.first = now
            self.last = now
        return self.answers.get(replay_key(url), NOT_FOUND)

    def stats(self) -> bytes:
        with self.lock:
            return json.dumps(
                {
                    "total": sum(self.kinds.values()),
                    "by_kind": dict(self.kinds),
                    "first": self.first,
                    "last": self.last,
                }
            ).encode()


def serve_aiohttp(site: Site, port: int) -> None:
    import asyncio

    from aiohttp import web

    async def fetch(request):
        status, headers, body = site.answer(request.query.get("u", ""))
        return web.Response(status=status, headers=headers, body=body)

    async def stats(_request):
        return web.Response(body=site.stats(), content_type="application/json")

    async def reset(_request):
        site.reset()
        return web.Response(text="ok")

    async def main():
        app = web.Application()
        app.router.add_get("/fetch", fetch)
        app.router.add_get("/__stats", stats)
        app.router.add_get("/__reset", reset)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
        await tcp.start()
        bound = runner.addresses[0][1]
        print(f"listening http://127.0.0.1:{bound}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_stdlib(site: Site, port: int) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path == "/__stats":
                status, headers, body = 200, {"Content-Type": "application/json"}, site.stats()
            elif parts.path == "/__reset":
                site.reset()
                status, headers, body = 200, {"Content-Type": "text/plain"}, b"ok"
            else:
                status, headers, body = site.answer(parse_qs(parts.query).get("u", [""])[0])
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    print(f"listening http://127.0.0.1:{httpd.server_address[1]}", flush=True)
    httpd.serve_forever()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--impl", choices=("aiohttp", "stdlib"), default="aiohttp")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    args = ap.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    site = Site(args.site)
    (serve_aiohttp if args.impl == "aiohttp" else serve_stdlib)(site, args.port)


if __name__ == "__main__":
    main()
