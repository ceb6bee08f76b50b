"""The fast path: ``prune`` without the HTML5 pass, for containers that need none.

A container that lxml wrote itself (the page object's body_html), built only of the tags
below, nested the way both parsers agree on, reads the same to html5ever as to lxml: the
HTML5 pass would change nothing, so it is skipped. Anything else (tables, lists, forms,
foreign content, misnesting, unusual entities, markup lxml would not write this way) takes
the full path. tests/test_clean.py holds the two paths equal.
"""

from __future__ import annotations

import re

from lxml import etree

from sinacrawl.clean.blocks import P_CLOSERS, PARAGRAPHS
from sinacrawl.clean.html5 import prepare
from sinacrawl.clean.pruning import prune_root
from sinacrawl.tree import drop_tree, fragment, tostring

_TAME_TAGS = frozenset(
    "div p span font strong b em i u s a img br ins sup sub small h1 h2 h3 h4 h5 h6 figure "
    "center section script style".split()
)
# What lxml writes for text and attribute values; any other reference is read differently
# by the two parsers (HTML5 knows more named references, and maps C1 numbers).
_ODD_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp|#9|#10|#13);)")
_ATTRIBUTE_NAME = re.compile(r"^[a-z_][-a-z0-9_:.]*$")
# href/src values the sanitizer and urls.absolute_url are sure to judge alike: a plain web
# URL (kept by both), or a javascript: link (dropped by both).
_PLAIN_URL = re.compile(
    r"(?:(?:https?:)?//[\w.-]+(?::\d{1,5})?(?:[/?#][^\s\x00-\x1f\x7f]*)?|javascript:\S*)\Z"
)


def _tame(parent, in_p: bool = False, in_a: bool = False) -> bool:
    for el in parent:
        tag = el.tag
        if not isinstance(tag, str):
            if tag is etree.Comment:
                text = el.text or ""
                if "--!>" in text or text.startswith((">", "->")):
                    return False
                continue
            return False  # processing instruction, entity
        if tag not in _TAME_TAGS or (in_p and tag in P_CLOSERS) or (in_a and tag == "a"):
            return False
        for name, value in el.attrib.items():
            if not _ATTRIBUTE_NAME.match(name):
                return False
            if (name == "href" or name == "src") and not _PLAIN_URL.match(value):
                return False
        if tag == "script" or tag == "style":
            if len(el) or "<" in (el.text or ""):
                return False
            continue
        if tag == "img" or tag == "br":
            if len(el) or el.text:
                return False
            continue
        # a block inside a paragraph or heading is where the parsers part ways
        if len(el) and not _tame(el, in_p or tag in PARAGRAPHS, in_a or tag == "a"):
            return False
    return True


def prune_fast(container_html: str, base_url: str, editor: str | None) -> str | None:
    """``prune`` without the HTML5 pass, or None when the container needs it."""
    html = prepare(container_html)
    if _ODD_REFERENCE.search(html):
        return None
    try:
        root = fragment(html)
    except (etree.ParserError, ValueError):
        return None
    if len(root) != 1 or root.text or root[0].tail:
        return None
    if tostring(root[0], with_tail=False) != html:  # not what lxml writes: take the full path
        return None
    if root[0].tag in ("td", "th"):  # (2005 pages) an HTML5 parser ignores a stray cell's tags
        root[0].tag = "div"
    if not _tame(root):
        return None
    for el in list(root.iter("script", "style")):  # gone with their text, as in the HTML5 pass
        drop_tree(el)
    # (no raw control character survived prepare, and no reference could make one)
    return prune_root(root, base_url, editor, settled_only=True, odd_chars=False)
