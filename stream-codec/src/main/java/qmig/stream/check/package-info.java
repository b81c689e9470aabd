/**
 * "Would this stream load on that QEMU?" (issue 8): a simulation of QEMU 7.2's destination-side
 * load ({@code qemu_loadvm_state} in {@code migration/savevm.c}, {@code vmstate_load_state} and
 * its subsection loop in {@code migration/vmstate.c}, the MEM_SIZE list of {@code ram_load_precopy}
 * in {@code migration/ram.c}) against a {@link qmig.stream.check.Destination}, which stops at the
 * first failure and gives the exact lines QEMU 7.2 prints; and a static comparison of two
 * {@code -dump-vmstate} schemas ({@link qmig.stream.check.SchemaCompare}), covering what
 * QEMU's {@code scripts/vmstate-static-checker.py} covers without its false alarms on renames
 * that keep the wire encoding.
 */
package qmig.stream.check;
