"""The recordings besides article pages: roll-API replies, GBK list pages, robots.txt, and
the manifest (the truth tests read)."""

from __future__ import annotations

import json
import re

from fakesite.config import (
    API_TIMESTAMP,
    COLUMNS,
    GENERATOR,
    LIST_BASE,
    LIST_PER_PAGE,
    ROBOTS,
)
from fakesite.model import Article, api_url, bj


class Recordings:
    """The recording half of ``Site``."""

    def api_item(self, a: Article, column: str) -> dict:
        url = a.url
        if a.tracking_url and column != a.columns[0]:
            url = a.tracking_url
        intro = "".join(p for p in a.paras if len(p) > 14)[:64]
        item = {
            "docid": f"comos:{a.id}",
            "title": a.title,
            "stitle": a.title.split(" ")[0] if " " in a.title else a.title[:16],
            "intro": intro,
            "url": url,
            "wapurl": a.wapurl,
            "ctime": str(a.ctime),
            "intime": str(a.intime),
            "mtime": str(a.mtime),
            "media_name": a.source,
            "keywords": ",".join(a.keywords),
        }
        if a.img:
            size = re.search(r"/w(\d+)h(\d+)/", a.img)
            item["img"] = {
                "u": "https:" + a.img if a.img.startswith("//") else a.img,
                "w": int(size.group(1)) if size else 640,
                "h": int(size.group(2)) if size else 360,
            }
        return item

    @staticmethod
    def extra_item(e: dict) -> dict:
        return {
            "docid": f"comos:{e['id']}",
            "title": e["title"],
            "stitle": e["title"][:16],
            "intro": e["intro"],
            "url": e["url"],
            "wapurl": e["wapurl"],
            "ctime": str(e["ctime"]),
            "intime": str(e["ctime"] + 30),
            "mtime": str(e["ctime"] + 600),
            "media_name": e["media_name"],
            "keywords": e["keywords"],
        }

    def api_body(self, pageid: int, lid: int, total: int, data: list) -> dict:
        return {
            "result": {
                "status": {"code": 0, "msg": "succ"},
                "timestamp": API_TIMESTAMP,
                "total": total,
                "lid": str(lid),
                "pageid": str(pageid),
                "data": data,
            }
        }

    def write_api(self) -> None:
        keys = list(self.column_keys)
        if self.special:  # (the order of the recordings before every column was recorded)
            keys = list(dict.fromkeys(keys + ["dfjj", "bwdt", "jrxw"] + list(COLUMNS)))
        for key in keys:
            pageid, lid = COLUMNS[key][:2]
            entries = [
                (a.ctime, a.id, self.api_item(a, key)) for a in self.articles if key in a.columns
            ]
            entries += [
                (e["ctime"], e["id"], self.extra_item(e)) for e in self.extra_items.get(key, [])
            ]
            entries.sort(key=lambda e: (-e[0], e[1]))
            items = [e[2] for e in entries]
            pages = [items[i : i + self.page_size] for i in range(0, len(items), self.page_size)]
            pages.append([])  # the page after the last answers with empty data
            urls = []
            for n, data in enumerate(pages, 1):
                url = api_url(pageid, lid, self.page_size, n)
                urls.append(url)
                folder = f"api/{pageid}-{lid}-{n}"
                body = self.api_body(pageid, lid, len(items), data)
                raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
                if self.special and key == "dfjj" and n == 1:
                    raw = f"try{{feedCardJsonpCallback({raw});}}catch(e){{}};"
                    self.record(
                        folder,
                        url,
                        "body.json",
                        raw.encode("utf-8"),
                        {
                            "status": 200,
                            "headers": {"Content-Type": "application/javascript; charset=utf-8"},
                        },
                    )
                    self.specials.append(
                        {
                            "kind": "jsonp",
                            "url": url,
                            "column": key,
                            "note": "JSONP: try{feedCardJsonpCallback({...});}catch(e){};",
                        }
                    )
                    continue
                self.record(folder, url, "body.json", raw.encode("utf-8"))
            self.column_files[key] = {
                "pageid": pageid,
                "lid": lid,
                "total": len(items),
                "pages": len(pages) - 1,
                "urls": urls,
            }
        if self.special:
            self.write_odd_lists()

    def write_lists(self) -> None:
        tpl_path = self.templates_dir / "not_article_list" / "page.html"
        page_tpl = tpl_path.read_bytes().decode("gbk") if tpl_path.is_file() else FALLBACK_LIST
        last = len(self.list_chunks)
        for n, chunk in enumerate(self.list_chunks, 1):
            lis = "\n".join(
                f'<li><a href="http://{a.url.split("://", 1)[1]}" target="_blank">{a.title}</a>'
                f"<span>({bj(a.ctime):%m月%d日 %H:%M})</span></li>"
                for a in chunk
            )
            pager = ['<div class="pagebox">']
            prev = LIST_BASE.format(n=n - 1)
            pager.append(
                '<span class="pagebox_pre_nolink">上一页</span>'
                if n == 1
                else f'<span class="pagebox_pre"><a href="{prev}">上一页</a></span>'
            )
            for k in range(1, last + 1):
                pager.append(
                    f'<span class="pagebox_num_nonce">{k}</span>'
                    if k == n
                    else f'<span class="pagebox_num"><a href="{LIST_BASE.format(n=k)}">{k}</a>'
                    "</span>"
                )
            pager.append(
                f'<span class="pagebox_next"><a href="{LIST_BASE.format(n=n + 1)}">下一页</a>'
                "</span>"
                if n < last
                else '<span class="pagebox_next_nolink">下一页</span>'
            )
            pager.append("</div>")
            items_html, pager_html = "\n" + lis + "\n", "\n" + "\n".join(pager) + "\n"
            html = re.sub(
                r'(<ul class="list_009">).*?(</ul>)',
                lambda m, x=items_html: m.group(1) + x + m.group(2),
                page_tpl,
                count=1,
                flags=re.S,
            )
            html = re.sub(
                r"(<!-- 分页 begin -->).*?(<!-- 分页 end -->)",
                lambda m, x=pager_html: m.group(1) + x + m.group(2),
                html,
                count=1,
                flags=re.S,
            )
            url = LIST_BASE.format(n=n)
            self.list_pages.append(url)
            self.record(
                f"list/zq1-{n}",
                url,
                "page.html",
                html.encode("gbk"),
                {"status": 200, "headers": {"Content-Type": "text/html; charset=gbk"}},
            )

    def write_robots(self) -> None:
        for host, lines in ROBOTS.items():
            body = (
                f"# robots.txt for {host}\nUser-agent: *\n" + "\n".join(lines) + "\n\n"
                "User-agent: Baiduspider\nDisallow: /iframe/\n"
            )
            self.record(
                f"robots/{host}",
                f"https://{host}/robots.txt",
                "body",
                body.encode("ascii"),
                {"status": 200, "headers": {"Content-Type": "text/plain"}},
            )

    def manifest(self) -> dict:
        arts = []
        for a in sorted(self.articles, key=lambda a: (-a.ctime, a.id)):
            entry = {
                "id": a.id,
                "url": a.url,
                "column": a.column,
                "columns": a.columns,
                "ctime": a.ctime,
                "published": bj(a.ctime).isoformat(),
                "intime": a.intime,
                "mtime": a.mtime,
                "title": a.title,
                "template": a.template,
                "encoding": self.templates[a.template].encoding,
                "kind": a.kind,
                "source": a.source,
                "editor": ("责任编辑：" + a.editor) if a.editor else None,
                "keywords": a.keywords,
                "keywords_on_page": self.templates[a.template].n_kw > 0,
                "wapurl": a.wapurl,
                "image": a.img,
                "body_contains": a.snippets,
                "paragraphs": len(a.paras),
                "lists": a.lists,
                "recording": a.folder,
            }
            if a.tracking_url:
                entry["tracking_url"] = a.tracking_url
            if a.special:
                entry["special"] = a.special
            arts.append(entry)
        return {
            "generator": GENERATOR,
            "seed": self.seed,
            "articles_requested": self.n,
            "page_size": self.page_size,
            "special": self.special,
            **({"real_size": True} if self.real_size else {}),
            "api_timestamp": API_TIMESTAMP,
            "counts": {"articles": len(arts), "recordings": len(self.recordings)},
            "columns": self.column_files,
            "lists": {
                "zq1": {"urls": self.list_pages, "per_page": LIST_PER_PAGE, "encoding": "gbk"}
            },
            "robots": [f"https://{h}/robots.txt" for h in ROBOTS],
            "specials": self.specials,
            "images": self.images,  # type: ignore[attr-defined]
            "not_recorded": {
                "wapurl": "mobile twins in the roll items' wapurl are not recorded, except the "
                "mobile articles whose url is on finance.sina.cn",
                "img": "roll items' img.u thumbnails are not recorded; without --special, "
                "neither are the pages' images",
                "list_next": "the page after the last zq1 list page (which has no next link)",
            },
            "articles": arts,
        }


FALLBACK_LIST = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk" />
<title>证券要闻_滚动新闻_新浪财经_新浪网</title></head>
<body><div class="listBlk"><div class="bd">
<!-- 列表 begin -->
<ul class="list_009"></ul>
<!-- 列表 end -->
<!-- 分页 begin -->
<!-- 分页 end -->
</div></div></body></html>
"""
