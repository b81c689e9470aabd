#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# diff-vs-analyze.sh [options]
#
# Times "qmig diff A B" on two 1 GiB streams that differ in three pages
# against the closest thing QEMU 7.2's scripts/analyze-migration.py can do:
#   qmig      ./qmig diff A B
#   analyze   python3 analyze-migration.py -x -f A   (cwd: dir a)
#             python3 analyze-migration.py -x -f B   (cwd: dir b)
#             cmp -l a/BLOCK b/BLOCK for every extracted RAMBlock file
# Wall time of the whole pipeline, JVM / interpreter start-up included; each
# side runs WARMUP untimed times, then RUNS timed times (extracted files are
# deleted and sync(1)ed after each run, outside the timed part).
#
# Inputs, made on first use and cached under
# ${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}:
#   A  q35-random-ram-1G.mig   a real QEMU 7.2 capture (the same cache entry as
#                              bench/ram-vs-analyze.sh: capture-stream.sh --size 1G
#                              q35-random-ram, every page seeded random)
#   B  q35-random-ram-1G-3pages.mig   a patched copy of A: the PAGE bodies of
#                              pc.ram pages 0x11, 0x20005 and 0x3ffd4 (found in
#                              A by their content, taken from the seeded RAM file
#                              the capture was made from) get one byte flipped;
#                              every copy of a page sent twice is patched, so the
#                              final contents differ in exactly those 3 pages.
# Before timing, both outputs are checked: qmig diff must name exactly the 3
# pages, cmp -l exactly 3 bytes.
#
# Output: a table and the ratio analyze / qmig (medians), and a JSON line
# appended to bench/out/diff-results-<UTC date>.jsonl.
#
# Options:
#   -n, --runs N     timed runs per side (default 3)
#   -w, --warmup N   untimed runs first (default 1)
#   --out DIR        where the .jsonl goes (default bench/out)
#   -h, --help
# Environment: QMIG_BENCH_WORK (cache dir), QMIG_BENCH_PYTHON (interpreter for
# analyze-migration.py), QMIG_JAVA_OPTS (passed to java by ./qmig).
# Runtime (2 cores, -n 3): ~15 s to capture A once, ~5 s to make B, then about
# 4 minutes (analyze -x of both streams: ~25 s a run).  Disk: ~2.2 GB of
# inputs cached, plus ~2.2 GB of extracted RAM while a run is in progress.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=3; WARMUP=1; OUTDIR="$HERE/out"
PAGES="0x11 0x20005 0x3ffd4"

while [ $# -gt 0 ]; do
    case "$1" in
    -n|--runs) RUNS=$2; shift 2 ;;
    -w|--warmup) WARMUP=$2; shift 2 ;;
    --out) OUTDIR=$2; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1   (--help)" ;;
    esac
done
bench_check_counts

mkdir -p "$WORK" "$OUTDIR"
T="$(mktemp -d "$WORK/diffrun.XXXXXX")"
trap 'rm -rf "$T"' EXIT

bench_python   # PYBIN, ANALYZE (lib.sh)

# --- inputs ------------------------------------------------------------------
A="$(bench_capture_1g)"
RAMFILE="$LAB_WORK/ram/random-1073741824.bin"
[ -s "$RAMFILE" ] || die "$RAMFILE (the seeded RAM the capture was made from) is missing: delete $A and run again"
B="$WORK/q35-random-ram-1G-3pages.mig"
if [ ! -s "$B" ] || [ "$B" -ot "$A" ]; then
    log "making $B (A with pages $PAGES patched)"
    cp "$A" "$WORK/.patching.mig"
    "$PYBIN" - "$WORK/.patching.mig" "$RAMFILE" $PAGES <<'PY' || die "patching failed"
import mmap, sys
stream, ram, pages = sys.argv[1], sys.argv[2], [int(p, 16) for p in sys.argv[3:]]
with open(ram, "rb") as r, open(stream, "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    for p in pages:
        r.seek(p * 4096)
        body = r.read(4096)
        at, n = m.find(body), 0
        while at >= 0:
            m[at + 123] ^= 0x5a
            n += 1
            at = m.find(body, at + 4096)
        if n == 0:
            sys.exit("page 0x%x not found in the stream" % p)
        print("page 0x%x: %d copies patched" % (p, n), file=sys.stderr)
    m.flush()
PY
    mv "$WORK/.patching.mig" "$B"
fi

cd "$REPO"
"$QMIG" --version > /dev/null || die "./qmig does not start"

# --- check -------------------------------------------------------------------
rc=0; "$QMIG" diff "$A" "$B" > "$T/qmig.out" 2> "$T/qmig.err" || rc=$?
[ "$rc" = 1 ] || { cat "$T/qmig.err" >&2; die "qmig diff exited $rc, expected 1"; }
want="    0x11000 0x20005000 0x3ffd4000"
grep -qx -- "  pc.ram: 3 pages differ in 3 ranges" "$T/qmig.out" && grep -qx -- "$want" "$T/qmig.out" \
    || { cat "$T/qmig.out" >&2; die "qmig diff did not name exactly the 3 patched pages"; }
ANALYZE_DIFF="$T/analyze-diff.sh"
cat > "$ANALYZE_DIFF" <<SH
set -e
mkdir -p a b
(cd a && "$PYBIN" "$ANALYZE" -x -f "$A" > /dev/null)
(cd b && "$PYBIN" "$ANALYZE" -x -f "$B" > /dev/null)
for f in a/*; do cmp -l "\$f" "b/\${f#a/}" || true; done
SH
O="$T/o"
fresh() { rm -rf "$O"; mkdir -p "$O"; }
cleanup_run() { rm -rf "$O"; sync; }
fresh; (cd "$O" && bash "$ANALYZE_DIFF") > "$T/analyze.out" 2> "$T/analyze.err" || die "analyze pipeline failed"
cleanup_run
[ "$(grep -c . "$T/analyze.out")" = 3 ] || { cat "$T/analyze.out" >&2; die "cmp -l did not give exactly 3 bytes"; }

# --- timing ------------------------------------------------------------------
measure() {  # KEY CMD...
    local key=$1 i t0 t1; shift
    for ((i = 0; i < WARMUP; i++)); do fresh; (cd "$O" && "$@") > /dev/null 2>&1 || true; cleanup_run; done
    : > "$T/$key.times"
    for ((i = 0; i < RUNS; i++)); do
        fresh
        t0=$(date +%s.%N)
        (cd "$O" && "$@") > /dev/null 2>&1 || true
        t1=$(date +%s.%N)
        cleanup_run
        awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.6f\n", a-b}' >> "$T/$key.times"
    done
}
log "runs $RUNS (+$WARMUP warm-up); python: $PYBIN"
log "./qmig diff A B"
measure qmig "$QMIG" diff "$A" "$B"
/usr/bin/time -f '%M' -o "$T/qmig.rss" "$QMIG" diff "$A" "$B" > /dev/null 2>&1 || true
log "analyze-migration.py -x of A and B, then cmp -l"
measure analyze bash "$ANALYZE_DIFF"

STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUTFILE="$OUTDIR/diff-results-$(date -u +%Y-%m-%d).jsonl"
REV=$(bench_rev)
"$PYBIN" - "$T" "$OUTFILE" "$STAMP" "$RUNS" "$WARMUP" "$REV" "$(nproc)" "$(java -version 2>&1 | head -1)" \
    "$("$PYBIN" -V 2>&1)" "$A" "$B" <<'PY'
import json, os, statistics, sys
tdir, outfile, stamp, runs, warmup, rev, cores, javav, pyv, a, b = sys.argv[1:]
def t(key):
    xs = [float(x) for x in open(os.path.join(tdir, key + ".times")).read().split()]
    return {"best_s": round(min(xs), 3), "median_s": round(statistics.median(xs), 3), "times_s": [round(x, 3) for x in xs]}
q, an = t("qmig"), t("analyze")
rss = open(os.path.join(tdir, "qmig.rss")).read().split()
rss = int(rss[-1]) if rss and rss[-1].isdigit() else None
ratio = an["median_s"] / q["median_s"]
print("runs: %s (+%s warm-up)   cores: %s   qmig %s   %s" % (runs, warmup, cores, rev, javav))
print("A %s (%d B), B %s: 3 pages differ" % (os.path.basename(a), os.path.getsize(a), os.path.basename(b)))
print("%-52s %s" % ("command", "best / median s"))
print("%-52s %.2f / %.2f   (maxRSS %s MiB)" % ("./qmig diff A B", q["best_s"], q["median_s"],
                                                "-" if rss is None else rss // 1024))
print("%-52s %.2f / %.2f" % ("analyze-migration.py -x A; -x B; cmp -l", an["best_s"], an["median_s"]))
print("ratio analyze / qmig (medians): %.2fx" % ratio)
with open(outfile, "a") as o:
    o.write(json.dumps({"run": stamp, "runs": int(runs), "warmup": int(warmup), "qmig_rev": rev, "cores": int(cores),
                        "java": javav, "python": pyv, "a": os.path.basename(a), "a_bytes": os.path.getsize(a),
                        "b": os.path.basename(b), "qmig_diff": q, "qmig_max_rss_kb": rss,
                        "analyze_x_both_cmp": an, "ratio": round(ratio, 2)}) + "\n")
print("results appended to %s" % outfile)
PY
