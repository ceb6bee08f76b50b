"""A minimal Hexo 7 site, built without ``hexo init`` (which clones from GitHub), to check
that the posts sinacrawl writes render as the output contract promises.

``ensure_hexo_site()`` writes package.json, _config.yml and a tiny EJS theme, then runs
``npm install`` once; the result is cached in ``<repo>/.hexo-site`` (git-ignored), or in the
folder named by ``SINACRAWL_HEXO_SITE``. ``build()`` replaces source/_posts with the given
posts, runs ``hexo generate`` and returns public/.

The site is set up as the README's "Hexo setup" section tells a user to: the archive's tree
(``<year>/<month>/<id>.md`` and the files a crawl writes beside the posts) is source/_posts,
``permalink: :year/:month/:day/:name/``, no ``timezone:``, JSON files in _posts not rendered,
and the build runs with ``TZ=Asia/Shanghai``.

``python -m tests.hexo_site`` (from the repo root) prepares the site; tests/setup_hexo.sh
calls it before pytest so the test itself only generates.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BASE = REPO / ".hexo-site"
ENV_VAR = "SINACRAWL_HEXO_SITE"

# hexo-renderer-marked 7 and hexo-generator-index 4 need Node >= 18, as does Hexo 7 itself in
# practice; all are plain JS (no native build, no download at install time).
DEPENDENCIES = {
    "hexo": "^7.3.0",
    "hexo-renderer-marked": "^7.0.1",
    "hexo-renderer-ejs": "^2.0.0",
    "hexo-generator-index": "^4.0.0",
    "hexo-generator-category": "^2.0.0",
}

INSTALL_TIMEOUT = 600  # seconds
GENERATE_TIMEOUT = 300

PACKAGE_JSON = {
    "name": "sinacrawl-hexo-check",
    "version": "0.0.0",
    "private": True,
    "description": "Throw-away Hexo site used by sinacrawl's tests (tests/hexo_site.py)",
    "hexo": {"version": "7.3.0"},
    "dependencies": DEPENDENCIES,
}

CONFIG_YML = """\
# Written by sinacrawl tests/hexo_site.py; rewritten whenever that file changes.
title: sinacrawl Hexo check
author: sinacrawl
language: zh-CN
# No `timezone:` (Hexo's default): the contract's RFC 1123 GMT dates are read as exact instants
# only then; the build's TZ=Asia/Shanghai makes pages and permalinks show Beijing dates.
timezone: ''
url: http://example.com
# :name is the file name alone; Hexo's default :title is the path under _posts, which for the
# archive's <year>/<month>/<id>.md would double the date (/2026/11/21/2026/11/<id>/).
permalink: :year/:month/:day/:name/
# The run reports a crawl writes beside its posts (last-run.json, reports/*.json) would
# otherwise each become a post: Hexo renders JSON.
skip_render:
  - "_posts/**/*.json"
permalink_defaults:
source_dir: source
public_dir: public
archive_dir: archives
category_dir: categories
tag_dir: tags
default_category: uncategorized
new_post_name: :title.md
render_drafts: false
post_asset_folder: false
relative_link: false
future: true
syntax_highlighter: ''
index_generator:
  path: ''
  per_page: 0
  order_by: -date
category_generator:
  per_page: 0
date_format: YYYY-MM-DD
time_format: HH:mm:ss
updated_option: date
per_page: 0
pagination_dir: page
theme: mini
"""

LAYOUT = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title><%= page.title || config.title %></title></head>
<body>
<%- body %>
</body>
</html>
"""

POST = """\
<article class="post">
<h1 class="post-title"><%= page.title %></h1>
<p class="post-meta">
<time class="post-date" datetime="<%= page.date.toISOString() %>"\
><%= date(page.date, 'YYYY-MM-DD HH:mm:ss Z') %></time>
<span class="post-author"><%= page.author %></span>
</p>
<ul class="post-categories">
<% page.categories.forEach(function (cat) { %>\
<li><a href="<%- url_for(cat.path) %>"><%= cat.name %></a></li>
<% }) %>\
</ul>
<div class="post-body">
<%- page.content %>
</div>
</article>
"""

LISTING = """\
<h1 class="listing-title"><%= page.category || page.title || config.title %></h1>
<ul class="post-list">
<% page.posts.forEach(function (post) { %>\
<li><a href="<%- url_for(post.path) %>"><%= post.title %></a></li>
<% }) %>\
</ul>
"""

THEME_FILES = {
    "themes/mini/_config.yml": "# minimal theme for sinacrawl's Hexo check\n",
    "themes/mini/layout/layout.ejs": LAYOUT,
    "themes/mini/layout/post.ejs": POST,
    "themes/mini/layout/page.ejs": POST,
    "themes/mini/layout/index.ejs": LISTING,
    "themes/mini/layout/category.ejs": LISTING,
    "themes/mini/layout/archive.ejs": LISTING,
    "themes/mini/layout/tag.ejs": LISTING,
}

STAMP = ".sinacrawl-site-stamp"
# The last build's duration ("seconds") and Hexo's log ("output"), for reports.
LAST_BUILD: dict[str, float | str] = {}
# Hexo logs a failed render as "ERROR …" or "FATAL …" and may still exit 0.
LOGGED_ERROR = re.compile(r"^\s*(ERROR|FATAL)\b")
# Left by a build: Hexo's cache (it would reuse posts processed under another config), the
# per-build config and Hexo's merge of the two. Removed before and after every build.
SCRATCH = ("db.json", "_config.extra.yml", "_multiconfig.yml")


class HexoUnavailable(RuntimeError):
    """Hexo can't be set up here. ``kind`` is "node-missing" or "install-failed"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class HexoBuildError(RuntimeError):
    """``hexo generate`` failed, timed out, or logged an error."""


def _files() -> dict[str, str]:
    files = {
        "package.json": json.dumps(PACKAGE_JSON, indent=2, ensure_ascii=False) + "\n",
        "_config.yml": CONFIG_YML,
    }
    files.update(THEME_FILES)
    return files


def _stamp(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


def site_dir(base: Path | None = None) -> Path:
    """The site folder: $SINACRAWL_HEXO_SITE, else ``base``, else <repo>/.hexo-site."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return Path(base).resolve() if base is not None else DEFAULT_BASE


def node_missing_reason() -> str | None:
    """Why Hexo can't run here, or None if node, npm and npx are all on PATH."""
    missing = [tool for tool in ("node", "npm", "npx") if shutil.which(tool) is None]
    if missing:
        return (
            f"Node is not installed: {', '.join(missing)} not found on PATH "
            "(install nodejs and npm, e.g. `apt-get install nodejs npm`, to run the Hexo check)"
        )
    return None


def in_ci() -> bool:
    """True under CI=true (or 1, yes): there a Hexo or js-yaml check may not skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the calling test with ``reason``; under CI=true fail it instead."""
    import pytest

    if in_ci():
        pytest.fail(
            f"{reason}\nUnder CI=true this check must run, not skip: .ci/run installs Node and "
            "npm where they are missing (tests/ensure_node.sh).",
            pytrace=False,
        )
    pytest.skip(reason)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@contextlib.contextmanager
def _locked(site: Path):
    site.mkdir(parents=True, exist_ok=True)
    with open(site / ".sinacrawl-lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_hexo_site(base: Path | None = None, *, log=None) -> Path:
    """Create (once) the minimal Hexo site and install its packages; return its folder.

    Cached: when the files this module writes are unchanged and node_modules holds Hexo, no
    npm command runs. Raises HexoUnavailable when Node is missing or npm install fails.
    """
    reason = node_missing_reason()
    if reason:
        raise HexoUnavailable("node-missing", reason)
    site = site_dir(base)
    files = _files()
    stamp = _stamp(files)
    with _locked(site):
        stamp_path = site / STAMP
        installed = (site / "node_modules" / "hexo" / "package.json").is_file()
        if installed and stamp_path.is_file() and stamp_path.read_text() == stamp:
            return site
        for name, text in files.items():
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
                timeout=INSTALL_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise HexoUnavailable(
                "install-failed",
                f"`{' '.join(cmd)}` in {site} timed out after {INSTALL_TIMEOUT}s "
                "(is the npm registry reachable?)",
            ) from None
        elapsed = time.monotonic() - started
        if proc.returncode != 0 or not (site / "node_modules" / "hexo").is_dir():
            output = proc.stdout + "\n" + proc.stderr
            network = any(
                code in output
                for code in (
                    "ENOTFOUND",
                    "EAI_AGAIN",
                    "ETIMEDOUT",
                    "ECONNREFUSED",
                    "ECONNRESET",
                    "ENETUNREACH",
                    "network",
                )
            )
            hint = " — the npm registry looks unreachable (no network?)" if network else ""
            raise HexoUnavailable(
                "install-failed",
                f"`{' '.join(cmd)}` in {site} failed (exit {proc.returncode}){hint}:\n"
                + _tail(output),
            )
        if log:
            log(f"npm install in {site} took {elapsed:.1f}s")
        stamp_path.write_text(stamp)
    return site


def installed_versions(site: Path) -> dict[str, str]:
    """Versions of the site's direct dependencies as installed."""
    versions = {}
    for name in DEPENDENCIES:
        meta = site / "node_modules" / name / "package.json"
        if meta.is_file():
            versions[name] = json.loads(meta.read_text(encoding="utf-8"))["version"]
    return versions


def build(
    site: Path,
    archive: Path,
    *,
    env: dict[str, str] | None = None,
    extra_config: str | None = None,
    public_dir: str = "public",
) -> Path:
    """Replace source/_posts with a copy of the folder ``archive`` (and source/images with
    its images/, if any), run ``hexo generate``, return public/.

    Raises HexoBuildError when Hexo exits non-zero, times out, or logs an ERROR line (Hexo
    logs some render failures, e.g. a Nunjucks error in a post, and still exits 0).
    ``env`` adds to the environment of the Hexo process (e.g. ``{"TZ": ...}``);
    ``extra_config`` is YAML merged over _config.yml for this build only; ``public_dir``
    names the output folder inside the site, so two builds can be compared.
    """
    site = Path(site)
    posts_dir = site / "source" / "_posts"
    with _locked(site):
        shutil.rmtree(posts_dir, ignore_errors=True)
        shutil.rmtree(site / public_dir, ignore_errors=True)
        for name in SCRATCH:
            (site / name).unlink(missing_ok=True)
        shutil.copytree(archive, posts_dir)
        images = site / "source" / "images"  # README "Hexo setup": the archive's images
        shutil.rmtree(images, ignore_errors=True)
        if (Path(archive) / "images").is_dir():
            shutil.copytree(Path(archive) / "images", images)
        run_env = dict(os.environ)
        run_env.update({"NO_COLOR": "1", "FORCE_COLOR": "0"})
        run_env.update(env or {})
        cmd = ["npx", "--no-install", "hexo", "generate"]
        extra = site / "_config.extra.yml"
        if public_dir != "public":
            extra_config = f"{extra_config or ''}\npublic_dir: {public_dir}\n"
        if extra_config:
            extra.write_text(extra_config, encoding="utf-8")
            cmd += ["--config", f"_config.yml,{extra.name}"]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                cmd,
                cwd=site,
                capture_output=True,
                text=True,
                timeout=GENERATE_TIMEOUT,
                env=run_env,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as exc:
            raise HexoBuildError(
                f"`{' '.join(cmd)}` in {site} timed out after {GENERATE_TIMEOUT}s:\n"
                + _tail(str(exc.stdout or "") + str(exc.stderr or ""))
            ) from None
        finally:
            for name in SCRATCH:
                (site / name).unlink(missing_ok=True)
        output = proc.stdout + "\n" + proc.stderr
        LAST_BUILD.update(seconds=time.monotonic() - started, output=output)
        errors = [line for line in output.splitlines() if LOGGED_ERROR.match(line)]
        if proc.returncode != 0 or errors:
            raise HexoBuildError(
                f"`{' '.join(cmd)}` in {site} failed (exit {proc.returncode}):\n"
                + _tail(output, 40)
            )
    public = site / public_dir
    if not public.is_dir():
        raise HexoBuildError(f"hexo generate made no {public}:\n" + _tail(output))
    return public


def main() -> int:
    reason = node_missing_reason()
    if reason:
        if in_ci():
            print(f"setup_hexo: {reason}; under CI=true the Hexo test fails.", file=sys.stderr)
            return 1
        print(f"setup_hexo: {reason}; the Hexo test will be skipped.")
        return 0
    started = time.monotonic()
    try:
        site = ensure_hexo_site(log=print)
    except HexoUnavailable as exc:
        print(f"setup_hexo: {exc}", file=sys.stderr)
        return 1
    versions = ", ".join(f"{k} {v}" for k, v in installed_versions(site).items())
    print(f"setup_hexo: site ready in {site} ({time.monotonic() - started:.1f}s): {versions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
