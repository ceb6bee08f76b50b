"""2014–2016 ``news_content`` pages, ~140 KiB: script-heavy (half the page), a quarter
commented-out markup, little inline style."""

from __future__ import annotations

import random

from fakesite.chrome._layout import compose

SIZE_KIB = 126


def chrome(rng: random.Random, size: int) -> tuple[str, str, str]:
    return compose(
        rng, size, scripts=0.47, styles=0.04, comments=0.26, prefix="nc", external=30, sheets=13
    )
