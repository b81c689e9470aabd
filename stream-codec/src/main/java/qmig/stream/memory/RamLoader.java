package qmig.stream.memory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.Xbzrle;
import qmig.stream.ram.ZlibPage;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;

/**
 * Applies {@code ram} records to a {@link GuestMemory}, as QEMU 7.2's {@code ram_load_precopy}
 * does (spec/ram.md §9): MEM_SIZE announces the blocks; ZERO fills a page with its fill byte
 * (7.2 memsets any value; 0 releases the page); PAGE copies; XBZRLE decodes in place against
 * the page's current content; COMPRESS_PAGE inflates (exactly one page, so a zlib bomb stops
 * after 4096 bytes + 1).
 *
 * <p>Every page record is checked again here (the multifd reader and direct callers do not go
 * through {@code RamSectionCodec}): the block must be announced ("Can't find block") and
 * {@code offset + 4096 <= used_length} ("Illegal RAM offset"). Errors are
 * {@link StreamFormatException}s naming the block and page; their offset is the stream offset
 * of the record body when the loader was given the reader's position, else -1.
 */
public final class RamLoader implements PageSink, AutoCloseable {

    private static final int PAGE = RamBlockImage.PAGE;

    private final GuestMemory memory;
    private LongSupplier position;
    private final byte[] page = new byte[PAGE];
    private ZlibPage zlib;
    private long zeroRecords;
    private long pageRecords;
    private long xbzrleRecords;
    private long compressedRecords;
    private long sections;

    /** Counts of applied records; {@code sections} counts EOS records. */
    public record Stats(long zero, long page, long xbzrle, long compressed, long sections) {
    }

    /** A loader without stream offsets (errors carry offset -1). */
    public RamLoader(GuestMemory memory) {
        this(memory, () -> -1);
    }

    /**
     * @param position the stream position of the reader feeding this sink (e.g.
     *                 {@code wireReader::position}); read after each record body to locate errors
     */
    public RamLoader(GuestMemory memory, LongSupplier position) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.position = Objects.requireNonNull(position, "position");
    }

    public GuestMemory memory() {
        return memory;
    }

    public Stats stats() {
        return new Stats(zeroRecords, pageRecords, xbzrleRecords, compressedRecords, sections);
    }

    // ---- whole streams ----------------------------------------------------------------------

    /** Reads a whole stream file and applies its RAM to {@code memory}; device sections are parsed and dropped. */
    public static Stats load(Path file, GuestMemory memory, Limits limits) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return load(WireReader.of(ch, 1 << 20), memory, limits);
        }
    }

    public static Stats load(byte[] stream, GuestMemory memory, Limits limits) throws IOException {
        return load(WireReader.of(stream), memory, limits);
    }

    public static Stats load(InputStream in, GuestMemory memory, Limits limits) throws IOException {
        return load(WireReader.of(in, 1 << 20), memory, limits);
    }

    /** Reads from the header to the end of the stream. */
    public static Stats load(WireReader in, GuestMemory memory, Limits limits) throws IOException {
        try (RamLoader loader = new RamLoader(memory)) {
            loader.readStream(in, limits);
            return loader.stats();
        }
    }

    /**
     * Reads a whole stream (header to end) and applies its RAM to this loader's memory; device
     * sections are parsed and dropped. Errors carry offsets of {@code in} while it runs.
     *
     * @return the machine type of the configuration section (e.g. {@code pc-q35-7.2}), or null
     */
    public String readStream(WireReader in, Limits limits) throws IOException {
        LongSupplier before = position;
        position = in::position;
        try {
            StreamReader r = new StreamReader(in, ReaderOptions.defaults().withLimits(limits).withPages(this, false));
            r.readHeader();
            while (r.next() != null) {
                // records are dropped: the pages went to this sink
            }
            return r.machineType();
        } finally {
            position = before;
        }
    }

    // ---- PageSink -----------------------------------------------------------------------------

    @Override
    public void memSize(List<BlockInfo> blocks) throws IOException {
        memory.announce(blocks, position.getAsLong());
    }

    @Override
    public void zero(String block, long offset, int fill) throws IOException {
        RamBlockImage b = target(block, offset, 1);
        b.fillPage(offset, fill);
        zeroRecords++;
    }

    @Override
    public void page(String block, long offset, byte[] src, int srcOff) throws IOException {
        RamBlockImage b = target(block, offset, PAGE);
        if (src == null) {
            throw StreamFormatException.corrupt(at(PAGE), where(block, offset) + ": PAGE record without content");
        }
        b.writePage(offset, src, srcOff);
        pageRecords++;
    }

    @Override
    public void xbzrle(String block, long offset, byte[] encoded, int off, int len) throws IOException {
        RamBlockImage b = target(block, offset, len);
        long at = at(len);
        b.readPage(offset, page, 0);
        try {
            Xbzrle.decode(encoded, off, len, page, 0, at);
        } catch (StreamFormatException e) {
            throw StreamFormatException.corrupt(e.offset(), where(block, offset) + ": " + e.detail(), e);
        }
        b.writePage(offset, page, 0);
        xbzrleRecords++;
    }

    @Override
    public void compressed(String block, long offset, byte[] data, int off, int len) throws IOException {
        RamBlockImage b = target(block, offset, len);
        long at = at(len);
        if (data == null) {
            throw StreamFormatException.corrupt(at, where(block, offset) + ": COMPRESS_PAGE record without content");
        }
        if (zlib == null) {
            zlib = new ZlibPage();
        }
        try {
            zlib.inflate(data, off, len, page, 0, at);
        } catch (StreamFormatException e) {
            throw StreamFormatException.corrupt(e.offset(), where(block, offset) + ": " + e.detail(), e);
        }
        b.writePage(offset, page, 0);
        compressedRecords++;
    }

    @Override
    public void eos() {
        sections++;
    }

    /** The announced block holding the page, or the error QEMU reports. */
    private RamBlockImage target(String block, long offset, int bodyLen) throws StreamFormatException {
        RamBlockImage b = memory.block(block).orElse(null);
        if (b == null) {
            throw StreamFormatException.corrupt(at(bodyLen), "Can't find block '" + block
                    + "' (page 0x" + Long.toHexString(offset) + "): not announced by MEM_SIZE");
        }
        if ((offset & (PAGE - 1)) != 0 || offset < 0 || offset > b.usedLength() - PAGE) {
            throw StreamFormatException.corrupt(at(bodyLen), String.format(
                    "Illegal RAM offset 0x%x in block '%s' (used_length 0x%x)", offset, block, b.usedLength()));
        }
        return b;
    }

    /** Stream offset of a record body of {@code len} bytes that ends at the reader's position. */
    private long at(int len) {
        long p = position.getAsLong();
        return p < 0 ? -1 : p - len;
    }

    private static String where(String block, long offset) {
        return "block '" + block + "' page 0x" + Long.toHexString(offset);
    }

    @Override
    public void close() {
        if (zlib != null) {
            zlib.close();
            zlib = null;
        }
    }
}
