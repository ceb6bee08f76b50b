"""Item loader mapping page-object values onto ArticleItem fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from itemloaders.processors import Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from sinacrawl.items import ArticleItem


def normalize_space(text: str | None) -> str | None:
    """Collapse runs of whitespace (ASCII and ideographic) to one space; None if empty.

    >>> normalize_space("  60万  \\n 账号　外泄 ")
    '60万 账号 外泄'
    """
    if text is None:
        return None
    text = re.sub(r"[\s\u3000\xa0]+", " ", str(text)).strip()
    return text or None


def strip_book_marks(text: str) -> str:
    """《理财周刊》 → 理财周刊 (2005 pages wrap the source in book-title marks)."""
    return text.strip().removeprefix("《").removesuffix("》").strip()


def split_keywords(text: str) -> list[str]:
    return [k.strip() for k in re.split(r"[,，;；|]", text or "") if k.strip()]


def _unique(values):
    seen: dict = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


class ArticleLoader(ItemLoader):
    """Processors are looked up once per field and class, not on every value (itemloaders
    looks through the loader's attributes and the item's field metadata each time)."""

    default_item_class = ArticleItem
    _processors: ClassVar[dict] = {}

    def get_input_processor(self, field_name: str) -> Callable:
        key = (type(self), field_name, "in")
        found = self._processors.get(key)
        if found is None:
            found = self._processors[key] = super().get_input_processor(field_name)
        return found

    def get_output_processor(self, field_name: str) -> Callable:
        key = (type(self), field_name, "out")
        found = self._processors.get(key)
        if found is None:
            found = self._processors[key] = super().get_output_processor(field_name)
        return found

    default_output_processor = TakeFirst()

    title_in = MapCompose(normalize_space)
    source_in = MapCompose(normalize_space, strip_book_marks, normalize_space)
    editor_in = MapCompose(normalize_space)
    keywords_in = MapCompose(split_keywords)
    keywords_out = _unique
    images_out = _unique
    body_html_out = TakeFirst()
    published_out = TakeFirst()
    column_out = TakeFirst()
    mtime_out = TakeFirst()
    images_in = Identity()
