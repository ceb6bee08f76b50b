"""Sina URL helpers: canonical form, article ids, host checks.

All functions are pure; they never touch the network.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# The 14 characters after ``doc-i`` (desktop) or ``detail-i`` (mobile, video): Sina's article
# id, also found in ``<meta name="publishid">`` and the roll API's ``docid`` (``comos:<id>``).
_DOC_ID = re.compile(r"(?:doc|detail|zl)-i([a-z0-9]{14})(?![a-z0-9])")
_COMOS_ID = re.compile(r"^comos[:-]([a-z0-9]{14})$")

SINA_SUFFIXES = ("sina.com.cn", "sina.cn", "sinaimg.cn", "sina.com")

# Query parameters that never change which article a URL names.
TRACKING_PARAMS = frozenset(
    {
        "cre",
        "mod",
        "loc",
        "r",
        "doct",
        "rfunc",
        "tj",
        "from",
        "wm",
        "vt",
        "pos",
        "cid",
        "sudaref",
        "display",
        "retcode",
        "_",
        "fromsinago",
        "sinawapsharesource",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
    }
)


def is_sina_host(host: str) -> bool:
    """True for sina.com.cn, sina.cn and their subdomains.

    >>> is_sina_host("finance.sina.com.cn"), is_sina_host("evil-sina.com.cn")
    (True, False)
    """
    host = host.lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in SINA_SUFFIXES)


def doc_id(url_or_docid: str) -> str | None:
    """Sina's 14-character article id from an article URL or a ``comos:`` docid.

    >>> doc_id("https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml")
    'hqfskcn2160999'
    >>> doc_id("comos:nihefve8236522")
    'nihefve8236522'
    >>> doc_id("http://finance.sina.com.cn/roll/20120921/012513196574.shtml") is None
    True
    """
    value = (url_or_docid or "").strip()
    m = _COMOS_ID.match(value)
    if m:
        return m.group(1)
    m = _DOC_ID.search(urlsplit(value).path if "://" in value else value)
    return m.group(1) if m else None


def canonical_url(url: str, base: str | None = None) -> str:
    """The form of a Sina URL used for deduplication and in the index.

    https scheme, lower-case host, no fragment, no tracking parameters; an article URL
    (``doc-i…``/``detail-i…``/numeric ``.shtml``) keeps no query at all.

    >>> canonical_url("http://Finance.sina.com.cn/a/2020-01-01/doc-iabcdefg1234567.shtml?from=wap#x")
    'https://finance.sina.com.cn/a/2020-01-01/doc-iabcdefg1234567.shtml'
    >>> canonical_url("//n.sinaimg.cn/x.jpg")
    'https://n.sinaimg.cn/x.jpg'
    """
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(safe_url_string(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme in ("http", "https") and is_sina_host(host):
        scheme = "https"
    netloc = host
    if parts.port and not (
        (scheme == "https" and parts.port == 443) or (scheme == "http" and parts.port == 80)
    ):
        netloc = f"{host}:{parts.port}"
    path = parts.path or "/"
    if is_article_path(path):
        query = ""
    else:
        kept = [
            kv
            for kv in parts.query.split("&")
            if kv and kv.split("=", 1)[0].lower() not in TRACKING_PARAMS
        ]
        query = "&".join(kept)
    return urlunsplit((scheme, netloc, path, query, ""))


def is_article_path(path: str) -> bool:
    """True when a URL path has the shape of a Sina article (any era)."""
    if _DOC_ID.search(path):
        return True
    # 2005-2016 numeric pages: /<path>/<YYYYMMDD or YYYY-MM-DD>/<digits>.shtml|.html
    return bool(re.search(r"/\d{4}-?\d{2}-?\d{2}/\d{5,}\.s?html$", path))


def article_id(url: str, page_id: str | None = None) -> str:
    """A stable, file-name-safe id for the article at ``url``.

    Sina's own 14-character id when the URL (or the page's ``publishid``) carries one,
    else ``u`` + 13 hex digits of a hash of the canonical URL's host and path, so old
    numeric URLs always map to the same id under http and https.

    >>> article_id("https://finance.sina.com.cn/china/2022-02-22/doc-ikyakumy8753215.shtml")
    'kyakumy8753215'
    >>> article_id("http://chanye.finance.sina.com.cn/sm/2005-03-21/244339.shtml")
    'u5c5636207be52'
    >>> article_id("https://chanye.finance.sina.com.cn/sm/2005-03-21/244339.shtml?from=wap")
    'u5c5636207be52'
    """
    found = doc_id(url)
    if found:
        return found
    if page_id and re.fullmatch(r"[a-z0-9]{14}", page_id):
        return page_id
    parts = urlsplit(canonical_url(url))
    digest = hashlib.sha1(f"{parts.hostname}{parts.path}".encode()).hexdigest()
    return "u" + digest[:13]


def absolute_https(url: str, base: str) -> str | None:
    """Resolve ``url`` against ``base`` and force https; None for non-web schemes.

    >>> absolute_https("//n.sinaimg.cn/a.jpg", "https://finance.sina.com.cn/x.shtml")
    'https://n.sinaimg.cn/a.jpg'
    >>> absolute_https("javascript:alert(1)", "https://finance.sina.com.cn/") is None
    True
    """
    url = (url or "").strip()
    if not url:
        return None
    full = urljoin(base, url) if not url.startswith("//") else "https:" + url
    parts = urlsplit(full)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit(("https",) + tuple(parts[1:]))  # type: ignore[arg-type]


def absolute_url(url: str, base: str) -> str | None:
    """Resolve a link against ``base``; protocol-relative becomes https; None if not web."""
    url = (url or "").strip()
    if not url:
        return None
    full = "https:" + url if url.startswith("//") else urljoin(base, url)
    parts = urlsplit(full)
    if parts.scheme.lower() not in ("http", "https", "mailto") or (
        parts.scheme.lower() != "mailto" and not parts.hostname
    ):
        return None
    if is_sina_host(parts.hostname or "") and parts.scheme.lower() == "http":
        full = urlunsplit(("https",) + tuple(parts[1:]))  # type: ignore[arg-type]
    return full


def article_url(url: str) -> str | None:
    """A listed article URL made fetchable (protocol-relative becomes https), or None when
    it is not the http(s) URL of a Sina article page (a ``javascript:`` link, a bad port,
    another host, a list page…): such an entry of a listing is counted and skipped, never
    requested, never remembered.

    >>> article_url("//finance.sina.com.cn/china/2026-11-20/doc-inabcdef1234567.shtml")
    'https://finance.sina.com.cn/china/2026-11-20/doc-inabcdef1234567.shtml'
    >>> article_url("https://finance.sina.com.cn:99999/a/doc-inabcdef1234567.shtml") is None
    True
    >>> article_url("javascript:alert(1)") is None
    True
    """
    url = (url or "").strip()
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port out of range raises ValueError)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not is_sina_host(parts.hostname) or not is_article_path(parts.path):
        return None
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        return None
    return url
