"""Nothing is written outside the output folder, whatever an id holds (README, "Writes").

Hostile ids go through ``post_path`` (the path a post gets) and ``resolve_inside`` (the last
guard before a write): the result is a path inside the root with no segment over 255 bytes, or
``UnsafePath``; never a path outside. A symlink inside the output folder that points outside
is refused. Then the real ``WritePipeline`` (built from a crawler, ``open_spider`` then
``process_item``) is handed items with those ids, validation bypassed: it writes inside the
root or drops the item, and the folder around the root is byte-for-byte unchanged.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

import pytest
from scrapy.exceptions import DropItem

from sinacrawl.render import post_path
from sinacrawl.storage import UnsafePath, resolve_inside

BEIJING = timezone(timedelta(hours=8))
PUBLISHED = datetime(2022, 2, 22, 12, 0, 42, tzinfo=BEIJING)
URL = "https://finance.sina.com.cn/china/2022-02-22/doc-ikyakumy8753215.shtml"

HOSTILE_IDS = [
    "../../etc/passwd",
    "/etc/passwd",
    "..\\..\\windows\\win.ini",
    "a/../../b",
    "a/../../../../../../../../tmp/x",
    "a\x00b",
    "\x00",
    "x\x01\x1f\x7f\x9b\u2028y",
    "foo\nbar\r.md",
    "x" * 300,
    "é" * 150,  # 300 bytes in UTF-8
    "新" * 100,  # 300 bytes in UTF-8
    "CON",
    "nul.txt",
    "COM1",
    "lpt9.md",
    "aux.",
    ".hidden",
    ".",
    "..",
    "...",
    "",
    "‥",
    "‥/‥/etc",
    "．．／．．／etc",
    "\u2024\u2024/\u2024\u2024/etc",
    "..\u2215..\u2215etc",
    "..%2f..%2fetc",
    "%2e%2e/%2e%2e/etc",
    "....//....//etc",
    "~/x",
    "~root",
    "//server/share",
    "\\\\server\\share",
    "C:\\Windows\\x",
    "c:",
    "ab\u202ecd",
    "\ufeff",
    "/",
    "a/",
    "kyakumy8753215",
]
TEMPLATES = ["{year}/{month}/{id}.md", "{id}.md", "{year}/{month}/{day}/{id}.md", "{id}"]
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)


def test_corpus_size():
    assert len(set(HOSTILE_IDS)) >= 15


def check_resolved(root: Path, rel: str) -> Path | None:
    """resolve_inside's answer, checked: a path inside root (returned) or UnsafePath (None)."""
    try:
        target = resolve_inside(root, rel)
    except UnsafePath:
        return None
    real_root = root.resolve()
    assert target.is_absolute()
    assert target != real_root and target.is_relative_to(real_root), f"{rel!r} → {target}"
    # and really inside: resolving again (symlinks followed) stays inside
    assert Path(os.path.realpath(target)).is_relative_to(real_root), f"{rel!r} → {target}"
    for part in target.relative_to(real_root).parts:
        assert len(part.encode("utf-8")) <= 255, f"segment of {len(part.encode())} bytes"
    return target


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(
    "hostile", HOSTILE_IDS, ids=[f"id{i:02d}" for i in range(len(HOSTILE_IDS))]
)
def test_post_path_then_resolve_inside(tmp_path, hostile, template):
    root = tmp_path / "out"
    root.mkdir()
    rel = post_path(hostile, PUBLISHED, template)
    parts = PurePosixPath(rel).parts
    assert not PurePosixPath(rel).is_absolute() and parts, rel
    for part in parts:
        assert part not in (".", "..") and not part.startswith("."), rel
        assert not re.search(r"[\x00-\x1f\x7f\\/:]", part), rel
        assert not _WINDOWS_RESERVED.match(part), rel
        assert len(part.encode("utf-8")) <= 255, rel
    check_resolved(root, rel)


@pytest.mark.parametrize(
    "hostile", HOSTILE_IDS, ids=[f"id{i:02d}" for i in range(len(HOSTILE_IDS))]
)
def test_post_path_keeps_the_template_suffix(hostile):
    # "{year}/{month}/{id}.md" is a Markdown post whatever the id: a file without .md is not a
    # post to Hexo (it is copied to the site as a raw asset instead).
    assert post_path(hostile, PUBLISHED).endswith(".md")


@pytest.mark.parametrize(
    "hostile", HOSTILE_IDS, ids=[f"id{i:02d}" for i in range(len(HOSTILE_IDS))]
)
def test_resolve_inside_alone_on_raw_ids(tmp_path, hostile):
    # The last guard on its own, with no post_path before it: inside root, or UnsafePath.
    root = tmp_path / "out"
    root.mkdir()
    for rel in (hostile, f"2022/02/{hostile}.md"):
        check_resolved(root, rel)


def test_resolve_inside_refuses_what_escapes(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    for rel in (
        "../x",
        "a/../../x",
        "/etc/passwd",
        str(tmp_path / "x"),
        "",
        ".",
        "a/..",
        "x" * 256,
        "2022/" + "é" * 128 + ".md",
    ):
        with pytest.raises(UnsafePath):
            resolve_inside(root, rel)


def _outside_with_symlinks(tmp_path: Path) -> tuple[Path, Path]:
    root, outside = tmp_path / "out", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "02").mkdir()
    return root, outside


def test_symlinked_folder_pointing_outside_is_refused(tmp_path):
    root, outside = _outside_with_symlinks(tmp_path)
    (root / "2022").symlink_to(outside, target_is_directory=True)
    rel = post_path("kyakumy8753215", PUBLISHED)
    assert rel == "2022/02/kyakumy8753215.md"
    with pytest.raises(UnsafePath):
        resolve_inside(root, rel)


def test_symlinked_file_pointing_outside_is_refused(tmp_path):
    root, outside = _outside_with_symlinks(tmp_path)
    (root / "2022" / "02").mkdir(parents=True)
    (outside / "victim.md").write_text("keep me\n")
    (root / "2022" / "02" / "kyakumy8753215.md").symlink_to(outside / "victim.md")
    (root / "2022" / "02" / "kyakumy8753216.md").symlink_to(outside / "not-yet.md")  # dangling
    for article_id in ("kyakumy8753215", "kyakumy8753216"):
        with pytest.raises(UnsafePath):
            resolve_inside(root, post_path(article_id, PUBLISHED))


def test_remembered_folders_still_refuse_what_points_outside(tmp_path):
    # the writer resolves each folder once (``folders``); the file name is still checked
    root, outside = _outside_with_symlinks(tmp_path)
    root = root.resolve()
    (root / "2022" / "02").mkdir(parents=True)
    (root / "2023").symlink_to(outside, target_is_directory=True)
    folders: dict = {}
    first = resolve_inside(root, post_path("kyakumy8753214", PUBLISHED), folders)
    assert first == root / "2022" / "02" / "kyakumy8753214.md" and "2022/02" in folders
    (root / "2022" / "02" / "kyakumy8753215.md").symlink_to(outside / "victim.md")
    with pytest.raises(UnsafePath):
        resolve_inside(root, post_path("kyakumy8753215", PUBLISHED), folders)
    with pytest.raises(UnsafePath):
        resolve_inside(root, "2023/02/kyakumy8753216.md", folders)
    assert "2023/02" not in folders
    with pytest.raises(UnsafePath):
        resolve_inside(root, "2022/../../outside/02/x.md", folders)


def test_symlink_inside_the_root_pointing_inside_is_fine(tmp_path):
    root, _outside = _outside_with_symlinks(tmp_path)
    (root / "real2022").mkdir()
    (root / "2022").symlink_to(root / "real2022", target_is_directory=True)
    target = check_resolved(root, post_path("kyakumy8753215", PUBLISHED))
    assert target == (root / "real2022" / "02" / "kyakumy8753215.md").resolve()


# -- the real writer -----------------------------------------------------------------------


def _snapshot(folder: Path, skip: Path) -> dict:
    """Every entry under ``folder`` except ``skip``: path → (kind, size, mtime_ns, link)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        if here == skip or skip in here.parents:
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if here / d != skip]
        for name in dirnames + filenames:
            p = here / name
            st = p.lstat()
            link = os.readlink(p) if p.is_symlink() else None
            out[str(p)] = (st.st_mode, st.st_size, st.st_mtime_ns, link)
    return out


def _pipeline(root: Path):
    from scrapy.utils.test import get_crawler

    import sinacrawl.settings as project_settings
    from pipelines.write import WritePipeline

    settings = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    settings["SINACRAWL_OUTPUT_DIR"] = str(root)
    crawler = get_crawler(settings_dict=settings)
    pipe = WritePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe


def _item(article_id: str):
    from sinacrawl.items import ArticleItem

    return ArticleItem(
        id=article_id,
        url=URL,
        fetched_url=URL,
        title="人社部：测试",
        published=PUBLISHED,
        source="中国新闻网",
        keywords=[],
        editor="责任编辑：王蒙",
        images=[],
        og_image=None,
        body_html="<p>　　正文</p>",
        body='<p>　　正文。</p>\n<p class="article-editor">责任编辑：王蒙</p>',
    )


def _pipeline_ids(tmp_path: Path) -> list[str]:
    # Absolute ids aim at this test's own folder, never at real system files.
    return [h.replace("/etc/passwd", f"{tmp_path}/outside/passwd") for h in HOSTILE_IDS] + [
        f"{tmp_path}/outside/abs",
        "../" * 8 + "escaped",
        "../../outside/02/escaped",
    ]


@pytest.mark.parametrize("n", range(len(HOSTILE_IDS) + 3), ids=lambda n: f"id{n:02d}")
def test_write_pipeline_never_writes_outside(tmp_path, n):
    root, outside = _outside_with_symlinks(tmp_path)
    hostile = _pipeline_ids(tmp_path)[n]
    pipe = _pipeline(root)
    watch = tmp_path.parent  # this test's folder and its siblings
    import gc

    gc.collect()  # an earlier test's SQLite handle, collected mid-test, would tidy its WAL files
    before = _snapshot(watch, skip=root)
    root_before = set(root.rglob("*"))
    try:
        pipe.process_item(_item(hostile))
        written = True
    except DropItem:
        written = False
    finally:
        pipe.close_spider()
    assert _snapshot(watch, skip=root) == before, "something outside the output folder changed"
    new_posts = [
        p
        for p in set(root.rglob("*")) - root_before
        if p.is_file() and p.name != "index.sqlite" and not p.name.startswith("index.sqlite")
    ]
    if written:
        assert len(new_posts) == 1, new_posts
        assert new_posts[0].resolve().is_relative_to(root.resolve())
        assert new_posts[0].read_text(encoding="utf-8").startswith("---\ntitle: '人社部：测试'\n")
    else:
        assert new_posts == []


def test_write_pipeline_drops_through_a_symlink_pointing_outside(tmp_path):
    root, outside = _outside_with_symlinks(tmp_path)
    (root / "2022").symlink_to(outside, target_is_directory=True)
    pipe = _pipeline(root)
    import gc

    gc.collect()
    before = _snapshot(tmp_path.parent, skip=root)
    with pytest.raises(DropItem, match="unsafe_path"):
        pipe.process_item(_item("kyakumy8753215"))
    pipe.close_spider()
    assert _snapshot(tmp_path.parent, skip=root) == before
    assert list(outside.rglob("*")) == [outside / "02"]


def test_an_alias_with_a_body_of_its_own_leaves_the_original_post(tmp_path):
    root = tmp_path / "out"
    pipe = _pipeline(root)
    try:
        pipe.process_item(_item("kyakumy8753215"))
        original = root / "2022" / "02" / "kyakumy8753215.md"
        before = original.read_bytes()
        pipe.state.add_alias("kyakumy8753216", "kyakumy8753215", URL)
        twin = _item("kyakumy8753216")
        twin["body"] = "<p>　　另一篇。</p>"
        pipe.process_item(twin)
        assert original.read_bytes() == before
        assert (root / "2022" / "02" / "kyakumy8753216.md").is_file()
        assert pipe.state.get("kyakumy8753216").id == "kyakumy8753216"
        assert pipe.state.get("kyakumy8753215").path == "2022/02/kyakumy8753215.md"
    finally:
        pipe.close_spider()
