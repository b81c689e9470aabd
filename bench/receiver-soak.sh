#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Receiver soak (issue 9, "The receiver under abuse"): runs ReceiverSoakTest for SECONDS (default
# 300) against three receivers on 127.0.0.1 (plain, multifd with 2 channels, TLS with verify-peer):
# valid migrations from qmig's Sender (three real captures, plain, multifd none/zstd and TLS),
# plain clients at the TLS receiver, streams cut at random
# points, random bytes, trickling senders, senders that stall past the idle timeout, and floods
# past --max-connections. Prints the figures (migrations completed and verified, failures and
# rejections by kind, reports retained (keep 8) of the totals, live heap after a full GC, live
# threads and open fds before/after) and fails when
# anything was lost or leaked. `mvn verify` runs the same test for 10 s.
#
# Usage: bench/receiver-soak.sh [SECONDS]     (figures also in tools/target/receiver-soak.last.txt)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
secs="${1:-300}"
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 64; }
cd "$repo"
mvn -o -q -pl tools -am test -Dtest=ReceiverSoakTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsoak.seconds="$secs" || { rc=$?; echo "soak FAILED (see tools/target/surefire-reports)" >&2; }
out="tools/target/surefire-reports/qmig.tools.receiver.ReceiverSoakTest-output.txt"
grep -A12 '^receiver soak:' "$out" | tee "$repo/tools/target/receiver-soak.last.txt"
exit "${rc:-0}"
