"""SqliteState's lookups: an article by id, through an alias, by URL; misses."""

from __future__ import annotations

from sinacrawl.state import Record, SqliteState


def _record(article_id: str, url: str, body: str = "b") -> Record:
    return Record(
        id=article_id,
        url=url,
        path=f"2022/02/{article_id}.md",
        title="t",
        source=None,
        published="2022-02-22T12:00:42+08:00",
        content_hash="c",
        body_hash=body,
        column_key="china",
        mtime=1645502442,
        first_crawled="2022-02-22T04:00:00+00:00",
        last_crawled="2022-02-22T04:00:00+00:00",
        version=1,
    )


def test_get_by_id_by_alias_and_by_url(tmp_path):
    state = SqliteState(tmp_path)
    a = _record("kyakumy8753215", "https://finance.sina.com.cn/a.shtml")
    state.begin_write(a, "tmp", None)
    state.finish_write(a)
    state.add_alias("kyakumy8753216", a.id, "https://finance.sina.com.cn/b.shtml")
    assert state.get(a.id) == a
    assert state.get("kyakumy8753216") == a  # an alias reads as the article it repeats
    assert state.get("kyakumy8753217") is None
    assert state.id_for_url(a.url) == a.id
    assert state.id_for_url("https://finance.sina.com.cn/b.shtml") == a.id  # (the alias's)
    assert state.id_for_url("https://finance.sina.com.cn/c.shtml") is None
    assert state.id_for_body("b") == a.id and state.id_for_body("x") is None
    assert state.count() == 1


def test_an_alias_of_an_alias_reads_as_the_article(tmp_path):
    state = SqliteState(tmp_path)
    a = _record("kyakumy8753215", "https://finance.sina.com.cn/a.shtml")
    state.finish_write(a)
    state.add_alias("kyakumy8753216", a.id, None)
    state.add_alias("kyakumy8753217", "kyakumy8753216", None)
    assert state.get("kyakumy8753217") == a
