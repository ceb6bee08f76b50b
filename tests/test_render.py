"""Front matter and post rendering: the seed's bytes, YAML safety, brace escaping, paths."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from sinacrawl.dates import BEIJING
from sinacrawl.render import (
    escape_braces,
    front_matter,
    head_image,
    post_path,
    render_post,
    scalar,
    single_quoted,
)

# Lines 2-13 of the older pipeline's post (the seed), which the front matter must equal.
SEED_FRONT_MATTER = (
    "---\n"
    "title: '人社部：重点面向2022届高校毕业生，部署公共就业服务进校园活动'\n"
    "categories: \n"
    " - 金融\n"
    " - 新浪财经\n"
    " - 新浪财经－国內\n"
    "headimg: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'\n"
    "author: 新浪财经\n"
    "comments: false\n"
    "date: Tue, 22 Feb 2022 04:00:42 GMT\n"
    "thumbnail: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'\n"
    "---\n"
)


def test_seed_front_matter_bytes(converter):
    from tests.conftest import ARTICLE_FIXTURES, Case

    case = Case("seed_domestic_2022", ARTICLE_FIXTURES / "seed_domestic_2022")
    _, post = converter.convert(case.body, case.url)
    first_twelve = "".join(post.encode("utf-8").decode("utf-8").splitlines(keepends=True)[:12])
    assert first_twelve.encode("utf-8") == SEED_FRONT_MATTER.encode("utf-8")
    assert post.startswith("---\n") and post.endswith("</div>\n") and not post.endswith("\n\n")
    assert "\r" not in post and not post.startswith("\ufeff")


def test_front_matter_from_values():
    fm = front_matter(
        title="人社部：重点面向2022届高校毕业生，部署公共就业服务进校园活动",
        categories=["金融", "新浪财经", "新浪财经－国內"],
        headimg="https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
        author="新浪财经",
        date=datetime(2022, 2, 22, 12, 0, 42, tzinfo=BEIJING),
    )
    assert fm == SEED_FRONT_MATTER


ADVERSARIAL_TITLES = [
    '他说"涨停"了',
    "it's 'quoted' twice",
    "标题: 带冒号",
    "# 开头是井号",
    "{{ 模板 }} 与 {% tag %} 和 {# c #}",
    "第一行\n第二行",
    "第一行\r\n第二行\u2028第三\u2029第四\x85第五",
    "- 破折号开头",
    "*ST 康美",
    "& 锚点",
    "! 标签",
    "% 百分号开头",
    "yes",
    "null",
    "2022-02-22",
    "1e3",
    "[港股] 腾讯",
    "标题\ndraft: true",
    "  前后空格  ",
    "tab\there",
    "控制\x00字符\x07",
    "@at `tick` |pipe >gt",
]


def _expected(title: str) -> str:
    t = re.sub("[\r\n\t\x85\u2028\u2029]", " ", title)
    t = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", t)
    return escape_braces(t)


@pytest.mark.parametrize("title", ADVERSARIAL_TITLES)
def test_adversarial_titles_round_trip(title):
    fm = front_matter(
        title=title,
        categories=["金融", "新浪财经", title],
        headimg="https://n.sinaimg.cn/a.jpg",
        author=title,
        date=datetime(2022, 2, 22, 4, 0, 42, tzinfo=timezone.utc),
    )
    assert fm.count("\n") == 12  # the same twelve lines, whatever the title holds
    data = yaml.safe_load(fm.strip("-\n"))
    assert set(data) == {
        "title",
        "categories",
        "headimg",
        "author",
        "comments",
        "date",
        "thumbnail",
    }
    assert data["title"] == _expected(title)
    assert data["author"] == _expected(title)
    assert data["categories"][2] == _expected(title)
    assert data["comments"] is False


@pytest.mark.parametrize(
    "value,plain",
    [
        ("新浪财经", True),
        ("新浪财经－国內", True),
        ("1e3", False),
        ("null", False),
        ("yes", False),
        ("*x", False),
        ("[x]", False),
        ("0o17", False),
        ("a: b", False),
        ("a #b", False),
        ("~", False),
        ("-", False),
    ],
)
def test_scalar_quotes_only_when_needed(value, plain):
    out = scalar(value)
    assert (out == value) is plain
    assert yaml.safe_load(f"k: {out}") == {"k": value}


def test_single_quoted_doubles_quotes():
    assert single_quoted("it's") == "'it''s'"


def test_braces_escaped_in_body_and_markdown():
    article = {
        "title": "{x}",
        "published": datetime(2022, 1, 1, tzinfo=BEIJING),
        "body": "<p>{{ a }} {% b %}</p>",
        "images": [],
    }
    for fmt in ("html", "markdown"):
        post = render_post(article, categories=["a", "b", "c"], author="s", body_format=fmt)
        assert "{" not in post and "}" not in post
        assert "&#123;&#123; a &#125;&#125;" in post


def test_markdown_body():
    article = {
        "title": "t",
        "published": datetime(2022, 1, 1, tzinfo=BEIJING),
        "body": '<p>　　段落<a href="https://a.cn/">链接</a></p>\n<p class="article-editor">责任编辑：张三</p>',
        "images": [],
    }
    post = render_post(article, categories=["a", "b", "c"], author="s", body_format="markdown")
    body = post.split("\n---\n", 1)[1]
    assert "<p" not in body and "[链接](https://a.cn/)" in body and "责任编辑：张三" in body


@pytest.mark.parametrize(
    "images,og,expected",
    [
        (
            ["https://n.sinaimg.cn/a.jpg"],
            "https://n.sinaimg.cn/b.jpg",
            "https://n.sinaimg.cn/a.jpg",
        ),
        ([], "//n.sinaimg.cn/b.jpg", "https://n.sinaimg.cn/b.jpg"),
        ([], "//n.sinaimg.cn/default/transform/116/w550h366/x.png", "D"),
        ([], "", "D"),
        ([], "javascript:alert(1)", "D"),
    ],
)
def test_head_image(images, og, expected):
    assert head_image(images, og, default="D") == expected


@pytest.mark.parametrize(
    "published,expected",
    [
        (datetime(2022, 2, 22, 12, 0, 42, tzinfo=BEIJING), "2022/02/abcdefg1234567.md"),
        # 23:30 UTC on Jan 31 is Feb 1 in Beijing: folders follow Beijing dates.
        (datetime(2022, 1, 31, 23, 30, tzinfo=timezone.utc), "2022/02/abcdefg1234567.md"),
        (
            datetime(2022, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
            "2022/01/abcdefg1234567.md",
        ),
    ],
)
def test_post_path(published, expected):
    assert post_path("abcdefg1234567", published) == expected


@pytest.mark.parametrize(
    "bad_id", ["../../etc/passwd", "/abs/path", "a\x00b", "CON", "x" * 300, "..", ""]
)
def test_post_path_stays_inside(bad_id):
    rel = post_path(bad_id, datetime(2022, 1, 1, tzinfo=BEIJING))
    assert not rel.startswith("/") and ".." not in rel.split("/")
    assert all(len(part.encode()) <= 255 for part in rel.split("/"))
    assert "\x00" not in rel
