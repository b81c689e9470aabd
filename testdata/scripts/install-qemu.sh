#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install-qemu.sh -- idempotent install of Debian's QEMU and the small tools
# qmig's capture scripts (testdata/scripts) use.  Needs root (or sudo) and
# Debian's package registry; runs apt-get update only when the install fails
# (a fresh machine has empty package lists).
#   qemu-system-x86 qemu-utils : the real QEMU (7.2 on bookworm)
#   busybox-static cpio        : the guest's initramfs (build-guest.sh)
#   socat                      : TCP sink/source for streams
#   xz-utils zstd              : compressing captured streams (xz for the
#                                committed captures, zstd for tests)
#   gzip bzip2 lzop lz4        : the other compressors users wrap saved streams
#                                in (saved-form tests build images with them)
#   chromium                   : headless browser for the HTML report test
#   openssl                    : X.509 test certificates for the TLS tests
#   python3 (if none on PATH)  : qmp.py / stream-info.py (stdlib only)
# Prints the QEMU version at the end.  Runtime: ~1 min on a fresh machine,
# < 1 s when everything is already there.
set -euo pipefail
PKGS=(qemu-system-x86 qemu-utils busybox-static cpio socat xz-utils zstd gzip bzip2 lzop lz4 chromium openssl)
command -v python3 >/dev/null 2>&1 || PKGS+=(python3)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-qemu.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # an empty package list (fresh machine) makes apt-get install fail: update first then
    if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        $SUDO apt-get update >&2
        $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >&2
    fi
fi
qemu-system-x86_64 --version | head -1
