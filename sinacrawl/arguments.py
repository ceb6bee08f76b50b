"""Spider arguments (``-a NAME=VALUE``), checked before a run touches anything.

Each function reads one argument and raises ``BadArgument`` with a one-line message naming
the argument and the fix; ``scrapy crawl`` prints it and exits 2 before it makes the output
folder or takes its lock (``sinacrawl.commands.crawl``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from sinacrawl.columns import Column, ColumnTable
from sinacrawl.discovery import Window
from sinacrawl.pages.article import is_article_url
from sinacrawl.urls import is_sina_host

EXIT_USAGE = 2
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}
# A comment starts at a "#" that begins the line or follows white space (a URL's own
# fragment, ".../doc-i….shtml#p2", has none before it).
_COMMENT = re.compile(r"(^|\s)#.*$")


class BadArgument(ValueError):
    """A spider argument a run cannot use; the message is the one line a user sees."""


def window(since: str | None, until: str | None) -> Window:
    for name, value in (("since", since), ("until", until)):
        if value:
            try:
                Window.parse(value, None)
            except ValueError:
                raise BadArgument(
                    f"-a {name}={value}: not a date; give YYYY-MM-DD (a Beijing date)"
                ) from None
    try:
        return Window.parse(since, until)
    except ValueError:
        raise BadArgument(
            f"-a since={since} is after -a until={until}: give since ≤ until"
        ) from None


def pages(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise BadArgument(f"-a pages={value}: give a whole number of pages, 1 or more")
    return number


def flag(name: str, value: str | None) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadArgument(f"-a {name}={value}: give 1 (yes) or 0 (no)")


def column(table: ColumnTable, value: str | None, name: str = "column") -> Column | None:
    if value is None:
        return None
    key = value.strip()
    if key not in table.by_key:
        raise BadArgument(f"-a {name}={value}: unknown column; known: {', '.join(table.by_key)}")
    return table.by_key[key]


def roll_columns(table: ColumnTable, value: str | None) -> list[Column]:
    """The columns of ``-a columns=KEY[,KEY…]`` or ``all``, each with a roll-API list."""
    if value is not None and value.strip().lower() == "all":
        return [c for c in table.columns if c.lid]
    keys = [k.strip() for k in (value or "").split(",") if k.strip()]
    if not keys:
        raise BadArgument(
            f"-a columns={value or ''}: no column given; give keys "
            f"({', '.join(c.key for c in table.columns if c.lid)}) or all"
        )
    found = []
    for key in keys:
        if key not in table.by_key:
            raise BadArgument(
                f"-a columns={value}: unknown column {key!r}; known: {', '.join(table.by_key)}"
            )
        if table.by_key[key].lid is None:
            raise BadArgument(
                f"-a columns={value}: column {key!r} has no roll API list (pageid, lid); "
                "use the lists or article spider for it"
            )
        if table.by_key[key] not in found:
            found.append(table.by_key[key])
    return found


def _sina_url(name: str, url: str, article: bool) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port out of range raises ValueError)
    except ValueError as exc:
        raise BadArgument(f"-a {name}: {url!r} is not a well-formed URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadArgument(f"-a {name}: {url!r} is not an http(s) URL")
    if not is_sina_host(parts.hostname):
        raise BadArgument(f"-a {name}: {url} is not a Sina URL (sina.com.cn, sina.cn)")
    if article and not is_article_url(url):
        raise BadArgument(
            f"-a {name}: {url} is not the URL of a Sina article page "
            "(…/doc-i<id>.shtml, …/detail-i<id>.d.html, …/<date>/<number>.shtml)"
        )
    return url


def _split(text: str) -> list[str]:
    return [u for u in re.split(r"[\s,]+", text) if u]


def urls(value: str | None, name: str = "url", article: bool = True) -> list[str]:
    """The URLs of ``-a url=URL[,URL…]`` (commas or spaces between them)."""
    return [_sina_url(name, u, article) for u in _split(value or "")]


def url_file(path: str | None) -> list[str]:
    """The URLs of ``-a file=FILE``: one or more a line, ``#`` comments, any BOM ignored."""
    if path is None:
        return []
    if not path.strip():
        raise BadArgument("-a file= is empty: give the path of a file of URLs")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadArgument(f"-a file={path}: no such file") from None
    except IsADirectoryError:
        raise BadArgument(f"-a file={path}: is a folder; give a file of URLs") from None
    except UnicodeDecodeError:
        raise BadArgument(f"-a file={path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise BadArgument(f"-a file={path}: cannot read it ({exc.strerror})") from None
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for url in _split(_COMMENT.sub("", line)):
            found.append(_sina_url(f"file={path} line {number}", url, article=True))
    if not found:
        raise BadArgument(f"-a file={path} lists no URL (only blank lines or # comments)")
    return found


def warc_path(value: str | None) -> list[Path]:
    """The WARC files of ``-a path=FILE_OR_FOLDER`` (a folder: its ``*.warc``/``*.warc.gz``
    files, below it too)."""
    from sinacrawl.warcread import warc_files

    if value is None or not value.strip():
        raise BadArgument("-a path= is missing: give a WARC file or a folder of WARC files")
    path = Path(value)
    if not path.exists():
        raise BadArgument(f"-a path={value}: no such file or folder")
    files = warc_files(path)
    if not files:
        raise BadArgument(f"-a path={value}: no .warc or .warc.gz file in this folder")
    for file in files:
        try:
            with open(file, "rb") as fh:
                head = fh.read(8)
        except OSError as exc:
            raise BadArgument(f"-a path={value}: cannot read {file} ({exc.strerror})") from None
        if not (head.startswith(b"\x1f\x8b") or head.startswith(b"WARC/")):
            raise BadArgument(
                f"-a path={value}: {file} is not a WARC file (neither WARC/ nor gzip); "
                "give WARC files (a page saved from the Wayback Machine: sinacrawl convert)"
            )
    return files
