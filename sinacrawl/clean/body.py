"""``clean_body``: prune, then sanitize, until the body is a fixed point.

lxml and the HTML5 parser under nh3 disagree on broken markup (a block inside an inline
element, an unclosed table); a second round over the first's output settles it, so cleaning a
cleaned body changes nothing. A container both parsers read alike takes the fast path (no
HTML5 pass in the first round) to the same result.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sinacrawl.clean import junk
from sinacrawl.clean.allowlist import sanitize
from sinacrawl.clean.fastpath import prune_fast
from sinacrawl.clean.pruning import prune
from sinacrawl.tree import fragment, text_content


@dataclass
class CleanResult:
    html: str
    images: list[str] = field(default_factory=list)
    text: str = ""


# How the rounds went, since the process started (read by bench/extract.py): ``fast`` first
# rounds on the fast path (``sure``: those that needed no second round, see ``_sure``),
# ``full`` first rounds on the full path, ``second`` rounds run to check or settle a first
# round's output (``settled``: those that changed it).
ROUNDS: Counter[str] = Counter()

# Results cleaned ahead of time (in a worker process, sinacrawl.workers), each taken once.
_REMEMBERED: dict[tuple, CleanResult] = {}
_REMEMBER_AT_MOST = 512


def remember(container_html: str, base_url: str, editor: str | None, result: CleanResult) -> None:
    """Keep ``result`` for the next ``clean_body`` of the same arguments (a worker cleaned
    it already); the oldest are forgotten beyond a few hundred (then cleaned again)."""
    if len(_REMEMBERED) >= _REMEMBER_AT_MOST:
        del _REMEMBERED[next(iter(_REMEMBERED))]
    _REMEMBERED[(container_html, base_url, editor)] = result


def clean_body(
    container_html: str, base_url: str, editor: str | None = None, *, fast: bool = True
) -> CleanResult:
    """Prune then sanitize, until stable; returns the body HTML, its images and its text."""
    if _REMEMBERED and fast:
        done = _REMEMBERED.pop((container_html, base_url, editor), None)
        if done is not None:
            return done
    pruned = prune_fast(container_html, base_url, editor) if fast else None
    if pruned is not None:
        ROUNDS["fast"] += 1
        html = final(sanitize(pruned))
        if _sure(pruned, html):
            ROUNDS["sure"] += 1
            return _result(html)
        # The full path's own test of its first round, made on the fast round's: cleaned
        # again, the body must not change (else the full path settles it).
        ROUNDS["second"] += 1
        if final(sanitize(prune(html, base_url))) == html:
            return _result(html)
        ROUNDS["settled"] += 1
    ROUNDS["full"] += 1
    html = final(sanitize(prune(container_html, base_url, editor)))
    for _ in range(3):
        ROUNDS["second"] += 1
        again = final(sanitize(prune(html, base_url)))
        if again == html:
            break
        ROUNDS["settled"] += 1
        html = again
    return _result(html)


# A fast first round is sure to be the fixed point when its body is paragraphs and headings
# of inline markup, and figures of images and a caption, only (no block the second walk
# could unwrap, wrap or move), no text a junk rule
# reads from a paragraph (a <div> of such text became a <p>), no trailing <br> in a
# paragraph, and the sanitizer gave back
# exactly what lxml wrote (but the referrer policy it adds to images): the HTML5 parser read
# it as lxml did, so a second round would see the same tree.
_BLOCK_INSIDE = (
    r"(?:(?!<(?:/?(?:p|div|figure|figcaption|table|ul|ol|dl|li|h[1-6]|blockquote|pre|hr|"
    r"section|center)\b)).)*"
)
_SURE_LINE = re.compile(
    rf'<(p|h[1-6])(?: class="article-editor")?>{_BLOCK_INSIDE}</\1>\Z'
    r"|<figure>(?:<img [^<>]*>)+(?:<figcaption>[^<>]*</figcaption>)?</figure>\Z"
)
# (a paragraph's trailing <br> goes in the next round when a <p> wrapped it in this one)
_TRAILING_BR = re.compile(r"<br>\s*</p>\Z")
_POLICY = ' referrerpolicy="no-referrer"'


def _sure(pruned: str, html: str) -> bool:
    if html.replace(_POLICY, "") != pruned.strip() or junk.TABLE.may_hold_paragraphs(html):
        return False
    return all(
        _SURE_LINE.match(line) and not _TRAILING_BR.search(line) for line in html.split("\n")
    )


def _result(html: str) -> CleanResult:
    root = fragment(html) if html else None
    if root is None:
        return CleanResult(html=html)
    return CleanResult(
        html=html, images=[i.get("src") for i in root.iter("img")], text=text_content(root)
    )


def final(html: str) -> str:
    """One block a line, no blank line anywhere (it would end Hexo's HTML block)."""
    return re.sub(r"\n\s*\n+", "\n", html).strip()


def body_text_without_editor(result: CleanResult, editor: str | None) -> str:
    text = result.text
    if editor:
        text = text.replace(editor.strip(), "")
    return text.strip(" \t\r\n\u3000\xa0")
