#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# VFIO model benchmark (issue 6, "Performance"), JMH in one run:
#  1. mapping 1,048,576 replay events (4 KiB MAPs of a 4 GiB identity-mapped vIOMMU domain) into a
#     fresh container through vfio_iommu_map_notify, with the overlap checks: events per second
#     (IOVA order as the VT-d replay delivers them, shuffled order, and MAP_DMA alone);
#  2. a dirty-bitmap sync of a 4 GiB guest with 1% dirty pages (10,485 of 1,048,576) logged by a
#     device: milliseconds per sync without a vIOMMU (2 RAM mappings) and with one (1,048,576
#     mappings, one DMA_LOGGING_REPORT each), plus the TreeSet convenience for comparison.
#
# Usage: bench/vfio-bench.sh [--build] [--jmh "JMH ARGS"]
#   --build   rebuild first (mvn -DskipTests install; done anyway when the benchmark is missing)
#   --jmh     JMH options (default: brief, "-wi 2 -w 2 -i 3 -r 2 -f 1"). A longer run:
#             bench/vfio-bench.sh --jmh "-wi 5 -w 5 -i 10 -r 5 -f 3"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
mod="$repo/vfio-model"
build=0
jmh_args="-wi 2 -w 2 -i 3 -r 2 -f 1"
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=1 ;;
        --jmh) jmh_args="$2"; shift ;;
        *) sed -n '2,16p' "$0" >&2; exit 2 ;;
    esac
    shift
done
work="${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}/vfio"
mkdir -p "$work"

if [ "$build" = 1 ] || [ ! -f "$mod/target/test-classes/META-INF/BenchmarkList" ]; then
    (cd "$repo" && mvn -B -q -ntp -DskipTests install >&2)
fi
cp_file="$work/classpath.txt"
(cd "$repo" && mvn -B -q -ntp -pl vfio-model dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$cp_file" >&2)
cp="$mod/target/test-classes:$mod/target/classes:$(cat "$cp_file")"

echo "== JMH: qmig.vfio.bench (VfioMapBenchmark: ops = events; DirtySyncBenchmark: ms per sync) =="
echo "   java -cp ... org.openjdk.jmh.Main 'qmig.vfio.bench.*' $jmh_args"
# shellcheck disable=SC2086
java -cp "$cp" org.openjdk.jmh.Main 'qmig\.vfio\.bench\..*Benchmark' $jmh_args -rf csv -rff "$work/jmh.csv" \
    > "$work/jmh.txt" 2>&1 || { cat "$work/jmh.txt"; exit 1; }
sed -n '/^Benchmark /,$p' "$work/jmh.txt"
score() { awk -F, -v b="\"qmig.vfio.bench.$1\"" '$1 == b {print $5}' "$work/jmh.csv"; }
err() { awk -F, -v b="\"qmig.vfio.bench.$1\"" '$1 == b {print $6}' "$work/jmh.csv"; }
m() { printf '%.2f' "$(echo "$1 / 1000000" | bc -l)"; }

replay=$(score VfioMapBenchmark.replay)
shuffled=$(score VfioMapBenchmark.replayShuffled)
direct=$(score VfioMapBenchmark.containerMap)
no_viommu=$(score DirtySyncBenchmark.noViommu)
viommu=$(score DirtySyncBenchmark.viommu)
treeset=$(score DirtySyncBenchmark.noViommuAsTreeSet)
dirty_pages=10485

echo
echo "== figures =="
replay_err=$(err VfioMapBenchmark.replay)
case "$replay_err" in [0-9]*) replay_err=" +-$(m "$replay_err") M" ;; *) replay_err="" ;; esac
printf 'map 1,048,576 replay events into the container: %s M events/s (IOVA order%s), %s M events/s shuffled; MAP_DMA alone %s M/s\n' \
    "$(m "$replay")" "$replay_err" "$(m "$shuffled")" "$(m "$direct")"
printf '  = %.1f ms for one million events\n' "$(echo "1000000 * 1000 / $replay" | bc -l)"
printf 'dirty sync, 4 GiB guest, 1%% dirty (%d pages), into the RAM bitmap: %.3f ms/sync without vIOMMU (%.0f M dirty pages/s), %.1f ms/sync with vIOMMU (1,048,576 mappings, %.1f M mappings/s)\n' \
    "$dirty_pages" "$no_viommu" "$(echo "$dirty_pages / $no_viommu / 1000" | bc -l)" "$viommu" \
    "$(echo "1048576 / $viommu / 1000" | bc -l)"
printf '  TreeSet<Long> result instead of the bitmap: %.3f ms/sync (%.1fx the bitmap)\n' "$treeset" \
    "$(echo "$treeset / $no_viommu" | bc -l)"
