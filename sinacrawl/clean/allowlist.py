"""The allow-list sanitizer, the cleaner's security boundary: it always runs last.

Whatever the pruning misses, nothing script-capable survives ``sanitize`` (nh3, built on
html5ever): only the tags and attributes below, only http(s) and mailto URLs, no relative URL,
no comment.
"""

from __future__ import annotations

import nh3

# fmt: off
ALLOWED_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "blockquote", "q", "cite",
    "strong", "b", "em", "i", "u", "s", "del", "sub", "sup", "small", "mark", "abbr", "a",
    "img", "figure", "figcaption", "pre", "code", "hr",
}
# fmt: on
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
# fmt: off
_CLEAN_CONTENT = {
    "script", "style", "svg", "math", "noscript", "template", "iframe", "object", "textarea",
    "select", "title", "xmp", "noembed", "noframes", "plaintext",
}
# fmt: on


def sanitize(html: str) -> str:
    """The allow-list sanitizer: no script-capable markup survives, whatever ``html`` is."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=_CLEAN_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values={"p": {"class": {"article-editor"}}},
        set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer"}},
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )
