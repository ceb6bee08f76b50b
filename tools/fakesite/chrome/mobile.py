"""finance.sina.cn mobile pages, ~100 KiB: an inlined style sheet and the app's scripts,
short recommendation lists."""

from __future__ import annotations

import random

from fakesite.chrome._layout import compose

SIZE_KIB = 88


def chrome(rng: random.Random, size: int) -> tuple[str, str, str]:
    return compose(
        rng, size, scripts=0.40, styles=0.30, comments=0.03, prefix="m", external=8, sheets=2
    )
