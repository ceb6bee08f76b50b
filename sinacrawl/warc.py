"""Record every exchange of a crawl in WARC/1.1 files (ISO 28500), with warcio.

``SINACRAWL_WARC=1`` turns the downloader middleware ``WarcRecorder`` on. It sits just above
the download handler (below robots.txt, retries, redirects, decompression), so it sees every
attempt the engine makes (API, list, article and robots.txt requests, images an
ImagesPipeline downloads, redirects and retried failures with an answer) exactly once, under
Sina's own URL even when the bytes came from ``SINACRAWL_REPLAY`` or ``SINACRAWL_UPSTREAM``.

What is recorded, honestly: the body as Scrapy received it (transfer decoding done, content
encoding such as gzip kept, as on the wire), Scrapy's view of the headers (names as Scrapy
spells them, the ``Transfer-Encoding`` header left out since the body is no longer chunked)
and a status line rebuilt from the status code. Payload digests are those of the recorded
body, so ``warcio check`` verifies them.

Each file holds a ``warcinfo`` record first, then per exchange a ``response``, a ``request``
(``WARC-Concurrent-To`` the response) and, for sinacrawl's own requests, a ``metadata``
record (the column and roll-API mtime the crawl knew) that ``sinacrawl rebuild`` reads back.
Every record is its own gzip member written with one ``write`` straight to the kernel, so a
``kill -9`` leaves every finished record readable. A file being written is named
``….warc.gz.open`` and holds an advisory lock; it is renamed when it is closed or rotated
(``SINACRAWL_WARC_MAX_SIZE``), and one left by a dead run is cut after its last whole record
and renamed at the next start (``recover``).
"""

from __future__ import annotations

import fcntl
import http
import io
import logging
import os
import socket
import zlib
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from sinacrawl import __version__
from sinacrawl.archive import output_dir

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
WARC_SUFFIXES = (".warc", ".warc.gz")
# Request meta worth keeping beside the response (what rebuild needs to redo the write).
META_FIELDS = ("kind", "column", "mtime", "forced")


def warc_dir(settings) -> Path | None:
    """``SINACRAWL_WARC_DIR``, else ``<SINACRAWL_OUTPUT_DIR>/warc``; None without either."""
    value = settings.get("SINACRAWL_WARC_DIR")
    if value:
        return Path(value)
    root = output_dir(settings)
    return root / "warc" if root is not None else None


def warc_date(when: datetime | None = None) -> str:
    """WARC/1.1 date with microseconds: ``2026-12-02T13:50:01.123456Z``."""
    when = when or datetime.now(timezone.utc)
    return datetime_to_iso_date(when.astimezone(timezone.utc).replace(tzinfo=None), True)


def _complete_end(fd: int) -> int:
    """Where the last whole gzip member of the open file ``fd`` ends (0: none)."""
    os.lseek(fd, 0, os.SEEK_SET)
    end = offset = 0  # (offset: where ``data`` starts in the file)
    inflater = zlib.decompressobj(31)
    while chunk := os.read(fd, 1 << 20):
        data = chunk
        while data:
            try:
                inflater.decompress(data)
            except zlib.error:
                return end
            if not inflater.eof:
                offset += len(data)
                break
            rest = inflater.unused_data
            end = offset = offset + len(data) - len(rest)
            data = rest
            inflater = zlib.decompressobj(31)
    return end


def recover(folder: Path) -> list[str]:
    """Close the ``.open`` files of dead writers: cut after the last whole record, rename
    (or remove one with no whole record). A file whose writer lives (its lock is held) is
    left alone. Returns one line per file handled."""
    done: list[str] = []
    if not folder.is_dir():
        return done
    for path in sorted(folder.glob(f"*.warc*{OPEN_SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run is writing it
            size = os.fstat(fd).st_size
            end = _complete_end(fd) if path.name.endswith(".gz" + OPEN_SUFFIX) else size
            if end == 0:
                path.unlink()
                done.append(f"removed {path.name} (no whole record)")
                continue
            if end < size:
                os.ftruncate(fd, end)
            os.fsync(fd)
            final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
            os.rename(path, final)
            cut = f", {size - end} bytes of an unfinished record cut" if end < size else ""
            done.append(f"closed {final.name} left open by an interrupted run{cut}")
        finally:
            os.close(fd)
    return done


class WarcFiles:
    """Rotating WARC files in one folder: named ``sinacrawl-<time>-<serial>-<pid>~<host>``,
    written one whole record at a time."""

    def __init__(self, folder: Path, max_size: int, info: dict[str, str]):
        self.folder = folder
        self.max_size = max_size
        self.info = info
        self.host = socket.gethostname().replace("~", "-").replace("/", "-") or "host"
        self.serial = 0
        self.fd: int | None = None
        self.path: Path | None = None
        self.size = 0
        self.records = 0
        self.builder = WARCWriter(None, gzip=True, warc_version="1.1")

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        name = f"sinacrawl-{stamp}-{self.serial:05d}-{os.getpid()}~{self.host}.warc.gz"
        self.serial += 1
        self.path = self.folder / (name + OPEN_SUFFIX)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.fd, self.size = fd, 0
        self._write(self.builder.create_warcinfo_record(name, self.info))

    def _write(self, record) -> None:
        buffer = io.BytesIO()
        WARCWriter(buffer, gzip=True, warc_version="1.1").write_record(record)
        data = memoryview(buffer.getvalue())
        assert self.fd is not None
        start = self.size
        try:
            while data:  # (one write in practice; a short write is finished)
                written = os.write(self.fd, data)
                data = data[written:]
                self.size += written
        except OSError:
            # (a full disk): no half record is left for the next ones to follow
            try:
                os.ftruncate(self.fd, start)
                self.size = start
            except OSError:
                pass
            raise
        self.records += 1

    def write(self, *records) -> None:
        """Write records (a response with its request…) into one file, then rotate."""
        if self.fd is None:
            self._open()
        for record in records:
            self._write(record)
        if self.size >= self.max_size:
            self.close()

    def close(self) -> None:
        if self.fd is None or self.path is None:
            return
        os.fsync(self.fd)
        os.rename(self.path, self.path.with_name(self.path.name[: -len(OPEN_SUFFIX)]))
        os.close(self.fd)  # (the lock goes with it, after the rename)
        self.fd = None


def _header_pairs(headers, drop=()) -> list[tuple[str, str]]:
    pairs = []
    for name, values in headers.items():
        text = name.decode("latin-1")
        if text.lower() in drop:
            continue
        for value in values:
            pairs.append((text, value.decode("latin-1")))
    return pairs


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


class WarcRecorder:
    """Downloader middleware: each answered request as response + request (+ metadata)."""

    def __init__(self, files: WarcFiles, stats, keep_ip: bool):
        self.files = files
        self.stats = stats
        self.keep_ip = keep_ip

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("SINACRAWL_WARC"):
            raise NotConfigured
        folder = warc_dir(settings)
        if folder is None:  # (scrapy parse/fetch/shell: no archive, nothing recorded)
            raise NotConfigured("SINACRAWL_WARC needs SINACRAWL_OUTPUT_DIR or SINACRAWL_WARC_DIR")
        for line in recover(folder):
            logger.warning("WARC: %s", line)
            crawler.stats.inc_value("sinacrawl/warc/recovered")
        replay, upstream = settings.get("SINACRAWL_REPLAY"), settings.get("SINACRAWL_UPSTREAM")
        info = {
            "software": f"sinacrawl/{__version__} (Scrapy, warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "http-header-user-agent": settings.get("USER_AGENT"),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "description": "recorded by a downloader middleware above the download handler: "
            "bodies after transfer decoding, content encoding kept; headers as Scrapy "
            "holds them, Transfer-Encoding left out; status line rebuilt from the code",
            "sinacrawl-source": f"replayed from the recorded site {replay}"
            if replay
            else f"fetched through the local server {upstream}"
            if upstream
            else "the network",
        }
        files = WarcFiles(folder, settings.getint("SINACRAWL_WARC_MAX_SIZE"), info)
        recorder = cls(files, crawler.stats, keep_ip=not (replay or upstream))
        from scrapy import signals

        crawler.signals.connect(recorder.close, signal=signals.spider_closed)
        return recorder

    def process_request(self, request, spider=None):
        request.meta["sinacrawl_warc_date"] = warc_date()
        return None

    def process_response(self, request, response, spider=None):
        try:
            self.files.write(*self.records(request, response))
        except OSError as exc:
            # (a full disk): the crawl goes on, the loss is counted and said
            self.stats.inc_value("sinacrawl/errors/warc")
            lost = self.stats.get_value("sinacrawl/errors/warc")
            self.stats.set_value(
                "sinacrawl/failure/warc", f"{lost} answers could not be recorded in WARC"
            )
            logger.error("WARC: could not record %s: %s", response.url, exc)
        else:
            self.stats.inc_value("sinacrawl/warc/responses")
        return response

    def records(self, request, response) -> list:
        builder = self.files.builder
        date = request.meta.get("sinacrawl_warc_date") or warc_date()
        body = response.body
        headers = _header_pairs(response.headers, drop=("transfer-encoding",))
        for i, (name, _value) in enumerate(headers):
            if name.lower() == "content-length":
                headers[i] = (name, str(len(body)))
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        status = f"{response.status} {_reason(response.status)}".strip()
        fields = {"WARC-Date": date}
        if self.keep_ip and getattr(response, "ip_address", None) is not None:
            fields["WARC-IP-Address"] = str(response.ip_address)
        resp = builder.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=StatusAndHeaders(status, headers, protocol=protocol),
            warc_headers_dict=fields,
        )
        resp_id = resp.rec_headers.get_header("WARC-Record-ID")
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = _header_pairs(request.headers)
        if not any(name.lower() == "host" for name, _ in req_headers):
            req_headers.insert(0, ("Host", parts.netloc))
        req = builder.create_warc_record(
            request.url,
            "request",
            payload=io.BytesIO(request.body),
            length=len(request.body),
            http_headers=StatusAndHeaders(
                f"{request.method} {target} HTTP/1.1", req_headers, is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": resp_id},
        )
        records = [resp, req]
        meta = {f"sinacrawl-{name}": request.meta.get(f"sinacrawl_{name}") for name in META_FIELDS}
        lines = "".join(
            f"{name}: {int(value) if isinstance(value, bool) else value}\r\n"
            for name, value in meta.items()
            if value is not None
        )
        if lines:
            data = lines.encode("utf-8")
            records.append(
                builder.create_warc_record(
                    response.url,
                    "metadata",
                    payload=io.BytesIO(data),
                    length=len(data),
                    warc_content_type="application/warc-fields",
                    warc_headers_dict={
                        "WARC-Date": date,
                        "WARC-Concurrent-To": resp_id,
                        "WARC-Refers-To": resp_id,
                    },
                )
            )
        return records

    def close(self, spider=None, reason=None) -> None:
        self.files.close()
