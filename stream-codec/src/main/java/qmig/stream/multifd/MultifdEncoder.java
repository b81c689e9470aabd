package qmig.stream.multifd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The sending side of multifd as 7.2 drives it ({@code multifd_queue_page},
 * {@code multifd_send_pages}, {@code multifd_send_sync_main}): non-zero pages are batched per
 * RAMBlock, up to 128; a full batch, or a batch interrupted by a page of another block, goes to
 * the next channel round robin with the next packet number; {@link #sync()} hands over the
 * partial batch and then sends a SYNC packet on every channel. Call {@link #sync()} right
 * before writing each {@code EOS} of the {@code ram} section on the main channel; zero pages go
 * to the main channel as ZERO records and never through here.
 *
 * <p>7.2 picks the first idle channel from the round-robin point; this encoder never waits, so
 * it always takes the round-robin channel. Its output is one of the orders 7.2 can produce.
 */
public final class MultifdEncoder implements AutoCloseable {

    private final List<MultifdChannelWriter> channels = new ArrayList<>();
    private final byte[] batch = new byte[MultifdConstants.PACKET_SIZE];
    private final long[] batchOffsets = new long[MultifdConstants.PAGE_COUNT];
    private String batchBlock;
    private int batchPages;
    private int nextChannel;
    private long packetNum;

    /**
     * Writes the init packet on each channel (channel i gets id i).
     *
     * @param uuid 16 bytes: the source's -uuid, zeros when unset; a 7.2 destination requires its own
     */
    public MultifdEncoder(List<qmig.stream.wire.WireWriter> outs, MultifdCompression compression, int level, byte[] uuid)
            throws IOException {
        Objects.requireNonNull(compression, "compression");
        if (outs.isEmpty() || outs.size() > 255) {
            throw new IllegalArgumentException("1..255 channels, not " + outs.size());
        }
        for (int i = 0; i < outs.size(); i++) {
            MultifdChannelWriter w = new MultifdChannelWriter(outs.get(i), i, compression, level);
            channels.add(w);
            w.writeInit(uuid);
        }
    }

    /** Queues one non-zero page (4096 bytes at {@code src[off ..]}, copied). */
    public void queuePage(String block, long offset, byte[] src, int off) throws IOException {
        Objects.requireNonNull(block, "block");
        if (batchBlock != null && !batchBlock.equals(block)) {
            sendBatch();
        }
        batchBlock = block;
        System.arraycopy(src, off, batch, batchPages * MultifdConstants.PAGE_SIZE, MultifdConstants.PAGE_SIZE);
        batchOffsets[batchPages++] = offset;
        if (batchPages == MultifdConstants.PAGE_COUNT) {
            sendBatch();
        }
    }

    /** {@code multifd_send_sync_main}: the partial batch, then one SYNC packet per channel. */
    public void sync() throws IOException {
        if (batchPages > 0) {
            sendBatch();
        }
        for (MultifdChannelWriter w : channels) {
            w.writePacket(true, packetNum++, null, batchOffsets, 0, batch, 0);
        }
    }

    private void sendBatch() throws IOException {
        MultifdChannelWriter w = channels.get(nextChannel);
        nextChannel = (nextChannel + 1) % channels.size();
        w.writePacket(false, packetNum++, batchBlock, batchOffsets, batchPages, batch, 0);
        batchPages = 0;
        batchBlock = null;
    }

    /** The next packet number to be used. */
    public long packetNum() {
        return packetNum;
    }

    public int channels() {
        return channels.size();
    }

    @Override
    public void close() {
        for (MultifdChannelWriter w : channels) {
            w.close();
        }
    }
}
