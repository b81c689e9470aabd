#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# send-and-recapture.sh [options] SCENARIO OUTFILE
#
# Round trip through a real QEMU: starts QEMU as a migration DESTINATION for
# a named scenario (the arguments of qemu-destination.sh), listening on
# 127.0.0.1:PORT with -incoming defer, waits for one incoming migration and,
# when QEMU accepted it, migrates that destination -- still paused, so each
# RAM page goes out once -- back out with "exec:cat > OUTFILE".  The
# recaptured OUTFILE holds what QEMU actually loaded.
#
# stdout, one line each:
#   LISTENING 127.0.0.1:<port>
#   RESULT ACCEPTED status=completed vm=<query-status>
#   RESULT REJECTED exit=<QEMU exit code> | status=failed   (+ QEMU's stderr
#                   on the following "STDERR ..." lines)
#   RESULT TIMEOUT status=<query-migrate status>
#   RECAPTURE OK file=<OUTFILE> bytes=<n> status=completed
#   RECAPTURE FAILED <reason>
# Exit status: 0 accepted and recaptured, 1 rejected or recapture failed,
# 2 usage/setup.
#
# Options:
#   --feed FILE     send FILE to the port with socat once QEMU listens
#                   (otherwise any sender may connect to the LISTENING port;
#                   a multifd sender opens the main connection first)
#   --size SIZE     guest RAM size, must match the source
#   --cap K=on      incoming migration capability, e.g. --cap compress=on or
#                   --cap multifd=on; every one is turned off again before the
#                   recapture (multifd cannot use exec:)
#   --param K=V     incoming migration parameter, e.g. multifd-channels=2
#   --out-cap K=on  capability for the outgoing recapture (e.g. compress=on)
#   --timeout S     give up waiting for a sender / a migration after S
#                   seconds (default 120)
#   --keep-stderr F copy QEMU's stderr to F
# Runtime: about 1 s plus both transfers (4M random RAM: ~1-2 s in all).
source "$(dirname "$0")/lib.sh"

FEED=""; SIZE=""; TIMEOUT=120; KEEP_ERR=""
CAPS=(); PARAMS=(); OUT_CAPS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --feed) FEED=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --cap) CAPS+=("$2"); shift 2 ;;
    --param) PARAMS+=("$2"); shift 2 ;;
    --out-cap) OUT_CAPS+=("$2"); shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --keep-stderr) KEEP_ERR=$2; shift 2 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || { echo "usage: $0 [options] SCENARIO OUTFILE  (--help)" >&2; exit 2; }
SCEN=$1; OUTF=$2
[ -z "$FEED" ] || [ -r "$FEED" ] || { echo "cannot read $FEED" >&2; exit 2; }
mkdir -p "$(dirname "$OUTF")"
OUTF="$(cd "$(dirname "$OUTF")" && pwd)/$(basename "$OUTF")"
rm -f "$OUTF" "$OUTF.part"
lab_ensure_tools
lab_tmpdir recapture; T="$LAB_TMP"
SERIAL="$T/serial.log"; : > "$SERIAL"
scenario_args dest "$SCEN" "$SIZE" "" "$SERIAL"
PORT=$(free_port)
INCOMING="tcp:127.0.0.1:$PORT"

finish() { [ -n "$KEEP_ERR" ] && cp "$T/stderr" "$KEEP_ERR"; exit "$1"; }

caps_json() {   # caps_json STATE K=V... : migrate-set-capabilities arguments;
    # STATE "as-given" keeps each V, "off" turns every named capability off
    "$PY" -c '
import json, sys
mode = sys.argv[1]
caps = [{"capability": c.split("=")[0],
         "state": c.split("=", 1)[1] in ("on", "true") if mode == "as-given" else False}
        for c in sys.argv[2:]]
print(json.dumps({"capabilities": caps}))' "$@"
}

"$QEMU" "${QARGS[@]}" -S -qmp "unix:$T/qmp.sock,server=on,wait=off" -incoming defer 2> "$T/stderr" &
QPID=$!; lab_track "$QPID"
log "destination $SCEN (pid $QPID): $QEMU ${QARGS[*]} -S -incoming defer -> $INCOMING"
qmp "$T/qmp.sock" wait-socket --timeout 60 >/dev/null || { cat "$T/stderr" >&2; echo "QEMU did not start" >&2; finish 2; }
if [ ${#CAPS[@]} -gt 0 ]; then
    qmp "$T/qmp.sock" cmd migrate-set-capabilities "$(caps_json as-given "${CAPS[@]}")" >/dev/null
fi
if [ ${#PARAMS[@]} -gt 0 ]; then
    qmp "$T/qmp.sock" cmd migrate-set-parameters "$(params_json "${PARAMS[@]}")" >/dev/null
fi
qmp "$T/qmp.sock" cmd migrate-incoming "{\"uri\": \"$INCOMING\"}" >/dev/null
wait_port "$PORT" 30 || { cat "$T/stderr" >&2; echo "QEMU is not listening on $INCOMING" >&2; finish 2; }
echo "LISTENING 127.0.0.1:$PORT"

if [ -n "$FEED" ]; then
    socat -u "OPEN:$FEED" "TCP:127.0.0.1:$PORT" 2> "$T/socat.err" &
    FPID=$!; lab_track "$FPID"
fi

# 1. the incoming migration: QEMU exits (exit(1) on a failed load) or
#    query-migrate reaches completed/failed
await_incoming

# 2. the recapture: the incoming capabilities off (multifd refuses exec:,
#    compress would recompress), the outgoing ones on; the guest never ran
if [ ${#CAPS[@]} -gt 0 ]; then
    qmp "$T/qmp.sock" cmd migrate-set-capabilities "$(caps_json off "${CAPS[@]}")" >/dev/null
fi
if [ ${#OUT_CAPS[@]} -gt 0 ]; then
    qmp "$T/qmp.sock" cmd migrate-set-capabilities "$(caps_json as-given "${OUT_CAPS[@]}")" >/dev/null
fi
# cat writes OUTFILE.part and the shell renames it once cat is done, so the
# file appears complete
URI="exec:cat > $(printf %q "$OUTF.part") && mv $(printf %q "$OUTF.part") $(printf %q "$OUTF")"
log "recapture -> $URI"
set +e
qmp "$T/qmp.sock" migrate "$URI" --timeout "$TIMEOUT" > "$T/migrate.json" 2> "$T/migrate.err"
MRC=$?
set -e
if [ "$MRC" != 0 ]; then
    echo "RECAPTURE FAILED qmp rc $MRC: $(tr '\n' ' ' < "$T/migrate.err") $("$PY" -c 'import json,sys
try: m = json.load(open(sys.argv[1])); print("status=%s %s" % (m.get("status"), m.get("error-desc", "")))
except Exception: pass' "$T/migrate.json")"
    sed 's/^/STDERR /' "$T/stderr"
    finish 1
fi
for _ in $(seq 300); do [ -e "$OUTF" ] && break; sleep 0.02; done
[ -e "$OUTF" ] || { echo "RECAPTURE FAILED no file $OUTF after completion"; finish 1; }
echo "RECAPTURE OK file=$OUTF bytes=$(stat -c %s "$OUTF") status=completed"
qmp "$T/qmp.sock" cmd quit >/dev/null 2>&1 || true
finish 0
