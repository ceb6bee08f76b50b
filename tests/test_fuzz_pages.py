"""Fuzzing the whole page → post path: mutated recorded pages through ``Converter().convert``.

Every recorded page under ``fixtures/article/`` is mutated at the byte level (bytes flipped,
inserted, deleted; truncation; a slice duplicated; two pages spliced; tags, ``</div>``,
comments and ``<!--`` inserted, above all inside the article container; the charset
declaration changed; invalid UTF-8 and GBK sequences and control bytes injected) and converted
for its URL. The only acceptable outcomes:

* a post: starts with ``---\\n``; exactly one ``\\n---\\n``, closing the 12-line front matter,
  which PyYAML reads as exactly the seven keys; no U+FFFD replacement character anywhere (unless
  the page itself holds one); no ``{`` or ``}``; the path is ``YYYY/MM/<id>.md``;
* ``ConversionError`` (a page that is not an article: a counted drop).

Anything else fails, naming the mutation. Seeded and deterministic: mutation ``i`` is
``mutate(i)``, built from ``random.Random(f"{SEED}:{i}")``, so one failure is replayed with::

    python -c "from tests.test_fuzz_pages import replay; replay(1234)"

The default campaign is 20,000 mutations (about a minute on 2 cores); a longer one::

    SINACRAWL_FUZZ_N=500000 python -m pytest tests/test_fuzz_pages.py -q
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from sinacrawl.convert import ConversionError, Converter

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "article"
SEED = 20220222
N = max(20000, int(os.environ.get("SINACRAWL_FUZZ_N", "0") or 0))
KEYS = ["title", "categories", "headimg", "author", "comments", "date", "thumbnail"]
PATH_SHAPE = re.compile(r"^\d{4}/\d{2}/[a-z0-9]{14}\.md$")


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    body: bytes


def load_pages() -> list[Page]:
    return [
        Page(
            p.name,
            (p / "url.txt").read_text(encoding="utf-8").strip(),
            (p / "page.html").read_bytes(),
        )
        for p in sorted(FIXTURES.iterdir())
        if (p / "url.txt").is_file() and (p / "page.html").is_file()
    ]


PAGES = load_pages()

# -- mutations ------------------------------------------------------------------------------

# fmt: off
TAGS = [
    b"</div>", b"<div>", b"</p>", b"<p>", b"<!--", b"-->", b"<!-- x -->", b"<script>",
    b"</script>", b"<style>", b"<table>", b"</table>", b"<td>", b"<embed src=x.swf>", b"<svg>",
    b"<math>", b"<![CDATA[", b"]]>", b"<br>", b"<img src=javascript:alert(1)>",
    b"<img src=//n.sinaimg.cn/a.jpg>", b"<a href=javascript:alert(1)>", b"</a>", b"<textarea>",
    b"<title>", b"</title>", b"<noscript>", b'<h1 class="main-title">', b"</h1>",
    b'<div id="artibody">', b'<div id="article">', b'<p class="article-editor">',
    b"<!--NEWSZW_HZH_BEGIN-->", b"<!--NEWSZW_HZH_END-->",
    b'<meta name="weibo: article:create_at" content="2099-13-45 25:61:61">',
    b'<meta property="og:image" content="javascript:alert(1)">', b"<plaintext>", b"<xmp>",
    b"{{ x }}", b"{% raw %}", b"}}", b"&#0;", b"&#xD800;", b"&#1;", b"&#65535;", b"&nbsp",
    b"<image src=x>", b"<base href=//evil.example/>", b"<html>", b"</body>", b"</html>",
]
# fmt: on
# fmt: off
CHARSETS = [
    b"utf-8", b"gb2312", b"gbk", b"gb18030", b"big5", b"shift_jis", b"iso-8859-1", b"utf-16",
    b"utf-16le", b"utf-7", b"bogus", b"", b"x-user-defined", b"windows-1252",
]
# fmt: on
# fmt: off
BAD_BYTES = [
    b"\xff", b"\xfe\xff", b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80", b"\x81\x20", b"\xfe\xff\xfe", b"\x84\x31",
    b"\x81\x30\x81", b"\xa1", b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x1b", b"\x1f",
    b"\x7f", b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\xef\xbf\xbe",
    b"\xef\xbf\xbf", b"\xee\x80\x80",
]
# fmt: on
_CHARSET_DECL = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]*)", re.I)


def _align(rng: random.Random, data: bytes, i: int) -> int:
    """Most of the time, move ``i`` to an ASCII byte so a multi-byte character is not cut
    (cutting one makes the page undecodable, a drop; some mutations still do it)."""
    if rng.random() < 0.75:
        while i < len(data) and data[i] >= 0x80:
            i += 1
    return i


def _pos(rng: random.Random, data: bytes, page: Page) -> int:
    """A position, half the time inside the article container (where cleaning happens)."""
    if rng.random() < 0.5:
        for marker in (
            b'id="artibody"',
            b'id="article"',
            b"art_content",
            b"blkContainerSblkCon",
            b"l17",
        ):
            at = data.find(marker)
            if at >= 0:
                return _align(rng, data, min(len(data), at + rng.randint(0, 6000)))
    return _align(rng, data, rng.randint(0, len(data)))


OPS = "flip insert_bytes delete truncate duplicate splice insert_tag insert_tag charset".split()
OPS += ["bad_bytes", "bad_bytes"]


def _mutate_once(rng: random.Random, data: bytes, page: Page) -> tuple[bytes, str]:
    op = rng.choice(OPS)
    n = len(data)
    if op == "flip":
        buf = bytearray(data)
        spots = []
        for _ in range(rng.randint(1, 8)):
            i = _pos(rng, data, page) if n else 0
            if i < len(buf):
                if buf[i] < 0x80 and rng.random() < 0.6:  # ASCII for ASCII: stays decodable
                    buf[i] = rng.randint(0, 0x7F)
                else:
                    buf[i] ^= rng.randint(1, 255)
                spots.append(i)
        return bytes(buf), f"flip@{spots}"
    if op == "insert_bytes":
        i = _pos(rng, data, page)
        top = 0x7F if rng.random() < 0.6 else 0xFF  # ASCII junk keeps the page decodable
        junk = bytes(rng.randint(0, top) for _ in range(rng.randint(1, 16)))
        return data[:i] + junk + data[i:], f"insert {junk!r}@{i}"
    if op == "delete":
        i = _pos(rng, data, page)
        k = (
            _align(rng, data, i + rng.choice([1, 2, 3, rng.randint(1, 64), rng.randint(1, 4096)]))
            - i
        )
        return data[:i] + data[i + k :], f"delete {k}@{i}"
    if op == "truncate":
        i = _align(rng, data, rng.randint(0, n))
        return data[:i], f"truncate@{i}"
    if op == "duplicate":
        i, j = sorted((_align(rng, data, rng.randint(0, n)), _align(rng, data, rng.randint(0, n))))
        j = _align(rng, data, min(j, i + 8192))
        k = _pos(rng, data, page)
        return data[:k] + data[i:j] + data[k:], f"duplicate [{i}:{j}]@{k}"
    if op == "splice":
        other = rng.choice(PAGES)
        i, j = (
            _align(rng, data, rng.randint(0, n)),
            _align(rng, other.body, rng.randint(0, len(other.body))),
        )
        return data[:i] + other.body[j:], f"splice [:{i}] + {other.name}[{j}:]"
    if op == "insert_tag":
        i = _pos(rng, data, page)
        tag = rng.choice(TAGS)
        return data[:i] + tag + data[i:], f"insert {tag!r}@{i}"
    if op == "charset":
        found = list(_CHARSET_DECL.finditer(data))
        new = rng.choice(CHARSETS)
        if found:
            m = rng.choice(found)
            return data[: m.start(1)] + new + data[m.end(1) :], f"charset {m.group(1)!r}->{new!r}"
        decl = b'<meta charset="' + new + b'">'
        return decl + data, f"prepend {decl!r}"
    # bad_bytes
    i = _pos(rng, data, page)
    bad = rng.choice(BAD_BYTES)
    return data[:i] + bad + data[i:], f"insert {bad!r}@{i}"


def mutate(i: int) -> tuple[Page, bytes, str]:
    """Mutation ``i`` of the campaign: (page, mutated bytes, what was done)."""
    rng = random.Random(f"{SEED}:{i}")
    page = rng.choice(PAGES)
    data, steps = page.body, []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 5))):
        data, what = _mutate_once(rng, data, page)
        steps.append(what)
    return page, data, f"mutate({i}) of {page.name}: " + "; ".join(steps)


# -- the oracle ------------------------------------------------------------------------------

_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+))")


def _page_has_replacement(page: bytes) -> bool:
    """The page itself holds U+FFFD: literally (UTF-8 or GB18030 bytes) or as a numeric
    character reference HTML decodes to U+FFFD (zero, a surrogate, beyond U+10FFFF, FFFD)."""
    if b"\xef\xbf\xbd" in page or b"\x84\x31\xa4\x37" in page:
        return True
    for m in _CHAR_REF.finditer(page):
        digits = m.group(1) or m.group(2)
        if len(digits) > 8:
            return True
        value = int(digits, 16 if m.group(1) else 10)
        if value == 0 or 0xD800 <= value <= 0xDFFF or value == 0xFFFD or value > 0x10FFFF:
            return True
    return False


def post_problems(rel: str, post: str, page_bytes: bytes) -> list[str]:
    problems = []
    if not PATH_SHAPE.match(rel):
        problems.append(f"path {rel!r}")
    if not post.startswith("---\n"):
        problems.append("does not start with ---")
    if post.count("\n---\n") != 1:
        problems.append(f"{post.count(chr(10) + '---' + chr(10))} '\\n---\\n' separators")
    lines = post.split("\n")
    if len(lines) < 13 or lines[11] != "---":
        problems.append("front matter is not 12 lines")
    else:
        try:
            doc = yaml.safe_load("\n".join(lines[1:11]))
        except yaml.YAMLError as exc:
            problems.append(f"PyYAML: {exc}")
        else:
            if not isinstance(doc, dict) or list(doc) != KEYS:
                problems.append(f"keys {list(doc) if isinstance(doc, dict) else doc!r}")
            elif (
                not all(
                    isinstance(doc[k], str)
                    for k in ("title", "headimg", "author", "date", "thumbnail")
                )
                or doc["comments"] is not False
                or not (
                    isinstance(doc["categories"], list)
                    and len(doc["categories"]) == 3
                    and all(isinstance(c, str) for c in doc["categories"])
                )
            ):
                problems.append(f"value types {doc!r}")
    if "\ufffd" in post and not _page_has_replacement(page_bytes):
        at = post.index("\ufffd")
        problems.append(f"U+FFFD in the post: {post[max(0, at - 40) : at + 20]!r}")
    if "{" in post or "}" in post:
        at = post.find("{") if "{" in post else post.find("}")
        problems.append(f"brace in the post: {post[max(0, at - 40) : at + 20]!r}")
    if not post.endswith("\n") or post.endswith("\n\n"):
        problems.append("does not end in exactly one newline")
    return problems


# -- the campaign ----------------------------------------------------------------------------


@dataclass
class Campaign:
    n: int = 0
    posts: int = 0
    dropped: int = 0
    seconds: float = 0.0
    reasons: dict = field(default_factory=dict, repr=False)
    crashes: list = field(default_factory=list, repr=False)
    bad_posts: list = field(default_factory=list, repr=False)
    inputs: set = field(default_factory=set, repr=False)  # digests of the bytes converted
    pages: set = field(default_factory=set, repr=False)  # the recorded pages mutated


def run_one(converter: Converter, i: int, c: Campaign | None = None) -> tuple[str, object]:
    page, data, what = mutate(i)
    if c is not None:
        c.inputs.add(hashlib.sha1(data).digest())
        c.pages.add(page.name)
    try:
        rel, post = converter.convert(data, page.url)
    except ConversionError as exc:
        reason = str(exc).split(":")[0].split("(")[0].strip()
        return "dropped", reason
    except Exception as exc:  # noqa: BLE001 - any other exception is a finding
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if str(REPO) in f.filename and "/tests/" not in f.filename]
        frame = (ours or frames)[-1]
        name = Path(frame.filename).relative_to(REPO) if ours else Path(frame.filename).name
        where = f"{name}:{frame.lineno}"
        return "crash", (what, f"{type(exc).__name__}: {str(exc)[:200]} at {where}")
    problems = post_problems(rel, post, data)
    if problems:
        return "bad", (what, problems)
    return "post", None


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    converter = Converter()
    c = Campaign()
    start = time.perf_counter()
    for i in range(N):
        kind, detail = run_one(converter, i, c)
        c.n += 1
        if kind == "post":
            c.posts += 1
        elif kind == "dropped":
            c.dropped += 1
            c.reasons[detail] = c.reasons.get(detail, 0) + 1
        elif kind == "crash":
            c.crashes.append((i, *detail))
        else:
            c.bad_posts.append((i, *detail))
    c.seconds = time.perf_counter() - start
    print(
        f"\npage fuzz: {c.n} mutations in {c.seconds:.1f} s ({c.n / c.seconds:.0f}/s): "
        f"{c.posts} posts, {c.dropped} ConversionError {c.reasons}, "
        f"{len(c.crashes)} other exceptions, {len(c.bad_posts)} malformed posts"
    )
    return c


def replay(i: int) -> None:
    """Run mutation ``i`` alone and let any exception propagate (for debugging)."""
    page, data, what = mutate(i)
    print(what)
    rel, post = Converter().convert(data, page.url)
    print(rel)
    print(post)
    print(post_problems(rel, post, data))


def _kind(detail) -> str:
    if isinstance(detail, str):  # an exception: its type and where it was raised
        return f"{detail.split(':', 1)[0]} at {detail.rsplit(' at ', 1)[-1]}"
    return "; ".join(sorted({p.split(":", 1)[0] for p in detail}))


def _summary(found: list, what: str, n: int) -> str:
    by_kind: dict[str, list] = {}
    for item in found:
        by_kind.setdefault(_kind(item[2]), []).append(item)
    lines = [
        f"{len(found)} of {n} mutated pages {what}, {len(by_kind)} kinds "
        "(replay one with tests.test_fuzz_pages.replay(i)):"
    ]
    for key, items in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        i, mutation, detail = min(items, key=lambda t: len(t[1]))
        lines.append(f"  {len(items):5d} × {key}\n        e.g. {mutation}\n        {detail}")
    return "\n".join(lines)


def test_campaign_size_and_mix(campaign):
    # The size is what was actually converted, not the loop's own count: distinct mutated
    # inputs (sha1 of the bytes). Mutations collide now and then (the same byte flipped in
    # the same small page; measured: 19,452 distinct of 20,000 at SEED), so 90% leaves room
    # for another seed while a generator stuck on a few outputs fails at once.
    assert N >= 20000
    assert len(campaign.inputs) >= 0.9 * N
    assert campaign.pages == {p.name for p in PAGES}  # every recorded page was mutated
    assert campaign.posts + campaign.dropped + len(campaign.crashes) + len(campaign.bad_posts) == N
    # both outcomes are exercised: most mutations still give posts, many give drops
    assert campaign.posts >= N // 4
    assert campaign.dropped >= N // 20


def test_mutated_pages_give_a_post_or_a_conversion_error(campaign):
    assert not campaign.crashes, _summary(campaign.crashes, "raised something else", campaign.n)


def test_every_post_is_well_formed(campaign):
    assert not campaign.bad_posts, _summary(campaign.bad_posts, "gave a malformed post", campaign.n)


def test_unmutated_pages_pass_the_oracle(converter):
    posts = 0
    for page in PAGES:
        try:
            rel, post = converter.convert(page.body, page.url)
        except ConversionError:
            continue
        posts += 1
        assert post_problems(rel, post, page.body) == [], page.name
    assert posts >= 10


def _mutation_digest(i: int) -> str:
    page, data, what = mutate(i)
    return hashlib.sha256(page.name.encode() + b"\0" + data + b"\0" + what.encode()).hexdigest()


def test_mutations_are_deterministic():
    """``replay(i)`` must rebuild mutation i in another process: a fresh interpreter with
    another hash seed (set and dict orders, str hashes) builds the same bytes."""
    code = "from tests.test_fuzz_pages import _mutation_digest as d; print(d(17), d(18))"
    here = f"{_mutation_digest(17)} {_mutation_digest(18)}"
    for hash_seed in ("1", "2"):
        there = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env=dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(REPO)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert " ".join(there) == here
    assert _mutation_digest(17) != _mutation_digest(18)
