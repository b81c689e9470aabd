#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# multifd-capture.sh [options] SCENARIO OUTDIR
#
# Records a real QEMU 7.2 multifd migration connection by connection.  The
# source QEMU of SCENARIO (see scenario_args in lib.sh) migrates with
#   --cap multifd=on --param multifd-channels=N --param multifd-compression=C
# to multifd-proxy.py on 127.0.0.1, which stores every accepted connection as
# OUTDIR/conn-<n>.bin (accept order: conn-0 is the main channel) and writes
# OUTDIR/index.json (kind main/multifd, channel id, uuid, bytes per file).
# By default the proxy relays every connection to a real QEMU 7.2 destination
# (qemu-destination.sh with the same multifd settings), which must accept the
# migration; with --no-dest the proxy is a pure sink that never answers.
#
# stdout: one JSON line {"scenario", "compression", "channels", "forwarded",
#   "dest_result", "source": <capture-stream.sh summary>, "connections": [...]}
# Exit 0 only when the source said "completed", every expected connection
# was recorded and (unless --no-dest) the destination accepted.
#
# Options:
#   --compression C   none (default), zlib or zstd
#   --channels N      multifd-channels (default 2)
#   --size S          guest RAM size (q35-random-ram: e.g. 16M)
#   --no-dest         record only; no destination
#   --timeout S       overall bound for the migration (default 120)
# Runtime: ~2-4 s for q35-random-ram --size 16M or q35-plain.
source "$(dirname "$0")/lib.sh"

COMP=none; CHANNELS=2; SIZE=""; NODEST=0; TIMEOUT=120
while [ $# -gt 0 ]; do
    case "$1" in
    --compression) COMP=$2; shift 2 ;;
    --channels) CHANNELS=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --no-dest) NODEST=1; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die "usage: $0 [options] SCENARIO OUTDIR   (--help)"
SCEN=$1; OUT=$2
case "$COMP" in none|zlib|zstd) ;; *) die "--compression must be none, zlib or zstd" ;; esac
[[ "$CHANNELS" =~ ^[0-9]+$ ]] && [ "$CHANNELS" -ge 1 ] && [ "$CHANNELS" -le 255 ] || die "--channels must be 1..255"
lab_ensure_tools
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT"/conn-*.bin "$OUT"/index.json
lab_tmpdir multifd; T="$LAB_TMP"

MIG=(--cap multifd=on --param "multifd-channels=$CHANNELS" --param "multifd-compression=$COMP")
SIZEOPT=()
[ -n "$SIZE" ] && SIZEOPT=(--size "$SIZE")

FWD=()
if [ "$NODEST" = 0 ]; then
    DPORT=$(free_port)
    bash "$LAB_DIR/qemu-destination.sh" --port "$DPORT" --timeout "$TIMEOUT" "${SIZEOPT[@]}" "${MIG[@]}" "$SCEN" \
        > "$T/dest.out" 2> "$T/dest.err" &
    DPID=$!; lab_track "$DPID"
    end=$(( $(date +%s) + 60 ))
    until grep -q '^LISTENING' "$T/dest.out"; do
        kill -0 "$DPID" 2>/dev/null || { cat "$T/dest.out" "$T/dest.err" >&2; die "destination did not start"; }
        [ "$(date +%s)" -lt "$end" ] || die "destination not listening after 60 s"
        sleep 0.05
    done
    FWD=(--forward "$DPORT")
    log "destination listening on 127.0.0.1:$DPORT (pid $DPID)"
fi

PPORT=$(free_port)
"$PY" "$LAB_DIR/multifd-proxy.py" --listen "$PPORT" --out "$OUT" --expect $((CHANNELS + 1)) \
    --timeout "$TIMEOUT" "${FWD[@]}" > "$T/proxy.out" 2> "$T/proxy.err" &
PPID_=$!; lab_track "$PPID_"
wait_port "$PPORT" 20 || { cat "$T/proxy.err" >&2; die "proxy did not listen on 127.0.0.1:$PPORT"; }
log "recording proxy on 127.0.0.1:$PPORT (pid $PPID_), $COMP, $CHANNELS channels"

set +e
bash "$LAB_DIR/capture-stream.sh" --send-to "$PPORT" --timeout "$TIMEOUT" "${SIZEOPT[@]}" "${MIG[@]}" "$SCEN" - \
    > "$T/source.json" 2> "$T/source.err"
SRC_RC=$?
wait "$PPID_"; PROXY_RC=$?
set -e
[ "$SRC_RC" = 0 ] || { cat "$T/source.err" "$T/proxy.err" >&2; die "source migration did not complete (rc $SRC_RC)"; }
[ "$PROXY_RC" = 0 ] || { cat "$T/proxy.out" "$T/proxy.err" >&2; die "proxy did not record $((CHANNELS + 1)) complete connections (rc $PROXY_RC)"; }

DEST_RESULT="none"
if [ "$NODEST" = 0 ]; then
    set +e; wait "$DPID"; DRC=$?; set -e
    DEST_RESULT=$(grep -m1 '^RESULT' "$T/dest.out" || echo "RESULT MISSING")
    [ "$DRC" = 0 ] || { cat "$T/dest.out" "$T/dest.err" >&2; die "destination did not accept: $DEST_RESULT"; }
fi

"$PY" - "$OUT/index.json" "$T/source.json" "$SCEN" "$COMP" "$CHANNELS" "$DEST_RESULT" <<'EOF'
import json, sys
idx = json.load(open(sys.argv[1]))
src = json.load(open(sys.argv[2]))
kinds = [c["kind"] for c in idx["connections"]]
if kinds[0] != "main" or kinds.count("multifd") != int(sys.argv[5]):
    sys.exit("ERROR: unexpected connections %s" % kinds)
print(json.dumps({"scenario": sys.argv[3], "compression": sys.argv[4], "channels": int(sys.argv[5]),
                  "forwarded": idx["forwarded"], "dest_result": sys.argv[6],
                  "source": {k: src.get(k) for k in ("status", "total-time", "downtime", "ram")},
                  "connections": idx["connections"]}))
EOF
