#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fetch-analyze-migration.sh
#
# Prints (on stdout, one line) the path of QEMU 7.2's own stream reader,
# scripts/analyze-migration.py, from Debian's QEMU source package.  When it
# is not there yet, it is fetched with "apt-get source qemu" (the version
# of the installed qemu-system-x86 when possible) into
#   $QEMU_SRC_DIR   (default ${TMPDIR:-/tmp}/qmig-qemu-src)
# enabling Debian's deb-src entries and installing dpkg-dev first when
# needed (needs root or sudo).  Nothing of QEMU's source is committed: the
# tests only run the script as an independent reference reader, e.g.
#   python3 "$(fetch-analyze-migration.sh)" -f STREAM     (state as JSON)
#   python3 "$(fetch-analyze-migration.sh)" -d desc -f STREAM
# (7.2's "-m" option fails under Python 3; "-x" extracts into the cwd.)
# Runtime: instant when present; ~15-30 s to download (~25 MB) and unpack.
source "$(dirname "$0")/lib.sh"

SRC="${QEMU_SRC_DIR:-${TMPDIR:-/tmp}/qmig-qemu-src}"
case "${1:-}" in
'') ;;
-h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
*) die "usage: $0   (no arguments; QEMU_SRC_DIR=DIR to choose where the source goes)" ;;
esac

find_script() {
    local f
    for f in "$SRC"/qemu-7.2*/scripts/analyze-migration.py; do
        [ -s "$f" ] && { echo "$f"; return 0; }
    done
    return 1
}
if find_script; then exit 0; fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

has_deb_src() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] && grep -qE '^[[:space:]]*(Types:.*deb-src|deb-src[[:space:]])' "$f" && return 0
    done
    return 1
}
if ! has_deb_src; then
    log "enabling Debian's deb-src entries"
    if [ -s /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            | $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    elif [ -s /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' /etc/apt/sources.list \
            | $SUDO tee /etc/apt/sources.list.d/debian-src.list >/dev/null
    else
        die "no Debian apt sources found to derive deb-src entries from"
    fi
    has_deb_src || die "could not enable deb-src entries"
    $SUDO apt-get update >&2
fi
if ! command -v dpkg-source >/dev/null 2>&1; then
    log "installing dpkg-dev (dpkg-source unpacks the source package)"
    $SUDO apt-get install -y --no-install-recommends dpkg-dev >&2 \
        || { $SUDO apt-get update >&2; $SUDO apt-get install -y --no-install-recommends dpkg-dev >&2; }
fi

mkdir -p "$SRC"
# prefer the source version of the installed binary package (same patches)
VER=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null || true)
get() { (cd "$SRC" && apt-get source "$@" >&2); }
log "fetching QEMU's source package into $SRC"
if ! { [ -n "$VER" ] && get "qemu=$VER"; }; then
    # stale or empty package lists: update once, then take the version apt knows
    $SUDO apt-get update >&2
    { [ -n "$VER" ] && get "qemu=$VER"; } || get qemu || die "apt-get source qemu failed"
fi
find_script || die "no qemu-7.2*/scripts/analyze-migration.py under $SRC (is the source package QEMU 7.2?)"
