"""Sina's junk, as data: one row per rule, read by ``verdict()`` during pruning.

To teach the cleaner a new piece of junk, add one row to ``RULES`` and one case to
``tests/test_junk_rules.py`` (``CASES``, keyed by the row's ``key``): a test checks that every
row has a case and that the case's markup is gone from the cleaned body.

A row is ``Rule(match, value, verdict, note, tag)``:

- ``match`` what is compared with ``value``:
  ``tag`` (the element's name), ``class`` (one of its class tokens), ``class_contains``
  (a substring of its class attribute), ``class_prefix`` (how its class attribute starts),
  ``id``, ``id_prefix``, ``attr`` (the attribute is present), ``attr_value``
  (``name=value``), ``hidden_style`` (a regular expression searched in ``style``),
  ``image`` (the end of an image URL's path, whatever its query), ``paragraph`` (how a
  paragraph's text starts, after white space);
- ``verdict``: ``drop`` (the element and its content; for a void tag, just the tag),
  ``unwrap`` (the tag goes, its content stays) or ``editor`` (the editor line: moved last);
- ``tag`` limits an attribute rule to elements of that name.

(<form> and <ins> are not rows: unclosed, a browser puts the rest of the article inside them,
so they are unwrapped like any tag the allow-list does not know; Sina's ad slots are
``ins.sinaads``, removed by class.)
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Rule(NamedTuple):
    match: str
    value: str
    verdict: str = "drop"
    note: str = ""
    tag: str | None = None

    @property
    def key(self) -> str:
        """The row's name in the test cases: ``match:value`` (``tag.match:value`` when limited)."""
        return f"{self.tag + '.' if self.tag else ''}{self.match}:{self.value}"


# fmt: off
RULES: tuple[Rule, ...] = (
    # script-capable, embedded or form markup, with its content (void ones: the tag; applet,
    # frameset and isindex are unknown to HTML5: its parser, like a browser, keeps their text)
    *(Rule("tag", t, note="script, embed or form markup") for t in (
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "input", "button", "select", "textarea", "link", "meta", "template",
        "canvas", "audio", "video", "source", "base", "isindex", "param", "track", "keygen",
        "bgsound",
    )),
    Rule("class", "article-editor", "editor", "the editor line (2017+)"),
    Rule("class", "show_author", "editor", "the editor line (2014-16)"),
    Rule("class", "appendQr_wrap", note="the app's QR promo"),
    Rule("class", "appendQr_normal", note="the app's QR promo"),
    Rule("class", "appendQr_normal_txt", note="the app's QR promo"),
    Rule("class", "tech-quotation", note="tech quote promo"),
    Rule("class", "finance_app_sina", note="the finance app promo"),
    Rule("class", "ct_hqimg", note="行情图 quote chart"),
    Rule("class", "hqimg_wrapper", note="行情图 quote chart"),
    Rule("class", "video-2017", note="empty video shell"),
    Rule("class", "artical-player-wrap", note="empty video shell"),
    Rule("class", "fin_art_weixin", note="WeChat promo"),
    Rule("class", "article-keywords", note="keyword links"),
    Rule("class", "new_style_article", note="related-article box"),
    Rule("class", "article-notice", note="notice box"),
    Rule("class", "ggcontent", note="ad content"),
    Rule("class", "page-view", note="view counter"),
    Rule("class", "wap_special", note="mobile special box"),
    Rule("class", "sinaads", note="ad slot (ins.sinaads)"),
    Rule("class", "article-bottom", note="article footer box"),
    Rule("class", "keywords", note="keyword links"),
    Rule("class_contains", "kaihu", note="account-opening promos (app-kaihu-qr, …)"),
    Rule("class_prefix", "otherContent", note="related content"),
    Rule("class_prefix", "finance_web", note="web promo paragraph", tag="p"),
    Rule("id", "left_hzh_ad", note="ad slot"),
    Rule("id", "lcs_wrap", note="理财师 promo"),
    Rule("id_prefix", "ad_", note="ad slot (#ad_44086)"),
    Rule("id_prefix", "videoList", note="video list"),
    Rule("id_prefix", "quote_", note="live stock price", tag="span"),
    Rule("attr", "sax-type", note="native ad"),
    Rule("attr", "hidden", note="hidden element"),
    Rule("attr_value", "data-sudaclick=suda_1028_guba", note="the 股吧 promo"),
    Rule("hidden_style", r"display\s*:\s*none", note="hidden element"),
    Rule("hidden_style", r"visibility\s*:\s*hidden", note="hidden element"),
    Rule("image", "/finance/cece9e13/20200514/343233024.png",
         note="the app's QR image, which older pipelines took as the post's picture"),
    Rule("paragraph", "免责声明:", note="disclaimer"),
    Rule("paragraph", "免责声明：", note="disclaimer"),
    Rule("paragraph", "进入【新浪财经股吧】讨论", note="the 股吧 link line"),
)
# fmt: on
MATCHES = frozenset(
    "tag class class_contains class_prefix id id_prefix attr attr_value hidden_style image "
    "paragraph".split()
)
VERDICTS = frozenset(("drop", "unwrap", "editor"))

# Void elements: whatever lxml nests inside one is really what follows it.
VOID_JUNK = frozenset(
    "embed source param track wbr area col base link meta input keygen basefont bgsound "
    "frame image".split()
)
VOID_TAGS = VOID_JUNK | {"img", "br", "hr"}


class JunkTable:
    """The rows compiled into the sets and tuples the pruner's one walk tests."""

    def __init__(self, rules: tuple[Rule, ...] | list[Rule]):
        for r in rules:
            if (
                r.match not in MATCHES
                or r.verdict not in VERDICTS
                or (r.tag is not None and r.match in ("tag", "image", "paragraph"))
            ):
                raise ValueError(f"sinacrawl.clean.junk: bad rule {r!r}")
        self.rules = tuple(rules)

        def rows(match: str, verdict: str | None = None) -> list[str]:
            return [
                r.value
                for r in rules
                if r.match == match and r.tag is None and verdict in (None, r.verdict)
            ]

        self.tags = {r.value: r.verdict for r in rules if r.match == "tag"}
        self.editor_classes = frozenset(rows("class", "editor"))
        self.classes = frozenset(rows("class", "drop"))
        self.class_substrings = tuple(rows("class_contains"))
        self.class_prefixes = tuple(rows("class_prefix"))
        self.ids = frozenset(rows("id"))
        self.id_prefixes = tuple(rows("id_prefix"))
        self.attributes = tuple(rows("attr"))
        self.attribute_values = tuple(tuple(v.split("=", 1)) for v in rows("attr_value"))
        styles = rows("hidden_style")
        self.hidden_style = re.compile("|".join(styles), re.I) if styles else None
        self.images = tuple(rows("image"))
        self.markers = tuple(rows("paragraph"))
        self.paragraph = re.compile(r"^\s*(?:" + "|".join(re.escape(m) for m in self.markers) + ")")
        # rules limited to one tag: tag -> [rule]
        self.limited: dict[str, list[Rule]] = {}
        for r in rules:
            if r.tag is not None:
                self.limited.setdefault(r.tag, []).append(r)

    def verdict(self, el, tag: str) -> str | None:
        """``"drop"`` (with content), ``"unwrap"`` (keep content), ``"editor"``, or None."""
        found = self.tags.get(tag)
        if found is not None:
            return "unwrap" if found == "drop" and tag in VOID_TAGS else found
        if not len(el.attrib):
            return None
        get = el.get
        classes = get("class")
        if classes:
            tokens = classes.split()
            if self.editor_classes.intersection(tokens):
                return "editor"
            if (
                self.classes.intersection(tokens)
                or any(s in classes for s in self.class_substrings)
                or classes.startswith(self.class_prefixes)
            ):
                return "drop"
        ident = get("id")
        if ident and (ident in self.ids or ident.startswith(self.id_prefixes)):
            return "drop"
        limited = self.limited.get(tag)
        if limited:
            for rule in limited:
                if _matches(rule, el, classes, ident):
                    return rule.verdict
        for name in self.attributes:
            if get(name) is not None:
                return "drop"
        for name, value in self.attribute_values:
            if get(name) == value:
                return "drop"
        style = get("style")
        if style and self.hidden_style is not None and self.hidden_style.search(style):
            return "drop"
        return None

    def junk_image(self, path: str) -> bool:
        """An image URL's path that is junk (the app's QR code), whatever its query."""
        return bool(self.images) and path.endswith(self.images)

    def may_hold_paragraphs(self, text: str) -> bool:
        """Whether a container's text can hold a junk paragraph at all (most hold none)."""
        return any(m in text for m in self.markers)

    def junk_paragraph(self, text: str) -> bool:
        return bool(self.markers) and self.paragraph.match(text) is not None


def _matches(rule: Rule, el, classes: str | None, ident: str | None) -> bool:
    match, value = rule.match, rule.value
    classes, ident = classes or "", ident or ""
    if match == "class":
        return value in classes.split()
    if match == "class_contains":
        return value in classes
    if match == "class_prefix":
        return classes.startswith(value)
    if match == "id":
        return ident == value
    if match == "id_prefix":
        return ident.startswith(value)
    if match == "attr":
        return el.get(value) is not None
    if match == "attr_value":
        name, _, wanted = value.partition("=")
        return el.get(name) == wanted
    if match == "hidden_style":
        return re.search(value, el.get("style") or "", re.I) is not None
    return False  # (tag, image and paragraph rows are never limited: see JunkTable)


TABLE = JunkTable(RULES)
# (the compiled sets, under the names they had before the table)
JUNK_TAGS = frozenset(TABLE.tags)
EDITOR_CLASSES = TABLE.editor_classes
JUNK_CLASSES = TABLE.classes
JUNK_IDS = TABLE.ids
JUNK_ID_PREFIXES = TABLE.id_prefixes
QR_IMAGE_PATHS = TABLE.images
