"""The stability round's fixed point, by property tests over the corpora the suite has.

``clean_body`` runs a second round over its first round's output and keeps cleaning until
nothing changes (``sinacrawl/clean/body.py``). These properties hold for any container
hypothesis draws from the recorded site, the hand-written fixture pages, the XSS vectors and
the generated security documents, as they are or with markup spliced in:

- the result is a fixed point: cleaning it again, by either path, changes nothing;
- on the fast path, when ``_sure`` says the first round is the fixed point (and the second
  round is skipped), a second round would indeed change nothing;
- every recorded page takes the fast path and is sure: no second round at all.
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinacrawl.clean import clean_body
from sinacrawl.clean.allowlist import sanitize
from sinacrawl.clean.body import ROUNDS, _sure, final
from sinacrawl.clean.fastpath import prune_fast
from sinacrawl.clean.pruning import prune
from sinacrawl.encoding import UndecodablePage
from sinacrawl.pages import ArticlePage
from sinacrawl.tree import parse_html, tostring
from tests.test_clean import _tame_node
from tests.test_sanitizer_security import VECTORS, WRAP, generate_document

ROOT = Path(__file__).resolve().parent.parent


def _containers() -> list[tuple[str, str]]:
    out = []
    folders = sorted((ROOT / "fixtures" / "site" / "articles").iterdir())
    folders += sorted((ROOT / "fixtures" / "article").iterdir())
    for folder in folders:
        if not (folder / "page.html").is_file():
            continue
        url = (folder / "url.txt").read_text(encoding="utf-8").strip()
        try:
            page = ArticlePage.from_bytes((folder / "page.html").read_bytes(), url)
        except UndecodablePage:
            continue
        body = page.body_html()
        if body:
            out.append((body, url))
    return out


BASE = "https://finance.sina.com.cn/china/2026-11-20/doc-inabcdef1234567.shtml"
PAGES = _containers()
DOCUMENTS = [(WRAP.format(v), BASE) for v in VECTORS[:400]]
DOCUMENTS += [(generate_document(i), BASE) for i in range(400)]
SPLICES = [
    "<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<table><tr><td>", "</table>", "<br>",
    "<img src=//n.sinaimg.cn/x.jpg>", "<a href=/x>", "</a>", "&amp;", "&nbsp;", "\u3000",
    "<h2>", "<ul><li>", "<figure>", "<!-- c -->", "<span class=img_descr>", "\n\n",
]  # fmt: skip
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _splice(container: str, at: int, what: str) -> str:
    at = at % (len(container) + 1)
    return container[:at] + what + container[at:]


def _fixed(container: str, url: str) -> None:
    html = clean_body(container, url).html
    for fast in (True, False):
        assert clean_body(html, url, fast=fast).html == html


@EXAMPLES
@given(st.sampled_from(PAGES + DOCUMENTS))
def test_the_result_is_a_fixed_point(case):
    _fixed(*case)


@EXAMPLES
@given(
    st.sampled_from(PAGES + DOCUMENTS),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(SPLICES)), max_size=4),
)
def test_the_result_is_a_fixed_point_with_markup_spliced_in(case, splices):
    container, url = case
    for at, what in splices:
        container = _splice(container, at, what)
    _fixed(container, url)


def _sure_is_right(container: str, url: str) -> bool:
    """Whether the fast first round, when ``_sure`` trusts it, is what a second gives."""
    first = prune_fast(container, url, None)
    if first is None:
        return False
    html = final(sanitize(first))
    if not _sure(first, html):
        return False
    assert final(sanitize(prune(html, url))) == html
    return True


@EXAMPLES
@given(
    st.sampled_from(PAGES + DOCUMENTS),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(SPLICES)), max_size=4),
)
def test_a_sure_first_round_is_the_fixed_point(case, splices):
    container, url = case
    for at, what in splices:
        container = _splice(container, at, what)
    _sure_is_right(container, url)


def _tame_container(seed: int) -> str:
    """A container as the page object hands it over, of the tags the fast path takes, with
    junk markers, editor lines and disclaimers (tests/test_clean.py's generator)."""
    rng = random.Random(f"fixed-point:{seed}")
    budget = [rng.randint(1, 16)]
    fragment = "".join(_tame_node(rng, 0, budget) for _ in range(rng.randint(1, 4)))
    page = parse_html(f'<html><body><div id="artibody">{fragment}</div></body></html>')
    return tostring(page.xpath("//*[@id='artibody']")[0], with_tail=False)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9))
def test_a_sure_first_round_is_the_fixed_point_on_generated_containers(seed):
    _sure_is_right(_tame_container(seed), BASE)


def test_every_recorded_page_is_sure_on_the_fast_path():
    """No recorded page needs a second round: each is sure, and rightly so."""
    before = dict(ROUNDS)
    assert all(_sure_is_right(container, url) for container, url in PAGES)
    for container, url in PAGES:
        clean_body(container, url)
    assert ROUNDS["sure"] - before.get("sure", 0) == len(PAGES)
    assert ROUNDS["second"] == before.get("second", 0)
