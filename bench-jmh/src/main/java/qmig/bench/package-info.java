/**
 * JMH benchmarks of qmig's RAM decoders, reported in GB/s.
 * <ul>
 *   <li>{@link qmig.bench.RamDecodeBench}: {@code ram} PAGE and ZERO records through
 *       {@link qmig.stream.ram.RamSectionCodec} (QEMU 7.2 {@code ram_load_precopy}) into
 *       {@link qmig.stream.ram.PageSink#NONE} or a {@link qmig.stream.memory.RamLoader} over a
 *       heap or off-heap {@link qmig.stream.memory.GuestMemory};</li>
 *   <li>{@link qmig.bench.MultifdDecodeBench}: one multifd channel ({@code multifd_recv_thread})
 *       with none, zlib or zstd payloads through {@link qmig.stream.multifd.MultifdChannelReader}.</li>
 * </ul>
 * Inputs are made in {@code @Setup} with qmig's own encoders ({@link qmig.stream.memory.RamEmitter},
 * {@link qmig.stream.multifd.MultifdEncoder}); {@link qmig.bench.Throughput} turns bytes into the
 * {@code wireGB} and {@code guestGB} columns. bench/README.md says how to run and read them.
 */
package qmig.bench;
