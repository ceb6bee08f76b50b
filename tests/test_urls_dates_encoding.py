"""Tables of real-world inputs for the pure helpers: URLs and ids, dates, encodings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sinacrawl.dates import BEIJING, parse_list_time, parse_sina_datetime
from sinacrawl.encoding import UndecodablePage, sniff_encoding
from sinacrawl.urls import absolute_https, article_id, canonical_url, doc_id, is_sina_host


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "http://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml",
            "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml",
        ),
        (
            "https://finance.sina.com.cn/money/forex/forexroll/2016-05-25/doc-ifxsktkp9337164.shtml"
            "?cre=financepagepc&mod=f&loc=4&r=9&doct=0&rfunc=100",
            "https://finance.sina.com.cn/money/forex/forexroll/2016-05-25/doc-ifxsktkp9337164.shtml",
        ),
        (
            "HTTPS://FINANCE.SINA.COM.CN/a/2020-01-01/doc-iabcdefg1234567.shtml#comment",
            "https://finance.sina.com.cn/a/2020-01-01/doc-iabcdefg1234567.shtml",
        ),
        (
            "http://finance.sina.com.cn/roll/20120921/012513196574.shtml?from=wap",
            "https://finance.sina.com.cn/roll/20120921/012513196574.shtml",
        ),
        (
            "https://finance.sina.com.cn/roll/index.d.html?cid=56982&utm_source=x",
            "https://finance.sina.com.cn/roll/index.d.html",
        ),
        ("https://example.com/a?utm_source=x&b=1", "https://example.com/a?b=1"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml", "hqfskcn2160999"),
        (
            "https://finance.sina.cn/forex/hsxw/2016-05-25/detail-ifxsktkp9337164.d.html",
            "fxsktkp9337164",
        ),
        (
            "https://video.sina.com.cn/p/finance/2020-01-01/detail-iabcdefg1234567.d.html",
            "abcdefg1234567",
        ),
        ("comos:nihefve8236522", "nihefve8236522"),
        ("https://finance.sina.com.cn/roll/20120921/012513196574.shtml", None),
        ("https://finance.sina.com.cn/doc-iABCDEFG1234567.shtml", None),
    ],
)
def test_doc_id(value, expected):
    assert doc_id(value) == expected


def test_article_id_old_urls_stable_and_distinct():
    a = article_id("http://chanye.finance.sina.com.cn/sm/2005-03-21/244339.shtml")
    b = article_id("https://chanye.finance.sina.com.cn/sm/2005-03-21/244339.shtml?from=wap")
    c = article_id("https://chanye.finance.sina.com.cn/sm/2005-03-21/244340.shtml")
    assert a == b != c and len(a) == 14


def test_mobile_and_desktop_twins_share_an_id():
    assert article_id(
        "https://finance.sina.cn/2016-05-25/detail-ifxsktkp9337164.d.html"
    ) == article_id(
        "http://finance.sina.com.cn/money/forex/forexroll/2016-05-25/doc-ifxsktkp9337164.shtml"
    )


@pytest.mark.parametrize(
    "host,ok",
    [
        ("finance.sina.com.cn", True),
        ("n.sinaimg.cn", True),
        ("finance.sina.cn", True),
        ("sina.com.cn.evil.com", False),
        ("evilsina.com.cn", False),
    ],
)
def test_is_sina_host(host, ok):
    assert is_sina_host(host) is ok


@pytest.mark.parametrize(
    "url,expected",
    [
        ("//n.sinaimg.cn/a.jpg", "https://n.sinaimg.cn/a.jpg"),
        ("http://n.sinaimg.cn/a.jpg", "https://n.sinaimg.cn/a.jpg"),
        ("/a.jpg", "https://finance.sina.com.cn/a.jpg"),
        ("data:image/png;base64,AAAA", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_absolute_https(url, expected):
    assert absolute_https(url, "https://finance.sina.com.cn/roll/x.shtml") == expected


B = BEIJING
DATES = [
    ("2016-05-25T10:10:19+08:00", datetime(2016, 5, 25, 10, 10, 19, tzinfo=B)),
    ("2005-08-26 05:39:00", datetime(2005, 8, 26, 5, 39, tzinfo=B)),
    ("2018年12月28日 19:55", datetime(2018, 12, 28, 19, 55, tzinfo=B)),
    ("2016年05月25日10:10", datetime(2016, 5, 25, 10, 10, tzinfo=B)),
    (
        "http://www.sina.net 2005年03月21日 11:21 《理财周刊》",
        datetime(2005, 3, 21, 11, 21, tzinfo=B),
    ),
    ("2019年09月11日01:53", datetime(2019, 9, 11, 1, 53, tzinfo=B)),
    ("1645502442", datetime(2022, 2, 22, 12, 0, 42, tzinfo=B)),
    ("2022-02-22T04:00:42Z", datetime(2022, 2, 22, 12, 0, 42, tzinfo=B)),
    (
        "2022-02-22T04:00:42.123-05:00",
        datetime(2022, 2, 22, 4, 0, 42, tzinfo=timezone(timedelta(hours=-5))),
    ),
    ("2022年2月30日 10:00", None),
    ("", None),
    ("昨天 10:00", None),
]


@pytest.mark.parametrize("text,expected", DATES)
def test_parse_sina_datetime(text, expected):
    got = parse_sina_datetime(text)
    assert got == expected
    if got:
        assert got.tzinfo is not None


def test_parse_list_time():
    assert parse_list_time("(05月19日 18:29)", 2015) == datetime(2015, 5, 19, 18, 29, tzinfo=B)


ENCODINGS = [
    ("新浪财经 国內".encode(), "text/html; charset=gb2312", "utf-8"),
    ("新浪财经".encode("gbk"), "text/html; charset=utf-8", "gb18030"),
    ("𠮷野家 㗎".encode("gb18030"), "text/html; charset=gbk", "gb18030"),
    ('<meta charset="gb2312">新浪'.encode("gb2312"), None, "gb18030"),
    (b"plain ascii", None, "utf-8"),
    ("\ufeff新浪".encode("utf-8"), None, "utf-8-sig"),
]


@pytest.mark.parametrize("body,ctype,expected", ENCODINGS)
def test_sniff_encoding(body, ctype, expected):
    enc = sniff_encoding(body, ctype)
    assert enc == expected
    assert "\ufffd" not in body.decode(enc)


def test_undecodable_bytes_are_refused():
    with pytest.raises(UndecodablePage):
        sniff_encoding(b"\x81\x30\xff\xff\xff", "text/html; charset=utf-8")
