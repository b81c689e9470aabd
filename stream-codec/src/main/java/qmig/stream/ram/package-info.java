/**
 * The {@code ram} section of a QEMU 7.2 migration stream (idstr {@code ram}, version 4;
 * {@code migration/ram.c}, {@code migration/xbzrle.c}; see {@code spec/ram.md}): the page
 * records of each START/PART/END payload ({@link qmig.stream.ram.RamSectionCodec},
 * {@link qmig.stream.ram.RamRecord}), the per-channel state that links sections
 * ({@link qmig.stream.ram.RamChannelState}), the streaming {@link qmig.stream.ram.PageSink},
 * and the page codecs {@link qmig.stream.ram.Xbzrle} and {@link qmig.stream.ram.ZlibPage}.
 * Target page size is x86's 4096 throughout.
 */
package qmig.stream.ram;
