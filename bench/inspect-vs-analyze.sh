#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# inspect-vs-analyze.sh [options]
#
# Times qmig against QEMU 7.2's own scripts/analyze-migration.py on the same
# real QEMU 7.2 streams, in one run, and prints each time and the ratio
# (analyze-migration / qmig).  Wall time of the whole process is measured,
# JVM (and Python) start-up included: it is part of what a user waits for.
#
# Inputs (made on first use, then cached under
# ${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}):
#   64m  q35-plain-64M.mig       testdata/scripts/capture-stream.sh q35-plain
#                                (64 MiB guest, never ran: ~0.4 MB, mostly zero pages)
#   1g   q35-random-ram-1G.mig   capture-stream.sh --size 1G
#                                --param max-bandwidth=1099511627776 q35-random-ram
#                                (1 GiB of seeded random RAM: ~1.08 GB stream)
# analyze-migration.py comes from testdata/scripts/fetch-analyze-migration.sh.
#
# Timed pairs (each command: WARMUP untimed runs, then RUNS timed runs;
# best = minimum, median = median; stdout and stderr go to /dev/null):
#   inspect  ./qmig inspect FILE          vs  python3 analyze-migration.py -f FILE
#   dump     ./qmig dump --json FILE      vs  python3 analyze-migration.py -f FILE
# analyze-migration.py's default mode ("-d state") walks every section and
# prints the device state as JSON: the peer of "qmig dump --json".  It has no
# cheaper mode that lists the stream ("-d desc" only prints the trailing
# VMDESCRIPTION JSON without reading a section, "-x" also writes every
# RAMBlock into the cwd, "-m" fails under Python 3), so the same command is
# the peer of "qmig inspect" too.
# JVM start-up is timed separately: "./qmig --version" (when it works) and
# "java -version".
#
# Output: a table on stdout, ending with the line
#   TARGET 1GiB: qmig >= 5x faster: yes|no
# (yes when the median ratio is >= 5.00 for every pair on the 1 GiB file),
# and the same as JSON lines appended to bench/out/results-<UTC date>.jsonl.
#
# Options:
#   -n, --runs N      timed runs per command (default 3)
#   -w, --warmup N    untimed runs first (default 1; warms the page cache)
#   --only 64m|1g     one input only (repeatable; default both)
#   --analyze-only    time analyze-migration.py alone (qmig not built yet)
#   --no-hyperfine    time with date +%s.%N even when hyperfine is installed
#   --no-build        fail instead of letting ./qmig build a missing
#                     tools/target/qmig.jar (the launcher runs mvn)
#   --qmig PATH       the qmig launcher to time (default: the repo's ./qmig)
#   --out DIR         where results-<date>.jsonl goes (default bench/out)
#   -h, --help
# Environment: QMIG_BENCH_WORK (cache dir), QMIG_BENCH_PYTHON (interpreter for
# analyze-migration.py; default: the real executable behind "python3", so a
# pyenv shim's ~50 ms is not charged to it), LAB_WORK (capture scratch, default
# $QMIG_BENCH_WORK/lab; it keeps the 1 GiB random RAM backing file).
# The qmig launcher builds tools/target/qmig.jar when it is missing; that
# happens in an untimed probe run before anything is timed.
# Runtime (2 cores): making the inputs takes ~15 s once (1 GiB capture ~14 s:
# ~6 s writing the 1 GiB random RAM file, ~2.5 s migration, the rest
# checksumming and listing; ~7 s when the RAM file is cached); then ~16 s
# per bench with -n 3 (~22 s with -n 5).  Disk: ~2.2 GB under the cache dir.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=3; WARMUP=1; ONLY=(); ANALYZE_ONLY=0; USE_HYPERFINE=1; NO_BUILD=0; OUTDIR="$HERE/out"

while [ $# -gt 0 ]; do
    case "$1" in
    -n|--runs) RUNS=$2; shift 2 ;;
    -w|--warmup) WARMUP=$2; shift 2 ;;
    --only) ONLY+=("$2"); shift 2 ;;
    --analyze-only) ANALYZE_ONLY=1; shift ;;
    --no-hyperfine) USE_HYPERFINE=0; shift ;;
    --no-build) NO_BUILD=1; shift ;;
    --qmig) QMIG=$2; shift 2 ;;
    --out) OUTDIR=$2; shift 2 ;;
    -h|--help) sed -n '3,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1   (--help)" ;;
    esac
done
bench_check_counts
[ ${#ONLY[@]} -gt 0 ] || ONLY=(64m 1g)
for o in "${ONLY[@]}"; do case "$o" in 64m|1g) ;; *) die "--only takes 64m or 1g" ;; esac; done

mkdir -p "$WORK" "$OUTDIR"
T="$(mktemp -d "$WORK/run.XXXXXX")"
trap 'rm -rf "$T"' EXIT

# --- tools -------------------------------------------------------------------
bench_python   # PYBIN, ANALYZE
bench_timer    # TIMER, USE_HYPERFINE, TIMEBIN

# --- inputs ------------------------------------------------------------------
FILES=(); LABELS=()
for o in "${ONLY[@]}"; do
    case "$o" in
    64m) FILES+=("$(bench_capture q35-plain-64M q35-plain)"); LABELS+=(64MiB) ;;
    1g)  FILES+=("$(bench_capture_1g)")
         LABELS+=(1GiB) ;;
    esac
done

# --- qmig availability (untimed probe; the launcher may build the jar) ---------
cd "$REPO"
QMIG_OK=1
if [ "$ANALYZE_ONLY" = 0 ]; then
    if [ "$QMIG" = "$REPO/qmig" ] && [ ! -f "$REPO/tools/target/qmig.jar" ]; then
        [ "$NO_BUILD" = 0 ] || die "no $REPO/tools/target/qmig.jar (--no-build given)"
        log "tools/target/qmig.jar is missing: the launcher builds it now (untimed)"
    fi
    "$QMIG" inspect "${FILES[0]}" > "$T/probe.out" 2> "$T/probe.err" || {
        cat "$T/probe.err" >&2
        die "./qmig inspect ${FILES[0]} does not work yet (use --analyze-only to time analyze-migration.py alone)"
    }
else
    QMIG_OK=0
fi

# --- timing ------------------------------------------------------------------
# bench_measure (lib.sh) writes $T/KEY.times and $T/KEY.probe

# records: one TSV line per timed pair / start-up command, turned into the
# table and the JSON lines at the end
REC="$T/records.tsv"; : > "$REC"

log "timer: $TIMER; runs $RUNS, warmup $WARMUP; python: $PYBIN"
if [ "$QMIG_OK" = 1 ]; then
    log "JVM start-up: ./qmig --version, java -version"
    bench_measure startup-qmig "$QMIG" --version || true
    bench_record startup "-" "./qmig --version" startup-qmig
fi
bench_measure startup-java java -version || true
bench_record startup "-" "java -version" startup-java
bench_measure startup-python "$PYBIN" -c pass || true
bench_record startup "-" "python3 -c pass" startup-python

for i in "${!FILES[@]}"; do
    f=${FILES[$i]}; lab=${LABELS[$i]}
    log "$lab: python3 analyze-migration.py -f $(basename "$f")"
    bench_measure "analyze-$i" "$PYBIN" "$ANALYZE" -f "$f" || true
    for c in inspect dump; do
        if [ "$QMIG_OK" = 1 ]; then
            if [ "$c" = inspect ]; then
                log "$lab: ./qmig inspect $(basename "$f")"
                bench_measure "qmig-$c-$i" "$QMIG" inspect "$f" || true
            else
                log "$lab: ./qmig dump --json $(basename "$f")"
                bench_measure "qmig-$c-$i" "$QMIG" dump --json "$f" || true
            fi
            bench_record pair "$lab" "$c" "qmig-$c-$i" "analyze-$i" "$f"
        else
            bench_record pair "$lab" "$c" "-" "analyze-$i" "$f"
        fi
    done
done

# --- report ------------------------------------------------------------------
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUTFILE="$OUTDIR/results-$(date -u +%Y-%m-%d).jsonl"
REV=$(bench_rev)
CPU=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
JAVAV=$(java -version 2>&1 | head -1)
QEMUV=$(qemu-system-x86_64 --version 2>/dev/null | head -1 || true)

"$PYBIN" - "$REC" "$T" "$OUTFILE" "$STAMP" "$RUNS" "$WARMUP" "$TIMER" "$REV" "$(nproc)" "$CPU" \
    "$JAVAV" "$("$PYBIN" -V 2>&1)" "$QEMUV" "$ANALYZE" "$QMIG_OK" <<'EOF'
import json, os, statistics, sys
(rec, tdir, outfile, stamp, runs, warmup, timer, rev, cores, cpu,
 javav, pyv, qemuv, analyze, qmig_ok) = sys.argv[1:]
qmig_ok = qmig_ok == "1"

def timing(key):
    if key == "-":
        return None
    rc, rss = open(os.path.join(tdir, key + ".probe")).read().split()
    times = [float(x) for x in open(os.path.join(tdir, key + ".times")).read().split()]
    r = {"rc": int(rc), "max_rss_kb": None if rss == "null" else int(rss)}
    if times:
        r.update(best_s=round(min(times), 4), median_s=round(statistics.median(times), 4),
                 times_s=[round(t, 4) for t in times])
    return r

def sec(r):
    if r is None: return "n/a"
    if "median_s" not in r: return "FAIL(rc %d)" % r["rc"]
    return "%.3f/%.3f" % (r["best_s"], r["median_s"])

def mib(r):
    return "-" if r is None or r["max_rss_kb"] is None else "%d" % (r["max_rss_kb"] // 1024)

common = {"run": stamp, "runs": int(runs), "warmup": int(warmup), "timer": timer,
          "qmig_rev": rev, "cores": int(cores), "cpu": cpu, "java": javav,
          "python": pyv, "qemu": qemuv, "analyze_migration": analyze}
lines = []
print("timer: %s   runs: %s (+%s warm-up)   cores: %s   qmig %s" % (timer, runs, warmup, cores, rev))
print("NOTE: analyze-migration.py has no cheaper listing mode than its default state dump")
print("      ('-d desc' only prints the trailer JSON, '-x' also extracts RAM), so the same")
print("      'python3 analyze-migration.py -f FILE' is the peer of both 'qmig inspect' and")
print("      'qmig dump --json'. Wall times include JVM / interpreter start-up; output -> /dev/null.")
print()
print("start-up                    best/median s        maxRSS MiB")
for row in open(rec).read().splitlines():
    f = row.split("\t")
    if f[0] != "startup": continue
    r = timing(f[3])
    print("  %-24s  %-19s  %s" % (f[2], sec(r), mib(r)))
    lines.append(dict(common, kind="startup", command=f[2], result=r))
print()
hdr = "%-6s %-8s %-19s %-19s %-13s %s" % ("file", "command", "qmig s best/median",
      "analyze s best/med", "ratio(med)", "maxRSS MiB qmig/analyze")
print(hdr)
target = {}
for row in open(rec).read().splitlines():
    f = row.split("\t")
    if f[0] != "pair": continue
    lab, cmd, qk, ak, path = f[1:6]
    q, a = timing(qk), timing(ak)
    ratio = ratio_best = None
    if q and a and "median_s" in q and "median_s" in a and q["median_s"] > 0:
        ratio = a["median_s"] / q["median_s"]
        ratio_best = a["best_s"] / q["best_s"]
    qcmd = ("./qmig inspect FILE" if cmd == "inspect" else "./qmig dump --json FILE")
    print("%-6s %-8s %-19s %-19s %-13s %s/%s" % (lab, cmd, sec(q), sec(a),
          "n/a" if ratio is None else "%.2f" % ratio, mib(q), mib(a)))
    if lab == "1GiB":
        target[cmd] = ratio
    lines.append(dict(common, kind="pair", file=os.path.basename(path), label=lab,
                      bytes=os.path.getsize(path), command=cmd,
                      qmig_cmd=qcmd if qmig_ok else None,
                      analyze_cmd="python3 analyze-migration.py -f FILE",
                      qmig=q, analyze=a,
                      ratio_median=None if ratio is None else round(ratio, 2),
                      ratio_best=None if ratio_best is None else round(ratio_best, 2)))
print()
if target:
    print("1GiB median ratios: " + ", ".join(
        "%s %s" % (k, "n/a" if v is None else "%.2fx" % v) for k, v in target.items()))
ok = bool(target) and all(v is not None and v >= 5.0 for v in target.values())
print("TARGET 1GiB: qmig >= 5x faster: %s" % ("yes" if ok else "no"))
lines.append(dict(common, kind="target", target="1GiB qmig >= 5x faster (median, every pair)",
                  met=ok, ratios={k: None if v is None else round(v, 2) for k, v in target.items()}))
with open(outfile, "a") as out:
    for l in lines:
        out.write(json.dumps(l) + "\n")
print("results appended to %s" % outfile)
EOF
