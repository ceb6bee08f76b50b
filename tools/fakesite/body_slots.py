"""The body region of a template page: every text run a slot ``B<group>.<piece>``, groups
classified (paragraph, heading, caption, byline), and the values that fill them."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from fakesite.words import caption, heading, paragraph, person_name

CJK = re.compile(r"[\u4e00-\u9fff]")
TOKEN = re.compile(
    r"(?P<keep><!--\s*NEWSZW_HZH_BEGIN\s*-->.*?<!--\s*NEWSZW_HZH_END\s*-->"
    r"|<div\b[^>]*\bsax-type\b[^>]*>.*?</div>"
    r"|<span\b[^>]*\bid=[\"']quote_[^>]*>.*?</span>"
    r"|<a\b[^>]*>.*?</a>"
    r"|<!--.*?-->"
    r"|<script\b.*?</script>|<style\b.*?</style>)"
    r"|(?P<tag><[^>]+>)",
    re.S | re.I,
)
BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "table",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "li",
    "ul",
    "ol",
    "center",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
}
WS = " \t\r\n\u3000"


def sentinel(name: str) -> str:
    return f"\x00{name}\x00"


@dataclass
class Group:
    kind: str  # para | heading | caption | byline
    pieces: list[int]  # original lengths of the text pieces
    img: int | None = None


class BodySlots:
    """The body half of ``Template``: cutting the body into slots, filling them."""

    groups: list[Group]
    n_img: int

    def _cut_body(self, region: str) -> str:
        """The body region with every text run replaced by a slot ``B<group>.<piece>``."""
        out: list[str] = []
        group: list[tuple[int, str]] | None = None  # (index in out, text)
        self._p_open: list[int] = []  # out-index of <p ...> opening tags
        self._plain_p: str | None = None
        pending_caption = None
        group_p = None
        groups_meta: list[tuple[list[tuple[int, str]], bool, int | None, int | None]] = []

        def close():
            nonlocal group, group_p
            if group:
                groups_meta.append((group, pending_caption is not None, pending_caption, group_p))
            group = None

        pos = 0
        for m in TOKEN.finditer(region + "<end>"):
            txt = region[pos : m.start()] if m.start() <= len(region) else ""
            pos = m.end()
            if txt:
                if txt.strip(WS):
                    lead = txt[: len(txt) - len(txt.lstrip(WS))]
                    core = txt.strip(WS)
                    trail = txt[len(lead) + len(core) :]
                    if lead:
                        out.append(lead)
                    if group is None:
                        group = []
                        group_p = self._p_open[-1] if self._p_open else None
                    group.append((len(out), core))
                    out.append(None)  # placeholder
                    if trail:
                        out.append(trail)
                else:
                    out.append(txt)
            if m.start() >= len(region):
                break
            tok = m.group(0)
            if m.group("tag"):
                name = re.match(r"</?\s*([a-zA-Z0-9]+)", tok)
                name = name.group(1).lower() if name else ""
                if name in BLOCK_TAGS:
                    close()
                if name == "p" and not tok.startswith("</"):
                    self._p_open.append(len(out))
                    pending_caption = None
                if name == "img":
                    alt = re.search(r'alt="([^"]*)"', tok)
                    if alt and CJK.search(alt.group(1)):
                        tok = tok[: alt.start(1)] + sentinel(f"ALT{self.n_img}") + tok[alt.end(1) :]
                    self.n_img += 1
                if name == "span" and "img_descr" in tok:
                    close()
                    pending_caption = self.n_img - 1
                if name in ("div",) and tok.startswith("</"):
                    pending_caption = None
            out.append(tok)

        # classify groups, write slots
        for gi, (pieces, is_cap, img, p_idx) in enumerate(groups_meta):
            full = "".join(t for _i, t in pieces)
            if is_cap:
                kind = "caption"
            elif re.fullmatch(r"（.*记者.*）", full):
                kind = "byline"
            elif len(full) <= 14 and not full.endswith(("。", "”", "）")):
                kind = "heading"
            else:
                kind = "para"
            self.groups.append(Group(kind, [len(t) for _i, t in pieces], img if is_cap else None))
            for pi, (idx, _t) in enumerate(pieces):
                out[idx] = sentinel(f"B{gi}.{pi}")
            if kind == "para" and len(pieces) == 1 and p_idx is not None and self._plain_p is None:
                self._plain_p = out[p_idx]  # the opening tag extra paragraphs copy
        # extra paragraphs go before the last paragraph's <p>
        last_p = None
        for _pieces, is_cap, _img, p_idx in groups_meta:
            if p_idx is not None and not is_cap:
                last_p = p_idx
        self._extra_sep = "\n"
        if last_p is not None and self._plain_p:
            before = "".join(x for x in out[:last_p] if x is not None)
            tail = before[before.rfind("\n") :] if "\n" in before else ""
            if tail and not tail.strip():
                self._extra_sep = tail  # newline + the last paragraph's indentation
            out[last_p] = sentinel("EXTRA") + out[last_p]
        return "".join(x for x in out if x is not None)

    # -- rendering ---------------------------------------------------------------------------
    def body_values(self, rng: random.Random, n_extra: int) -> tuple[dict, list[str], list[str]]:
        """Slot values for the body; the paragraph texts; the caption texts."""
        vals: dict[str, str] = {}
        paras: list[str] = []
        caps = [caption(rng) for _ in range(self.n_img)]
        for i, cap in enumerate(caps):
            vals[f"ALT{i}"] = cap
        extras = [paragraph(rng, rng.randint(60, 180)) for _ in range(n_extra)]
        last_para = max((i for i, g in enumerate(self.groups) if g.kind == "para"), default=-1)
        for gi, g in enumerate(self.groups):
            total = sum(g.pieces)
            if g.kind == "caption":
                s = caps[g.img] + ("（资料图）" if rng.random() < 0.5 else "")
            elif g.kind == "byline":
                s = f"（本报记者 {person_name(rng)}）"
            elif g.kind == "heading":
                s = heading(rng)
            else:
                s = paragraph(rng, max(30, int(total * rng.uniform(0.6, 1.5))))
            if g.kind != "caption":
                paras.append(s)
            if gi == last_para and extras:
                paras[-1:-1] = extras  # extras render just before the last paragraph
            k = len(g.pieces)
            if len(s) < k:
                s = s + "。" * (k - len(s))
            cuts, acc = [0], 0
            for j, ln in enumerate(g.pieces[:-1], 1):
                acc += ln
                c = round(len(s) * acc / total)
                c = max(cuts[-1] + 1, min(c, len(s) - (k - j)))
                cuts.append(c)
            cuts.append(len(s))
            for pi in range(k):
                vals[f"B{gi}.{pi}"] = s[cuts[pi] : cuts[pi + 1]]
        if self._plain_p:
            vals["EXTRA"] = "".join(f"{self._plain_p}　　{t}</p>{self._extra_sep}" for t in extras)
        else:
            vals["EXTRA"] = ""
        return vals, paras, caps
