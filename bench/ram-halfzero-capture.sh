#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ram-halfzero-capture.sh [--size SIZE] OUTFILE
#
# Makes a real QEMU 7.2 stream of a q35 guest whose RAM ("pc.ram", default
# 4G) is half seeded random, half zero: the first half of every page is the
# same Mersenne-Twister (seed 1234) data that lib.sh's random_ram_file writes,
# the second half is a hole.  QEMU sends the first half as PAGE records and
# the second as ZERO records (its buffer_is_zero test), so a 4 GiB guest
# gives a ~2.15 GB stream with 524,288 zero pages.
#
# How: testdata/scripts/capture-stream.sh's q35-random-ram scenario backs
# pc.ram with the file "$LAB_WORK/ram/random-<bytes>.bin" (a MAP_PRIVATE
# memory-backend-file) and only writes that file when it is missing or has
# the wrong size.  This script points LAB_WORK at its own directory and puts
# a sparse file of that name there: <bytes>/2 of seeded random data, then
# truncate(1) to <bytes>.  The capture itself is the repo's unchanged
# capture-stream.sh with --param max-bandwidth=1099511627776.
#
# Writes OUTFILE and OUTFILE.capture.json (capture-stream.sh's JSON summary
# plus the wall time).  Disk: the backing file (<bytes>/2 on disk) stays in
# ${HALFZERO_LAB:-$(dirname OUTFILE)/lab-halfzero} for the next run.
# Runtime (2 cores, 4G): ~23 s: ~12 s writing 2 GiB of random data (first
# time only), ~12 s migration (QEMU tests every zero page; ~1.4 GB/s).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCRIPTS="$HERE/../testdata/scripts"
SIZE=4G
while [ $# -gt 0 ]; do
    case "$1" in
    --size) SIZE=$2; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "ERROR: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--size SIZE] OUTFILE" >&2; exit 2; }
OUT=$1
PY="${PYTHON:-python3}"
BYTES=$("$PY" -c '
import sys
s = sys.argv[1].strip().upper()
m = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
print(int(s[:-1]) * m[s[-1]] if s[-1] in m else int(s))' "$SIZE")
[ $((BYTES % 8192)) -eq 0 ] || { echo "ERROR: --size must be a multiple of 8 KiB" >&2; exit 2; }

export LAB_WORK="${HALFZERO_LAB:-$(cd "$(dirname "$OUT")" && pwd)/lab-halfzero}"
RAM="$LAB_WORK/ram/random-$BYTES.bin"
mkdir -p "$LAB_WORK/ram"
if [ ! -s "$RAM" ] || [ "$(stat -c %s "$RAM")" != "$BYTES" ]; then
    echo "[$(date +%H:%M:%S)] writing $RAM: $((BYTES / 2)) bytes seeded random, then a hole to $BYTES" >&2
    "$PY" - "$RAM.tmp" "$((BYTES / 2))" <<'EOF'
import random, sys
# the same generator and chunking as lib.sh's random_ram_file
path, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1234)
with open(path, "wb") as f:
    while n > 0:
        k = min(n, 1 << 24)
        f.write(r.randbytes(k))
        n -= k
EOF
    truncate -s "$BYTES" "$RAM.tmp"
    mv "$RAM.tmp" "$RAM"
fi

part="$(dirname "$OUT")/.capturing-$(basename "$OUT")"
rm -f "$part"
t0=$(date +%s.%N)
bash "$SCRIPTS/capture-stream.sh" --size "$SIZE" --param max-bandwidth=1099511627776 \
    q35-random-ram "$part" > "$part.out"
t1=$(date +%s.%N)
head -1 "$part.out" | "$PY" -c '
import json, sys
d = json.loads(sys.stdin.readline()); d["file"] = sys.argv[1]
d["scenario"] = "q35-random-ram, pc.ram half random / half zero (bench/ram-halfzero-capture.sh)"
d["capture_wall_s"] = round(float(sys.argv[3]) - float(sys.argv[2]), 2)
print(json.dumps(d))' "$(basename "$OUT")" "$t0" "$t1" > "$OUT.capture.json"
rm -f "$part.out"
mv "$part" "$OUT"
cat "$OUT.capture.json"
