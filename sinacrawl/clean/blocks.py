"""The body's shape: top-level blocks, one a line, containers unwrapped, stray inline runs
wrapped in <p>."""

from __future__ import annotations

from sinacrawl.tree import drop_tag, drop_tree, element, text_content, tostring

# fmt: off
BLOCK_TAGS = frozenset(
    "p h1 h2 h3 h4 h5 h6 ul ol dl table blockquote figure pre hr".split()
)
# div/section/article/center … only group blocks: they are unwrapped, or become a <p> when
# they hold text directly.
CONTAINER_TAGS = frozenset(
    "div section article center main header footer aside body html".split()
)
# Start tags with which an HTML5 parser closes an open <p> (lxml does not know them all).
P_CLOSERS = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
    "summary table ul li dd dt listing plaintext xmp search".split()
)
# fmt: on
PARAGRAPHS = frozenset("p h1 h2 h3 h4 h5 h6".split())
_BLANK = " \t\r\n\f\v\u3000\xa0"


def settled(block) -> bool:
    """No block inside a paragraph or heading (pruning can make one: an inline run wrapped
    in a <p>, an image wrapper turned <figure>); an HTML5 parser would move it out."""
    if block.tag not in PARAGRAPHS:
        return True
    return not any(el.tag in P_CLOSERS for el in block.iterdescendants())


def _has_content(el) -> bool:
    if (el.text and el.text.strip(_BLANK)) or (text_content(el) or "").strip(_BLANK):
        return True
    return next(el.iter("img", "hr"), None) is not None  # (el itself included)


def _nested_blocks(block) -> list:
    """The <p> and <div> inside ``block`` (not inside a table), outermost first."""
    if not len(block):
        return []
    return [
        el
        for el in block.iterdescendants("p", "div")
        if not any(up.tag == "table" for up in el.iterancestors())
    ]


def flatten(root) -> list:
    """Top-level blocks: containers unwrapped, stray inline runs wrapped in <p>."""
    out: list = []
    pending: list = []  # inline nodes and strings waiting for a <p>

    def flush():
        if not pending:
            return
        p = element("p")
        for part in pending:
            if isinstance(part, str):
                if len(p):
                    p[-1].tail = (p[-1].tail or "") + part
                else:
                    p.text = (p.text or "") + part
            else:
                p.append(part)
        pending.clear()
        strip_edges(p)
        if _has_content(p):
            out.append(p)

    def walk(el):
        if el.text:
            pending.append(el.text)
        for child in list(el):
            tail, child.tail = child.tail, None
            tag = child.tag if isinstance(child.tag, str) else None
            if tag is None:
                pass
            elif tag in CONTAINER_TAGS or tag in ("tr", "tbody", "td") and el is root:
                flush()
                walk(child)
                flush()
            elif tag in BLOCK_TAGS:
                flush()
                if tag == "p":
                    strip_edges(child)
                    last = child[-1] if len(child) else None
                    if last is not None and last.tag == "br" and not (last.tail or "").strip():
                        drop_tree(last)  # (a trailing <br>)
                if _has_content(child):
                    out.append(child)
            elif tag == "br" and not pending:
                pass
            else:
                pending.append(child)
            if tail:
                pending.append(tail)

    walk(root)
    flush()
    for p in out:
        for inner in _nested_blocks(p):
            drop_tag(inner)
    return out


def strip_edges(p) -> None:
    """Strip ASCII whitespace at a paragraph's edges; keep the full-width indent."""
    if p.text:
        p.text = p.text.lstrip(" \t\r\n")
    last = p[-1] if len(p) else None
    if last is not None:
        if last.tail:
            last.tail = last.tail.rstrip(" \t\r\n")
    elif p.text:
        p.text = p.text.rstrip(" \t\r\n")


def serialize(el) -> str:
    el.tail = None
    return tostring(el)
