"""``--verify``: check a written site against its manifest."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from fakesite.config import BEIJING, COLUMNS
from fakesite.model import replay_key


def verify(out: Path) -> list[str]:
    """Check a generated site; returns a list of problems (empty when all is well)."""
    problems: list[str] = []
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rec: dict[str, Path] = {}
    for url_file in out.rglob("url.txt"):
        key = replay_key(url_file.read_text(encoding="utf-8"))
        if key in rec:
            problems.append(f"two recordings for {key}")
        rec[key] = url_file.parent
    missing_ok = {replay_key(s["url"]) for s in manifest["specials"] if s.get("recorded") is False}
    malformed = {replay_key(s["url"]) for s in manifest["specials"] if s["kind"] == "malformed"}
    listed: dict[str, set[str]] = {}
    checked_urls = 0
    for folder in sorted((out / "api").iterdir()):
        url = (folder / "url.txt").read_text(encoding="utf-8").strip()
        q = dict(parse_qsl(urlsplit(url).query))
        if sorted(q) != ["lid", "num", "page", "pageid"]:
            problems.append(f"{url}: unexpected params")
        if replay_key(url) in malformed:
            continue
        raw = (folder / "body.json").read_text(encoding="utf-8")
        m = re.fullmatch(r"try\{\w+\((.*)\);\}catch\(e\)\{\};", raw, re.S)
        try:
            body = json.loads(m.group(1) if m else raw)
        except ValueError as exc:
            problems.append(f"{folder}: invalid JSON ({exc})")
            continue
        data = body["result"]["data"]
        ctimes = [int(i["ctime"]) for i in data]
        if ctimes != sorted(ctimes, reverse=True):
            problems.append(f"{url}: not newest first")
        for item in data:
            checked_urls += 1
            key = replay_key(item["url"])
            if key not in rec and key not in missing_ok:
                problems.append(f"{url}: item {item['url']} has no recording")
            listed.setdefault(item["docid"][6:], set()).add(f"{q['pageid']}-{q['lid']}")
    for url in manifest["lists"]["zq1"]["urls"]:
        folder = rec.get(replay_key(url))
        if folder is None:
            problems.append(f"list page {url} not recorded")
            continue
        try:
            html = (folder / "page.html").read_bytes().decode("gbk")
        except UnicodeDecodeError as exc:
            problems.append(f"{url}: not strict GBK ({exc})")
            continue
        ul = re.search(r'<ul class="list_009">(.*?)</ul>', html, re.S).group(1)
        pager = re.search(r"<!-- 分页 begin -->(.*?)<!-- 分页 end -->", html, re.S).group(1)
        for href in re.findall(r'href="([^"]+)"', ul + pager):
            checked_urls += 1
            if replay_key(href) not in rec:
                problems.append(f"{url}: link {href} has no recording")
    for a in manifest["articles"]:
        folder = rec.get(replay_key(a["url"]))
        if folder is None:
            problems.append(f"article {a['id']} not recorded")
            continue
        raw = (folder / "page.html").read_bytes()
        try:
            text = raw.decode(a["encoding"])
        except UnicodeDecodeError as exc:
            problems.append(f"{a['id']}: not strict {a['encoding']} ({exc})")
            continue
        if a["id"] not in text and f",{a['id'][7:]}]" not in text:  # 2005 pages: [111,3,<digits>]
            problems.append(f"{a['id']}: id missing from its page")
        for needle in [a["title"], a["source"]] + a["body_contains"]:
            if needle not in text:
                problems.append(f"{a['id']}: {needle!r} missing from its page")
        when = datetime.fromtimestamp(a["ctime"], BEIJING)
        forms = [when.strftime("%Y-%m-%d %H:%M:%S"), when.strftime("%Y年%m月%d日")]
        if not any(f in text for f in forms):
            problems.append(f"{a['id']}: ctime {forms[0]} not on its page")
        want = {f"{COLUMNS[c][0]}-{COLUMNS[c][1]}" for c in a["columns"]}
        if want - listed.get(a["id"], set()):
            problems.append(f"{a['id']}: not in the API lists of {sorted(want)}")
    if manifest["special"]:  # every column of the table lists articles: columns=all replays
        for key in COLUMNS:
            if not manifest["columns"].get(key, {}).get("total"):
                problems.append(f"column {key} lists no article")
    for image in manifest.get("images", []):  # (--special) recorded, with their hash
        folder = rec.get(replay_key(image["url"]))
        if folder is None:
            problems.append(f"image {image['url']} not recorded")
        elif hashlib.sha256((folder / "body").read_bytes()).hexdigest() != image["sha256"]:
            problems.append(f"image {image['url']}: bytes differ from the manifest's hash")
    ids = [a["id"] for a in manifest["articles"]]
    if len(set(ids)) != len(ids) or not all(re.fullmatch(r"[a-z]{7}\d{7}", i) for i in ids):
        problems.append("article ids not unique or not 7 letters + 7 digits")
    try:
        from protego import Protego
    except ImportError:  # pragma: no cover
        Protego = None
    if Protego:
        probe = (
            [a["url"] for a in manifest["articles"]]
            + [u for c in manifest["columns"].values() for u in c["urls"]]
            + manifest["lists"]["zq1"]["urls"]
        )
        for url in probe:
            host = urlsplit(url).hostname
            folder = rec.get(replay_key(f"https://{host}/robots.txt"))
            if folder and not Protego.parse((folder / "body").read_text()).can_fetch(
                url, "sinacrawl"
            ):
                problems.append(f"robots.txt of {host} blocks {url}")
    print(
        f"verify: {len(rec)} recordings, {checked_urls} listed URLs, "
        f"{len(manifest['articles'])} articles checked; {len(problems)} problem(s)"
    )
    return problems
