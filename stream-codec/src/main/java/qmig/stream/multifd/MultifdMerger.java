package qmig.stream.multifd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.ForwardingPageSink;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/**
 * Combines a recorded main stream and its multifd channels into one page sequence with the
 * order a 7.2 destination applies them (spec/ram.md §7.2, §9; multifd.md §6): every {@code EOS}
 * of the {@code ram} section is a sync point closing an epoch. For epoch k the sink receives the
 * main channel's page records of that section, then each channel's packets up to and including
 * its k-th SYNC packet (channels in id order), then {@link PageSink#eos()}. Within an epoch a page
 * travels at most once, so this order loses nothing; across epochs later wins.
 *
 * <p>[8.1] flush mode: once a {@code MULTIFD_FLUSH} record is seen, it is the sync point and EOS
 * no longer is. After the main stream ends, packets left on a channel are delivered as a final
 * epoch and counted in {@link Summary#pagesAfterLastSync()} (7.2 sends none with pages).
 */
public final class MultifdMerger {

    /**
     * @param channels           number of multifd channels
     * @param syncPoints         sync points seen on the main channel
     * @param channelPages       pages delivered per channel id
     * @param channelPackets     data packets per channel id
     * @param channelBytes       bytes per channel id (init packet included)
     * @param pagesAfterLastSync channel pages after the last sync point
     * @param unmatchedSyncs     SYNC packets after the last sync point (none from 7.2; [9.1] flush
     *                           mode may leave one per channel)
     */
    public record Summary(int channels, int syncPoints, long[] channelPages, long[] channelPackets,
                          long[] channelBytes, long pagesAfterLastSync, long unmatchedSyncs) {
        public long multifdPages() {
            long s = 0;
            for (long p : channelPages) {
                s += p;
            }
            return s;
        }
    }

    private final List<MultifdChannelReader> readers;
    private final PageSink out;
    private final Map<String, Long> blocks = new HashMap<>();
    private int syncPoints;
    private boolean flushMode;

    private MultifdMerger(List<MultifdChannelReader> readers, PageSink out) {
        this.readers = readers;
        this.out = out;
    }

    /**
     * Reads {@code main} to its end with a {@link StreamReader} (options' page sink replaced) and
     * the channels alongside, handing every page to {@code out} in epoch order.
     *
     * @param compression the configured method, or null to learn it per channel from its first data packet
     */
    public static Summary merge(WireReader main, List<WireReader> channels, ReaderOptions options,
                                MultifdCompression compression, PageSink out) throws IOException {
        Objects.requireNonNull(out, "out");
        int n = channels.size();
        MultifdChannelReader[] byId = new MultifdChannelReader[n];
        List<MultifdChannelReader> opened = new ArrayList<>();
        try {
            for (WireReader w : channels) {
                MultifdChannelReader r = new MultifdChannelReader(w, options.limits(), out, compression, (c, h) -> { });
                opened.add(r);
                long at = w.position();
                int id = r.readInit().id();
                if (id >= n) {
                    throw StreamFormatException.corrupt(at + 24, "multifd init packet: channel id " + id
                            + " but only " + n + " channels (ids 0.." + (n - 1) + ")");
                }
                if (byId[id] != null) {
                    throw StreamFormatException.corrupt(at + 24, "multifd init packet: channel id " + id
                            + " already set up");
                }
                byId[id] = r;
            }
            MultifdMerger m = new MultifdMerger(List.of(byId), out);
            return m.run(main, options);
        } finally {
            for (MultifdChannelReader r : opened) {
                r.close();
            }
        }
    }

    private Summary run(WireReader main, ReaderOptions options) throws IOException {
        StreamReader reader = new StreamReader(main, options.withPages(new EpochSink(out), false));
        reader.readHeader();
        while (reader.next() != null) {
            // records are consumed for their pages; EpochSink does the merging
        }
        long before = 0;
        long syncsBefore = 0;
        for (MultifdChannelReader r : readers) {
            before += r.pages();
            syncsBefore += r.syncs();
        }
        long after = 0;
        long syncsAfter = 0;
        for (MultifdChannelReader r : readers) {
            while (r.next() != null) {
                // deliver what follows the last sync point
            }
            after += r.pages();
            syncsAfter += r.syncs();
        }
        int n = readers.size();
        long[] pages = new long[n];
        long[] packets = new long[n];
        long[] bytes = new long[n];
        for (int i = 0; i < n; i++) {
            pages[i] = readers.get(i).pages();
            packets[i] = readers.get(i).packets();
            bytes[i] = readers.get(i).position();
        }
        return new Summary(n, syncPoints, pages, packets, bytes, after - before, syncsAfter - syncsBefore);
    }

    /** Drains every channel up to its next SYNC packet: the end of the current epoch. */
    private void syncPoint() throws IOException {
        for (MultifdChannelReader r : readers) {
            int want = r.syncs() + 1;
            while (r.syncs() < want) {
                long at = r.position();
                if (r.next() == null) {
                    throw StreamFormatException.truncated(at, "multifd channel " + r.channelId()
                            + " (it ended before its SYNC packet for sync point " + (syncPoints + 1) + ")", 1, 0);
                }
            }
        }
        syncPoints++;
    }

    /** Passes main-channel pages through and turns sync points into channel drains. */
    private final class EpochSink extends ForwardingPageSink {
        EpochSink(PageSink out) {
            super(out);
        }

        @Override
        public void memSize(List<BlockInfo> list) throws IOException {
            for (BlockInfo b : list) {
                blocks.put(b.idstr(), b.usedLength());
            }
            Map<String, Long> view = Map.copyOf(blocks);
            for (MultifdChannelReader r : readers) {
                r.setBlocks(view);
            }
            out.memSize(list);
        }

        @Override
        public void multifdFlush() throws IOException {
            flushMode = true;
            syncPoint();
            out.multifdFlush();
        }

        @Override
        public void eos() throws IOException {
            if (!flushMode) {
                syncPoint();
            }
            out.eos();
        }
    }
}
