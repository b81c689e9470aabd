package qmig.stream.ram;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One record of a {@code ram} section payload (spec/ram.md §2-3): a be64 header holding a page
 * offset and {@link RamSaveFlag flags}, an idstr unless CONTINUE is set, and a kind-specific body.
 * Switch over it without a default: the set is closed. A HOOK record (RDMA only) is an error,
 * not a record.
 *
 * <p>Naming: {@code at} is the stream offset of the record's be64 header (-1 for records built in
 * memory); {@code offset} is the byte offset inside the RAMBlock, always page aligned.
 * {@code block} is the idstr written on the wire, so it is null exactly when {@code cont} is set;
 * the block a CONTINUE record refers to is resolved by {@link RamChannelState} and handed to the
 * {@link PageSink}.
 *
 * <p>Page contents are kept only when the codec retains pages; otherwise {@code data} /
 * {@code encoded} / {@code zlib} are null and such records cannot be written back.
 */
public sealed interface RamRecord {

    int PAGE = RamSaveFlag.TARGET_PAGE_SIZE;

    /** Largest XBZRLE encoding: one page. */
    int MAX_XBZRLE_LENGTH = PAGE;

    /** Largest COMPRESS_PAGE body: zlib {@code compressBound(4096)}. */
    int MAX_COMPRESSED_LENGTH = 4110;

    /** Stream offset of the be64 header, or -1. */
    long at();

    /** The flag bits this record is written with. */
    int flags();

    /** The records that carry one page: ZERO, PAGE, XBZRLE, COMPRESS_PAGE. */
    sealed interface PageRecord extends RamRecord permits Zero, Page, Xbzrle, CompressedPage {
        long offset();

        boolean cont();

        /** The idstr on the wire; null iff {@link #cont()}. */
        String block();
    }

    /** {@code be64 total|MEM_SIZE}, then the RAMBlock list whose lengths sum to {@code total}. */
    record MemSize(long at, long total, List<BlockInfo> blocks, boolean cont) implements RamRecord {
        public MemSize {
            blocks = List.copyOf(blocks);
            long sum = 0;
            for (BlockInfo b : blocks) {
                sum += b.usedLength();
            }
            if (sum != total || (total & RamSaveFlag.FLAG_MASK) != 0) {
                throw new IllegalArgumentException("MEM_SIZE total 0x" + Long.toHexString(total)
                        + " must be page aligned and equal the sum of the block lengths 0x" + Long.toHexString(sum));
            }
        }

        public MemSize(long total, List<BlockInfo> blocks) {
            this(-1, total, blocks, false);
        }

        @Override
        public int flags() {
            return RamSaveFlag.MEM_SIZE.value() | contBit(cont);
        }
    }

    /** {@code be64 offset|ZERO}, [idstr], {@code u8 fill}: a page of {@code fill} bytes (the writer sends 0). */
    record Zero(long at, long offset, boolean cont, String block, int fill) implements PageRecord {
        public Zero {
            checkPage(offset, cont, block);
            if (fill < 0 || fill > 0xff) {
                throw new IllegalArgumentException("fill byte " + fill);
            }
        }

        public Zero(long offset, boolean cont, String block, int fill) {
            this(-1, offset, cont, block, fill);
        }

        @Override
        public int flags() {
            return RamSaveFlag.ZERO.value() | contBit(cont);
        }
    }

    /** {@code be64 offset|PAGE}, [idstr], {@code bytes(4096)}; {@code data} null when not retained. */
    record Page(long at, long offset, boolean cont, String block, byte[] data) implements PageRecord {
        public Page {
            checkPage(offset, cont, block);
            if (data != null && data.length != PAGE) {
                throw new IllegalArgumentException("page data of " + data.length + " bytes, expected " + PAGE);
            }
        }

        public Page(long offset, boolean cont, String block, byte[] data) {
            this(-1, offset, cont, block, data);
        }

        @Override
        public int flags() {
            return RamSaveFlag.PAGE.value() | contBit(cont);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Page p && at == p.at && offset == p.offset && cont == p.cont
                    && Objects.equals(block, p.block) && Arrays.equals(data, p.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(at, offset, cont, block) * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Page[at=" + at + ", offset=0x" + Long.toHexString(offset) + ", cont=" + cont
                    + ", block=" + block + ", data=" + brief(data) + "]";
        }
    }

    /**
     * {@code be64 offset|XBZRLE}, [idstr], {@code u8 0x01}, {@code be16 length}, {@code bytes(length)}:
     * a delta against the page's current content (see {@link Xbzrle}).
     */
    record Xbzrle(long at, long offset, boolean cont, String block, int length, byte[] encoded) implements PageRecord {
        public Xbzrle {
            checkPage(offset, cont, block);
            checkBody(length, MAX_XBZRLE_LENGTH, encoded, "XBZRLE");
        }

        public Xbzrle(long offset, boolean cont, String block, byte[] encoded) {
            this(-1, offset, cont, block, encoded.length, encoded);
        }

        @Override
        public int flags() {
            return RamSaveFlag.XBZRLE.value() | contBit(cont);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Xbzrle x && at == x.at && offset == x.offset && cont == x.cont
                    && Objects.equals(block, x.block) && length == x.length && Arrays.equals(encoded, x.encoded);
        }

        @Override
        public int hashCode() {
            return Objects.hash(at, offset, cont, block, length) * 31 + Arrays.hashCode(encoded);
        }

        @Override
        public String toString() {
            return "Xbzrle[at=" + at + ", offset=0x" + Long.toHexString(offset) + ", cont=" + cont
                    + ", block=" + block + ", length=" + length + ", encoded=" + brief(encoded) + "]";
        }
    }

    /**
     * {@code be64 offset|COMPRESS_PAGE}, [idstr], {@code be32 length}, {@code bytes(length)}: one
     * complete zlib stream that inflates to one page (see {@link ZlibPage}).
     */
    record CompressedPage(long at, long offset, boolean cont, String block, int length, byte[] zlib)
            implements PageRecord {
        public CompressedPage {
            checkPage(offset, cont, block);
            checkBody(length, MAX_COMPRESSED_LENGTH, zlib, "compressed page");
        }

        public CompressedPage(long offset, boolean cont, String block, byte[] zlib) {
            this(-1, offset, cont, block, zlib.length, zlib);
        }

        @Override
        public int flags() {
            return RamSaveFlag.COMPRESS_PAGE.value() | contBit(cont);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CompressedPage c && at == c.at && offset == c.offset && cont == c.cont
                    && Objects.equals(block, c.block) && length == c.length && Arrays.equals(zlib, c.zlib);
        }

        @Override
        public int hashCode() {
            return Objects.hash(at, offset, cont, block, length) * 31 + Arrays.hashCode(zlib);
        }

        @Override
        public String toString() {
            return "CompressedPage[at=" + at + ", offset=0x" + Long.toHexString(offset) + ", cont=" + cont
                    + ", block=" + block + ", length=" + length + ", zlib=" + brief(zlib) + "]";
        }
    }

    /**
     * {@code be64 0x10}: the end of this section's payload (and, with multifd in 7.2, a sync point).
     * {@code cont}: the loader ignores a CONTINUE bit here; kept so such a stream writes back as read.
     */
    record Eos(long at, boolean cont, long ignoredOffset) implements RamRecord {
        public Eos() {
            this(-1, false, 0);
        }

        public Eos(long at, boolean cont) {
            this(at, cont, 0);
        }

        @Override
        public int flags() {
            return RamSaveFlag.EOS.value() | contBit(cont);
        }
    }

    /** [8.1] {@code be64 0x200}: a multifd sync point in flush mode (spec/ram.md §7.2). */
    record MultifdFlush(long at, boolean cont, long ignoredOffset) implements RamRecord {
        public MultifdFlush() {
            this(-1, false, 0);
        }

        public MultifdFlush(long at, boolean cont) {
            this(at, cont, 0);
        }

        @Override
        public int flags() {
            return RamSaveFlag.MULTIFD_FLUSH.value() | contBit(cont);
        }
    }

    private static int contBit(boolean cont) {
        return cont ? RamSaveFlag.CONTINUE.value() : 0;
    }

    private static void checkPage(long offset, boolean cont, String block) {
        if ((offset & RamSaveFlag.FLAG_MASK) != 0) {
            throw new IllegalArgumentException("page offset 0x" + Long.toHexString(offset) + " is not page aligned");
        }
        if (cont != (block == null)) {
            throw new IllegalArgumentException(cont ? "a CONTINUE record carries no idstr (block must be null)"
                    : "a record without CONTINUE needs its block idstr");
        }
        if (block != null && block.length() > 255) {
            throw new IllegalArgumentException("RAMBlock idstr longer than 255 bytes: " + block);
        }
    }

    private static void checkBody(int length, int max, byte[] body, String what) {
        if (length < 0 || length > max) {
            throw new IllegalArgumentException(what + " length " + length + " outside 0.." + max);
        }
        if (body != null && body.length != length) {
            throw new IllegalArgumentException(what + " body of " + body.length + " bytes, length says " + length);
        }
    }

    /** {@code [size=N hex=…]}, cut after 32 bytes. */
    private static String brief(byte[] b) {
        if (b == null) {
            return "null";
        }
        int n = Math.min(b.length, 32);
        return "[size=" + b.length + " hex=" + HexFormat.of().formatHex(b, 0, n) + (n < b.length ? "…" : "") + "]";
    }
}
