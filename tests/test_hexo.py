"""The posts sinacrawl writes, built by a real Hexo 7 site (tests/hexo_site.py) set up as the
README's "Hexo setup" section says: the archive as source/_posts, ``permalink:
:year/:month/:day/:name/``, no site ``timezone:``, built with ``TZ=Asia/Shanghai``.

Every recorded article fixture is converted exactly as the crawl would write it, plus one post
whose body text carries Nunjucks syntax, laid out as the archive is (``<year>/<month>/<id>.md``,
with the run reports and index a crawl writes beside them), and the whole tree goes through
``hexo generate``. Checked: each post gets one page, at ``/<year>/<month>/<day>/<id>/`` with the
Beijing date of its publish instant, showing its title, every body snippet of its facts, the
exact publish instant and its Beijing time; nothing else becomes a post; the three-level
category tree exists; the braces survive as text and do not abort the build. A crawl that
stores its images (``SINACRAWL_IMAGES=1``) builds into pages showing them from the site itself.

Needs Node and npm. The site is installed by tests/setup_hexo.sh (.ci/run calls it); if it
isn't there yet the first test installs it. Without Node, or if npm install fails, the tests
fail under CI=true and are skipped (with the reason) elsewhere.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest
import yaml

from sinacrawl.convert import Converter

try:
    from tests.hexo_site import (
        LAST_BUILD,
        HexoUnavailable,
        build,
        ensure_hexo_site,
        installed_versions,
        node_missing_reason,
        skip_or_fail,
    )
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from hexo_site import (  # type: ignore[no-redef]
        LAST_BUILD,
        HexoUnavailable,
        build,
        ensure_hexo_site,
        installed_versions,
        node_missing_reason,
        skip_or_fail,
    )

pytestmark = pytest.mark.hexo

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "article"

# The README's build command: TZ=Asia/Shanghai hexo generate.
BUILD_TZ = "Asia/Shanghai"
BEIJING = ZoneInfo("Asia/Shanghai")

CATEGORY_PATH = ("金融", "新浪财经", "新浪财经－国內")

BRACES_TEXT = "数值{{ 指标 }}与{% raw %}以及{# 注 #}"
BRACES_TITLE_SUFFIX = "（花括号）"
# The seed paragraph whose text is replaced by BRACES_TEXT.
BRACES_REPLACED = (
    "在岗位供给方面，各地将结合本地产业特点，组织用人单位走进校园举办专场招聘，"
    "同时依托线上平台持续发布岗位信息，方便毕业生随时查询和投递简历。"
)


def _article_cases() -> list[Path]:
    cases = []
    for case in sorted(FIXTURES.iterdir()):
        facts_file = case / "facts.json"
        if facts_file.is_file() and json.loads(facts_file.read_text("utf-8")).get("is_article"):
            cases.append(case)
    return cases


def _domestic_case() -> Path:
    """The seed case, or (while it is being written) any domestic article case."""
    seed = FIXTURES / "seed_domestic_2022"
    if (seed / "facts.json").is_file() and (seed / "page.html").is_file():
        return seed
    for case in _article_cases():
        if "/china/" not in (case / "url.txt").read_text("utf-8"):
            continue
        try:  # the braces are spliced into the page as UTF-8 text
            (case / "page.html").read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        return case
    pytest.fail("no domestic (/china/) article fixture to build the braces post from")


@pytest.fixture(scope="module")
def site() -> Path:
    reason = node_missing_reason()
    if reason:
        skip_or_fail(reason)
    try:
        return ensure_hexo_site()
    except HexoUnavailable as exc:
        skip_or_fail(f"the Hexo test site could not be installed: {exc}")


class Post:
    def __init__(self, name: str, file: Path, text: str, facts: dict):
        self.name, self.file, self.text, self.facts = name, file, text, facts

    @property
    def published(self) -> datetime:
        return datetime.fromisoformat(self.facts["published"])

    @property
    def page_path(self) -> str:
        """Where the README's permalink puts the page: the Beijing date, then the file name."""
        day = self.published.astimezone(BEIJING)
        return f"{day:%Y/%m/%d}/{self.file.stem}/index.html"

    def __repr__(self) -> str:
        return f"<Post {self.name} {self.file.name}>"


def _braces_page(case: Path, facts: dict) -> tuple[bytes, dict]:
    page = (case / "page.html").read_bytes()
    text = page.decode("utf-8")
    if BRACES_REPLACED in text:
        replaced = BRACES_REPLACED
        kept = [s for s in facts["body_contains"] if s not in replaced]
    else:  # a fallback case: replace the text of its first body_contains snippet
        replaced = facts["body_contains"][0]
        kept = facts["body_contains"][1:]
    assert text.count(replaced) == 1, f"{case.name}: the paragraph to replace is not unique"
    title = facts["title"] + BRACES_TITLE_SUFFIX
    text = text.replace(replaced, BRACES_TEXT).replace(facts["title"], title)
    return text.encode("utf-8"), {**facts, "title": title, "body_contains": [BRACES_TEXT, *kept]}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The folder the posts are written to, as SINACRAWL_OUTPUT_DIR would be."""
    return tmp_path_factory.mktemp("archive")


@pytest.fixture(scope="module")
def posts(archive) -> list[Post]:
    converter = Converter()
    posts = []

    def add(name: str, page: bytes, url: str, facts: dict, prefix: str = "") -> Post:
        path, text = converter.convert(page, url)  # the archive's <year>/<month>/<id>.md
        file = archive / Path(path).parent / (prefix + Path(path).name)
        assert not file.exists(), f"{name}: two posts would share the file {file}"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(text.encode("utf-8"))
        post = Post(name, file, text, facts)
        posts.append(post)
        return post

    for case in _article_cases():
        facts = json.loads((case / "facts.json").read_text("utf-8"))
        add(
            case.name,
            (case / "page.html").read_bytes(),
            (case / "url.txt").read_text().strip(),
            facts,
        )

    case = _domestic_case()
    facts = json.loads((case / "facts.json").read_text("utf-8"))
    page, braces_facts = _braces_page(case, facts)
    braces = add(
        "braces", page, (case / "url.txt").read_text().strip(), braces_facts, prefix="braces-"
    )
    # The converter escapes the braces as the contract says; Hexo must show them as text.
    assert "&#123;&#123; 指标 &#125;&#125;" in braces.text
    assert "&#123;% raw %&#125;" in braces.text
    assert "&#123;# 注 #&#125;" in braces.text
    assert "{" not in braces.text and "}" not in braces.text
    return posts


def _add_crawl_leftovers(archive: Path) -> None:
    """What a crawl writes beside its posts (sinacrawl/report.py, state.py, lock.py)."""
    report = json.dumps({"spider": "roll", "new": 1, "failed": False}) + "\n"
    (archive / "last-run.json").write_text(report, encoding="utf-8")
    (archive / "reports").mkdir()
    (archive / "reports" / "20261121T000000Z-roll.json").write_text(report, encoding="utf-8")
    with sqlite3.connect(archive / "index.sqlite") as db:
        db.execute("CREATE TABLE articles (id TEXT PRIMARY KEY)")
    db.close()
    (archive / ".sinacrawl.lock").write_bytes(b"")


@pytest.fixture(scope="module")
def public(site, archive, posts) -> Path:
    _add_crawl_leftovers(archive)
    public = build(site, archive, env={"TZ": BUILD_TZ})
    print(
        f"\nhexo generate: {len(posts)} posts in {LAST_BUILD['seconds']:.1f}s; "
        + ", ".join(f"{k} {v}" for k, v in installed_versions(site).items())
    )
    return public


def _post_pages(public: Path) -> dict[str, list[Path]]:
    """Title → the generated post pages showing it (in our theme's <h1 class="post-title">)."""
    pages: dict[str, list[Path]] = {}
    for page in public.rglob("index.html"):
        match = re.search(r'<h1 class="post-title">(.*?)</h1>', page.read_text("utf-8"), re.S)
        if match:
            pages.setdefault(html.unescape(match.group(1)).strip(), []).append(page)
    return pages


def _page_for(public: Path, title: str) -> str:
    pages = _post_pages(public).get(title, [])
    found = sorted(str(p.relative_to(public)) for p in pages)
    assert len(pages) == 1, f"expected one page titled {title!r}, found {found}"
    return pages[0].read_text("utf-8")


def _body_texts(page: str) -> list[str]:
    """The post body as unescaped HTML and as plain text (snippets may span inline tags)."""
    doc = lxml.html.fromstring(page)
    body = doc.xpath('//div[@class="post-body"]')
    assert body, "no post body in the page"
    raw = lxml.html.tostring(body[0], encoding="unicode")
    return [html.unescape(raw), body[0].text_content()]


def test_every_post_has_a_page_with_title_body_and_date(public, posts):
    problems = []
    for post in posts:
        facts = post.facts
        try:
            page = _page_for(public, facts["title"])
        except AssertionError as exc:
            problems.append(f"{post.name}: {exc}")
            continue
        if facts["title"] not in html.unescape(page):
            problems.append(f"{post.name}: title not in the page")
        texts = _body_texts(page)
        snippets = facts["body_contains"]
        missing = [s for s in snippets if not any(s in t for t in texts)]
        if not snippets or missing:
            problems.append(
                f"{post.name}: {len(snippets) - len(missing)} of {len(snippets)} body snippets "
                f"in the page; missing {missing}"
            )
        match = re.search(r'<time class="post-date" datetime="([^"]+)">([^<]*)</time>', page)
        if not match:
            problems.append(f"{post.name}: no date in the page")
            continue
        # The exact publish instant (the theme writes it as an ISO 8601 UTC instant).
        shown_instant = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        if shown_instant != post.published:
            problems.append(
                f"{post.name}: Hexo's date {shown_instant.isoformat()} is not the "
                f"publish instant {post.published.astimezone(timezone.utc).isoformat()}"
            )
        # The time the page shows (the theme's 'YYYY-MM-DD HH:mm:ss Z'): Beijing time.
        beijing = post.published.astimezone(BEIJING)
        offset = beijing.strftime("%z")
        expected = beijing.strftime("%Y-%m-%d %H:%M:%S ") + offset[:3] + ":" + offset[3:]
        if match.group(2) != expected:
            problems.append(
                f"{post.name}: Hexo shows {match.group(2)!r}, expected the Beijing time {expected}"
            )
    assert not problems, "\n".join(problems)


def test_each_post_is_at_its_beijing_date_and_id(public, posts):
    pages = _post_pages(public)
    problems = []
    for post in posts:
        found = sorted(str(p.relative_to(public)) for p in pages.get(post.facts["title"], []))
        if found != [post.page_path]:
            problems.append(f"{post.name}: expected the page {post.page_path}, found {found}")
    assert not problems, "\n".join(problems)
    # The fixtures hold posts published before 08:00 Beijing, whose Beijing date is not their
    # UTC date: a build filing pages under UTC (or any other zone's) dates would fail above.
    early = [
        p.name
        for p in posts
        if p.published.astimezone(BEIJING).date() != p.published.astimezone(timezone.utc).date()
    ]
    assert early, "no post whose Beijing date differs from its UTC date: the check is blind"


def test_nothing_else_becomes_a_post(public, posts):
    # The run reports beside the posts (JSON, which Hexo renders) must not become pages.
    every = sorted(str(p.relative_to(public)) for ps in _post_pages(public).values() for p in ps)
    expected = sorted(p.page_path for p in posts)
    extra = sorted(set(every) - set(expected))
    assert every == expected, f"post pages that are no post: {extra}; all: {every}"


def test_category_tree_pages(public, posts):
    base = public / "categories"
    found = sorted(str(p.relative_to(public)) for p in base.rglob("index.html"))
    domestic = [p.facts["title"] for p in posts if "\n - 新浪财经－国內\n" in p.text]
    assert domestic, "no domestic post among the fixtures"
    for depth in range(1, len(CATEGORY_PATH) + 1):
        page = base.joinpath(*CATEGORY_PATH[:depth]) / "index.html"
        assert page.is_file(), f"no {page.relative_to(public)}; category pages: {found}"
        text = html.unescape(page.read_text("utf-8"))
        for title in domestic:
            assert title in text, f"{title!r} not listed on {page.relative_to(public)}"
    # The post page links its categories to those same pages.
    seed_page = _page_for(public, domestic[0])
    for name in CATEGORY_PATH:
        assert f">{name}</a>" in seed_page


def test_braces_are_text_not_nunjucks(public, posts):
    braces = next(p for p in posts if p.name == "braces")
    page = html.unescape(_page_for(public, braces.facts["title"]))
    assert "{{ 指标 }}" in page
    assert "{% raw %}" in page
    assert "{# 注 #}" in page
    assert BRACES_TEXT in page


_IMG_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"')


def test_local_images_are_shown(site, tmp_path):
    """A crawl storing its images (SINACRAWL_IMAGES=1, README "Images"), built as the Hexo
    setup says (the archive's images/ as source/images/): every post page shows its body
    images from /images/…, and the built site serves each of them, and each head image,
    with the bytes the archive holds."""
    try:
        from tests.crawlrun import SITE, run_crawl
    except ImportError:  # (as above)
        from crawlrun import SITE, run_crawl  # type: ignore[no-redef]

    archive = tmp_path / "archive"
    crawl = run_crawl("roll", archive, "-s", "SINACRAWL_IMAGES=1", replay=SITE)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    public = build(site, archive, env={"TZ": BUILD_TZ}, public_dir="public-images")
    shown = heads = 0
    for post in sorted(archive.rglob("*.md")):
        text = post.read_text("utf-8")
        front = yaml.safe_load(text.split("---\n")[1])
        page = _page_for(public, front["title"])
        srcs = _IMG_SRC.findall(_body_texts(page)[0])
        assert srcs == _IMG_SRC.findall(text), f"{post.name}: the page shows other images"
        for src in [*srcs, front["headimg"]]:
            assert src.startswith("/images/"), f"{post.name} still shows {src}"
            served = public / src.lstrip("/")
            assert served.is_file(), f"{post.name}: {src} is not in the built site"
            assert served.read_bytes() == (archive / src.lstrip("/")).read_bytes()
        shown += len(srcs)
        heads += 1
    assert shown and heads == report_new(archive)
    assert not (public / "_posts").exists()


def report_new(archive: Path) -> int:
    return json.loads((archive / "last-run.json").read_text("utf-8"))["new"]
