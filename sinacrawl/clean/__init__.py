"""Clean an article container's HTML into the body the contract keeps.

Two stages: ``prune`` (lxml) removes Sina's junk blocks, keeps the editor line last and
makes links and images absolute; ``sanitize`` (nh3, an allow-list sanitizer built on
html5ever) is the security boundary and always runs last, so whatever ``prune`` misses
can never carry script-capable markup into a post. ``clean_body`` does both and is stable:
cleaning its own output changes nothing.

One job a module:

- ``junk``: Sina's junk rules, a table (``junk.RULES``) a newcomer extends with one row;
- ``html5``: the HTML5 normalisation (broken markup read as a browser reads it);
- ``pruning``: the walk that applies the junk rules, fixes links and images, keeps the
  editor line last; ``blocks``: the body's top-level blocks, one a line;
- ``allowlist``: the allow-list sanitizer, the security boundary;
- ``fastpath``: pruning without the HTML5 pass, for containers both parsers read alike;
- ``body``: ``clean_body``, the rounds until the body is a fixed point.
"""

from sinacrawl.clean.allowlist import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitize
from sinacrawl.clean.blocks import BLOCK_TAGS, CONTAINER_TAGS
from sinacrawl.clean.body import CleanResult, body_text_without_editor, clean_body, remember
from sinacrawl.clean.fastpath import prune_fast as _prune_fast
from sinacrawl.clean.html5 import html5_normalize
from sinacrawl.clean.junk import (
    EDITOR_CLASSES,
    JUNK_CLASSES,
    JUNK_ID_PREFIXES,
    JUNK_IDS,
    JUNK_TAGS,
    QR_IMAGE_PATHS,
    RULES,
    VOID_JUNK,
    VOID_TAGS,
    Rule,
)
from sinacrawl.clean.pruning import prune

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "BLOCK_TAGS",
    "CONTAINER_TAGS",
    "EDITOR_CLASSES",
    "JUNK_CLASSES",
    "JUNK_IDS",
    "JUNK_ID_PREFIXES",
    "JUNK_TAGS",
    "QR_IMAGE_PATHS",
    "RULES",
    "VOID_JUNK",
    "VOID_TAGS",
    "CleanResult",
    "Rule",
    "_prune_fast",
    "body_text_without_editor",
    "clean_body",
    "html5_normalize",
    "prune",
    "remember",
    "sanitize",
]
