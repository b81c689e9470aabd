# SPDX-License-Identifier: Apache-2.0
# bench/lib.sh: helpers shared by the bench/*-vs-*.sh scripts.  Source it right after
# "set -euo pipefail"; it only defines variables and functions.
#
# Sets: HERE (bench/), REPO, SCRIPTS (testdata/scripts), QMIG (the repo's
# launcher), WORK (the input cache, ${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}) and exports
# LAB_WORK (capture scratch, $WORK/lab: it keeps the 1 GiB seeded RAM file).
#
# The functions use these globals of the calling script: T (its scratch dir), RUNS, WARMUP,
# PYBIN, USE_HYPERFINE, TIMEBIN.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SCRIPTS="$REPO/testdata/scripts"
QMIG="$REPO/qmig"
WORK="${QMIG_BENCH_WORK:-${TMPDIR:-/tmp}/qmig-bench}"
export LAB_WORK="${LAB_WORK:-$WORK/lab}"

die() { echo "ERROR: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# bench_check_counts: RUNS must be >= 1, WARMUP >= 0
bench_check_counts() {
    [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
    [[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup takes a number"
}

# bench_python: PYBIN = QMIG_BENCH_PYTHON or the real executable behind "python3" (a pyenv
# shim adds ~50 ms a run), exported as PYTHON for the capture scripts; ANALYZE = QEMU 7.2's
# scripts/analyze-migration.py from testdata/scripts/fetch-analyze-migration.sh.
bench_python() {
    PYBIN="${QMIG_BENCH_PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}"
    [ -x "$PYBIN" ] || die "no Python interpreter ($PYBIN)"
    export PYTHON="$PYBIN"
    ANALYZE="$(bash "$SCRIPTS/fetch-analyze-migration.sh")"
    [ -s "$ANALYZE" ] || die "fetch-analyze-migration.sh gave no script"
}

# bench_timer: TIMER (a label), USE_HYPERFINE (kept at 1 only when hyperfine is installed),
# TIMEBIN (/usr/bin/time when present, for peak RSS).
bench_timer() {
    TIMER="date +%s.%N"
    if [ "${USE_HYPERFINE:-1}" = 1 ] && command -v hyperfine >/dev/null 2>&1; then
        TIMER="$(hyperfine --version)"; USE_HYPERFINE=1
    else
        USE_HYPERFINE=0
    fi
    TIMEBIN=""
    [ -x /usr/bin/time ] && TIMEBIN=/usr/bin/time
    return 0
}

# bench_capture NAME CAPTURE-ARGS... : echoes $WORK/NAME.mig, made on first use with
# testdata/scripts/capture-stream.sh CAPTURE-ARGS... and cached; NAME.mig.capture.json holds
# the capture's summary line plus how long it took.
bench_capture() {
    local name=$1; shift
    local f="$WORK/$name.mig" part="$WORK/.capturing-$name.mig" t0 t1
    if [ -s "$f" ]; then echo "$f"; return 0; fi
    log "making $f: capture-stream.sh $*"
    rm -f "$part"
    t0=$(date +%s.%N)
    bash "$SCRIPTS/capture-stream.sh" "$@" "$part" > "$T/capture.out" \
        || die "capture-stream.sh $* failed"
    t1=$(date +%s.%N)
    # first stdout line is the capture's JSON summary; add how long it took
    head -1 "$T/capture.out" | "$PYBIN" -c '
import json, sys
d = json.loads(sys.stdin.readline()); d["file"] = sys.argv[1]
d["capture_wall_s"] = round(float(sys.argv[3]) - float(sys.argv[2]), 2)
print(json.dumps(d))' "$(basename "$f")" "$t0" "$t1" > "$f.capture.json"
    mv "$part" "$f"
    log "made $f in $(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.1f", a-b}') s"
    echo "$f"
}

# bench_capture_1g: the 1 GiB guest, every page seeded random (~1.08 GB stream), shared by
# inspect-, ram-, diff- and inspect-libvirt-vs-analyze.sh.
bench_capture_1g() {
    bench_capture q35-random-ram-1G --size 1G --param max-bandwidth=1099511627776 q35-random-ram
}

# bench_measure KEY CMD... : one untimed probe run first (under /usr/bin/time for peak RSS),
# written to $T/KEY.probe as "rc maxrss_kb"; then WARMUP untimed and RUNS timed runs (hyperfine
# -N when USE_HYPERFINE=1, else date +%s.%N), one time in seconds a line in $T/KEY.times.
# stdout and stderr go to /dev/null (the probe's stderr to $T/KEY.err).  Returns the probe's rc;
# nothing is timed when it fails.
bench_measure() {
    local key=$1; shift
    local rc=0 rss="" i t0 t1 cmdline
    if [ -n "${TIMEBIN:-}" ]; then
        "$TIMEBIN" -f '%M' -o "$T/$key.rss" "$@" > /dev/null 2> "$T/$key.err" || rc=$?
        rss=$(tail -1 "$T/$key.rss" 2>/dev/null || true)
    else
        "$@" > /dev/null 2> "$T/$key.err" || rc=$?
    fi
    [[ "$rss" =~ ^[0-9]+$ ]] || rss=""
    echo "$rc ${rss:-null}" > "$T/$key.probe"
    : > "$T/$key.times"
    if [ "$rc" != 0 ]; then
        log "FAILED (rc $rc): $*"; sed 's/^/    /' "$T/$key.err" | tail -5 >&2
        return "$rc"
    fi
    if [ "${USE_HYPERFINE:-0}" = 1 ]; then
        cmdline=$(printf '%q ' "$@")
        hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" --output=null \
            --export-json "$T/$key.json" -- "$cmdline" > /dev/null 2> "$T/$key.hf.err" \
            || { cat "$T/$key.hf.err" >&2; die "hyperfine failed on: $*"; }
        "$PYBIN" -c 'import json,sys
for t in json.load(open(sys.argv[1]))["results"][0]["times"]: print(t)' "$T/$key.json" > "$T/$key.times"
    else
        for ((i = 0; i < WARMUP; i++)); do "$@" > /dev/null 2>&1; done
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N)
            bench_elapsed "$t0" "$t1" >> "$T/$key.times"
        done
    fi
}

# bench_elapsed T0 T1 : T1 - T0 (date +%s.%N values) in seconds, 6 decimals
bench_elapsed() { awk -v a="$2" -v b="$1" 'BEGIN{printf "%.6f\n", a-b}'; }

# bench_record FIELD... : one TSV line in $REC (the script's table rows, read back at the end)
bench_record() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >> "$REC"; }

# bench_rev: the short qmig revision, "+dirty" when the worktree has changes
bench_rev() {
    local rev
    rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$REPO" status --porcelain -- 2>/dev/null | head -1)" ] || rev="$rev+dirty"
    echo "$rev"
}
