"""``sinacrawl feed``: Atom feeds of a crawled archive, read back by feedparser (an independent
reader) and by lxml for the Atom essentials; and ``SINACRAWL_FEEDS=1`` after a crawl."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import feedparser
import lxml.etree
import lxml.html
import pytest

from sinacrawl.render import escape_braces
from tests.clirun import copy_archive, listing, one_clear_line, sinacrawl, world_readable_dir
from tests.crawlrun import SITE, report, run_crawl

pytestmark = pytest.mark.slow

ATOM = "{http://www.w3.org/2005/Atom}"
BEIJING = ZoneInfo("Asia/Shanghai")
SITE_URL = "https://blog.example.org/finance"
BRACES = "数值{{ 指标 }}与{% raw %}以及{# 注 #}"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawled") / "archive"
    done = run_crawl("roll", out, "-a", "columns=all", replay=SITE)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    return copy_archive(crawled, tmp_path / "archive")


def index(archive: Path) -> dict[str, sqlite3.Row]:
    con = sqlite3.connect(f"file:{archive / 'index.sqlite'}?mode=ro&immutable=1", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return {r["id"]: r for r in con.execute("SELECT * FROM articles")}
    finally:
        con.close()


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def newest(rows, n: int) -> list[str]:
    """The n newest ids by publish instant (ties by id), computed here independently."""
    ordered = sorted(rows, key=lambda r: (-instant(r["published"]).timestamp(), r["id"]))
    return [r["id"] for r in ordered[:n]]


def feed_cmd(archive: Path, out: Path, *args: str):
    return sinacrawl("feed", str(archive), "-o", str(out), *args)


def article_id(entry_id: str) -> str:
    assert entry_id.startswith("tag:sinacrawl,2005:article/"), entry_id
    return entry_id.rsplit("/", 1)[1]


def essentials(path: Path) -> list[lxml.etree._Element]:
    """The Atom schema's essentials (RFC 4287 4.1): a feed and each entry carry exactly one
    id, title and updated; ids are absolute IRIs and unique; updated is an RFC 3339 time; an
    entry has an author and content. Returns the entries."""
    root = lxml.etree.parse(str(path)).getroot()
    assert root.tag == f"{ATOM}feed", root.tag
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
    for node in [root, *root.findall(f"{ATOM}entry")]:
        for name in ("id", "title", "updated"):
            found = node.findall(f"{ATOM}{name}")
            assert len(found) == 1, f"{path.name}: {len(found)} <{name}> in {node.tag}"
            assert (found[0].text or "").strip(), f"{path.name}: empty <{name}>"
        assert re.match(r"^[a-z][a-z0-9+.-]*:", node.findtext(f"{ATOM}id")), node.tag
        assert stamp.match(node.findtext(f"{ATOM}updated")), node.findtext(f"{ATOM}updated")
    entries = root.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids)), f"{path.name}: an id twice"
    for entry in entries:
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert entry.find(f"{ATOM}content") is not None
    return entries


def test_every_article_in_the_feeds_with_its_facts(archive, tmp_path):
    rows = index(archive)
    columns = {r["column_key"] for r in rows.values()}
    assert len(columns) >= 3, columns
    out = tmp_path / "feeds"
    before = listing(archive)
    done = feed_cmd(archive, out, "-n", str(len(rows)))
    assert done.returncode == 0, done.stderr
    assert listing(archive) == before  # read only: no file changed or left beside the index
    assert done.stdout.strip() == (
        f"sinacrawl feed: {len(columns) + 1} feeds ({len(columns) + 1} written, 0 unchanged) "
        f"in {out}"
    )
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.xml"))
    assert files == sorted(["all.xml", *(f"columns/{c}.xml" for c in columns)])
    seen: dict[str, int] = {}
    for path in out.rglob("*.xml"):
        essentials(path)
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        key = path.stem if path.parent.name == "columns" else None
        expected = {i for i, r in rows.items() if key is None or r["column_key"] == key}
        got = [article_id(e.id) for e in parsed.entries]
        assert set(got) == expected and len(got) == len(expected), path.name
        # newest first
        assert got == newest([rows[i] for i in expected], len(expected)), path.name
        for entry in parsed.entries:
            row = rows[article_id(entry.id)]
            seen[row["id"]] = seen.get(row["id"], 0) + 1
            assert entry.title == row["title"]
            assert entry.link == row["url"]  # Sina's page
            assert entry.author == (row["source"] or "新浪财经")
            assert [t.term for t in entry.tags][:2] == ["金融", "新浪财经"]
            assert entry.content[0].type == "text/html"
            assert entry.content[0].value.strip(), row["id"]
    assert set(seen) == set(rows)  # every article, in its column's feed and in all
    assert set(seen.values()) == {2}


def test_dates_are_the_publish_instant_in_beijing_time(archive, tmp_path):
    rows = index(archive)
    out = tmp_path / "feeds"
    assert feed_cmd(archive, out, "-n", str(len(rows))).returncode == 0
    raw = (out / "all.xml").read_text("utf-8")
    entries = essentials(out / "all.xml")
    assert len(entries) == len(rows)
    early = 0
    for entry in entries:
        row = rows[article_id(entry.findtext(f"{ATOM}id"))]
        published = entry.findtext(f"{ATOM}published")
        updated = entry.findtext(f"{ATOM}updated")
        # written in the article's zone: Beijing, +08:00
        assert published.endswith("+08:00") and updated.endswith("+08:00"), (published, updated)
        when = datetime.fromisoformat(published)
        assert when == instant(row["published"]), row["id"]
        assert when.strftime("%Y-%m-%dT%H:%M:%S") == instant(row["published"]).astimezone(
            BEIJING
        ).strftime("%Y-%m-%dT%H:%M:%S")
        later = datetime.fromisoformat(updated)
        if row["mtime"]:
            expected = max(when, datetime.fromtimestamp(row["mtime"], timezone.utc))
        else:
            expected = when
        assert later == expected, row["id"]
        early += when.astimezone(BEIJING).date() != when.astimezone(timezone.utc).date()
    assert early, "no article whose Beijing date is not its UTC date: the check is blind"
    assert any(
        r["mtime"] and r["mtime"] > instant(r["published"]).timestamp() for r in rows.values()
    )
    # the feed's updated is its newest entry's
    feed_updated = lxml.etree.parse(str(out / "all.xml")).getroot().findtext(f"{ATOM}updated")
    assert feed_updated == max(
        (e.findtext(f"{ATOM}updated") for e in entries), key=datetime.fromisoformat
    )
    assert "+08:00</published>" in raw


def test_newest_n_per_feed(archive, tmp_path):
    rows = index(archive)
    out = tmp_path / "feeds"
    assert feed_cmd(archive, out, "-n", "3").returncode == 0
    parsed = feedparser.parse((out / "all.xml").read_bytes())
    assert [article_id(e.id) for e in parsed.entries] == newest(rows.values(), 3)
    by_column: dict[str, list] = {}
    for row in rows.values():
        by_column.setdefault(row["column_key"], []).append(row)
    assert any(len(v) > 3 for v in by_column.values()), "no column above N: the check is blind"
    for key, members in by_column.items():
        parsed = feedparser.parse((out / "columns" / f"{key}.xml").read_bytes())
        assert [article_id(e.id) for e in parsed.entries] == newest(members, 3), key


def test_ids_stable_across_runs_and_modes(archive, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert feed_cmd(archive, first, "-n", "5").returncode == 0
    before = listing(first)
    again = feed_cmd(archive, first, "-n", "5")
    assert again.returncode == 0
    assert "(0 written, " in again.stdout and listing(first) == before  # untouched
    # more entries, another mode, a new crawl's worth of article: the same article, the same id
    assert feed_cmd(archive, second, "-n", "1000", "--site-url", SITE_URL).returncode == 0

    def ids(out):
        return {
            e.link.rsplit("/", 2)[-2] if "blog.example" in e.link else article_id(e.id): e.id
            for e in feedparser.parse((out / "all.xml").read_bytes()).entries
        }

    small, large = ids(first), ids(second)
    assert len(small) == 5 and len(large) == len(index(archive))
    for aid, entry_id in small.items():
        assert large[aid] == entry_id


def test_site_url_mode_links_the_hexo_posts(archive, tmp_path):
    rows = index(archive)
    out = tmp_path / "feeds"
    done = feed_cmd(archive, out, "-n", "1000", "--site-url", SITE_URL + "/")
    assert done.returncode == 0, done.stderr
    parsed = feedparser.parse((out / "all.xml").read_bytes())
    assert parsed.feed.link == SITE_URL + "/"
    for entry in parsed.entries:
        row = rows[article_id(entry.id)]
        day = instant(row["published"]).astimezone(BEIJING)
        stem = PurePosixPath(row["path"]).stem
        assert entry.link == f"{SITE_URL}/{day:%Y}/{day:%m}/{day:%d}/{stem}/"


def test_braces_and_markup_survive(archive, tmp_path):
    rows = index(archive)
    target = next(iter(sorted(rows.values(), key=lambda r: r["id"])))
    post = archive / target["path"]
    text = post.read_text("utf-8")
    head, body = text.split("\n---\n\n", 1)
    marked = f"<p>{escape_braces(BRACES)}<strong>加粗</strong> &lt;b&gt;文字&lt;/b&gt;</p>\n"
    body = body.replace("<div>\n", "<div>\n" + marked, 1)
    post.write_text(head + "\n---\n\n" + body, encoding="utf-8")
    assert "{" not in post.read_text("utf-8")
    out = tmp_path / "feeds"
    assert feed_cmd(archive, out, "-n", "1000").returncode == 0
    for path in (out / "all.xml", out / "columns" / f"{target['column_key']}.xml"):
        parsed = feedparser.parse(path.read_bytes())
        entry = next(e for e in parsed.entries if article_id(e.id) == target["id"])
        html = entry.content[0].value
        assert BRACES in html  # the reader sees the braces, not entities
        assert "<strong>加粗</strong>" in html  # markup is markup
        assert "&lt;b&gt;文字&lt;/b&gt;" in html  # and text that looks like markup stays text


def test_a_missing_post_is_left_out_loudly(archive, tmp_path):
    rows = index(archive)
    gone = sorted(rows)[0]
    (archive / rows[gone]["path"]).unlink()
    out = tmp_path / "feeds"
    done = feed_cmd(archive, out, "-n", "1000")
    assert done.returncode == 1
    assert done.stderr.strip() == f"sinacrawl feed: left out {gone}: post missing"
    got = [article_id(e.id) for e in feedparser.parse((out / "all.xml").read_bytes()).entries]
    assert sorted(got) == sorted(set(rows) - {gone})


@pytest.mark.parametrize(
    "args, words",
    [
        (["-n", "0"], "-n '0'"),
        (["-n", "abc"], "-n 'abc'"),
        (["--site-url", "ftp://x.org/"], "--site-url 'ftp://x.org/'"),
        (["--site-url", "blog"], "--site-url 'blog'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(archive, tmp_path, args, words):
    out = tmp_path / "feeds"
    done = feed_cmd(archive, out, *args)
    assert done.returncode == 2
    line = one_clear_line(done.stderr)
    assert line.startswith(f"sinacrawl feed: {words}"), line
    assert not out.exists()


def test_bad_folders_are_one_line_and_exit_2(archive, tmp_path):
    file = tmp_path / "file"
    file.write_text("x")
    done = feed_cmd(archive, file)
    assert done.returncode == 2 and "is a file" in one_clear_line(done.stderr)
    done = feed_cmd(tmp_path / "nowhere", tmp_path / "feeds")
    assert done.returncode == 2 and "no archive folder" in one_clear_line(done.stderr)
    (archive / "index.sqlite").unlink()
    done = feed_cmd(archive, tmp_path / "feeds")
    assert done.returncode == 2 and "sinacrawl repair" in one_clear_line(done.stderr)
    assert not (tmp_path / "feeds").exists()


def test_feeds_after_a_crawl(tmp_path):
    out, feeds = tmp_path / "archive", tmp_path / "feeds"
    done = run_crawl(
        "roll", out, "-s", "SINACRAWL_FEEDS=1", "-s", f"SINACRAWL_FEED_DIR={feeds}", replay=SITE
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = index(out)
    parsed = feedparser.parse((feeds / "all.xml").read_bytes())
    assert [article_id(e.id) for e in parsed.entries] == newest(rows.values(), 50)
    assert "feeds in " in done.stderr
    assert not report(out)["failed"]
    # the feeds cannot be written (their folder's parent is a file): counted, the run fails
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    done = run_crawl(
        "roll",
        out,
        "-s",
        "SINACRAWL_FEEDS=1",
        "-s",
        f"SINACRAWL_FEED_DIR={blocker / 'feeds'}",
        replay=SITE,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "could not write the feeds" in done.stderr
    run = report(out)
    assert run["failed"] and run["errors"]["feeds"] == 1, run
    assert any("feeds" in f for f in run["failures"])


def test_bad_feed_settings_stop_a_crawl_before_it_starts(tmp_path):
    out = tmp_path / "archive"
    done = run_crawl("roll", out, "-s", "SINACRAWL_FEEDS=1", "-s", "SINACRAWL_FEED_SIZE=0")
    assert done.returncode == 2
    said = [line for line in done.stderr.splitlines() if not line.startswith("20")]  # (log)
    assert said == [
        "sinacrawl: SINACRAWL_FEED_SIZE='0': give a whole number of entries, 1 or more; "
        "not starting"
    ], done.stderr
    assert not out.exists()


def test_a_read_only_archive(crawled):
    base = world_readable_dir()
    try:
        archive = copy_archive(crawled, base / "archive")
        for path in [archive, *archive.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        before = listing(archive)
        out = base / "feeds"
        out.mkdir()
        out.chmod(0o777)
        done = sinacrawl("feed", str(archive), "-o", str(out), as_nobody=True)
        assert done.returncode == 0, done.stderr
        assert listing(archive) == before
        entries = feedparser.parse((out / "all.xml").read_bytes()).entries
        assert len(entries) == min(50, len(index(archive)))
    finally:
        for path in [base, *base.rglob("*")]:
            path.chmod(0o755)
        shutil.rmtree(base)


def test_characters_xml_cannot_hold_are_dropped(archive, tmp_path):
    rows = index(archive)
    target = sorted(rows)[0]
    con = sqlite3.connect(archive / "index.sqlite")
    with con:
        con.execute(
            "UPDATE articles SET title = ?, source = ? WHERE id = ?",
            ("标题\x01\x0b结束", "来源\x1f", target),
        )
    con.close()
    out = tmp_path / "feeds"
    done = feed_cmd(archive, out, "-n", "1000")
    assert done.returncode == 0, done.stderr
    essentials(out / "all.xml")
    entry = next(
        e
        for e in feedparser.parse((out / "all.xml").read_bytes()).entries
        if article_id(e.id) == target
    )
    assert (entry.title, entry.author) == ("标题结束", "来源")


def test_site_url_mode_makes_the_sites_own_images_absolute(archive, tmp_path):
    # SINACRAWL_IMAGES=1 posts show /images/… from the site: a feed reader needs the host
    rows = index(archive)
    target = rows[sorted(rows)[0]]
    post = archive / target["path"]
    local = '<img src="/images/ab/abcd.png" referrerpolicy="no-referrer">'
    remote = '<img src="https://n.sinaimg.cn/x.png">'
    post.write_text(
        post.read_text("utf-8").replace("<div>\n", f"<div>\n<p>{local}{remote}</p>\n", 1),
        encoding="utf-8",
    )
    for args, expected in (
        (["--site-url", SITE_URL], "https://blog.example.org/images/ab/abcd.png"),
        ([], "/images/ab/abcd.png"),
    ):
        out = tmp_path / f"feeds{len(args)}"
        assert feed_cmd(archive, out, "-n", "1000", *args).returncode == 0
        entry = next(
            e
            for e in feedparser.parse((out / "all.xml").read_bytes()).entries
            if article_id(e.id) == target["id"]
        )
        srcs = lxml.html.fromstring(entry.content[0].value).xpath("//img/@src")
        assert expected in srcs and "https://n.sinaimg.cn/x.png" in srcs, srcs
