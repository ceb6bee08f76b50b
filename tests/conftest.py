"""Shared fixtures: the recorded article cases under fixtures/article/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_FIXTURES = ROOT / "fixtures" / "article"


@dataclass
class Case:
    name: str
    folder: Path

    @property
    def url(self) -> str:
        return (self.folder / "url.txt").read_text(encoding="utf-8").strip()

    @property
    def body(self) -> bytes:
        return (self.folder / "page.html").read_bytes()

    @property
    def facts(self) -> dict:
        return json.loads((self.folder / "facts.json").read_text(encoding="utf-8"))

    @property
    def expected(self) -> Path:
        return self.folder / "expected.md"

    def response(self, status: int = 200) -> HtmlResponse:
        return HtmlResponse(self.url, body=self.body, status=status)


def article_cases() -> list[Case]:
    return [
        Case(p.name, p) for p in sorted(ARTICLE_FIXTURES.iterdir()) if (p / "url.txt").is_file()
    ]


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases = article_cases()
        metafunc.parametrize("case", cases, ids=[c.name for c in cases])
    if "article_case" in metafunc.fixturenames:
        cases = [c for c in article_cases() if c.facts["is_article"]]
        metafunc.parametrize("article_case", cases, ids=[c.name for c in cases])
    if "nonarticle_case" in metafunc.fixturenames:
        cases = [c for c in article_cases() if not c.facts["is_article"]]
        metafunc.parametrize("nonarticle_case", cases, ids=[c.name for c in cases])


@pytest.fixture(scope="session")
def converter():
    from sinacrawl.convert import Converter

    return Converter()
