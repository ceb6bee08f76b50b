"""The site: which articles exist (the plan), each article's page built from its template,
and the order in which everything is recorded."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from urllib.parse import quote

from fakesite.config import (
    COLUMNS,
    FINANCE_TEMPLATES,
    LIST_PER_PAGE,
    MOBILE_TEMPLATES,
    NEWEST,
    NEWS_TEMPLATES,
)
from fakesite.images import Images, page_images
from fakesite.model import Article, bj
from fakesite.recordings import Recordings
from fakesite.specials import Specials
from fakesite.template import Template, load_templates
from fakesite.words import KEYWORDS, MEDIA, make_id, make_title, person_name


class Site(Specials, Recordings, Images):
    def __init__(
        self,
        out: Path,
        n: int,
        seed: int,
        columns: list[str],
        page_size: int,
        special: bool,
        templates_dir: Path,
        real_size: bool = False,
    ):
        self.out, self.n, self.seed, self.page_size, self.special = out, n, seed, page_size, special
        self.column_keys = columns
        self.rng = random.Random(seed)
        self.templates_dir = templates_dir
        self.real_size = real_size
        tpl_names = list(FINANCE_TEMPLATES) + list(NEWS_TEMPLATES) + list(MOBILE_TEMPLATES)
        self.templates = load_templates(templates_dir, tpl_names)
        self.finance_pool = {k: w for k, w in FINANCE_TEMPLATES.items() if k in self.templates}
        if not self.finance_pool:
            raise SystemExit(f"sitegen: no finance templates in {templates_dir}")
        self.news_pool = {
            k: w for k, w in NEWS_TEMPLATES.items() if k in self.templates
        } or self.finance_pool
        self.mobile_pool = {
            k: w for k, w in MOBILE_TEMPLATES.items() if k in self.templates
        } or self.finance_pool
        self.ids: set[str] = set()
        self.titles: set[str] = set()
        self.bodies: set[str] = set()
        self.articles: list[Article] = []
        self.extra_items: dict[str, list[dict]] = {}  # column -> special roll items (not articles)
        self.specials: list[dict] = []
        self.recordings: list[str] = []
        self.column_files: dict[str, dict] = {}
        self.list_pages: list[str] = []
        self.image_urls: list[str] = []
        self.images: list[dict] = []

    # ids, titles
    def new_id(self, rng: random.Random) -> str:
        while True:
            i = make_id(rng)
            if i not in self.ids:
                self.ids.add(i)
                return i

    def new_title(self, rng: random.Random) -> str:
        for _ in range(1000):
            t = make_title(rng)
            if t not in self.titles and len(t) <= 34:
                self.titles.add(t)
                return t
        raise RuntimeError("cannot find a fresh title")

    @staticmethod
    def pick(rng: random.Random, weights: dict[str, int]) -> str:
        keys = list(weights)
        return rng.choices(keys, [weights[k] for k in keys])[0]

    # -- plan ------------------------------------------------------------------------------
    def plan(self) -> None:
        rng = self.rng
        colw = {k: COLUMNS[k][4] for k in self.column_keys}
        t = int(NEWEST.timestamp())
        for _ in range(self.n):
            r = rng.random()
            kind = "news" if r < 0.05 else "mobile" if r < 0.07 else "finance"
            pool = {"news": self.news_pool, "mobile": self.mobile_pool}.get(kind, self.finance_pool)
            template = self.pick(rng, pool)
            t -= int(rng.expovariate(1 / 3000)) + 40
            ctime = t
            if self.templates[template].minute_only:
                ctime -= ctime % 60
            column = self.pick(rng, colw)
            a = Article(
                id=self.new_id(rng),
                kind=kind,
                template=template,
                column=column,
                ctime=ctime,
                seed=rng.getrandbits(48),
                columns=[column],
            )
            self.articles.append(a)
        if len(self.column_keys) > 1:  # about 3% of the articles are listed in two columns
            for a in rng.sample(self.articles, max(1, round(0.03 * self.n))):
                a.columns.append(rng.choice([k for k in self.column_keys if k != a.column]))
        if self.special:
            self.plan_specials()
        # list pages: the oldest desktop finance articles, 40 a page, 2 or 3 pages
        eligible = sorted(
            (a for a in self.articles if a.kind == "finance"), key=lambda a: (a.ctime, a.id)
        )
        pages = (
            3
            if len(eligible) >= 3 * LIST_PER_PAGE
            else 2
            if len(eligible) >= 2 * LIST_PER_PAGE
            else max(1, -(-len(eligible) // LIST_PER_PAGE))
        )
        chosen = sorted(eligible[: pages * LIST_PER_PAGE], key=lambda a: (-a.ctime, a.id))
        self.list_chunks = [
            chosen[i : i + LIST_PER_PAGE] for i in range(0, len(chosen), LIST_PER_PAGE)
        ]
        for n, chunk in enumerate(self.list_chunks, 1):
            for a in chunk:
                a.lists.append(f"zq1-{n}")

    # -- fill in each article ------------------------------------------------------------------
    def build_article(self, a: Article) -> bytes:
        rng = random.Random(a.seed)
        tpl = self.templates[a.template]
        day = bj(a.ctime)
        date = f"{day:%Y-%m-%d}"
        spec = COLUMNS[a.column]
        if a.kind == "news":
            a.url = f"https://news.sina.com.cn/c/{date}/doc-i{a.id}.shtml"
            mpath = "china/gncj"
        elif a.kind == "mobile":
            mpath = spec[3]
            a.url = f"https://finance.sina.cn/{mpath}/{date}/detail-i{a.id}.d.html"
        else:
            path = rng.choice(spec[2])
            a.url = f"https://finance.sina.com.cn/{path}{date}/doc-i{a.id}.shtml"
            mpath = spec[3]
        a.wapurl = f"https://finance.sina.cn/{mpath}/{date}/detail-i{a.id}.d.html"
        a.title = self.new_title(rng)
        a.keywords = rng.sample(KEYWORDS, max(tpl.n_kw, 2))
        a.source = rng.choice(MEDIA)
        name = person_name(rng)
        a.editor = (
            (name + (f" SF0{rng.randint(10, 99)}" if rng.random() < 0.3 else ""))
            if tpl.has_editor
            else None
        )
        a.mtime = a.ctime + tpl.max_offset + rng.randint(60, 3 * 3600)
        a.intime = a.ctime + min(rng.randint(0, 90), a.mtime - a.ctime)
        for _ in range(50):
            vals, paras, _caps = tpl.body_values(rng, rng.choice((0, 0, 1, 2, 3)))
            digest = hashlib.sha1("".join(paras).encode()).digest()
            if digest not in self.bodies:
                self.bodies.add(digest)
                break
        else:  # pragma: no cover
            raise RuntimeError("cannot make a fresh body")
        a.paras = paras
        urlhp = a.url.split("://", 1)[1]
        vals.update(
            {
                "ID": a.id,
                "NUMID": a.id[7:],
                "URLHP": urlhp,
                "URLHPQ": quote(urlhp, safe=""),
                "WAPHP": a.wapurl.split("://", 1)[1],
                "TITLE": a.title,
                "TITLEQ": quote(a.title, safe=""),
                "KW": ",".join(a.keywords),
                "KWBAR": "|" + "|".join(a.keywords),
                "EDITOR": a.editor or "",
                "SOURCE": a.source,
                "DATE": date,
                "YMD": f"{day:%Y%m%d}",
                "YEAR": f"{day:%Y}",
            }
        )
        for i, k in enumerate(a.keywords):
            vals[f"KW{i}"] = k
        text = "".join(p for p in paras if len(p) > 14)
        vals["DESC"] = text[: tpl.desc_len] + tpl.desc_suffix
        base_min = a.ctime - a.ctime % 60
        for name_, (off, fmt) in tpl.tspecs.items():
            when = (
                a.mtime
                if name_.startswith("M")
                else (base_min if "%S" not in fmt else a.ctime) + off
            )
            vals[name_] = bj(when).strftime(fmt)
        # snippets a test can look for in the extracted body: from single text pieces
        a.snippets = self.snippets(tpl, vals, rng)
        if tpl.first_image:  # the same substitutions the page got
            img = tpl.first_image.replace(tpl.old_id, a.id) if tpl.old_id else tpl.first_image
            a.img = re.sub(r"(?<!\d)" + tpl.base_ymd + r"(?!\d)", f"{day:%Y%m%d}", img)
        return tpl.render(vals, a.seed if self.real_size else None)

    @staticmethod
    def snippets(tpl: Template, vals: dict, rng: random.Random) -> list[str]:
        paras = [gi for gi, g in enumerate(tpl.groups) if g.kind == "para"]
        picks = [paras[0], paras[len(paras) // 2], paras[-1]] if paras else []
        out = []
        for gi in dict.fromkeys(picks):
            g = tpl.groups[gi]
            pieces = [vals[f"B{gi}.{pi}"] for pi in range(len(g.pieces))]
            longest = max(pieces, key=len)
            n = min(len(longest), 24)
            s = rng.randint(0, len(longest) - n)
            out.append(longest[s : s + n])
        return out

    # -- writing ---------------------------------------------------------------------------------
    def record(
        self, folder: str, url: str, name: str, body: bytes, meta: dict | None = None
    ) -> None:
        d = self.out / folder
        d.mkdir(parents=True, exist_ok=True)
        (d / "url.txt").write_text(url + "\n", encoding="utf-8")
        (d / name).write_bytes(body)
        if meta is not None:
            (d / "response.json").write_text(
                json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        self.recordings.append(url)

    def write(self) -> None:
        # articles
        for a in self.articles:
            page = self.build_article(a)
            tpl = self.templates[a.template]
            meta = None
            if tpl.encoding != "utf-8":
                meta = {
                    "status": 200,
                    "headers": {"Content-Type": f"text/html; charset={tpl.encoding}"},
                }
            a.folder = f"articles/{a.id}"
            self.record(a.folder, a.url, "page.html", page, meta)
            self.image_urls.extend(page_images(page.decode(tpl.encoding, "replace")))
            if a.special == "tracking_params":
                a.tracking_url = a.url + "?cre=financepagepc&mod=f&loc=4"
                self.record(f"articles/{a.id}-trk", a.tracking_url, "page.html", page, meta)
        if self.special:
            self.plan_table_listings()  # needs the articles' URLs; draws on RNGs of its own
            self.write_video()
            self.write_images()
        self.write_api()
        self.write_lists()
        self.write_robots()
