package qmig.stream.multifd;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;
import qmig.stream.wire.WireReader;

/**
 * Reads one multifd channel (a recorded connection) packet by packet, the way a 7.2
 * {@code multifd_recv_thread} does: the init packet, then header, payload through the channel's
 * {@link ChannelDecompressor}, pages to a {@link PageSink} in {@code offset[]} order, and a
 * {@link SyncListener} call after each packet with SYNC. A clean end of input at a packet
 * boundary ends the channel.
 *
 * <p>Pages are lent: the array passed to {@link PageSink#page} is overwritten by the next packet.
 * The decompressor's state spans packets, so payloads are always decompressed, also when the sink
 * {@linkplain PageSink#wantsContent() wants no content} (then only {@code none} payloads are skipped).
 */
public final class MultifdChannelReader implements AutoCloseable {

    /** Told about each packet carrying SYNC, after its pages went to the sink. */
    @FunctionalInterface
    public interface SyncListener {
        void sync(MultifdChannelReader channel, MultifdPacketHeader header) throws IOException;
    }

    private final WireReader in;
    private final Limits limits;
    private final PageSink sink;
    private final SyncListener listener;
    private MultifdCompression compression;
    private ChannelDecompressor decompressor;
    private Map<String, Long> blocks;
    private MultifdInitPacket init;
    private final byte[] pages = new byte[MultifdConstants.PACKET_SIZE];
    private long packets;
    private long pageCount;
    private int syncs;
    private boolean ended;

    /** A reader that learns the compression from the first packet carrying pages. */
    public MultifdChannelReader(WireReader in, Limits limits, PageSink sink) {
        this(in, limits, sink, null, (c, h) -> { });
    }

    /**
     * @param compression the configured {@code multifd-compression}, or null to take it from the
     *                    first packet with pages (every later one must agree)
     */
    public MultifdChannelReader(WireReader in, Limits limits, PageSink sink, MultifdCompression compression,
                                SyncListener listener) {
        this.in = Objects.requireNonNull(in, "in");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.compression = compression;
        this.decompressor = compression == null ? null : ChannelDecompressor.of(compression);
    }

    /**
     * RAMBlock idstr to used length (e.g. from MEM_SIZE): when set, a packet with pages must name a
     * known block and every offset must satisfy {@code offset + 4096 <= used_length}, as 7.2 checks.
     */
    public void setBlocks(Map<String, Long> usedLengths) {
        this.blocks = usedLengths;
    }

    /** Reads the 64-byte init packet; must be called first. */
    public MultifdInitPacket readInit() throws IOException {
        if (init != null) {
            throw new IllegalStateException("init packet already read");
        }
        init = MultifdInitPacket.read(in);
        return init;
    }

    public MultifdInitPacket init() {
        return init;
    }

    /** The channel id from the init packet. */
    public int channelId() {
        if (init == null) {
            throw new IllegalStateException("readInit() first");
        }
        return init.id();
    }

    /**
     * Reads the next packet, delivers its pages and reports a SYNC, or returns null at the clean
     * end of the channel. The returned packet's payload is the raw wire payload.
     */
    public MultifdPacket next() throws IOException {
        if (init == null) {
            throw new IllegalStateException("readInit() first");
        }
        if (ended) {
            return null;
        }
        if (in.atEnd()) {
            ended = true;
            return null;
        }
        long at = in.position();
        MultifdPacket packet;
        try {
            packet = readAndDeliver(at);
        } catch (StreamFormatException e) {
            throw e.at(e.where().inField("multifd channel " + init.id() + " packet " + packets));
        }
        packets++;
        if (packet.header().sync()) {
            syncs++;
            listener.sync(this, packet.header());
        }
        return packet;
    }

    private MultifdPacket readAndDeliver(long at) throws IOException {
        MultifdPacketHeader h = MultifdPacketCodec.readHeader(in);
        int n = h.normalPages();
        if (n == 0) {
            return new MultifdPacket(at, h, new byte[0]);
        }
        MultifdCompression c = MultifdPacketCodec.compression(at, h, compression);
        if (compression == null) {
            compression = c;
            decompressor = ChannelDecompressor.of(c);
        }
        String block = h.blockName();
        checkOffsets(at, h, block);
        int len = MultifdPacketCodec.payloadLength(at, h, c, limits);
        long payloadAt = in.position();
        byte[] payload = in.bytes(len, "multifd packet payload (" + c.parameter() + ", " + n + " pages)");
        decompressor.decompress(payloadAt, payload, len, n, pages);
        boolean content = sink.wantsContent();
        for (int i = 0; i < n; i++) {
            sink.page(block, h.offset(i), content ? pages : null, i * MultifdConstants.PAGE_SIZE);
        }
        pageCount += n;
        return new MultifdPacket(at, h, payload);
    }

    private void checkOffsets(long at, MultifdPacketHeader h, String block) throws StreamFormatException {
        if (blocks == null) {
            return;
        }
        Long used = blocks.get(block);
        if (used == null) {
            throw StreamFormatException.corrupt(Where.at(at + 64), "multifd packet: unknown ram block '" + block + "'");
        }
        for (int i = 0; i < h.normalPages(); i++) {
            long off = h.offset(i);
            if (off < 0 || off > used - MultifdConstants.PAGE_SIZE) {
                throw StreamFormatException.corrupt(at + MultifdConstants.FIXED_HEADER_SIZE + 8L * i,
                        "multifd packet offset[" + i + "] 0x" + Long.toHexString(off) + " beyond ram block '" + block
                                + "' of 0x" + Long.toHexString(used) + " bytes");
            }
        }
    }

    /** Data packets read so far (the init packet not counted). */
    public long packets() {
        return packets;
    }

    /** Pages delivered so far. */
    public long pages() {
        return pageCount;
    }

    /** SYNC packets read so far. */
    public int syncs() {
        return syncs;
    }

    /** The compression in use, or null before the first packet with pages (when not configured). */
    public MultifdCompression compression() {
        return compression;
    }

    public long position() {
        return in.position();
    }

    @Override
    public void close() {
        if (decompressor != null) {
            decompressor.close();
        }
    }
}
