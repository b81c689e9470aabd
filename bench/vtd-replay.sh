#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# VT-d replay benchmark (issue 5, "Performance"): in one run,
#  1. JMH on a built 4 GiB identity-mapped domain (1,048,576 present 4 KiB PTEs, 3 levels,
#     aw-bits 39): the full 7.2 post-load replay and the walk alone, in mappings per second;
#  2. the Linux capture q35-linux-viommu: the Java walk / replay / report times inside one JVM
#     (after decode; cold first run and steady state), the whole `qmig iommu` command, and
#     testdata/scripts/vtd-walk.py (whole script, and its walk_sl alone via vtd-walk-timer.py);
#  3. the ratios and a TARGET line: replay >= 5 M mappings/s, walk >= 50x vtd-walk.py.
#
# Usage: bench/vtd-replay.sh [--build] [--runs N] [--jmh "JMH ARGS"]
#   --build   rebuild first (mvn -DskipTests install; done anyway when the benchmark is missing)
#   --runs N  wall-time runs of qmig / vtd-walk.py (default 3, median reported)
#   --jmh     JMH options (default: brief, "-wi 2 -w 2 -i 3 -r 2 -f 1"). A longer run:
#             bench/vtd-replay.sh --jmh "-wi 5 -w 5 -i 10 -r 5 -f 3"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mod="$repo/viommu-model"
build=0
runs=3
jmh_args="-wi 2 -w 2 -i 3 -r 2 -f 1"
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=1 ;;
        --runs) runs="$2"; shift ;;
        --jmh) jmh_args="$2"; shift ;;
        *) sed -n '2,20p' "$0" >&2; exit 2 ;;
    esac
    shift
done
work="${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}/vtd"
mkdir -p "$work"

if [ "$build" = 1 ] || [ ! -f "$mod/target/test-classes/META-INF/BenchmarkList" ]; then
    (cd "$repo" && mvn -B -q -ntp -DskipTests install >&2)
fi
cp_file="$work/classpath.txt"
(cd "$repo" && mvn -B -q -ntp -pl viommu-model dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$cp_file" >&2)
cp="$mod/target/test-classes:$mod/target/classes:$(cat "$cp_file")"

capture="$repo/testdata/captures/qemu-7.2/q35/q35-linux-viommu.mig.xz"
mig="$work/q35-linux-viommu.mig"
[ -f "$mig" ] || xz -dc "$capture" > "$mig"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# wall time of a command, median of $runs after one untimed warm-up (also fills the page cache)
wall() {
    "$@" > /dev/null
    for _ in $(seq "$runs"); do
        local t0; t0=$(now); "$@" > /dev/null; echo "$(now) - $t0" | bc -l
    done | median
}
get() { awk -v k="$1" '$1 == k {print $2}' "$2"; }

echo "== JMH: 4 GiB identity domain, 1,048,576 x 4 KiB PTEs (ops = mappings) =="
echo "   java -cp ... org.openjdk.jmh.Main VtdReplayBenchmark $jmh_args"
# shellcheck disable=SC2086
java -cp "$cp" org.openjdk.jmh.Main VtdReplayBenchmark $jmh_args -rf csv -rff "$work/jmh.csv" \
    > "$work/jmh.txt" 2>&1 || { cat "$work/jmh.txt"; exit 1; }
sed -n '/^Benchmark /,$p' "$work/jmh.txt"
score() { awk -F, -v b="\"qmig.viommu.bench.VtdReplayBenchmark.$1\"" '$1 == b {printf "%.0f", $5}' "$work/jmh.csv"; }
replay_rate=$(score replay)
walk_rate=$(score walk)
printf 'replay %.2f M mappings/s, walk alone %.2f M mappings/s\n' \
    "$(echo "$replay_rate / 1000000" | bc -l)" "$(echo "$walk_rate / 1000000" | bc -l)"

echo
echo "== q35-linux-viommu: Java inside one JVM (stream decoded first, not timed) =="
java -Xms1g -cp "$cp" qmig.viommu.bench.CaptureReplayTiming "$mig" > "$work/java.txt"
cat "$work/java.txt"

echo
echo "== q35-linux-viommu: vtd-walk.py =="
python3 "$here/vtd-walk-timer.py" "$mig" > "$work/py.txt"
cat "$work/py.txt"
py_whole=$(wall python3 "$repo/testdata/scripts/vtd-walk.py" "$mig" --json)
echo "vtd_walk_py_whole_s $py_whole   (python3 testdata/scripts/vtd-walk.py FILE --json, median of $runs)"
qmig_whole=""
if [ -f "$repo/tools/target/qmig.jar" ]; then
    qmig_whole=$(wall "$repo/qmig" iommu "$mig" --json)
    echo "qmig_iommu_whole_s $qmig_whole   (./qmig iommu FILE --json, median of $runs)"
else
    echo "qmig_iommu_whole_s n/a (tools/target/qmig.jar not built)"
fi

py_walk=$(get walk_s "$work/py.txt")
j_walk=$(get walk_median_ms "$work/java.txt")
j_walk_cold=$(get walk_cold_ms "$work/java.txt")
echo
echo "== ratios (vtd-walk.py / Java) =="
ratio=$(echo "$py_walk * 1000 / $j_walk" | bc -l)
printf 'walk, steady state: %.3f ms vs %.3f ms = %.0fx\n' "$(echo "$py_walk * 1000" | bc -l)" "$j_walk" "$ratio"
printf 'walk, first run in the JVM (cold): %.3f ms = %.1fx\n' "$j_walk_cold" \
    "$(echo "$py_walk * 1000 / $j_walk_cold" | bc -l)"
[ "$(get walk_mappings "$work/java.txt")" = "$(get walk_mappings "$work/py.txt")" ] \
    || echo "WARNING: walk mapping counts differ (Java $(get walk_mappings "$work/java.txt"), Python $(get walk_mappings "$work/py.txt"))"
if [ -n "$qmig_whole" ]; then
    printf 'whole command: vtd-walk.py %.3f s vs qmig iommu %.3f s = %.2fx (both include start-up and stream decode)\n' \
        "$py_whole" "$qmig_whole" "$(echo "$py_whole / $qmig_whole" | bc -l)"
fi

ok() { if [ "$(echo "$1 >= $2" | bc -l)" = 1 ]; then echo PASS; else echo FAIL; fi; }
echo
printf 'TARGET replay >= 5 M mappings/s: %.2f M/s %s; walk >= 50x vtd-walk.py: %.0fx %s\n' \
    "$(echo "$replay_rate / 1000000" | bc -l)" "$(ok "$replay_rate" 5000000)" "$ratio" "$(ok "$ratio" 50)"
