"""The pieces of a Sina page's chrome, written from scratch: inline style sheets, inline
scripts (configuration objects, loaders, trackers), commented-out blocks, navigation bars,
sidebar lists, ad slots, comment widgets, footers.

Nothing here may look like what the page object reads (no <h1>, no <meta>, no dates, no
class or id it selects by): ``check`` refuses chrome that does.
"""

from __future__ import annotations

import random
import re

from fakesite.words import KEYWORDS, MEDIA, PLACES, TOPICS, make_title

# fmt: off
CHANNELS = [
    ("财经首页", ""), ("股票", "stock/"), ("新股", "stock/newstock/"), ("港股", "stock/hkstock/"),
    ("美股", "stock/usstock/"), ("基金", "fund/"), ("期货", "futuremarket/"),
    ("外汇", "forex/"), ("黄金", "nmetal/"), ("债券", "bond/"), ("理财", "money/"),
    ("银行", "money/bank/"), ("保险", "money/insurance/"), ("信托", "trust/"),
    ("科技", "tech/"), ("专栏", "zl/"), ("博客", "blog/"), ("股吧", "guba/"),
    ("视频", "video/"), ("直播", "live/"), ("产经", "chanjing/"), ("宏观", "china/"),
]
BOX_NAMES = ["热门推荐", "24小时排行", "猜你喜欢", "财经专题", "精彩图集", "大家都在看",
             "热点聚焦", "深度阅读", "视频推荐", "财经头条", "市场动态", "机构观点"]
CSS_PROPS = ["color:#333", "color:#666", "color:#999", "color:#1a1a1a", "font-size:12px",
             "font-size:14px", "font-size:16px", "line-height:24px", "line-height:1.8",
             "margin:0 auto", "margin-top:10px", "padding:0 15px", "padding:8px 0",
             "overflow:hidden", "float:left", "float:right", "width:300px", "width:640px",
             "height:36px", "border-bottom:1px solid #e5e5e5", "background:#f7f7f7",
             "text-decoration:none", "white-space:nowrap", "text-overflow:ellipsis",
             "position:relative", "z-index:10", "cursor:pointer", "font-weight:700",
             "border-radius:4px", "box-sizing:border-box", "vertical-align:middle"]
JS_NAMES = ["loader", "tracker", "feed", "slider", "share", "login", "comment", "hq",
            "adsense", "lazyload", "toolbar", "search", "weibo", "suda", "pageview", "dock"]
# fmt: on
WORDS = [w for w in KEYWORDS + MEDIA + PLACES + TOPICS if len(w) <= 8]
# What the page object selects by (sinacrawl/pages/article.py), never in chrome.
_FORBIDDEN = (
    "<h1", "<meta", "<title", 'id="artibody"', 'id="article"', 'id="pub_date"',
    'id="media_name"', 'id="top_bar_wrap"', 'id="keywords"', "published at", "页面没有找到",
    "页面不存在", "已被删除", "文章已删除", "责任编辑", "#a20010",
)  # fmt: skip
_DATES = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}年")
_CLASS = re.compile(r"class=\"?([^\" >]*)")
_FORBIDDEN_CLASSES = (
    "date", "source", "title", "keywords", "editor", "show_author", "art_content",
    "blkContainer", "l17", "f24", "time-source",
)  # fmt: skip
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def check(html: str) -> str:
    lower = html.lower()
    bad = next((f for f in _FORBIDDEN if f in lower), None)
    found = _DATES.search(html)
    bad = found.group(0) if found else bad
    for cls in set(_CLASS.findall(html)):
        if any(f in cls for f in _FORBIDDEN_CLASSES):
            bad = cls
    if bad:
        raise ValueError(f"sitegen chrome holds {bad!r}, which the page object reads")
    return html


def make_id(rng: random.Random) -> str:
    """An article id's shape (7 letters + 7 digits), cheaper than words.make_id."""
    return "n" + "".join(rng.choices(_LETTERS, k=6)) + f"{rng.randrange(10**7):07d}"


def url(rng: random.Random, host: str = "finance.sina.com.cn") -> str:
    path = rng.choice(CHANNELS)[1]
    return f"https://{host}/{path}doc-i{make_id(rng)}.shtml"


def anchor(rng: random.Random, host: str = "finance.sina.com.cn") -> str:
    title = make_title(rng)
    return f'<a href="{url(rng, host)}" target="_blank" title="{title}">{title}</a>'


def nav(rng: random.Random, cls: str, n: int) -> str:
    items = "".join(
        f'<li><a href="https://finance.sina.com.cn/{path}" target="_blank">{name}</a></li>'
        for name, path in rng.sample(CHANNELS, min(n, len(CHANNELS)))
    )
    return f'<div class="{cls}"><ul class="{cls}-list">{items}</ul></div>\n'


def side_box(rng: random.Random, n: int, cls: str = "side-box") -> str:
    name = rng.choice(BOX_NAMES)
    items = "\n".join(
        f'  <li class="{cls}-item"><span class="num">{i}</span>{anchor(rng)}</li>'
        for i in range(1, n + 1)
    )
    more = f'<a class="{cls}-more" href="https://finance.sina.com.cn/roll/">更多</a>'
    return (
        f'<div class="{cls}" data-sudaclick="{cls}_{rng.randint(1, 99)}">\n'
        f'<div class="{cls}-hd"><span class="{cls}-name">{name}</span>{more}</div>\n'
        f'<ul class="{cls}-bd">\n{items}\n</ul>\n</div>\n'
    )


def picture_box(rng: random.Random, n: int) -> str:
    items = "\n".join(
        f'  <li><a href="{url(rng)}" target="_blank"><img src="//n.sinaimg.cn/finance/'
        f'{rng.getrandbits(32):08x}/{rng.randint(100, 999)}.jpg" width="140" height="90" '
        f'alt="{rng.choice(WORDS)}"><span>{make_title(rng)}</span></a></li>'
        for _ in range(n)
    )
    return f'<div class="pic-box"><ul class="pic-list">\n{items}\n</ul></div>\n'


def ad_slot(rng: random.Random) -> str:
    pdps = f"PDPS{rng.randint(10**11, 10**12 - 1):012d}"
    kind = rng.random()
    if kind < 0.5:
        return (
            f'<ins class="sinaads" data-ad-pdps="{pdps}" data-ad-status="sync" '
            f'style="width:{rng.choice((300, 640, 1000))}px"></ins>\n'
        )
    if kind < 0.8:
        return (
            f'<div id="ad_{rng.randint(10000, 99999)}" class="ad-box">'
            f'<ins class="sinaads" data-ad-pdps="{pdps}"></ins>'
            f"<script>(sinaads = window.sinaads || []).push({{}});</script></div>\n"
        )
    return f'<div class="ad-box" sax-type="proxy" data-id="{pdps}"></div>\n'


def css(rng: random.Random, size: int, prefix: str) -> str:
    """An inline style sheet of about ``size`` characters."""
    rules: list[str] = []
    total = 0
    while total < size:
        sel = f".{prefix}-{rng.choice(JS_NAMES)}{rng.randint(1, 60)}"
        if rng.random() < 0.5:
            sel += rng.choice((" li", " a", " a:hover", " span", " img", " .num", " ul"))
        props = ";".join(rng.choices(CSS_PROPS, k=rng.randint(2, 6)))
        rule = f"{sel}{{{props}}}"
        rules.append(rule)
        total += len(rule) + 1
    return '<style type="text/css">\n' + "\n".join(rules) + "\n</style>\n"


def js(rng: random.Random, size: int) -> str:
    """An inline script of about ``size`` characters: configuration and small functions."""
    name = rng.choice(JS_NAMES)
    lines = [f"var __{name}Config = {{", f'  channel: "{rng.choice(CHANNELS)[1] or "cj"}",']
    total = sum(map(len, lines))
    i = 0
    while total < size:
        i += 1
        if rng.random() < 0.4:
            line = f'  k{i}: {{ id: "{make_id(rng)}", w: {rng.randint(100, 999)}, on: true }},'
        elif rng.random() < 0.7:
            line = (
                f"  f{i}: function (el, opt) {{ if (!el) {{ return; }} var n = el.childNodes"
                f".length; for (var j = 0; j < n; j++) {{ opt.cb && opt.cb(j * {i}); }} }},"
            )
        else:
            line = f'  s{i}: "{rng.choice(WORDS)}",'
        lines.append(line)
        total += len(line) + 1
    lines.append("};")
    lines.append(f"(function (w) {{ w.SINA_{name.upper()} = __{name}Config; }})(window);")
    return "<script>\n" + "\n".join(lines) + "\n</script>\n"


def external_scripts(rng: random.Random, n: int) -> str:
    return "".join(
        f'<script src="//n.sinaimg.cn/finance/js/{rng.choice(JS_NAMES)}.'
        f'{rng.getrandbits(24):06x}.min.js" charset="utf-8"></script>\n'
        for _ in range(n)
    )


def stylesheets(rng: random.Random, n: int) -> str:
    return "".join(
        f'<link rel="stylesheet" type="text/css" href="//n.sinaimg.cn/finance/css/'
        f'{rng.choice(JS_NAMES)}.{rng.getrandbits(24):06x}.css">\n'
        for _ in range(n)
    )


def commented(rng: random.Random, size: int) -> str:
    """Commented-out markup (old ad slots and boxes left in the template)."""
    out: list[str] = []
    total = 0
    while total < size:
        block = f"<!-- {rng.choice(BOX_NAMES)} begin -->\n<!--\n{side_box(rng, 4)}-->\n"
        block += f"<!-- {rng.choice(BOX_NAMES)} end -->\n"
        out.append(block)
        total += len(block)
    return "".join(out)


def comment_widget(rng: random.Random) -> str:
    return (
        '<div class="cmnt-wrap" id="cmnt_wrap"><div class="cmnt-hd">'
        '<span class="cmnt-name">我要评论</span>'
        f'<span class="cmnt-count" data-newsid="comos-{make_id(rng)}">0</span></div>'
        '<div class="cmnt-box"><div class="cmnt-input" contenteditable="true"></div>'
        '<a class="cmnt-submit" href="javascript:;">发布</a></div>'
        '<div class="cmnt-list" id="cmnt_list"><!-- 评论列表 (JavaScript) --></div></div>\n'
    )


def footer(rng: random.Random) -> str:
    links = " | ".join(
        f'<a href="https://corp.sina.com.cn/{p}/" target="_blank">{t}</a>'
        for t, p in (("新浪简介", "chn"), ("广告服务", "ad"), ("联系我们", "contact"),
                     ("招聘信息", "job"), ("网站律师", "law"), ("通行证注册", "reg"))
    )  # fmt: skip
    return (
        f'<div class="site-footer" id="footer"><p class="footer-links">{links}</p>'
        '<p class="footer-copy">Copyright &copy; 新浪公司 版权所有</p></div>\n'
    )
