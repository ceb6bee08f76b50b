"""A Hexo 7 site on the Volantis theme (``hexo-theme-volantis`` from the npm registry), set
up as the README's "Hexo setup" section says, to check what a reader of the posts sees there.

It reuses tests/hexo_site.py: the same ``_config.yml`` (theme: volantis), the same locking,
``build()`` and the skip/fail rules. The theme's own settings go in ``_config.volantis.yml``
(Hexo reads ``_config.<theme>.yml`` over the theme's defaults), the authors in
``source/_data/author.yml``. Cached like the minimal site, in ``<repo>/.hexo-volantis``
(git-ignored) or ``$SINACRAWL_VOLANTIS_SITE``: a second call with the same files runs no npm
command. ``python -m tests.volantis_site`` prepares it (tests/setup_hexo.sh calls it).

Volantis 5.8 is the line for Hexo 7: it declares Hexo 5.4-6 and builds on 7 (this test is
the proof); Volantis 6.8 depends on Hexo 8.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

try:
    from tests import hexo_site
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    import hexo_site  # type: ignore[no-redef]

REPO = hexo_site.REPO
DEFAULT_BASE = REPO / ".hexo-volantis"
ENV_VAR = "SINACRAWL_VOLANTIS_SITE"
VOLANTIS = "5.8.0"

DEPENDENCIES = {
    "hexo": "^7.3.0",
    "hexo-theme-volantis": VOLANTIS,
    "hexo-renderer-ejs": "^2.0.0",
    "hexo-renderer-stylus": "^3.0.1",
    "hexo-renderer-marked": "^7.0.1",
    "hexo-generator-index": "^4.0.0",
    "hexo-generator-archive": "^2.0.0",
    "hexo-generator-category": "^2.0.0",
    "hexo-generator-tag": "^2.0.0",
}

PACKAGE_JSON = {
    "name": "sinacrawl-volantis-check",
    "version": "0.0.0",
    "private": True,
    "description": "Throw-away Hexo site on Volantis used by sinacrawl's tests",
    "hexo": {"version": "7.3.0"},
    "dependencies": DEPENDENCIES,
}

# The README's Volantis settings: the publish time shown with the hour and minute (Volantis
# shows the date alone by default).
THEME_CONFIG = """\
# Written by sinacrawl tests/volantis_site.py; rewritten whenever that file changes.
article:
  body:
    meta_library:
      date:
        format: 'YYYY-MM-DD HH:mm'
      updated:
        format: 'YYYY-MM-DD HH:mm'
"""

# The author the posts name (SINACRAWL_SITE_NAME), as Volantis's author list wants it.
AUTHORS = """\
新浪财经:
  name: 新浪财经
  avatar: https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png
  url: https://finance.sina.com.cn/
"""


def files() -> dict[str, str]:
    return {
        "package.json": json.dumps(PACKAGE_JSON, indent=2, ensure_ascii=False) + "\n",
        "_config.yml": hexo_site.CONFIG_YML.replace("\ntheme: mini\n", "\ntheme: volantis\n"),
        "_config.volantis.yml": THEME_CONFIG,
        "source/_data/author.yml": AUTHORS,
    }


def site_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser().resolve() if env else DEFAULT_BASE


def ensure_volantis_site(*, log=None) -> Path:
    """Create (once) the Volantis site and install its packages; return its folder.

    Raises hexo_site.HexoUnavailable when Node is missing or npm install fails."""
    reason = hexo_site.node_missing_reason()
    if reason:
        raise hexo_site.HexoUnavailable("node-missing", reason)
    site = site_dir()
    wanted = files()
    assert "\ntheme: volantis\n" in wanted["_config.yml"], "the site config names no theme"
    stamp = hexo_site._stamp(wanted)
    with hexo_site._locked(site):
        stamp_path = site / hexo_site.STAMP
        theme = site / "node_modules" / "hexo-theme-volantis" / "package.json"
        if theme.is_file() and stamp_path.is_file() and stamp_path.read_text() == stamp:
            return site
        for name, text in wanted.items():
            path = site / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (site / "source" / "_posts").mkdir(parents=True, exist_ok=True)
        stamp_path.unlink(missing_ok=True)
        cmd = ["npm", "install", "--no-audit", "--no-fund", "--no-update-notifier"]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                cmd,
                cwd=site,
                capture_output=True,
                text=True,
                timeout=hexo_site.INSTALL_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise hexo_site.HexoUnavailable(
                "install-failed",
                f"`{' '.join(cmd)}` in {site} timed out after {hexo_site.INSTALL_TIMEOUT}s "
                "(is the npm registry reachable?)",
            ) from None
        if proc.returncode != 0 or not theme.is_file():
            raise hexo_site.HexoUnavailable(
                "install-failed",
                f"`{' '.join(cmd)}` in {site} failed (exit {proc.returncode}):\n"
                + hexo_site._tail(proc.stdout + "\n" + proc.stderr),
            )
        if log:
            log(f"npm install in {site} took {time.monotonic() - started:.1f}s")
        stamp_path.write_text(stamp)
    return site


def installed_versions(site: Path) -> dict[str, str]:
    versions = {}
    for name in DEPENDENCIES:
        meta = site / "node_modules" / name / "package.json"
        if meta.is_file():
            versions[name] = json.loads(meta.read_text(encoding="utf-8"))["version"]
    return versions


def main() -> int:
    reason = hexo_site.node_missing_reason()
    if reason:
        if hexo_site.in_ci():
            print(f"setup_hexo: {reason}; under CI=true the Volantis test fails.", file=sys.stderr)
            return 1
        print(f"setup_hexo: {reason}; the Volantis test will be skipped.")
        return 0
    started = time.monotonic()
    try:
        site = ensure_volantis_site(log=print)
    except hexo_site.HexoUnavailable as exc:
        print(f"setup_hexo: {exc}", file=sys.stderr)
        return 1
    versions = ", ".join(f"{k} {v}" for k, v in installed_versions(site).items())
    print(
        f"setup_hexo: Volantis site ready in {site} ({time.monotonic() - started:.1f}s): {versions}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
