/**
 * The grammar of a QEMU migration stream, file version 3, as QEMU 7.2 writes and reads it
 * ({@code migration/savevm.c}, {@code migration/savevm.h}): the 8-byte header, the
 * configuration section, START/PART/END/FULL section records with their footers, commands,
 * EOF and the VMDESCRIPTION trailer. See {@code spec/stream.md}.
 *
 * <p>{@link qmig.stream.grammar.StreamReader} turns bytes into {@link qmig.stream.grammar.StreamRecord}s,
 * {@link qmig.stream.grammar.StreamWriter} turns them back into the same bytes.
 */
package qmig.stream.grammar;
