#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make-schema.sh [OUTDIR]
#
# Stores QEMU's own description of every device state it can migrate
# (`-dump-vmstate`) for the two 7.2 machine types qmig decodes:
#   OUTDIR/pc-q35-7.2.dump-vmstate.json.gz
#   OUTDIR/pc-i440fx-7.2.dump-vmstate.json.gz
#   OUTDIR/README.txt      provenance: QEMU version and the exact commands
# OUTDIR defaults to
#   <repo>/stream-codec/src/main/resources/qmig/stream/schema/qemu-7.2
# The JSON is compressed with "gzip -9n" (no name, no timestamp), so the
# same QEMU build gives byte-identical files.  -dump-vmstate output is
# deterministic for a given binary.  Refuses to run on a QEMU other than 7.2
# unless ALLOW_OTHER_QEMU=1.
# Runtime: well under 1 s.
source "$(dirname "$0")/lib.sh"

ROOT="$(cd "$LAB_DIR/../.." && pwd)"
OUT="${1:-$ROOT/stream-codec/src/main/resources/qmig/stream/schema/qemu-7.2}"
[ $# -le 1 ] || die "usage: $0 [OUTDIR]"
lab_ensure_tools
VERSION_LINE="$("$QEMU" --version | head -1)"
case "$VERSION_LINE" in
*"version 7.2."*) ;;
*) [ -n "${ALLOW_OTHER_QEMU:-}" ] || die "this is not QEMU 7.2: $VERSION_LINE (set ALLOW_OTHER_QEMU=1 to force)" ;;
esac
mkdir -p "$OUT"
lab_tmpdir schema; T="$LAB_TMP"

CMDS=()
for m in pc-q35-7.2 pc-i440fx-7.2; do
    args=(-M "$m" -nodefaults -display none -no-user-config -dump-vmstate "$T/$m.json")
    "$QEMU" "${args[@]}" 2> "$T/$m.err" || { cat "$T/$m.err" >&2; die "$QEMU ${args[*]} failed"; }
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["vmschkmachine"]["Name"]==sys.argv[2], d["vmschkmachine"]' \
        "$T/$m.json" "$m" || die "$m: the dump is not the JSON we expected"
    gzip -9n -c "$T/$m.json" > "$OUT/$m.dump-vmstate.json.gz.part"
    mv "$OUT/$m.dump-vmstate.json.gz.part" "$OUT/$m.dump-vmstate.json.gz"
    CMDS+=("$QEMU ${args[*]/#$T\//} && gzip -9n $m.json  -> $m.dump-vmstate.json.gz ($(stat -c %s "$T/$m.json") bytes of JSON, sha256 $(sha256sum < "$T/$m.json" | cut -c1-64))")
    log "wrote $OUT/$m.dump-vmstate.json.gz ($(stat -c %s "$OUT/$m.dump-vmstate.json.gz") bytes)"
done

{
    echo "QEMU 7.2 vmstate schema dumps (qemu-system-x86_64 -dump-vmstate)"
    echo
    echo "QEMU: $VERSION_LINE"
    if command -v dpkg-query >/dev/null 2>&1; then
        echo "Package: $(dpkg-query -W -f='${Package} ${Version}' qemu-system-x86 2>/dev/null || echo unknown)"
    fi
    echo "Made by: testdata/scripts/make-schema.sh"
    echo
    echo "Commands:"
    for c in "${CMDS[@]}"; do echo "  $c"; done
    echo
    echo "Each file is the JSON that QEMU writes for -dump-vmstate: one object per"
    echo "device type (\"Name\", \"version_id\", \"minimum_version_id\", \"Description\""
    echo "with \"Fields\" and \"Subsections\"), plus \"vmschkmachine\" naming the machine."
    echo "The two dumps differ only in the machine name.  They describe what QEMU can"
    echo "migrate; they are not a stream.  Compressed with gzip -9n (reproducible)."
} > "$OUT/README.txt"
ls -l "$OUT" >&2
