package qmig.viommu.mem;

import java.io.IOException;
import java.util.List;
import qmig.stream.ram.BlockInfo;
import qmig.stream.ram.PageSink;
import qmig.stream.ram.Xbzrle;
import qmig.stream.ram.ZlibPage;
import qmig.stream.wire.StreamFormatException;

/**
 * A {@link PageSink} that keeps the {@code pc.ram} pages of a q35 stream in a
 * {@link SparseDmaMemory}, at their guest-physical addresses ({@link Q35RamLayout}). Other
 * RAMBlocks (option ROMs, firmware, video RAM) are ignored: VT-d tables live in {@code pc.ram}.
 * The RAM ranges are declared when the MEM_SIZE list arrives.
 */
public final class Q35PageLoader implements PageSink {

    public static final String PC_RAM = "pc.ram";

    private final SparseDmaMemory memory;
    private Q35RamLayout layout;
    private ZlibPage zlib;

    public Q35PageLoader(SparseDmaMemory memory) {
        this.memory = memory;
    }

    public Q35PageLoader() {
        this(new SparseDmaMemory());
    }

    public SparseDmaMemory memory() {
        return memory;
    }

    /** The layout learnt from MEM_SIZE, or null before it (or for a stream without pc.ram). */
    public Q35RamLayout layout() {
        return layout;
    }

    @Override
    public void memSize(List<BlockInfo> blocks) {
        for (BlockInfo b : blocks) {
            if (b.idstr().equals(PC_RAM) && layout == null) {
                layout = Q35RamLayout.of(b.usedLength());
                layout.declareRam(memory);
            }
        }
    }

    private long gpa(String block, long offset) {
        if (!block.equals(PC_RAM) || layout == null) {
            return -1;
        }
        return layout.gpaOf(offset);
    }

    @Override
    public void zero(String block, long offset, int fill) {
        long g = gpa(block, offset);
        if (g < 0) {
            return;
        }
        if (fill == 0) {
            memory.clearPage(g);
        } else {
            java.util.Arrays.fill(memory.pageForUpdate(g), (byte) fill);
        }
    }

    @Override
    public void page(String block, long offset, byte[] src, int srcOff) {
        long g = gpa(block, offset);
        if (g >= 0 && src != null) {
            memory.putPage(g, src, srcOff);
        }
    }

    @Override
    public void xbzrle(String block, long offset, byte[] encoded, int off, int len) throws StreamFormatException.Corrupt {
        long g = gpa(block, offset);
        if (g >= 0) {
            Xbzrle.decode(encoded, off, len, memory.pageForUpdate(g), 0, -1);
        }
    }

    @Override
    public void compressed(String block, long offset, byte[] z, int off, int len) throws IOException {
        long g = gpa(block, offset);
        if (g >= 0 && z != null) {
            if (zlib == null) {
                zlib = new ZlibPage();
            }
            zlib.inflate(z, off, len, memory.pageForUpdate(g), 0, -1);
        }
    }
}
