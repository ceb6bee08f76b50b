"""Regenerate fixtures/article/<case>/expected.md from the current code. Review the diff.

python tools/regen_golden.py            # all cases
python tools/regen_golden.py CASE ...   # some cases
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sinacrawl.convert import Converter  # noqa: E402


def main(names: list[str]) -> int:
    converter = Converter()
    for folder in sorted((ROOT / "fixtures" / "article").iterdir()):
        if names and folder.name not in names:
            continue
        facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
        if not facts["is_article"]:
            continue
        url = (folder / "url.txt").read_text(encoding="utf-8").strip()
        _, post = converter.convert((folder / "page.html").read_bytes(), url)
        target = folder / "expected.md"
        old = target.read_bytes() if target.is_file() else None
        if old != post.encode("utf-8"):
            target.write_bytes(post.encode("utf-8"))
            print(f"updated {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
