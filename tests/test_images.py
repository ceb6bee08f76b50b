"""SINACRAWL_IMAGES over the recorded site served on 127.0.0.1 (tests/sitesrv.py): each post's
images stored once under ARCHIVE/images/ by the SHA-256 of their bytes, the posts rewritten
to show them and nothing else changed, no Referer sent, a failed image kept remote, counted
and retried by the next run, a second run downloading nothing, and kill -9 leaving no
partial image file."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from pipelines.images import remove_temp_files
from sinacrawl.replay import replay_key
from tests.conftest import ROOT
from tests.crawlrun import (
    SITE,
    check_consistent,
    crawl_cmd,
    env,
    leftovers,
    manifest,
    posts,
    report,
    run_crawl,
)
from tests.sitesrv import SiteServer

IMAGES_ON = ("-s", "SINACRAWL_IMAGES=1")
IMAGE_URLS = {replay_key(i["url"]): i["url"] for i in manifest()["images"]}
LOCAL = re.compile(r"/images/[0-9a-f]{2}/[0-9a-f]{64}\.(?:jpg|png|gif|webp|avif|bmp)")
SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"')
HEAD = re.compile(r"^(headimg|thumbnail): '([^']*)'$", re.M)


def is_image(url: str) -> bool:
    return replay_key(url) in IMAGE_URLS


def stored(out: Path) -> dict[str, str]:
    """The index's remote URL → archive path of every stored image."""
    con = sqlite3.connect(out / "index.sqlite")
    try:
        return dict(con.execute("SELECT url, path FROM images"))
    finally:
        con.close()


def hotlinks(out: Path) -> dict[str, str]:
    con = sqlite3.connect(out / "index.sqlite")
    try:
        return dict(con.execute("SELECT id, urls FROM hotlinks"))
    finally:
        con.close()


def image_files(out: Path) -> list[Path]:
    return sorted(p for p in (out / "images").rglob("*") if p.is_file())


def assert_whole_images(out: Path) -> None:
    """Every file under images/ is named by the SHA-256 of its bytes: no partial file."""
    for path in image_files(out):
        assert not path.name.startswith("."), f"temporary file left: {path}"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.name.split(".")[0] == digest, f"{path} holds other bytes than its name says"
        assert path.parent.name == digest[:2]


def shown_images(text: str) -> list[str]:
    return [html.unescape(u) for u in SRC.findall(text)] + [u for _k, u in HEAD.findall(text)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl without images, one with, then a rerun with refresh=1; what the server saw."""
    base = tmp_path_factory.mktemp("images")
    off, on = base / "off", base / "on"
    referers: list[str | None] = []

    def plan(h, url, attempt):
        if is_image(url):
            referers.append(h.headers.get("Referer"))
        return False

    with SiteServer(SITE, faults=plan) as server:
        first_off = run_crawl("roll", off, upstream=server.url)
        mark = len(server.log)
        first_on = run_crawl("roll", on, *IMAGES_ON, upstream=server.url)
        first_log = server.log[mark:]
        after_first = posts(on)
        mark = len(server.log)
        again = run_crawl("roll", on, *IMAGES_ON, "-a", "refresh=1", upstream=server.url)
        again_log = server.log[mark:]
        served = {url: server.answer(url)[2] for url in IMAGE_URLS.values()}
    for proc in (first_off, first_on, again):
        assert proc.returncode == 0, proc.stderr[-3000:]
    return {
        "off": off,
        "on": on,
        "first_log": first_log,
        "after_first": after_first,
        "again_log": again_log,
        "again_report": report(on),
        "referers": referers,
        "served": served,
    }


def test_posts_show_local_copies_of_the_served_bytes(crawled):
    on = crawled["on"]
    table = stored(on)
    files = {p.relative_to(on).as_posix() for p in image_files(on)}
    assert table and set(table.values()) == files
    for url, path in table.items():
        data = (on / path).read_bytes()
        assert data == crawled["served"][url], url  # the bytes Sina served, as they were
        assert path.split("/")[-1].split(".")[0] == hashlib.sha256(data).hexdigest()
    assert_whole_images(on)
    local = {"/" + path for path in table.values()}
    shown = 0
    for rel, text in crawled["after_first"].items():
        text = text.decode("utf-8")
        for url in shown_images(text):
            # every image a post shows is a stored one (the fixture site serves them all)
            assert LOCAL.fullmatch(url), f"{rel} still shows {url}"
            assert url in local, f"{rel}: {url} is no stored image"
            shown += 1
        heads = dict(HEAD.findall(text))
        assert heads["headimg"] == heads["thumbnail"]
    assert shown > len(crawled["after_first"])  # head images and body images both checked


def test_only_the_image_urls_change(crawled):
    """With the images stored, a post differs from the one written without them only in its
    <img src>, headimg and thumbnail (front matter bytes otherwise the same)."""
    by_path = {"/" + path: url for url, path in stored(crawled["on"]).items()}
    off = posts(crawled["off"])
    assert set(crawled["after_first"]) == set(off)
    changed = 0
    for rel, data in crawled["after_first"].items():
        text = data.decode("utf-8")
        back = SRC.sub(
            lambda m: m.group(0).replace(
                f'src="{m.group(1)}"', f'src="{html.escape(by_path[m.group(1)])}"'
            ),
            text,
        )
        back = HEAD.sub(lambda m: f"{m.group(1)}: '{by_path[m.group(2)]}'", back)
        assert back.encode("utf-8") == off[rel], rel
        changed += back != text
    assert changed == len(off)  # every post had at least its head image rewritten


def test_image_requests_carry_no_referer_and_are_counted(crawled):
    images = [u for u in crawled["first_log"] if is_image(u)]
    assert images and len(images) == len(set(images))  # each image fetched once
    assert crawled["referers"] and set(crawled["referers"]) == {None}
    # (last-run.json is the rerun's: the first run's report is the older of the two kept)
    reports = sorted((crawled["on"] / "reports").glob("*-roll.json"))
    assert len(reports) == 2
    first_report = json.loads(reports[0].read_text("utf-8"))
    assert first_report["images"]["downloaded"] == len(images)
    assert first_report["requests"]["image"] == len(images)
    assert not first_report["failed"]


def test_a_second_run_downloads_nothing(crawled):
    assert [u for u in crawled["again_log"] if is_image(u)] == []
    rep = crawled["again_report"]
    assert rep["unchanged"] == len(crawled["after_first"]) and rep["updated"] == 0
    assert "downloaded" not in rep["images"] and rep["images"]["known"] > 0
    assert "image" not in rep["requests"]
    assert posts(crawled["on"]) == crawled["after_first"]
    check_consistent(crawled["on"])


def _one_post_image(crawled) -> tuple[str, str]:
    """(a body image shown by exactly one post, that post's path)."""
    by_path = {"/" + path: url for url, path in stored(crawled["on"]).items()}
    seen: dict[str, list[str]] = {}
    for rel, data in crawled["after_first"].items():
        for src in SRC.findall(data.decode("utf-8")):
            seen.setdefault(by_path[src], []).append(rel)
    url, rels = next((u, r) for u, r in sorted(seen.items()) if len(set(r)) == 1)
    return url, rels[0]


def test_a_failed_image_keeps_its_url_is_counted_and_retried(crawled, tmp_path):
    url, rel = _one_post_image(crawled)
    out = tmp_path / "out"
    with SiteServer(SITE) as server:
        server.overrides[replay_key(url)] = (404, {"Content-Type": "text/html"}, b"<h1>404</h1>")
        first = run_crawl("roll", out, *IMAGES_ON, upstream=server.url)
        assert first.returncode == 0, first.stderr[-3000:]  # never fails the article or run
        rep = report(out)
        text = (out / rel).read_text("utf-8")
        assert f'src="{html.escape(url)}"' in text  # the post keeps the remote URL
        assert rep["images"]["failed/http_404"] == 1 and rep["images"]["failed"] == 1
        assert rep["images"]["posts_hotlinking"] == 1 and rep["deferred"]["images"] == 1
        assert rep["new"] == len(crawled["after_first"])
        assert url not in stored(out)
        (aid,) = hotlinks(out)
        assert rel.endswith(f"/{aid}.md") and url in hotlinks(out)[aid]
        assert "image not stored (http_404)" in first.stderr
        # the next run fetches that article again with its image, now served
        del server.overrides[replay_key(url)]
        mark = len(server.log)
        second = run_crawl("roll", out, *IMAGES_ON, upstream=server.url)
        log = server.log[mark:]
    assert second.returncode == 0, second.stderr[-3000:]
    assert [u for u in log if is_image(u)] == [url]
    rep = report(out)
    assert rep["updated"] == 1 and rep["images"]["downloaded"] == 1
    assert hotlinks(out) == {}
    assert (out / rel).read_bytes() == crawled["after_first"][rel]
    check_consistent(out)


def test_kill_9_mid_download_leaves_no_partial_image(crawled, tmp_path):
    url, _rel = _one_post_image(crawled)
    stall = threading.Event()
    hit = threading.Event()

    def plan(h, u, attempt):
        if replay_key(u) != replay_key(url) or stall.is_set():
            return False
        body = crawled["served"][url]
        h.send_response(200)
        h.send_header("Content-Type", "image/jpeg")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        hit.set()
        stall.wait(60)  # the rest never comes while the crawl lives
        h.close_connection = True
        return True

    out = tmp_path / "out"
    with SiteServer(SITE, faults=plan) as server:
        proc = subprocess.Popen(
            crawl_cmd("roll", out, *IMAGES_ON, upstream=server.url),
            cwd=ROOT,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert hit.wait(120), "the crawl never asked for the image"
            time.sleep(1.0)  # other images and posts go on being written meanwhile
            proc.kill()
            proc.wait(30)
        finally:
            stall.set()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -9
        assert_whole_images(out)
        half = hashlib.sha256(crawled["served"][url]).hexdigest()
        assert not any(half in p.name for p in image_files(out))
        # the next run completes the archive: every image whole, nothing temporary left
        again = run_crawl("roll", out, *IMAGES_ON, upstream=server.url)
    assert again.returncode == 0, again.stderr[-3000:]
    assert_whole_images(out)
    assert leftovers(out) == []
    assert any(half in p.name for p in image_files(out))
    assert posts(out) == crawled["after_first"]
    check_consistent(out)


# kill -9 inside the store's write: after the temporary file is written and fsynced (before
# its rename), and after the rename.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from io import BytesIO
    from pathlib import Path
    from pipelines.images import ArchiveImageStore
    from sinacrawl import storage
    from sinacrawl.images import image_path

    out, step = Path(sys.argv[1]), sys.argv[2]
    data = b"\\x89PNG\\r\\n\\x1a\\n" + os.urandom(4 << 20)
    print(image_path(data, "png"), flush=True)

    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)

    if step == "tempfile":
        real = os.fsync
        def fsync(fd):
            real(fd)
            die()
        os.fsync = fsync
    elif step == "rename":
        real_replace = storage.os.replace
        def replace(*a, **k):
            real_replace(*a, **k)
            die()
        storage.os.replace = replace
    out.mkdir(parents=True, exist_ok=True)
    store = ArchiveImageStore(str(out))
    store.dir = storage.ArchiveDir(out.resolve())
    store.persist_file(image_path(data, "png"), BytesIO(data), None)
    """
)


@pytest.mark.parametrize("step", ["tempfile", "rename"])
def test_kill_9_inside_the_image_write(tmp_path, step):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(out), step],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -9, proc.stderr[-2000:]
    rel = proc.stdout.split()[0]
    temps = [p for p in (out / "images").rglob(".*.tmp")]
    if step == "tempfile":
        # killed before the rename: nothing under the image's name, the temporary file is
        # what the next start removes
        assert not (out / rel).exists()
        assert len(temps) == 1
    else:
        assert (out / rel).is_file() and temps == []
    assert remove_temp_files(out.resolve()) == len(temps)
    assert [p for p in (out / "images").rglob(".*.tmp")] == []
    assert_whole_images(out)


@pytest.mark.parametrize(
    "setting, named",
    [
        ("SINACRAWL_IMAGES=yes", "-s SINACRAWL_IMAGES=yes: give 1"),
        ("SINACRAWL_IMAGES_URL=/my images/", "-s SINACRAWL_IMAGES_URL=/my images/: give"),
    ],
)
def test_a_bad_images_setting_exits_2_and_makes_nothing(tmp_path, setting, named):
    out = tmp_path / "out"
    proc = run_crawl("roll", out, "-s", setting, replay=SITE)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.startswith("sinacrawl:")]
    assert len(lines) == 1 and named in lines[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "data, ext",
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"GIF89a\x01\x00", "gif"),
        (b"GIF87a\x01\x00", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # a RIFF that is no image
        (b"\x00\x00\x00\x1cftypavif", "avif"),
        (b"BM\x36\x00", "bmp"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', None),
        (b"<!DOCTYPE html><title>404</title>", None),
        (b"", None),
    ],
)
def test_image_type_by_the_bytes(data, ext):
    from sinacrawl.images import image_type

    assert image_type(data) == ext


def test_rewrite_sources_touches_only_known_srcs():
    from sinacrawl.images import body_images, rewrite_sources

    body = (
        '<p>a src="https://n.sinaimg.cn/x.jpg" b</p>'
        '<figure><img src="https://k.sinaimg.cn/y.jpg?a=1&amp;b=2" alt="说明" '
        'referrerpolicy="no-referrer"><figcaption>说明</figcaption></figure>'
        '<img src="https://n.sinaimg.cn/x.jpg" referrerpolicy="no-referrer">'
        '<img src="https://other.example/z.png" referrerpolicy="no-referrer">'
        '<img alt="a > b, src=&quot;x&quot;" src="https://n.sinaimg.cn/w.png">'
    )
    assert body_images(body) == [
        "https://k.sinaimg.cn/y.jpg?a=1&b=2",
        "https://n.sinaimg.cn/x.jpg",
        "https://other.example/z.png",
        "https://n.sinaimg.cn/w.png",
    ]
    local = {
        "https://k.sinaimg.cn/y.jpg?a=1&b=2": "/images/aa/a.jpg",
        "https://n.sinaimg.cn/x.jpg": "/images/bb/b.jpg",
        "https://n.sinaimg.cn/w.png": "/images/cc/c.png",
    }
    out = rewrite_sources(body, local)
    assert out == (
        '<p>a src="https://n.sinaimg.cn/x.jpg" b</p>'  # text that looks like an attribute
        '<figure><img src="/images/aa/a.jpg" alt="说明" '
        'referrerpolicy="no-referrer"><figcaption>说明</figcaption></figure>'
        '<img src="/images/bb/b.jpg" referrerpolicy="no-referrer">'
        '<img src="https://other.example/z.png" referrerpolicy="no-referrer">'
        '<img alt="a > b, src=&quot;x&quot;" src="/images/cc/c.png">'
    )
    assert rewrite_sources(body, {}) == body
