package qmig.stream.memory;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Pages in a sparse file of the block's used length, mapped read-write in windows on first
 * write. A page never written is a hole (no disk, no memory); a present-page bitmap lets reads of
 * absent pages return zeros without touching the mapping. Freeing a page writes zeros over it
 * (Java cannot punch holes) and clears its bit. The file stays after {@link #close()} as the
 * block's raw image.
 */
final class MappedStore extends BlockStore {

    private final Path file;
    private final FileChannel ch;
    private final long length;
    private final int windowPages;
    private final MappedByteBuffer[] windows;
    private final long[][] bits;

    MappedStore(Path file, long pages, long windowBytes) throws IOException {
        super(pages);
        this.file = file;
        this.length = pages * PAGE;
        this.windowPages = (int) (windowBytes / PAGE);
        long nWindows = (pages + windowPages - 1) / windowPages;
        this.windows = new MappedByteBuffer[(int) nWindows];
        this.bits = new long[leaves(pages)][];
        this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            // sparse: extend by writing the last byte only
            if (length > 0) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[1]), length - 1);
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    private MappedByteBuffer window(long p) {
        int w = (int) (p / windowPages);
        MappedByteBuffer m = windows[w];
        if (m == null) {
            long start = (long) w * windowPages * PAGE;
            long size = Math.min((long) windowPages * PAGE, length - start);
            try {
                m = ch.map(FileChannel.MapMode.READ_WRITE, start, size);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot map " + file + " at 0x" + Long.toHexString(start), e);
            }
            m.order(ByteOrder.LITTLE_ENDIAN);
            windows[w] = m;
        }
        return m;
    }

    private int pos(long p) {
        return (int) (p % windowPages) * PAGE;
    }

    @Override
    boolean present(long p) {
        long[] leaf = bits[(int) (p >>> LEAF_BITS)];
        int i = (int) (p & LEAF_MASK);
        return leaf != null && (leaf[i >>> 6] & (1L << i)) != 0;
    }

    private void mark(long p) {
        int d = (int) (p >>> LEAF_BITS);
        long[] leaf = bits[d];
        if (leaf == null) {
            leaf = bits[d] = new long[LEAF / 64];
        }
        int i = (int) (p & LEAF_MASK);
        if ((leaf[i >>> 6] & (1L << i)) == 0) {
            leaf[i >>> 6] |= 1L << i;
            present++;
        }
    }

    @Override
    void read(long p, int inPage, byte[] dst, int off, int len) {
        if (!present(p)) {
            System.arraycopy(ZERO, 0, dst, off, len);
        } else {
            window(p).get(pos(p) + inPage, dst, off, len);
        }
    }

    @Override
    void writePage(long p, byte[] src, int off) {
        window(p).put(pos(p), src, off, PAGE);
        mark(p);
    }

    @Override
    void write(long p, int inPage, byte[] src, int off, int len) {
        // an absent page is a hole or was zeroed by free(): it reads as zeros already
        window(p).put(pos(p) + inPage, src, off, len);
        mark(p);
    }

    @Override
    void free(long p) {
        if (!present(p)) {
            return;
        }
        window(p).put(pos(p), ZERO, 0, PAGE);
        int i = (int) (p & LEAF_MASK);
        bits[(int) (p >>> LEAF_BITS)][i >>> 6] &= ~(1L << i);
        present--;
    }

    @Override
    long readLongLE(long p, int inPage) {
        return present(p) ? window(p).getLong(pos(p) + inPage) : 0;
    }

    @Override
    void flush() {
        for (MappedByteBuffer m : windows) {
            if (m != null) {
                m.force();
            }
        }
    }

    @Override
    public void close() throws IOException {
        flush();
        java.util.Arrays.fill(windows, null); // unmapped when collected (no public unmap in Java 17)
        ch.close();
    }
}
