#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# inspect-libvirt-vs-analyze.sh [options]
#
# Times qmig on an xz-compressed libvirt save image (what "virsh save" writes
# with save_image_format = "xz") against QEMU 7.2's scripts/analyze-migration.py,
# which cannot read the image: it has to be unwrapped by hand first.  Wall time
# of the whole process (or pipeline), JVM / interpreter start-up included.
#
# Inputs (made on first use, then cached under
# ${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}), each a libvirt image as
# current libvirt writes one: 92-byte header ("LibvirtQemudSave", version 2,
# data_len, was_running 1, format 3 = xz, cookieOffset), domain XML + NUL,
# cookie XML + NUL, 64 KiB of zero padding, then the stream through "xz -c -3"
# (libvirt's own command for format xz):
#   linux  q35-linux-viommu.libvirt-xz.save    testdata/captures/qemu-7.2/q35/
#                                 q35-linux-viommu.mig.xz, decompressed (a Linux
#                                 guest that booted, 256 MiB, vIOMMU)
#   1g     q35-random-ram-1G.libvirt-xz.save   the 1 GiB capture of
#                                 bench/inspect-vs-analyze.sh (q35-random-ram-1G.mig,
#                                 every page seeded random; shared cache entry)
# Making an image checks that the by-hand unwrap gives back the stream byte
# for byte.
#
# Timed (each command: WARMUP untimed runs, then RUNS timed runs; best and
# median; stdout and stderr to /dev/null):
#   qmig inspect   ./qmig inspect IMAGE
#   qmig dump      ./qmig dump --json IMAGE
#   unwrap+analyze bash -c 'tail -c +$((92+data_len+1)) IMAGE | xz -dc > TMP.mig &&
#                  python3 analyze-migration.py -f TMP.mig'
#   analyze alone  python3 analyze-migration.py -f TMP.mig   (already unwrapped)
#   unwrap alone   tail -c +... IMAGE | xz -dc > TMP.mig     (for reference)
# data_len is read from the header once, outside the timing, as a user would.
# analyze-migration.py's default mode ("-d state") is the peer of both
# "qmig inspect" and "qmig dump --json" (see bench/README.md).
# Ratio = analyze / qmig (medians): above 1 means qmig is faster.
#
# Output: a table on stdout, and JSON lines appended to
# bench/out/libvirt-results-<UTC date>.jsonl.
#
# Options:
#   -n, --runs N      timed runs per command (default 3)
#   -w, --warmup N    untimed runs first (default 1; warms the page cache)
#   --only linux|1g   one input only (repeatable; default both)
#   --no-hyperfine    time with date +%s.%N even when hyperfine is installed
#   --no-build        fail instead of letting ./qmig build a missing jar
#   --out DIR         where the .jsonl goes (default bench/out)
#   -h, --help
# Environment: QMIG_BENCH_WORK (cache dir), QMIG_BENCH_PYTHON (interpreter for
# analyze-migration.py), QMIG_JAVA_OPTS (passed to java by ./qmig).
# Disk: the 1 GiB image is ~1.08 GB (random pages do not compress) next to the
# 1 GiB capture, plus ~1.08 GB of unwrapped stream in the run's scratch dir.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=3; WARMUP=1; ONLY=(); USE_HYPERFINE=1; NO_BUILD=0; OUTDIR="$HERE/out"

while [ $# -gt 0 ]; do
    case "$1" in
    -n|--runs) RUNS=$2; shift 2 ;;
    -w|--warmup) WARMUP=$2; shift 2 ;;
    --only) ONLY+=("$2"); shift 2 ;;
    --no-hyperfine) USE_HYPERFINE=0; shift ;;
    --no-build) NO_BUILD=1; shift ;;
    --out) OUTDIR=$2; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1   (--help)" ;;
    esac
done
bench_check_counts
[ ${#ONLY[@]} -gt 0 ] || ONLY=(linux 1g)
for o in "${ONLY[@]}"; do case "$o" in linux|1g) ;; *) die "--only takes linux or 1g" ;; esac; done
command -v xz >/dev/null || die "xz is needed (apt-get install -y xz-utils)"

mkdir -p "$WORK" "$OUTDIR"
T="$(mktemp -d "$WORK/librun.XXXXXX")"
trap 'rm -rf "$T"' EXIT

bench_python   # PYBIN, ANALYZE
bench_timer    # TIMER, USE_HYPERFINE, TIMEBIN

# --- inputs ------------------------------------------------------------------
# header_data_len IMAGE : the header's data_len (u32 LE at offset 20)
header_data_len() { od -An -tu4 -j20 -N4 --endian=little "$1" | tr -d ' '; }

# libvirt_xz STREAM IMAGE MEM_KIB : cached; header + XML + cookie + padding, then xz -c -3
libvirt_xz() {
    local mig=$1 img=$2 kib=$3 part t0 n
    if [ -s "$img" ] && [ ! "$img" -ot "$mig" ]; then echo "$img"; return 0; fi
    part="$WORK/.building-$(basename "$img")"
    log "making $img (libvirt header, then xz -c -3 of $(basename "$mig"))"
    t0=$(date +%s.%N)
    "$PYBIN" - "$part" "$kib" <<'PY'
import struct, sys
part, kib = sys.argv[1], int(sys.argv[2])
xml = ("<domain type='kvm'>\n  <name>bench</name>\n  <memory unit='KiB'>%d</memory>\n"
       "  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>\n</domain>\n\0" % kib).encode()
cookie = ("<cookie>\n  <cpu mode='custom' match='exact'><model>qemu64</model></cpu>\n"
          "  <slirpHelper/>\n</cookie>\n\0").encode()
data_len = len(xml) + len(cookie) + 65536          # current libvirt: + 64 KiB for save-image-define
hdr = b"LibvirtQemudSave" + struct.pack("<5I", 2, data_len, 1, 3, len(xml)) + bytes(14 * 4)
assert len(hdr) == 92
with open(part, "wb") as f:
    f.write(hdr + xml + cookie + bytes(65536))
PY
    xz -c -3 < "$mig" >> "$part" || die "xz -c -3 failed"
    # the by-hand route must give the stream back
    n=$(header_data_len "$part")
    tail -c +$((92 + n + 1)) "$part" | xz -dc | cmp -s - "$mig" || die "unwrapping $part does not give $mig back"
    mv "$part" "$img"
    log "made $img ($(stat -c %s "$img") B) in $(bench_elapsed "$t0" "$(date +%s.%N)") s"
    echo "$img"
}

IMAGES=(); LABELS=(); STREAMS=()
for o in "${ONLY[@]}"; do
    case "$o" in
    linux)
        src="$REPO/testdata/captures/qemu-7.2/q35/q35-linux-viommu.mig.xz"
        mig="$WORK/q35-linux-viommu.mig"
        if [ ! -s "$mig" ] || [ "$mig" -ot "$src" ]; then
            xz -dc "$src" > "$mig.part" && mv "$mig.part" "$mig" || die "xz -dc $src failed"
        fi
        IMAGES+=("$(libvirt_xz "$mig" "$WORK/q35-linux-viommu.libvirt-xz.save" 262144)")
        LABELS+=(linux); STREAMS+=("$mig") ;;
    1g)
        mig="$(bench_capture_1g)"
        IMAGES+=("$(libvirt_xz "$mig" "$WORK/q35-random-ram-1G.libvirt-xz.save" 1048576)")
        LABELS+=(1GiB); STREAMS+=("$mig") ;;
    esac
done

# --- qmig (untimed probe; the launcher may build the jar) ---------------------
cd "$REPO"
if [ ! -f "$REPO/tools/target/qmig.jar" ]; then
    [ "$NO_BUILD" = 0 ] || die "no $REPO/tools/target/qmig.jar (--no-build given)"
    log "tools/target/qmig.jar is missing: the launcher builds it now (untimed)"
fi
"$QMIG" inspect "${IMAGES[0]}" > "$T/probe.out" 2> "$T/probe.err" || {
    cat "$T/probe.err" >&2; die "./qmig inspect ${IMAGES[0]} failed"; }
grep -q '^wrapper: libvirt save image v2, format xz' "$T/probe.out" \
    || { head -5 "$T/probe.out" >&2; die "qmig inspect did not see the libvirt xz wrapper"; }

# --- timing ------------------------------------------------------------------
REC="$T/records.tsv"; : > "$REC"
log "timer: $TIMER; runs $RUNS, warmup $WARMUP; python: $PYBIN; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!IMAGES[@]}"; do
    img=${IMAGES[$i]}; lab=${LABELS[$i]}
    n=$(header_data_len "$img")
    tmp="$T/unwrapped-$i.mig"
    unwrap="tail -c +$((92 + n + 1)) $(printf %q "$img") | xz -dc > $(printf %q "$tmp")"
    log "$lab: ./qmig inspect $(basename "$img")"
    bench_measure "qmig-inspect-$i" "$QMIG" inspect "$img" || true
    log "$lab: ./qmig dump --json $(basename "$img")"
    bench_measure "qmig-dump-$i" "$QMIG" dump --json "$img" || true
    log "$lab: $unwrap && analyze-migration.py -f $(basename "$tmp")"
    bench_measure "unwrap-analyze-$i" bash -c "$unwrap && $(printf %q "$PYBIN") $(printf %q "$ANALYZE") -f $(printf %q "$tmp")" || true
    log "$lab: unwrap alone"
    bench_measure "unwrap-$i" bash -c "$unwrap" || true
    log "$lab: analyze-migration.py -f $(basename "$tmp") (already unwrapped)"
    bench_measure "analyze-$i" "$PYBIN" "$ANALYZE" -f "$tmp" || true
    rm -f "$tmp"
    bench_record input "$lab" "$img" "${STREAMS[$i]}" "$n" "$i"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUTFILE="$OUTDIR/libvirt-results-$(date -u +%Y-%m-%d).jsonl"
"$PYBIN" - "$REC" "$T" "$OUTFILE" "$STAMP" "$RUNS" "$WARMUP" "$TIMER" "$(bench_rev)" "$(nproc)" \
    "$(java -version 2>&1 | head -1)" "$("$PYBIN" -V 2>&1)" "$(xz --version | head -1)" "$LOAD_AFTER" <<'EOF'
import json, os, statistics, sys
rec, tdir, outfile, stamp, runs, warmup, timer, rev, cores, javav, pyv, xzv, load = sys.argv[1:]

def timing(key):
    rc, rss = open(os.path.join(tdir, key + ".probe")).read().split()
    times = [float(x) for x in open(os.path.join(tdir, key + ".times")).read().split()]
    r = {"rc": int(rc), "max_rss_kb": None if rss == "null" else int(rss)}
    if times:
        r.update(best_s=round(min(times), 4), median_s=round(statistics.median(times), 4),
                 times_s=[round(t, 4) for t in times])
    return r

def sec(r):
    return "%.3f/%.3f" % (r["best_s"], r["median_s"]) if "median_s" in r else "FAIL(rc %d)" % r["rc"]

def ratio(a, q):
    if "median_s" in a and "median_s" in q and q["median_s"] > 0:
        return a["median_s"] / q["median_s"]
    return None

common = {"run": stamp, "runs": int(runs), "warmup": int(warmup), "timer": timer, "qmig_rev": rev,
          "cores": int(cores), "java": javav, "python": pyv, "xz": xzv, "loadavg_after": load}
print("timer: %s   runs: %s (+%s warm-up)   cores: %s   qmig %s   load after: %s"
      % (timer, runs, warmup, cores, rev, load))
print("ratio = analyze / qmig (medians); above 1 = qmig faster. Wall times include start-up.")
print()
print("%-6s %-13s %-19s %-31s %-19s %s" % ("input", "qmig command", "qmig s best/median",
      "analyze side", "analyze s best/med", "ratio(med)"))
lines = []
for row in open(rec).read().splitlines():
    _, lab, img, mig, data_len, i = row.split("\t")
    t = {k: timing("%s-%s" % (k, i)) for k in ("qmig-inspect", "qmig-dump", "unwrap-analyze", "unwrap", "analyze")}
    for qk, qcmd in (("qmig-inspect", "inspect"), ("qmig-dump", "dump --json")):
        for ak, acmd in (("unwrap-analyze", "unwrap + analyze -f"), ("analyze", "analyze -f (pre-unwrapped)")):
            r = ratio(t[ak], t[qk])
            print("%-6s %-13s %-19s %-31s %-19s %s" % (lab, qcmd, sec(t[qk]), acmd, sec(t[ak]),
                  "n/a" if r is None else "%.2f" % r))
            lines.append(dict(common, kind="pair", label=lab, image=os.path.basename(img),
                              image_bytes=os.path.getsize(img), stream_bytes=os.path.getsize(mig),
                              data_len=int(data_len), qmig_cmd="./qmig %s IMAGE" % qcmd, analyze_cmd=acmd,
                              qmig=t[qk], analyze=t[ak], ratio_median=None if r is None else round(r, 2)))
    print("%-6s %-13s %-19s %-31s %-19s %s" % (lab, "", "", "unwrap alone (tail | xz -dc)", sec(t["unwrap"]), ""))
    lines.append(dict(common, kind="unwrap", label=lab, image=os.path.basename(img), unwrap=t["unwrap"]))
    print("%-6s image %s: %d B, stream %d B; peak RSS MiB: qmig inspect %s, dump %s, analyze %s"
          % (lab, os.path.basename(img), os.path.getsize(img), os.path.getsize(mig),
             *["-" if t[k]["max_rss_kb"] is None else t[k]["max_rss_kb"] // 1024
               for k in ("qmig-inspect", "qmig-dump", "analyze")]))
    print()
with open(outfile, "a") as out:
    for l in lines:
        out.write(json.dumps(l) + "\n")
print("results appended to %s" % outfile)
EOF
