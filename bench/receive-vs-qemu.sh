#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Receiver benchmark (issue 7, "Performance"): a real QEMU 7.2 source with a seeded-RAM guest
# (q35-random-ram: every pc.ram page a real non-zero page), unthrottled (max-bandwidth 1 TiB/s),
# migrates over 127.0.0.1 into
#   a) a real QEMU 7.2 destination (testdata/scripts/qemu-destination.sh), and
#   b) ./qmig receive,
# single channel and multifd 2, RUNS times each, interleaved. Prints per run QEMU's own figures
# from the source's query-migrate (total-time, downtime) and, for qmig, its report's first byte to
# EOF and total; then the means and the ratios qmig / QEMU (target: <= 1.0). The ratios compare
# the source's total-time and downtime, the same clock for both destinations; qmig's own "total"
# also counts the report's SHA-256 digests of every RAM block after EOF (seconds for 1 GiB), which
# the source never waits for. On a 2-core machine the source, the destination and the digests
# share the CPUs: run-to-run spread is large, use --runs 5 or more before reading the ratios.
#
# Usage: bench/receive-vs-qemu.sh [--runs N] [--size SIZE] [--build]
#   --runs N    runs per target and mode (default 3)
#   --size S    guest RAM (default 1G)
#   --build     rebuild the qmig jar first (mvn -DskipTests install)
# Environment: QMIG_JAVA_OPTS is passed to the qmig launcher (default here: -Xmx4g, the guest's
# RAM lives on the heap). Needs QEMU (testdata/scripts/install-qemu.sh).
# Runtime: about 2-4 minutes for the defaults on 2 cores (QEMU start-up and the 1 GiB seeded RAM
# file on first use included).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
scripts="$repo/testdata/scripts"
runs=3
size=1G
build=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift ;;
        --size) size=$2; shift ;;
        --build) build=1 ;;
        *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
    shift
done
export QMIG_JAVA_OPTS="${QMIG_JAVA_OPTS:--Xmx4g}"
work="${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}/receive"
mkdir -p "$work"
if [ "$build" = 1 ] || [ ! -f "$repo/tools/target/qmig.jar" ]; then
    (cd "$repo" && mvn -B -q -ntp -DskipTests install >&2)
fi
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing: run $scripts/install-qemu.sh" >&2; exit 2; }

scen=q35-random-ram
unthrottled=(--param max-bandwidth=1099511627776)
results="$work/results.tsv"
: > "$results"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits (at most $3 s) until file $1 has a line matching $2.
wait_line() {
    local end=$(( $(date +%s) + $3 ))
    until grep -q "$2" "$1" 2>/dev/null; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# The source: capture-stream.sh --send-to PORT; prints "total_ms downtime_ms" from query-migrate.
source_to() {
    local port=$1 log=$2; shift 2
    bash "$scripts/capture-stream.sh" --size "$size" "${unthrottled[@]}" "$@" --send-to "$port" "$scen" - \
        > "$log.json" 2> "$log.err" || { echo "source failed, see $log.err" >&2; tail -5 "$log.err" >&2; return 1; }
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("total-time"), m.get("downtime"))' "$log.json"
}

run_qemu() {   # mode run
    local mode=$1 i=$2 log="$work/qemu-$1-$2" dopts=() sopts=()
    if [ "$mode" = multifd2 ]; then
        dopts=(--cap multifd=on --param multifd-channels=2)
        sopts=(--cap multifd=on --param multifd-channels=2)
    fi
    bash "$scripts/qemu-destination.sh" --timeout 300 --size "$size" "${dopts[@]}" "$scen" > "$log.dest" 2> "$log.dest.err" &
    local dpid=$!
    wait_line "$log.dest" '^LISTENING' 60 || { kill "$dpid"; echo "qemu destination did not listen" >&2; return 1; }
    local port
    port=$(sed -n 's/^LISTENING 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log.dest")
    local t
    t=$(source_to "$port" "$log" "${sopts[@]}")
    wait "$dpid" || { cat "$log.dest" >&2; return 1; }
    grep -q '^RESULT ACCEPTED' "$log.dest" || { cat "$log.dest" >&2; return 1; }
    printf 'qemu\t%s\t%s\t%s\t-\t-\n' "$mode" "$i" "${t// /$'\t'}" | tee -a "$results" >&2
}

run_qmig() {   # mode run
    local mode=$1 i=$2 log="$work/qmig-$1-$2" ropts=() sopts=()
    if [ "$mode" = multifd2 ]; then
        ropts=(--multifd-channels 2)
        sopts=(--cap multifd=on --param multifd-channels=2)
    fi
    local port
    port=$(free_port)
    rm -f "$log.report.json"
    "$repo/qmig" receive --listen "127.0.0.1:$port" --count 1 --report "$log.report.json" "${ropts[@]}" \
        > "$log.out" 2> "$log.err" &
    local rpid=$!
    wait_line "$log.err" 'listening on' 60 || { kill "$rpid"; cat "$log.err" >&2; return 1; }
    local t
    t=$(source_to "$port" "$log" "${sopts[@]}")
    wait "$rpid" || { tail -20 "$log.err" >&2; return 1; }
    local q
    q=$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["migrations"][0]
assert m["status"] == "completed", m.get("status")
t = m["timings_nanos"]
print("%.1f\t%.1f" % (t["first_byte_to_eof"] / 1e6, t["total"] / 1e6))' "$log.report.json")
    printf 'qmig\t%s\t%s\t%s\t%s\n' "$mode" "$i" "${t// /$'\t'}" "$q" | tee -a "$results" >&2
}

echo "target mode run qemu_total_time_ms qemu_downtime_ms qmig_first_byte_to_eof_ms qmig_total_ms" >&2
for mode in single multifd2; do
    for i in $(seq "$runs"); do
        run_qemu "$mode" "$i"
        run_qmig "$mode" "$i"
    done
done

python3 - "$results" "$size" <<'EOF'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("receive-vs-qemu: %s seeded-RAM guest (q35-random-ram), unthrottled, source QEMU's query-migrate" % sys.argv[2])
print("%-10s %-6s %5s %16s %14s %18s" % ("mode", "dest", "runs", "total_ms(mean)", "downtime_ms", "qmig_total_ms"))
means = {}
for mode in ("single", "multifd2"):
    for dest in ("qemu", "qmig"):
        r = [x for x in rows if x[0] == dest and x[1] == mode]
        tot = statistics.mean(float(x[3]) for x in r)
        down = statistics.mean(float(x[4]) for x in r)
        own = statistics.mean(float(x[6]) for x in r) if dest == "qmig" else None
        means[(mode, dest)] = (tot, down)
        print("%-10s %-6s %5d %16.1f %14.1f %18s" % (mode, dest, len(r), tot, down,
              "-" if own is None else "%.1f" % own))
for mode in ("single", "multifd2"):
    (qt, qd), (mt, md) = means[(mode, "qemu")], means[(mode, "qmig")]
    print("ratio %-8s qmig/qemu total-time %.2f  downtime %.2f%s" % (mode, mt / qt, md / qd if qd else float("nan"),
          "" if mt / qt <= 1.0 else "   (target <= 1.0 missed)"))
EOF
