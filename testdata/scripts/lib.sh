# SPDX-License-Identifier: Apache-2.0
# lib.sh -- shared helpers for qmig's capture scripts in testdata/scripts
# (source it; do not run it).  Adapted from the project's lab tooling; these
# copies are self-contained: they need nothing outside this directory.
# shellcheck shell=bash
#
# Conventions:
#  * everything large goes under $LAB_WORK (default: ${TMPDIR:-/tmp}/qmig-lab);
#  * every process a script starts is recorded with lab_track PID and is
#    ended by PID (TERM, then KILL) from the EXIT trap -- never by name;
#  * only 127.0.0.1 is ever used for TCP.

set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_WORK="${LAB_WORK:-${TMPDIR:-/tmp}/qmig-lab}"
QEMU="${QEMU:-qemu-system-x86_64}"
PY="${PYTHON:-python3}"
LAB_PIDS=()
LAB_TMPDIRS=()

die() { echo "ERROR: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

lab_track() { LAB_PIDS+=("$1"); }

lab_stop_pid() {   # lab_stop_pid PID : TERM, wait up to 5 s, then KILL
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

lab_cleanup() {
    local rc=$? pid d
    for pid in "${LAB_PIDS[@]:-}"; do [ -n "$pid" ] && lab_stop_pid "$pid"; done
    for pid in "${LAB_PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    for d in "${LAB_TMPDIRS[@]:-}"; do if [ -n "$d" ] && [ -z "${LAB_KEEP_TMP:-}" ]; then rm -rf "$d"; fi; done
    exit "$rc"
}
trap lab_cleanup EXIT
trap 'exit 130' INT TERM

lab_tmpdir() {     # lab_tmpdir NAME: sets LAB_TMP to a private scratch dir
    # under $LAB_WORK/run, removed on exit (kept when LAB_KEEP_TMP=1)
    mkdir -p "$LAB_WORK/run"
    LAB_TMP="$(mktemp -d "$LAB_WORK/run/$1.XXXXXX")"
    LAB_TMPDIRS+=("$LAB_TMP")
}

lab_ensure_tools() {   # install Debian's QEMU & friends when missing
    local missing=0 c
    for c in "$QEMU" qemu-img socat busybox cpio xz zstd "$PY"; do
        command -v "$c" >/dev/null 2>&1 || missing=1
    done
    [ -x /bin/busybox ] || missing=1
    if [ "$missing" = 1 ]; then bash "$LAB_DIR/install-qemu.sh" >&2; fi
}

free_port() {      # print a free TCP port on 127.0.0.1
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {      # wait_port PORT [TIMEOUT]: until something listens on 127.0.0.1:PORT
    local port=$1 t=${2:-20}
    "$PY" - "$port" "$t" <<'EOF'
import socket, sys, time
port, t = int(sys.argv[1]), float(sys.argv[2])
end = time.monotonic() + t
while time.monotonic() < end:
    # probe with a connect that we close at once would consume a one-shot
    # listener, so look at /proc/net/tcp instead (state 0A = LISTEN)
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in open(f).read().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].split(":")[1], 16) == port:
                    sys.exit(0)
        except OSError:
            pass
    time.sleep(0.05)
sys.exit(1)
EOF
}

qmp() { "$PY" "$LAB_DIR/qmp.py" "$@"; }

await_incoming() { # wait for the incoming migration of QEMU $QPID (QMP at $T/qmp.sock, stderr in
    # $T/stderr) for at most $TIMEOUT s. QEMU exits (exit(1) on a failed load) or query-migrate
    # reaches completed/failed. Prints "RESULT ACCEPTED status=... vm=..." and returns, or prints
    # "RESULT REJECTED ..." / "RESULT TIMEOUT ..." and calls the caller's `finish 1`. Sets STATUS.
    local end RC VM
    end=$(( $(date +%s) + TIMEOUT ))
    STATUS=""
    while :; do
        if ! kill -0 "$QPID" 2>/dev/null; then
            set +e; wait "$QPID"; RC=$?; set -e
            echo "RESULT REJECTED exit=$RC"
            sed 's/^/STDERR /' "$T/stderr"
            finish 1
        fi
        STATUS=$(qmp "$T/qmp.sock" cmd query-migrate 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("status","none"))' 2>/dev/null || echo gone)
        case "$STATUS" in
        completed) break ;;
        failed) echo "RESULT REJECTED status=failed"; sed 's/^/STDERR /' "$T/stderr"; finish 1 ;;
        esac
        [ "$(date +%s)" -lt "$end" ] || { echo "RESULT TIMEOUT status=$STATUS"; finish 1; }
        sleep 0.05
    done
    VM=$(qmp "$T/qmp.sock" cmd query-status | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    echo "RESULT ACCEPTED status=$STATUS vm=$VM"
    if [ -s "$T/stderr" ]; then sed 's/^/STDERR /' "$T/stderr"; fi
}

params_json() {    # params_json K=V... -> {"K": V, ...} for migrate-set-parameters (integers stay numbers)
    "$PY" -c '
import json, sys
d = {}
for p in sys.argv[1:]:
    k, v = p.split("=", 1)
    d[k] = int(v) if v.lstrip("-").isdigit() else v
print(json.dumps(d))' "$@"
}

size_to_bytes() { # 64M / 1G / 4096 -> bytes
    "$PY" -c '
import sys
s = sys.argv[1].strip().upper()
m = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
print(int(s[:-1]) * m[s[-1]] if s[-1] in m else int(s))' "$1"
}

random_ram_file() {  # random_ram_file SIZE -> path of a cached file of SIZE
    # deterministic pseudo-random bytes (Python's Mersenne Twister, seed 1234),
    # so every machine produces the same guest RAM contents
    local size=$1 bytes f
    bytes=$(size_to_bytes "$size")
    mkdir -p "$LAB_WORK/ram"
    f="$LAB_WORK/ram/random-$bytes.bin"
    if [ ! -s "$f" ] || [ "$(stat -c %s "$f")" != "$bytes" ]; then
        log "creating $f ($bytes bytes of seeded pseudo-random data)"
        "$PY" - "$f.tmp" "$bytes" <<'EOF'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1234)
with open(path, "wb") as f:
    while n > 0:
        k = min(n, 1 << 24)
        f.write(r.randbytes(k))
        n -= k
EOF
        mv "$f.tmp" "$f"
    fi
    echo "$f"
}

# scenario_args ROLE SCENARIO [SIZE] [GUESTDIR] [SERIALFILE]
# Fills the global array QARGS with the QEMU arguments of a named scenario
# (without -qmp / -S / -incoming), sets SCEN_LINUX=1 for booted-guest
# scenarios.  ROLE is "source" or "dest" (the destination of a random-RAM
# scenario uses plain anonymous RAM with the same RAMBlock name "pc.ram").
# Accelerator: $LAB_ACCEL (default tcg).
scenario_args() {
    local role=$1 scen=$2 size=${3:-} guest=${4:-} serial=${5:-/dev/null}
    local accel="${LAB_ACCEL:-tcg}" q35="q35" viommu
    SCEN_LINUX=0
    [ "$accel" = kvm ] && q35="q35,kernel-irqchip=split"   # IR needs split irqchip under KVM
    # LAB_VIOMMU_EXTRA (e.g. ",aw-bits=48") is appended to every intel-iommu device
    viommu="intel-iommu,intremap=on,caching-mode=on${LAB_VIOMMU_EXTRA:-}"
    # a fixed RTC base on the VM clock keeps streams of never-run guests byte-for-byte reproducible
    QARGS=(-nodefaults -display none -no-user-config -accel "$accel" -smp 1
           -rtc base=2020-01-01T00:00:00,clock=vm)
    case "$scen" in
    q35-plain)          QARGS+=(-machine q35 -m "${size:-64M}") ;;
    pc-plain)           QARGS+=(-machine pc -m "${size:-64M}") ;;
    q35-plain-novmdesc) QARGS+=(-machine q35,suppress-vmdesc=on -m "${size:-64M}") ;;   # no VMDESCRIPTION trailer
    q35-viommu)         QARGS+=(-machine "$q35" -m "${size:-64M}" -device "$viommu") ;;
    q35-viommu-ir-only) QARGS+=(-machine "$q35" -m "${size:-64M}" -device "$viommu,dma-translation=off") ;;
    q35-viommu-aw48)    QARGS+=(-machine "$q35" -m "${size:-64M}" -device "$viommu,aw-bits=48") ;;
    q35-viommu-devices) # vIOMMU plus DMA-capable devices (no guest driving them)
        QARGS+=(-machine "$q35" -m "${size:-64M}" -device "$viommu"
                -device virtio-net-pci,iommu_platform=on,disable-legacy=on,mac=52:54:00:12:34:01
                -device e1000e,mac=52:54:00:12:34:02
                -drive if=none,id=d0,format=raw,file=null-co://,read-only=on
                -device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on) ;;
    q35-random-ram)
        local sz="${size:-64M}" f
        if [ "$role" = dest ]; then
            QARGS+=(-machine q35,memory-backend=pc.ram -object "memory-backend-ram,id=pc.ram,size=$sz")
        else
            f=$(random_ram_file "$sz")
            QARGS+=(-machine q35,memory-backend=pc.ram
                    -object "memory-backend-file,id=pc.ram,size=$sz,mem-path=$f,share=off")
        fi ;;
    q35-linux-viommu|q35-linux-viommu-2dev|q35-linux-viommu-sm|q35-linux-viommu-aw48)
        SCEN_LINUX=1
        [ -n "$guest" ] || guest="$LAB_WORK/guest"
        [ -s "$guest/vmlinuz" ] && [ -s "$guest/initramfs.cpio.gz" ] \
            || bash "$LAB_DIR/build-guest.sh" "$guest" >&2
        local v="$viommu" disk="$LAB_WORK/guest-disk.raw"
        [ -s "$disk" ] || { mkdir -p "$LAB_WORK"; head -c 4M /dev/zero | tr '\0' 'L' > "$disk"; }
        [ "$scen" = q35-linux-viommu-sm ] && v="$v,x-scalable-mode=on"
        [ "$scen" = q35-linux-viommu-aw48 ] && v="$v,aw-bits=48"
        QARGS+=(-machine "$q35" -m "${size:-256M}" -device "$v"
                -kernel "$guest/vmlinuz" -initrd "$guest/initramfs.cpio.gz"
                -append "console=ttyS0 intel_iommu=on iommu.strict=1 iommu.passthrough=0 init_on_free=1 nokaslr panic=-1"
                -no-reboot -serial "file:$serial"
                -device virtio-net-pci,iommu_platform=on,disable-legacy=on,mac=52:54:00:12:34:01)
        if [ "$scen" = q35-linux-viommu-2dev ]; then
            QARGS+=(-device e1000e,mac=52:54:00:12:34:02
                    -drive "if=none,id=d0,format=raw,file=$disk,read-only=on"
                    -device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on)
        fi ;;
    *) die "unknown scenario '$scen' (q35-plain q35-plain-novmdesc pc-plain q35-viommu q35-viommu-ir-only q35-viommu-aw48 q35-viommu-devices q35-random-ram q35-linux-viommu q35-linux-viommu-2dev q35-linux-viommu-sm q35-linux-viommu-aw48)" ;;
    esac
}
