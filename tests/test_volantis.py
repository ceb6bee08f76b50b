"""The posts on the theme they were made for: a Hexo 7 site with ``hexo-theme-volantis`` from
the npm registry (tests/volantis_site.py), set up as the README's "Hexo setup" and "Volantis"
sections say, built with ``TZ=Asia/Shanghai``. Checked as a reader sees the pages: the head
image on each post and beside it in the home list, no comment box, the category pages, the
publish time in Beijing time, the author.

Every recorded article fixture is converted exactly as the crawl would write it. One more post,
a copy of the first with ``comments: true``, proves that the comment-box check can see a box.
Needs Node and npm: fails under CI=true, skips with the reason elsewhere.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from sinacrawl.convert import Converter
from sinacrawl.feeds import split_post

try:
    from tests import hexo_site, volantis_site
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    import hexo_site  # type: ignore[no-redef]
    import volantis_site  # type: ignore[no-redef]

pytestmark = pytest.mark.hexo

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "article"
BEIJING = ZoneInfo("Asia/Shanghai")
CATEGORY_PATH = ("金融", "新浪财经", "新浪财经－国內")
CONTROL = "control-"


class Post:
    def __init__(self, name: str, rel: str, text: str, facts: dict):
        self.name, self.rel, self.text, self.facts = name, rel, text, facts
        self.meta, _ = split_post(text)

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.facts["published"])

    @property
    def url(self) -> str:
        """Where the README's permalink puts the page: the Beijing date, then the file name."""
        day = self.published.astimezone(BEIJING)
        return f"/{day:%Y/%m/%d}/{PurePosixPath(self.rel).stem}/"


@pytest.fixture(scope="module")
def site() -> Path:
    reason = hexo_site.node_missing_reason()
    if reason:
        hexo_site.skip_or_fail(reason)
    try:
        return volantis_site.ensure_volantis_site()
    except hexo_site.HexoUnavailable as exc:
        hexo_site.skip_or_fail(f"the Volantis test site could not be installed: {exc}")


@pytest.fixture(scope="module")
def posts(tmp_path_factory) -> tuple[Path, list[Post]]:
    archive = tmp_path_factory.mktemp("archive")
    converter = Converter()
    posts = []
    for case in sorted(FIXTURES.iterdir()):
        facts_file = case / "facts.json"
        if not facts_file.is_file():
            continue
        facts = json.loads(facts_file.read_text("utf-8"))
        if not facts.get("is_article"):
            continue
        url = (case / "url.txt").read_text().strip()
        rel, text = converter.convert((case / "page.html").read_bytes(), url)
        (archive / rel).parent.mkdir(parents=True, exist_ok=True)
        (archive / rel).write_text(text, encoding="utf-8")
        posts.append(Post(case.name, rel, text, facts))
    assert len(posts) >= 5, "too few article fixtures"
    first = posts[0]
    control_rel = str(PurePosixPath(first.rel).with_name(CONTROL + PurePosixPath(first.rel).name))
    control_text = re.sub(r"(?m)^comments: .*$", "comments: true", first.text, count=1)
    (archive / control_rel).write_text(control_text, encoding="utf-8")
    return archive, [*posts, Post("control", control_rel, control_text, first.facts)]


@pytest.fixture(scope="module")
def public(site, posts) -> Path:
    archive, found = posts
    public = hexo_site.build(site, archive, env={"TZ": "Asia/Shanghai"})
    print(
        f"\nhexo generate (Volantis): {len(found)} posts in "
        f"{hexo_site.LAST_BUILD['seconds']:.1f}s; "
        + ", ".join(f"{k} {v}" for k, v in volantis_site.installed_versions(site).items())
    )
    return public


def page(public: Path, url: str) -> lxml.html.HtmlElement:
    file = public / unquote(url).strip("/") / "index.html"
    assert file.is_file(), f"no page at {url}"
    return lxml.html.fromstring(file.read_text("utf-8"))


def real(posts) -> list[Post]:
    return [p for p in posts[1] if p.name != "control"]


def test_head_image_on_each_post(public, posts):
    problems = []
    for post in real(posts):
        doc = page(public, post.url)
        headimg = post.meta["headimg"]
        shown = doc.xpath("//div[@class='headimg-div']//img[@class='headimg']/@src")
        if shown != [headimg]:
            problems.append(f"{post.name}: head image {shown}, expected [{headimg!r}]")
        title = doc.xpath("//h1[contains(@class, 'title')]")
        if not title or title[0].text_content().strip() != post.facts["title"]:
            problems.append(f"{post.name}: title not shown")
        body = " ".join(n.text_content() for n in doc.xpath("//div[@id='post-body']|//article"))
        missing = [s for s in post.facts["body_contains"] if s not in body]
        if missing:
            problems.append(f"{post.name}: body snippets missing: {missing}")
    assert not problems, "\n".join(problems)


def test_head_image_in_the_list(public, posts):
    doc = page(public, "/")
    problems = []
    for post in real(posts):
        shown = doc.xpath(
            f"//a[@class='headimg-a' and @href='{post.url}']/img[@class='headimg']/@src"
        )
        if shown != [post.meta["headimg"]]:
            problems.append(f"{post.name}: the list shows {shown} for {post.url}")
    assert not problems, "\n".join(problems)


def _comment_box(doc) -> list:
    return doc.xpath("//article[@id='comments'] | //*[@id='layoutHelper-comments']")


def test_no_comment_box(public, posts):
    boxed = [p.name for p in real(posts) if _comment_box(page(public, p.url))]
    assert not boxed, f"a comment box on {boxed}"
    control = next(p for p in posts[1] if p.name == "control")
    # the same post with comments: true shows one: the check above can see a box
    assert _comment_box(page(public, control.url))


def test_category_pages(public, posts):
    domestic = [p for p in real(posts) if "\n - 新浪财经－国內\n" in p.text]
    assert domestic, "no domestic post among the fixtures"
    for depth in range(1, len(CATEGORY_PATH) + 1):
        url = "/categories/" + "/".join(CATEGORY_PATH[:depth]) + "/"
        links = set(page(public, url).xpath("//a/@href"))
        missing = [p.name for p in domestic if p.url not in links]
        assert not missing, f"{url} does not list {missing}"
    # and each post links its categories there
    doc = page(public, domestic[0].url)
    links = {unquote(h) for h in doc.xpath("//a/@href")}
    for depth in range(1, len(CATEGORY_PATH) + 1):
        assert "/categories/" + "/".join(CATEGORY_PATH[:depth]) + "/" in links


def test_time_is_beijing_time(public, posts):
    problems = []
    early = 0
    for post in real(posts):
        doc = page(public, post.url)
        meta = doc.xpath("//div[contains(@class, 'new-meta-item') and contains(@class, 'date')]")
        if not meta:
            problems.append(f"{post.name}: no date shown")
            continue
        when = datetime.fromisoformat(meta[0].get("datetime"))
        if when != post.published or when.utcoffset() != timedelta(hours=8):
            problems.append(f"{post.name}: datetime {when.isoformat()}, not Beijing time")
        beijing = post.published.astimezone(BEIJING)
        expected = f"发布于：{beijing:%Y-%m-%d %H:%M}"
        shown = meta[0].text_content().strip()
        if shown != expected:
            problems.append(f"{post.name}: shows {shown!r}, expected {expected!r}")
        early += beijing.date() != post.published.astimezone(timezone.utc).date()
    assert not problems, "\n".join(problems)
    assert early, "no post whose Beijing date differs from its UTC date: the check is blind"


def test_author_shown(public, posts):
    for post in real(posts):
        names = page(public, post.url).xpath(
            "//div[contains(@class, 'author')]//p[@itemprop='name']"
        )
        assert [n.text_content().strip() for n in names][:1] == [post.meta["author"]], post.name
