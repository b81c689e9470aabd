package qmig.stream.ram;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.stream.wire.WireWriter;

/**
 * Reads and writes the payload of one {@code ram} START/PART/END section: records up to and
 * including EOS (QEMU 7.2 {@code ram_load_precopy}; spec/ram.md §2-7). The section header before
 * and the footer after belong to the caller.
 *
 * <pre>
 *   record := be64 (offset | flags)           flags = low 12 bits (x86 page 4096)
 *             [cstr8 idstr]                   ZERO/PAGE/XBZRLE/COMPRESS_PAGE without CONTINUE
 *             body                            by flags &amp; ~CONTINUE:
 *     MEM_SIZE       (cstr8 idstr, be64 used_length, [be64 page_size], [be64 gpa])*  until the lengths sum to offset
 *     ZERO           u8 fill
 *     PAGE           bytes(4096)
 *     XBZRLE         u8 0x01, be16 n (&lt;= 4096), bytes(n)
 *     COMPRESS_PAGE  be32 n (0..4110), bytes(n)
 *     EOS            -                        ends the payload
 *     MULTIFD_FLUSH  -                        [8.1]
 * </pre>
 *
 * <p>Pages go to the {@link PageSink} as they are read. With {@code retainPages} each record keeps
 * its bytes (needed to {@link #write} it back); without, page bytes are read into one reused
 * buffer for the sink, or skipped when the sink does not want content.
 *
 * <p>Errors are {@link StreamFormatException}s carrying the stream offset of the record (or of the
 * offending field); the caller adds the section. Running out of input is always {@code Truncated}.
 * An instance keeps scratch buffers and is not thread safe.
 */
public final class RamSectionCodec {

    private static final int PAGE = RamSaveFlag.TARGET_PAGE_SIZE;
    private static final int CONTINUE = RamSaveFlag.CONTINUE.value();

    private final Limits limits;
    private final PageSink sink;
    private final boolean retainPages;
    private final boolean wantsContent;
    private final byte[] scratch = new byte[RamRecord.MAX_COMPRESSED_LENGTH];

    public RamSectionCodec(Limits limits, PageSink sink, boolean retainPages) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.retainPages = retainPages;
        this.wantsContent = sink.wantsContent();
    }

    /**
     * Reads one section payload through its EOS record; {@code r} is left just after EOS. The
     * state's block list and last block are updated only once EOS was read.
     */
    public List<RamRecord> read(WireReader r, RamChannelState state) throws IOException {
        List<RamRecord> out = new ArrayList<>();
        Map<String, Long> announced = null; // MEM_SIZE entries of this section, committed at EOS
        String last = state.lastBlock();
        while (true) {
            long at = r.position();
            long header = r.be64("ram record header");
            int flags = (int) (header & RamSaveFlag.FLAG_MASK);
            long offset = header & ~RamSaveFlag.FLAG_MASK;
            boolean cont = (flags & CONTINUE) != 0;
            RamSaveFlag kind = RamSaveFlag.recordKind(flags);
            if (kind == null) {
                throw badFlags(at, flags);
            }
            switch (kind) {
                case MEM_SIZE -> {
                    if (announced == null) {
                        announced = new LinkedHashMap<>();
                    }
                    out.add(readMemSize(r, state, at, offset, cont, announced));
                }
                case ZERO, PAGE, XBZRLE, COMPRESS_PAGE -> {
                    String idstr = null;
                    String block;
                    if (cont) {
                        if (last == null) {
                            throw StreamFormatException.corrupt(at, "bad migration stream: "
                                    + RamSaveFlag.describe(flags) + " record without a previous block on this channel");
                        }
                        block = last;
                    } else {
                        idstr = r.cstr8("RAMBlock idstr");
                        block = idstr;
                    }
                    long used = usedLength(state, announced, block, at);
                    if (Long.compareUnsigned(offset, used) >= 0 || used - offset < PAGE) {
                        throw StreamFormatException.corrupt(at, String.format(
                                "Illegal RAM offset 0x%x in block '%s' (used_length 0x%x)", offset, block, used));
                    }
                    last = block;
                    out.add(switch (kind) {
                        case ZERO -> readZero(r, at, offset, cont, idstr, block);
                        case PAGE -> readPage(r, at, offset, cont, idstr, block);
                        case XBZRLE -> readXbzrle(r, at, offset, cont, idstr, block);
                        default -> readCompressed(r, at, offset, cont, idstr, block);
                    });
                }
                case MULTIFD_FLUSH -> {
                    out.add(new RamRecord.MultifdFlush(at, cont, offset)); // QEMU ignores these address bits; kept to re-encode
                    sink.multifdFlush();
                }
                case EOS -> {
                    out.add(new RamRecord.Eos(at, cont, offset)); // QEMU ignores these address bits; kept to re-encode
                    state.commit(announced, last);
                    sink.eos();
                    return out;
                }
                default -> throw new AssertionError(kind);
            }
        }
    }

    private static StreamFormatException badFlags(long at, int flags) {
        if (RamSaveFlag.HOOK.isSet(flags)) {
            // ram_control_load_hook(RAM_CONTROL_HOOK) without transport hooks: -EINVAL
            return StreamFormatException.corrupt(at, String.format(
                    "RAM_SAVE_FLAG_HOOK record (flags 0x%x): RDMA transport control, "
                            + "which a byte stream cannot carry (QEMU fails with -EINVAL)", flags));
        }
        return StreamFormatException.corrupt(at, String.format(
                "Unknown combination of migration flags: 0x%x (%s)", flags, RamSaveFlag.describe(flags)));
    }

    private static long usedLength(RamChannelState state, Map<String, Long> announced, String block, long at)
            throws StreamFormatException {
        Long used = announced == null ? null : announced.get(block);
        if (used == null) {
            OptionalLong known = state.usedLength(block);
            if (known.isEmpty()) {
                throw StreamFormatException.corrupt(at, "Can't find block '" + block
                        + "': not in the MEM_SIZE list of this channel");
            }
            return known.getAsLong();
        }
        return used;
    }

    /** MEM_SIZE list; {@code total} is the header's offset part. */
    private RamRecord readMemSize(WireReader r, RamChannelState state, long at, long total, boolean cont,
                                  Map<String, Long> announced) throws IOException {
        List<BlockInfo> blocks = new ArrayList<>();
        long left = total;
        while (left != 0) {
            Limits.check(at, "RAMBlock count in MEM_SIZE list", blocks.size() + 1L, limits.maxRamBlocks(),
                    "Limits.maxRamBlocks");
            long entryAt = r.position();
            String idstr = r.cstr8("RAMBlock idstr");
            long used = r.be64("RAMBlock used_length");
            if (Long.compareUnsigned(used, left) > 0) {
                throw StreamFormatException.corrupt(entryAt, String.format(
                        "MEM_SIZE list overshoots its total 0x%x: block '%s' used_length 0x%x, only 0x%x left",
                        total, idstr, used, left));
            }
            OptionalLong pageSize = state.pageSizePresent(idstr)
                    ? OptionalLong.of(r.be64("RAMBlock page_size")) : OptionalLong.empty();
            OptionalLong gpa = state.gpaPresent() ? OptionalLong.of(r.be64("RAMBlock gpa")) : OptionalLong.empty();
            left -= used;
            blocks.add(new BlockInfo(idstr, used, pageSize, gpa));
            announced.put(idstr, used);
        }
        RamRecord.MemSize rec = new RamRecord.MemSize(at, total, blocks, cont);
        sink.memSize(rec.blocks());
        return rec;
    }

    private RamRecord readZero(WireReader r, long at, long offset, boolean cont, String idstr, String block)
            throws IOException {
        int fill = r.u8("zero page fill byte");
        sink.zero(block, offset, fill);
        return new RamRecord.Zero(at, offset, cont, idstr, fill);
    }

    private RamRecord readPage(WireReader r, long at, long offset, boolean cont, String idstr, String block)
            throws IOException {
        byte[] data = null;
        if (retainPages) {
            data = r.bytes(PAGE, "page data");
            sink.page(block, offset, data, 0);
        } else if (wantsContent) {
            r.readFully(scratch, 0, PAGE, "page data");
            sink.page(block, offset, scratch, 0);
        } else {
            r.skip(PAGE, "page data");
            sink.page(block, offset, null, 0);
        }
        return new RamRecord.Page(at, offset, cont, idstr, data);
    }

    private RamRecord readXbzrle(WireReader r, long at, long offset, boolean cont, String idstr, String block)
            throws IOException {
        long flagAt = r.position();
        int encoding = r.u8("XBZRLE encoding flag");
        if (encoding != 0x01) {
            throw StreamFormatException.mismatch(flagAt,
                    "Failed to load XBZRLE page - wrong compression (ENCODING_FLAG_XBZRLE)", 0x01, encoding);
        }
        long lenAt = r.position();
        int len = r.be16("XBZRLE length");
        if (len > RamRecord.MAX_XBZRLE_LENGTH) {
            throw StreamFormatException.corrupt(lenAt,
                    "Failed to load XBZRLE page - len overflow: " + len + " > 4096");
        }
        long dataAt = r.position();
        byte[] buf = retainPages ? new byte[len] : scratch;
        r.readFully(buf, 0, len, "XBZRLE data");
        try {
            Xbzrle.validate(buf, 0, len, dataAt);
        } catch (StreamFormatException.Corrupt e) {
            throw StreamFormatException.corrupt(e.offset(), e.detail() + " (block '" + block + "', page 0x"
                    + Long.toHexString(offset) + ")", e);
        }
        sink.xbzrle(block, offset, buf, 0, len);
        return new RamRecord.Xbzrle(at, offset, cont, idstr, len, retainPages ? buf : null);
    }

    private RamRecord readCompressed(WireReader r, long at, long offset, boolean cont, String idstr, String block)
            throws IOException {
        long lenAt = r.position();
        int len = r.be32("compressed page length");
        if (len < 0 || len > RamRecord.MAX_COMPRESSED_LENGTH) {
            throw StreamFormatException.corrupt(lenAt, "Invalid compressed data length: " + len
                    + " (expected 0.." + RamRecord.MAX_COMPRESSED_LENGTH + ")");
        }
        byte[] data = null;
        if (retainPages) {
            data = r.bytes(len, "compressed page data");
            sink.compressed(block, offset, data, 0, len);
        } else if (wantsContent) {
            r.readFully(scratch, 0, len, "compressed page data");
            sink.compressed(block, offset, scratch, 0, len);
        } else {
            r.skip(len, "compressed page data");
            sink.compressed(block, offset, null, 0, len);
        }
        return new RamRecord.CompressedPage(at, offset, cont, idstr, len, data);
    }

    // ---- writing ----------------------------------------------------------------------------

    /**
     * Writes records as read: header, idstr, body. Records must keep their content (read with
     * {@code retainPages}); a MemSize's optional fields are written where present.
     *
     * @throws IllegalArgumentException for a page record without content
     */
    public void write(WireWriter w, List<RamRecord> records) throws IOException {
        for (RamRecord rec : records) {
            write(w, rec);
        }
    }

    /** Writes one record. */
    public void write(WireWriter w, RamRecord rec) throws IOException {
        if (rec instanceof RamRecord.MemSize m) {
            w.be64(m.total() | m.flags());
            for (BlockInfo b : m.blocks()) {
                w.cstr8(b.idstr()).be64(b.usedLength());
                if (b.pageSize().isPresent()) {
                    w.be64(b.pageSize().getAsLong());
                }
                if (b.gpa().isPresent()) {
                    w.be64(b.gpa().getAsLong());
                }
            }
        } else if (rec instanceof RamRecord.PageRecord p) {
            w.be64(p.offset() | p.flags());
            if (!p.cont()) {
                w.cstr8(p.block());
            }
            if (p instanceof RamRecord.Zero z) {
                w.u8(z.fill());
            } else if (p instanceof RamRecord.Page pg) {
                w.bytes(content(pg.data(), pg));
            } else if (p instanceof RamRecord.Xbzrle x) {
                w.u8(0x01).be16(x.length()).bytes(content(x.encoded(), x));
            } else if (p instanceof RamRecord.CompressedPage c) {
                w.be32(c.length()).bytes(content(c.zlib(), c));
            } else {
                throw new AssertionError(p);
            }
        } else {
            long ignored = rec instanceof RamRecord.Eos e ? e.ignoredOffset()
                    : ((RamRecord.MultifdFlush) rec).ignoredOffset();
            w.be64(ignored | rec.flags());
        }
    }

    private static byte[] content(byte[] b, RamRecord rec) {
        if (b == null) {
            throw new IllegalArgumentException("page content was not retained, cannot write " + rec);
        }
        return b;
    }
}
