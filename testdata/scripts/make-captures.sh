#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make-captures.sh [options] [SCENARIO...]
#
# Regenerates qmig's committed golden captures from a real QEMU 7.2.  For
# every row of scenarios.tsv (or only the named SCENARIOs) it
#   1. runs capture-stream.sh [row options] SCENARIO  into
#      $LAB_WORK/captures/qemu-7.2/<machine>/<scenario>.mig (kept, not committed),
#   2. compresses it with "xz -9e -T1" to
#      OUTDIR/<machine>/<scenario>.mig.xz and checks that it decompresses to
#      the same sha256,
#   3. writes the sidecar OUTDIR/<machine>/<scenario>.expected.json: the
#      scenario, QEMU version, the source and destination QEMU arguments
#      (scenario_args in lib.sh, paths replaced by ${...} placeholders), the
#      raw size and sha256, the full "stream-info.py --json" output and, for
#      vIOMMU scenarios, "vtd-walk.py --json"; random RAM: seed, size and
#      sha256 of the seeded file; Linux: guest kernel and its LAB- lines.
# OUTDIR defaults to
#   <repo>/testdata/src/main/resources/qmig/testdata/captures/qemu-7.2
#
# Options:
#   --out DIR     write the .mig.xz and sidecars under DIR/<machine>/
#   --guest DIR   guest kernel/initramfs for the Linux scenarios
#                 (default $LAB_WORK/guest, built by build-guest.sh)
#   --list        print the scenario table and exit
# Environment: MAX_XZ_BYTES (default 12000000): a compressed capture at or
# above this size is deleted and the script fails (nothing huge gets
# committed).  ALLOW_OTHER_QEMU=1 to run on a QEMU other than 7.2.
# Runtime: ~1 s per never-run scenario; ~10-20 s per Linux scenario (boot
# under TCG) plus ~40 s of xz -9e for its ~60 MB stream.
source "$(dirname "$0")/lib.sh"

ROOT="$(cd "$LAB_DIR/../.." && pwd)"
OUT="$ROOT/testdata/src/main/resources/qmig/testdata/captures/qemu-7.2"
GUEST="$LAB_WORK/guest"
TABLE="$LAB_DIR/scenarios.tsv"
MAX_XZ_BYTES="${MAX_XZ_BYTES:-12000000}"
while [ $# -gt 0 ]; do
    case "$1" in
    --out) OUT=$2; shift 2 ;;
    --guest) GUEST=$2; shift 2 ;;
    --list) grep -v '^#' "$TABLE"; exit 0 ;;
    -h|--help) sed -n '3,/^source/p' "$0" | grep '^#'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
mkdir -p "$OUT" "$GUEST"
OUT="$(cd "$OUT" && pwd)"; GUEST="$(cd "$GUEST" && pwd)"
lab_ensure_tools
VERSION_LINE="$("$QEMU" --version | head -1)"
case "$VERSION_LINE" in
*"version 7.2."*) ;;
*) [ -n "${ALLOW_OTHER_QEMU:-}" ] || die "this is not QEMU 7.2: $VERSION_LINE (set ALLOW_OTHER_QEMU=1 to force)" ;;
esac
QEMU_PKG="$(dpkg-query -W -f='${Package} ${Version}' qemu-system-x86 2>/dev/null || echo unknown)"

# rows of the table: NAME MACHINE OPTIONS DESCRIPTION (TAB-separated)
declare -A R_MACHINE=() R_OPTS=() R_DESC=()
ORDER=()
while IFS=$'\t' read -r name machine opts desc; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -n "$desc" ] || die "scenarios.tsv: row '$name' does not have 4 TAB-separated columns"
    case "$machine" in q35|pc) ;; *) die "scenarios.tsv: row '$name': machine '$machine' is not q35 or pc" ;; esac
    R_MACHINE[$name]=$machine; R_OPTS[$name]=$opts; R_DESC[$name]=$desc; ORDER+=("$name")
done < "$TABLE"
if [ $# -gt 0 ]; then
    for s in "$@"; do [ -n "${R_MACHINE[$s]:-}" ] || die "'$s' is not in scenarios.tsv (${ORDER[*]})"; done
    ORDER=("$@")
fi

lab_tmpdir make-captures; T="$LAB_TMP"
RAW_ROOT="$LAB_WORK/captures/qemu-7.2"

one_capture() {
    local scen=$1 machine=${R_MACHINE[$1]} optstr=${R_OPTS[$1]}
    local opts=() dest_opts=() size="" i raw xz sidecar rawsha xzsha
    [ "$optstr" = - ] || read -r -a opts <<< "$optstr"
    # the options that change the QEMU command line must be given to the destination too
    unset LAB_VIOMMU_EXTRA LAB_ACCEL
    for ((i = 0; i < ${#opts[@]}; i++)); do
        case "${opts[$i]}" in
        --size) size=${opts[$((i + 1))]}; dest_opts+=(--size "$size") ;;
        --viommu-extra) export LAB_VIOMMU_EXTRA=${opts[$((i + 1))]}; dest_opts+=(--viommu-extra "$LAB_VIOMMU_EXTRA") ;;
        --accel) export LAB_ACCEL=${opts[$((i + 1))]}; dest_opts+=(--accel "$LAB_ACCEL") ;;
        --pause) die "$scen: --pause is not allowed for committed captures (they are live)" ;;
        esac
    done
    mkdir -p "$RAW_ROOT/$machine" "$OUT/$machine"
    raw="$RAW_ROOT/$machine/$scen.mig"
    xz="$OUT/$machine/$scen.mig.xz"
    sidecar="$OUT/$machine/$scen.expected.json"

    # the argument lists, exactly as lib.sh builds them (serial log as a placeholder)
    scenario_args source "$scen" "$size" "$GUEST" '${SERIAL_LOG}'
    printf '%s\0' "${QARGS[@]}" > "$T/src.args"
    local linux=$SCEN_LINUX
    scenario_args dest "$scen" "$size" "$GUEST" '${SERIAL_LOG}'
    printf '%s\0' "${QARGS[@]}" > "$T/dest.args"

    local extra=()
    [ "$linux" = 1 ] && extra=(--guest "$GUEST" --serial-log "$RAW_ROOT/$machine/$scen.serial.log")
    log "capturing $scen: capture-stream.sh ${opts[*]} ${extra[*]} $scen $raw"
    bash "$LAB_DIR/capture-stream.sh" "${opts[@]}" "${extra[@]}" "$scen" "$raw" > "$T/capture.out" \
        || die "capture-stream.sh failed for $scen"
    head -1 "$T/capture.out" > "$T/summary.json"
    "$PY" "$LAB_DIR/stream-info.py" "$raw" --json > "$T/stream-info.json" || die "stream-info.py does not parse $raw"
    : > "$T/vtd.json"
    case "$scen" in
    *viommu*) "$PY" "$LAB_DIR/vtd-walk.py" "$raw" --json > "$T/vtd.json" || die "vtd-walk.py failed on $raw" ;;
    esac
    local ramfile=""
    [ "$scen" = q35-random-ram ] && ramfile=$(random_ram_file "${size:-64M}")

    log "compressing $raw ($(stat -c %s "$raw") bytes) with xz -9e -T1"
    xz -9e -T1 -c "$raw" > "$xz.part"
    rawsha=$(sha256sum < "$raw" | cut -c1-64)
    xzsha=$(xz -dc "$xz.part" | sha256sum | cut -c1-64)
    [ "$rawsha" = "$xzsha" ] || { rm -f "$xz.part"; die "$scen: xz round trip changed the stream"; }
    if [ "$(stat -c %s "$xz.part")" -ge "$MAX_XZ_BYTES" ]; then
        local n; n=$(stat -c %s "$xz.part"); rm -f "$xz.part"
        die "$scen: compressed capture is $n bytes (limit MAX_XZ_BYTES=$MAX_XZ_BYTES); not written. The raw stream is $raw"
    fi
    mv "$xz.part" "$xz"

    "$PY" - "$sidecar" "$scen" "$machine" "${R_DESC[$scen]}" "$VERSION_LINE" "$QEMU_PKG" \
        "$T" "$raw" "$GUEST" "$LAB_WORK" "$linux" "$ramfile" "$size" "$optstr" "${dest_opts[@]}" <<'EOF'
import hashlib, json, os, sys
(sidecar, scen, machine, desc, version, pkg, t, raw, guest, work, linux,
 ramfile, size, optstr), dest_opts = sys.argv[1:15], sys.argv[15:]

def placeholders(args):
    out = []
    for a in args:
        a = a.replace(guest, "${GUEST_DIR}").replace(work, "${LAB_WORK}")
        out.append(a)
    return out

def read_args(name):
    with open(os.path.join(t, name), "rb") as f:
        return placeholders([a.decode() for a in f.read().split(b"\0")[:-1]])

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

linux = linux == "1"
summary = json.load(open(os.path.join(t, "summary.json")))
if not linux:
    # timings vary from run to run; never-run captures are otherwise reproducible
    for k in ("qemu_total_time_ms", "qemu_downtime_ms", "qemu_mbps", "wall_s"):
        summary.pop(k, None)
opts = [] if optstr == "-" else optstr.split()
d = {
    "scenario": scen,
    "machine": machine,
    "description": desc,
    "qemu_version": version,
    "qemu_package": pkg,
    "generated_by": "testdata/scripts/make-captures.sh (capture-stream.sh, xz -9e -T1)",
    "capture_options": opts,
    "qemu_args": read_args("src.args"),
    "source_extra_args": ([] if linux else ["-S"]) + ["-qmp", "unix:${QMP_SOCK},server=on,wait=off"],
    "migrate_uri": "exec:cat > ${OUT}.part && mv ${OUT}.part ${OUT}",
    "source_state": "booted Linux guest, migrated live after LAB-READY" if linux else "never ran (-S), paused",
    "dest_args": read_args("dest.args"),
    "dest_extra_args": ["-S", "-qmp", "unix:${QMP_SOCK},server=on,wait=off",
                        "-incoming", "tcp:127.0.0.1:${PORT}"],
    "dest_options": dest_opts,
    "dest_expected": "RESULT ACCEPTED status=completed vm=" + ("paused" if linux else "prelaunch"),
    "placeholders": {
        "${LAB_WORK}": "scratch directory of testdata/scripts (default ${TMPDIR:-/tmp}/qmig-lab)",
        "${GUEST_DIR}": "guest built by build-guest.sh (default ${LAB_WORK}/guest)",
        "${SERIAL_LOG}": "file receiving the guest's serial console",
        "${QMP_SOCK}": "QMP socket in a private scratch directory",
        "${OUT}": "the raw stream file",
        "${PORT}": "a free TCP port on 127.0.0.1",
    },
    "raw_file": scen + ".mig",
    "raw_bytes": os.path.getsize(raw),
    "raw_sha256": sha256_file(raw),
    "compressed_file": scen + ".mig.xz",
    "compression": "xz -9e -T1",
    "capture_summary": summary,
    "reader": "stream-info.py (qmig testdata/scripts, independent Python reader)",
    "stream_info": json.load(open(os.path.join(t, "stream-info.json"))),
}
vtd = open(os.path.join(t, "vtd.json")).read().strip()
if vtd:
    d["vtd_reader"] = "vtd-walk.py"
    d["vtd_walk"] = json.loads(vtd)
if ramfile:
    d["ram_seed"] = 1234
    d["ram_generator"] = "Python random.Random(1234).randbytes(ram_size), written in 16 MiB chunks (lib.sh random_ram_file)"
    d["ram_size"] = os.path.getsize(ramfile)
    d["ram_block"] = "pc.ram"
    d["ram_file_sha256"] = sha256_file(ramfile)
if linux:
    g = {}
    for k, f in (("kernel_package", "kernel-package"), ("kernel_version", "kernel-version")):
        try:
            g[k] = open(os.path.join(guest, f)).read().strip()
        except OSError:
            pass
    g["vmlinuz_sha256"] = sha256_file(os.path.join(guest, "vmlinuz"))
    g["initramfs_note"] = "initramfs.cpio.gz is rebuilt by build-guest.sh and is not byte-reproducible; a destination needs the -kernel/-initrd files to exist, but the migrated guest (already booted) never reads them again"
    d["guest"] = g
    serial = os.path.splitext(raw)[0] + ".serial.log"
    try:
        lines = open(serial, encoding="utf-8", errors="replace").read().splitlines()
        d["guest_serial_lab_lines"] = [l for l in lines if l.startswith("LAB") and not l.startswith("LAB-HEARTBEAT")]
    except OSError:
        pass
with open(sidecar + ".part", "w") as f:
    json.dump(d, f, indent=1)
    f.write("\n")
os.replace(sidecar + ".part", sidecar)
EOF
    log "wrote $xz ($(stat -c %s "$xz") bytes) and $(basename "$sidecar") [raw $(stat -c %s "$raw") bytes, sha256 $rawsha]"
    printf '%s\t%s\t%s\t%s\n' "$scen" "$(stat -c %s "$raw")" "$(stat -c %s "$xz")" "$rawsha"
}

printf 'scenario\traw_bytes\txz_bytes\traw_sha256\n'
for s in "${ORDER[@]}"; do one_capture "$s"; done
