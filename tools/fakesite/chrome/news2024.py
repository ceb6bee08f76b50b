"""2024 news.sina.com.cn pages, ~160 KiB: markup over half (navigation, feeds, picture
lists), scripts and styles a sixth each."""

from __future__ import annotations

import random

from fakesite.chrome._layout import compose

SIZE_KIB = 145


def chrome(rng: random.Random, size: int) -> tuple[str, str, str]:
    return compose(
        rng, size, scripts=0.17, styles=0.13, comments=0.12, prefix="nw", external=22, sheets=8
    )
