"""Local copies of a post's images: where the bytes go, what they are, and the body and head
image rewritten to point at them. Pure functions; the I/O is pipelines/images.py.

An image is stored once, under the SHA-256 of its bytes (``images/<2 hex>/<sha256>.<ext>``
in the archive), whatever URL or post it came from; the folder level keeps any one folder
below a few thousand files.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping

IMAGES_DIR = "images"
DEFAULT_URL_PREFIX = "/images/"

# Raster formats only, told by their first bytes (never by the URL or Content-Type, which
# lie): an SVG or an HTML error page saved under the site's own origin could run script.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"WEBP", 8, "webp"),  # RIFF....WEBP
    (b"ftypavif", 4, "avif"),
    (b"BM", 0, "bmp"),
)

# <img … src="…"> as the cleaner (nh3) writes it: every attribute value double-quoted (a
# value may hold ">" but never a raw '"').
_IMG_SRC = re.compile(r'(<img\b(?:[^>"]|"[^"]*")*?\ssrc=")([^"]*)(")', re.I)


def image_type(data: bytes) -> str | None:
    """The file extension of a raster image's bytes, or None when they are no image.

    >>> image_type(b"\\x89PNG\\r\\n\\x1a\\n...."), image_type(b"<svg onload=x>"), image_type(b"")
    ('png', None, None)
    """
    if data[:4] == b"RIFF" and data[8:12] != b"WEBP":
        return None
    for magic, offset, ext in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return ext
    return None


def image_path(data: bytes, ext: str) -> str:
    """The image's path inside the archive, from its bytes alone.

    >>> image_path(b"x", "png")
    'images/2d/2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881.png'
    """
    digest = hashlib.sha256(data).hexdigest()
    return f"{IMAGES_DIR}/{digest[:2]}/{digest}.{ext}"


def local_url(prefix: str, path: str) -> str:
    """The URL a post shows for the stored image at ``path`` (``images/…``).

    >>> local_url("/images/", "images/2d/2d71.png"), local_url("/blog/img", "images/2d/2d71.png")
    ('/images/2d/2d71.png', '/blog/img/2d/2d71.png')
    """
    rest = path[len(IMAGES_DIR) + 1 :] if path.startswith(IMAGES_DIR + "/") else path
    return prefix.rstrip("/") + "/" + rest


def body_images(body: str) -> list[str]:
    """The ``src`` of every ``<img>`` of a cleaned body, in order, each once.

    >>> body_images('<img src="https://a/x.png?a=1&amp;b=2" alt=""><img src="https://a/x.png?a=1&amp;b=2">')
    ['https://a/x.png?a=1&b=2']
    """
    return list(dict.fromkeys(html.unescape(m.group(2)) for m in _IMG_SRC.finditer(body or "")))


def rewrite_sources(body: str, local: Mapping[str, str]) -> str:
    """The body with each ``<img src>`` found in ``local`` (remote URL → local URL) replaced;
    everything else, byte for byte, as it was.

    >>> rewrite_sources('<img src="https://a/x.png" alt="y">', {"https://a/x.png": "/i/c.png"})
    '<img src="/i/c.png" alt="y">'
    """
    if not local:
        return body

    def swap(m: re.Match) -> str:
        url = local.get(html.unescape(m.group(2)))
        if url is None:
            return m.group(0)
        return m.group(1) + html.escape(url, quote=True) + m.group(3)

    return _IMG_SRC.sub(swap, body)


def wanted(urls: Iterable[str | None]) -> list[str]:
    """The http(s) URLs among ``urls``, in order, each once (the head image is usually the
    body's first image as well)."""
    return list(dict.fromkeys(u for u in urls if u and u.startswith(("https://", "http://"))))
