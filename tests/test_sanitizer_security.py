"""The cleaner as a security boundary, checked by an independent HTML5 parser (html5lib).

Two sources of input, one oracle:

* ``tests/data/xss_vectors.txt``: known XSS vectors from the public cheat-sheet categories,
  each placed between two paragraphs of a Sina ``#artibody`` container;
* 20,000 generated documents (seeded, deterministic): random trees of allowed and dangerous
  tags, event handlers, obfuscated ``javascript:``/``vbscript:``/``data:`` URLs, ``style``,
  CJK text, braces, stray ``<`` and ``&``, entities.

The oracle parses ``clean_body(...).html`` with html5lib (the WHATWG algorithm browsers use, not
the lxml/html5ever parsers the cleaner itself uses) and requires: no script-capable element
(script, style, iframe, svg, math, noscript, object, embed, form, base, meta, link, template,
frame, frameset …), no ``on*`` attribute, no ``style``, every ``href``/``src`` an absolute
``http(s)://`` or ``mailto:`` URL once whitespace and control characters are removed (never
``javascript:``, ``vbscript:``, ``data:`` or protocol-relative ``//``). Beside it: the article
text around the vector survives, cleaning the output again changes nothing, and cleaning never
raises.

Posts are Markdown files to Hexo, so the body is also checked where Hexo reads it: the HTML body
must stay one raw HTML block for marked (no blank line in it), and the Markdown body option must
carry no raw HTML and no link to anything but http(s)/mailto (marked passes both through).

The generated documents are produced by a seeded generator, not by hypothesis: measured on
2 cores, hypothesis's recursive tree strategy costs ~2 ms per example for generation alone
(~40 s for 20,000 before any cleaning), the generator below ~0.05 ms. Document ``i`` comes
from ``random.Random(f"{SEED}:{i}")``, so ``generate_document(i)`` reproduces any failure.
``SINACRAWL_SANITIZER_FUZZ_N=200000 python -m pytest tests/test_sanitizer_security.py``
runs a longer campaign.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import html5lib
import pytest
from html5lib._tokenizer import HTMLTokenizer  # (html5lib's tokenizer; no public name)
from html5lib.constants import tokenTypes

from sinacrawl.clean import clean_body

BASE = "https://finance.sina.com.cn/roll/2020-01-01/doc-iabcdefg1234567.shtml"
VECTORS_FILE = Path(__file__).parent / "data" / "xss_vectors.txt"
BEFORE, AFTER = "正文", "结尾"
WRAP = '<div id="artibody"><p>　　正文</p>{}<p>　　结尾</p></div>'
SEED = 20240618
FUZZ_N = max(20000, int(os.environ.get("SINACRAWL_SANITIZER_FUZZ_N", "0") or 0))

# -- the oracle ---------------------------------------------------------------------------

# fmt: off
FORBIDDEN_ELEMENTS = {
    "script", "style", "iframe", "svg", "math", "noscript", "object", "embed", "form", "base",
    "meta", "link", "template", "frame", "frameset",
    # and their relatives: other script-, plugin-, navigation- or form-capable elements
    "applet", "param", "input", "button",
    "select", "option", "textarea", "isindex", "keygen", "xmp", "plaintext", "noembed", "noframes",
    "title", "head", "html", "body", "area", "map", "use", "animate", "set", "foreignobject",
    "image", "portal", "video", "audio", "source",
}
# fmt: on
# What a cleaned body may hold: the README's "kept" list (paragraphs, headings, lists, tables,
# block quotes, emphasis, links, images, captions) and other inert phrasing/grouping elements.
# fmt: off
INERT_ELEMENTS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
    "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "blockquote", "q",
    "cite", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark",
    "abbr", "a", "img", "figure", "figcaption", "pre", "code", "hr", "div", "span", "section",
    "article", "center", "font", "big", "tt", "kbd", "samp", "var", "dfn", "time", "wbr",
}
# fmt: on
URL_ATTRIBUTES = {"href", "src"}
# URL-bearing or script-capable attributes that have no business in a post at all.
# fmt: off
FORBIDDEN_ATTRIBUTES = {
    "style", "srcset", "action", "formaction", "background", "poster", "data", "codebase",
    "classid", "lowsrc", "dynsrc", "longdesc", "srcdoc", "ping", "manifest", "icon", "profile",
    "archive", "usemap", "cite", "to", "from", "values", "by", "attributename", "xmlns",
    "http-equiv", "content", "target", "form", "autofocus",
}
# fmt: on
SAFE_URL_PREFIXES = ("https://", "http://", "mailto:")
# What browsers ignore inside or around a URL: ASCII whitespace and C0/C1 control characters.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def parse(html: str) -> ET.Element:
    return html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)


def url_is_safe(value: str) -> bool:
    return _URL_NOISE.sub("", value).lower().startswith(SAFE_URL_PREFIXES)


def violations(output: str) -> list[str]:
    """What makes ``output`` unsafe, by an independent HTML5 parse; empty when it is safe."""
    found = []
    for el in parse(output).iter():
        if not isinstance(el.tag, str) or el.tag == "DOCUMENT_FRAGMENT":
            continue
        name = _local(el.tag)
        if "}" in el.tag:
            found.append(f"foreign-namespace element {el.tag}")
        if name in FORBIDDEN_ELEMENTS:
            found.append(f"forbidden element <{name}>")
        elif name not in INERT_ELEMENTS:
            found.append(f"element outside the inert set <{name}>")
        for attr, value in el.attrib.items():
            a = _local(attr)
            if a.startswith("on"):
                found.append(f"event handler {attr}= on <{name}>")
            elif a in FORBIDDEN_ATTRIBUTES:
                found.append(f"attribute {attr}= on <{name}>")
            elif a in URL_ATTRIBUTES and not url_is_safe(value):
                found.append(f"unsafe URL {attr}={value!r} on <{name}>")
    return found


# Elements whose text a reader never sees, or that the cleaner removes by design.
# fmt: off
_UNSEEN = {
    "script", "style", "template", "noscript", "textarea", "title", "xmp", "iframe", "noembed",
    "noframes", "plaintext", "select", "option", "optgroup", "object", "embed", "applet", "form",
    "button", "input", "head", "frameset", "frame", "audio", "video", "canvas", "map", "ins",
    "link", "meta", "base",
}
# fmt: on
_UNSEEN_CLASSES = {"img_wrapper", "img_descr", "article-editor", "show_author"}


def visible_text(html: str) -> str:
    """The text an HTML5 parser shows a reader, outside elements the cleaner drops by design
    (raw-text and form elements, plugins, foreign SVG/MathML content, hidden elements)."""
    out: list[str] = []

    def walk(el, shown: bool):
        if isinstance(el.tag, str) and el.tag != "DOCUMENT_FRAGMENT":
            if (
                "}" in el.tag
                or _local(el.tag) in _UNSEEN
                or "hidden" in el.attrib
                or _HIDDEN_STYLE.search(el.get("style", ""))
                or set((el.get("class") or "").split()) & _UNSEEN_CLASSES
            ):
                shown = False
        elif el.tag is not None and not isinstance(el.tag, str):  # comment
            shown = False
        if shown and isinstance(el.tag, str) and el.text:
            out.append(el.text)
        for child in el:
            walk(child, shown)
            if shown and child.tail:
                out.append(child.tail)

    walk(parse(html), True)
    return "".join(out)


def output_text(html: str) -> str:
    return "".join(parse(html).itertext())


# -- the corpus ---------------------------------------------------------------------------


def load_vectors() -> list[str]:
    lines = VECTORS_FILE.read_text(encoding="utf-8").split("\n")
    return [ln for ln in lines if ln.strip() and not ln.startswith("#")]


# Vectors that cannot sit on one line of the data file: raw line breaks and control characters.
# fmt: off
EXTRA_VECTORS = [
    '<a href="java\nscript:alert(1)">raw LF</a>', '<a href="java\rscript:alert(1)">raw CR</a>',
    '<a href="\njavascript:alert(1)">leading LF</a>', '<img src="java\nscript:alert(1)">',
    '<a href="\x01javascript:alert(1)">raw SOH</a>',
    '<a href="java\x00script:alert(1)">raw NUL</a>', "<img\nsrc=x\nonerror=alert(1)>",
    '<a\x0chref="javascript:alert(1)">form feed separator</a>', "<svg\nonload=alert(1)></svg>",
    "<script\n>alert(1)</script\n>",
]
# fmt: on
VECTORS = load_vectors() + EXTRA_VECTORS


def test_corpus_is_large_and_distinct():
    file_vectors = load_vectors()
    assert len(file_vectors) >= 70
    assert len(set(file_vectors)) == len(file_vectors), "duplicate vectors in xss_vectors.txt"


@pytest.mark.parametrize("vector", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
def test_corpus_vector_keeps_article_text_visible_to_html5(vector):
    # The corpus itself: no vector swallows the paragraphs around it in a browser, so the
    # text-survival test below asks only what an HTML5 parser would show.
    shown = visible_text(WRAP.format(vector))
    assert BEFORE in shown and AFTER in shown


def _clean_vector(vector: str):
    return clean_body(WRAP.format(vector), BASE)


@pytest.mark.parametrize("vector", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
def test_vector_is_neutralized(vector):
    result = _clean_vector(vector)
    assert violations(result.html) == [], result.html


@pytest.mark.parametrize("vector", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
def test_vector_leaves_article_text(vector):
    result = _clean_vector(vector)
    text = output_text(result.html)
    assert BEFORE in text and AFTER in text, result.html


@pytest.mark.parametrize("vector", VECTORS, ids=[f"v{i:03d}" for i in range(len(VECTORS))])
def test_vector_output_is_stable(vector):
    result = _clean_vector(vector)
    again = clean_body(result.html, BASE).html
    assert again == result.html


def test_oracle_catches_what_it_should():
    # The oracle must be able to fail: unsanitized vectors trip it.
    assert violations('<a href=" JaVa&#x09;script:alert(1)">x</a>')
    assert violations('<a href="//evil.example/">x</a>')
    assert violations('<img src="data:image/png;base64,AA==">')
    assert violations('<p onclick="x()">x</p>')
    assert violations('<p style="color:red">x</p>')
    assert violations('<svg><a xlink:href="https://x.cn/">x</a></svg>')
    assert violations("<math><mi>x</mi></math>")
    assert violations('<embed src="https://x.cn/a.swf">')
    assert not violations(
        '<p>　　正文<a href="https://finance.sina.com.cn/">链接</a></p>'
        '<p><img src="https://n.sinaimg.cn/a.jpg" alt="图"></p>'
    )
    assert AFTER not in visible_text(WRAP.format("<textarea>"))
    assert AFTER in visible_text(WRAP.format("<svg>"))  # <p> breaks out of foreign content


# -- the generator ------------------------------------------------------------------------

# fmt: off
SAFE_TAGS = [
    "p", "p", "p", "a", "a", "img", "img", "b", "strong", "em", "i", "u", "s", "br", "hr", "h2",
    "h3", "ul", "ol", "li", "table", "tbody", "tr", "td", "th", "blockquote", "figure",
    "figcaption", "pre", "code", "sub", "sup", "div", "div", "span", "span", "font", "section",
    "center", "q", "abbr", "small", "dl", "dt", "dd",
]
# fmt: on
# fmt: off
DANGEROUS_TAGS = [
    "script", "style", "iframe", "svg", "math", "noscript", "object", "embed", "form", "base",
    "meta", "link", "template", "frame", "frameset", "textarea", "title", "xmp", "select",
    "option", "input", "button", "mglyph", "mtext", "mi", "foreignObject", "desc",
    "annotation-xml", "use", "animate", "set", "noembed", "noframes", "details", "summary",
    "marquee", "video", "audio", "source", "applet", "param", "body", "head", "isindex", "keygen",
    "image", "listing", "dialog", "area", "map", "ins", "canvas", "style",
]
# fmt: on
# fmt: off
VOID = {
    "img", "br", "hr", "input", "base", "meta", "link", "embed", "source", "param", "area",
    "keygen", "frame", "isindex", "image", "col", "wbr",
}
# fmt: on
# fmt: off
EVENT_ATTRS = [
    "onclick", "onerror", "onload", "onmouseover", "ONFOCUS", "onbegin", "ontoggle",
    "onanimationstart", "OnError",
]
# fmt: on
# fmt: off
URL_ATTRS = [
    "href", "src", "HREF", "SrC", "data-src", "data-original", "real_src", "xlink:href", "srcset",
    "action", "formaction", "background", "poster", "data", "cite",
]
# fmt: on
# fmt: off
OTHER_ATTRS = [
    "style", "class", "id", "title", "alt", "hidden", "cms-style", "colspan", "start", "target",
    "name", "rel",
]
# fmt: on
# fmt: off
DANGEROUS_URLS = [
    "javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", "javascript://%0aalert(1)",
    "javascript:/*</a>*/alert(1)", "jar:javascript:alert(1)", "livescript:alert(1)",
]
# fmt: on
# fmt: off
SAFE_URLS = [
    "https://n.sinaimg.cn/finance/x.jpg", "http://finance.sina.com.cn/a.shtml",
    "mailto:ed@sina.com", "/roll/a.shtml", "b.shtml", "//n.sinaimg.cn/y.png", "#top", "?q=1",
    "https://example.com/{{x}}", "  https://example.com/sp  ", "", "//evil.example/z",
    "\\\\evil.example\\w", "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
    "blank.gif", "ftp://example.com/f", "https:example.com",
]
# fmt: on
# fmt: off
STYLE_VALUES = [
    "display:none", "visibility: hidden", "width:expression(alert(1))",
    "background:url(javascript:alert(1))", "behavior:url(x.htc)", "color:red", "font-weight:bold",
    "-moz-binding:url(x.xml#x)",
]
# fmt: on
# fmt: off
CLASS_VALUES = [
    "", "x", "main", "img_wrapper", "img_descr", "article-editor", "show_author", "content",
    "art_p",
]
# fmt: on
ID_VALUES = ["x", "main", "artibody", "article", "p1"]
# fmt: off
GENERIC_VALUES = [
    "x", "", "1", '"><script>alert(1)</script>', "' onmouseover='alert(1)", "` onerror=alert(1)",
    "{{x}}", "中文", "strong-Bold", "a b", "&quot;x", "图&#10;&#10;说明", "a\n \nb",
]
# fmt: on
# fmt: off
CJK = [
    "新浪财经", "正文内容", "股市", "责任编辑：某某", "　　", "港股", "＊ST", "（完）", "央行",
    "【", "】", "“引号”", "人民币", "　",
]
# fmt: on
TEXT_CHARS = "ab 中文测试　\n\t{}<>&;#\"'=/-!?%:[]"
# fmt: off
TEXT_SNIPPETS = [
    "{{ x }}", "{% raw %}", "{#", "#}", "<", "a < b", "&", "<!", "</", "<3", "]]>", "--", "-->",
    "<!--x-->", "<![CDATA[x]]>", "<?x?>", "&&", "&;", "& amp;", "< p>", "</ p>", "<p", "</div>",
]
# fmt: on
# fmt: off
ENTITIES = [
    "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&#123;", "&#x7b;", "&#125;", "&#0;",
    "&#x1;", "&#12288;", "&lt;script&gt;", "&copy", "&ampx", "&#xD800;", "&#x110000;", "&#128512;",
    "&colon;", "&NewLine;", "&Tab;",
]
# fmt: on
# fmt: off
CONTROL_CHARS = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe",
]
# fmt: on


def _obfuscate(rng: random.Random, url: str) -> str:
    """Browser-equivalent spellings of a URL: case, entities, whitespace in the scheme."""
    colon = url.find(":")
    scheme, rest = (url[:colon], url[colon:]) if colon > 0 else ("", url)
    out = []
    for ch in scheme:
        r = rng.random()
        if r < 0.2:
            out.append(ch.swapcase())
        elif r < 0.3:
            out.append(f"&#{ord(ch)};")
        elif r < 0.4:
            out.append(f"&#x{ord(ch):X};")
        elif r < 0.45:
            out.append(f"&#{ord(ch):07d}")
        else:
            out.append(ch)
        if rng.random() < 0.08:
            out.append(rng.choice(["&#9;", "&#x0A;", "&#13;", "\t", "&Tab;", "&NewLine;"]))
    if rest.startswith(":") and rng.random() < 0.2:
        rest = rng.choice(["&colon;", "&#58;", "&#x3a;"]) + rest[1:]
    prefix = rng.choice(["", "", "", " ", "  ", "&#14;", "&#32;", "\t", "&#1;"])
    return prefix + "".join(out) + rest


def _attr(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        name = rng.choice(EVENT_ATTRS)
        value = rng.choice(["alert(1)", "javascript:alert(1)", "eval(src)", ""])
    elif r < 0.7:
        name = rng.choice(URL_ATTRS)
        if rng.random() < 0.55:
            value = _obfuscate(rng, rng.choice(DANGEROUS_URLS))
        else:
            value = rng.choice(SAFE_URLS)
    else:
        name = rng.choice(OTHER_ATTRS)
        if name == "style":
            value = rng.choice(STYLE_VALUES)
        elif name == "class":
            value = rng.choice(CLASS_VALUES)
        elif name == "id":
            value = rng.choice(ID_VALUES)
        else:
            value = rng.choice(GENERIC_VALUES)
    q = rng.random()
    if name == "hidden" or q < 0.05:
        return f" {name}"
    if q < 0.7:
        return f' {name}="{value.replace(chr(34), "&quot;")}"'
    if q < 0.9:
        return f" {name}='{value.replace(chr(39), '&#39;')}'"
    if value and not re.search(r"[\s\"'=<>`]", value):
        return f" {name}={value}"
    return f' {name}="{value.replace(chr(34), "&quot;")}"'


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 3)):
        r = rng.random()
        if r < 0.4:
            parts.append(rng.choice(CJK))
        elif r < 0.65:
            parts.append("".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(1, 5))))
        elif r < 0.85:
            parts.append(rng.choice(ENTITIES))
        else:
            parts.append(rng.choice(TEXT_SNIPPETS))
    return "".join(parts)


def _node(rng: random.Random, depth: int, budget: list[int]) -> str:
    if depth > 5 or budget[0] <= 0 or rng.random() < 0.3:
        return _text(rng)
    budget[0] -= 1
    tag = rng.choice(SAFE_TAGS) if rng.random() < 0.6 else rng.choice(DANGEROUS_TAGS)
    written = tag.upper() if rng.random() < 0.1 else tag
    attrs = "".join(_attr(rng) for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))))
    if tag in VOID:
        return rng.choice(
            (f"<{written}{attrs}>", f"<{written}{attrs}/>", f"<{written}{attrs}></{written}>")
        )
    children = "".join(_node(rng, depth + 1, budget) for _ in range(rng.randint(0, 3)))
    return f"<{written}{attrs}>{_text(rng)}{children}</{written}>"


def generate_document(i: int) -> str:
    """Document ``i`` of the campaign: a fragment inside the Sina container."""
    rng = random.Random(f"{SEED}:{i}")
    budget = [rng.randint(1, 14)]
    fragment = "".join(_node(rng, 0, budget) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.03:  # now and then a raw control character somewhere in the text
        at = rng.randint(0, len(fragment))
        fragment = fragment[:at] + rng.choice(CONTROL_CHARS) + fragment[at:]
    return WRAP.format(fragment)


# -- the campaign -------------------------------------------------------------------------


@dataclass
class Campaign:
    n: int = 0
    seconds: float = 0.0
    crashes: list = field(default_factory=list, repr=False)
    unsafe: list = field(default_factory=list, repr=False)
    text_lost: list = field(default_factory=list, repr=False)
    text_inert: list = field(default_factory=list, repr=False)  # see in_unclosed_template
    distinct: set = field(default_factory=set, repr=False)  # digests of the documents
    unstable: list = field(default_factory=list, repr=False)
    blank_line: list = field(default_factory=list, repr=False)


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    c = Campaign()
    start = time.perf_counter()
    for i in range(FUZZ_N):
        doc = generate_document(i)
        c.n += 1
        c.distinct.add(hashlib.sha1(doc.encode()).digest())
        try:
            html = clean_body(doc, BASE).html
        except Exception as exc:  # noqa: BLE001 - every exception is a finding
            c.crashes.append((i, doc, f"{type(exc).__name__}: {exc}"))
            continue
        bad = violations(html)
        if bad:
            c.unsafe.append((i, doc, f"{bad} in {html!r}"))
        if _BLANK_LINE.search(f"<div>\n{html}\n</div>"):
            c.blank_line.append((i, doc, repr(html)))
        shown = visible_text(doc)
        text = output_text(html)
        lost = [s for s in (BEFORE, AFTER) if s in shown and s not in text]
        if lost and all(in_unclosed_template(doc, s) for s in lost):
            c.text_inert.append((i, doc, f"inert {lost}: {html!r}"))
        elif lost:
            c.text_lost.append((i, doc, f"lost {lost}: {html!r}"))
        try:
            again = clean_body(html, BASE).html
        except Exception as exc:  # noqa: BLE001
            c.crashes.append((i, html, f"on its own output: {type(exc).__name__}: {exc}"))
            continue
        if again != html:
            c.unstable.append((i, doc, f"{html!r}\n    -> {again!r}"))
    c.seconds = time.perf_counter() - start
    print(
        f"\nsanitizer campaign: {c.n} documents in {c.seconds:.1f} s; crashes "
        f"{len(c.crashes)}, unsafe {len(c.unsafe)}, text lost {len(c.text_lost)} "
        f"(+ {len(c.text_inert)} inert in an unclosed <template>), "
        f"unstable {len(c.unstable)}, blank line in body {len(c.blank_line)}"
    )
    return c


def _report(found: list, what: str, n: int) -> str:
    shortest = sorted(found, key=lambda f: len(f[1]))[:5]
    lines = [
        f"{len(found)} of {n} generated documents {what}; the shortest "
        "(reproduce with generate_document(i)):"
    ]
    lines += [f"  #{i}: {doc!r}\n    {detail}" for i, doc, detail in shortest]
    return "\n".join(lines)


def test_campaign_size(campaign):
    # What was cleaned, not the loop's own count: distinct documents. Small trees collide
    # now and then (measured: 19,158 distinct of 20,000 at SEED); 90% leaves room for another
    # seed while a generator stuck on a few shapes fails at once.
    assert FUZZ_N >= 20000
    assert len(campaign.distinct) >= 0.9 * FUZZ_N


def test_generated_documents_are_safe(campaign):
    assert not campaign.unsafe, _report(campaign.unsafe, "gave unsafe output", campaign.n)


def test_generated_documents_never_crash_the_cleaner(campaign):
    assert not campaign.crashes, _report(campaign.crashes, "raised", campaign.n)


# Fidelity, not safety: the cleaner reads markup with html5ever (under nh3) and the oracle
# with html5lib; on the obsolete <isindex> the two disagree (html5ever still rewrites it into
# a form, dropped with what the rewrite puts in it; html5lib does not), so a few garbage
# documents built around it lose text. That is the only known cause: a loss in a document
# without <isindex> fails at once. Their share is a rate, so a longer campaign
# (SINACRAWL_SANITIZER_FUZZ_N) is held to the same bar: measured 6 in 20,000 at SEED
# (0.03%); 1 in 2,000 (0.05%) keeps a margin for another seed while staying far under a
# real regression (at 200,000 documents the expected ~60 losses have a standard deviation
# of ~8, against an allowance of 100). None of the recorded Sina pages or XSS vectors may
# lose any (test_vector_leaves_article_text, the golden posts).
MAX_TEXT_LOST_RATE = 1 / 2000


def test_generated_documents_keep_visible_article_text(campaign):
    unexplained = [f for f in campaign.text_lost if "<isindex" not in f[1].lower()]
    assert not unexplained, _report(
        unexplained, "lost text an HTML5 parser shows (no <isindex> involved)", campaign.n
    )
    assert len(campaign.text_lost) <= MAX_TEXT_LOST_RATE * campaign.n, _report(
        campaign.text_lost, "lost text an HTML5 parser shows", campaign.n
    )


# Text inside <template> is inert: a browser parses it into the template's content fragment
# and never renders it, and the cleaner drops <template> with its content. Only </template>
# (or the end of the input) closes a template: end tags of elements opened outside it are
# ignored, template being a scope marker of the WHATWG tree construction. So in
# ``<template><div>x</div></div><p>结尾</p>`` the trailing paragraph is template content too:
# Lexbor (a browser engine) and html5ever (the cleaner's parser) both read it so. html5lib
# 1.1 does not (template is missing from its scope markers and special elements: an outer
# end tag closes it), so its reading shows that text and calls its removal a loss. These
# documents are counted apart, by the WHATWG rule read off html5lib's own tokenizer.
_RAW_TEXT = {
    "title", "textarea", "style", "script", "xmp", "iframe", "noembed", "noframes", "noscript",
    "plaintext",
}  # fmt: skip
_START_TAGS = (tokenTypes["StartTag"], tokenTypes["EmptyTag"])


def in_unclosed_template(doc: str, text: str) -> bool:
    """``text`` comes after a ``<template>`` start tag and before any ``</template>`` that
    closes it (WHATWG: inert template content). Judged on the token stream; a raw-text element
    before the template (whose content a tree-building parse tokenizes differently) means
    no judgement (False)."""
    depth = 0
    for tok in HTMLTokenizer(doc):
        kind = tok["type"]
        if kind in _START_TAGS:
            name = tok["name"].lower()
            if name in _RAW_TEXT and not depth:
                return False
            depth += name == "template"
        elif kind == tokenTypes["EndTag"] and tok["name"].lower() == "template" and depth:
            depth -= 1
        elif kind == tokenTypes["Characters"] and text in tok["data"]:
            return depth > 0
    return False


@pytest.mark.parametrize(
    "fragment",
    [
        "<template><div>模板</div></div>",  # the </div>s close nothing outside the template
        "<span><template><em>模板</em></span>",  # nor does </span>
        "<template><!--</template>-->模板",  # a comment is no end tag
        "<template><p>模板</</template>",  # "</<" starts a bogus comment, not an end tag
    ],
)
def test_text_after_an_unclosed_template_is_inert_and_not_shown(fragment):
    doc = WRAP.format(fragment)
    assert in_unclosed_template(doc, AFTER)
    out = clean_body(doc, BASE).html
    assert BEFORE in out
    assert AFTER not in out and "模板" not in out  # inert content is never rendered


def test_closed_template_hides_only_its_content():
    doc = WRAP.format("<template><p>模板</p></template>")
    assert not in_unclosed_template(doc, AFTER)
    out = clean_body(doc, BASE).html
    assert BEFORE in out and AFTER in out and "模板" not in out


def test_generated_losses_set_apart_as_inert_are_template_content(campaign):
    # each one is a text the WHATWG reading puts inside a template; the cleaner dropped it
    # as browsers never show it (measured: 3 in 20,000 at SEED)
    for i, doc, _detail in campaign.text_inert:
        assert "<template" in doc.lower() and in_unclosed_template(doc, AFTER), i


def test_generated_documents_clean_to_a_fixed_point(campaign):
    assert not campaign.unstable, _report(
        campaign.unstable, "changed when cleaned again", campaign.n
    )


def test_generated_documents_give_one_html_block(campaign):
    assert not campaign.blank_line, _report(
        campaign.blank_line,
        "gave a body with a blank line (Hexo would parse the rest as Markdown)",
        campaign.n,
    )


def _document_digest(i: int) -> str:
    return hashlib.sha256(generate_document(i).encode()).hexdigest()


def test_generator_is_deterministic_and_hostile():
    # generate_document(i) must rebuild a failure in another process: a fresh interpreter
    # with another hash seed (set and dict orders, str hashes) builds the same document
    code = "from tests.test_sanitizer_security import _document_digest as d; print(d(7))"
    for hash_seed in ("1", "2"):
        there = subprocess.run(
            [sys.executable, "-c", code],
            cwd=Path(__file__).resolve().parent.parent,
            env=dict(os.environ, PYTHONHASHSEED=hash_seed),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert there == _document_digest(7)
    assert _document_digest(7) != _document_digest(8)
    docs = [generate_document(i) for i in range(500)]
    joined = "".join(docs)
    for needle in ("<script", "<svg", "<math", "onerror", "javascript", "&#", "style=", "{{"):
        assert needle in joined.lower()


# -- the HTML body inside Hexo -----------------------------------------------------------
#
# A post is a .md file: Hexo runs it through marked even when the body is HTML. The body is
# safe there only as ONE raw HTML block (CommonMark block type 6, opened by the ``<div>`` line),
# and such a block ends at the first blank line: whatever follows is parsed as Markdown, where
# ``[x](javascript:alert(1))`` in plain article text becomes a live link. So the body of a post
# must hold no blank line. Line breaks survive cleaning inside attribute values (title, alt).

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
BLANK_LINE_VECTORS = [
    '<p>　　正文<a href="https://finance.sina.com.cn/" title="a&#10;&#10;b">链接</a>'
    "[点我](javascript:alert(1))</p>",
    '<p><img src="https://n.sinaimg.cn/finance/a.jpg" alt="图&#10;&#13;&#10;说明">'
    "[点我](javascript:alert(1))</p>",
    '<p><a href="https://finance.sina.com.cn/" title="a\n\nb">链接</a>正文</p>',
    '<p><img src="https://n.sinaimg.cn/finance/a.jpg" alt="a\n \t\nb">正文</p>',
    "<pre>第一行\n\n第三行</pre>",
    "<p>　　甲\n\n\n乙</p>",
]


def _html_post_body(html: str) -> str:
    from datetime import datetime, timezone

    from sinacrawl.render import render_post

    body = clean_body(WRAP.format(html), BASE).html
    post = render_post(
        {"title": "t", "published": datetime(2022, 2, 22, tzinfo=timezone.utc), "body": body},
        categories=["金融", "新浪财经", "新浪财经－国內"],
        author="新浪财经",
    )
    return post.split("\n---\n", 1)[1]


@pytest.mark.parametrize(
    "vector",
    BLANK_LINE_VECTORS + VECTORS,
    ids=[f"b{i:02d}" for i in range(len(BLANK_LINE_VECTORS))]
    + [f"v{i:03d}" for i in range(len(VECTORS))],
)
def test_html_body_is_one_markdown_html_block(vector):
    body = _html_post_body(vector)
    assert body.startswith("\n<div>\n") and body.endswith("\n</div>\n")
    assert _BLANK_LINE.search(body.strip("\n")) is None, body


# -- the Markdown body option (SINACRAWL_BODY_FORMAT=markdown) ----------------------------
#
# The sanitizer's output is safe as HTML; the Markdown option converts it once more, and Hexo
# renders that Markdown with marked, which passes raw HTML and any link destination through.
# So in Markdown, text that was escaped in the HTML (``&lt;script&gt;``) must stay escaped,
# and no link may point anywhere but http(s)/mailto. Code spans and fences are inert.

# fmt: off
MARKDOWN_TEXT_VECTORS = [
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    "<p>　　代码示例：&lt;img src=x onerror=alert(1)&gt;</p>",
    '<p>&lt;a href="javascript:alert(1)"&gt;点我&lt;/a&gt;</p>',
    "<p>&lt;!--&gt;&lt;svg onload=alert(1)&gt;</p>", "<p>&lt;javascript:alert(1)&gt;</p>",
    "<p>[点我](javascript:alert(1))</p>", "<p>![图](javascript:alert(1))</p>",
    "<p>[x]: javascript:alert(1)</p><p>[x]</p>",
    '<p><a href="https://finance.sina.com.cn/">x](javascript:alert(1))</a></p>',
    "<p>&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;</p>",
]
# fmt: on
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
# Inline links and images: [text](dest "title"). A link's text is live Markdown (raw HTML in it
# renders); its destination and title, and an image's alt text, are rendered escaped.
_LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.)*)\]\(((?:[^()\\]|\\.|\([^()]*\))*)\)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]*)>?.*$", re.M)
# CommonMark raw HTML and autolink openers: <tag, </tag, <!--, <!X, <?, <scheme:
_RAW_HTML = re.compile(r"(?<!\\)<(?:[A-Za-z]|/[A-Za-z]|!|\?)")


def markdown_violations(markdown: str) -> list[str]:
    """Raw HTML, or a link to anything but http(s)/mailto, in a Markdown body."""
    text = _CODE.sub("", markdown)
    found = []
    for m in list(_LINK.finditer(text)) + list(_REF_DEF.finditer(text)):
        dest = (
            (m.group(3).strip().split()[0] if m.group(3).strip() else "")
            if m.re is _LINK
            else m.group(1)
        )
        dest = dest.strip("<>")
        if dest and not url_is_safe(dest):
            found.append(f"link destination {dest!r}")
    text = _LINK.sub(lambda m: "" if m.group(1) else m.group(2), text)
    text = _REF_DEF.sub("", text)
    found += [f"raw HTML {text[m.start() : m.start() + 30]!r}" for m in _RAW_HTML.finditer(text)]
    return found


def _markdown_body(html: str) -> str:
    from datetime import datetime, timezone

    from sinacrawl.render import render_post

    body = clean_body(WRAP.format(html), BASE).html
    post = render_post(
        {"title": "t", "published": datetime(2022, 2, 22, tzinfo=timezone.utc), "body": body},
        categories=["金融", "新浪财经", "新浪财经－国內"],
        author="新浪财经",
        body_format="markdown",
    )
    return post.split("\n---\n", 1)[1]


def test_markdown_oracle_catches_what_it_should():
    assert markdown_violations("<script>alert(1)</script>")
    assert markdown_violations("[x](javascript:alert(1))")
    assert markdown_violations("[x]: vbscript:msgbox(1)")
    assert markdown_violations("[<img src=x onerror=alert(1)>](https://a.cn/)")
    assert not markdown_violations(
        "\\<script> `<b>` [x](https://a.cn/) ![i](https://n.sinaimg.cn/a.jpg)"
    )
    assert not markdown_violations(
        '![<b>](https://n.sinaimg.cn/a.jpg) [y](https://a.cn/?q="><b> "<i>")'
    )


@pytest.mark.parametrize(
    "vector",
    MARKDOWN_TEXT_VECTORS + VECTORS,
    ids=[f"t{i:02d}" for i in range(len(MARKDOWN_TEXT_VECTORS))]
    + [f"v{i:03d}" for i in range(len(VECTORS))],
)
def test_markdown_body_carries_no_html_or_script_links(vector):
    markdown = _markdown_body(vector)
    assert markdown_violations(markdown) == [], markdown


def test_markdown_body_of_generated_documents():
    bad = []
    for i in range(0, FUZZ_N, 10):  # every tenth document of the campaign
        doc = generate_document(i)
        try:
            markdown = _markdown_body(doc[len(WRAP.split("{}")[0]) : -len(WRAP.split("{}")[1])])
        except ValueError:
            continue  # control characters: reported by the crash test above
        found = markdown_violations(markdown)
        if found:
            bad.append((i, doc, f"{found}: {markdown!r}"))
    assert not bad, _report(bad, "gave a Markdown body with raw HTML or script links", FUZZ_N // 10)
