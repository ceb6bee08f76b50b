"""2005: a GB2312 table layout, ~30 KiB. Little script or style; link tables around the
article, a channel bar, a picture-in-picture ad table."""

from __future__ import annotations

import random

from fakesite.chrome import parts

SIZE_KIB = 32


def _link_table(rng: random.Random, rows: int) -> str:
    cells = "\n".join(
        f"<tr><td height=20 class=f14>{parts.anchor(rng)}</td></tr>" for _ in range(rows)
    )
    return f"<table width=750 border=0 cellspacing=0 cellpadding=0>\n{cells}\n</table>\n"


def chrome(rng: random.Random, size: int) -> tuple[str, str, str]:
    head = (
        "<style type=text/css>\n.f12{font-size:12px}.f14{font-size:14px;line-height:22px}\n"
        "a:link{color:#0000ff}a:visited{color:#800080}\n</style>\n" + parts.js(rng, 600)
    )
    bar = " | ".join(
        f'<a href="https://finance.sina.com.cn/{p}">{n}</a>' for n, p in parts.CHANNELS[:14]
    )
    top = (
        "<!-- 标准导航 begin -->\n<table width=750 border=0 cellspacing=0 cellpadding=0>"
        f"<tr><td class=f12 align=center>{bar}</td></tr></table>\n<!-- 标准导航 end -->\n"
    )
    bottom = ["<!-- 相关链接 begin -->\n"]
    total = len(head) + len(top)
    while total < size:
        block = _link_table(rng, rng.randint(6, 12))
        if rng.random() < 0.2:
            block += parts.ad_slot(rng)
        bottom.append(block)
        total += len(block.encode("utf-8"))
    bottom.append("<!-- 相关链接 end -->\n" + parts.footer(rng))
    return head, top, "".join(bottom)
