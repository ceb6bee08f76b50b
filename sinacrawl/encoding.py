"""Decode Sina pages so that text is never silently corrupted.

Sina's GB2312/GBK pages are decoded as GB18030 (a strict superset, so rare characters
survive), and when the bytes and the declared charset disagree the bytes win: a page
re-saved as UTF-8 that still declares gb2312 is UTF-8, and GBK bytes labelled UTF-8 are GBK.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "gb_2312", "cp936", "euc-cn"}


class UndecodablePage(ValueError):
    """The page's bytes decode in no plausible encoding without replacement characters."""


def _norm(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(body: bytes, enc: str) -> str | None:
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def sniff_encoding(body: bytes, content_type: str | None = None) -> str:
    """The encoding that decodes ``body`` faithfully. Raises UndecodablePage if none does.

    Order: a BOM; valid UTF-8 (other encodings almost never produce valid multi-byte UTF-8);
    the declared charset (HTTP header, then ``<meta>``); GB18030.

    >>> sniff_encoding("新浪".encode("utf-8"), "text/html; charset=gb2312")
    'utf-8'
    >>> sniff_encoding("新浪".encode("gbk"), "text/html; charset=utf-8")
    'gb18030'
    """
    return decode_page(body, content_type)[0]


def decode_page(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(encoding, text)``: ``body`` decoded as ``sniff_encoding`` says, decoded once.

    >>> decode_page("新浪".encode("gbk"))
    ('gb18030', '新浪')
    """
    bom = _bom(body)
    if bom:  # a byte-order mark settles it; a bad byte after one is replaced, as browsers do
        return bom, body.decode(bom, "replace")
    for enc in _candidates(body, content_type):
        text = _strict(body, enc)
        if text is not None:
            return enc, text
    raise UndecodablePage("bytes decode in neither UTF-8 nor GB18030 nor the declared charset")


def _bom(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _candidates(body: bytes, content_type: str | None):
    yield "utf-8"
    declared = [
        _norm(http_content_type_encoding(content_type) if content_type else None),
        _norm(html_body_declared_encoding(body[:4096])),
    ]
    yield from [e for e in declared if e and e != "utf-8"]
    yield "gb18030"


def content_type(response) -> str | None:
    """The response's Content-Type header, as text (None when there is none)."""
    header = response.headers.get(b"Content-Type")
    return header.decode("latin-1") if header else None


def with_true_encoding(response):
    """``response`` with its encoding fixed to what the bytes really are (see sniff_encoding)."""
    enc = sniff_encoding(response.body, content_type(response))
    if getattr(response, "_encoding", None) == enc:
        return response
    return response.replace(encoding=enc)
