package qmig.stream.memory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qmig.stream.grammar.RamPayload;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.SectionType;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.ram.RamRecord;
import qmig.stream.ram.Xbzrle;
import qmig.stream.ram.ZlibPage;

/**
 * Writes a {@link GuestMemory} as the {@code ram} sections of QEMU 7.2's source
 * ({@code ram_save_setup}, {@code ram_find_and_save_block}, {@code ram_save_target_page},
 * {@code save_page_header}; spec/ram.md §3, §4, §6, §7):
 * <pre>
 *   START  MEM_SIZE(total, blocks in memory order), EOS
 *   PART*  page records in block order, then offset order; EOS
 *   END    EOS (or every page, with {@link EmitOptions#pagesInEnd()})
 * </pre>
 * Page records: ZERO ({@code u8 0}) for a zero page, PAGE otherwise; the block idstr is written
 * when the page's block is not the channel's last sent block, CONTINUE is set otherwise, and
 * that state carries across sections as in {@code save_page_header}. With compression the
 * first page sent of a block is a normal ZERO/PAGE record ({@code save_compress_page} returns
 * false when {@code block != last_sent_block}); with XBZRLE only changed pages are sent.
 * Compressed pages appear in scan order (QEMU's threads may reorder them; any order loads the
 * same memory).
 *
 * <p>One emitter writes one pass; it is not thread safe. Page records own copies of their
 * bytes, so a PART of {@code pagesPerPart} pages holds that many pages in memory.
 */
public final class RamEmitter implements AutoCloseable {

    public static final String IDSTR = "ram";
    public static final int VERSION = 4;

    private static final int PAGE = RamBlockImage.PAGE;

    private final GuestMemory memory;
    private final EmitOptions options;
    private final List<RamBlockImage> blocks;
    private final byte[] scratch = new byte[PAGE];
    private final byte[] baseScratch = new byte[PAGE];
    private ZlibPage zlib;
    private int blockIndex;
    private long pageIndex;
    private String lastSent;

    public RamEmitter(GuestMemory memory, EmitOptions options) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.options = Objects.requireNonNull(options, "options");
        this.blocks = memory.blocks();
    }

    /** The START payload: MEM_SIZE list and EOS. */
    public List<RamRecord> start() {
        return List.of(new RamRecord.MemSize(memory.totalBytes(), memory.blockInfos()), new RamRecord.Eos());
    }

    /** Whether page records remain to be sent. */
    public boolean hasMorePages() {
        skipUnchanged();
        return blockIndex < blocks.size();
    }

    /** A PART payload: up to {@code pagesPerPart} page records (all when 0), then EOS. */
    public List<RamRecord> nextPart() throws IOException {
        return pages(options.pagesPerPart() == 0 ? Long.MAX_VALUE : options.pagesPerPart());
    }

    /** The END payload: the pages not sent yet, then EOS. */
    public List<RamRecord> end() throws IOException {
        return pages(Long.MAX_VALUE);
    }

    private List<RamRecord> pages(long max) throws IOException {
        List<RamRecord> out = new ArrayList<>();
        long n = 0;
        while (n < max && hasMorePages()) {
            RamBlockImage b = blocks.get(blockIndex);
            out.add(record(b, pageIndex * PAGE));
            n++;
            advance();
        }
        out.add(new RamRecord.Eos());
        return out;
    }

    private void advance() {
        pageIndex++;
        if (pageIndex >= blocks.get(blockIndex).pageCount()) {
            blockIndex++;
            pageIndex = 0;
        }
    }

    /** With an XBZRLE base, moves past pages the destination already holds. */
    private void skipUnchanged() {
        while (blockIndex < blocks.size()) {
            RamBlockImage b = blocks.get(blockIndex);
            if (pageIndex >= b.pageCount()) {
                blockIndex++;
                pageIndex = 0;
                continue;
            }
            if (options.xbzrleBase() == null || changed(b, pageIndex)) {
                return;
            }
            advance();
        }
    }

    private RamBlockImage base(RamBlockImage b) {
        RamBlockImage base = options.xbzrleBase().block(b.idstr()).orElse(null);
        return base != null && base.usedLength() == b.usedLength() ? base : null;
    }

    private boolean changed(RamBlockImage b, long p) {
        RamBlockImage base = base(b);
        if (base == null) {
            return true;
        }
        byte[] cur = b.view(p, scratch);
        byte[] old = base.view(p, baseScratch);
        if (cur == BlockStore.ZERO && old == BlockStore.ZERO) {
            return false;
        }
        return java.util.Arrays.mismatch(cur, 0, PAGE, old, 0, PAGE) >= 0;
    }

    /** The record {@code ram_save_target_page} writes for one page. */
    private RamRecord record(RamBlockImage b, long offset) throws IOException {
        boolean cont = b.idstr().equals(lastSent);
        String idstr = cont ? null : b.idstr();
        lastSent = b.idstr();
        long p = offset / PAGE;
        byte[] view = b.view(p, scratch);
        boolean zero = view == BlockStore.ZERO || BlockStore.isZero(view, 0);
        if (zero) {
            return new RamRecord.Zero(offset, cont, idstr, 0);
        }
        byte[] data = java.util.Arrays.copyOf(view, PAGE);
        if (options.compressLevel() >= 0 && cont) {
            if (zlib == null) {
                zlib = new ZlibPage();
            }
            return new RamRecord.CompressedPage(offset, true, null, zlib.deflate(data, 0, options.compressLevel()));
        }
        if (options.xbzrleBase() != null) {
            RamBlockImage base = base(b);
            if (base != null) {
                byte[] old = base.view(p, baseScratch);
                byte[] enc = Xbzrle.encode(old, data);
                if (enc != null && enc.length > 0) {
                    return new RamRecord.Xbzrle(offset, cont, idstr, enc);
                }
            }
        }
        return new RamRecord.Page(offset, cont, idstr, data);
    }

    // ---- sections -----------------------------------------------------------------------------

    /**
     * Writes START, the PARTs and END as section records through {@code out}, one section in
     * memory at a time.
     *
     * @param sectionId the id the stream gives {@code ram} (2 on Debian 7.2 x86)
     * @param footers   whether sections end with a footer (all current machine types)
     */
    public void write(StreamWriter out, int sectionId, boolean footers) throws IOException {
        out.write(section(SectionType.SECTION_START, sectionId, start(), footers));
        if (!options.pagesInEnd()) {
            while (hasMorePages()) {
                out.write(section(SectionType.SECTION_PART, sectionId, nextPart(), footers));
            }
        }
        out.write(section(SectionType.SECTION_END, sectionId, end(), footers));
    }

    /** All sections as records (holds every page; for small memories and tests). */
    public List<StreamRecord> sections(int sectionId, boolean footers) throws IOException {
        List<StreamRecord> out = new ArrayList<>();
        out.add(section(SectionType.SECTION_START, sectionId, start(), footers));
        if (!options.pagesInEnd()) {
            while (hasMorePages()) {
                out.add(section(SectionType.SECTION_PART, sectionId, nextPart(), footers));
            }
        }
        out.add(section(SectionType.SECTION_END, sectionId, end(), footers));
        return out;
    }

    /** One {@code ram} section record with the given payload. */
    public static StreamRecord section(SectionType type, int sectionId, List<RamRecord> payload, boolean footer) {
        SectionHeader h = new SectionHeader(type, sectionId, IDSTR, 0, VERSION);
        RamPayload p = new RamPayload(payload);
        if (type == SectionType.SECTION_START) {
            return new StreamRecord.SectionStart(-1, h, p, footer);
        } else if (type == SectionType.SECTION_PART) {
            return new StreamRecord.SectionPart(-1, h, p, footer);
        } else if (type == SectionType.SECTION_END) {
            return new StreamRecord.SectionEnd(-1, h, p, footer);
        }
        throw new IllegalArgumentException("ram has no " + type + " section");
    }

    @Override
    public void close() {
        if (zlib != null) {
            zlib.close();
            zlib = null;
        }
    }
}
