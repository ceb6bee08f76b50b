"""Golden posts: every recorded article page converts to exactly its expected.md.

Expected files change only through ``python tools/regen_golden.py``; review their diff
like code.
"""

from __future__ import annotations

import pytest


def test_post_matches_golden(article_case, converter):
    if not article_case.expected.is_file():
        pytest.fail(f"no expected.md for {article_case.name}: run python tools/regen_golden.py")
    _, post = converter.convert(article_case.body, article_case.url)
    assert post == article_case.expected.read_text(encoding="utf-8")


def test_every_article_case_has_golden(article_case):
    assert article_case.expected.is_file()
