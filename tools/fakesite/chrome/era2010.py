"""2008–2013 ``blkContainer`` pages, ~110 KiB: scripts a third, a tenth styles, old ad
slots left commented out, long link lists."""

from __future__ import annotations

import random

from fakesite.chrome._layout import compose

SIZE_KIB = 102


def chrome(rng: random.Random, size: int) -> tuple[str, str, str]:
    return compose(rng, size, scripts=0.35, styles=0.10, comments=0.15, prefix="blk", external=18)
