#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# postcopy-capture.sh [options] SCENARIO OUTFILE
#
# Records the source->destination bytes of a real QEMU 7.2 postcopy
# migration.  A destination (qemu-destination.sh --cap postcopy-ram=on) listens
# on 127.0.0.1; multifd-proxy.py relays the one connection both ways (the
# destination's return path flows back through it) and stores what the source
# sent; the source of SCENARIO migrates with --cap postcopy-ram=on and
# migrate-start-postcopy right after migrate.  The recorded stream has
# POSTCOPY_ADVISE, LISTEN, RUN and a PACKAGED command holding the device
# state, then the RAM sent after the switch; it has no VMDESCRIPTION trailer
# (QEMU 7.2 sends none in postcopy).
#
# stdout: one JSON line {"scenario", "file", "bytes", "dest_result",
#   "source": {status, total-time, ...}}
# Exit 0 only when the source said "completed", the proxy recorded the
# connection and the destination accepted.
#
# A never-run 64M guest converges at once, so the source's precopy rate is
# held at 128 KiB/s (max-bandwidth) while postcopy itself is unlimited
# (max-postcopy-bandwidth 1 GiB/s): migrate-start-postcopy always finds the
# migration still in its first pass.
#
# Options:
#   --size S      guest RAM size
#   --timeout S   overall bound (default 120)
# Runtime: ~2-4 s for q35-plain (the proxy waits up to 10 s for the
# destination to close its side).
source "$(dirname "$0")/lib.sh"

SIZE=""; TIMEOUT=120
while [ $# -gt 0 ]; do
    case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die "usage: $0 [options] SCENARIO OUTFILE   (--help)"
SCEN=$1; OUTF=$2
mkdir -p "$(dirname "$OUTF")"
OUTF="$(cd "$(dirname "$OUTF")" && pwd)/$(basename "$OUTF")"
rm -f "$OUTF"
lab_ensure_tools
lab_tmpdir postcopy; T="$LAB_TMP"
SIZEOPT=()
[ -n "$SIZE" ] && SIZEOPT=(--size "$SIZE")

DPORT=$(free_port)
: > "$T/dest.out"
bash "$LAB_DIR/qemu-destination.sh" --port "$DPORT" --timeout "$TIMEOUT" "${SIZEOPT[@]}" --cap postcopy-ram=on "$SCEN" \
    > "$T/dest.out" 2> "$T/dest.err" &
DPID=$!; lab_track "$DPID"
end=$(( $(date +%s) + 60 ))
until grep -q '^LISTENING' "$T/dest.out"; do
    kill -0 "$DPID" 2>/dev/null || { cat "$T/dest.out" "$T/dest.err" >&2; die "destination did not start"; }
    [ "$(date +%s)" -lt "$end" ] || die "destination not listening after 60 s"
    sleep 0.05
done
log "destination listening on 127.0.0.1:$DPORT (pid $DPID)"

PPORT=$(free_port)
"$PY" "$LAB_DIR/multifd-proxy.py" --listen "$PPORT" --out "$T/rec" --expect 1 --timeout "$TIMEOUT" --forward "$DPORT" \
    > "$T/proxy.out" 2> "$T/proxy.err" &
PPID_=$!; lab_track "$PPID_"
wait_port "$PPORT" 20 || { cat "$T/proxy.err" >&2; die "proxy did not listen on 127.0.0.1:$PPORT"; }

set +e
bash "$LAB_DIR/capture-stream.sh" --send-to "$PPORT" --timeout "$TIMEOUT" "${SIZEOPT[@]}" --cap postcopy-ram=on --postcopy \
    --param max-bandwidth=131072 --param max-postcopy-bandwidth=1073741824 "$SCEN" - > "$T/source.json" 2> "$T/source.err"
SRC_RC=$?
wait "$PPID_"; PROXY_RC=$?
wait "$DPID"; DRC=$?
set -e
[ "$SRC_RC" = 0 ] || { cat "$T/source.err" "$T/proxy.err" "$T/dest.out" >&2; die "source migration did not complete (rc $SRC_RC)"; }
[ "$PROXY_RC" = 0 ] || { cat "$T/proxy.out" "$T/proxy.err" >&2; die "proxy did not record the connection (rc $PROXY_RC)"; }
DEST_RESULT=$(grep -m1 '^RESULT' "$T/dest.out" || echo "RESULT MISSING")
[ "$DRC" = 0 ] || { cat "$T/dest.out" "$T/dest.err" >&2; die "destination did not accept: $DEST_RESULT"; }
# the switch happened: a PACKAGED command (08, MIG_CMD 7, length 4) and the
# stream ends at QEMU_VM_EOF (00), with no trailer after it
"$PY" - "$T/rec/conn-0.bin" <<'PYEOF' || die "the recorded stream is not a postcopy stream (precopy finished first?)"
import sys
b = open(sys.argv[1], "rb").read()
sys.exit(0 if b.find(bytes.fromhex("0800070004")) >= 0 and b[-1:] == bytes(1) else 1)
PYEOF
mv "$T/rec/conn-0.bin" "$OUTF"

"$PY" - "$T/source.json" "$SCEN" "$OUTF" "$DEST_RESULT" <<'PYEOF'
import json, os, sys
src = json.load(open(sys.argv[1]))
print(json.dumps({"scenario": sys.argv[2], "file": sys.argv[3], "bytes": os.path.getsize(sys.argv[3]),
                  "dest_result": sys.argv[4],
                  "source": {k: src.get(k) for k in ("status", "total-time", "downtime", "postcopy-requests")}}))
PYEOF
