"""2017+ finance pages (and the 2022 seed), ~220 KiB: inline style sheets near half the
page, many sidebar lists, ad slots, a comment widget."""

from __future__ import annotations

import random

from fakesite.chrome._layout import compose

SIZE_KIB = 198


def chrome(rng: random.Random, size: int) -> tuple[str, str, str]:
    return compose(
        rng, size, scripts=0.14, styles=0.45, comments=0.09, prefix="fin", external=24, sheets=9
    )
