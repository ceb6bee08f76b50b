"""``sinacrawl repair`` on a real crawled archive: a lost, corrupt or partial index rebuilt
from the posts; what cannot be recovered said; the user's data never deleted."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3

import pytest

from tests.clirun import (
    copy_archive,
    crawl_archive,
    one_clear_line,
    rows,
    sinacrawl,
    world_readable_dir,
)
from tests.crawlrun import check_consistent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    return crawl_archive(tmp_path_factory.mktemp("crawled") / "archive")


@pytest.fixture
def archive(crawled, tmp_path):
    return copy_archive(crawled, tmp_path / "archive")


def _repair_ok(archive) -> str:
    done = sinacrawl("repair", str(archive))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_missing_index_is_rebuilt_from_the_posts(archive):
    before = rows(archive)
    (archive / "index.sqlite").unlink()
    out = _repair_ok(archive)
    assert rows(archive) == before
    check_consistent(archive)
    assert "made a new one" in out and f"{len(before)} rows added" in out
    # what a post cannot give back is said, and marked in the rows
    assert "not recoverable" in out and "url" in out and "first_crawled" in out
    marked = rows(archive, "id, url, source, mtime, first_crawled, last_crawled")
    assert {r[1:] for r in marked.values()} == {("unknown", None, None, "unknown", "unknown")}
    assert sinacrawl("verify", str(archive)).returncode == 0


def test_junk_index_is_moved_aside_and_rebuilt(archive):
    before = rows(archive)
    junk = os.urandom(8192)
    (archive / "index.sqlite").write_bytes(junk)
    out = _repair_ok(archive)
    assert "file is not a database" in out
    aside = [p for p in archive.iterdir() if p.name.startswith("index.sqlite.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes() == junk  # the user's file, kept
    assert rows(archive) == before
    check_consistent(archive)


def test_malformed_index_gives_back_what_it_still_holds(archive):
    full = "id, url, source, mtime, first_crawled, last_crawled, version"
    before, kept = rows(archive), rows(archive, full)
    db = archive / "index.sqlite"
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name='articles_url'").fetchone()
    con.close()
    with db.open("r+b") as fh:  # an index's page wrecked, the articles table's pages whole
        fh.seek((root - 1) * page_size)
        fh.write(b"\xff" * page_size)
    out = _repair_ok(archive)
    assert "malformed" in out
    assert rows(archive) == before
    assert rows(archive, full) == kept  # read back from the damaged file: nothing unknown
    assert any(p.name.startswith("index.sqlite.corrupt-") for p in archive.iterdir())


def test_lost_rows_are_added_and_the_others_keep_their_history(archive):
    before = rows(archive)
    history = rows(archive, "id, url, first_crawled, last_crawled")
    lost = sorted(before)[:5]
    con = sqlite3.connect(archive / "index.sqlite")
    con.executemany("DELETE FROM articles WHERE id=?", [(i,) for i in lost])
    con.commit()
    con.close()
    out = _repair_ok(archive)
    assert "5 rows added" in out and f"{len(before) - 5} rows kept" in out
    assert rows(archive) == before
    after = rows(archive, "id, url, first_crawled, last_crawled")
    assert {i: after[i] for i in history if i not in lost} == {
        i: history[i] for i in history if i not in lost
    }
    check_consistent(archive)


def test_edited_and_deleted_posts_make_the_index_follow_the_disk(archive):
    before = rows(archive, "id, path, content_hash, version, url")
    edited_id, gone_id = sorted(before)[:2]
    edited = archive / before[edited_id][1]
    edited.write_text(edited.read_text(encoding="utf-8") + "<p>note</p>\n", encoding="utf-8")
    (archive / before[gone_id][1]).unlink()
    out = _repair_ok(archive)
    after = rows(archive, "id, path, content_hash, version, url")
    assert gone_id not in after and "1 row removed" in out
    assert after[edited_id][3] == before[edited_id][3] + 1
    assert after[edited_id][4] == before[edited_id][4]  # its URL kept
    check_consistent(archive)
    # the rows repair dropped or changed are kept in a copy of the old index
    copies = [p for p in archive.iterdir() if p.name.startswith("index.sqlite.before-repair-")]
    assert len(copies) == 1
    old = sqlite3.connect(copies[0])
    assert old.execute("SELECT count(*) FROM articles WHERE id=?", (gone_id,)).fetchone() == (1,)
    old.close()


def test_a_second_repair_changes_nothing(archive):
    (archive / "index.sqlite").unlink()
    _repair_ok(archive)
    snapshot = rows(archive, "*")
    out = _repair_ok(archive)
    assert "nothing to repair" in out
    assert rows(archive, "*") == snapshot


def test_missing_archive_is_one_line(tmp_path):
    done = sinacrawl("repair", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "no archive folder" in one_clear_line(done.stderr)
    assert not (tmp_path / "nope").exists()


def test_read_only_archive_is_one_line_and_untouched(crawled):
    base = world_readable_dir()
    try:
        archive = copy_archive(crawled, base / "archive")
        (archive / "index.sqlite").unlink()
        for path in [archive, *archive.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        before = sorted(p.name for p in archive.iterdir())
        done = sinacrawl("repair", str(archive), as_nobody=True)
        assert done.returncode == 1
        assert "not writable" in one_clear_line(done.stderr)
        assert sorted(p.name for p in archive.iterdir()) == before
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755)
        shutil.rmtree(base)


def test_an_archive_in_use_is_left_alone(archive):
    fd = os.open(archive / ".sinacrawl.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        (archive / "index.sqlite").unlink()
        done = sinacrawl("repair", str(archive))
        assert done.returncode == 3
        assert "another sinacrawl run" in one_clear_line(done.stderr)
        assert not (archive / "index.sqlite").exists()
    finally:
        os.close(fd)


def test_a_post_gives_back_its_body_hash_braces_and_all(tmp_path):
    from datetime import datetime

    from sinacrawl.dates import BEIJING
    from sinacrawl.render import post_path, render_post
    from sinacrawl.repair import read_post
    from sinacrawl.state import body_hash

    body = "<p>　　{{ a }} {% b %} it's</p>"
    when = datetime(2022, 2, 22, 12, 0, 42, tzinfo=BEIJING)
    article = {"title": "t {x}", "published": when, "body": body}
    for fmt in ("html", "markdown"):
        text = render_post(
            article, categories=["金融", "新浪财经", "新浪财经－国內"], author="a", body_format=fmt
        )
        rel = post_path("kyakumy8753215", when)
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
        post = read_post(tmp_path, rel)
        assert (post.id, post.title, post.published) == (
            "kyakumy8753215",
            "t {x}",
            "2022-02-22T12:00:42+08:00",
        )
        # an HTML body hashes as the crawl hashed it; a Markdown one cannot: None, not wrong
        assert post.body_hash == (body_hash(body) if fmt == "html" else None)
