"""Clean an article container's HTML into the body the contract keeps.

Two stages: ``prune`` (lxml) removes Sina's junk blocks, keeps the editor line last and
makes links and images absolute; ``sanitize`` (nh3, an allow-list sanitizer built on
html5ever) is the security boundary and always runs last, so whatever ``prune`` misses
can never carry script-capable markup into a post. ``clean_body`` does both and is stable:
cleaning its own output changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3
from lxml import etree

from sinacrawl.tree import drop_tag, drop_tree, element, fragment, text_content, tostring
from sinacrawl.urls import absolute_https, absolute_url

# Junk inside Sina's article containers, by template era (README "Cleaning"). Removed with
# their content. (<form> and <ins> are only unwrapped: unclosed, a browser puts the rest of
# the article inside them; Sina's ad slots are ins.sinaads, removed by class.)
# fmt: off
JUNK_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "input", "button", "select", "textarea", "link", "meta", "template", "canvas", "audio",
    "video", "source", "base", "isindex", "param", "track", "keygen", "bgsound",
}
JUNK_CLASSES = {
    "appendQr_wrap", "appendQr_normal", "appendQr_normal_txt",  # the app's QR promo
    "app-kaihu-qr", "app-qihuo-kaihu-qr", "tech-quotation", "finance_app_sina",  # promos
    "ct_hqimg", "hqimg_wrapper",  # 行情图 quote charts
    "video-2017", "artical-player-wrap",  # empty video shells
    "fin_art_weixin", "article-keywords", "new_style_article", "article-notice", "ggcontent",
    "page-view", "wap_special", "sinaads", "article-bottom", "keywords",
}
JUNK_IDS = {"left_hzh_ad", "lcs_wrap"}
JUNK_ID_PREFIXES = ("ad_", "videoList")  # ad slots (#ad_44086), video lists
# also junk: class containing "kaihu" or starting "otherContent", p.finance_web…,
# span#quote_… (live stock prices), [sax-type] (native ads), [hidden], hidden styles,
# the 股吧 promo [data-sudaclick=suda_1028_guba]; see _junk().
EDITOR_CLASSES = {"article-editor", "show_author"}
# fmt: on
# The app's QR-code promo image, which older pipelines took as the post's picture.
QR_IMAGE_PATHS: tuple[str, ...] = ("/finance/cece9e13/20200514/343233024.png",)
_DISCLAIMER = re.compile(r"^\s*(免责声明[:：]|进入【新浪财经股吧】讨论)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"[ \t\r\n\f\v]+")
# Characters an XML tree (lxml) cannot hold; pages do carry them (raw or as &#1;).
_NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NON_XML_REF = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01])(?![0-9])|x0*(?:[0-8bcef]|1[0-9a-f])(?![0-9a-f]));?", re.I
)
_DOC_TAGS = re.compile(r"</?(?:html|body|head)\b[^>]*>", re.I)
# Void elements: whatever lxml nests inside one is really what follows it.
VOID_JUNK = {
    "embed",
    "source",
    "param",
    "track",
    "wbr",
    "area",
    "col",
    "base",
    "link",
    "meta",
    "input",
    "keygen",
    "basefont",
    "bgsound",
    "frame",
    "image",
}
VOID_TAGS = VOID_JUNK | {"img", "br", "hr"}
# Foreign content: a browser leaves <svg>/<math> at the first HTML block tag.
FOREIGN = {"svg", "math"}


ALLOWED_TAGS = {
    "p",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "blockquote",
    "q",
    "cite",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "del",
    "sub",
    "sup",
    "small",
    "mark",
    "abbr",
    "a",
    "img",
    "figure",
    "figcaption",
    "pre",
    "code",
    "hr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
BLOCK_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "table",
    "blockquote",
    "figure",
    "pre",
    "hr",
}
# div/section/article/center … only group blocks: they are unwrapped, or become a <p> when
# they hold text directly.
CONTAINER_TAGS = {
    "div",
    "section",
    "article",
    "center",
    "main",
    "header",
    "footer",
    "aside",
    "body",
    "html",
}


@dataclass
class CleanResult:
    html: str
    images: list[str] = field(default_factory=list)
    text: str = ""


# The first pass: nh3's HTML5 parser (html5ever) reads broken markup the way a browser does
# (void elements, foreign content, a <p> inside <b>, tables), and writes it back well formed
# for lxml, keeping every tag and attribute the pruning needs.
_PARSE_TAGS = ALLOWED_TAGS | {
    "div",
    "span",
    "section",
    "article",
    "center",
    "main",
    "header",
    "footer",
    "aside",
    "nav",
    "font",
    "ins",
    "iframe",
    "form",
    "input",
    "button",
    "select",
    "option",
    "optgroup",
    "label",
    "fieldset",
    "legend",
    "object",
    "embed",
    "param",
    "video",
    "audio",
    "source",
    "track",
    "canvas",
    "map",
    "area",
    "picture",
    "figure",
    "details",
    "summary",
    "dialog",
    "address",
    "time",
    "var",
    "samp",
    "kbd",
    "tt",
    "strike",
    "big",
    "ruby",
    "rt",
    "rp",
    "bdi",
    "bdo",
    "wbr",
    "col",
    "colgroup",
    "data",
    "dfn",
}
_PARSE_ATTRIBUTES = {
    "*": {
        "class",
        "id",
        "style",
        "hidden",
        "src",
        "href",
        "alt",
        "title",
        "sax-type",
        "cms-style",
        "colspan",
        "rowspan",
        "start",
        "real_src",
    },
}


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


def html5_normalize(html: str) -> str:
    """Broken markup → the tree a browser builds, serialized well formed; nothing pruned."""
    return nh3.clean(
        _FOREIGN_NAMES.sub(r"<\1span", html),
        tags=_PARSE_TAGS,
        clean_content_tags={
            "script",
            "style",
            "svg",
            "math",
            "template",
            "noscript",
            "textarea",
            "title",
            "xmp",
            "noembed",
            "noframes",
            "plaintext",
        },
        attributes=_PARSE_ATTRIBUTES,
        generic_attribute_prefixes={"data-"},
        url_schemes={"http", "https", "mailto"},
        url_relative="pass_through",
        link_rel=None,
        strip_comments=True,
    )


def sanitize(html: str) -> str:
    """The allow-list sanitizer: no script-capable markup survives, whatever ``html`` is."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={
            "script",
            "style",
            "svg",
            "math",
            "noscript",
            "template",
            "iframe",
            "object",
            "textarea",
            "select",
            "title",
            "xmp",
            "noembed",
            "noframes",
            "plaintext",
        },
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={"p": {"class": {"article-editor"}}},
        set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer"}},
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )


def _collapse_ws(text: str) -> str:
    return _WS.sub(" ", text)


def _text_ws(text: str | None) -> str | None:
    return _WS.sub(" ", _NON_XML.sub("", text)) if text else text


def _img_src(img) -> str | None:
    for attr in ("data-src", "data-original", "real_src", "data-actualsrc", "src"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:") and not value.endswith("blank.gif"):
            return value
    return None


def _junk(el, tag: str) -> str | None:
    """``"drop"`` (with content), ``"unwrap"`` (keep content), ``"editor"``, or None."""
    if tag in JUNK_TAGS:
        return "unwrap" if tag in VOID_TAGS else "drop"
    if not len(el.attrib):
        return None
    get = el.get
    classes = get("class")
    if classes:
        tokens = classes.split()
        if EDITOR_CLASSES.intersection(tokens):
            return "editor"
        if (
            JUNK_CLASSES.intersection(tokens)
            or "kaihu" in classes
            or classes.startswith("otherContent")
            or (tag == "p" and classes.startswith("finance_web"))
        ):
            return "drop"
    ident = get("id")
    if ident and (
        ident in JUNK_IDS
        or ident.startswith(JUNK_ID_PREFIXES)
        or (tag == "span" and ident.startswith("quote_"))
    ):
        return "drop"
    if get("sax-type") is not None or get("hidden") is not None:
        return "drop"
    if get("data-sudaclick") == "suda_1028_guba":
        return "drop"
    style = get("style")
    if style and _HIDDEN_STYLE.search(style):
        return "drop"
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


_KEEP_ATTRIBUTES = {
    "img": ("src", "alt"), "a": ("href", "title"), "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"), "ol": ("start",),
}  # fmt: skip


class _Pruner:
    """One walk over the container: junk out, links and images fixed, tags and attributes
    down to what the allow-list keeps. Children first, so unwrapping never skips a node."""

    def __init__(self, base_url: str, root):
        self.base_url = base_url
        self.editor: str | None = None
        # (a paragraph's text is a piece of the container's: no marker there, none to look for)
        text = "".join(root.itertext())
        self.disclaimers = "免责声明" in text or "进入【新浪财经股吧】讨论" in text

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
            if tag in VOID_TAGS and (len(el) or el.text):
                _hoist_void(el)
            if tag in FOREIGN:
                blocks = [c for c in el if c.tag in BLOCK_TAGS or c.tag in CONTAINER_TAGS]
                for child in reversed(blocks):
                    el.addnext(child)
                drop_tree(el)
                continue
            verdict = _junk(el, tag)
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
            if tag == "p" and self.disclaimers and _DISCLAIMER.match(text_content(el) or ""):
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
        if not url or urlsplit(url).path.endswith(QR_IMAGE_PATHS):  # (whatever its query)
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
                el.set(name, _WS.sub(" ", _NON_XML.sub("", value)).strip())
        elif el.attrib:
            el.attrib.clear()


def _prepare(container_html: str) -> str:
    return _DOC_TAGS.sub("", _NON_XML_REF.sub("", _NON_XML.sub("", container_html or "")))


def prune(container_html: str, base_url: str, editor: str | None = None) -> str:
    """Remove junk and normalize structure; returns HTML of top-level blocks, one a line."""
    html = _NON_XML.sub("", html5_normalize(_prepare(container_html)))
    return _prune_root(fragment(html), base_url, editor) or ""


def _prune_root(
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
    blocks = _flatten(root)
    if settled_only and not all(_settled(b) for b in blocks):
        return None
    if editor:
        p = element("p")
        p.set("class", "article-editor")
        p.text = _NON_XML.sub("", editor).strip()  # (the page's editor line can carry them)
        blocks.append(p)
    return "\n".join(_serialize(b) for b in blocks)


# -- the fast path ---------------------------------------------------------------------------
# A container that lxml wrote itself (the page object's body_html), built only of the tags
# below, nested the way both parsers agree on, reads the same to html5ever as to lxml: the
# HTML5 pass and the second round would change nothing, so they are skipped. Anything else
# (tables, lists, forms, foreign content, misnesting, unusual entities, markup lxml would
# not write this way) takes the full path. tests/test_clean.py holds the two paths equal.
_TAME_TAGS = frozenset(
    "div p span font strong b em i u s a img br ins sup sub small h1 h2 h3 h4 h5 h6 figure "
    "center section script style".split()
)
# Start tags with which an HTML5 parser closes an open <p> (lxml does not know them all).
_P_CLOSERS = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
    "summary table ul li dd dt listing plaintext xmp search".split()
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
        if tag not in _TAME_TAGS or (in_p and tag in _P_CLOSERS) or (in_a and tag == "a"):
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
        if len(el) and not _tame(el, in_p or tag in _PARAGRAPHS, in_a or tag == "a"):
            return False
    return True


_PARAGRAPHS = frozenset("p h1 h2 h3 h4 h5 h6".split())


def _settled(block) -> bool:
    """No block inside a paragraph or heading (pruning can make one: an inline run wrapped
    in a <p>, an image wrapper turned <figure>); an HTML5 parser would move it out."""
    if block.tag not in _PARAGRAPHS:
        return True
    return not any(el.tag in _P_CLOSERS for el in block.iterdescendants())


def _prune_fast(container_html: str, base_url: str, editor: str | None) -> str | None:
    """``prune`` without the HTML5 pass, or None when the container needs it."""
    html = _prepare(container_html)
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
    # (no raw control character survived _prepare, and no reference could make one)
    return _prune_root(root, base_url, editor, settled_only=True, odd_chars=False)


_BLANK = " \t\r\n\f\v\u3000\xa0"


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


def _flatten(root) -> list:
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
        _strip_edges(p)
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
                    _strip_edges(child)
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


def _strip_edges(p) -> None:
    """Strip ASCII whitespace at a paragraph's edges; keep the full-width indent."""
    if p.text:
        p.text = p.text.lstrip(" \t\r\n")
    last = p[-1] if len(p) else None
    if last is not None:
        if last.tail:
            last.tail = last.tail.rstrip(" \t\r\n")
    elif p.text:
        p.text = p.text.rstrip(" \t\r\n")


def _serialize(el) -> str:
    el.tail = None
    return tostring(el)


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
    """Prune then sanitize, until stable; returns the body HTML, its images and its text.

    lxml and the HTML5 parser under nh3 disagree on broken markup (a block inside an inline
    element, an unclosed table); a second round over the first's output settles it, so
    cleaning a cleaned body changes nothing. A container both parsers read alike takes the
    fast path (no HTML5 pass in the first round) to the same result.
    """
    if _REMEMBERED and fast:
        done = _REMEMBERED.pop((container_html, base_url, editor), None)
        if done is not None:
            return done
    pruned = _prune_fast(container_html, base_url, editor) if fast else None
    if pruned is not None:
        html = _final(sanitize(pruned))
        # The full path's own test of its first round, made on the fast round's: cleaned
        # again, the body must not change (else the full path settles it).
        if _final(sanitize(prune(html, base_url))) == html:
            return _result(html)
    html = _final(sanitize(prune(container_html, base_url, editor)))
    for _ in range(3):
        again = _final(sanitize(prune(html, base_url)))
        if again == html:
            break
        html = again
    return _result(html)


def _result(html: str) -> CleanResult:
    root = fragment(html) if html else None
    if root is None:
        return CleanResult(html=html)
    return CleanResult(
        html=html, images=[i.get("src") for i in root.iter("img")], text=text_content(root)
    )


def _final(html: str) -> str:
    """One block a line, no blank line anywhere (it would end Hexo's HTML block)."""
    return re.sub(r"\n\s*\n+", "\n", html).strip()


def body_text_without_editor(result: CleanResult, editor: str | None) -> str:
    text = result.text
    if editor:
        text = text.replace(editor.strip(), "")
    return text.strip(" \t\r\n\u3000\xa0")
