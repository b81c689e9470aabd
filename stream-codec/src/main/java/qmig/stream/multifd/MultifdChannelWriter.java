package qmig.stream.multifd;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import qmig.stream.wire.WireWriter;

/**
 * Writes one multifd channel the way a 7.2 {@code multifd_send_thread} does, including its
 * re-used packet buffer ({@code multifd_send_fill_packet}): a packet without pages keeps the
 * previous packet's ramblock name, offsets and {@code next_packet_size}; slots beyond
 * {@code normal_pages} keep older offsets; the buffer starts zeroed. Compression bits are set only
 * on packets with pages, as {@code send_prepare} adds them.
 */
public final class MultifdChannelWriter implements AutoCloseable {

    private final WireWriter out;
    private final int id;
    private final ChannelCompressor compressor;
    private final byte[] ramblock = new byte[MultifdConstants.RAMBLOCK_FIELD];
    private final long[] offsets = new long[MultifdConstants.PAGE_COUNT];
    private long nextPacketSize;
    private long packets;

    public MultifdChannelWriter(WireWriter out, int id, MultifdCompression compression, int level) {
        this.out = Objects.requireNonNull(out, "out");
        if (id < 0 || id > 0xff) {
            throw new IllegalArgumentException("channel id " + id);
        }
        this.id = id;
        this.compressor = ChannelCompressor.of(compression, level);
    }

    public int id() {
        return id;
    }

    /** {@code multifd_send_initial_packet}. */
    public void writeInit(byte[] uuid) throws IOException {
        new MultifdInitPacket(uuid, id).write(out);
    }

    /**
     * Sends one packet.
     *
     * @param sync      set {@code MULTIFD_FLAG_SYNC}
     * @param packetNum the source-global packet number
     * @param block     the RAMBlock idstr, or null for a packet without pages
     * @param pageOffsets byte offsets of the {@code n} pages inside the block
     * @param n         pages carried, 0..128
     * @param src       page bytes, {@code n × 4096} from {@code srcOff}
     * @return the packet as written
     */
    public MultifdPacket writePacket(boolean sync, long packetNum, String block, long[] pageOffsets, int n,
                                     byte[] src, int srcOff) throws IOException {
        if (n < 0 || n > MultifdConstants.PAGE_COUNT || (n > 0 && block == null)) {
            throw new IllegalArgumentException("packet of " + n + " pages, block " + block);
        }
        int flags = sync ? MultifdConstants.FLAG_SYNC : 0;
        byte[] payload = new byte[0];
        if (n > 0) {
            payload = compressor.compress(src, srcOff, n);
            nextPacketSize = payload.length;
            flags |= compressor.compression().flag();
            for (int i = 0; i < n; i++) {
                if ((pageOffsets[i] & (MultifdConstants.PAGE_SIZE - 1)) != 0 || pageOffsets[i] < 0) {
                    throw new IllegalArgumentException("page offset 0x" + Long.toHexString(pageOffsets[i]));
                }
                offsets[i] = pageOffsets[i];
            }
        }
        if (block != null) {
            byte[] field = MultifdPacketHeader.ramblockField(block);
            System.arraycopy(field, 0, ramblock, 0, field.length);
        }
        MultifdPacketHeader h = new MultifdPacketHeader(flags, MultifdConstants.PAGE_COUNT, n, nextPacketSize,
                packetNum, new byte[32], Arrays.copyOf(ramblock, ramblock.length), offsets);
        MultifdPacket p = new MultifdPacket(-1, h, payload);
        MultifdPacketCodec.writePacket(out, p);
        packets++;
        return p;
    }

    /** Data packets written. */
    public long packets() {
        return packets;
    }

    @Override
    public void close() {
        compressor.close();
    }
}
