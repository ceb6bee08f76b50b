#!/usr/bin/env bash
# Make sure Node (>= 18) and npm are installed, for the Hexo build test and the js-yaml
# round-trip. .ci/run calls this, and tests/run.sh under CI=true: in CI those tests must run.
#
# Nothing to do when node, npm and npx are on PATH. Otherwise, on Debian or Ubuntu, as root
# (or through passwordless sudo): `apt-get update` once, then `apt-get install -y nodejs npm`.
# Exits 1 with the reason when Node can't be installed that way or is too old for Hexo 7.
set -euo pipefail

MIN_NODE_MAJOR=18

have_node() {
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
        && command -v npx >/dev/null 2>&1
}

if ! have_node; then
    echo "ensure_node: Node or npm is missing (node: $(command -v node || echo none)," \
        "npm: $(command -v npm || echo none), npx: $(command -v npx || echo none)); installing."
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ensure_node: no apt-get on this machine: install Node >= $MIN_NODE_MAJOR and npm" \
            "with its package manager, then run again." >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        echo "ensure_node: installing nodejs and npm needs root: run as root, or run" \
            "\`apt-get update && apt-get install -y nodejs npm\` as root first." >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update
    "${as_root[@]}" apt-get install -y --no-install-recommends nodejs npm
    hash -r
    if ! have_node; then
        echo "ensure_node: apt-get installed nodejs and npm, but node, npm or npx is still" \
            "not on PATH ($PATH)." >&2
        exit 1
    fi
fi

version=$(node --version)
major=${version#v}
major=${major%%.*}
if ! [ "$major" -ge "$MIN_NODE_MAJOR" ] 2>/dev/null; then
    echo "ensure_node: Node $version is too old for Hexo 7 (needs >= $MIN_NODE_MAJOR)." >&2
    exit 1
fi
echo "ensure_node: Node $version, npm $(npm --version)"
