package qmig.stream.diff;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.ZlibPage;
import qmig.stream.wire.StreamFormatException;

/**
 * The final content of every RAM page of one stream as a 128-bit digest, 16 bytes per page
 * that ever held something other than zeros (tables are allocated in chunks of 256 pages on
 * the first non-zero page; a zero page is the digest 0). A page sent again replaces its earlier
 * digest, as the destination's RAM ends with the last content sent.
 *
 * <p>XBZRLE records are deltas against the page's previous content, which a digest cannot
 * give back; they throw {@link NeedsContent} and the caller reads the stream again through a
 * {@link GuestMemory} ({@link #of(GuestMemory)}).
 */
public final class PageDigests implements PageSink, AutoCloseable {

    private static final int PAGE = RamBlockImage.PAGE;
    private static final int CHUNK_SHIFT = 8;
    private static final int CHUNK_PAGES = 1 << CHUNK_SHIFT;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long maxGuestBytes;
    private final Map<String, Table> blocks = new LinkedHashMap<>();
    private final long[] fillDigests = new long[2 * 256];
    private final byte[] page = new byte[PAGE];
    private final long[] hash = new long[2];
    private ZlibPage zlib;

    /** An XBZRLE record arrived: the stream needs page contents, not digests. */
    public static final class NeedsContent extends IOException {
        private static final long serialVersionUID = 1L;

        NeedsContent(String block, long offset) {
            super("XBZRLE page in block '" + block + "' at 0x" + Long.toHexString(offset)
                    + " needs the previous page content");
        }
    }

    /** The digests of one RAMBlock. */
    static final class Table {
        final String idstr;
        final long usedLength;
        final long[][] chunks;

        Table(String idstr, long usedLength) {
            this.idstr = idstr;
            this.usedLength = usedLength;
            long pages = usedLength / PAGE;
            this.chunks = new long[(int) ((pages + CHUNK_PAGES - 1) >>> CHUNK_SHIFT)][];
        }

        long pages() {
            return usedLength / PAGE;
        }

        void set(long pageIndex, long h0, long h1) {
            int c = (int) (pageIndex >>> CHUNK_SHIFT);
            long[] chunk = chunks[c];
            if (chunk == null) {
                if ((h0 | h1) == 0) {
                    return;
                }
                chunk = chunks[c] = new long[2 * CHUNK_PAGES];
            }
            int i = 2 * (int) (pageIndex & (CHUNK_PAGES - 1));
            chunk[i] = h0;
            chunk[i + 1] = h1;
        }

        boolean same(long pageIndex, Table o) {
            int c = (int) (pageIndex >>> CHUNK_SHIFT);
            int i = 2 * (int) (pageIndex & (CHUNK_PAGES - 1));
            long[] x = chunks[c];
            long[] y = o.chunks[c];
            long x0 = x == null ? 0 : x[i];
            long x1 = x == null ? 0 : x[i + 1];
            long y0 = y == null ? 0 : y[i];
            long y1 = y == null ? 0 : y[i + 1];
            return x0 == y0 && x1 == y1;
        }
    }

    /**
     * @param maxGuestBytes the largest sum of RAMBlock used lengths accepted, checked when
     *                      MEM_SIZE announces the blocks, before any table is allocated
     */
    public PageDigests(long maxGuestBytes) {
        this.maxGuestBytes = maxGuestBytes;
        for (int f = 1; f < 256; f++) {
            java.util.Arrays.fill(page, (byte) f);
            digest(page, 0, fillDigests, 2 * f);
        }
    }

    /** The digests of a memory already loaded (the XBZRLE fallback). */
    public static PageDigests of(GuestMemory memory) throws IOException {
        PageDigests d = new PageDigests(Long.MAX_VALUE);
        d.memSize(memory.blockInfos());
        byte[] buf = new byte[PAGE];
        long[] h = new long[2];
        for (RamBlockImage b : memory.blocks()) {
            Table t = d.blocks.get(b.idstr());
            for (long p = 0; p < b.pageCount(); p++) {
                if (!b.isZeroPage(p * PAGE)) {
                    b.readPage(p * PAGE, buf, 0);
                    digest(buf, 0, h, 0);
                    t.set(p, h[0], h[1]);
                }
            }
        }
        return d;
    }

    /** The announced blocks in MEM_SIZE order: idstr to used length. */
    public Map<String, Long> blocks() {
        Map<String, Long> m = new LinkedHashMap<>();
        blocks.forEach((k, v) -> m.put(k, v.usedLength));
        return m;
    }

    Table table(String idstr) {
        return blocks.get(idstr);
    }

    /**
     * Differing page indexes of a block present in both, over the pages both have, as
     * coalesced runs; at most {@code maxRanges} runs are kept, all are counted.
     */
    static BlockCompare compare(Table a, Table b, int maxRanges) {
        long n = Math.min(a.pages(), b.pages());
        long differing = 0;
        long runs = 0;
        List<StreamDiff.PageRange> ranges = new ArrayList<>();
        long start = -1;
        for (long p = 0; p <= n; p++) {
            boolean diff = p < n && !a.same(p, b);
            if (diff) {
                differing++;
                if (start < 0) {
                    start = p;
                }
            } else if (start >= 0) {
                runs++;
                if (ranges.size() < maxRanges) {
                    ranges.add(new StreamDiff.PageRange(start, p - start));
                }
                start = -1;
            }
        }
        return new BlockCompare(differing, runs, ranges);
    }

    record BlockCompare(long differingPages, long runs, List<StreamDiff.PageRange> ranges) {
    }

    // ---- PageSink ---------------------------------------------------------------------------

    @Override
    public void memSize(List<BlockInfo> list) throws IOException {
        long total = 0;
        for (BlockInfo b : list) {
            total += b.usedLength();
            if (b.usedLength() < 0 || total < 0 || total > maxGuestBytes) {
                throw StreamFormatException.limitExceeded(-1, "sum of the RAMBlock used lengths announced by MEM_SIZE",
                        total, maxGuestBytes, "MemoryOptions.maxGuestBytes");
            }
        }
        for (BlockInfo b : list) {
            blocks.putIfAbsent(b.idstr(), new Table(b.idstr(), b.usedLength()));
        }
    }

    @Override
    public void zero(String block, long offset, int fill) throws IOException {
        int f = fill & 0xff;
        target(block, offset).set(offset / PAGE, fillDigests[2 * f], fillDigests[2 * f + 1]);
    }

    @Override
    public void page(String block, long offset, byte[] src, int srcOff) throws IOException {
        Table t = target(block, offset);
        if (src == null) {
            throw StreamFormatException.corrupt(-1, "block '" + block + "' page 0x" + Long.toHexString(offset)
                    + ": PAGE record without content");
        }
        digest(src, srcOff, hash, 0);
        t.set(offset / PAGE, hash[0], hash[1]);
    }

    @Override
    public void xbzrle(String block, long offset, byte[] encoded, int off, int len) throws IOException {
        throw new NeedsContent(block, offset);
    }

    @Override
    public void compressed(String block, long offset, byte[] data, int off, int len) throws IOException {
        if (zlib == null) {
            zlib = new ZlibPage();
        }
        zlib.inflate(data, off, len, page, 0, -1);
        page(block, offset, page, 0);
    }

    private Table target(String block, long offset) throws StreamFormatException {
        Table t = blocks.get(block);
        if (t == null) {
            throw StreamFormatException.corrupt(-1, "Can't find block '" + block + "' (page 0x"
                    + Long.toHexString(offset) + "): not announced by MEM_SIZE");
        }
        if ((offset & (PAGE - 1)) != 0 || offset < 0 || offset > t.usedLength - PAGE) {
            throw StreamFormatException.corrupt(-1, String.format("Illegal RAM offset 0x%x in block '%s' (used_length 0x%x)",
                    offset, block, t.usedLength));
        }
        return t;
    }

    @Override
    public void close() {
        if (zlib != null) {
            zlib.close();
            zlib = null;
        }
    }

    // ---- the digest -------------------------------------------------------------------------

    /**
     * A 128-bit digest of the 4096 bytes at {@code src[off ..]} into {@code out[at]},
     * {@code out[at + 1]}: two multiply-rotate lanes over the page's little-endian 64-bit words,
     * each finished with the murmur3 avalanche. An all-zero page is (0, 0), and no other page is.
     */
    static void digest(byte[] src, int off, long[] out, int at) {
        long h0 = 0x9e3779b97f4a7c15L;
        long h1 = 0xc2b2ae3d27d4eb4fL;
        long any = 0;
        for (int i = 0; i < PAGE; i += 16) {
            long v0 = (long) LONGS.get(src, off + i);
            long v1 = (long) LONGS.get(src, off + i + 8);
            any |= v0 | v1;
            h0 = Long.rotateLeft(h0 ^ (v0 * 0x87c37b91114253d5L), 31) * 0x4cf5ad432745937fL;
            h1 = Long.rotateLeft(h1 ^ (v1 * 0x4cf5ad432745937fL), 33) * 0x87c37b91114253d5L + h0;
        }
        if (any == 0) {
            out[at] = 0;
            out[at + 1] = 0;
            return;
        }
        h0 = fmix(h0 ^ h1);
        h1 = fmix(h1 + h0);
        if ((h0 | h1) == 0) {
            h1 = 1;
        }
        out[at] = h0;
        out[at + 1] = h1;
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        return k ^ (k >>> 33);
    }
}
