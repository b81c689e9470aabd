/**
 * Multifd channels of a QEMU 7.2 migration ({@code migration/multifd.c}, {@code multifd-zlib.c},
 * {@code multifd-zstd.c}, {@code multifd.h}; see {@code spec/multifd.md}, {@code spec/ram.md}
 * §7 and §9): the 64-byte {@link qmig.stream.multifd.MultifdInitPacket}, the 1344-byte
 * {@link qmig.stream.multifd.MultifdPacketHeader} with its payload
 * ({@link qmig.stream.multifd.MultifdPacketCodec}), the per-channel continuous zlib/zstd streams
 * ({@link qmig.stream.multifd.ChannelDecompressor}, {@link qmig.stream.multifd.ChannelCompressor}),
 * a reader for one recorded channel ({@link qmig.stream.multifd.MultifdChannelReader}), the epoch
 * merge of a main stream with its channels ({@link qmig.stream.multifd.MultifdMerger}) and the
 * sending side ({@link qmig.stream.multifd.MultifdChannelWriter},
 * {@link qmig.stream.multifd.MultifdEncoder}, and
 * {@link qmig.stream.multifd.MultifdRamEmitter} for a whole guest memory with its main-channel
 * {@code ram} sections). Protocol version 1, x86 4096-byte pages,
 * 128 page slots per packet.
 */
package qmig.stream.multifd;
