"""The junk table drives the cleaner: every row of ``sinacrawl.clean.junk.RULES`` has a case
here, the case is classified by that row (and by no other: without the row it is not), and
the cleaned body has lost it.

A new row in RULES needs one line in CASES: markup, holding the word JUNK, that the row (and
only the row) removes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from sinacrawl.clean import clean_body, junk
from sinacrawl.clean.junk import RULES, VOID_TAGS, JunkTable, Rule
from sinacrawl.tree import fragment

BASE = "https://finance.sina.com.cn/china/2026-11-20/doc-inabcdef1234567.shtml"
WRAP = '<div id="artibody"><p>　　正文开头。</p>{}<p>　　正文结尾。</p></div>'
QR = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"

# fmt: off
CASES = {
    "tag:script": "<script>var JUNK = 1;</script>",
    "tag:style": "<style>.JUNK{color:red}</style>",
    "tag:iframe": '<iframe src="https://example.com/">JUNK</iframe>',
    "tag:frame": '<frame src="https://example.com/JUNK">',
    "tag:frameset": '<frameset cols="JUNK"></frameset>',
    "tag:object": "<object>JUNK</object>",
    "tag:embed": '<embed src="https://example.com/JUNK.swf">',
    "tag:applet": '<applet code="JUNK.class"></applet>',
    "tag:noscript": "<noscript>JUNK</noscript>",
    "tag:input": '<input value="JUNK">',
    "tag:button": "<button>JUNK</button>",
    "tag:select": "<select><option>JUNK</option></select>",
    "tag:textarea": "<textarea>JUNK</textarea>",
    "tag:link": '<link rel="stylesheet" href="https://example.com/JUNK.css">',
    "tag:meta": '<meta name="x" content="JUNK">',
    "tag:template": "<template>JUNK</template>",
    "tag:canvas": "<canvas>JUNK</canvas>",
    "tag:audio": "<audio>JUNK</audio>",
    "tag:video": "<video>JUNK</video>",
    "tag:source": '<source src="https://example.com/JUNK.mp4">',
    "tag:base": '<base href="https://example.com/JUNK/">',
    "tag:isindex": '<isindex prompt="JUNK">',
    "tag:param": '<param name="JUNK" value="1">',
    "tag:track": '<track src="https://example.com/JUNK.vtt">',
    "tag:keygen": '<keygen name="JUNK">',
    "tag:bgsound": '<bgsound src="https://example.com/JUNK.mid">',
    "class:article-editor": '<p class="article-editor">责任编辑：JUNK</p>',
    "class:show_author": '<p class="show_author">责任编辑：JUNK</p>',
    "class:appendQr_wrap": '<div class="appendQr_wrap">扫码下载JUNK</div>',
    "class:appendQr_normal": '<div class="appendQr_normal">扫码JUNK</div>',
    "class:appendQr_normal_txt": '<p class="appendQr_normal_txt">下载JUNK</p>',
    "class:tech-quotation": '<div class="tech-quotation">JUNK</div>',
    "class:finance_app_sina": '<div class="finance_app_sina">JUNK</div>',
    "class:ct_hqimg": '<div class="ct_hqimg">行情图JUNK</div>',
    "class:hqimg_wrapper": '<div class="hqimg_wrapper">行情图JUNK</div>',
    "class:video-2017": '<div class="video-2017">JUNK</div>',
    "class:artical-player-wrap": '<div class="artical-player-wrap">JUNK</div>',
    "class:fin_art_weixin": '<div class="fin_art_weixin">关注JUNK</div>',
    "class:article-keywords": '<div class="article-keywords">JUNK</div>',
    "class:new_style_article": '<div class="new_style_article">JUNK</div>',
    "class:article-notice": '<div class="article-notice">JUNK</div>',
    "class:ggcontent": '<div class="ggcontent">JUNK</div>',
    "class:page-view": '<div class="page-view">JUNK</div>',
    "class:wap_special": '<div class="wap_special">JUNK</div>',
    "class:sinaads": '<ins class="sinaads" data-ad-pdps="x">JUNK</ins>',
    "class:article-bottom": '<div class="article-bottom">JUNK</div>',
    "class:keywords": '<p class="keywords">关键词：JUNK</p>',
    "class_contains:kaihu": '<div class="app-kaihu-qr">开户JUNK</div>',
    "class_prefix:otherContent": '<div class="otherContent_01">JUNK</div>',
    "p.class_prefix:finance_web": '<p class="finance_web_ad">JUNK</p>',
    "id:left_hzh_ad": '<div id="left_hzh_ad">JUNK</div>',
    "id:lcs_wrap": '<div id="lcs_wrap">理财师JUNK</div>',
    "id_prefix:ad_": '<div id="ad_44086">JUNK</div>',
    "id_prefix:videoList": '<div id="videoList01">JUNK</div>',
    "span.id_prefix:quote_": '<p>股价<span id="quote_sh600000">JUNK</span>。</p>',
    "attr:sax-type": '<div sax-type="proxy">JUNK</div>',
    "attr:hidden": "<p hidden>JUNK</p>",
    "attr_value:data-sudaclick=suda_1028_guba": '<p data-sudaclick="suda_1028_guba">JUNK</p>',
    "hidden_style:display\\s*:\\s*none": '<p style="display: none">JUNK</p>',
    "hidden_style:visibility\\s*:\\s*hidden": '<p style="visibility:hidden">JUNK</p>',
    "image:/finance/cece9e13/20200514/343233024.png": f'<p><img src="{QR}?JUNK=1"></p>',
    "paragraph:免责声明:": "<p>免责声明:JUNK</p>",
    "paragraph:免责声明：": "<p>　　免责声明：JUNK</p>",
    "paragraph:进入【新浪财经股吧】讨论": "<p>进入【新浪财经股吧】讨论JUNK</p>",
}
# fmt: on
ROWS = {r.key: r for r in RULES}


def test_every_row_has_a_case_and_every_case_a_row():
    assert len(ROWS) == len(RULES), "two rows with the same key"
    assert set(CASES) - set(ROWS) == set(), "cases of no row"
    assert set(ROWS) - set(CASES) == set(), "rows without a case: add one to CASES"


def _classified(table: JunkTable, rule: Rule, case: str) -> bool:
    """Whether ``table`` gives the case the verdict ``rule`` gives it."""
    root = fragment(f"<div>{case}</div>")
    if rule.match == "image":
        return table.junk_image(urlsplit(next(root.iter("img")).get("src")).path)
    if rule.match == "paragraph":
        return table.junk_paragraph("".join(next(root.iter("p")).itertext()))
    wanted = "unwrap" if rule.match == "tag" and rule.value in VOID_TAGS else rule.verdict
    tag = rule.tag or (rule.value if rule.match == "tag" else None)
    if tag is None:
        el = root[0][0]  # the case's own element, in the wrapping <div>
    else:  # (the parser may have moved it, or it sits inside a paragraph)
        el = next(e for e in root.iter() if e.tag == tag)
    return table.verdict(el, el.tag) == wanted


@pytest.mark.parametrize("key", sorted(CASES))
def test_the_row_and_only_the_row_classifies_its_case(key):
    rule = ROWS[key]
    assert _classified(junk.TABLE, rule, CASES[key]), f"{key}: its row does not catch its case"
    without = JunkTable([r for r in RULES if r is not rule])
    assert not _classified(without, rule, CASES[key]), f"{key}: caught without its row"


@pytest.mark.parametrize("key", sorted(CASES))
def test_the_cleaned_body_has_lost_the_case(key):
    for fast in (True, False):
        html = clean_body(WRAP.format(CASES[key]), BASE, fast=fast).html
        assert "正文开头" in html and "正文结尾" in html, html
        if ROWS[key].verdict == "editor":  # the editor line is kept, last
            assert html.endswith('<p class="article-editor">责任编辑：JUNK</p>'), html
        else:
            assert "JUNK" not in html, html


def test_a_new_row_is_all_it_takes(monkeypatch):
    """A newcomer's row: junk the other rules and the allow-list keep, until the row exists."""
    case = WRAP.format('<div class="newcomer-promo">扫码领红包JUNK</div>')
    assert "JUNK" in clean_body(case, BASE).html
    monkeypatch.setattr(junk, "TABLE", JunkTable((*RULES, Rule("class", "newcomer-promo"))))
    for fast in (True, False):
        assert "JUNK" not in clean_body(case, BASE, fast=fast).html


def test_a_bad_row_is_refused():
    with pytest.raises(ValueError, match="bad rule"):
        JunkTable([Rule("colour", "red")])
    with pytest.raises(ValueError, match="bad rule"):
        JunkTable([Rule("class", "x", verdict="keep")])
