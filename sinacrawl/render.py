"""Render an article into the exact bytes of its post, and compute its path. Pure functions.

The front matter is byte-compatible with the older pipeline's posts (see README, "Output").
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePosixPath

import yaml

from sinacrawl.dates import BEIJING

DEFAULT_IMAGE = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
DEFAULT_PATH_TEMPLATE = "{year}/{month}/{id}.md"

# Characters YAML treats as line breaks; inside a one-line scalar they become a space.
_LINE_BREAKS = re.compile("[\r\n\t\x85\u2028\u2029]")
# Characters YAML cannot carry (C0/C1 controls, DEL, surrogates, non-characters) plus the BOM.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]"
)
# A plain scalar is written only when it is this tame and reads back as itself in YAML 1.1
# (PyYAML) and 1.2 (js-yaml): no indicator first, no ": " or " #", no number, bool or null.
_TAME = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9+.~=<][^:#]*(?<=[^\s])$")
_YAML_WORDS = re.compile(
    r"^(y|n|yes|no|on|off|true|false|null|nan|inf|\.nan|\.inf|-\.inf|~)$", re.I
)


def escape_braces(text: str) -> str:
    """Hexo runs posts through Nunjucks: every brace becomes an HTML entity.

    >>> escape_braces("{{ a }} {% b %}")
    '&#123;&#123; a &#125;&#125; &#123;% b %&#125;'
    """
    return text.replace("{", "&#123;").replace("}", "&#125;")


def one_line(value: str) -> str:
    """Line breaks to spaces, unprintable characters dropped (contract: front matter)."""
    return unicodedata.normalize("NFC", _UNPRINTABLE.sub("", _LINE_BREAKS.sub(" ", value or "")))


def single_quoted(value: str) -> str:
    """``'it''s'``: YAML single-quoted, on one line, braces escaped.

    >>> single_quoted("it's {x}")
    "'it''s &#123;x&#125;'"
    """
    return "'" + escape_braces(one_line(value)).replace("'", "''") + "'"


@functools.lru_cache(maxsize=1024)
def scalar(value: str) -> str:
    """A plain scalar where YAML 1.1 and 1.2 both read it back unchanged, else single-quoted.

    >>> scalar("新浪财经－国內"), scalar("1e3"), scalar("null"), scalar("*ST 康美")
    ('新浪财经－国內', "'1e3'", "'null'", "'*ST 康美'")
    """
    text = escape_braces(one_line(value))
    if _TAME.match(text) and not _YAML_WORDS.match(text):
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return single_quoted(value)


def rfc1123(when: datetime) -> str:
    """``Tue, 22 Feb 2022 04:00:42 GMT`` (what email.utils.formatdate gives).

    >>> from sinacrawl.dates import parse_sina_datetime
    >>> rfc1123(parse_sina_datetime("2022-02-22 12:00:42"))
    'Tue, 22 Feb 2022 04:00:42 GMT'
    """
    return email.utils.formatdate(when.timestamp(), usegmt=True)


def is_placeholder_image(url: str | None) -> bool:
    """Sina's share placeholders live under /default/ (n.sinaimg.cn/default/…)."""
    return not url or "/default/" in url


def head_image(images: Sequence[str], og_image: str | None, default: str = DEFAULT_IMAGE) -> str:
    """First content image, else a real og:image (https), else the configured default."""
    if images:
        return images[0]
    if og_image and not is_placeholder_image(og_image):
        og = og_image.strip()
        if og.startswith("//"):
            og = "https:" + og
        elif og.startswith("http://"):
            og = "https://" + og[len("http://") :]
        if og.startswith("https://"):
            return og
    return default


def front_matter(
    *,
    title: str,
    categories: Sequence[str],
    headimg: str,
    author: str,
    date: datetime,
) -> str:
    """The ten front-matter lines between and including the two ``---``."""
    lines = [
        "---",
        f"title: {single_quoted(title)}",
        "categories: ",
        *[f" - {scalar(c)}" for c in categories],
        f"headimg: {single_quoted(headimg)}",
        f"author: {scalar(author)}",
        "comments: false",
        f"date: {rfc1123(date)}",
        f"thumbnail: {single_quoted(headimg)}",
        "---",
    ]
    return "\n".join(lines) + "\n"


def html_to_markdown(html: str) -> str:
    """The cleaned body as Markdown (the SINACRAWL_BODY_FORMAT=markdown option)."""
    from markdownify import markdownify

    # escape_misc: text that looks like markup (an escaped "<script>", "[x](javascript:…)")
    # stays text instead of becoming live HTML or a link in the Markdown renderer.
    text = markdownify(html, heading_style="ATX", bullets="-", strip=["figure"], escape_misc=True)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_post(
    article: Mapping,
    *,
    categories: Sequence[str],
    author: str,
    default_image: str = DEFAULT_IMAGE,
    body_format: str = "html",
) -> str:
    """The whole post: front matter, a blank line, the body, one final newline."""
    # (``headimg`` is set when the head image was stored in the archive: SINACRAWL_IMAGES)
    headimg = article.get("headimg") or head_image(
        article.get("images") or [], article.get("og_image"), default_image
    )
    fm = front_matter(
        title=article["title"],
        categories=categories,
        headimg=headimg,
        author=author,
        date=article["published"],
    )
    body = article.get("body") or ""
    if body_format == "markdown":
        text = html_to_markdown(body)
    else:
        text = f"<div>\n{body}\n</div>"
    text = escape_braces(text.replace("\r\n", "\n").replace("\r", "\n"))
    return f"{fm}\n{text}\n"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._-]")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)


def safe_segment(value: str, limit: int = 200) -> str:
    """One path segment that cannot escape its folder on any OS.

    >>> safe_segment("../../etc/passwd"), safe_segment("CON"), safe_segment("")
    ('_.._.._etc_passwd', '_CON', '_')
    """
    seg = _SAFE_SEGMENT.sub("_", value or "")[:limit]
    if seg in ("", ".", "..") or seg.startswith("."):
        seg = "_" + seg
    if _WINDOWS_RESERVED.match(seg):
        seg = "_" + seg
    return seg


def post_path(article_id: str, published: datetime, template: str = DEFAULT_PATH_TEMPLATE) -> str:
    """Relative POSIX path of the post, from the id and the Beijing publish date.

    >>> from sinacrawl.dates import parse_sina_datetime
    >>> post_path("kyakumy8753215", parse_sina_datetime("2022-02-22 12:00:42"))
    '2022/02/kyakumy8753215.md'
    """
    local = published.astimezone(BEIJING)
    fields = {
        "id": safe_segment(article_id),
        "year": f"{local.year:04d}",
        "month": f"{local.month:02d}",
        "day": f"{local.day:02d}",
    }
    rel = PurePosixPath(template.format(**fields))
    parts = [safe_segment(p) for p in rel.parent.parts if p not in ("/", "", ".")]
    # the file name keeps its suffix (.md) however long the id: Hexo only reads *.md posts
    suffix = "." + _SAFE_SEGMENT.sub("_", rel.suffix[1:16]) if rel.suffix else ""
    parts.append(safe_segment(rel.stem, 200) + suffix)
    return str(PurePosixPath(*parts))
