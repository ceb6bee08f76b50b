"""A template article page (fixtures/article/<case>/page.html) cut into literal parts and
named slots: head, chrome, times; the body's slots come from ``body_slots``."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fakesite.body_slots import BodySlots, Group
from fakesite.body_slots import sentinel as _sentinel
from fakesite.chrome import dress
from fakesite.config import BEIJING

__all__ = ["Group", "Template", "load_templates"]

DT_FULL = re.compile(r"(\d{4})-(\d{2})-(\d{2})([ T])(\d{2}):(\d{2}):(\d{2})(\+08:00)?")
DT_CN = re.compile(r"(\d{4})年(\d{2})月(\d{2})日( ?)(\d{2}):(\d{2})")


class Template(BodySlots):
    """A template article page cut into literal parts and named slots."""

    def __init__(self, case: str, folder: Path):
        self.case = case
        raw = (folder / "page.html").read_bytes()
        self.encoding = "utf-8"
        for enc in ("utf-8", "gb2312", "gbk", "gb18030"):
            try:
                text = raw.decode(enc)
                self.encoding = enc
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover
            raise ValueError(f"{case}: undecodable template")
        facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
        self.url = (folder / "url.txt").read_text(encoding="utf-8").strip()
        self.first_image = facts.get("first_image")
        self.has_image = bool(self.first_image)

        def meta(name: str) -> str | None:
            pattern = r'<meta\s+(?:name|property)="' + re.escape(name) + r'"\s+content="([^"]*)"'
            found = re.search(pattern, text)  # ``text`` as it is when called
            return found.group(1) if found else None

        old_id = facts.get("id") or meta("publishid")
        self.old_id = old_id
        title = facts["title"]
        base = datetime.fromisoformat(facts["published"])
        self.base_ymd = base.strftime("%Y%m%d")
        self.minute_only = not (meta("weibo: article:create_at") or meta("article:published_time"))
        self.groups: list[Group] = []
        self.n_img = 0

        # 1. body region: first paragraph with the first known phrase .. last paragraph.
        phrases = facts.get("body_contains") or []
        if not phrases:
            raise ValueError(f"{case}: facts.json has no body_contains to find the body")
        body_at = max(text.find("<body"), 0)  # the head's description repeats the first phrase
        i0 = text.index(phrases[0], body_at)
        start = text.rfind("<p", body_at, i0)
        i1 = text.index(phrases[-1], i0)
        end = text.find("</p>", i1)
        end = end + 4 if end >= 0 else text.find("\n", i1)
        body = self._cut_body(text[start:end])
        text = text[:start] + body + text[end:]

        # 2. head and chrome: description, URL, mobile twin, title, keywords, editor, source, id.
        subs: list[tuple[str, str]] = []
        desc = meta("description")
        self.desc_len, self.desc_suffix = 0, ""
        if desc:
            m = re.search(r"(\.\.\.)?(_新浪网)?$", desc)
            self.desc_suffix = m.group(0) if m else ""
            self.desc_len = len(desc) - len(self.desc_suffix)
            subs.append((desc, _sentinel("DESC")))
        old_hp = self.url.split("://", 1)[1]
        subs += [(quote(old_hp, safe=""), _sentinel("URLHPQ")), (old_hp, _sentinel("URLHP"))]
        for a, b in subs:
            text = text.replace(a, b)
        text = re.sub(
            r'(format=\w+; url=)(https?://)?([^"\s]+)',
            lambda m: m.group(1) + (m.group(2) or "") + _sentinel("WAPHP"),
            text,
        )
        if title not in text:
            raise ValueError(f"{case}: title not found in page")
        text = text.replace(quote(title, safe=""), _sentinel("TITLEQ")).replace(
            title, _sentinel("TITLE")
        )
        kw = meta("keywords") or ""
        self.n_kw = 0
        if kw and "sina" not in kw:
            kws = kw.split(",")
            self.n_kw = len(kws)
            text = text.replace("|" + "|".join(kws), _sentinel("KWBAR")).replace(
                kw, _sentinel("KW")
            )
            for i, k in enumerate(kws):
                text = re.sub(
                    r'(<a href="[^"]*tags\.[^"]*/)'
                    + re.escape(k)
                    + r'("[^>]*>)'
                    + re.escape(k)
                    + r"(</a>)",
                    lambda m, i=i: (
                        m.group(1)
                        + _sentinel(f"KW{i}")
                        + m.group(2)
                        + _sentinel(f"KW{i}")
                        + m.group(3)
                    ),
                    text,
                )
        editor = facts.get("editor")
        if editor and editor in text:
            text = text.replace(editor, "责任编辑：" + _sentinel("EDITOR"))
        self.has_editor = "\x00EDITOR\x00" in text
        source = facts.get("source")
        if source:
            text = re.sub(
                r'(?<=[>"《\s])' + re.escape(source) + r'(?=[<"》\s])', _sentinel("SOURCE"), text
            )
        if old_id:
            text = text.replace(old_id, _sentinel("ID"))
        numid = re.search(r"/(\d{5,})\.s?html$", self.url)
        if numid:
            text = re.sub(r"(?<!\d)" + numid.group(1) + r"(?!\d)", _sentinel("NUMID"), text)

        # 3. times, as offsets from the article's creation time.
        self.tspecs: dict[str, tuple[int, str]] = {}
        self.max_offset = 0

        def full(m: re.Match) -> str:
            when = datetime(*map(int, m.group(1, 2, 3, 5, 6, 7)), tzinfo=BEIJING)
            fmt = "%Y-%m-%d" + m.group(4) + "%H:%M:%S" + (m.group(8) or "")
            if "update_at" in text[max(0, m.start() - 40) : m.start()]:
                name = f"M{len(self.tspecs)}"
                self.tspecs[name] = (0, fmt)
            else:
                name = f"T{len(self.tspecs)}"
                off = int((when - base).total_seconds())
                self.max_offset = max(self.max_offset, off)
                self.tspecs[name] = (off, fmt)
            return _sentinel(name)

        def cn(m: re.Match) -> str:
            when = datetime(*map(int, m.group(1, 2, 3, 5, 6)), tzinfo=BEIJING)
            name = f"T{len(self.tspecs)}"
            off = int((when - base.replace(second=0)).total_seconds())
            self.tspecs[name] = (off, "%Y年%m月%d日" + m.group(4) + "%H:%M")
            return _sentinel(name)

        text = DT_FULL.sub(full, text)
        text = DT_CN.sub(cn, text)
        text = text.replace(base.strftime("%Y-%m-%d"), _sentinel("DATE"))
        text = re.sub(r"(?<!\d)" + base.strftime("%Y%m%d") + r"(?!\d)", _sentinel("YMD"), text)
        text = re.sub(r"(1996\s*-\s*)(\d{4})", lambda m: m.group(1) + _sentinel("YEAR"), text)

        self.parts = text.split("\x00")
        self.slots = set(self.parts[1::2])
        literal = "".join(self.parts[0::2])
        for leftover in [old_id, title, old_hp] + phrases:
            if leftover and leftover in literal:
                raise ValueError(f"{case}: {leftover!r} survived substitution")

    # -- body --------------------------------------------------------------------------------

    def render(self, vals: dict[str, str], chrome_seed: int | None = None) -> bytes:
        """The page; with ``chrome_seed``, dressed in its era's chrome (real size)."""
        out = self.parts[:]
        out[1::2] = [vals[n] for n in self.parts[1::2]]
        page = "".join(out)
        if chrome_seed is not None:
            page = dress(self.case, page, chrome_seed)
        return page.encode(self.encoding)


def load_templates(folder: Path, names) -> dict[str, Template]:
    found = {}
    for name in names:
        case = folder / name
        if (case / "page.html").is_file() and (case / "facts.json").is_file():
            found[name] = Template(name, case)
        else:
            print(f"sitegen: template {name} not found in {folder}, skipped", file=sys.stderr)
    return found
