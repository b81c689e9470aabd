package qmig.stream.multifd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qmig.stream.grammar.SectionType;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.memory.RamEmitter;
import qmig.stream.ram.RamRecord;
import qmig.stream.wire.WireWriter;

/**
 * Writes a {@link GuestMemory} as a QEMU 7.2 multifd source does (spec/multifd.md §6,
 * spec/ram.md §7; {@code ram_save_target_page}, {@code ram_save_multifd_page},
 * {@code multifd_send_sync_main}):
 * <pre>
 *   main     START  MEM_SIZE(total, blocks)            ; sync ; EOS
 *            PART*  ZERO records of the zero pages      ; sync ; EOS
 *            END                                        ; sync ; EOS
 *   channel  init packet, then per epoch: data packets of the non-zero pages, SYNC packet
 * </pre>
 * Zero pages stay on the main channel ({@code save_zero_page} runs before the multifd branch);
 * their records name the block when it is not the main channel's last sent block, as in
 * {@code save_page_header} (multifd pages do not move that state). Non-zero pages go through a
 * {@link MultifdEncoder}; at each EOS the partial batch and one SYNC per channel are written and
 * every channel writer is flushed before the main section is written, so a sender writing all
 * connections from one thread never waits on a destination that waits on it: a 7.2 destination
 * reads each channel up to its SYNC and reads the main channel up to EOS, then releases the
 * channels.
 *
 * <p>One emitter writes one pass; it is not thread safe.
 */
public final class MultifdRamEmitter implements AutoCloseable {

    private static final int PAGE = RamBlockImage.PAGE;

    private final GuestMemory memory;
    private final int pagesPerPart;
    private final List<WireWriter> channelOuts;
    private final MultifdEncoder encoder;
    private final List<RamBlockImage> blocks;
    private final byte[] page = new byte[PAGE];
    private int blockIndex;
    private long pageIndex;
    private String lastSent;
    private long zeroPages;
    private long multifdPages;

    /**
     * Writes the init packet on each channel (channel i gets id i) and flushes them.
     *
     * @param pagesPerPart most pages (zero or not) scanned per PART; 0 = one PART with every page
     * @param uuid         16 bytes, the destination's {@code -uuid} (zeros when it has none)
     */
    public MultifdRamEmitter(GuestMemory memory, int pagesPerPart, List<WireWriter> channelOuts,
                             MultifdCompression compression, int level, byte[] uuid) throws IOException {
        this.memory = Objects.requireNonNull(memory, "memory");
        if (pagesPerPart < 0) {
            throw new IllegalArgumentException("pagesPerPart " + pagesPerPart);
        }
        this.pagesPerPart = pagesPerPart;
        this.channelOuts = List.copyOf(channelOuts);
        this.encoder = new MultifdEncoder(this.channelOuts, compression, level, uuid);
        this.blocks = memory.blocks();
        flushChannels();
    }

    /** Zero pages sent as ZERO records on the main channel so far. */
    public long zeroPages() {
        return zeroPages;
    }

    /** Non-zero pages handed to the channels so far. */
    public long multifdPages() {
        return multifdPages;
    }

    /** The START payload: MEM_SIZE, the SYNC round of {@code ram_save_setup}, EOS. */
    public List<RamRecord> start() throws IOException {
        List<RamRecord> out = new ArrayList<>();
        out.add(new RamRecord.MemSize(memory.totalBytes(), memory.blockInfos()));
        return sync(out);
    }

    public boolean hasMorePages() {
        return blockIndex < blocks.size();
    }

    /** A PART payload: the ZERO records of up to {@code pagesPerPart} scanned pages, then sync and EOS. */
    public List<RamRecord> nextPart() throws IOException {
        return pages(pagesPerPart == 0 ? Long.MAX_VALUE : pagesPerPart);
    }

    /** The END payload: the pages not scanned yet, then sync and EOS. */
    public List<RamRecord> end() throws IOException {
        return pages(Long.MAX_VALUE);
    }

    private List<RamRecord> pages(long max) throws IOException {
        List<RamRecord> out = new ArrayList<>();
        for (long n = 0; n < max && hasMorePages(); n++) {
            RamBlockImage b = blocks.get(blockIndex);
            long offset = pageIndex * PAGE;
            if (b.isZeroPage(offset)) {
                boolean cont = b.idstr().equals(lastSent);
                out.add(new RamRecord.Zero(offset, cont, cont ? null : b.idstr(), 0));
                lastSent = b.idstr();
                zeroPages++;
            } else {
                b.readPage(offset, page, 0);
                encoder.queuePage(b.idstr(), offset, page, 0);
                multifdPages++;
            }
            if (++pageIndex >= b.pageCount()) {
                blockIndex++;
                pageIndex = 0;
            }
        }
        return sync(out);
    }

    /** {@code multifd_send_sync_main} right before EOS, with the channels flushed. */
    private List<RamRecord> sync(List<RamRecord> out) throws IOException {
        encoder.sync();
        flushChannels();
        out.add(new RamRecord.Eos());
        return out;
    }

    private void flushChannels() throws IOException {
        for (WireWriter w : channelOuts) {
            w.flush();
        }
    }

    /**
     * Writes START, the PARTs and END on the main channel through {@code main}, flushing it
     * after each section (the channels are flushed before each section's EOS is written).
     *
     * @param sectionId the id the stream gives {@code ram} (2 on Debian 7.2 x86)
     */
    public void write(StreamWriter main, int sectionId, boolean footers) throws IOException {
        main.write(RamEmitter.section(SectionType.SECTION_START, sectionId, start(), footers));
        main.flush();
        while (hasMorePages()) {
            main.write(RamEmitter.section(SectionType.SECTION_PART, sectionId, nextPart(), footers));
            main.flush();
        }
        main.write(RamEmitter.section(SectionType.SECTION_END, sectionId, end(), footers));
        main.flush();
    }

    @Override
    public void close() {
        encoder.close();
    }
}
