"""Fault behaviours for tests/sitesrv.py: each takes the request handler and answers badly."""

from __future__ import annotations

import gzip
import socket
import struct
import time


def send(h, code: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
    """Answer the request with exactly these bytes."""
    h.send_response(code)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def status(code: int, headers: dict | None = None):
    def fault(h, url):
        body = b"<html><body>error</body></html>"
        h.send_response(code)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return fault


def reset(h, url):
    """Close the connection with an RST, mid-request."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def timeout(seconds: float):
    def fault(h, url):
        time.sleep(seconds)
        reset(h, url)

    return fault


def truncated(server):
    """Promise the whole body, send half of it, hang up."""

    def fault(h, url):
        code, headers, body = server.answer(url)
        h.send_response(code)
        for k, v in headers.items():
            if k.lower() != "content-length":
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        reset(h, url)

    return fault


def redirect(location: str):
    def fault(h, url):
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return fault


def gzip_bomb(megabytes: int = 64):
    bomb = gzip.compress(b"\0" * (megabytes * 1024 * 1024), compresslevel=9)

    def fault(h, url):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(bomb)))
        h.end_headers()
        h.wfile.write(bomb)

    return fault


def oversized(megabytes: int):
    def fault(h, url):
        chunk = ("<p>　　填充文字。</p>" * 1000).encode()
        total = megabytes * 1024 * 1024
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(total))
        h.end_headers()
        sent = 0
        try:
            while sent < total:
                part = chunk[: total - sent]
                h.wfile.write(part)
                sent += len(part)
        except OSError:
            pass

    return fault


def relabel(server, content_type: str):
    """The right bytes under a wrong charset label."""

    def fault(h, url):
        code, headers, body = server.answer(url)
        h.send_response(code)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return fault
