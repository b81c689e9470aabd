#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# qemu-destination.sh [options] SCENARIO
#
# Starts a real QEMU as a migration DESTINATION for a named scenario (the
# same machine/devices that capture-stream.sh uses), listening on
# 127.0.0.1:PORT, waits for one incoming migration and reports whether QEMU
# accepted it.  Use it to validate streams written by the project's
# emitter: feed a file with --feed, or let any sender connect to the port
# printed on the "LISTENING" line.
#
# stdout, one line each:
#   LISTENING 127.0.0.1:<port>
#   RESULT ACCEPTED status=<query-migrate status> vm=<query-status>
#   RESULT REJECTED exit=<QEMU exit code> | status=failed   (+ QEMU's stderr
#                   lines on the following "STDERR ..." lines)
#   CONT OK ... / CONT FAILED ...  (with --cont)
# Exit status: 0 accepted (and --cont passed), 1 rejected, 2 usage/setup.
#
# Options:
#   --feed FILE     send FILE to the port with socat once QEMU listens
#   --port N        listen on this port (default: a free one)
#   --size SIZE     guest RAM size, must match the source (default per scenario)
#   --guest DIR     guest kernel/initramfs dir for the q35-linux-* scenarios
#   --cap K=on      migration capability to set on the destination before
#                   listening (uses -incoming defer), e.g. --cap multifd=on
#   --param K=V     migration parameter, e.g. --param multifd-channels=4
#   --cont S        after acceptance "cont" the guest, wait S seconds, check
#                   it is still running (linux scenarios: and that the guest
#                   printed a new LAB-HEARTBEAT line on its serial console)
#   --accel kvm     KVM instead of TCG (must match the source)
#   --viommu-extra S append S to the intel-iommu device (must match the source)
#   --timeout S     give up waiting for a sender after S seconds (default 600)
#   --keep-stderr F copy QEMU's stderr to F
# Runtime: about 1 s plus the transfer (a 64M paused stream: < 1 s).
source "$(dirname "$0")/lib.sh"

FEED=""; PORT=""; SIZE=""; GUEST=""; CONT=""; TIMEOUT=600; KEEP_ERR=""
CAPS=(); PARAMS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --feed) FEED=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --guest) GUEST=$2; shift 2 ;;
    --cap) CAPS+=("$2"); shift 2 ;;
    --param) PARAMS+=("$2"); shift 2 ;;
    --cont) CONT=$2; shift 2 ;;
    --accel) export LAB_ACCEL=$2; shift 2 ;;
    --viommu-extra) export LAB_VIOMMU_EXTRA=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --keep-stderr) KEEP_ERR=$2; shift 2 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || { echo "usage: $0 [options] SCENARIO  (--help)" >&2; exit 2; }
SCEN=$1
[ -z "$FEED" ] || [ -r "$FEED" ] || { echo "cannot read $FEED" >&2; exit 2; }
lab_ensure_tools
lab_tmpdir dest; T="$LAB_TMP"
SERIAL="$T/serial.log"; : > "$SERIAL"
scenario_args dest "$SCEN" "$SIZE" "$GUEST" "$SERIAL"
[ -n "$PORT" ] || PORT=$(free_port)
INCOMING="tcp:127.0.0.1:$PORT"
DEFER=0
if [ ${#CAPS[@]} -gt 0 ] || [ ${#PARAMS[@]} -gt 0 ]; then DEFER=1; fi

finish() { [ -n "$KEEP_ERR" ] && cp "$T/stderr" "$KEEP_ERR"; exit "$1"; }

if [ "$DEFER" = 1 ]; then
    "$QEMU" "${QARGS[@]}" -S -qmp "unix:$T/qmp.sock,server=on,wait=off" -incoming defer 2> "$T/stderr" &
else
    "$QEMU" "${QARGS[@]}" -S -qmp "unix:$T/qmp.sock,server=on,wait=off" -incoming "$INCOMING" 2> "$T/stderr" &
fi
QPID=$!; lab_track "$QPID"
log "destination $SCEN (pid $QPID): $QEMU ${QARGS[*]} -S -incoming $([ $DEFER = 1 ] && echo defer || echo "$INCOMING")"
qmp "$T/qmp.sock" wait-socket --timeout 60 >/dev/null || { cat "$T/stderr" >&2; echo "QEMU did not start" >&2; finish 2; }
if [ "$DEFER" = 1 ]; then
    if [ ${#CAPS[@]} -gt 0 ]; then
        qmp "$T/qmp.sock" cmd migrate-set-capabilities "$("$PY" -c '
import json, sys
print(json.dumps({"capabilities": [{"capability": c.split("=")[0], "state": c.split("=")[1] in ("on", "true")} for c in sys.argv[1:]]}))' "${CAPS[@]}")" >/dev/null
    fi
    if [ ${#PARAMS[@]} -gt 0 ]; then
        qmp "$T/qmp.sock" cmd migrate-set-parameters "$(params_json "${PARAMS[@]}")" >/dev/null
    fi
    qmp "$T/qmp.sock" cmd migrate-incoming "{\"uri\": \"$INCOMING\"}" >/dev/null
fi
wait_port "$PORT" 30 || { cat "$T/stderr" >&2; echo "QEMU is not listening on $INCOMING" >&2; finish 2; }
echo "LISTENING 127.0.0.1:$PORT"

if [ -n "$FEED" ]; then
    socat -u "OPEN:$FEED" "TCP:127.0.0.1:$PORT" 2> "$T/socat.err" &
    FPID=$!; lab_track "$FPID"
fi

# Wait for the outcome: QEMU exits (it does exit(1) on a failed incoming
# migration) or query-migrate reaches completed/failed.
await_incoming

if [ -n "$CONT" ]; then
    before=$(grep -c '^LAB-HEARTBEAT' "$SERIAL" || true)
    qmp "$T/qmp.sock" cmd cont >/dev/null
    sleep "$CONT"
    VM=$(qmp "$T/qmp.sock" cmd query-status | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["status"])' || echo gone)
    after=$(grep -c '^LAB-HEARTBEAT' "$SERIAL" || true)
    if [ "$VM" != running ]; then echo "CONT FAILED vm=$VM"; finish 1; fi
    if [ "$SCEN_LINUX" = 1 ] && [ "$after" -le "$before" ]; then
        echo "CONT FAILED vm=running but no new guest heartbeat in ${CONT}s"; finish 1
    fi
    echo "CONT OK vm=$VM guest_heartbeats=$before->$after last='$(grep '^LAB-HEARTBEAT' "$SERIAL" | tail -1)'"
fi
qmp "$T/qmp.sock" cmd quit >/dev/null 2>&1 || true
finish 0
