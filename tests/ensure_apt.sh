#!/usr/bin/env bash
# Install the Debian packages the tests need where their command is missing.
#   bash tests/ensure_apt.sh COMMAND:PACKAGE [COMMAND:PACKAGE …]
# e.g. `redis-server:redis-server chromium:chromium`; a COMMAND that starts with / is a file
# that must exist instead (a font: `/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc:fonts-wqy-zenhei`).
# tests/run.sh calls it under CI=true,
# where those tests must run, not skip. Nothing is done when every command is on PATH;
# otherwise, as root (or through passwordless sudo), `apt-get update` once, then one
# `apt-get install -y --no-install-recommends` of the missing packages. Exits 1 with the
# reason when that is not possible or a command is still missing afterwards.
set -euo pipefail

present() {
    case "$1" in
        /*) [ -e "$1" ] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for pair in "$@"; do
    cmd=${pair%%:*}
    pkg=${pair#*:}
    present "$cmd" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "ensure_apt: installing ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_apt: no apt-get on this machine: install ${missing[*]} with its package" \
        "manager, then run again." >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "ensure_apt: installing ${missing[*]} needs root: run \`apt-get update &&" \
        "apt-get install -y ${missing[*]}\` as root first." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
hash -r
for pair in "$@"; do
    cmd=${pair%%:*}
    if ! present "$cmd"; then
        echo "ensure_apt: ${pair#*:} is installed but \`$cmd\` is not on PATH ($PATH)." >&2
        exit 1
    fi
done
