/**
 * Guest memory rebuilt from (and written back to) the {@code ram} section of a QEMU 7.2 migration
 * stream ({@code migration/ram.c} {@code ram_load_precopy}, {@code ram_save_target_page}; see
 * {@code spec/ram.md} §3-11):
 * <ul>
 *   <li>{@link qmig.stream.memory.GuestMemory}: sparse, page-granular RAMBlock images on a
 *       user-chosen {@link qmig.stream.memory.Backing} (heap, off-heap chunks, sparse mapped files);</li>
 *   <li>{@link qmig.stream.memory.RamLoader}: the {@link qmig.stream.ram.PageSink} that applies
 *       ZERO, PAGE, XBZRLE and COMPRESS_PAGE records;</li>
 *   <li>{@link qmig.stream.memory.PhysicalMap} / {@link qmig.stream.memory.GuestPhysicalMemory}:
 *       guest-physical addressing of pc (i440fx) and q35 machines;</li>
 *   <li>{@link qmig.stream.memory.BlockDigest}: SHA-256 and BLAKE3 of each block (Bouncy Castle);</li>
 *   <li>{@link qmig.stream.memory.RamEmitter}: a memory written as {@code ram} START/PART/END
 *       sections the way the 7.2 source writes them.</li>
 * </ul>
 * Target page size is x86's 4096 throughout. Nothing here is thread safe.
 */
package qmig.stream.memory;
