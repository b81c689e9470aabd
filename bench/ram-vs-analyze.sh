#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ram-vs-analyze.sh [options]
#
# Times qmig's RAM commands against QEMU 7.2's scripts/analyze-migration.py
# and against cp, on the same real QEMU 7.2 streams, in one run:
#   extract-ram  ./qmig extract-ram FILE OUTDIR
#            vs  python3 analyze-migration.py -x -f FILE   (cwd: an empty dir)
#            vs  cp FILE OUTDIR/copy                       (the floor: writing the bytes)
#   digest       ./qmig digest FILE   (SHA-256 per RAMBlock)
#            vs  python3 analyze-migration.py -x -f FILE   (the same run as above)
# Wall time of the whole process, JVM / interpreter start-up included.  Each
# command runs WARMUP untimed times (warms the page cache), then RUNS timed
# times; every run starts with an empty output directory, and the output is
# deleted and sync(1)ed after each run, outside the timed part.
#
# Inputs (made on first use, then cached under
# ${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}):
#   1g  q35-random-ram-1G.mig  testdata/scripts/capture-stream.sh --size 1G
#                              --param max-bandwidth=1099511627776 q35-random-ram
#                              (every page seeded random: ~1.08 GB)
#   4g  q35-halfzero-4G.mig    bench/ram-halfzero-capture.sh (real QEMU, 4 GiB
#                              pc.ram: first half seeded random, second half
#                              zero: ~2.16 GB, 524k PAGE + 524k ZERO records)
# analyze-migration.py comes from testdata/scripts/fetch-analyze-migration.sh.
#
# Memory (4g only, unless --no-mem): one more run of extract-ram per backing
# (auto, heap, offheap) under /usr/bin/time -f %M (peak RSS) with
# QMIG_JAVA_OPTS=-Xlog:gc+heap+exit (Java heap used/committed at exit).
#
# Output: a table, then the lines
#   TARGET extract-ram <file>: no slower than analyze-migration.py -x and cp: yes|no
#   TARGET digest <file>: >= 5x faster than analyze-migration.py -x: yes|no
# (medians), and JSON lines appended to bench/out/ram-results-<UTC date>.jsonl.
#
# Options:
#   -n, --runs N     timed runs per command (default 3)
#   -w, --warmup N   untimed runs first (default 1)
#   --only 1g|4g     one input only (repeatable; default both)
#   --no-mem         skip the per-backing memory runs
#   --no-build       fail instead of letting ./qmig build a missing tools/target/qmig.jar
#   --out DIR        where the .jsonl goes (default bench/out)
#   -h, --help
# Environment: QMIG_BENCH_WORK (cache dir), QMIG_BENCH_PYTHON (interpreter for
# analyze-migration.py; default the real executable behind python3),
# QMIG_JAVA_OPTS (passed to java by ./qmig; the memory runs append to it).
# Runtime (2 cores, -n 3): ~15 s + ~25 s to make the inputs once, then about
# 5 minutes (4 GiB digest: ~35 s a run).  Disk: ~3.3 GB of inputs and backing files, plus up to ~4.5 GB of
# output while a run is in progress.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=3; WARMUP=1; ONLY=(); MEM=1; NO_BUILD=0; OUTDIR="$HERE/out"

while [ $# -gt 0 ]; do
    case "$1" in
    -n|--runs) RUNS=$2; shift 2 ;;
    -w|--warmup) WARMUP=$2; shift 2 ;;
    --only) ONLY+=("$2"); shift 2 ;;
    --no-mem) MEM=0; shift ;;
    --no-build) NO_BUILD=1; shift ;;
    --out) OUTDIR=$2; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1   (--help)" ;;
    esac
done
bench_check_counts
[ ${#ONLY[@]} -gt 0 ] || ONLY=(1g 4g)
for o in "${ONLY[@]}"; do case "$o" in 1g|4g) ;; *) die "--only takes 1g or 4g" ;; esac; done
[ -x /usr/bin/time ] || die "/usr/bin/time is needed for peak RSS (apt-get install -y time)"

mkdir -p "$WORK" "$OUTDIR"
T="$(mktemp -d "$WORK/ramrun.XXXXXX")"
trap 'rm -rf "$T"' EXIT

bench_python   # PYBIN, ANALYZE (lib.sh)

# --- inputs ------------------------------------------------------------------
capture_4g() {
    local f="$WORK/q35-halfzero-4G.mig"
    if [ -s "$f" ]; then echo "$f"; return 0; fi
    log "making $f (bench/ram-halfzero-capture.sh --size 4G)"
    bash "$HERE/ram-halfzero-capture.sh" --size 4G "$f" >&2 || die "ram-halfzero-capture.sh failed"
    echo "$f"
}
FILES=(); LABELS=()
for o in "${ONLY[@]}"; do
    case "$o" in
    1g) FILES+=("$(bench_capture_1g)"); LABELS+=(1GiB-random) ;;
    4g) FILES+=("$(capture_4g)"); LABELS+=(4GiB-halfzero) ;;
    esac
done

cd "$REPO"
if [ ! -f "$REPO/tools/target/qmig.jar" ]; then
    [ "$NO_BUILD" = 0 ] || die "no $REPO/tools/target/qmig.jar (--no-build given)"
    log "tools/target/qmig.jar is missing: the launcher builds it now (untimed)"
fi
"$QMIG" --version > /dev/null || die "./qmig does not start"

# --- timing ------------------------------------------------------------------
# measure KEY CMD... : runs CMD with cwd and OUTDIR both "$T/o" (made empty before,
# removed and synced after each run).  The first (warm-up) run is under
# /usr/bin/time for peak RSS.  Writes $T/KEY.times and $T/KEY.probe ("rc rss_kb").
# In CMD, @OUT@ stands for the output directory.
O="$T/o"
fresh() { rm -rf "$O"; mkdir -p "$O"; }
cleanup_run() { rm -rf "$O"; sync; }
expand() { local a; CMD=(); for a in "$@"; do CMD+=("${a//@OUT@/$O}"); done; }
measure() {
    local key=$1; shift
    local rc=0 rss i t0 t1
    expand "$@"
    fresh
    (cd "$O" && /usr/bin/time -f '%M' -o "$T/$key.rss" "${CMD[@]}") > "$T/$key.out" 2> "$T/$key.err" || rc=$?
    cleanup_run
    rss=$(tail -1 "$T/$key.rss" 2>/dev/null || true)
    [[ "$rss" =~ ^[0-9]+$ ]] || rss=null
    echo "$rc $rss" > "$T/$key.probe"
    : > "$T/$key.times"
    if [ "$rc" != 0 ]; then
        log "FAILED (rc $rc): ${CMD[*]}"; tail -5 "$T/$key.err" >&2
        return 0
    fi
    for ((i = 1; i < WARMUP; i++)); do fresh; (cd "$O" && "${CMD[@]}") > /dev/null 2>&1; cleanup_run; done
    for ((i = 0; i < RUNS; i++)); do
        fresh
        t0=$(date +%s.%N)
        (cd "$O" && "${CMD[@]}") > /dev/null 2>&1
        t1=$(date +%s.%N)
        cleanup_run
        awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.6f\n", a-b}' >> "$T/$key.times"
    done
}

REC="$T/records.tsv"; : > "$REC"
record() { bench_record "$@"; }

log "runs $RUNS (+$WARMUP warm-up, the first under /usr/bin/time); python: $PYBIN"
for i in "${!FILES[@]}"; do
    f=${FILES[$i]}; lab=${LABELS[$i]}
    log "$lab: cp"
    measure "cp-$i" cp "$f" @OUT@/copy
    log "$lab: ./qmig extract-ram"
    measure "extract-$i" "$QMIG" extract-ram "$f" @OUT@
    log "$lab: python3 analyze-migration.py -x"
    measure "analyze-$i" "$PYBIN" "$ANALYZE" -x -f "$f"
    log "$lab: ./qmig digest"
    measure "digest-$i" "$QMIG" digest "$f"
    record pair "$lab" "$f" "$i"
done

# --- memory of qmig on the half-zero stream -------------------------------------
if [ "$MEM" = 1 ]; then
    for i in "${!FILES[@]}"; do
        [ "${LABELS[$i]}" = 4GiB-halfzero ] || continue
        f=${FILES[$i]}
        for b in auto heap offheap; do
            log "${LABELS[$i]}: memory, extract-ram --backing $b"
            fresh
            rc=0
            (cd "$O" && QMIG_JAVA_OPTS="${QMIG_JAVA_OPTS:-} -Xlog:gc+heap+exit:file=$T/heap-$b.log" \
                /usr/bin/time -f '%M %e' -o "$T/mem-$b.rss" "$QMIG" extract-ram "$f" "$O/ram" --backing "$b") \
                > "$T/mem-$b.out" 2> "$T/mem-$b.err" || rc=$?
            du -k --apparent-size "$O/ram" 2>/dev/null | tail -1 | cut -f1 > "$T/mem-$b.apparent" || true
            du -k "$O/ram" 2>/dev/null | tail -1 | cut -f1 > "$T/mem-$b.disk" || true
            cleanup_run
            echo "$rc" > "$T/mem-$b.rc"
            record mem "${LABELS[$i]}" "$f" "$b"
        done
    done
fi

# --- report ------------------------------------------------------------------
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUTFILE="$OUTDIR/ram-results-$(date -u +%Y-%m-%d).jsonl"
REV=$(bench_rev)
"$PYBIN" - "$REC" "$T" "$OUTFILE" "$STAMP" "$RUNS" "$WARMUP" "$REV" "$(nproc)" \
    "$(java -version 2>&1 | head -1)" "$("$PYBIN" -V 2>&1)" "$ANALYZE" "${QMIG_JAVA_OPTS:-}" <<'EOF'
import json, os, re, statistics, sys
rec, tdir, outfile, stamp, runs, warmup, rev, cores, javav, pyv, analyze, jopts = sys.argv[1:]

def timing(key):
    rc, rss = open(os.path.join(tdir, key + ".probe")).read().split()
    times = [float(x) for x in open(os.path.join(tdir, key + ".times")).read().split()]
    r = {"rc": int(rc), "max_rss_kb": None if rss == "null" else int(rss)}
    if times:
        r.update(best_s=round(min(times), 3), median_s=round(statistics.median(times), 3),
                 times_s=[round(t, 3) for t in times])
    return r

def sec(r):
    return "%.2f / %.2f" % (r["best_s"], r["median_s"]) if "median_s" in r else "FAIL(rc %d)" % r["rc"]

def mib(kb):
    return "-" if kb is None else "%d" % (kb // 1024)

def ratio(peer, q):
    if "median_s" in peer and "median_s" in q and q["median_s"] > 0:
        return peer["median_s"] / q["median_s"]
    return None

common = {"run": stamp, "runs": int(runs), "warmup": int(warmup), "qmig_rev": rev, "cores": int(cores),
          "java": javav, "python": pyv, "analyze_migration": analyze, "qmig_java_opts": jopts}
lines, targets = [], []
print("runs: %s (+%s warm-up)   cores: %s   qmig %s   %s" % (runs, warmup, cores, rev, javav))
print("wall time incl. JVM / Python start-up; best / median s; peak RSS of the warm-up run")
print()
print("%-14s %-34s %-15s %-9s %s" % ("file", "command", "best/median s", "GB/s(med)", "maxRSS MiB"))
for row in open(rec).read().splitlines():
    f = row.split("\t")
    if f[0] != "pair":
        continue
    lab, path, i = f[1], f[2], f[3]
    size = os.path.getsize(path)
    res = {k: timing("%s-%s" % (k, i)) for k in ("cp", "extract", "analyze", "digest")}
    names = {"cp": "cp FILE OUT/copy", "extract": "./qmig extract-ram FILE OUT",
             "analyze": "analyze-migration.py -x -f FILE", "digest": "./qmig digest FILE"}
    for k in ("cp", "extract", "analyze", "digest"):
        r = res[k]
        gbs = "%.2f" % (size / r["median_s"] / 1e9) if "median_s" in r else "-"
        print("%-14s %-34s %-15s %-9s %s" % (lab, names[k], sec(r), gbs, mib(r["max_rss_kb"])))
    ra, rc_, rd = ratio(res["analyze"], res["extract"]), ratio(res["cp"], res["extract"]), \
        ratio(res["analyze"], res["digest"])
    fmt = lambda v: "n/a" if v is None else "%.2fx" % v
    print("%-14s ratios (peer median / qmig median): extract-ram vs analyze -x %s, vs cp %s; "
          "digest vs analyze -x %s" % (lab, fmt(ra), fmt(rc_), fmt(rd)))
    ok_x = ra is not None and rc_ is not None and ra >= 1.0 and rc_ >= 1.0
    ok_d = rd is not None and rd >= 5.0
    targets.append("TARGET extract-ram %s: no slower than analyze-migration.py -x and cp: %s"
                   % (lab, "yes" if ok_x else "no"))
    targets.append("TARGET digest %s: >= 5x faster than analyze-migration.py -x: %s"
                   % (lab, "yes" if ok_d else "no"))
    lines.append(dict(common, kind="pair", label=lab, file=os.path.basename(path), bytes=size,
                      results={names[k]: v for k, v in res.items()},
                      ratio_extract_vs_analyze=None if ra is None else round(ra, 2),
                      ratio_extract_vs_cp=None if rc_ is None else round(rc_, 2),
                      ratio_digest_vs_analyze=None if rd is None else round(rd, 2),
                      target_extract=ok_x, target_digest=ok_d))
    print()

mem = [r.split("\t") for r in open(rec).read().splitlines() if r.startswith("mem\t")]
if mem:
    print("qmig extract-ram memory (%s): peak RSS (/usr/bin/time %%M), Java heap at exit "
          "(-Xlog:gc+heap+exit: used / committed), output size apparent / on disk" % mem[0][1])
    for _, lab, path, b in mem:
        rc = int(open(os.path.join(tdir, "mem-%s.rc" % b)).read())
        rss_s = open(os.path.join(tdir, "mem-%s.rss" % b)).read().split()
        rss = int(rss_s[-2]) if len(rss_s) >= 2 and rss_s[-2].isdigit() else None
        wall = float(rss_s[-1]) if rss_s else None
        used = committed = 0
        try:
            for l in open(os.path.join(tdir, "heap-%s.log" % b)):
                m = re.search(r"(generation|heap)\s+total (\d+)K, used (\d+)K", l)
                if m:
                    committed += int(m.group(2)); used += int(m.group(3))
        except OSError:
            pass
        def kb(name):
            try:
                return int(open(os.path.join(tdir, "mem-%s.%s" % (b, name))).read().strip())
            except (OSError, ValueError):
                return None
        app, disk = kb("apparent"), kb("disk")
        backing = b
        out = open(os.path.join(tdir, "mem-%s.out" % b)).read()
        print("  --backing %-8s rc %d  %6.2f s  RSS %s MiB  heap %s / %s MiB  output %s / %s MiB%s" % (
            b, rc, wall or 0, mib(rss), used // 1024, committed // 1024, mib(app), mib(disk),
            "" if rc == 0 else "  (" + open(os.path.join(tdir, "mem-%s.err" % b)).read().strip()[-200:] + ")"))
        lines.append(dict(common, kind="memory", label=lab, file=os.path.basename(path), backing=b, rc=rc,
                          wall_s=wall, max_rss_kb=rss, heap_used_kb=used, heap_committed_kb=committed,
                          output_apparent_kb=app, output_disk_kb=disk, stdout=out.strip().splitlines()))
    print()

for t in targets:
    print(t)
lines.append(dict(common, kind="targets", lines=targets))
with open(outfile, "a") as o:
    for l in lines:
        o.write(json.dumps(l) + "\n")
print("results appended to %s" % outfile)
EOF
