"""The ``sinacrawl`` commands as a user runs them: verify, index, convert; exit codes, one
clear line for a mistake, and an archive left as it was."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from tests.clirun import (
    copy_archive,
    crawl_archive,
    listing,
    one_clear_line,
    rows,
    sinacrawl,
    world_readable_dir,
)
from tests.conftest import ARTICLE_FIXTURES

pytestmark = pytest.mark.slow

SIDE_FILES = ("index.sqlite-wal", "index.sqlite-shm")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    return crawl_archive(tmp_path_factory.mktemp("crawled") / "archive")


@pytest.fixture
def archive(crawled, tmp_path):
    return copy_archive(crawled, tmp_path / "archive")


# -- verify ---------------------------------------------------------------------------------
def test_verify_a_clean_archive(archive):
    before = listing(archive)
    done = sinacrawl("verify", str(archive))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines() == [
        f"sinacrawl verify: {len(rows(archive))} .md files, {len(rows(archive))} index rows: clean"
    ]
    assert listing(archive) == before


def test_verify_reports_each_problem_and_changes_nothing(archive):
    paths = sorted(r[1] for r in rows(archive).values())
    edited, deleted = archive / paths[0], archive / paths[1]
    edited.write_bytes(edited.read_bytes() + b"x")
    deleted.unlink()
    (archive / paths[2]).with_name("zzzzzzzzzzzzzz.md").write_text("---\n", encoding="utf-8")
    (archive / "notes.txt").write_text("mine", encoding="utf-8")
    (archive / paths[3]).with_name(".a.md.0123abcd.tmp").write_bytes(b"half")
    con = sqlite3.connect(archive / "index.sqlite")
    con.execute(
        "INSERT INTO articles(id, url, path, title, published, content_hash, first_crawled,"
        " last_crawled) VALUES ('outsideoutside', 'u', '../outside.md', 't', 'p', 'h', 'f', 'l')"
    )
    con.execute(
        "INSERT INTO pending(id, record, tmp_path) VALUES ('pendingpending', ?, 'x.tmp')",
        (json.dumps({"path": "2026/11/pendingpending.md"}),),
    )
    con.commit()
    con.close()
    before = listing(archive)
    done = sinacrawl("verify", str(archive))
    assert done.returncode == 1
    out = done.stdout
    assert f"edited: {paths[0]}" in out
    assert f"missing: {paths[1]}" in out
    assert (
        "foreign post: "
        + str((archive / paths[2]).with_name("zzzzzzzzzzzzzz.md").relative_to(archive))
        in out
    )
    assert "unknown file: notes.txt" in out
    assert "temporary file: " in out and ".a.md.0123abcd.tmp" in out
    assert "unsafe path: '../outside.md'" in out
    assert "pending: 2026/11/pendingpending.md" in out
    assert (
        out.strip()
        .splitlines()[-1]
        .endswith(
            "7 problems (1 unsafe path, 1 edited, 1 missing, "
            "1 foreign post, 1 pending, 1 temporary file, "
            "1 unknown file)"
        )
    )
    assert listing(archive) == before  # nothing written, not even -wal/-shm


def test_verify_follows_no_symlink_out_of_the_archive(archive, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (archive / "2026" / "link").symlink_to(outside)
    con = sqlite3.connect(archive / "index.sqlite")
    con.execute("UPDATE articles SET path='2026/link/x.md' WHERE rowid=1")
    con.commit()
    con.close()
    done = sinacrawl("verify", str(archive))
    assert done.returncode == 1
    assert "unsafe path: '2026/link/x.md'" in done.stdout


def test_verify_usage_errors(tmp_path):
    done = sinacrawl("verify", str(tmp_path / "nope"))
    assert done.returncode == 2
    assert "no archive folder" in one_clear_line(done.stderr)
    assert sinacrawl("verify").returncode == 2


def test_verify_a_corrupt_index(archive):
    (archive / "index.sqlite").write_bytes(b"junk" * 1000)
    done = sinacrawl("verify", str(archive))
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("unreadable index: index.sqlite")
    assert "sinacrawl repair" in done.stdout


# -- index ----------------------------------------------------------------------------------
def test_index_of_a_read_only_archive_leaves_nothing_behind(crawled):
    base = world_readable_dir()
    try:
        archive = copy_archive(crawled, base / "archive")
        for path in [archive, *archive.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        before = sorted(p.name for p in archive.iterdir())
        done = sinacrawl("index", str(archive), as_nobody=True)
        assert done.returncode == 0, done.stderr
        printed = [json.loads(line) for line in done.stdout.splitlines()]
        assert {r["id"] for r in printed} == set(rows(archive))
        assert sorted(p.name for p in archive.iterdir()) == before
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755)
        shutil.rmtree(base)


def test_index_in_a_writable_archive_creates_no_wal_files(archive):
    done = sinacrawl("index", str(archive))
    assert done.returncode == 0 and done.stdout.count("\n") == len(rows(archive))
    assert not [n for n in SIDE_FILES if (archive / n).exists()]


def test_index_while_a_crawl_holds_it_open_sees_its_writes(archive):
    writer = sqlite3.connect(archive / "index.sqlite", isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("UPDATE articles SET title='NEW' WHERE rowid=1")  # only in the -wal
        done = sinacrawl("index", str(archive))
        assert done.returncode == 0 and '"title": "NEW"' in done.stdout
    finally:
        writer.close()


def test_index_into_a_closed_pipe_is_quiet(archive):
    for n in range(40):  # enough rows that the pipe fills
        con = sqlite3.connect(archive / "index.sqlite")
        con.execute(
            "INSERT INTO articles SELECT id || ?, url, path, title || ?, source, published,"
            " content_hash, body_hash, column_key, mtime, first_crawled, last_crawled, version"
            " FROM articles WHERE length(id) = 14",
            (str(n), "x" * 2000),
        )
        con.commit()
        con.close()
    done = sinacrawl("index", str(archive), shell_tail=" | head -1; exit ${PIPESTATUS[0]}")
    assert done.returncode == 141  # (128 + SIGPIPE: stopped by the closed pipe, quietly)
    assert done.stdout.count("\n") == 1
    assert done.stderr == ""


def test_index_of_a_corrupt_index_is_one_line(archive):
    (archive / "index.sqlite").write_bytes(b"\x00junk" * 2000)
    done = sinacrawl("index", str(archive))
    assert done.returncode == 2
    assert one_clear_line(done.stderr) == (
        f"sinacrawl index: index.sqlite is not a readable SQLite database: "
        f"run `sinacrawl repair {archive}`"
    )
    assert done.stdout == ""


def test_index_usage_errors(tmp_path):
    done = sinacrawl("index", str(tmp_path / "nope"))
    assert done.returncode == 2 and "no archive folder" in one_clear_line(done.stderr)
    done = sinacrawl("index", str(tmp_path))
    assert done.returncode == 2 and "sinacrawl repair" in one_clear_line(done.stderr)


# -- convert --------------------------------------------------------------------------------
CASE = ARTICLE_FIXTURES / "seed_domestic_2022"
URL = (CASE / "url.txt").read_text(encoding="utf-8").strip()
PAGE = str(CASE / "page.html")


def test_convert_into_a_missing_folder(tmp_path):
    done = sinacrawl("convert", PAGE, "--url", URL, "-o", str(tmp_path / "no" / "where" / "p.md"))
    assert done.returncode == 2
    line = one_clear_line(done.stderr)
    assert "-o" in line and "does not exist" in line and "mkdir -p" in line
    assert list(tmp_path.iterdir()) == []  # nothing half-made


def test_convert_writes_the_post(tmp_path):
    done = sinacrawl("convert", PAGE, "--url", URL, "-o", str(tmp_path / "p.md"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.md").read_bytes() == (CASE / "expected.md").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["p.md"]


def test_convert_unknown_column_lists_the_keys():
    done = sinacrawl("convert", PAGE, "--url", URL, "--column", "nosuch")
    assert done.returncode == 2
    line = one_clear_line(done.stderr)
    assert "'nosuch'" in line and "china" in line and "other" in line
    assert done.stdout == ""


@pytest.mark.parametrize(
    "args, words",
    [
        (["/nonexistent/page.html", "--url", URL], "cannot read"),
        ([str(ARTICLE_FIXTURES), "--url", URL], "is a folder"),
        ([PAGE, "--url", "notaurl"], "--url"),
        ([PAGE, "--url", URL, "-o", str(ARTICLE_FIXTURES)], "-o"),
    ],
)
def test_convert_argument_errors(args, words):
    done = sinacrawl("convert", *args)
    assert done.returncode == 2
    assert words in one_clear_line(done.stderr)
    assert done.stdout == ""
