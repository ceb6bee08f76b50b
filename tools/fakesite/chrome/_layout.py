"""The layout the 2008–2024 desktop templates share: head styles and scripts, a top bar and
channel navigation, then after the article a sidebar of lists, ad slots, a comment widget
and a footer, all in the shares of scripts, styles, comments and markup an era's pages show."""

from __future__ import annotations

import random

from fakesite.chrome import parts

# An era's style sheets and scripts are the same on each of its pages (as on Sina's): a
# stream of chunks per era, drawn on an RNG of its own, taken in order until the page's
# budget is spent.
_STATIC: dict[tuple[str, str], tuple[random.Random, list[str]]] = {}


def _static(prefix: str, kind: str, budget: int):
    rng, chunks = _STATIC.setdefault(
        (prefix, kind), (random.Random(f"sitegen-chrome-{prefix}-{kind}"), [])
    )
    i = 0
    while budget > 0:
        if i == len(chunks):
            if kind == "css":
                chunks.append(parts.css(rng, rng.randint(2000, 16000), prefix))
            else:
                chunks.append(parts.js(rng, rng.randint(300, 5000)))
        yield chunks[i]
        budget -= len(chunks[i])
        i += 1


def compose(
    rng: random.Random,
    size: int,
    *,
    scripts: float,
    styles: float,
    comments: float,
    prefix: str,
    external: int = 20,
    sheets: int = 8,
) -> tuple[str, str, str]:
    """Chrome of about ``size`` characters; ``scripts``, ``styles`` and ``comments`` are
    shares of it, the rest is markup (navigation, sidebar lists, ads, widgets)."""
    head: list[str] = [parts.stylesheets(rng, sheets)]
    head.extend(_static(prefix, "css", int(size * styles)))
    head.append(parts.external_scripts(rng, external // 2))
    script_budget = int(size * scripts)
    head.extend(_static(prefix, "js-head", script_budget // 3))
    top = (
        f"<!-- {prefix} top bar begin -->\n"
        + parts.nav(rng, f"{prefix}-topbar", 12)
        + parts.ad_slot(rng)
        + parts.nav(rng, f"{prefix}-nav", 22)
        + f"<!-- {prefix} top bar end -->\n"
    )
    bottom: list[str] = [f'<div class="{prefix}-side">\n']
    comment_budget = int(size * comments)
    markup_budget = size - int(size * styles) - script_budget - comment_budget - len(top)
    tail_scripts = _static(prefix, "js-tail", script_budget - script_budget // 3)
    while markup_budget > 0 or comment_budget > 0:
        if markup_budget > 0:
            r = rng.random()
            block = (
                parts.side_box(rng, rng.randint(6, 10), f"{prefix}-box")
                if r < 0.6
                else parts.picture_box(rng, rng.randint(3, 6))
                if r < 0.8
                else parts.ad_slot(rng)
            )
            bottom.append(block)
            markup_budget -= len(block.encode("utf-8"))
        if comment_budget > 0:
            block = parts.commented(rng, min(comment_budget, rng.randint(800, 3000)))
            bottom.append(block)
            comment_budget -= len(block.encode("utf-8"))
        bottom.append(next(tail_scripts, ""))
    bottom.extend(tail_scripts)
    bottom.append("</div>\n" + parts.comment_widget(rng) + parts.footer(rng))
    bottom.append(parts.external_scripts(rng, external - external // 2))
    return "".join(head), top, "".join(bottom)
