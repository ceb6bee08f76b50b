"""Front matter under fuzzing: whatever a title, author or category holds, both YAML readers
that matter read back exactly the contract's value, as a string, in a 12-line block.

The readers: PyYAML (YAML 1.1; python-frontmatter and the project's own tools) and js-yaml 4
(YAML 1.2; what Hexo 7 uses, through hexo-front-matter). js-yaml is installed once with npm
into ``.cache/jsyaml`` (git-ignored); ONE node process reads every generated document, split
with hexo-front-matter's own regular expression. Without Node or npm, or when npm cannot
install it, the js-yaml tests skip with the reason, except under ``CI=true`` where they fail
(.ci/run installs Node where it is missing).

The values: ≥ 5,000 hypothesis examples (``st.text()``: all of Unicode but surrogates, control
characters included, plus a character set biased to YAML's indicators and line breaks) and a
list of YAML-hostile strings, as title, author, third category and head image. The expected
value is the contract's: NFC, CR/LF/tab/U+0085/U+2028/U+2029 → space, other control characters
(C0, DEL, C1, BOM, U+FFFE, U+FFFF) dropped, ``{`` → ``&#123;``, ``}`` → ``&#125;``.
``SINACRAWL_FRONTMATTER_FUZZ_N=50000`` runs more examples.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NoReturn

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinacrawl.render import front_matter

try:
    from tests.hexo_site import skip_or_fail
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from hexo_site import skip_or_fail  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[1]
JSYAML_DIR = REPO / ".cache" / "jsyaml"
JSYAML_SPEC = "js-yaml@^4.1.0"  # the major version hexo-front-matter 4 depends on
# 7,000 examples give > 5,000 distinct strings (hypothesis repeats itself now and then).
N = max(7000, int(os.environ.get("SINACRAWL_FRONTMATTER_FUZZ_N", "0") or 0))
KEYS = ["title", "categories", "headimg", "author", "comments", "date", "thumbnail"]
BEIJING = timezone(timedelta(hours=8))

# fmt: off
YAML_HOSTILE = [
    "*ST 康美", "[港股] 腾讯控股", "1e3", "null", "~", "yes", "标题\ndraft: true", "- x", ": x",
    "? x", "&a", "!tag", "%x", "@x", "`x", "'", '"', "#x", "{{x}}", "0o17", "0x1F", ".inf",
    "2022-02-22", "12:30:45", "No", "off", "ON", "Y", "n", "NaN", ".NaN", "-.inf", "+1", "1_000",
    "0b101", "<<", "=", "|", ">", "a: b", "a #b", "a#b", " lead", "trail ", "", " ", "\t", "---",
    "...", "--- x", "%YAML 1.2", "新浪财经－国內", "\ufeffBOM", "a\x85b", "a\u2028b", "a\u2029b",
    "a\r\nb", "a\rb", "{% raw %}", "{#", "#}", "1:2", "190:20:30", "2022-02-22T12:00:00Z",
    "2022-02-22 12:00:00", "0", "-1", "1.5", "true", "True", "TRUE", "False", "Null", "NULL", "\\",
    "\\n", "a\\", "'quoted'", '"dq"', "[]", "{}", ",x", "x,y", "a, b", "a]", "a}", "*", "&", "!",
    "|-", ">-", "? ", "- ", ":", "-", "--", "a:", "a :b", "\u00a0x", "x\u00a0", "\u3000x",
    "x\u3000", "\x7f", "\x1b[31m红\x1b[0m", "\x00", "\x08退格", "\ud7ff", "\ue000", "\ufffd",
    "\U0001f600", "\u200b", "\u202e逆序", "#", "A\u030a", "Å", "ｆｕｌｌ", "＊ST", "！感叹",
    "？问", "：冒号", "－", "%", "@", "!!str x", "!!binary eA==", "&anchor x", "*alias", "<<: *a",
    "key: value", "- - x", "[a, b]", "{a: b}", "x\n- y", "\n", "\r", "\u0085", "\u2028", "\u2029",
    "\x0b", "\x0c", "\x1f", "\x80", "\x9f", "\ufffe", "\uffff", "\U0010ffff", "\ufdd0",
    "e\x00\u0301", "'\n'", "it's", "''", "a''b", "c:\\path", "http://x.cn/a?b=c#d", "//x",
    "中文: 冒号", "中文 #井号", "0.", ".5", "1e", "e3", "0x", "1,000", "12:30", "-0", "+.inf",
    "=x", "~x", "x~", "yes please", "None", "none",
]
# fmt: on

# Characters that make YAML, Nunjucks or line counting interesting; mixed into st.text().
SPECIAL = list(
    "\r\n\t\x85\u2028\u2029\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x80\x9f\ufeff\ufffe\uffff"
    "{}[]:#&*!|>'\"%@`,?-~=<. \\\u00a0\u3000\u0301\u030a"
) + ["e\u0301", "*ST", ": ", " #"]
VALUES = st.one_of(
    st.text(min_size=1),
    st.lists(st.one_of(st.sampled_from(SPECIAL), st.characters()), min_size=1, max_size=30).map(
        "".join
    ),
    st.builds(lambda a, b: a + b, st.sampled_from(YAML_HOSTILE), st.text(min_size=1, max_size=8)),
    st.builds(lambda a, b: a + b, st.text(min_size=1, max_size=8), st.sampled_from(YAML_HOSTILE)),
)  # every YAML_HOSTILE string alone is a case of its own (hostile_cases)
ZONES = [
    BEIJING,
    timezone.utc,
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=45)),
]
DATES = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from(ZONES),
)

_BREAKS = set("\r\n\t\x85\u2028\u2029")
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _dropped(ch: str) -> bool:
    o = ord(ch)
    return (
        o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF or ch in "\ufeff\ufffe\uffff"
    ) and ch not in _BREAKS


def expected(value: str) -> str:
    """The contract's value: line breaks → space; other control characters dropped; then NFC
    (so a dropped character between a letter and its accent leaves them composed); braces
    as entities."""
    text = "".join(
        " " if ch in _BREAKS else ch for ch in value if ch in _BREAKS or not _dropped(ch)
    )
    text = unicodedata.normalize("NFC", text)
    return text.replace("{", "&#123;").replace("}", "&#125;")


def expected_date(when: datetime) -> str:
    u = when.astimezone(timezone.utc)
    return f"{_DAYS[u.weekday()]}, {u.day:02d} {_MONTHS[u.month - 1]} {u.year:04d} {u:%H:%M:%S} GMT"


@dataclass
class Case:
    title: str
    author: str
    feed: str
    headimg: str
    when: datetime

    def render(self) -> str:
        return front_matter(
            title=self.title,
            categories=["金融", "新浪财经", self.feed],
            headimg=self.headimg,
            author=self.author,
            date=self.when,
        )

    def expected(self) -> dict:
        return {
            "title": expected(self.title),
            "categories": ["金融", "新浪财经", expected(self.feed)],
            "headimg": expected(self.headimg),
            "author": expected(self.author),
            "comments": False,
            "date": expected_date(self.when),
            "thumbnail": expected(self.headimg),
        }


def hostile_cases() -> list[Case]:
    when = datetime(2022, 2, 22, 12, 0, 42, tzinfo=BEIJING)
    return [Case(v, v, v, v, when) for v in YAML_HOSTILE]


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    out: list[Case] = []

    @settings(
        max_examples=N,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(title=VALUES, author=VALUES, feed=VALUES, headimg=VALUES, when=DATES)
    def collect(title, author, feed, headimg, when):
        out.append(Case(title, author, feed, headimg, when))

    collect()
    return hostile_cases() + out


def test_enough_examples(cases):
    generated = cases[len(YAML_HOSTILE) :]
    assert len(generated) >= N
    assert len({v for c in generated for v in (c.title, c.author, c.feed)}) >= 5000
    joined = "".join(c.title + c.author + c.feed for c in generated)
    for ch in "\r\n\t\x85\u2028\u2029\x00\x7f{}":
        assert ch in joined, f"{ch!r} never generated"


def check_read(doc: dict, case: Case) -> str | None:
    """None when ``doc`` (a reader's result) holds exactly the expected values, else why not."""
    want = case.expected()
    if not isinstance(doc, dict) or list(doc) != KEYS and sorted(doc) != sorted(KEYS):
        return f"keys {list(doc) if isinstance(doc, dict) else type(doc).__name__}"
    for key, value in want.items():
        got = doc[key]
        if key == "categories":
            if not (isinstance(got, list) and len(got) == 3 and all(type(c) is str for c in got)):
                return f"categories {got!r}"
        elif key != "comments" and type(got) is not str:
            return f"{key} is {type(got).__name__}: {got!r}"
        if got != value:
            return f"{key}: read {got!r}, expected {value!r}"
    if doc["comments"] is not False:
        return f"comments {doc['comments']!r}"
    return None


def _shortest(failures: list, reader: str, n: int) -> str:
    failures.sort(key=lambda f: len(repr(f[0])))
    lines = [f"{len(failures)} of {n} front matters misread by {reader}; the shortest:"]
    lines += [f"  {case!r}\n    {why}" for case, why in failures[:6]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def read_by_pyyaml(cases) -> list:
    """(case, front matter, PyYAML's object or None, why it is malformed or None)."""
    out: list[tuple[Case, str, object, str | None]] = []
    for case in cases:
        fm = case.render()
        lines = fm.split("\n")
        if len(lines) != 13 or lines[0] != "---" or lines[11] != "---" or lines[12] != "":
            out.append((case, fm, None, f"not 12 lines between --- and ---: {fm!r}"))
            continue
        if (
            lines[2] != "categories: "
            or lines[8] != "comments: false"
            or not all(ln.startswith(" - ") for ln in lines[3:6])
        ):
            out.append((case, fm, None, f"fixed lines moved: {fm!r}"))
            continue
        try:
            out.append((case, fm, yaml.safe_load("\n".join(lines[1:11])), None))
        except yaml.YAMLError as exc:
            out.append((case, fm, None, f"PyYAML error {exc}: {fm!r}"))
    return out


def test_shape_and_pyyaml(read_by_pyyaml):
    failures = []
    for case, fm, doc, malformed in read_by_pyyaml:
        why = malformed or check_read(doc, case)
        if why:
            failures.append((case, f"{why}\n    {fm!r}"))
    assert not failures, _shortest(failures, "PyYAML", len(read_by_pyyaml))


def test_values_are_nfc(read_by_pyyaml):
    # The contract normalizes to NFC; a dropped control character between a letter and its
    # combining mark must not leave the value denormalized.
    bad = []
    for case, _fm, doc, _malformed in read_by_pyyaml:
        for key in ("title", "author", "headimg"):
            if (
                isinstance(doc, dict)
                and isinstance(doc.get(key), str)
                and not unicodedata.is_normalized("NFC", doc[key])
            ):
                bad.append((case, f"{key} {doc[key]!r} is not NFC"))
    assert not bad, _shortest(bad, "PyYAML (NFC)", len(read_by_pyyaml))


# -- js-yaml, the reader Hexo uses ---------------------------------------------------------

READ_JS = r"""
// Reads a JSON list of front-matter texts on stdin; prints a JSON list of the parsed objects.
// Split exactly as hexo-front-matter 4 does, then js-yaml's load() (YAML 1.2 default schema).
const yaml = require('js-yaml');
const rFrontMatter = /^(-{3,}|;{3,})\n([\s\S]+?)\n\1\n?([\s\S]*)/;
function enc(v) {
  if (v instanceof Date) return {'$date': isNaN(v) ? 'Invalid Date' : v.toISOString()};
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === 'object') {
    const o = {}; for (const k of Object.keys(v)) o[k] = enc(v[k]); return o;
  }
  if (typeof v === 'number' || typeof v === 'bigint') return {'$number': String(v)};
  return v;
}
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((text) => {
    const m = text.match(rFrontMatter);
    if (!m) return {'$error': 'hexo-front-matter finds no front matter'};
    try { return enc(yaml.load(m[2])); } catch (e) { return {'$error': String(e.message)}; }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def _unavailable(reason: str) -> NoReturn:
    skip_or_fail(f"the js-yaml (Hexo) reading is not checked: {reason}")


@pytest.fixture(scope="session")
def jsyaml_reader() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node:
        _unavailable("Node is not installed (node not found on PATH)")
    if not (JSYAML_DIR / "node_modules" / "js-yaml" / "package.json").is_file():
        if not npm:
            _unavailable("npm is not installed (npm not found on PATH): cannot install js-yaml")
        JSYAML_DIR.mkdir(parents=True, exist_ok=True)
        pkg = JSYAML_DIR / "package.json"
        if not pkg.exists():
            pkg.write_text(json.dumps({"name": "sinacrawl-jsyaml-check", "private": True}) + "\n")
        try:
            proc = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", JSYAML_SPEC],
                cwd=JSYAML_DIR,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            _unavailable(f"npm install {JSYAML_SPEC} failed: {exc}")
        if proc.returncode != 0:
            _unavailable(f"npm install {JSYAML_SPEC} failed: {proc.stderr.strip()[-500:]}")
    script = JSYAML_DIR / "read_front_matter.js"
    if not script.exists() or script.read_text() != READ_JS:
        script.write_text(READ_JS)
    return script


def jsyaml_load_all(script: Path, texts: list[str]) -> list:
    proc = subprocess.run(
        ["node", str(script)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        cwd=script.parent,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_jsyaml_reads_what_pyyaml_reads(jsyaml_reader, read_by_pyyaml):
    cases = [case for case, *_ in read_by_pyyaml]
    texts = [fm for _case, fm, *_ in read_by_pyyaml]
    docs = jsyaml_load_all(jsyaml_reader, texts)
    assert len(docs) == len(cases)
    failures = []
    for case, doc in zip(cases, docs, strict=True):
        if isinstance(doc, dict) and "$error" in doc:
            failures.append((case, f"js-yaml error {doc['$error']}"))
            continue
        why = check_read(doc, case)
        if why:
            failures.append((case, why))
    assert not failures, _shortest(failures, "js-yaml", len(cases))


def test_jsyaml_date_is_the_rfc1123_string(jsyaml_reader):
    # js-yaml's timestamp type does not match RFC 1123: the date stays the exact string.
    case = hostile_cases()[0]
    (doc,) = jsyaml_load_all(jsyaml_reader, [case.render()])
    assert doc["date"] == "Tue, 22 Feb 2022 04:00:42 GMT"


def test_the_readers_can_disagree_with_a_careless_writer(jsyaml_reader):
    # The oracle is not vacuous: a plain ``author: 1e3`` is read back as a number by both.
    text = hostile_cases()[0].render().replace("author: '*ST 康美'", "author: 1e3")
    assert "author: 1e3" in text
    (doc,) = jsyaml_load_all(jsyaml_reader, [text])
    assert doc["author"] == {"$number": "1000"}
    assert yaml.safe_load("\n".join(text.split("\n")[1:11]))["author"] == "1e3"  # YAML 1.1: str
