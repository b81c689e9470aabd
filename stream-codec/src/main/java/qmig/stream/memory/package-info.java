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
 *
 * <p>Micro note (no JMH; one laptop-class run, JDK 17, -Xmx2g, warm third round): applying the
 * 59 MB q35-linux-viommu capture (256 MiB guest, 14k content pages, 51k zero pages) takes about
 * 30-40 ms on the heap or off-heap backings and about 90 ms on mapped files; SHA-256 or BLAKE3 of
 * the 256 MiB of blocks about 1.1-1.3 s each (Bouncy Castle's pure-Java digests, ~200 MB/s);
 * emitting the memory as sections about 50 ms. Cold first rounds are 3-6x slower.
 */
package qmig.stream.memory;
