"""The generated site's fixed facts: hosts, times, templates by URL kind, the column table,
robots.txt."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_TEMPLATES = REPO / "fixtures" / "article"
BEIJING = timezone(timedelta(hours=8))
API_HOST = "feed.mix.sina.com.cn"
API_PATH = "/api/roll/get"
API_TIMESTAMP = "Thu Nov 26 10:00:00 +0800 2026"
NEWEST = datetime(2026, 11, 26, 9, 55, 0, tzinfo=BEIJING)  # just before the API timestamp
LIST_BASE = "http://roll.finance.sina.com.cn/finance/zq1/index_{n}.shtml"
LIST_PER_PAGE = 40
GENERATOR = "tools/sitegen.py"

# Templates: which article cases are used for which kind of URL, with weights.
FINANCE_TEMPLATES = {
    "era2017_finance": 30,
    "seed_domestic_2022": 30,
    "era2016_news_content_2014": 15,
    "old_blk_template": 12,
    "era2005_gb2312": 13,
}
NEWS_TEMPLATES = {"news2024_article": 1}
MOBILE_TEMPLATES = {"mobile_finance_sina_cn": 1}

# key: (pageid, lid, desktop paths under finance.sina.com.cn, mobile path under finance.sina.cn,
#       weight when an article picks its column). Mirrors sinacrawl/columns.py.
# fmt: off
COLUMNS = {
    "china": (155, 1686, ["china/", "china/gncj/"], "china/gncj", 45),
    "hgjj": (155, 1687, ["china/hgjj/"], "china/hgjj", 20),
    "dfjj": (155, 1688, ["china/dfjj/"], "china/dfjj", 15),
    "bwdt": (155, 1689, ["china/bwdt/"], "china/bwdt", 15),
    "jrxw": (155, 1690, ["money/bank/", "china/jrxw/"], "money/bank", 15),
    "top10": (155, 3231, ["china/", "roll/"], "china/gncj", 10),
    "chanjing": (164, 1693, ["chanjing/cyxw/", "chanjing/gsnews/"], "chanjing/cyxw", 20),
    "gsnews": (164, 1694, ["chanjing/gsnews/"], "chanjing/gsnews", 15),
    "cyxw": (164, 1695, ["chanjing/cyxw/"], "chanjing/cyxw", 15),
    "roll": (384, 2519, ["roll/", "roll/", "roll/", "stock/s/", "stock/t/", "stock/jsy/",
        "stock/usstock/c/", "stock/hkstock/hkgg/", "money/forex/forexroll/",
        "world/gjjj/", "chanjing/cyxw/", "chanjing/gsnews/", "review/jcgc/"],
             "roll", 35),
    "stock": (384, 2671, ["stock/s/", "stock/t/", "stock/jsy/", "stock/marketresearch/"],
             "stock/ssgs", 25),
    "usstock": (384, 2672, ["stock/usstock/c/", "stock/usstock/economics/"], "usstock/ggscyd", 15),
    "chinacs": (384, 2673, ["stock/usstock/c/"], "usstock/ggscyd", 10),
    "hkstock": (384, 2674, ["stock/hkstock/hkgg/", "stock/hkstock/ggscyd/"], "hkstock/ggscyd", 15),
    "research": (384, 2675, ["stock/marketresearch/"], "stock/marketresearch", 10),
    "world": (384, 2676, ["world/gjjj/", "world/ggjj/"], "world/gjjj", 15),
    "forex": (384, 2487, ["money/forex/forexroll/", "money/forex/hbfx/"], "forex/hsxw", 15),
    "news": (153, 2509, ["roll/"], "roll", 20),
}
# fmt: on
DEFAULT_COLUMN_KEYS = ("china", "hgjj", "roll")
# --special: roll-API lists of no column above (pageid, lid), with odd replies for tests
ODD_LISTS = {"empty": (155, 1691), "malformed": (155, 1692)}

ROBOTS = {
    "finance.sina.com.cn": [
        "Disallow: /iframe/",
        "Disallow: /temp/",
        "Disallow: /sinaui/",
        "Disallow: /cgi-bin/",
        "Disallow: /search/",
    ],
    "news.sina.com.cn": [
        "Disallow: /iframe/",
        "Disallow: /temp/",
        "Disallow: /cgi-bin/",
        "Disallow: /hd/preview/",
    ],
    "finance.sina.cn": ["Disallow: /temp/", "Disallow: /iframe/", "Disallow: /zt/preview/"],
    "feed.mix.sina.com.cn": ["Disallow: /admin/", "Disallow: /api/debug/"],
    "roll.finance.sina.com.cn": ["Disallow: /temp/", "Disallow: /cgi-bin/"],
}

MISSING_ARTICLE_TITLE = "已删除的稿件：某地调整产业扶持政策"  # --special: listed, page not recorded
