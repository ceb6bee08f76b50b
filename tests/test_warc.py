"""WARC provenance end to end: recording a crawl, rebuilding posts from it, importing WARCs.

Real processes over the recorded site; the WARC files are read back with warcio and with an
independent reader (FastWARC), and checked with warcio's own ``check`` and ``index``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import ARTICLE_FIXTURES, ROOT
from tests.crawlrun import env, posts, report, run_crawl
from tests.sitesrv import SiteServer

pytestmark = pytest.mark.slow

SITE = ROOT / "fixtures" / "site"
WARCIO = Path(sys.executable).parent / "warcio"


def warcs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz"))


def records(path: Path) -> list[dict]:
    """Every record of a file through warcio: headers, payload, digest check."""
    found = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            payload = record.raw_stream.read()
            found.append(
                {
                    "type": record.rec_type,
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "to": record.rec_headers.get_header("WARC-Concurrent-To"),
                    "digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                    "passed": record.digest_checker.passed,
                    "payload": payload,
                    "version": record.rec_headers.protocol,
                }
            )
    return found


def index_dump(root: Path) -> list[tuple]:
    con = sqlite3.connect(root / "index.sqlite")
    try:
        return sorted(con.execute("SELECT * FROM articles").fetchall())
    finally:
        con.close()


def versions(root: Path) -> dict[str, tuple[str, int]]:
    con = sqlite3.connect(root / "index.sqlite")
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT id, path, version FROM articles")}
    finally:
        con.close()


def sinacrawl(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    prefix = [sys.executable, "-c", code] if code else [sys.executable, "-m", "sinacrawl"]
    return subprocess.run(
        [*prefix, *args], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The whole recorded site crawled with WARC on, in small files (rotation)."""
    out = tmp_path_factory.mktemp("recorded") / "archive"
    proc = run_crawl(
        "roll",
        out,
        "-a",
        "columns=all",
        "-s",
        "SINACRAWL_WARC=1",
        "-s",
        "SINACRAWL_WARC_MAX_SIZE=300000",
        replay=SITE,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


# -- record ------------------------------------------------------------------------------
def test_every_response_is_recorded_and_readable(recorded):
    files = warcs(recorded / "warc")
    assert len(files) >= 2, "rotation at SINACRAWL_WARC_MAX_SIZE made several files"
    assert not list((recorded / "warc").glob("*.open")), "every file closed and renamed"
    all_records = []
    for path in files:
        assert path.name.startswith("sinacrawl-") and "~" in path.name  # time, serial, host
        recs = records(path)
        assert recs[0]["type"] == "warcinfo", path
        assert b"sinacrawl" in recs[0]["payload"] and b"replayed" in recs[0]["payload"]
        assert {r["version"] for r in recs} == {"WARC/1.1"}
        all_records += recs
    responses = [r for r in all_records if r["type"] == "response"]
    requests = [r for r in all_records if r["type"] == "request"]
    # every exchange the engine made is there, each once
    assert len(responses) == sum(report(recorded)["requests"].values())
    kinds = report(recorded)["requests"]
    assert kinds["robots"] and kinds["api"] and kinds["article"]
    uris = [r["uri"] for r in responses]
    assert sum(u.endswith("/robots.txt") for u in uris) == kinds["robots"]
    assert sum("/api/roll/get" in u for u in uris) == kinds["api"]
    assert all("127.0.0.1" not in u for u in uris)
    # request ↔ response pairs
    by_id = {r["id"]: r for r in responses}
    assert len(requests) == len(responses)
    for req in requests:
        assert req["to"] in by_id and by_id[req["to"]]["uri"] == req["uri"]
    # digests: warcio's check, and an independent SHA-1 of each payload
    assert all(r["passed"] is not False for r in all_records)
    for resp in responses:
        body = resp["payload"]  # (warcio has read the HTTP headers off)
        assert resp["digest"] == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
    # an archived post's page is in the WARC, byte for byte as replayed
    page = (SITE / "articles" / "nabrbqe0416130" / "page.html").read_bytes()
    assert any(r["payload"] == page for r in responses)


def test_an_independent_reader_and_warcio_tools_accept_every_file(recorded):
    from fastwarc.warc import ArchiveIterator as FastIterator
    from fastwarc.warc import WarcRecordType

    for path in warcs(recorded / "warc"):
        ours = records(path)
        theirs = []
        with open(path, "rb") as fh:  # block digests over the raw blocks
            for record in FastIterator(fh, record_types=WarcRecordType.any_type, parse_http=False):
                assert record.verify_block_digest(), (path, record.record_id)
                theirs.append((record.headers["WARC-Type"], record.record_id))
        with open(path, "rb") as fh:  # payload digests over the bodies after the headers
            for record in FastIterator(fh, record_types=WarcRecordType.response):
                assert record.verify_payload_digest(), record.headers["WARC-Target-URI"]
        assert theirs == [(r["type"], r["id"]) for r in ours]
        for tool in ("check", "index"):
            proc = subprocess.run([str(WARCIO), tool, str(path)], capture_output=True, text=True)
            assert proc.returncode == 0, (tool, path, proc.stdout[-2000:], proc.stderr[-2000:])
        index = subprocess.run([str(WARCIO), "index", str(path)], capture_output=True, text=True)
        assert len(index.stdout.splitlines()) == len(ours)


def _members(data: bytes) -> tuple[int, int]:
    """(whole gzip members, bytes after the last one)."""
    count, rest = 0, data
    while rest:
        inflater = zlib.decompressobj(31)
        try:
            inflater.decompress(rest)
        except zlib.error:
            break
        if not inflater.eof:
            break
        count += 1
        rest = inflater.unused_data
    return count, len(rest)


def test_kill_9_leaves_every_finished_record_readable(tmp_path):
    def slow(handler, url, attempt):
        if "doc-" in url or "detail-" in url:
            time.sleep(0.15)
        return False

    out = tmp_path / "archive"
    with SiteServer(SITE, faults=slow) as server:
        cmd = [
            sys.executable, "-m", "scrapy", "crawl", "roll", "-a", "columns=all",
            "-s", f"SINACRAWL_OUTPUT_DIR={out}", "-s", "SINACRAWL_WARC=1",
            "-s", f"SINACRAWL_UPSTREAM={server.url}", "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        ]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                opened = list((out / "warc").glob("*.warc.gz.open")) if out.exists() else []
                if opened and opened[0].stat().st_size > 60_000:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the crawl never wrote 60 kB of WARC")
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(30)
    (left,) = list((out / "warc").glob("*.warc.gz.open"))
    whole, tail = _members(left.read_bytes())
    assert whole > 10
    # the whole members are whole records warcio reads without complaint
    head = left.read_bytes()[: len(left.read_bytes()) - tail]
    recs = list(ArchiveIterator(io.BytesIO(head), check_digests=True))
    assert len(recs) == whole
    from sinacrawl.warc import recover

    done = recover(out / "warc")
    assert len(done) == 1 and "closed" in done[0]
    (closed,) = warcs(out / "warc")
    assert not list((out / "warc").glob("*.open"))
    assert _members(closed.read_bytes()) == (whole, 0)
    check = subprocess.run([str(WARCIO), "check", str(closed)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:]
    uris = [r["uri"] for r in records(closed) if r["type"] == "response"]
    assert uris and all(u.startswith("https://") and "127.0.0.1" not in u for u in uris)


# -- rebuild -----------------------------------------------------------------------------
def _copy(recorded: Path, tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    shutil.copytree(recorded, root)
    return root


def test_rebuild_brings_back_every_post_byte_for_byte(recorded, tmp_path):
    root = _copy(recorded, tmp_path)
    original, rows = posts(recorded), index_dump(recorded)
    for rel in original:
        (root / rel).unlink()
    for side in root.glob("index.sqlite*"):
        side.unlink()
    dry = sinacrawl("rebuild", str(root), "--dry-run")
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert f"0 rewritten, {len(original)} restored" in dry.stdout
    assert posts(root) == {} and not (root / "index.sqlite").exists()
    proc = sinacrawl("rebuild", str(root))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert posts(root) == original
    assert f"0 rewritten, {len(original)} restored, 0 unchanged" in proc.stdout
    assert [r[:3] for r in index_dump(root)] == [r[:3] for r in rows]  # id, url, path
    # on an archive made by this version, a rebuild changes nothing, index included
    before = index_dump(root)
    again = sinacrawl("rebuild", str(root))
    assert again.returncode == 0
    assert f"0 rewritten, 0 restored, {len(original)} unchanged" in again.stdout
    assert index_dump(root) == before and posts(root) == original
    # the WARC files are the crawler's own: verify finds nothing foreign
    verify = sinacrawl("verify", str(root))
    assert verify.returncode == 0 and "clean" in verify.stdout, verify.stdout


PATCH = (
    "import sys; from sinacrawl.clean import junk; "
    "junk.TABLE = junk.JunkTable([r for r in junk.RULES "
    "if r.value not in ('ct_hqimg', 'hqimg_wrapper')]); "
    "from sinacrawl.cli import main; raise SystemExit(main(sys.argv[1:]))"
)


def test_rebuild_after_a_junk_rule_change_rewrites_exactly_the_affected_posts(recorded, tmp_path):
    root = _copy(recorded, tmp_path)
    before = posts(root)
    proc = sinacrawl("rebuild", str(root), code=PATCH)
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = posts(root)
    changed = {rel for rel in before if after[rel] != before[rel]}
    assert set(after) == set(before)
    # the affected posts: those whose page holds a quote chart inside the article
    site_pages = {p.parent.name: p.read_bytes() for p in (SITE / "articles").glob("*/page.html")}
    charted = {rel for rel in before if b"hqimg" in site_pages.get(Path(rel).stem, b"")}
    assert changed and changed <= charted and len(changed) < len(before)
    for rel in changed:
        assert b"hqimg" in after[rel] or after[rel].count(b"<img") > before[rel].count(b"<img")
        (line,) = [x for x in proc.stdout.splitlines() if f"rewrote {rel} (" in x]
        assert "body" in line  # (and the head image when the chart is now the first image)
    assert f"{len(changed)} rewritten, 0 restored" in proc.stdout
    after_rows = versions(root)
    for aid, (path, version) in versions(recorded).items():
        # version + 1 for a rewritten post only
        assert after_rows[aid] == (path, version + (path in changed)), aid


def test_rebuild_without_warc_files_is_a_usage_error(tmp_path):
    proc = sinacrawl("rebuild", str(tmp_path))
    assert proc.returncode == 2
    assert "no WARC files" in proc.stderr and "SINACRAWL_WARC=1" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- import ------------------------------------------------------------------------------
def _case(name: str) -> tuple[str, bytes, bytes]:
    folder = ARTICLE_FIXTURES / name
    url = (folder / "url.txt").read_text(encoding="utf-8").strip()
    expected = (folder / "expected.md").read_bytes() if (folder / "expected.md").exists() else b""
    return url, (folder / "page.html").read_bytes(), expected


def _response(writer, url, body, date, status="200 OK", headers=None):
    headers = headers or [("Content-Type", "text/html")]
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(record)
    return record


def build_import_warcs(folder: Path) -> dict:
    """A WARC as a web archive would hold it, from recorded pages; returns what to expect."""
    folder.mkdir()
    deleted_url, deleted_page, deleted_post = _case("era2017_finance")
    revisit_url, revisit_page, revisit_post = _case("news2024_article")
    gb_url, gb_page, gb_post = _case("era2005_gb2312")
    plain_url, plain_page, plain_post = _case("old_blk_template")
    cut_url, cut_page, _ = _case("seed_domestic_2022")
    _, placeholder, _ = _case("deleted_article")
    assert b"charset=gb2312" in gb_page.lower() or b"gb2312" in gb_page.lower()
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record("import.warc.gz", {"software": "test"}))
    # a deleted article: its last good capture, then Sina's placeholder (a 404)
    _response(writer, deleted_url, deleted_page, "2024-03-01T00:00:00Z")
    _response(writer, deleted_url, placeholder, "2025-06-01T00:00:00Z", "404 Not Found")
    # a malformed record in the middle: reading goes on at the next one
    buf.write(gzip.compress(b"NOT A WARC RECORD\r\n\r\n"))
    # a capture and a later revisit of the same payload
    first = _response(writer, revisit_url, revisit_page, "2024-01-01T00:00:00Z")
    revisit = writer.create_revisit_record(
        revisit_url,
        first.rec_headers.get_header("WARC-Payload-Digest"),
        revisit_url,
        "2024-01-01T00:00:00Z",
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1"),
        warc_headers_dict={"WARC-Date": "2025-01-01T00:00:00Z"},
    )
    writer.write_record(revisit)
    # a GB2312 page, downloaded from the Wayback Machine in its raw id_ form, gzip-encoded
    wayback = f"https://web.archive.org/web/20230405060708id_/{gb_url}"
    _response(
        writer,
        wayback,
        gzip.compress(gb_page),
        "2025-02-02T00:00:00Z",
        headers=[("Content-Type", "text/html; charset=gb2312"), ("Content-Encoding", "gzip")],
    )
    # a 404 capture of an article nobody archived, and a record that is not an article
    missing = "https://finance.sina.com.cn/china/2024-01-01/doc-imissing0000001.shtml"
    _response(writer, missing, b"<html>404</html>", "2024-01-01T00:00:00Z", "404 Not Found")
    _response(
        writer, "https://finance.sina.com.cn/robots.txt", b"User-agent: *\n", "2024-01-01T00:00:00Z"
    )
    # the last record cut short (a download that broke off)
    _response(writer, cut_url, cut_page, "2024-05-05T00:00:00Z")
    data = buf.getvalue()
    (folder / "cut.warc.gz").write_bytes(data[:-2000])
    plain = io.BytesIO()
    plain_writer = WARCWriter(plain, gzip=False, warc_version="1.0")
    _response(plain_writer, plain_url, plain_page, "2022-01-01T00:00:00Z")
    (folder / "plain.warc").write_bytes(plain.getvalue())
    # a whole file in one gzip member (offsets cannot seek in it)
    whole_url, whole_page, whole_post = _case("images_captions")
    whole = io.BytesIO()
    whole_writer = WARCWriter(whole, gzip=False, warc_version="1.1")
    whole_writer.write_record(whole_writer.create_warcinfo_record("whole", {"software": "test"}))
    _response(whole_writer, whole_url, whole_page, "2023-01-01T00:00:00Z")
    (folder / "sub").mkdir()
    (folder / "sub" / "whole.warc.gz").write_bytes(gzip.compress(whole.getvalue()))
    return {
        "posts": {deleted_post, revisit_post, gb_post, plain_post, whole_post},
        "deleted_id": deleted_url.rsplit("doc-i", 1)[1].split(".")[0],
        "deleted_url": deleted_url,
    }


def test_import_gives_the_expected_posts_and_counts_and_twice_changes_nothing(tmp_path):
    expected = build_import_warcs(tmp_path / "warcs")
    out = tmp_path / "archive"
    from sinacrawl.state import SqliteState

    state = SqliteState(out)  # the deleted article was tombstoned by an earlier crawl
    state.settle(expected["deleted_id"], "deleted", expected["deleted_url"])
    state.close()
    proc = run_crawl("warc", out, "-a", f"path={tmp_path / 'warcs'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert set(posts(out).values()) == expected["posts"]
    rep = report(out)
    assert rep["new"] == 5 and rep["updated"] == 0
    assert rep["dropped"]["capture_404"] == 2  # the placeholder and the missing page
    assert rep["dropped"]["not_article_record"] == 1
    assert rep["errors"] == {"warc_record": 2}  # the bad and the cut record; the run went on
    assert "warc_record" in proc.stderr or "unreadable WARC record" in proc.stderr
    con = sqlite3.connect(out / "index.sqlite")
    assert con.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 0
    first = con.execute(
        "SELECT first_crawled FROM articles WHERE id=?", (expected["deleted_id"],)
    ).fetchone()[0]
    con.close()
    assert first.startswith("2024-03-01")  # crawled when captured, not when imported
    before, rows = posts(out), index_dump(out)
    again = run_crawl("warc", out, "-a", f"path={tmp_path / 'warcs'}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert posts(out) == before and index_dump(out) == rows
    assert report(out)["new"] == 0 and report(out)["skipped_known"] == 5


@pytest.mark.parametrize(
    "arg, says",
    [
        ("path=", "-a path= is missing"),
        ("path=/nonexistent/x.warc", "no such file or folder"),
        ("path=fixtures/site", "no .warc or .warc.gz file"),
        ("path=README.md", "is not a WARC file"),
    ],
)
def test_import_arguments_are_checked(tmp_path, arg, says):
    proc = run_crawl("warc", tmp_path / "archive", "-a", arg)
    assert proc.returncode == 2
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "archive").exists()


def test_a_gzip_encoded_answer_is_recorded_as_served_and_rebuilds(tmp_path):
    """Over HTTP: the recorded body is the gzip the server sent (its digest verifies), and
    rebuild decodes it into the same post the crawl wrote."""
    url = "https://finance.sina.com.cn/china/gncj/2026-11-25/doc-intsxwxc7340626.shtml"
    page = (SITE / "articles" / "ntsxwxc7340626" / "page.html").read_bytes()
    served = gzip.compress(page)
    out = tmp_path / "archive"
    with SiteServer(SITE) as server:
        from sinacrawl.replay import replay_key

        server.overrides[replay_key(url)] = (
            200,
            {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            served,
        )
        proc = run_crawl(
            "article", out, "-a", f"url={url}", "-s", "SINACRAWL_WARC=1", upstream=server.url
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (post,) = posts(out).values()
    (path,) = warcs(out / "warc")
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            if (
                record.rec_type == "response"
                and record.rec_headers.get_header("WARC-Target-URI") == url
            ):
                assert record.http_headers.get_header("Content-Encoding") == "gzip"
                assert record.raw_stream.read() == served  # as served, not as decoded
                assert record.digest_checker.passed is not False
                assert record.rec_headers.get_header("WARC-IP-Address") is None  # (a mirror's)
                break
        else:
            pytest.fail("the article's response is not in the WARC")
    for md in out.rglob("*.md"):
        md.unlink()
    rebuilt = sinacrawl("rebuild", str(out))
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert list(posts(out).values()) == [post]


def test_a_record_that_cannot_be_written_fails_the_run_and_the_crawl_goes_on(tmp_path):
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from sinacrawl.report import summarize
    from sinacrawl.warc import WarcRecorder

    crawler = get_crawler(
        settings_dict={
            "SINACRAWL_WARC": True,
            "SINACRAWL_OUTPUT_DIR": str(tmp_path),
            "SINACRAWL_WARC_MAX_SIZE": 10**9,
        }
    )
    crawler.stats.open_spider()
    recorder = WarcRecorder.from_crawler(crawler)
    request = Request("https://finance.sina.com.cn/robots.txt")
    recorder.process_request(request)
    response = HtmlResponse(request.url, body=b"User-agent: *\n", request=request)
    assert recorder.process_response(request, response) is response
    good = recorder.files.path.stat().st_size
    real_fd, recorder.files.fd = recorder.files.fd, os.open("/dev/full", os.O_WRONLY)  # ENOSPC
    assert recorder.process_response(request, response) is response  # the crawl goes on
    os.close(recorder.files.fd)
    recorder.files.fd = real_fd
    recorder.close()
    stats = crawler.stats.get_stats()
    assert stats["sinacrawl/errors/warc"] == 1 and stats["sinacrawl/warc/responses"] == 1
    stats.update(finish_reason="finished")
    verdict = summarize(stats, crawler.settings)
    assert verdict["failed"] and "could not be recorded in WARC" in verdict["failures"][0]
    (done,) = warcs(tmp_path / "warc")
    assert done.stat().st_size == good and len(records(done)) == 3  # warcinfo + the first pair
