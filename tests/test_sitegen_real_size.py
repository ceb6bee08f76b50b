"""``sitegen.py --real-size``: article pages dressed in their era's chrome weigh what real
pages weigh, and the chrome changes nothing the crawler keeps (same posts as without it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sinacrawl.convert import Converter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from fakesite.chrome import ERAS, dress  # noqa: E402
from fakesite.chrome.parts import check  # noqa: E402


def _site(out: Path, *extra: str) -> dict:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sitegen.py"), str(out), "--articles", "60",
         "--seed", "5", "--columns", "china", *extra],
        check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    plain, real = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("real")
    return (plain, _site(plain)), (real, _site(real, "--real-size", "--verify"))


def test_real_size_pages_weigh_what_their_era_weighs(sites):
    (plain, m_plain), (real, m_real) = sites
    assert m_real["real_size"] is True and "real_size" not in m_plain
    eras = set()
    for a in m_real["articles"]:
        size = (real / a["recording"] / "page.html").stat().st_size
        small = (plain / a["recording"] / "page.html").stat().st_size
        want = ERAS[a["template"]].SIZE_KIB * 1024
        assert 0.75 * want <= size <= 1.5 * want, (a["template"], size)
        assert size > 2 * small
        eras.add(a["template"])
    assert len(eras) >= 5  # (every era of the weights is drawn in 60 articles)


def test_the_chrome_changes_no_post(sites):
    (plain, m_plain), (real, m_real) = sites
    assert [a["id"] for a in m_plain["articles"]] == [a["id"] for a in m_real["articles"]]
    conv = Converter()
    for a in m_real["articles"]:
        url = a["url"]
        posts = [
            conv.convert((site / a["recording"] / "page.html").read_bytes(), url)
            for site in (plain, real)
        ]
        conv = Converter()  # (a new run: the same article twice is no duplicate)
        assert posts[0] == posts[1], a["id"]


def test_the_chrome_holds_nothing_the_page_object_reads():
    page = "<html><head></head><body><div id='artibody'><p>x</p></div></body></html>"
    for template in ERAS:
        for seed in range(3):
            dressed = dress(template, page, seed)
            assert len(dressed) > 20_000
            check(dressed.replace(page[:12], "").replace("id='artibody'", ""))
    with pytest.raises(ValueError, match="page object reads"):
        check('<div class="side-box"><span class="date">x</span></div>')
    with pytest.raises(ValueError, match="page object reads"):
        check("<ul><li>2026-11-20</li></ul>")
