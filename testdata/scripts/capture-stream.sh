#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# capture-stream.sh [options] SCENARIO OUTFILE
#
# Starts a real QEMU (Debian's qemu-system-x86_64) in the named scenario,
# migrates it into OUTFILE and stops it again.  Prints a JSON-ish summary
# (QEMU's query-migrate figures, wall time, size, sha256) and the section
# list (stream-info.py) on stdout.  Exit 0 only if QEMU reported
# "completed" and the file parses to QEMU_VM_EOF.
#
# Scenarios (see scenario_args in lib.sh for the exact QEMU arguments):
#   q35-plain            q35, 64M RAM, -S (never ran), -nodefaults
#   pc-plain             i440fx ("pc"), 64M RAM, -S
#   q35-viommu           q35 + intel-iommu,intremap=on,caching-mode=on, -S
#   q35-viommu-ir-only   the same with dma-translation=off (IR only)
#   q35-viommu-aw48      the same with aw-bits=48
#   q35-viommu-devices   q35-viommu + virtio-net/e1000e/virtio-blk (no guest)
#   q35-random-ram       q35 whose RAM ("pc.ram", --size, default 64M) is a
#                        MAP_PRIVATE mapping of a seeded pseudo-random file,
#                        so every RAM page is a real non-zero page; -S
#   q35-linux-viommu     Debian's kernel + busybox initramfs booted under
#                        intel_iommu=on with a virtio-net (iommu_platform)
#                        device brought up; migrated live once the guest
#                        printed LAB-READY
#   q35-linux-viommu-2dev  the same + e1000e + virtio-blk (read 1 MiB)
#   q35-linux-viommu-sm    the same as q35-linux-viommu with x-scalable-mode=on
#   q35-linux-viommu-aw48  the same with aw-bits=48
#
# Options:
#   --tcp            migrate over TCP to 127.0.0.1:<free port> (socat writes
#                    the file) instead of "exec:cat > OUTFILE"
#   --send-to PORT   migrate to a receiver that already listens on
#                    127.0.0.1:PORT (e.g. the project's own receiver) and
#                    write no file: give "-" as OUTFILE; exit 0 when the
#                    SOURCE QEMU reports "completed"
#   --size SIZE      guest RAM size (64M, 1G, ...)
#   --guest DIR      guest kernel/initramfs dir (default $LAB_WORK/guest;
#                    built with build-guest.sh when missing)
#   --pause          (linux scenarios) "stop" the guest before migrating, so
#                    each RAM page appears once
#   --serial-log F   (linux scenarios) keep the guest's serial console in F
#   --accel kvm      use KVM instead of TCG (q35 then gets kernel-irqchip=split)
#   --viommu-extra S append S to the intel-iommu device, e.g. ",aw-bits=48"
#   --param K=V      extra migrate-set-parameters (repeatable)
#   --cap K=on       extra migrate-set-capabilities (repeatable)
#   --postcopy       send migrate-start-postcopy right after migrate (with
#                    --cap postcopy-ram=on and a destination: --send-to)
#   --timeout S      give up after S seconds (default 900)
#   --object SPEC    extra "-object SPEC" for the source QEMU (repeatable), e.g.
#                    tls-creds-x509,id=tls0,dir=DIR,endpoint=client with
#                    --param tls-creds=tls0 for a TLS migration
# Runtime: < 1 s for the 64M paused scenarios; ~10-20 s for the Linux guest
# under TCG (boot) ; 1G random RAM: ~10 s at the default 128 MiB/s limit.
source "$(dirname "$0")/lib.sh"

TCP=0; SEND_TO=""; SIZE=""; GUEST=""; PAUSE=0; SERIAL_KEEP=""; TIMEOUT=900
EXTRA=()
QOBJ=()
while [ $# -gt 0 ]; do
    case "$1" in
    --tcp) TCP=1; shift ;;
    --send-to) SEND_TO=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --guest) GUEST=$2; shift 2 ;;
    --pause) PAUSE=1; shift ;;
    --serial-log) SERIAL_KEEP=$2; shift 2 ;;
    --accel) export LAB_ACCEL=$2; shift 2 ;;
    --viommu-extra) export LAB_VIOMMU_EXTRA=$2; shift 2 ;;
    --param) EXTRA+=(--param "$2"); shift 2 ;;
    --cap) EXTRA+=(--cap "$2"); shift 2 ;;
    --postcopy) EXTRA+=(--postcopy); shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --object) QOBJ+=(-object "$2"); shift 2 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die "usage: $0 [options] SCENARIO OUTFILE   (--help)"
SCEN=$1; OUTF=$2
if [ -n "$SEND_TO" ]; then
    [ "$OUTF" = - ] || die "with --send-to give - as OUTFILE"
    [[ "$SEND_TO" =~ ^[0-9]+$ ]] || die "--send-to takes a port number (127.0.0.1 only)"
else
    mkdir -p "$(dirname "$OUTF")"
    OUTF="$(cd "$(dirname "$OUTF")" && pwd)/$(basename "$OUTF")"
fi
lab_ensure_tools

lab_tmpdir capture; T="$LAB_TMP"
SERIAL="$T/serial.log"
: > "$SERIAL"
scenario_args source "$SCEN" "$SIZE" "$GUEST" "$SERIAL"
START_OPTS=(-S)
[ "$SCEN_LINUX" = 1 ] && START_OPTS=()
[ -n "$SEND_TO" ] || rm -f "$OUTF"

T0=$(date +%s.%N)
"$QEMU" "${QARGS[@]}" "${QOBJ[@]}" "${START_OPTS[@]}" -qmp "unix:$T/qmp.sock,server=on,wait=off" 2> "$T/stderr" &
QPID=$!; lab_track "$QPID"
log "started $SCEN (pid $QPID): $QEMU ${QARGS[*]} ${START_OPTS[*]}"
qmp "$T/qmp.sock" wait-socket --timeout 60 >/dev/null \
    || { cat "$T/stderr" >&2; die "QEMU did not start (scenario $SCEN)"; }

BOOT_S=""
if [ "$SCEN_LINUX" = 1 ]; then
    log "waiting for the guest to print LAB-READY on its serial console"
    end=$(( $(date +%s) + TIMEOUT ))
    until grep -q '^LAB-READY' "$SERIAL"; do
        kill -0 "$QPID" 2>/dev/null || { tail -30 "$SERIAL" >&2; cat "$T/stderr" >&2; die "QEMU exited during boot"; }
        [ "$(date +%s)" -lt "$end" ] || { tail -30 "$SERIAL" >&2; die "guest not ready after ${TIMEOUT}s"; }
        sleep 0.2
    done
    BOOT_S=$(awk -v a="$(date +%s.%N)" -v b="$T0" 'BEGIN{printf "%.2f", a-b}')
    log "guest ready after ${BOOT_S}s"
    grep -E '^LAB-(DMESG|GROUP)' "$SERIAL" | grep -E 'DMAR: IOMMU enabled|IRQ remapping|Default domain|invalidation policy|Scalable|Intel\(R\) Virtualization|LAB-GROUP' >&2 || true
    grep -q 'DMAR: Intel(R) Virtualization Technology for Directed I/O' "$SERIAL" || die "guest did not enable DMAR"
    [ "$PAUSE" = 1 ] && qmp "$T/qmp.sock" cmd stop >/dev/null
fi

if [ -n "$SEND_TO" ]; then
    URI="tcp:127.0.0.1:$SEND_TO"
elif [ "$TCP" = 1 ]; then
    PORT=$(free_port)
    socat -u "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" "CREATE:$OUTF.part" 2> "$T/socat.err" &
    SPID=$!; lab_track "$SPID"
    wait_port "$PORT" 20 || die "socat did not listen on 127.0.0.1:$PORT"
    URI="tcp:127.0.0.1:$PORT"
else
    # cat writes FILE.part and the shell renames it when cat is done: the
    # rename tells us the child has flushed everything
    URI="exec:cat > $(printf %q "$OUTF.part") && mv $(printf %q "$OUTF.part") $(printf %q "$OUTF")"
fi
log "migrate -> $URI"
set +e
qmp "$T/qmp.sock" migrate "$URI" --timeout "$TIMEOUT" "${EXTRA[@]}" > "$T/migrate.json"
MRC=$?
set -e
if [ -n "$SEND_TO" ]; then
    if [ "$SCEN_LINUX" = 1 ] && [ -n "$SERIAL_KEEP" ]; then cp "$SERIAL" "$SERIAL_KEEP"; fi
    cat "$T/migrate.json"
    [ "$MRC" = 0 ] || { cat "$T/stderr" >&2; die "migration to 127.0.0.1:$SEND_TO did not complete (qmp rc $MRC)"; }
    qmp "$T/qmp.sock" cmd quit >/dev/null 2>&1 || true
    exit 0
fi
if [ "$TCP" = 1 ]; then
    wait "$SPID" || die "socat failed: $(cat "$T/socat.err")"
    mv "$OUTF.part" "$OUTF"
else
    for i in $(seq 300); do [ -e "$OUTF" ] && break; sleep 0.1; done
fi
[ "$MRC" = 0 ] || { cat "$T/migrate.json" >&2; cat "$T/stderr" >&2; die "migration did not complete (qmp rc $MRC)"; }
[ -e "$OUTF" ] || die "no output file $OUTF"
if [ "$SCEN_LINUX" = 1 ] && [ -n "$SERIAL_KEEP" ]; then cp "$SERIAL" "$SERIAL_KEEP"; fi
qmp "$T/qmp.sock" cmd quit >/dev/null 2>&1 || true
wait "$QPID" 2>/dev/null || true

"$PY" - "$T/migrate.json" "$OUTF" "$SCEN" "${BOOT_S:-}" "$TCP" <<'EOF'
import json, sys, os, hashlib
m = json.load(open(sys.argv[1]))
ram = m.get("ram", {})
h = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
out = {"scenario": sys.argv[3], "file": os.path.basename(sys.argv[2]),
       "bytes": os.path.getsize(sys.argv[2]), "sha256": h,
       "transport": "tcp" if sys.argv[5] == "1" else "exec",
       "qemu_status": m.get("status"), "qemu_total_time_ms": m.get("total-time"),
       "qemu_downtime_ms": m.get("downtime"), "qemu_mbps": ram.get("mbps"),
       "ram_transferred": ram.get("transferred"), "ram_normal_pages": ram.get("normal"),
       "ram_zero_pages": ram.get("duplicate"), "wall_s": m.get("lab-wall-seconds")}
if sys.argv[4]:
    out["guest_boot_s"] = round(float(sys.argv[4]), 2)
print(json.dumps(out))
EOF
"$PY" "$LAB_DIR/stream-info.py" "$OUTF"
