"""A recorded Sina site served over HTTP on 127.0.0.1, for end-to-end tests.

Spiders reach it through ``SINACRAWL_UPSTREAM`` (sinacrawl/upstream.py): a request for a
Sina URL arrives as ``GET /fetch?u=<url>``. ``faults`` lets a test decide, per request, to
answer something else (an error, a delay, a cut connection…).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sinacrawl.replay import load_recordings, recorded_response, replay_key


class SiteServer:
    def __init__(self, root: Path, faults=None):
        self.recordings = load_recordings(root)
        self.overrides: dict[str, tuple[int, dict, bytes]] = {}
        self.faults = faults
        self.log: list[str] = []
        self.attempts: Counter = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                url = parse_qs(urlsplit(self.path).query).get("u", [""])[0]
                key = replay_key(url)
                with server.lock:
                    server.log.append(url)
                    server.attempts[key] += 1
                    attempt = server.attempts[key]
                if server.faults is not None and server.faults(self, url, attempt):
                    return
                status, headers, body = server.answer(url)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, url: str) -> tuple[int, dict, bytes]:
        key = replay_key(url)
        if key in self.overrides:
            return self.overrides[key]
        folder = self.recordings.get(key)
        if folder is None:
            return 404, {"Content-Type": "text/html"}, b"<html><title>404</title></html>"
        resp = recorded_response(url, folder)
        headers = {k.decode(): v[0].decode("latin-1") for k, v in resp.headers.items()}
        return resp.status, headers, resp.body

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def requests_of(self, kind: str) -> list[str]:
        if kind == "api":
            return [u for u in self.log if "/api/roll/" in u]
        if kind == "robots":
            return [u for u in self.log if u.endswith("/robots.txt")]
        if kind == "list":
            return [u for u in self.log if "/index_" in u]
        return [
            u
            for u in self.log
            if "/api/roll/" not in u and "/index_" not in u and not u.endswith("/robots.txt")
        ]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        time.sleep(0)
