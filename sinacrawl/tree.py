"""lxml trees without lxml.html's Python layer: the same libxml2 parse, plain elements.

``lxml.html`` gives every element a Python class chosen by a Python callback, once per
element proxy; on Sina's pages that lookup costs more than the queries themselves. These
helpers parse with a plain ``etree.HTMLParser`` (lxml.html's tree, without comments) and do
what the HtmlElement methods did: ``drop_tree``, ``drop_tag``, ``text_content``, fragments.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

_LOCAL = threading.local()


def parser() -> etree.HTMLParser:
    """This thread's parser (lxml parsers are not for sharing between threads)."""
    found = getattr(_LOCAL, "parser", None)
    if found is None:
        found = _LOCAL.parser = etree.HTMLParser(
            recover=True, encoding="utf-8", huge_tree=True, remove_comments=True
        )
    return found


def parse_html(text: str, base_url: str | None = None):
    """The tree parsel (so ``response.selector``) builds for ``text``, comments left out.

    >>> parse_html("<title>x</title><p>a").findtext("body/p")
    'a'
    """
    return parse_utf8(text.strip().replace("\x00", "").encode("utf-8"), base_url)


def parse_utf8(body: bytes, base_url: str | None = None):
    """``parse_html(body.decode())`` for UTF-8 ``body``, without decoding it again."""
    body = body or b"<html/>"
    root = etree.fromstring(body, parser=parser(), base_url=base_url)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser(), base_url=base_url)
    return root


# What str.strip() would take from the ends of a page besides ASCII whitespace.
_ODD_ENDS = frozenset(b"\x1c\x1d\x1e\x1f")


def parse_page(body: bytes, text: str, encoding: str, base_url: str | None = None):
    """``parse_html(text)`` where ``text`` is ``body`` decoded: a UTF-8 page goes to the
    parser as it is, unless stripping the text's ends or NULs would change its bytes."""
    if encoding == "utf-8" and b"\x00" not in body:
        stripped = body.strip()
        if not stripped or (
            stripped[0] < 0x80
            and stripped[-1] < 0x80
            and stripped[0] not in _ODD_ENDS
            and stripped[-1] not in _ODD_ENDS
        ):
            return parse_utf8(stripped, base_url)
    return parse_html(text, base_url)


_FULL_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.I)


class EmptyFragment(ValueError):
    pass


def fragment(html: str):
    """``lxml.html.fragment_fromstring(html, create_parent="div")``: a <div> holding it.

    >>> tostring(fragment("x<b>y</b>z"))
    '<div>x<b>y</b>z</div>'
    """
    if not _FULL_DOCUMENT.match(html):
        html = f"<html><body>{html}</body></html>"
    doc = etree.fromstring(html, parser())
    if doc is None:
        raise EmptyFragment("document is empty")
    div = element("div")
    bodies = [e for e in doc if e.tag == "body"]
    if bodies:
        body = bodies[0]
        if body.text and body.text.strip():
            div.text = body.text
        div.extend(body)
    return div


def element(tag: str):
    return parser().makeelement(tag)


def drop_tree(el) -> None:
    """Remove ``el`` and what it holds; its tail stays."""
    parent = el.getparent()
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def drop_tag(el) -> None:
    """Remove the tag of ``el``; its text, children and tail stay where they were.

    >>> div = fragment("<p>a<b>b<i>c</i>d</b>e</p>"); drop_tag(div[0][0]); tostring(div)
    '<div><p>ab<i>c</i>de</p></div>'
    """
    parent = el.getparent()
    previous = el.getprevious()
    if el.text and isinstance(el.tag, str):
        if previous is None:
            parent.text = (parent.text or "") + el.text
        else:
            previous.tail = (previous.tail or "") + el.text
    if el.tail:
        if len(el):
            last = el[-1]
            last.tail = (last.tail or "") + el.tail
        elif previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    index = parent.index(el)
    parent[index : index + 1] = el[:]


def text_content(el) -> str:
    """The text under ``el``, comments left out: what ``HtmlElement.text_content()`` gives.

    >>> text_content(fragment("<p>a<!--c-->b<b>d</b>e</p>"))
    'abde'
    """
    return "".join(el.itertext())


def tostring(el, with_tail: bool = True) -> str:
    return etree.tostring(el, encoding="unicode", method="html", with_tail=with_tail)
