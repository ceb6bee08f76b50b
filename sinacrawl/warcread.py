"""Read Sina captures out of WARC files (ours, Common Crawl's, the Wayback Machine's), with
warcio: which responses there are, and the page bytes of one.

``scan`` reads every record of every file once (plain or gzipped, one gzip member per record
or the whole file in one) and sorts them: article captures by id, the metadata sinacrawl's
recorder wrote beside its responses, and what else was there (counted). A record that is
truncated, fails its digest or cannot be parsed is an error with its file and offset; the scan
goes on after it (at the next gzip member or ``WARC/`` line). A Wayback Machine URL of the raw
``id_`` form (``https://web.archive.org/web/20200101000000id_/https://finance.sina…``) stands
for the URL it archived; its other forms are rewritten pages, not what Sina served.
"""

from __future__ import annotations

import gzip
import re
import shutil
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.timeutils import iso_date_to_datetime

from sinacrawl.pages.article import is_article_url
from sinacrawl.urls import article_id

_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/(\d{4,14})([a-z]{2}_)?/(.+)$", re.I)
_GZIP_MAGIC = b"\x1f\x8b\x08"
CAPTURE_TYPES = ("response", "revisit")


class WarcError(ValueError):
    """A record that cannot be read; the message says which and why."""


@dataclass
class Capture:
    """One response (or revisit) of an article URL."""

    url: str
    id: str
    date: datetime
    status: int
    path: Path
    offset: int
    record_id: str
    revisit_of: str | None = None  # payload digest a revisit refers to
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Scan:
    captures: dict[str, list[Capture]] = field(default_factory=dict)  # id -> newest first
    by_digest: dict[str, tuple[Path, int]] = field(default_factory=dict)  # 200 responses
    counts: Counter = field(default_factory=Counter)  # records by what they were
    dropped: Counter = field(default_factory=Counter)  # captures giving no article, by reason
    errors: list[str] = field(default_factory=list)
    files: int = 0


def original_url(url: str) -> tuple[str | None, datetime | None]:
    """(the archived URL, the capture time) of a Wayback ``id_`` URL; (url, None) for any
    other URL; (None, None) for a Wayback URL of a rewritten form.

    >>> original_url("https://web.archive.org/web/20200102030405id_/https://finance.sina.com.cn/a.shtml")[0]
    'https://finance.sina.com.cn/a.shtml'
    >>> original_url("https://web.archive.org/web/20200102030405/https://finance.sina.com.cn/a.shtml")
    (None, None)
    """
    match = _WAYBACK.match(url)
    if not match:
        return url, None
    stamp, flag, target = match.groups()
    if (flag or "").lower() != "id_":
        return None, None
    stamp = (stamp + "00000000000000")[:14]
    try:
        when = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        when = None
    if not target.startswith(("http://", "https://")):
        target = "http://" + target
    return target, when


def warc_files(path: Path) -> list[Path]:
    """The WARC files at ``path``: the file itself, or the ``*.warc``/``*.warc.gz`` files
    below a folder (sorted; files still being written, ``*.open``, left out)."""
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith((".warc", ".warc.gz"))
    )


def _date(record) -> datetime:
    text = record.rec_headers.get_header("WARC-Date") or ""
    try:
        return iso_date_to_datetime(text).replace(tzinfo=timezone.utc)
    except (ValueError, TypeError, IndexError):
        return datetime.min.replace(tzinfo=timezone.utc)


def _single_member(path: Path) -> bool:
    """True for a gzip file holding several records in one member (offsets cannot seek):
    its first member goes on past the end of its first record."""
    with open(path, "rb") as fh:
        if fh.read(3) != _GZIP_MAGIC:
            return False
        fh.seek(0)
        inflater = zlib.decompressobj(31)
        out, need = b"", None
        while chunk := fh.read(1 << 16):
            try:
                out += inflater.decompress(chunk)
            except zlib.error:
                return False  # (a broken file: the scan says why)
            if need is None and b"\r\n\r\n" in out:
                head = out.partition(b"\r\n\r\n")[0]
                length = re.search(rb"(?im)^content-length:[ \t]*(\d+)", head)
                if not length:
                    return False
                need = len(head) + 4 + int(length.group(1)) + 4
            if need is not None and len(out) > need + 2:
                return True
            if inflater.eof:
                return False
    return False


def _resync(fh, start: int, gz: bool) -> int | None:
    """The offset of the next record start after ``start`` (None: none left)."""
    needle = _GZIP_MAGIC if gz else b"WARC/1."
    fh.seek(max(0, start) + 1)
    carry = b""
    base = max(0, start) + 1
    while chunk := fh.read(1 << 20):
        data = carry + chunk
        at = data.find(needle)
        while at >= 0 and not gz and at > 0 and data[at - 1 : at] != b"\n":
            at = data.find(needle, at + 1)
        if at >= 0:
            return base - len(carry) + at
        carry = data[-8:]
        base += len(chunk)
    return None


class Reader:
    """The WARC files of one run; whole-file gzips are unpacked to a temporary folder."""

    def __init__(self):
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.seekable: dict[Path, Path] = {}

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _seekable(self, path: Path) -> Path:
        if path not in self.seekable:
            target = path
            if _single_member(path):
                if self._tmp is None:
                    self._tmp = tempfile.TemporaryDirectory(prefix="sinacrawl-warc-")
                target = Path(self._tmp.name) / f"{len(self.seekable)}.warc"
                with gzip.open(path, "rb") as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            self.seekable[path] = target
        return self.seekable[path]

    def scan(self, paths: list[Path]) -> Scan:
        scan = Scan()
        metas: dict[str, dict[str, str]] = {}
        for path in paths:
            scan.files += 1
            try:
                self._scan_file(path, scan, metas)
            except OSError as exc:
                scan.errors.append(f"{path}: cannot read it ({exc.strerror or exc})")
        for captures in scan.captures.values():
            captures.sort(key=lambda c: c.date, reverse=True)
            for capture in captures:
                capture.meta = metas.get(capture.record_id, {})
        return scan

    def _scan_file(self, path: Path, scan: Scan, metas: dict) -> None:
        source = self._seekable(path)
        with open(source, "rb") as fh:
            gz = fh.read(3) == _GZIP_MAGIC
            position: int | None = 0
            while position is not None:
                fh.seek(position)
                it = ArchiveIterator(fh, check_digests=True)
                last_end = position
                try:
                    for record in it:
                        offset = it.offset
                        self._one(record, path, source, offset, scan, metas)
                        last_end = it.get_record_offset() + it.get_record_length()
                    position = None
                except (ArchiveLoadFailed, WarcError, EOFError, OSError, ValueError) as exc:
                    where = f"{path} at offset {last_end}"
                    scan.errors.append(f"{where}: {exc}".splitlines()[0][:300])
                    scan.counts["error"] += 1
                    position = _resync(fh, last_end, gz)
                except Exception as exc:  # noqa: BLE001 (zlib and parser errors of a bad file)
                    scan.errors.append(f"{path} at offset {last_end}: {type(exc).__name__}: {exc}")
                    scan.counts["error"] += 1
                    position = _resync(fh, last_end, gz)

    def _one(self, record, path: Path, source: Path, offset: int, scan: Scan, metas) -> None:
        kind = record.rec_type
        headers = record.rec_headers
        content = record.raw_stream.read()
        left = getattr(record.raw_stream, "limit", 0)
        if left:
            raise WarcError(f"truncated {kind} record: {left} bytes missing")
        checker = getattr(record, "digest_checker", None)
        if checker is not None and checker.passed is False:
            raise WarcError(f"{kind} record fails its digest ({'; '.join(checker.problems)})")
        url = headers.get_header("WARC-Target-URI") or ""
        if kind == "metadata":
            refers = headers.get_header("WARC-Refers-To") or headers.get_header(
                "WARC-Concurrent-To"
            )
            fields = {}
            for line in content.decode("utf-8", "replace").splitlines():
                name, _, value = line.partition(":")
                if name.startswith("sinacrawl-"):
                    fields[name[len("sinacrawl-") :]] = value.strip()
            if refers and fields:
                metas[refers] = fields
            scan.counts["metadata"] += 1
            return
        if kind not in CAPTURE_TYPES:
            scan.counts[kind] += 1
            return
        status = int(record.http_headers.get_statuscode() or 0) if record.http_headers else 0
        digest = headers.get_header("WARC-Payload-Digest")
        if kind == "response" and status == 200 and digest:
            scan.by_digest.setdefault(digest, (source, offset))
        real, when = original_url(url)
        if real is None:
            scan.counts[kind] += 1
            scan.dropped["wayback_rewritten"] += 1
            return
        if not is_article_url(real):
            scan.counts[kind] += 1
            scan.dropped["not_article_record"] += 1
            return
        scan.counts[kind] += 1
        capture = Capture(
            url=real,
            id=article_id(real),
            date=when or _date(record),
            status=status,
            path=source,
            offset=offset,
            record_id=headers.get_header("WARC-Record-ID") or "",
            revisit_of=digest if kind == "revisit" else None,
            http_headers=list(record.http_headers.headers) if record.http_headers else [],
        )
        scan.captures.setdefault(capture.id, []).append(capture)

    def page(self, capture: Capture, scan: Scan) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) of a capture; a revisit's body is the one its payload
        digest names. The body is the entity as served (chunking and content encoding
        undone). Raises WarcError."""
        path, offset = capture.path, capture.offset
        if capture.revisit_of is not None:
            found = scan.by_digest.get(capture.revisit_of)
            if found is None:
                raise WarcError(f"revisit of {capture.url}: no record with its payload")
            path, offset = found
        with open(path, "rb") as fh:
            fh.seek(offset)
            try:
                record = next(iter(ArchiveIterator(fh)))
                body = record.content_stream().read()
            except Exception as exc:  # noqa: BLE001 (the scan read it; the file changed since)
                raise WarcError(f"{path} at offset {offset}: {exc}") from None
        headers = [
            (name, value)
            for name, value in capture.http_headers
            if name.lower() not in ("content-encoding", "transfer-encoding", "content-length")
        ]
        return capture.status, headers, body
