"""ArticlePage against the hand-written truth (facts.json) of every recorded case."""

from __future__ import annotations

import html
import re

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from sinacrawl.convert import ConversionError
from sinacrawl.pages import ArticlePage, NotAnArticle


def post_body_text(post: str) -> str:
    body = post.split("\n---\n", 1)[1]
    return lxml.html.fromstring(html.unescape(body) or "<div></div>").text_content()


def front(post: str, key: str) -> str:
    m = re.search(rf"^{key}: '?(.*?)'?$", post, re.M)
    assert m, key
    return m.group(1)


def test_fields_match_facts(article_case):
    facts = article_case.facts
    item = ArticlePage(article_case.response()).item()
    assert item["title"] == facts["title"]
    assert item["published"].isoformat() == facts["published"]
    assert item["source"] == facts["source"]
    assert item.get("editor") == facts["editor"]
    if facts["id"]:
        assert item["id"] == facts["id"]
    else:
        assert re.fullmatch(r"u[0-9a-f]{13}", item["id"])


def test_post_body_keeps_text_and_loses_junk(article_case, converter):
    facts = article_case.facts
    _, post = converter.convert(article_case.body, article_case.url)
    text = post_body_text(post)
    for snippet in facts["body_contains"]:
        assert snippet in text, snippet
    for junk in facts["body_excludes"]:
        assert junk not in post and junk not in text, junk
    assert "\ufffd" not in post


def test_head_image_is_first_content_image(article_case, converter):
    facts = article_case.facts
    _, post = converter.convert(article_case.body, article_case.url)
    head = front(post, "headimg")
    assert head == front(post, "thumbnail")
    if facts["first_image"]:
        assert head == facts["first_image"]
    else:  # the configured default: the QR image only stands in when nothing else exists
        assert head == "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
        assert "343233024.png" not in post.split("\n---\n", 1)[1]


def test_editor_line_is_last_paragraph(article_case, converter):
    editor = article_case.facts["editor"]
    _, post = converter.convert(article_case.body, article_case.url)
    body = post.split("\n---\n", 1)[1]
    if editor:
        assert body.rstrip().endswith(f'<p class="article-editor">{editor}</p>\n</div>')
        assert body.count("责任编辑") == 1
    else:
        assert "article-editor" not in body


def test_non_articles_give_a_reason(nonarticle_case, converter):
    facts = nonarticle_case.facts
    with pytest.raises(ConversionError) as err:
        converter.convert(nonarticle_case.body, nonarticle_case.url)
    assert facts["reason"] in str(err.value)
    assert "\n" not in str(err.value)


def test_images_are_absolute_https_without_referrer(converter):
    from tests.conftest import ARTICLE_FIXTURES, Case

    case = Case("images_captions", ARTICLE_FIXTURES / "images_captions")
    _, post = converter.convert(case.body, case.url)
    imgs = re.findall(r"<img [^>]*>", post)
    assert len(imgs) == 3
    for tag in imgs:
        assert re.search(r'src="https://[a-z]+\.sinaimg\.cn/', tag), tag
        assert 'referrerpolicy="no-referrer"' in tag
        assert "onload" not in tag and "style" not in tag and "data-mce" not in tag
    assert post.count("<figcaption>") == 3


@pytest.mark.parametrize(
    "url,status,reason",
    [
        ("https://finance.sina.com.cn/", 200, "redirected_home"),
        ("https://finance.sina.com.cn/roll/2020-01-01/doc-iabcdefg1234567.shtml", 404, "missing"),
    ],
)
def test_redirect_home_and_404_are_not_articles(url, status, reason):
    from tests.conftest import ARTICLE_FIXTURES

    body = (ARTICLE_FIXTURES / "era2017_finance" / "page.html").read_bytes()
    page = ArticlePage(HtmlResponse(url, body=body, status=status))
    with pytest.raises(NotAnArticle) as err:
        page.check()
    assert err.value.reason == reason


def test_quote_page_is_not_an_article():
    body = """<html><head><meta charset="gbk"><title>贵州茅台(600519)_股票行情_新浪财经</title></head>
    <body><div id="hqDetails"><table><tr><td>今开</td><td>1680.00</td></tr></table></div></body></html>"""
    url = "https://finance.sina.com.cn/realstock/company/sh600519/nc.shtml"
    page = ArticlePage(HtmlResponse(url, body=body.encode("gbk")))
    assert page.not_article_reason() == "not_article"
