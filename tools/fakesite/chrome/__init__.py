"""Real-size pages (``sitegen.py --real-size``): the chrome of each template era around the
article, so that generated pages weigh what real ones weigh (100–250 KiB, most of it scripts,
styles, comments, navigation, sidebars and ad slots around the article container).

One module an era, each with ``SIZE_KIB`` (the mean page size, spread ±15%) and
``chrome(rng, size)`` → (what goes before ``</head>``, after ``<body>``, before
``</body>``). Shares of scripts, styles and comments follow the reference pages of the era.
``parts.check`` (run by tests/test_sitegen_real_size.py) keeps the chrome free of what the
page object reads.
"""

from __future__ import annotations

import random
import re

from fakesite.chrome import era2005, era2010, era2014, era2017, mobile, news2024

ERAS = {
    "era2005_gb2312": era2005,
    "old_blk_template": era2010,
    "era2016_news_content_2014": era2014,
    "era2017_finance": era2017,
    "seed_domestic_2022": era2017,
    "news2024_article": news2024,
    "mobile_finance_sina_cn": mobile,
}
_HEAD_END = re.compile(r"</head>", re.I)
_BODY_START = re.compile(r"<body\b[^>]*>", re.I)
_BODY_END = re.compile(r"</body>", re.I)


def dress(template: str, page: str, seed: int) -> str:
    """``page`` (a rendered article of ``template``) with its era's chrome; the same seed
    gives the same bytes. Pages of a template of no era are returned as they are."""
    era = ERAS.get(template)
    if era is None:
        return page
    rng = random.Random(f"sitegen-chrome-{seed}")
    size = int(era.SIZE_KIB * 1024 * rng.uniform(0.85, 1.15)) - len(page.encode("utf-8"))
    head, top, bottom = era.chrome(rng, max(size, 0))
    page = _HEAD_END.sub(lambda m: head + m.group(0), page, count=1)
    page = _BODY_START.sub(lambda m: m.group(0) + "\n" + top, page, count=1)
    at = [m.start() for m in _BODY_END.finditer(page)]
    if at:
        page = page[: at[-1]] + bottom + page[at[-1] :]
    return page


__all__ = ["ERAS", "dress"]
