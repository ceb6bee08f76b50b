"""The cleaner: junk blocks removed, text kept whole, safe output, stable on its own output."""

from __future__ import annotations

import pytest

from sinacrawl.clean import clean_body, prune, sanitize

BASE = "https://finance.sina.com.cn/roll/2020-01-01/doc-iabcdefg1234567.shtml"


def clean(html: str, editor: str | None = None) -> str:
    return clean_body(html, BASE, editor).html


def test_ad_splice_comment_markers_leave_sentence_whole():
    # the page object cuts NEWSZW spans before parsing; comments alone must not split text
    out = clean("<div><p>　　获得了5<!-- x -->00万元</p></div>")
    assert out == "<p>　　获得了500万元</p>"


@pytest.mark.parametrize(
    "junk",
    [
        "<script>alert(1)</script>",
        "<style>.a{color:red}</style>",
        '<iframe src="https://evil.example/"></iframe>',
        '<div class="clearfix appendQr_wrap"><div class="appendQr_normal"><img src="https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"></div><div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div></div>',
        '<div class="ct_hqimg"><img src="http://image.sinajs.cn/newchart/min/n/sh000001.gif"><a href="x">热点栏目</a></div>',
        '<ins class="sinaads" data-ad-pdps="PDPS000000060745"></ins>',
        '<div id="ad_44086" class="otherContent_01">广告</div>',
        '<div sax-type="proxy" class="j_native_opq240314 box">推广</div>',
        '<div class="video-2017" id="videoList0" style></div>',
        '<div style="display:none">隐藏文字</div>',
        '<p><span style="font-family: KaiTi_GB2312,KaiTi;">免责声明：自媒体综合提供的内容均源自自媒体，版权归原作者所有。</span></p>',
        '<div data-sudaclick="suda_1028_guba"><p>进入<a href="http://guba.sina.com.cn">【新浪财经股吧】</a>讨论</p></div>',
        '<form action="/x"><input name="q"></form>',
        "<!-- 行情图begin --><!-- 行情图end -->",
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_junk_removed(junk):
    out = clean(f"<div><p>　　正文第一段。</p>{junk}<p>　　正文第二段。</p></div>")
    assert out == "<p>　　正文第一段。</p>\n<p>　　正文第二段。</p>"


def test_stock_quote_span_dropped_name_kept():
    html = (
        '<div><p>　　龙头<span id="stock_sh600519"><a href="https://finance.sina.com.cn/realstock/'
        'company/sh600519/nc.shtml" class="keyword" target="_blank">贵州茅台</a></span>'
        '<span id="quote_sh600519">1678.50</span>走强。</p></div>'
    )
    out = clean(html)
    assert "1678.50" not in out
    assert (
        '龙头<a href="https://finance.sina.com.cn/realstock/company/sh600519/nc.shtml">贵州茅台</a>走强'
        in out
    )


def test_links_absolute_and_scripts_urls_dropped():
    out = clean(
        '<div><p><a href="/a.shtml" onclick="x()">站内</a><a href="javascript:alert(1)">坏</a>'
        '<a href="//weibo.com/u/1">微博</a></p></div>'
    )
    assert '<a href="https://finance.sina.com.cn/a.shtml">站内</a>' in out
    assert "javascript" not in out and "onclick" not in out
    assert '<a href="https://weibo.com/u/1">微博</a>' in out


def test_caption_becomes_figure():
    out = clean(
        '<div><div class="img_wrapper"><img src="//n.sinaimg.cn/a.jpg" alt="图" id="0">'
        '<span class="img_descr">图说</span></div></div>'
    )
    assert out == (
        '<figure><img src="https://n.sinaimg.cn/a.jpg" alt="图" referrerpolicy="no-referrer">'
        "<figcaption>图说</figcaption></figure>"
    )


def test_editor_line_moves_last_once():
    html = '<div><p class="article-editor">责任编辑：张三 </p><p>　　正文。</p></div>'
    assert clean(html) == '<p>　　正文。</p>\n<p class="article-editor">责任编辑：张三</p>'
    assert (
        clean(html, editor="责任编辑：李四")
        == '<p>　　正文。</p>\n<p class="article-editor">责任编辑：李四</p>'
    )


def test_text_directly_in_container_is_wrapped():
    out = clean("<div>　　第一段<br><br><p>　　第二段</p>尾巴</div>")
    assert (
        out.startswith("<p>　　第一段")
        and "<p>　　第二段</p>" in out
        and out.endswith("<p>尾巴</p>")
    )


def test_cms_style_bold_font_becomes_strong():
    out = clean(
        '<div><p cms-style="font-L"><font cms-style="font-L strong-Bold">小标题</font></p></div>'
    )
    assert out == "<p><strong>小标题</strong></p>"


def test_clean_is_stable_on_fixture_bodies(article_case):
    from sinacrawl.pages import ArticlePage

    item = ArticlePage(article_case.response()).item()
    once = clean_body(item["body_html"], item["url"], item.get("editor")).html
    assert clean_body(once, item["url"]).html == once


def test_sanitize_is_last_word():
    # prune never sees this; sanitize alone must neutralise it
    out = sanitize('<p onmouseover="x">a</p><img src="x" onerror="y"><math><mi>1</mi></math>')
    assert "onmouseover" not in out and "onerror" not in out and "<math" not in out


def test_prune_keeps_tables_and_lists():
    out = prune("<div><table><tr><td>1</td></tr></table><ul><li>a</li></ul></div>", BASE)
    assert "<table>" in out and "<td>1</td>" in out and "<li>a</li>" in out


# -- the fast path -------------------------------------------------------------------------
# A container lxml wrote itself, of tags both parsers read alike, skips the HTML5 pass and the
# second round (sinacrawl/clean.py, "the fast path"). It must give exactly what the full path
# gives, on real containers and on the broken ones the fuzzers build.


def _page_bodies():
    from sinacrawl.encoding import UndecodablePage
    from sinacrawl.pages import ArticlePage, NotAnArticle
    from tests.test_fuzz_pages import load_pages, mutate

    pages = [(p.body, p.url) for p in load_pages()]
    pages += [(data, page.url) for page, data, _ in map(mutate, range(3000))]
    for body, url in pages:
        try:
            item = ArticlePage.from_bytes(body, url).item()
        except (NotAnArticle, UndecodablePage):
            continue
        yield item["body_html"], item["url"], item.get("editor")


def test_fast_path_gives_what_the_full_path_gives_on_page_containers():
    from sinacrawl.clean import _prune_fast

    fast_taken = compared = 0
    differ = []
    for html, url, editor in _page_bodies():
        compared += 1
        fast_taken += _prune_fast(html, url, editor) is not None
        if clean_body(html, url, editor) != clean_body(html, url, editor, fast=False):
            differ.append(url)
    assert not differ, f"{len(differ)} of {compared} containers differ: {differ[:5]}"
    # and the fast path is really taken, by most containers (else this proves nothing)
    assert compared > 1000 and fast_taken > compared // 2, (fast_taken, compared)


def test_fast_path_gives_what_the_full_path_gives_on_generated_documents():
    from sinacrawl.clean import _prune_fast
    from tests.test_sanitizer_security import VECTORS, WRAP, generate_document

    docs = [WRAP.format(v) for v in VECTORS] + [generate_document(i) for i in range(5000)]
    fast_taken = 0
    differ = []
    for doc in docs:
        fast_taken += _prune_fast(doc, BASE, None) is not None
        if clean_body(doc, BASE) != clean_body(doc, BASE, fast=False):
            differ.append(doc)
    assert not differ, f"{len(differ)} of {len(docs)} documents differ: {differ[:3]}"
    assert fast_taken > 100, fast_taken


@pytest.mark.parametrize(
    "container",
    [
        '<div id="artibody"><p>a<section>b</section></p></div>',  # a block lxml nests in <p>
        '<div id="artibody"><b>x<div class="img_wrapper"><img src="//n.sinaimg.cn/a.jpg"></div></b></div>',
        '<div id="artibody"><p>a &copy b</p></div>',  # a reference only HTML5 knows
        '<div id="artibody"><p><a href="https:">x</a></p></div>',  # a URL the two judge apart
        '<div id="artibody"><table><tr><td>1</td></tr></table></div>',
        "<p>a</p><p>b</p>",  # not one container as lxml writes it
        '<div id="artibody"><p>a<a href="//x.cn/">b<a href="//y.cn/">c</a></a></p></div>',
    ],
)
def test_fast_path_declines_what_the_parsers_read_apart(container):
    from sinacrawl.clean import _prune_fast

    assert _prune_fast(container, BASE, None) is None


def test_fast_path_takes_a_plain_container():
    from sinacrawl.clean import _prune_fast

    container = (
        '<div id="artibody"><p>　　第一段<a href="https://finance.sina.com.cn/x">链接</a></p>'
        '<div class="img_wrapper"><img src="//n.sinaimg.cn/a.jpg"><span class="img_descr">图</span>'
        "</div><script>var a = 1;</script><p>　　第二段</p></div>"
    )
    assert _prune_fast(container, BASE, None) is not None
    assert clean_body(container, BASE) == clean_body(container, BASE, fast=False)


# Containers as the page object hands them over (lxml's serialization of a parsed page),
# built only of the tags the fast path takes, with Sina's junk markers, editor lines,
# disclaimers, scripts and odd URLs mixed in: the fast path must give the full path's result.
_TAME = "div p span font strong b em i u s a img br ins sup sub small h2 h3 figure center section script style".split()
_ATTRS = [
    ("class", "img_wrapper"), ("class", "img_descr"), ("class", "article-editor"),
    ("class", "show_author"), ("class", "appendQr_wrap"), ("class", "finance_web x"),
    ("id", "quote_1"), ("id", "ad_1"), ("style", "display:none"), ("hidden", ""),
    ("data-src", "//n.sinaimg.cn/a.jpg"), ("src", "//n.sinaimg.cn/b.jpg"),
    ("src", "/rel/x.png"), ("src", "javascript:alert(1)"), ("href", "//x.cn/a?b=1&c=2"),
    ("href", "https:"), ("href", "http://x.cn/中"), ("alt", "a　b  c"), ("title", 't"q'),
    ("data-original", "https://a.cn/blank.gif"), ("cms-style", "font-L strong-Bold"),
    ("src", "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"),
    ("sax-type", "1"), ("data-sudaclick", "suda_1028_guba"),
]  # fmt: skip
_TEXTS = [
    "a", "  ", "　　正文", "\xa0", "免责声明：此文", "进入【新浪财经股吧】讨论", "责任编辑：张三",
    "&", "<", "x  y", "\n", "\t", "\r", "z", " 1 ",
]  # fmt: skip


def _tame_node(rng, depth: int, budget: list[int]) -> str:
    if budget[0] <= 0 or depth > 5 or rng.random() < 0.35:
        return rng.choice(_TEXTS).replace("&", "&amp;").replace("<", "&lt;")
    budget[0] -= 1
    tag = rng.choice(_TAME)
    attrs = "".join(
        f' {k}="{v.replace(chr(34), "&quot;")}"'
        for k, v in rng.sample(_ATTRS, rng.choice((0, 0, 1, 1, 2)))
    )
    if tag in ("img", "br"):
        return f"<{tag}{attrs}>"
    if tag in ("script", "style"):
        return f"<{tag}>var a = 1;</{tag}>"
    inner = "".join(_tame_node(rng, depth + 1, budget) for _ in range(rng.randint(0, 3)))
    return f"<{tag}{attrs}>{inner}</{tag}>"


def test_fast_path_gives_what_the_full_path_gives_on_generated_page_containers():
    import random

    from sinacrawl.clean import _prune_fast
    from sinacrawl.tree import parse_html, tostring

    taken = 0
    differ = []
    for i in range(3000):
        rng = random.Random(f"tame:{i}")
        budget = [rng.randint(1, 16)]
        fragment = "".join(_tame_node(rng, 0, budget) for _ in range(rng.randint(1, 4)))
        page = parse_html(f'<html><body><div id="artibody">{fragment}</div></body></html>')
        html = tostring(page.xpath("//*[@id='artibody']")[0], with_tail=False)
        editor = rng.choice([None, None, "责任编辑：李四"])
        if _prune_fast(html, BASE, editor) is None:
            continue
        taken += 1
        fast = clean_body(html, BASE, editor)
        if fast != clean_body(html, BASE, editor, fast=False):
            differ.append(html)
        assert clean_body(fast.html, BASE).html == fast.html, html
    assert not differ, f"{len(differ)} of {taken} differ, e.g. {differ[:2]}"
    assert taken > 1000, taken


QR = "n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"  # the app's QR promo image


@pytest.mark.parametrize(
    "img",
    [
        f'<img src="https://{QR}">',
        f'<img src="http://{QR}" alt="新浪财经APP">',
        f'<img src="//{QR}">',
        f'<img src="/images/blank.gif" data-src="//{QR}">',  # lazy-loaded
        f'<img src="https://{QR}?v=2">',
    ],
)
def test_qr_promo_image_without_its_wrapper_is_removed(img):
    """The QR image on its own in the body (no appendQr_* block, no promo class around it):
    only the image rule (QR_IMAGE_PATHS) removes it; the photo beside it stays."""
    photo = "https://n.sinaimg.cn/finance/transform/560/w640h360/20261124/3c9e-x.jpg"
    result = clean_body(
        f'<div><p>　　正文第一段。</p><p>{img}</p><p><img src="{photo}"></p>'
        "<p>　　正文第二段。</p></div>",
        BASE,
        None,
    )
    assert "343233024" not in result.html
    assert all("343233024" not in u for u in result.images)
    assert result.images == [photo]  # the first image (the post's headimg) is the photo
    assert "正文第一段" in result.html and "正文第二段" in result.html
