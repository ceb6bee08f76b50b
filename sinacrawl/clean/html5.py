"""The HTML5 normalisation: broken markup read the way a browser reads it.

nh3's HTML5 parser (html5ever) reads void elements, foreign content, a <p> inside <b> and
tables as a browser does and writes the tree back well formed for lxml, keeping every tag and
attribute the pruning needs. Nothing is pruned here, and nothing here is the security
boundary (that is ``allowlist.sanitize``, which always runs last).
"""

from __future__ import annotations

import re

import nh3

from sinacrawl.clean.allowlist import ALLOWED_TAGS

# Characters an XML tree (lxml) cannot hold; pages do carry them (raw or as &#1;).
NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NON_XML_REF = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01])(?![0-9])|x0*(?:[0-8bcef]|1[0-9a-f])(?![0-9a-f]));?", re.I
)
_DOC_TAGS = re.compile(r"</?(?:html|body|head)\b[^>]*>", re.I)

# fmt: off
_PARSE_TAGS = ALLOWED_TAGS | {
    "div", "span", "section", "article", "center", "main", "header", "footer", "aside", "nav",
    "font", "ins", "iframe", "form", "input", "button", "select", "option", "optgroup",
    "label", "fieldset", "legend", "object", "embed", "param", "video", "audio", "source",
    "track", "canvas", "map", "area", "picture", "figure", "details", "summary", "dialog",
    "address", "time", "var", "samp", "kbd", "tt", "strike", "big", "ruby", "rt", "rp", "bdi",
    "bdo", "wbr", "col", "colgroup", "data", "dfn",
}
_PARSE_ATTRIBUTES = {
    "*": {
        "class", "id", "style", "hidden", "src", "href", "alt", "title", "sax-type",
        "cms-style", "colspan", "rowspan", "start", "real_src",
    },
}
_CLEAN_CONTENT = {
    "script", "style", "svg", "math", "template", "noscript", "textarea", "title", "xmp",
    "noembed", "noframes", "plaintext",
}
# fmt: on

# Outside <svg>/<math> these names are unknown HTML elements whose text a browser shows, but
# ammonia (under nh3) drops their content: they are read as <span> in the first pass.
_FOREIGN_NAMES = re.compile(
    r"<(/?)(?:animate|circle|defs|desc|ellipse|filter|g|line|marker|mask|metadata|mpath|path|"
    r"pattern|polygon|polyline|rect|set|stop|switch|symbol|text|tspan|use|view|maction|"
    r"maligngroup|malignmark|menclose|merror|mfenced|mfrac|mglyph|mi|mlabeledtr|mlongdiv|"
    r"mmultiscripts|mn|mo|mover|mpadded|mphantom|mroot|mrow|ms|mscarries|mscarry|msgroup|"
    r"msline|mspace|msqrt|msrow|mstack|mstyle|msub|msup|msubsup|mtable|mtd|mtext|mtr|munder|"
    r"munderover|semantics|annotation|annotation-xml|none|mprescripts)(?=[\s/>])",
    re.I,
)


def prepare(container_html: str) -> str:
    """The container without characters XML forbids (raw or as references) and without
    document tags (<html>, <body>, <head>)."""
    return _DOC_TAGS.sub("", _NON_XML_REF.sub("", NON_XML.sub("", container_html or "")))


def html5_normalize(html: str) -> str:
    """Broken markup → the tree a browser builds, serialized well formed; nothing pruned."""
    return nh3.clean(
        _FOREIGN_NAMES.sub(r"<\1span", html),
        tags=_PARSE_TAGS,
        clean_content_tags=_CLEAN_CONTENT,
        attributes=_PARSE_ATTRIBUTES,
        generic_attribute_prefixes={"data-"},
        url_schemes={"http", "https", "mailto"},
        url_relative="pass_through",
        link_rel=None,
        strip_comments=True,
    )
