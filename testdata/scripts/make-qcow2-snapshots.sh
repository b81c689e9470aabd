#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make-qcow2-snapshots.sh [--compat 0.10|1.1] [-o QEMU_IMG_OPTIONS] OUT.qcow2
#
# Makes a qcow2 image with real internal snapshots from Debian's QEMU 7.2:
#   1. qemu-img create -f qcow2 OUT.qcow2 64M (compat 1.1 = qcow2 v3 unless told;
#      -o adds creation options, e.g. extended_l2=on,cluster_size=128k)
#   2. starts q35 (-nodefaults -display none -S: paused, never ran, 64M RAM;
#      the RTC follows the VM clock, so a paused VM keeps the very same state)
#      with the image attached as a virtio-blk disk;
#   3. savevm "vm1", migrate "exec:cat > OUT.qcow2.vm1.mig" (paused, so the
#      .mig holds the same machine state as the snapshot); cont, let the
#      firmware run 0.3 s, stop; savevm "vm2", migrate to OUT.qcow2.vm2.mig;
#   4. quits, then adds a disk-only snapshot "disk1" with qemu-img snapshot -c.
# Listing the snapshots (qemu-img info --output=json) is left to the caller.
# Runtime: about 1-2 s.
source "$(dirname "$0")/lib.sh"

COMPAT=1.1
OPTS=""
while [ $# -gt 0 ]; do
    case "$1" in
    --compat) COMPAT=$2; shift 2 ;;
    -o) OPTS=",$2"; shift 2 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || die "usage: $0 [--compat 0.10|1.1] [-o OPTIONS] OUT.qcow2"
OUT=$1
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
command -v "$QEMU" >/dev/null && command -v qemu-img >/dev/null || lab_ensure_tools

rm -f "$OUT" "$OUT.vm1.mig" "$OUT.vm2.mig"
qemu-img create -q -f qcow2 -o compat="$COMPAT$OPTS" "$OUT" 64M
lab_tmpdir qcow2snap
T=$LAB_TMP
"$QEMU" -M q35 -nodefaults -display none -m 64M -S -rtc base=2020-01-01T00:00:00,clock=vm \
    -drive file="$OUT",if=none,id=d0,format=qcow2 -device virtio-blk-pci,drive=d0 \
    -qmp unix:"$T/qmp.sock",server=on,wait=off 2>"$T/qemu.err" &
QPID=$!
lab_track "$QPID"
qmp "$T/qmp.sock" wait-socket --timeout 30 >/dev/null
for n in 1 2; do
    out=$(qmp "$T/qmp.sock" hmp "savevm vm$n")
    [ -z "$(echo "$out" | tr -d '[:space:]"')" ] || die "savevm vm$n: $out"
    qmp "$T/qmp.sock" migrate "exec:cat > '$OUT.vm$n.mig'" --timeout 60 >/dev/null \
        || die "migrate after savevm vm$n failed"
    if [ "$n" = 1 ]; then   # a migrated source is inactive until cont
        qmp "$T/qmp.sock" cmd cont >/dev/null
        sleep 0.3
        qmp "$T/qmp.sock" cmd stop >/dev/null
    fi
done
qmp "$T/qmp.sock" cmd quit >/dev/null || true
for i in $(seq 100); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.05; done
wait "$QPID" 2>/dev/null || true
qemu-img snapshot -c disk1 "$OUT"
log "made $OUT (compat $COMPAT): snapshots vm1, vm2 (VM state) and disk1 (disk only)"
