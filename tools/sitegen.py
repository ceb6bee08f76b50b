#!/usr/bin/env python3
"""sitegen: write a deterministic, recorded offline Sina Finance site for replay.

    python tools/sitegen.py OUT_DIR --articles 120 --seed 1 [--columns china,hgjj,roll]
                            [--page-size 50] [--special] [--verify]

OUT_DIR gets a recording (a folder with ``url.txt`` and ``page.html``/``body.json``/``body``,
optional ``response.json``) for every URL of the generated site, in the layout
``sinacrawl/replay.py`` reads (``SINACRAWL_REPLAY=OUT_DIR``):

    articles/<id>/            article pages, built from fixtures/article/<case>/page.html
    api/<pageid>-<lid>-<n>/   roll API replies (feed.mix.sina.com.cn/api/roll/get), + one empty page
                              (--special: every column of COLUMNS)
    list/zq1-<n>/             GBK list pages roll.finance.sina.com.cn/finance/zq1/index_<n>.shtml
    robots/<host>/            robots.txt per host
    video/<id>/               (--special) a video page with no article container
    images/<hash>/            (--special) every image the pages show, small generated PNG/JPEG
    manifest.json             the truth: every article, column list and special recording

Article pages are the project's hand-written template pages with the title, id, URL, times,
keywords, source, editor and body text substituted; structure, junk blocks and the template's
encoding (GB2312 stays GB2312) are kept. Same arguments, same bytes. Nothing is written outside
OUT_DIR. See tools/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import html as htmllib
import json
import random
import re
import shutil
import sys
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

sys.dont_write_bytecode = True  # --verify may import the project: leave no __pycache__ behind

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = REPO / "fixtures" / "article"
BEIJING = timezone(timedelta(hours=8))
API_HOST = "feed.mix.sina.com.cn"
API_PATH = "/api/roll/get"
API_TIMESTAMP = "Thu Nov 26 10:00:00 +0800 2026"
NEWEST = datetime(2026, 11, 26, 9, 55, 0, tzinfo=BEIJING)  # just before the API timestamp
LIST_BASE = "http://roll.finance.sina.com.cn/finance/zq1/index_{n}.shtml"
LIST_PER_PAGE = 40
GENERATOR = "tools/sitegen.py"
# sinacrawl.render.DEFAULT_IMAGE (kept here so the tool runs without the project): the head
# image of a post without one, so a crawl storing images asks for it too.
DEFAULT_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc=["']([^"']+)["']""", re.I)
_OG_IMAGE = re.compile(r"""<meta\s+property=["']og:image["']\s+content=["']([^"']+)["']""", re.I)

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

# -- word lists (every character must encode in GB2312: GB2312 templates stay GB2312) --------

# fmt: off
SUBJECTS = ["多家券商", "市场人士", "分析人士", "业内专家", "一位基金经理", "外资机构",
            "部分上市公司", "多家银行", "保险机构", "制造业企业", "新能源车企", "光伏企业",
            "物流企业", "外贸企业", "中小企业", "研究机构", "行业协会", "期货公司", "私募机构",
            "资产管理公司", "家电企业", "航运公司", "钢铁企业", "医药企业", "芯片企业",
            "消费电子厂商", "商业银行", "地方国企", "头部平台企业", "证券公司研究所"]
NOUN_SUBJECTS = ["上市公司", "券商", "公募基金", "银行", "保险公司", "外贸企业", "制造业企业",
                 "车企", "物流企业", "科技企业", "地方国企", "私募基金"]
TIMES = ["今年以来", "上半年", "前三季度", "近期", "本周", "上月", "四季度以来", "截至发稿",
         "过去一个月", "11月以来", "年初至今", "近一周", "10月份", "前10个月", "今年前11个月",
         "近两个交易日"]
TOPICS = ["社会消费品零售总额", "工业增加值", "制造业采购经理指数", "出口交货值", "固定资产投资",
          "居民消费价格", "新增人民币贷款", "社会融资规模", "外汇储备", "人民币汇率", "国债收益率",
          "北向资金", "两融余额", "新能源汽车销量", "光伏装机量", "港口集装箱吞吐量",
          "全社会用电量", "快递业务量", "商品房销售面积", "规模以上工业企业利润", "居民存款",
          "新发基金规模", "科创板成交额", "大宗商品价格", "国际油价", "黄金价格", "铜价",
          "猪肉价格", "服务业生产指数", "跨境电商进出口额", "集成电路产量", "民间投资"]
CHANGES = ["同比增长", "同比下降", "环比回升", "环比回落", "较上月提高", "较去年同期增加",
           "累计增长", "同比增长了", "较年初上升"]
VERBS = ["持续加大", "稳步推进", "积极布局", "明显改善", "进一步优化", "有序推进", "加快落实",
         "逐步恢复", "全力保障", "显著提升", "着力加强", "不断完善"]
OBJECTS = ["研发投入", "产能建设", "海外市场拓展", "数字化转型", "绿色低碳转型", "供应链管理",
           "风险防控", "产品结构调整", "渠道建设", "成本控制", "融资支持", "信贷投放",
           "消费场景建设", "技术改造", "人才引进", "品牌建设", "库存管理", "服务网络布局",
           "项目储备", "设备更新"]
OUTLOOKS = ["后续走势仍需观察", "全年目标有望顺利完成", "市场信心正在逐步修复",
            "政策效果将进一步显现", "短期波动难以避免", "中长期向好的趋势没有改变",
            "结构性机会依然存在", "需警惕外部环境变化带来的风险", "行业集中度有望继续提升",
            "相关企业的盈利能力将逐步改善", "市场供需关系有望趋于平衡", "投资者宜保持理性",
            "稳增长政策仍有发力空间"]
REASONS = ["政策支持力度加大", "市场需求回暖", "原材料价格回落", "海外订单增加", "基数效应影响",
           "季节性因素影响", "资金面保持合理充裕", "投资者风险偏好回升", "行业竞争加剧",
           "库存周期切换", "新产能集中释放", "居民消费意愿增强"]
TRENDS = ["继续回升", "保持增长", "企稳回升", "温和上行", "逐步改善", "小幅波动", "稳中有进"]
ASPECTS = ["结构", "区域分布", "行业", "企业规模", "期限", "产品类型", "资金来源"]
PLACES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "重庆", "南京", "苏州", "天津",
          "西安", "长沙", "郑州", "合肥", "青岛", "宁波", "厦门", "福州", "济南", "沈阳", "昆明"]
PERSONS = ["有关负责人", "首席经济学家", "研究员", "分析师", "投资总监", "行业人士", "企业负责人",
           "基金经理", "交易员"]
FACILITIES = ["工厂", "港口", "商场", "物流园", "数据中心", "产业园", "码头", "仓库", "展厅",
              "生产车间"]
ACTIONS = ["调试设备", "装卸货物", "检查产品", "整理订单", "操作机械", "清点库存"]
HEADINGS = ["政策效应逐步显现", "市场预期趋于稳定", "企业经营压力犹存", "结构性亮点突出",
            "外部风险仍需警惕", "线上线下同步发力", "多方合力稳预期", "新动能加快成长",
            "资金面保持平稳", "龙头企业率先突围", "消费潜力持续释放", "转型升级步伐加快"]
TITLE_TAILS = ["仍具配置价值", "前景可期", "需关注风险", "有望延续", "压力缓解", "成市场焦点",
               "获资金青睐", "释放积极信号", "迎来新机遇", "节奏或将加快"]
KEYWORDS = ["人民币汇率", "美联储", "降准", "消费", "出口", "制造业", "新能源", "光伏", "房地产",
            "基建", "资本市场", "券商", "基金", "银行", "保险", "黄金", "原油", "A股", "港股",
            "美股", "科创板", "就业", "物价", "财政政策", "货币政策", "数字经济", "汽车", "芯片",
            "医药", "白酒", "外贸", "物流", "债券", "期货", "养老金", "稳增长"]
MEDIA = ["新浪财经", "中国证券报", "上海证券报", "证券时报", "证券日报", "经济参考报", "第一财经",
         "中国新闻网", "21世纪经济报道", "经济观察报", "新京报", "每日经济新闻", "央视财经",
         "财联社", "界面新闻", "中国经营报"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["明", "丽", "强", "敏", "静", "磊", "洋", "婷", "伟", "芳", "军", "杰", "涛", "超", "霞",
         "鹏", "宇", "欣", "琪", "晨", "斌", "蒙", "一凡", "子航", "思远", "文涛", "雨桐", "嘉怡",
         "志强"]
# fmt: on
MISSING_ARTICLE_TITLE = "已删除的稿件：某地调整产业扶持政策"  # --special: listed, page not recorded


def _check_gb2312() -> None:
    words = (
        SUBJECTS
        + NOUN_SUBJECTS
        + TIMES
        + TOPICS
        + CHANGES
        + VERBS
        + OBJECTS
        + OUTLOOKS
        + REASONS
        + TRENDS
        + ASPECTS
        + PLACES
        + PERSONS
        + FACILITIES
        + ACTIONS
        + HEADINGS
        + TITLE_TAILS
        + KEYWORDS
        + MEDIA
        + GIVEN
        + [SURNAMES, "　，。：；“”（）%"]
    )
    for w in words:
        w.encode("gb2312")  # raises on a character outside GB2312


# -- text generation ---------------------------------------------------------------------------


def _pct(rng: random.Random) -> str:
    return f"{rng.uniform(0.3, 38.0):.1f}%"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def sentence(rng: random.Random) -> str:
    c = rng.choice
    k = rng.randrange(12)
    if k == 0:
        return f"{c(TIMES)}，{c(TOPICS)}{c(CHANGES)}{_pct(rng)}，{c(REASONS)}是主要原因。"
    if k == 1:
        return f"{c(SUBJECTS)}表示，{c(TIMES)}{c(TOPICS)}总体保持平稳，{c(OUTLOOKS)}。"
    if k == 2:
        return (
            f"数据显示，{c(TIMES)}{c(PLACES)}{c(TOPICS)}达到{rng.randint(12, 9800)}亿元，"
            f"{c(CHANGES)}{_pct(rng)}。"
        )
    if k == 3:
        return (
            f"“{c(OBJECTS)}不是一朝一夕的事，{c(OUTLOOKS)}。”一位{c(PLACES)}的"
            f"{c(PERSONS)}对记者说。"
        )
    if k == 4:
        return (
            f"{c(SUBJECTS)}{c(VERBS)}{c(OBJECTS)}，{c(TIMES)}已累计投入{rng.randint(3, 860)}亿元。"
        )
    if k == 5:
        return f"从{c(ASPECTS)}看，{c(SUBJECTS)}{c(VERBS)}{c(OBJECTS)}，{c(OUTLOOKS)}。"
    if k == 6:
        return f"{c(SUBJECTS)}认为，受{c(REASONS)}等因素带动，{c(TOPICS)}有望{c(TRENDS)}。"
    if k == 7:
        return f"记者在{c(PLACES)}走访发现，不少{c(NOUN_SUBJECTS)}开始{c(VERBS)}{c(OBJECTS)}。"
    if k == 8:
        return (
            f"据不完全统计，{c(TIMES)}已有{rng.randint(3, 260)}家{c(NOUN_SUBJECTS)}"
            f"披露了与{c(OBJECTS)}相关的进展。"
        )
    if k == 9:
        return (
            f"{c(PERSONS)}{person_name(rng)}指出，{c(TOPICS)}的变化反映出{c(REASONS)}，"
            f"{c(OUTLOOKS)}。"
        )
    if k == 10:
        return (
            f"截至{rng.randint(1, 10)}月{rng.randint(1, 28)}日，{c(TOPICS)}{c(CHANGES)}"
            f"{_pct(rng)}，为{rng.randint(2, 9)}个月以来的较好水平。"
        )
    return f"业内人士提醒，{c(TOPICS)}仍受{c(REASONS)}影响，{c(OUTLOOKS)}。"


def paragraph(rng: random.Random, target: int) -> str:
    out = sentence(rng)
    while len(out) < target:
        out += sentence(rng)
    return out


def heading(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(HEADINGS)
    return f"{rng.choice(OBJECTS)}{rng.choice(TITLE_TAILS)}"


def caption(rng: random.Random) -> str:
    return f"{rng.choice(PLACES)}一家{rng.choice(FACILITIES)}内，工作人员正在{rng.choice(ACTIONS)}"


def make_title(rng: random.Random) -> str:
    c = rng.choice
    k = rng.randrange(5)
    if k == 0:
        return f"{c(TIMES)}{c(TOPICS)}{c(CHANGES)}{_pct(rng)} {c(SUBJECTS)}称{c(TITLE_TAILS)}"
    if k == 1:
        return f"{c(PLACES)}{c(VERBS)}{c(OBJECTS)} {c(TOPICS)}{c(TRENDS)}"
    if k == 2:
        return f"{c(SUBJECTS)}：{c(TOPICS)}{c(TRENDS)} {c(OBJECTS)}{c(TITLE_TAILS)}"
    if k == 3:
        return f"{c(TOPICS)}{c(TRENDS)} {c(NOUN_SUBJECTS)}{c(OBJECTS)}{c(TITLE_TAILS)}"
    return f"{c(PLACES)}{c(NOUN_SUBJECTS)}{c(VERBS)}{c(OBJECTS)}，{c(TOPICS)}{c(TITLE_TAILS)}"


def make_id(rng: random.Random) -> str:
    letters = "n" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    return letters + "".join(rng.choice("0123456789") for _ in range(7))


# -- templates -----------------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")
TOKEN = re.compile(
    r"(?P<keep><!--\s*NEWSZW_HZH_BEGIN\s*-->.*?<!--\s*NEWSZW_HZH_END\s*-->"
    r"|<div\b[^>]*\bsax-type\b[^>]*>.*?</div>"
    r"|<span\b[^>]*\bid=[\"']quote_[^>]*>.*?</span>"
    r"|<a\b[^>]*>.*?</a>"
    r"|<!--.*?-->"
    r"|<script\b.*?</script>|<style\b.*?</style>)"
    r"|(?P<tag><[^>]+>)",
    re.S | re.I,
)
BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "table",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "center",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
}
WS = " \t\r\n\u3000"
DT_FULL = re.compile(r"(\d{4})-(\d{2})-(\d{2})([ T])(\d{2}):(\d{2}):(\d{2})(\+08:00)?")
DT_CN = re.compile(r"(\d{4})年(\d{2})月(\d{2})日( ?)(\d{2}):(\d{2})")


def _sentinel(name: str) -> str:
    return f"\x00{name}\x00"


@dataclass
class Group:
    kind: str  # para | heading | caption | byline
    pieces: list[int]  # original lengths of the text pieces
    img: int | None = None


class Template:
    """A template article page cut into literal parts and named slots."""

    def __init__(self, case: str, folder: Path):
        self.case = case
        raw = (folder / "page.html").read_bytes()
        self.encoding = "utf-8"
        for enc in ("utf-8", "gb2312", "gbk", "gb18030"):
            try:
                text = raw.decode(enc)
                self.encoding = enc
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover
            raise ValueError(f"{case}: undecodable template")
        facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
        self.url = (folder / "url.txt").read_text(encoding="utf-8").strip()
        self.first_image = facts.get("first_image")
        self.has_image = bool(self.first_image)

        def meta(name: str) -> str | None:
            pattern = r'<meta\s+(?:name|property)="' + re.escape(name) + r'"\s+content="([^"]*)"'
            found = re.search(pattern, text)  # ``text`` as it is when called
            return found.group(1) if found else None

        old_id = facts.get("id") or meta("publishid")
        self.old_id = old_id
        title = facts["title"]
        base = datetime.fromisoformat(facts["published"])
        self.base_ymd = base.strftime("%Y%m%d")
        self.minute_only = not (meta("weibo: article:create_at") or meta("article:published_time"))
        self.groups: list[Group] = []
        self.n_img = 0

        # 1. body region: first paragraph with the first known phrase .. last paragraph.
        phrases = facts.get("body_contains") or []
        if not phrases:
            raise ValueError(f"{case}: facts.json has no body_contains to find the body")
        body_at = max(text.find("<body"), 0)  # the head's description repeats the first phrase
        i0 = text.index(phrases[0], body_at)
        start = text.rfind("<p", body_at, i0)
        i1 = text.index(phrases[-1], i0)
        end = text.find("</p>", i1)
        end = end + 4 if end >= 0 else text.find("\n", i1)
        body = self._cut_body(text[start:end])
        text = text[:start] + body + text[end:]

        # 2. head and chrome: description, URL, mobile twin, title, keywords, editor, source, id.
        subs: list[tuple[str, str]] = []
        desc = meta("description")
        self.desc_len, self.desc_suffix = 0, ""
        if desc:
            m = re.search(r"(\.\.\.)?(_新浪网)?$", desc)
            self.desc_suffix = m.group(0) if m else ""
            self.desc_len = len(desc) - len(self.desc_suffix)
            subs.append((desc, _sentinel("DESC")))
        old_hp = self.url.split("://", 1)[1]
        subs += [(quote(old_hp, safe=""), _sentinel("URLHPQ")), (old_hp, _sentinel("URLHP"))]
        for a, b in subs:
            text = text.replace(a, b)
        text = re.sub(
            r'(format=\w+; url=)(https?://)?([^"\s]+)',
            lambda m: m.group(1) + (m.group(2) or "") + _sentinel("WAPHP"),
            text,
        )
        if title not in text:
            raise ValueError(f"{case}: title not found in page")
        text = text.replace(quote(title, safe=""), _sentinel("TITLEQ")).replace(
            title, _sentinel("TITLE")
        )
        kw = meta("keywords") or ""
        self.n_kw = 0
        if kw and "sina" not in kw:
            kws = kw.split(",")
            self.n_kw = len(kws)
            text = text.replace("|" + "|".join(kws), _sentinel("KWBAR")).replace(
                kw, _sentinel("KW")
            )
            for i, k in enumerate(kws):
                text = re.sub(
                    r'(<a href="[^"]*tags\.[^"]*/)'
                    + re.escape(k)
                    + r'("[^>]*>)'
                    + re.escape(k)
                    + r"(</a>)",
                    lambda m, i=i: (
                        m.group(1)
                        + _sentinel(f"KW{i}")
                        + m.group(2)
                        + _sentinel(f"KW{i}")
                        + m.group(3)
                    ),
                    text,
                )
        editor = facts.get("editor")
        if editor and editor in text:
            text = text.replace(editor, "责任编辑：" + _sentinel("EDITOR"))
        self.has_editor = "\x00EDITOR\x00" in text
        source = facts.get("source")
        if source:
            text = re.sub(
                r'(?<=[>"《\s])' + re.escape(source) + r'(?=[<"》\s])', _sentinel("SOURCE"), text
            )
        if old_id:
            text = text.replace(old_id, _sentinel("ID"))
        numid = re.search(r"/(\d{5,})\.s?html$", self.url)
        if numid:
            text = re.sub(r"(?<!\d)" + numid.group(1) + r"(?!\d)", _sentinel("NUMID"), text)

        # 3. times, as offsets from the article's creation time.
        self.tspecs: dict[str, tuple[int, str]] = {}
        self.max_offset = 0

        def full(m: re.Match) -> str:
            when = datetime(*map(int, m.group(1, 2, 3, 5, 6, 7)), tzinfo=BEIJING)
            fmt = "%Y-%m-%d" + m.group(4) + "%H:%M:%S" + (m.group(8) or "")
            if "update_at" in text[max(0, m.start() - 40) : m.start()]:
                name = f"M{len(self.tspecs)}"
                self.tspecs[name] = (0, fmt)
            else:
                name = f"T{len(self.tspecs)}"
                off = int((when - base).total_seconds())
                self.max_offset = max(self.max_offset, off)
                self.tspecs[name] = (off, fmt)
            return _sentinel(name)

        def cn(m: re.Match) -> str:
            when = datetime(*map(int, m.group(1, 2, 3, 5, 6)), tzinfo=BEIJING)
            name = f"T{len(self.tspecs)}"
            off = int((when - base.replace(second=0)).total_seconds())
            self.tspecs[name] = (off, "%Y年%m月%d日" + m.group(4) + "%H:%M")
            return _sentinel(name)

        text = DT_FULL.sub(full, text)
        text = DT_CN.sub(cn, text)
        text = text.replace(base.strftime("%Y-%m-%d"), _sentinel("DATE"))
        text = re.sub(r"(?<!\d)" + base.strftime("%Y%m%d") + r"(?!\d)", _sentinel("YMD"), text)
        text = re.sub(r"(1996\s*-\s*)(\d{4})", lambda m: m.group(1) + _sentinel("YEAR"), text)

        self.parts = text.split("\x00")
        self.slots = set(self.parts[1::2])
        literal = "".join(self.parts[0::2])
        for leftover in [old_id, title, old_hp] + phrases:
            if leftover and leftover in literal:
                raise ValueError(f"{case}: {leftover!r} survived substitution")

    # -- body --------------------------------------------------------------------------------
    def _cut_body(self, region: str) -> str:
        """The body region with every text run replaced by a slot ``B<group>.<piece>``."""
        out: list[str] = []
        group: list[tuple[int, str]] | None = None  # (index in out, text)
        self._p_open: list[int] = []  # out-index of <p ...> opening tags
        self._plain_p: str | None = None
        pending_caption = None
        group_p = None
        groups_meta: list[tuple[list[tuple[int, str]], bool, int | None, int | None]] = []

        def close():
            nonlocal group, group_p
            if group:
                groups_meta.append((group, pending_caption is not None, pending_caption, group_p))
            group = None

        pos = 0
        for m in TOKEN.finditer(region + "<end>"):
            txt = region[pos : m.start()] if m.start() <= len(region) else ""
            pos = m.end()
            if txt:
                if txt.strip(WS):
                    lead = txt[: len(txt) - len(txt.lstrip(WS))]
                    core = txt.strip(WS)
                    trail = txt[len(lead) + len(core) :]
                    if lead:
                        out.append(lead)
                    if group is None:
                        group = []
                        group_p = self._p_open[-1] if self._p_open else None
                    group.append((len(out), core))
                    out.append(None)  # placeholder
                    if trail:
                        out.append(trail)
                else:
                    out.append(txt)
            if m.start() >= len(region):
                break
            tok = m.group(0)
            if m.group("tag"):
                name = re.match(r"</?\s*([a-zA-Z0-9]+)", tok)
                name = name.group(1).lower() if name else ""
                if name in BLOCK_TAGS:
                    close()
                if name == "p" and not tok.startswith("</"):
                    self._p_open.append(len(out))
                    pending_caption = None
                if name == "img":
                    alt = re.search(r'alt="([^"]*)"', tok)
                    if alt and CJK.search(alt.group(1)):
                        tok = (
                            tok[: alt.start(1)] + _sentinel(f"ALT{self.n_img}") + tok[alt.end(1) :]
                        )
                    self.n_img += 1
                if name == "span" and "img_descr" in tok:
                    close()
                    pending_caption = self.n_img - 1
                if name in ("div",) and tok.startswith("</"):
                    pending_caption = None
            out.append(tok)

        # classify groups, write slots
        for gi, (pieces, is_cap, img, p_idx) in enumerate(groups_meta):
            full = "".join(t for _i, t in pieces)
            if is_cap:
                kind = "caption"
            elif re.fullmatch(r"（.*记者.*）", full):
                kind = "byline"
            elif len(full) <= 14 and not full.endswith(("。", "”", "）")):
                kind = "heading"
            else:
                kind = "para"
            self.groups.append(Group(kind, [len(t) for _i, t in pieces], img if is_cap else None))
            for pi, (idx, _t) in enumerate(pieces):
                out[idx] = _sentinel(f"B{gi}.{pi}")
            if kind == "para" and len(pieces) == 1 and p_idx is not None and self._plain_p is None:
                self._plain_p = out[p_idx]  # the opening tag extra paragraphs copy
        # extra paragraphs go before the last paragraph's <p>
        last_p = None
        for _pieces, is_cap, _img, p_idx in groups_meta:
            if p_idx is not None and not is_cap:
                last_p = p_idx
        self._extra_sep = "\n"
        if last_p is not None and self._plain_p:
            before = "".join(x for x in out[:last_p] if x is not None)
            tail = before[before.rfind("\n") :] if "\n" in before else ""
            if tail and not tail.strip():
                self._extra_sep = tail  # newline + the last paragraph's indentation
            out[last_p] = _sentinel("EXTRA") + out[last_p]
        return "".join(x for x in out if x is not None)

    # -- rendering ---------------------------------------------------------------------------
    def body_values(self, rng: random.Random, n_extra: int) -> tuple[dict, list[str], list[str]]:
        """Slot values for the body; the paragraph texts; the caption texts."""
        vals: dict[str, str] = {}
        paras: list[str] = []
        caps = [caption(rng) for _ in range(self.n_img)]
        for i, cap in enumerate(caps):
            vals[f"ALT{i}"] = cap
        extras = [paragraph(rng, rng.randint(60, 180)) for _ in range(n_extra)]
        last_para = max((i for i, g in enumerate(self.groups) if g.kind == "para"), default=-1)
        for gi, g in enumerate(self.groups):
            total = sum(g.pieces)
            if g.kind == "caption":
                s = caps[g.img] + ("（资料图）" if rng.random() < 0.5 else "")
            elif g.kind == "byline":
                s = f"（本报记者 {person_name(rng)}）"
            elif g.kind == "heading":
                s = heading(rng)
            else:
                s = paragraph(rng, max(30, int(total * rng.uniform(0.6, 1.5))))
            if g.kind != "caption":
                paras.append(s)
            if gi == last_para and extras:
                paras[-1:-1] = extras  # extras render just before the last paragraph
            k = len(g.pieces)
            if len(s) < k:
                s = s + "。" * (k - len(s))
            cuts, acc = [0], 0
            for j, ln in enumerate(g.pieces[:-1], 1):
                acc += ln
                c = round(len(s) * acc / total)
                c = max(cuts[-1] + 1, min(c, len(s) - (k - j)))
                cuts.append(c)
            cuts.append(len(s))
            for pi in range(k):
                vals[f"B{gi}.{pi}"] = s[cuts[pi] : cuts[pi + 1]]
        if self._plain_p:
            vals["EXTRA"] = "".join(f"{self._plain_p}　　{t}</p>{self._extra_sep}" for t in extras)
        else:
            vals["EXTRA"] = ""
        return vals, paras, caps

    def render(self, vals: dict[str, str]) -> bytes:
        out = self.parts[:]
        out[1::2] = [vals[n] for n in self.parts[1::2]]
        return "".join(out).encode(self.encoding)


def load_templates(folder: Path, names) -> dict[str, Template]:
    found = {}
    for name in names:
        case = folder / name
        if (case / "page.html").is_file() and (case / "facts.json").is_file():
            found[name] = Template(name, case)
        else:
            print(f"sitegen: template {name} not found in {folder}, skipped", file=sys.stderr)
    return found


# -- the site model ------------------------------------------------------------------------------


@dataclass
class Article:
    id: str
    kind: str  # finance | news | mobile
    template: str
    column: str
    ctime: int
    seed: int
    columns: list[str] = field(default_factory=list)
    title: str = ""
    url: str = ""
    wapurl: str = ""
    path: str = ""
    intime: int = 0
    mtime: int = 0
    source: str = ""
    editor: str | None = None
    keywords: list[str] = field(default_factory=list)
    paras: list[str] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)
    img: str | None = None
    lists: list[str] = field(default_factory=list)
    tracking_url: str | None = None
    folder: str = ""
    special: str | None = None


# -- images (--special) -------------------------------------------------------------------------


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


def bj(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, BEIJING)


def api_url(pageid: int, lid: int, num: int, page: int) -> str:
    return f"https://{API_HOST}{API_PATH}?pageid={pageid}&lid={lid}&num={num}&page={page}"


def replay_key(url: str) -> str:
    """Same as sinacrawl.replay.replay_key (kept here so the tool runs without the project)."""
    parts = urlsplit(url.strip())
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("_", "r")
    )
    return f"{(parts.hostname or '').lower()}{parts.path or '/'}?{urlencode(query)}"


class Site:
    def __init__(
        self,
        out: Path,
        n: int,
        seed: int,
        columns: list[str],
        page_size: int,
        special: bool,
        templates_dir: Path,
    ):
        self.out, self.n, self.seed, self.page_size, self.special = out, n, seed, page_size, special
        self.column_keys = columns
        self.rng = random.Random(seed)
        self.templates_dir = templates_dir
        tpl_names = list(FINANCE_TEMPLATES) + list(NEWS_TEMPLATES) + list(MOBILE_TEMPLATES)
        self.templates = load_templates(templates_dir, tpl_names)
        self.finance_pool = {k: w for k, w in FINANCE_TEMPLATES.items() if k in self.templates}
        if not self.finance_pool:
            raise SystemExit(f"sitegen: no finance templates in {templates_dir}")
        self.news_pool = {
            k: w for k, w in NEWS_TEMPLATES.items() if k in self.templates
        } or self.finance_pool
        self.mobile_pool = {
            k: w for k, w in MOBILE_TEMPLATES.items() if k in self.templates
        } or self.finance_pool
        self.ids: set[str] = set()
        self.titles: set[str] = set()
        self.bodies: set[str] = set()
        self.articles: list[Article] = []
        self.extra_items: dict[str, list[dict]] = {}  # column -> special roll items (not articles)
        self.specials: list[dict] = []
        self.recordings: list[str] = []
        self.column_files: dict[str, dict] = {}
        self.list_pages: list[str] = []
        self.image_urls: list[str] = []
        self.images: list[dict] = []

    # ids, titles
    def new_id(self, rng: random.Random) -> str:
        while True:
            i = make_id(rng)
            if i not in self.ids:
                self.ids.add(i)
                return i

    def new_title(self, rng: random.Random) -> str:
        for _ in range(1000):
            t = make_title(rng)
            if t not in self.titles and len(t) <= 34:
                self.titles.add(t)
                return t
        raise RuntimeError("cannot find a fresh title")

    @staticmethod
    def pick(rng: random.Random, weights: dict[str, int]) -> str:
        keys = list(weights)
        return rng.choices(keys, [weights[k] for k in keys])[0]

    # -- plan ------------------------------------------------------------------------------
    def plan(self) -> None:
        rng = self.rng
        colw = {k: COLUMNS[k][4] for k in self.column_keys}
        t = int(NEWEST.timestamp())
        for _ in range(self.n):
            r = rng.random()
            kind = "news" if r < 0.05 else "mobile" if r < 0.07 else "finance"
            pool = {"news": self.news_pool, "mobile": self.mobile_pool}.get(kind, self.finance_pool)
            template = self.pick(rng, pool)
            t -= int(rng.expovariate(1 / 3000)) + 40
            ctime = t
            if self.templates[template].minute_only:
                ctime -= ctime % 60
            column = self.pick(rng, colw)
            a = Article(
                id=self.new_id(rng),
                kind=kind,
                template=template,
                column=column,
                ctime=ctime,
                seed=rng.getrandbits(48),
                columns=[column],
            )
            self.articles.append(a)
        if len(self.column_keys) > 1:  # about 3% of the articles are listed in two columns
            for a in rng.sample(self.articles, max(1, round(0.03 * self.n))):
                a.columns.append(rng.choice([k for k in self.column_keys if k != a.column]))
        if self.special:
            self.plan_specials()
        # list pages: the oldest desktop finance articles, 40 a page, 2 or 3 pages
        eligible = sorted(
            (a for a in self.articles if a.kind == "finance"), key=lambda a: (a.ctime, a.id)
        )
        pages = (
            3
            if len(eligible) >= 3 * LIST_PER_PAGE
            else 2
            if len(eligible) >= 2 * LIST_PER_PAGE
            else max(1, -(-len(eligible) // LIST_PER_PAGE))
        )
        chosen = sorted(eligible[: pages * LIST_PER_PAGE], key=lambda a: (-a.ctime, a.id))
        self.list_chunks = [
            chosen[i : i + LIST_PER_PAGE] for i in range(0, len(chosen), LIST_PER_PAGE)
        ]
        for n, chunk in enumerate(self.list_chunks, 1):
            for a in chunk:
                a.lists.append(f"zq1-{n}")

    def plan_specials(self) -> None:
        """--special: the odd recordings a crawler must survive (see README)."""
        rng = random.Random(self.seed * 7919 + 17)
        first = self.column_keys[0]
        newest = sorted(self.articles, key=lambda a: (-a.ctime, a.id))
        plain = [a for a in newest if a.kind == "finance" and len(a.columns) == 1]
        # a JSONP-wrapped reply for (155, 1688): six articles that only that column lists
        for a in plain[1:31:5][:6]:
            a.column, a.columns, a.special = "dfjj", ["dfjj"], "jsonp_column"
        # a news.sina.com.cn article among the newest of the first column
        news = next(a for a in plain if a.column == first and a.special is None)
        news.kind, news.template, news.special = (
            "news",
            self.pick(rng, self.news_pool),
            "news_in_list",
        )
        # an article listed twice: clean in the first column, with tracking params in another
        other = next((k for k in self.column_keys if k != first), None)
        trk = next(
            a
            for a in plain
            if a.column == first
            and a.special is None
            and self.templates[a.template].encoding == "utf-8"
        )
        trk.special = "tracking_params"
        if other:
            trk.columns = [first, other]
        # a video page and a deleted (unrecorded) article, both listed in the first column
        vid = self.new_id(rng)
        vtime = int(datetime(2026, 11, 20, 16, 42, 5, tzinfo=BEIJING).timestamp())
        vurl = f"https://video.sina.com.cn/p/finance/2026-11-20/detail-i{vid}.d.html"
        did = self.new_id(rng)
        dtime = newest[2].ctime - 7
        durl = f"https://finance.sina.com.cn/china/gncj/{bj(dtime):%Y-%m-%d}/doc-i{did}.shtml"
        self.video = {
            "id": vid,
            "url": vurl,
            "ctime": vtime,
            "title": "视频｜" + self.new_title(rng).replace(" ", "，"),
        }
        self.extra_items.setdefault(first, []).extend(
            [
                {
                    "id": vid,
                    "url": vurl,
                    "wapurl": f"https://video.sina.cn/finance/2026-11-20/detail-i{vid}.d.html",
                    "ctime": vtime,
                    "title": self.video["title"],
                    "media_name": "新浪财经视频",
                    "keywords": "视频,财经",
                    "intro": "视频：" + self.video["title"],
                },
                {
                    "id": did,
                    "url": durl,
                    "wapurl": f"https://finance.sina.cn/china/gncj/{bj(dtime):%Y-%m-%d}/detail-i{did}.d.html",
                    "ctime": dtime,
                    "title": MISSING_ARTICLE_TITLE,
                    "media_name": "中国经营报",
                    "keywords": "产业政策,地方经济",
                    "intro": "某地调整产业扶持政策。",
                },
            ]
        )
        self.specials += [
            {
                "kind": "news_in_list",
                "id": news.id,
                "column": first,
                "note": "a news.sina.com.cn article (news template) in the roll list",
            },
            {
                "kind": "tracking_params",
                "id": trk.id,
                "columns": trk.columns,
                "note": f"listed clean in {first} and with ?cre=financepagepc&mod=f&loc=4 in "
                f"{other}; both URLs are recorded with the same page",
            },
            {
                "kind": "video",
                "id": vid,
                "url": vurl,
                "column": first,
                "recorded": True,
                "note": "video page: recorded, but has no article container (not an article)",
            },
            {
                "kind": "missing",
                "id": did,
                "url": durl,
                "column": first,
                "recorded": False,
                "note": "in the roll API but deliberately not recorded (answers 404: deleted)",
            },
        ]

    def plan_table_listings(self) -> None:
        """--special: every column of COLUMNS (the default column table) lists articles, so
        ``-a columns=all`` replays the whole table. A column none of the site's articles was
        generated in lists a few of them a second time, as Sina lists one article in several
        columns: articles whose URL path fits the column where there are enough, else any.
        Each column draws on an RNG of its own, after every article is built, so the
        articles and the replies of the generated columns are the same bytes as without it.
        Special articles are left alone and no article is listed in more than two columns."""
        listed = {k for a in self.articles for k in a.columns}
        for key, (_pageid, _lid, paths, mpath, _w) in COLUMNS.items():
            if key in listed:
                continue
            rng = random.Random(f"sitegen-{self.seed}-table-{key}")
            free = [a for a in self.articles if a.special is None and len(a.columns) == 1]
            prefixes = tuple(
                ["finance.sina.com.cn/" + p for p in paths]
                + [f"finance.sina.cn/{mpath}/"]
                + (["news.sina.com.cn/"] if key == "news" else [])
            )
            fits = [a for a in free if a.url.split("://", 1)[1].startswith(prefixes)]
            pool = fits if len(fits) >= 3 else free
            for a in rng.sample(pool, min(len(pool), rng.randint(3, 6))):
                a.columns.append(key)

    # -- fill in each article ------------------------------------------------------------------
    def build_article(self, a: Article) -> bytes:
        rng = random.Random(a.seed)
        tpl = self.templates[a.template]
        day = bj(a.ctime)
        date = f"{day:%Y-%m-%d}"
        spec = COLUMNS[a.column]
        if a.kind == "news":
            a.url = f"https://news.sina.com.cn/c/{date}/doc-i{a.id}.shtml"
            mpath = "china/gncj"
        elif a.kind == "mobile":
            mpath = spec[3]
            a.url = f"https://finance.sina.cn/{mpath}/{date}/detail-i{a.id}.d.html"
        else:
            path = rng.choice(spec[2])
            a.url = f"https://finance.sina.com.cn/{path}{date}/doc-i{a.id}.shtml"
            mpath = spec[3]
        a.wapurl = f"https://finance.sina.cn/{mpath}/{date}/detail-i{a.id}.d.html"
        a.title = self.new_title(rng)
        a.keywords = rng.sample(KEYWORDS, max(tpl.n_kw, 2))
        a.source = rng.choice(MEDIA)
        name = person_name(rng)
        a.editor = (
            (name + (f" SF0{rng.randint(10, 99)}" if rng.random() < 0.3 else ""))
            if tpl.has_editor
            else None
        )
        a.mtime = a.ctime + tpl.max_offset + rng.randint(60, 3 * 3600)
        a.intime = a.ctime + min(rng.randint(0, 90), a.mtime - a.ctime)
        for _ in range(50):
            vals, paras, _caps = tpl.body_values(rng, rng.choice((0, 0, 1, 2, 3)))
            digest = hashlib.sha1("".join(paras).encode()).digest()
            if digest not in self.bodies:
                self.bodies.add(digest)
                break
        else:  # pragma: no cover
            raise RuntimeError("cannot make a fresh body")
        a.paras = paras
        urlhp = a.url.split("://", 1)[1]
        vals.update(
            {
                "ID": a.id,
                "NUMID": a.id[7:],
                "URLHP": urlhp,
                "URLHPQ": quote(urlhp, safe=""),
                "WAPHP": a.wapurl.split("://", 1)[1],
                "TITLE": a.title,
                "TITLEQ": quote(a.title, safe=""),
                "KW": ",".join(a.keywords),
                "KWBAR": "|" + "|".join(a.keywords),
                "EDITOR": a.editor or "",
                "SOURCE": a.source,
                "DATE": date,
                "YMD": f"{day:%Y%m%d}",
                "YEAR": f"{day:%Y}",
            }
        )
        for i, k in enumerate(a.keywords):
            vals[f"KW{i}"] = k
        text = "".join(p for p in paras if len(p) > 14)
        vals["DESC"] = text[: tpl.desc_len] + tpl.desc_suffix
        base_min = a.ctime - a.ctime % 60
        for name_, (off, fmt) in tpl.tspecs.items():
            when = (
                a.mtime
                if name_.startswith("M")
                else (base_min if "%S" not in fmt else a.ctime) + off
            )
            vals[name_] = bj(when).strftime(fmt)
        # snippets a test can look for in the extracted body: from single text pieces
        a.snippets = self.snippets(tpl, vals, rng)
        if tpl.first_image:  # the same substitutions the page got
            img = tpl.first_image.replace(tpl.old_id, a.id) if tpl.old_id else tpl.first_image
            a.img = re.sub(r"(?<!\d)" + tpl.base_ymd + r"(?!\d)", f"{day:%Y%m%d}", img)
        return tpl.render(vals)

    @staticmethod
    def snippets(tpl: Template, vals: dict, rng: random.Random) -> list[str]:
        paras = [gi for gi, g in enumerate(tpl.groups) if g.kind == "para"]
        picks = [paras[0], paras[len(paras) // 2], paras[-1]] if paras else []
        out = []
        for gi in dict.fromkeys(picks):
            g = tpl.groups[gi]
            pieces = [vals[f"B{gi}.{pi}"] for pi in range(len(g.pieces))]
            longest = max(pieces, key=len)
            n = min(len(longest), 24)
            s = rng.randint(0, len(longest) - n)
            out.append(longest[s : s + n])
        return out

    # -- writing ---------------------------------------------------------------------------------
    def record(
        self, folder: str, url: str, name: str, body: bytes, meta: dict | None = None
    ) -> None:
        d = self.out / folder
        d.mkdir(parents=True, exist_ok=True)
        (d / "url.txt").write_text(url + "\n", encoding="utf-8")
        (d / name).write_bytes(body)
        if meta is not None:
            (d / "response.json").write_text(
                json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        self.recordings.append(url)

    def write(self) -> None:
        # articles
        for a in self.articles:
            page = self.build_article(a)
            tpl = self.templates[a.template]
            meta = None
            if tpl.encoding != "utf-8":
                meta = {
                    "status": 200,
                    "headers": {"Content-Type": f"text/html; charset={tpl.encoding}"},
                }
            a.folder = f"articles/{a.id}"
            self.record(a.folder, a.url, "page.html", page, meta)
            self.image_urls.extend(page_images(page.decode(tpl.encoding, "replace")))
            if a.special == "tracking_params":
                a.tracking_url = a.url + "?cre=financepagepc&mod=f&loc=4"
                self.record(f"articles/{a.id}-trk", a.tracking_url, "page.html", page, meta)
        if self.special:
            self.plan_table_listings()  # needs the articles' URLs; draws on RNGs of its own
            self.write_video()
            self.write_images()
        self.write_api()
        self.write_lists()
        self.write_robots()

    def api_item(self, a: Article, column: str) -> dict:
        url = a.url
        if a.tracking_url and column != a.columns[0]:
            url = a.tracking_url
        intro = "".join(p for p in a.paras if len(p) > 14)[:64]
        item = {
            "docid": f"comos:{a.id}",
            "title": a.title,
            "stitle": a.title.split(" ")[0] if " " in a.title else a.title[:16],
            "intro": intro,
            "url": url,
            "wapurl": a.wapurl,
            "ctime": str(a.ctime),
            "intime": str(a.intime),
            "mtime": str(a.mtime),
            "media_name": a.source,
            "keywords": ",".join(a.keywords),
        }
        if a.img:
            size = re.search(r"/w(\d+)h(\d+)/", a.img)
            item["img"] = {
                "u": "https:" + a.img if a.img.startswith("//") else a.img,
                "w": int(size.group(1)) if size else 640,
                "h": int(size.group(2)) if size else 360,
            }
        return item

    @staticmethod
    def extra_item(e: dict) -> dict:
        return {
            "docid": f"comos:{e['id']}",
            "title": e["title"],
            "stitle": e["title"][:16],
            "intro": e["intro"],
            "url": e["url"],
            "wapurl": e["wapurl"],
            "ctime": str(e["ctime"]),
            "intime": str(e["ctime"] + 30),
            "mtime": str(e["ctime"] + 600),
            "media_name": e["media_name"],
            "keywords": e["keywords"],
        }

    def api_body(self, pageid: int, lid: int, total: int, data: list) -> dict:
        return {
            "result": {
                "status": {"code": 0, "msg": "succ"},
                "timestamp": API_TIMESTAMP,
                "total": total,
                "lid": str(lid),
                "pageid": str(pageid),
                "data": data,
            }
        }

    def write_api(self) -> None:
        keys = list(self.column_keys)
        if self.special:  # (the order of the recordings before every column was recorded)
            keys = list(dict.fromkeys(keys + ["dfjj", "bwdt", "jrxw"] + list(COLUMNS)))
        for key in keys:
            pageid, lid = COLUMNS[key][:2]
            entries = [
                (a.ctime, a.id, self.api_item(a, key)) for a in self.articles if key in a.columns
            ]
            entries += [
                (e["ctime"], e["id"], self.extra_item(e)) for e in self.extra_items.get(key, [])
            ]
            entries.sort(key=lambda e: (-e[0], e[1]))
            items = [e[2] for e in entries]
            pages = [items[i : i + self.page_size] for i in range(0, len(items), self.page_size)]
            pages.append([])  # the page after the last answers with empty data
            urls = []
            for n, data in enumerate(pages, 1):
                url = api_url(pageid, lid, self.page_size, n)
                urls.append(url)
                folder = f"api/{pageid}-{lid}-{n}"
                body = self.api_body(pageid, lid, len(items), data)
                raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
                if self.special and key == "dfjj" and n == 1:
                    raw = f"try{{feedCardJsonpCallback({raw});}}catch(e){{}};"
                    self.record(
                        folder,
                        url,
                        "body.json",
                        raw.encode("utf-8"),
                        {
                            "status": 200,
                            "headers": {"Content-Type": "application/javascript; charset=utf-8"},
                        },
                    )
                    self.specials.append(
                        {
                            "kind": "jsonp",
                            "url": url,
                            "column": key,
                            "note": "JSONP: try{feedCardJsonpCallback({...});}catch(e){};",
                        }
                    )
                    continue
                self.record(folder, url, "body.json", raw.encode("utf-8"))
            self.column_files[key] = {
                "pageid": pageid,
                "lid": lid,
                "total": len(items),
                "pages": len(pages) - 1,
                "urls": urls,
            }
        if self.special:
            self.write_odd_lists()

    def write_odd_lists(self) -> None:
        """--special: two roll-API lists of no column of the table (so ``-a columns=all``
        never meets them): one whose first page answers ``data: []`` and ``total`` 0, one
        that answers an HTML error page with status 200. Tests serve them in place of a
        column's reply."""
        pageid, lid = ODD_LISTS["empty"]
        url = api_url(pageid, lid, self.page_size, 1)
        raw = json.dumps(
            self.api_body(pageid, lid, 0, []), ensure_ascii=False, separators=(",", ":")
        )
        self.record(f"api/{pageid}-{lid}-1", url, "body.json", raw.encode("utf-8"))
        self.specials.append(
            {
                "kind": "empty",
                "url": url,
                "column": None,
                "note": "a list of no column of the table: its first page answers with "
                "data: [] and total 0 (tests serve it in place of a column's reply)",
            }
        )
        pageid, lid = ODD_LISTS["malformed"]
        url = api_url(pageid, lid, self.page_size, 1)
        self.record(
            f"api/{pageid}-{lid}-1",
            url,
            "page.html",
            MALFORMED_PAGE.encode("utf-8"),
            {"status": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}},
        )
        self.specials.append(
            {
                "kind": "malformed",
                "url": url,
                "column": None,
                "note": "a list of no column of the table: an HTML error page with status 200 "
                "instead of JSON (tests serve it in place of a column's reply)",
            }
        )

    def write_lists(self) -> None:
        tpl_path = self.templates_dir / "not_article_list" / "page.html"
        page_tpl = tpl_path.read_bytes().decode("gbk") if tpl_path.is_file() else FALLBACK_LIST
        last = len(self.list_chunks)
        for n, chunk in enumerate(self.list_chunks, 1):
            lis = "\n".join(
                f'<li><a href="http://{a.url.split("://", 1)[1]}" target="_blank">{a.title}</a>'
                f"<span>({bj(a.ctime):%m月%d日 %H:%M})</span></li>"
                for a in chunk
            )
            pager = ['<div class="pagebox">']
            prev = LIST_BASE.format(n=n - 1)
            pager.append(
                '<span class="pagebox_pre_nolink">上一页</span>'
                if n == 1
                else f'<span class="pagebox_pre"><a href="{prev}">上一页</a></span>'
            )
            for k in range(1, last + 1):
                pager.append(
                    f'<span class="pagebox_num_nonce">{k}</span>'
                    if k == n
                    else f'<span class="pagebox_num"><a href="{LIST_BASE.format(n=k)}">{k}</a>'
                    "</span>"
                )
            pager.append(
                f'<span class="pagebox_next"><a href="{LIST_BASE.format(n=n + 1)}">下一页</a>'
                "</span>"
                if n < last
                else '<span class="pagebox_next_nolink">下一页</span>'
            )
            pager.append("</div>")
            items_html, pager_html = "\n" + lis + "\n", "\n" + "\n".join(pager) + "\n"
            html = re.sub(
                r'(<ul class="list_009">).*?(</ul>)',
                lambda m, x=items_html: m.group(1) + x + m.group(2),
                page_tpl,
                count=1,
                flags=re.S,
            )
            html = re.sub(
                r"(<!-- 分页 begin -->).*?(<!-- 分页 end -->)",
                lambda m, x=pager_html: m.group(1) + x + m.group(2),
                html,
                count=1,
                flags=re.S,
            )
            url = LIST_BASE.format(n=n)
            self.list_pages.append(url)
            self.record(
                f"list/zq1-{n}",
                url,
                "page.html",
                html.encode("gbk"),
                {"status": 200, "headers": {"Content-Type": "text/html; charset=gbk"}},
            )

    def write_robots(self) -> None:
        for host, lines in ROBOTS.items():
            body = (
                f"# robots.txt for {host}\nUser-agent: *\n" + "\n".join(lines) + "\n\n"
                "User-agent: Baiduspider\nDisallow: /iframe/\n"
            )
            self.record(
                f"robots/{host}",
                f"https://{host}/robots.txt",
                "body",
                body.encode("ascii"),
                {"status": 200, "headers": {"Content-Type": "text/plain"}},
            )

    def write_video(self) -> None:
        v = self.video
        html = VIDEO_PAGE.format(
            title=v["title"],
            id=v["id"],
            url=v["url"],
            time=bj(v["ctime"]).strftime("%Y-%m-%d %H:%M:%S"),
            vid=int(v["id"][7:]) + 300000000,
        )
        self.record(f"video/{v['id']}", v["url"], "page.html", html.encode("utf-8"))

    def write_images(self) -> None:
        """Every image the article pages show (and the default head image), as small
        generated images: JPEG bytes for .jpg/.jpeg URLs, PNG for the rest. Bytes depend on
        the URL alone; nothing else of the site changes."""
        for url in sorted(set(self.image_urls) | {DEFAULT_IMAGE}):
            digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
            path = urlsplit(url).path.lower()
            if path.endswith((".jpg", ".jpeg")):
                body, kind = jpeg_bytes(url.encode("utf-8")), "image/jpeg"
            else:
                body, kind = png_bytes(url.encode("utf-8")), "image/png"
            folder = f"images/{digest}"
            meta = {"status": 200, "headers": {"Content-Type": kind}}
            self.record(folder, url, "body", body, meta)
            self.images.append(
                {
                    "url": url,
                    "recording": folder,
                    "type": kind,
                    "sha256": hashlib.sha256(body).hexdigest(),
                }
            )

    def manifest(self) -> dict:
        arts = []
        for a in sorted(self.articles, key=lambda a: (-a.ctime, a.id)):
            entry = {
                "id": a.id,
                "url": a.url,
                "column": a.column,
                "columns": a.columns,
                "ctime": a.ctime,
                "published": bj(a.ctime).isoformat(),
                "intime": a.intime,
                "mtime": a.mtime,
                "title": a.title,
                "template": a.template,
                "encoding": self.templates[a.template].encoding,
                "kind": a.kind,
                "source": a.source,
                "editor": ("责任编辑：" + a.editor) if a.editor else None,
                "keywords": a.keywords,
                "keywords_on_page": self.templates[a.template].n_kw > 0,
                "wapurl": a.wapurl,
                "image": a.img,
                "body_contains": a.snippets,
                "paragraphs": len(a.paras),
                "lists": a.lists,
                "recording": a.folder,
            }
            if a.tracking_url:
                entry["tracking_url"] = a.tracking_url
            if a.special:
                entry["special"] = a.special
            arts.append(entry)
        return {
            "generator": GENERATOR,
            "seed": self.seed,
            "articles_requested": self.n,
            "page_size": self.page_size,
            "special": self.special,
            "api_timestamp": API_TIMESTAMP,
            "counts": {"articles": len(arts), "recordings": len(self.recordings)},
            "columns": self.column_files,
            "lists": {
                "zq1": {"urls": self.list_pages, "per_page": LIST_PER_PAGE, "encoding": "gbk"}
            },
            "robots": [f"https://{h}/robots.txt" for h in ROBOTS],
            "specials": self.specials,
            "images": self.images,
            "not_recorded": {
                "wapurl": "mobile twins in the roll items' wapurl are not recorded, except the "
                "mobile articles whose url is on finance.sina.cn",
                "img": "roll items' img.u thumbnails are not recorded; without --special, "
                "neither are the pages' images",
                "list_next": "the page after the last zq1 list page (which has no next link)",
            },
            "articles": arts,
        }


MALFORMED_PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>系统繁忙</title></head>
<body>
<div class="error-box" style="margin:80px auto;width:480px;text-align:center;">
<h1>系统繁忙，请稍后再试</h1>
<p>error code: 10021 (upstream timeout)</p>
</div>
</body>
</html>
"""

VIDEO_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}_新浪视频</title>
<meta name="keywords" content="视频,财经">
<meta property="og:type" content="video">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="//n.sinaimg.cn/default/2fb77759/20151125/320X320.png">
<meta name="publishid" content="{id}">
<meta name="comment" content="sp:comos-{id}">
<script>
var $SCOPE = {{ video_id: '{vid}', pid: '1', vid: '{vid}', docid: '{id}', channel: 'sp' }};
</script>
</head>
<body>
<div class="sina-header"><a href="https://video.sina.com.cn/">新浪视频</a> <a href="https://finance.sina.com.cn/">财经</a></div>
<div class="video-wrap" id="videoWrap">
  <h2 class="video-title">{title}</h2>
  <div class="video-info"><span class="video-time">{time}</span>
    <span class="video-source">新浪财经视频</span></div>
  <div class="video-player" id="videoPlayer" data-vid="{vid}"><!-- player (JavaScript) --></div>
  <div class="video-related" id="videoRelated"><!-- related videos (JavaScript) --></div>
</div>
<script src="//n.sinaimg.cn/video/player/js/player.min.js"></script>
</body>
</html>
"""

FALLBACK_LIST = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk" />
<title>证券要闻_滚动新闻_新浪财经_新浪网</title></head>
<body><div class="listBlk"><div class="bd">
<!-- 列表 begin -->
<ul class="list_009"></ul>
<!-- 列表 end -->
<!-- 分页 begin -->
<!-- 分页 end -->
</div></div></body></html>
"""


# -- verification ---------------------------------------------------------------------------------


def verify(out: Path) -> list[str]:
    """Check a generated site; returns a list of problems (empty when all is well)."""
    problems: list[str] = []
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rec: dict[str, Path] = {}
    for url_file in out.rglob("url.txt"):
        key = replay_key(url_file.read_text(encoding="utf-8"))
        if key in rec:
            problems.append(f"two recordings for {key}")
        rec[key] = url_file.parent
    missing_ok = {replay_key(s["url"]) for s in manifest["specials"] if s.get("recorded") is False}
    malformed = {replay_key(s["url"]) for s in manifest["specials"] if s["kind"] == "malformed"}
    listed: dict[str, set[str]] = {}
    checked_urls = 0
    for folder in sorted((out / "api").iterdir()):
        url = (folder / "url.txt").read_text(encoding="utf-8").strip()
        q = dict(parse_qsl(urlsplit(url).query))
        if sorted(q) != ["lid", "num", "page", "pageid"]:
            problems.append(f"{url}: unexpected params")
        if replay_key(url) in malformed:
            continue
        raw = (folder / "body.json").read_text(encoding="utf-8")
        m = re.fullmatch(r"try\{\w+\((.*)\);\}catch\(e\)\{\};", raw, re.S)
        try:
            body = json.loads(m.group(1) if m else raw)
        except ValueError as exc:
            problems.append(f"{folder}: invalid JSON ({exc})")
            continue
        data = body["result"]["data"]
        ctimes = [int(i["ctime"]) for i in data]
        if ctimes != sorted(ctimes, reverse=True):
            problems.append(f"{url}: not newest first")
        for item in data:
            checked_urls += 1
            key = replay_key(item["url"])
            if key not in rec and key not in missing_ok:
                problems.append(f"{url}: item {item['url']} has no recording")
            listed.setdefault(item["docid"][6:], set()).add(f"{q['pageid']}-{q['lid']}")
    for url in manifest["lists"]["zq1"]["urls"]:
        folder = rec.get(replay_key(url))
        if folder is None:
            problems.append(f"list page {url} not recorded")
            continue
        try:
            html = (folder / "page.html").read_bytes().decode("gbk")
        except UnicodeDecodeError as exc:
            problems.append(f"{url}: not strict GBK ({exc})")
            continue
        ul = re.search(r'<ul class="list_009">(.*?)</ul>', html, re.S).group(1)
        pager = re.search(r"<!-- 分页 begin -->(.*?)<!-- 分页 end -->", html, re.S).group(1)
        for href in re.findall(r'href="([^"]+)"', ul + pager):
            checked_urls += 1
            if replay_key(href) not in rec:
                problems.append(f"{url}: link {href} has no recording")
    for a in manifest["articles"]:
        folder = rec.get(replay_key(a["url"]))
        if folder is None:
            problems.append(f"article {a['id']} not recorded")
            continue
        raw = (folder / "page.html").read_bytes()
        try:
            text = raw.decode(a["encoding"])
        except UnicodeDecodeError as exc:
            problems.append(f"{a['id']}: not strict {a['encoding']} ({exc})")
            continue
        if a["id"] not in text and f",{a['id'][7:]}]" not in text:  # 2005 pages: [111,3,<digits>]
            problems.append(f"{a['id']}: id missing from its page")
        for needle in [a["title"], a["source"]] + a["body_contains"]:
            if needle not in text:
                problems.append(f"{a['id']}: {needle!r} missing from its page")
        when = datetime.fromtimestamp(a["ctime"], BEIJING)
        forms = [when.strftime("%Y-%m-%d %H:%M:%S"), when.strftime("%Y年%m月%d日")]
        if not any(f in text for f in forms):
            problems.append(f"{a['id']}: ctime {forms[0]} not on its page")
        want = {f"{COLUMNS[c][0]}-{COLUMNS[c][1]}" for c in a["columns"]}
        if want - listed.get(a["id"], set()):
            problems.append(f"{a['id']}: not in the API lists of {sorted(want)}")
    if manifest["special"]:  # every column of the table lists articles: columns=all replays
        for key in COLUMNS:
            if not manifest["columns"].get(key, {}).get("total"):
                problems.append(f"column {key} lists no article")
    for image in manifest.get("images", []):  # (--special) recorded, with their hash
        folder = rec.get(replay_key(image["url"]))
        if folder is None:
            problems.append(f"image {image['url']} not recorded")
        elif hashlib.sha256((folder / "body").read_bytes()).hexdigest() != image["sha256"]:
            problems.append(f"image {image['url']}: bytes differ from the manifest's hash")
    ids = [a["id"] for a in manifest["articles"]]
    if len(set(ids)) != len(ids) or not all(re.fullmatch(r"[a-z]{7}\d{7}", i) for i in ids):
        problems.append("article ids not unique or not 7 letters + 7 digits")
    try:
        from protego import Protego
    except ImportError:  # pragma: no cover
        Protego = None
    if Protego:
        probe = (
            [a["url"] for a in manifest["articles"]]
            + [u for c in manifest["columns"].values() for u in c["urls"]]
            + manifest["lists"]["zq1"]["urls"]
        )
        for url in probe:
            host = urlsplit(url).hostname
            folder = rec.get(replay_key(f"https://{host}/robots.txt"))
            if folder and not Protego.parse((folder / "body").read_text()).can_fetch(
                url, "sinacrawl"
            ):
                problems.append(f"robots.txt of {host} blocks {url}")
    print(
        f"verify: {len(rec)} recordings, {checked_urls} listed URLs, "
        f"{len(manifest['articles'])} articles checked; {len(problems)} problem(s)"
    )
    return problems


# -- main ---------------------------------------------------------------------------------------


def prepare_out(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()):
        mf = out / "manifest.json"
        ours = False
        if mf.is_file():
            try:
                ours = json.loads(mf.read_text(encoding="utf-8")).get("generator") == GENERATOR
            except ValueError:
                ours = False
        if not (ours or force):
            raise SystemExit(
                f"sitegen: {out} is not empty and holds no sitegen manifest "
                "(pass --force to write into it anyway)"
            )
        for name in ("articles", "api", "list", "robots", "video", "images"):
            if (out / name).is_dir():
                shutil.rmtree(out / name)
        if mf.is_file():
            mf.unlink()
    out.mkdir(parents=True, exist_ok=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Generate a recorded offline Sina Finance site.")
    p.add_argument("out", type=Path, help="output folder (recordings + manifest.json)")
    p.add_argument("--articles", type=int, default=120, help="number of articles (default 120)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--columns",
        default=",".join(DEFAULT_COLUMN_KEYS),
        help=f"roll API columns, comma-separated keys of: {', '.join(COLUMNS)} "
        "(default china,hgjj,roll)",
    )
    p.add_argument("--page-size", type=int, default=50, help="roll API items a page (num=)")
    p.add_argument(
        "--special",
        action="store_true",
        help="add the odd recordings of the committed fixture site (JSONP, empty, "
        "malformed replies, news/video/tracking/deleted items) and record every column "
        "of COLUMNS",
    )
    p.add_argument(
        "--templates",
        type=Path,
        default=DEFAULT_TEMPLATES,
        help="folder of template article cases (default fixtures/article)",
    )
    p.add_argument("--verify", action="store_true", help="check the written site afterwards")
    p.add_argument("--force", action="store_true", help="write into a non-empty foreign folder")
    args = p.parse_args(argv)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown or not columns:
        p.error(f"unknown column(s) {unknown}; known: {', '.join(COLUMNS)}")
    if args.articles < (40 if args.special else 1) or args.page_size < 1:
        p.error("--articles must be >= 1 (>= 40 with --special) and --page-size >= 1")
    _check_gb2312()
    started = time.perf_counter()
    prepare_out(args.out, args.force)
    site = Site(
        args.out, args.articles, args.seed, columns, args.page_size, args.special, args.templates
    )
    site.plan()
    site.write()
    (args.out / "manifest.json").write_text(
        json.dumps(site.manifest(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"sitegen: {len(site.articles)} articles, {len(site.recordings)} recordings "
        f"in {args.out} ({time.perf_counter() - started:.1f}s)"
    )
    if args.verify:
        problems = verify(args.out)
        for line in problems[:50]:
            print("  " + line, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
