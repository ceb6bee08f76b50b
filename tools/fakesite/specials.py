"""--special: the odd recordings a crawler must survive (JSONP, empty and malformed replies,
a news page in a finance list, a video page, tracking parameters, a deleted article) and
the listings that record every column of the table."""

from __future__ import annotations

import json
import random
from datetime import datetime

from fakesite.config import BEIJING, COLUMNS, MISSING_ARTICLE_TITLE, ODD_LISTS
from fakesite.model import api_url, bj


class Specials:
    """The ``--special`` half of ``Site``."""

    def plan_specials(self) -> None:
        """--special: the odd recordings a crawler must survive (see README)."""
        rng = random.Random(self.seed * 7919 + 17)
        first = self.column_keys[0]
        newest = sorted(self.articles, key=lambda a: (-a.ctime, a.id))
        plain = [a for a in newest if a.kind == "finance" and len(a.columns) == 1]
        # a JSONP-wrapped reply for (155, 1688): six articles that only that column lists
        for a in plain[1:31:5][:6]:
            a.column, a.columns, a.special = "dfjj", ["dfjj"], "jsonp_column"
        # a news.sina.com.cn article among the newest of the first column
        news = next(a for a in plain if a.column == first and a.special is None)
        news.kind, news.template, news.special = (
            "news",
            self.pick(rng, self.news_pool),
            "news_in_list",
        )
        # an article listed twice: clean in the first column, with tracking params in another
        other = next((k for k in self.column_keys if k != first), None)
        trk = next(
            a
            for a in plain
            if a.column == first
            and a.special is None
            and self.templates[a.template].encoding == "utf-8"
        )
        trk.special = "tracking_params"
        if other:
            trk.columns = [first, other]
        # a video page and a deleted (unrecorded) article, both listed in the first column
        vid = self.new_id(rng)
        vtime = int(datetime(2026, 11, 20, 16, 42, 5, tzinfo=BEIJING).timestamp())
        vurl = f"https://video.sina.com.cn/p/finance/2026-11-20/detail-i{vid}.d.html"
        did = self.new_id(rng)
        dtime = newest[2].ctime - 7
        durl = f"https://finance.sina.com.cn/china/gncj/{bj(dtime):%Y-%m-%d}/doc-i{did}.shtml"
        self.video = {
            "id": vid,
            "url": vurl,
            "ctime": vtime,
            "title": "视频｜" + self.new_title(rng).replace(" ", "，"),
        }
        self.extra_items.setdefault(first, []).extend(
            [
                {
                    "id": vid,
                    "url": vurl,
                    "wapurl": f"https://video.sina.cn/finance/2026-11-20/detail-i{vid}.d.html",
                    "ctime": vtime,
                    "title": self.video["title"],
                    "media_name": "新浪财经视频",
                    "keywords": "视频,财经",
                    "intro": "视频：" + self.video["title"],
                },
                {
                    "id": did,
                    "url": durl,
                    "wapurl": f"https://finance.sina.cn/china/gncj/{bj(dtime):%Y-%m-%d}/detail-i{did}.d.html",
                    "ctime": dtime,
                    "title": MISSING_ARTICLE_TITLE,
                    "media_name": "中国经营报",
                    "keywords": "产业政策,地方经济",
                    "intro": "某地调整产业扶持政策。",
                },
            ]
        )
        self.specials += [
            {
                "kind": "news_in_list",
                "id": news.id,
                "column": first,
                "note": "a news.sina.com.cn article (news template) in the roll list",
            },
            {
                "kind": "tracking_params",
                "id": trk.id,
                "columns": trk.columns,
                "note": f"listed clean in {first} and with ?cre=financepagepc&mod=f&loc=4 in "
                f"{other}; both URLs are recorded with the same page",
            },
            {
                "kind": "video",
                "id": vid,
                "url": vurl,
                "column": first,
                "recorded": True,
                "note": "video page: recorded, but has no article container (not an article)",
            },
            {
                "kind": "missing",
                "id": did,
                "url": durl,
                "column": first,
                "recorded": False,
                "note": "in the roll API but deliberately not recorded (answers 404: deleted)",
            },
        ]

    def plan_table_listings(self) -> None:
        """--special: every column of COLUMNS (the default column table) lists articles, so
        ``-a columns=all`` replays the whole table. A column none of the site's articles was
        generated in lists a few of them a second time, as Sina lists one article in several
        columns: articles whose URL path fits the column where there are enough, else any.
        Each column draws on an RNG of its own, after every article is built, so the
        articles and the replies of the generated columns are the same bytes as without it.
        Special articles are left alone and no article is listed in more than two columns."""
        listed = {k for a in self.articles for k in a.columns}
        for key, (_pageid, _lid, paths, mpath, _w) in COLUMNS.items():
            if key in listed:
                continue
            rng = random.Random(f"sitegen-{self.seed}-table-{key}")
            free = [a for a in self.articles if a.special is None and len(a.columns) == 1]
            prefixes = tuple(
                ["finance.sina.com.cn/" + p for p in paths]
                + [f"finance.sina.cn/{mpath}/"]
                + (["news.sina.com.cn/"] if key == "news" else [])
            )
            fits = [a for a in free if a.url.split("://", 1)[1].startswith(prefixes)]
            pool = fits if len(fits) >= 3 else free
            for a in rng.sample(pool, min(len(pool), rng.randint(3, 6))):
                a.columns.append(key)

    def write_odd_lists(self) -> None:
        """--special: two roll-API lists of no column of the table (so ``-a columns=all``
        never meets them): one whose first page answers ``data: []`` and ``total`` 0, one
        that answers an HTML error page with status 200. Tests serve them in place of a
        column's reply."""
        pageid, lid = ODD_LISTS["empty"]
        url = api_url(pageid, lid, self.page_size, 1)
        raw = json.dumps(
            self.api_body(pageid, lid, 0, []), ensure_ascii=False, separators=(",", ":")
        )
        self.record(f"api/{pageid}-{lid}-1", url, "body.json", raw.encode("utf-8"))
        self.specials.append(
            {
                "kind": "empty",
                "url": url,
                "column": None,
                "note": "a list of no column of the table: its first page answers with "
                "data: [] and total 0 (tests serve it in place of a column's reply)",
            }
        )
        pageid, lid = ODD_LISTS["malformed"]
        url = api_url(pageid, lid, self.page_size, 1)
        self.record(
            f"api/{pageid}-{lid}-1",
            url,
            "page.html",
            MALFORMED_PAGE.encode("utf-8"),
            {"status": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}},
        )
        self.specials.append(
            {
                "kind": "malformed",
                "url": url,
                "column": None,
                "note": "a list of no column of the table: an HTML error page with status 200 "
                "instead of JSON (tests serve it in place of a column's reply)",
            }
        )

    def write_video(self) -> None:
        v = self.video
        html = VIDEO_PAGE.format(
            title=v["title"],
            id=v["id"],
            url=v["url"],
            time=bj(v["ctime"]).strftime("%Y-%m-%d %H:%M:%S"),
            vid=int(v["id"][7:]) + 300000000,
        )
        self.record(f"video/{v['id']}", v["url"], "page.html", html.encode("utf-8"))


MALFORMED_PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>系统繁忙</title></head>
<body>
<div class="error-box" style="margin:80px auto;width:480px;text-align:center;">
<h1>系统繁忙，请稍后再试</h1>
<p>error code: 10021 (upstream timeout)</p>
</div>
</body>
</html>
"""

VIDEO_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}_新浪视频</title>
<meta name="keywords" content="视频,财经">
<meta property="og:type" content="video">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="//n.sinaimg.cn/default/2fb77759/20151125/320X320.png">
<meta name="publishid" content="{id}">
<meta name="comment" content="sp:comos-{id}">
<script>
var $SCOPE = {{ video_id: '{vid}', pid: '1', vid: '{vid}', docid: '{id}', channel: 'sp' }};
</script>
</head>
<body>
<div class="sina-header"><a href="https://video.sina.com.cn/">新浪视频</a> <a href="https://finance.sina.com.cn/">财经</a></div>
<div class="video-wrap" id="videoWrap">
  <h2 class="video-title">{title}</h2>
  <div class="video-info"><span class="video-time">{time}</span>
    <span class="video-source">新浪财经视频</span></div>
  <div class="video-player" id="videoPlayer" data-vid="{vid}"><!-- player (JavaScript) --></div>
  <div class="video-related" id="videoRelated"><!-- related videos (JavaScript) --></div>
</div>
<script src="//n.sinaimg.cn/video/player/js/player.min.js"></script>
</body>
</html>
"""
