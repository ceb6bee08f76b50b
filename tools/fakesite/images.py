"""(--special) every image the article pages show, recorded as small generated PNG/JPEG bytes
that depend on the URL alone, so a crawl storing images (SINACRAWL_IMAGES) has them."""

from __future__ import annotations

import hashlib
import html as htmllib
import re
import zlib
from urllib.parse import urlsplit

# sinacrawl.render.DEFAULT_IMAGE (kept here so the tool runs without the project): the head
# image of a post without one, so a crawl storing images asks for it too.
DEFAULT_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc=["']([^"']+)["']""", re.I)
_OG_IMAGE = re.compile(r"""<meta\s+property=["']og:image["']\s+content=["']([^"']+)["']""", re.I)


def png_bytes(seed: bytes) -> bytes:
    """A valid 8x8 PNG of one colour taken from ``seed``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    rgb = hashlib.sha256(seed).digest()[:3]
    rows = b"".join(b"\x00" + rgb * 8 for _ in range(8))
    header = (8).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes(seed: bytes) -> bytes:
    """A valid 8x8 mid-grey baseline JPEG, made unique by a comment holding ``seed``'s hash.

    One quantisation table of ones, one DC and one AC Huffman table with a single one-bit
    code each (DC difference 0, end of block): the scan is the bits 00, padded with ones."""

    def seg(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(data) + 2).to_bytes(2, "big") + data

    one_code = bytes([1] + [0] * 15) + b"\x00"
    return (
        b"\xff\xd8"
        + seg(0xFE, hashlib.sha256(seed).hexdigest().encode("ascii"))
        + seg(0xDB, b"\x00" + b"\x01" * 64)
        + seg(0xC0, bytes([8, 0, 8, 0, 8, 1, 1, 0x11, 0]))
        + seg(0xC4, b"\x00" + one_code)
        + seg(0xC4, b"\x10" + one_code)
        + seg(0xDA, bytes([1, 1, 0x00, 0, 63, 0]))
        + b"\x3f\xff\xd9"
    )


def page_images(page: str) -> list[str]:
    """The https URLs of a page's images and og:image, as a crawler would fetch them."""
    found = []
    for raw in _IMG_SRC.findall(page) + _OG_IMAGE.findall(page):
        url = htmllib.unescape(raw.strip())
        if url.startswith("//"):
            url = "https:" + url
        elif url.startswith("http://"):
            url = "https://" + url[len("http://") :]
        if url.startswith("https://"):
            found.append(url)
    return found


class Images:
    """Site mixin: ``image_urls`` gathered while pages are written, then recorded."""

    image_urls: list[str]
    images: list[dict]

    def write_images(self) -> None:
        """Every image the article pages show (and the default head image): JPEG bytes for
        .jpg/.jpeg URLs, PNG for the rest. Nothing else of the site changes."""
        for url in sorted(set(self.image_urls) | {DEFAULT_IMAGE}):
            digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
            path = urlsplit(url).path.lower()
            if path.endswith((".jpg", ".jpeg")):
                body, kind = jpeg_bytes(url.encode("utf-8")), "image/jpeg"
            else:
                body, kind = png_bytes(url.encode("utf-8")), "image/png"
            folder = f"images/{digest}"
            meta = {"status": 200, "headers": {"Content-Type": kind}}
            self.record(folder, url, "body", body, meta)  # type: ignore[attr-defined]
            self.images.append(
                {
                    "url": url,
                    "recording": folder,
                    "type": kind,
                    "sha256": hashlib.sha256(body).hexdigest(),
                }
            )
