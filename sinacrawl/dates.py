"""Sina's date and time formats to aware datetimes (Beijing time unless an offset says else)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
# 2018年12月28日 19:55 / 2016年05月25日10:10 / 2005年03月21日 11:21 (+ optional seconds)
_CN = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_EPOCH = re.compile(r"^\d{9,11}$")


def _tz(offset: str | None) -> timezone:
    if not offset:
        return BEIJING
    if offset == "Z":
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _build(*parts) -> datetime | None:
    """datetime(y, mo, d, h, mi, s, tz) from regex groups (None for missing time parts)."""
    y, mo, d, h, mi, s, tz = parts
    try:
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def parse_sina_datetime(text: str | None) -> datetime | None:
    """Parse any of Sina's date forms into an aware datetime; None when there is none.

    >>> parse_sina_datetime("2016-05-25T10:10:19+08:00").isoformat()
    '2016-05-25T10:10:19+08:00'
    >>> parse_sina_datetime("2005-08-26 05:39:00").isoformat()
    '2005-08-26T05:39:00+08:00'
    >>> parse_sina_datetime("2018年12月28日 19:55").isoformat()
    '2018-12-28T19:55:00+08:00'
    >>> parse_sina_datetime("1645502442").isoformat()
    '2022-02-22T12:00:42+08:00'
    >>> parse_sina_datetime("明天") is None
    True
    """
    if not text:
        return None
    text = text.strip()
    if _EPOCH.match(text):
        return datetime.fromtimestamp(int(text), BEIJING)
    m = _ISO.search(text)
    if m:
        return _build(*m.groups()[:6], _tz(m.group(7)))
    m = _CN.search(text)
    if m:
        return _build(*m.groups(), BEIJING)
    return None


def parse_list_time(text: str, year: int) -> datetime | None:
    """Old roll-list times such as ``(05月19日 18:29)``, which carry no year.

    >>> parse_list_time("(05月19日 18:29)", 2015).isoformat()
    '2015-05-19T18:29:00+08:00'
    """
    m = re.search(r"(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})", text or "")
    if not m:
        return None
    return _build(year, *m.groups(), 0, BEIJING)
