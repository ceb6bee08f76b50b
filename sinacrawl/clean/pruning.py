"""Pruning: one lxml walk over the container that takes Sina's junk out (the rules of
``junk.RULES``), keeps the editor line last, makes links and images absolute and brings tags
and attributes down to what the allow-list keeps."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from sinacrawl.clean import junk
from sinacrawl.clean.allowlist import ALLOWED_TAGS
from sinacrawl.clean.blocks import BLOCK_TAGS, CONTAINER_TAGS, flatten, serialize, settled
from sinacrawl.clean.html5 import NON_XML, html5_normalize, prepare
from sinacrawl.tree import drop_tag, drop_tree, element, fragment, text_content
from sinacrawl.urls import absolute_https, absolute_url

_WS = re.compile(r"[ \t\r\n\f\v]+")
# Foreign content: a browser leaves <svg>/<math> at the first HTML block tag.
FOREIGN = {"svg", "math"}
_KEEP_ATTRIBUTES = {
    "img": ("src", "alt"), "a": ("href", "title"), "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"), "ol": ("start",),
}  # fmt: skip


def _collapse_ws(text: str) -> str:
    return _WS.sub(" ", text)


def _text_ws(text: str | None) -> str | None:
    return _WS.sub(" ", NON_XML.sub("", text)) if text else text


def _img_src(img) -> str | None:
    for attr in ("data-src", "data-original", "real_src", "data-actualsrc", "src"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:") and not value.endswith("blank.gif"):
            return value
    return None


def _hoist_void(el) -> None:
    """A void element holds nothing: what lxml nested in one follows it in a browser."""
    text, tail, kids = el.text, el.tail, list(el)
    el.text, el.tail = None, text
    prev = el
    for kid in kids:
        prev.addnext(kid)  # (a moved element takes its tail along)
        prev = kid
    if kids:
        kids[-1].tail = (kids[-1].tail or "") + (tail or "")
    else:
        el.tail = (text or "") + (tail or "")


def _figure(wrap):
    """div.img_wrapper > img + span.img_descr → figure > img + figcaption (or None)."""
    imgs = list(wrap.iter("img"))
    if not imgs:
        return None
    caption = ""
    for node in wrap.iter():
        if isinstance(node.tag, str) and "img_descr" in (node.get("class") or ""):
            caption = " ".join((text_content(node) or "").split())
            break
    figure = element("figure")
    for img in imgs:
        img.tail = None
        figure.append(img)
    if caption:
        etree.SubElement(figure, "figcaption").text = caption
    figure.tail = wrap.tail
    wrap.getparent().replace(wrap, figure)
    return figure


class _Pruner:
    """One walk over the container: junk out, links and images fixed, tags and attributes
    down to what the allow-list keeps. Children first, so unwrapping never skips a node."""

    def __init__(self, base_url: str, root):
        self.base_url = base_url
        self.editor: str | None = None
        # (a paragraph's text is a piece of the container's: no marker there, none to look for)
        self.disclaimers = junk.TABLE.may_hold_paragraphs("".join(root.itertext()))

    def walk(self, parent, depth: int = 0) -> None:
        for el in list(parent):
            tag = el.tag
            if not isinstance(tag, str):  # comment, processing instruction
                drop_tree(el)
                continue
            if depth > 200:  # pathological nesting: nothing an article needs lives there
                drop_tree(el)
                continue
            if tag == "image":  # what HTML5 parsers (and nh3) read as <img>
                el.tag = tag = "img"
            if tag in junk.VOID_TAGS and (len(el) or el.text):
                _hoist_void(el)
            if tag in FOREIGN:
                blocks = [c for c in el if c.tag in BLOCK_TAGS or c.tag in CONTAINER_TAGS]
                for child in reversed(blocks):
                    el.addnext(child)
                drop_tree(el)
                continue
            verdict = junk.TABLE.verdict(el, tag)
            if verdict == "drop":
                drop_tree(el)
                continue
            if verdict == "editor":
                # The editor line moves to the end; without an explicit one, the body's own wins.
                self.editor = self.editor or " ".join((text_content(el) or "").split()) or None
                drop_tree(el)
                continue
            if verdict == "unwrap":
                drop_tag(el)
                continue
            if tag == "p" and self.disclaimers and junk.TABLE.junk_paragraph(text_content(el)):
                drop_tree(el)
                continue
            if tag == "img":
                if not self.fix_img(el):
                    continue
            elif tag == "div" and "img_wrapper" in (el.get("class") or ""):
                figure = _figure(el)
                if figure is None:
                    drop_tree(el)
                    continue
                el = figure
            if len(el):
                self.walk(el, depth + 1)
            self.finish(el)

    def fix_img(self, img) -> bool:
        src = _img_src(img)
        url = absolute_https(src, self.base_url) if src else None
        if not url or junk.TABLE.junk_image(urlsplit(url).path):
            drop_tree(img)
            return False
        alt = img.get("alt")
        img.attrib.clear()
        img.set("src", url)
        if alt:
            img.set("alt", alt)
        return True

    def finish(self, el) -> None:
        tag = el.tag
        if tag == "a":
            href = absolute_url(el.get("href", ""), self.base_url)
            title = el.get("title")
            el.attrib.clear()
            if href:
                el.set("href", href)
            if title:
                el.set("title", title)
        elif tag in ("font", "span"):
            # <font cms-style="strong-Bold"> is emphasis; other fonts and spans are presentation.
            if "strong-Bold" in (el.get("cms-style") or "") or (
                tag == "font" and "bold" in el.get("style", "")
            ):
                el.tag = "strong"
                el.attrib.clear()
            else:
                drop_tag(el)
                return
        elif tag not in ALLOWED_TAGS and tag not in CONTAINER_TAGS:
            drop_tag(el)  # unknown or presentational: keep its text, lose the tag
            return
        if not len(el.attrib):
            return
        keep = _KEEP_ATTRIBUTES.get(el.tag, ())
        if keep:
            kept = {n: el.get(n) for n in keep if el.get(n) is not None}
            el.attrib.clear()  # (attribute names on broken pages can be anything: clear, re-set)
            for name, value in kept.items():
                # No line break may survive in an attribute: a blank line would end the
                # post's HTML block in Hexo's Markdown renderer.
                el.set(name, _WS.sub(" ", NON_XML.sub("", value)).strip())
        elif el.attrib:
            el.attrib.clear()


def prune(container_html: str, base_url: str, editor: str | None = None) -> str:
    """Remove junk and normalize structure; returns HTML of top-level blocks, one a line."""
    html = NON_XML.sub("", html5_normalize(prepare(container_html)))
    return prune_root(fragment(html), base_url, editor) or ""


def prune_root(
    root,
    base_url: str,
    editor: str | None,
    settled_only: bool = False,
    odd_chars: bool = True,
) -> str | None:
    """Prune the tree under ``root``; with ``settled_only``, None when the blocks it gives are
    not ones an HTML5 parser reads back the same (a block inside a paragraph or heading).
    ``odd_chars=False``: the text is known to hold no character XML forbids."""
    pruner = _Pruner(base_url, root)
    pruner.walk(root)
    editor = editor or pruner.editor
    ws = _text_ws if odd_chars else _collapse_ws
    for el in root.iter(etree.Element):
        if el.text:
            el.text = ws(el.text)
        if el.tail:
            el.tail = ws(el.tail)
    blocks = flatten(root)
    if settled_only and not all(settled(b) for b in blocks):
        return None
    if editor:
        p = element("p")
        p.set("class", "article-editor")
        p.text = NON_XML.sub("", editor).strip()  # (the page's editor line can carry them)
        blocks.append(p)
    return "\n".join(serialize(b) for b in blocks)
