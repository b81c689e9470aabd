package qmig.stream.saved;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * The VM state of one qcow2 snapshot as a stream, read through the snapshot's own L1 and L2
 * tables (QEMU 7.2 {@code qcow2_vm_state_offset}, {@code qcow2_load_vmstate}). Random access:
 * {@link #skip} moves without reading, and every cluster is translated on its own.
 *
 * <pre>
 *   l2_bits  = cluster_bits - 3          (- 4 with extended L2 entries)
 *   vm_state_offset = ceil(disk_size / 2^(cluster_bits + l2_bits)) &lt;&lt; (cluster_bits + l2_bits)
 *   L1 entry: bits 9-55 L2 table offset (0 = unallocated)
 *   L2 entry: bit 62 compressed; standard: bits 9-55 cluster offset, bit 0 reads as zeros (v3)
 *             compressed: bits 0..x-1 offset, x..61 extra 512-byte sectors, x = 62 - (cluster_bits - 8)
 *   extended L2: 64-bit entry + 64-bit bitmap (bits 0-31 allocated, 32-63 zero, per subcluster)
 * </pre>
 * Unallocated clusters read as zeros. Offsets in errors: the stream offset, and the file offset
 * of the table entry or cluster that is wrong.
 */
public final class Qcow2VmState extends InputStream {

    private static final long OFFSET_MASK = 0x00fffffffffffe00L;

    private final Qcow2Image img;
    private final Qcow2Snapshot snap;
    private final long clusterSize;
    private final int l2Bits;
    private final int entryBytes;
    private final long start;
    private final long length;
    private final long[] l1;
    private long pos;                 // offset in the VM state
    private long cachedL2 = -1;       // file offset of the cached L2 table
    private ByteBuffer l2;
    private long clusterIndex = -1;   // virtual cluster held in cluster[]
    private final byte[] cluster;

    Qcow2VmState(Qcow2Image img, Qcow2Snapshot s, Limits limits) throws IOException {
        this.img = img;
        this.snap = s;
        this.clusterSize = 1L << img.clusterBits;
        this.l2Bits = img.clusterBits - (img.extendedL2 ? 4 : 3);
        this.entryBytes = img.extendedL2 ? 16 : 8;
        long span = 1L << (img.clusterBits + l2Bits);
        long l1Index = (s.diskSize() + span - 1) / span;
        this.start = l1Index * span;
        this.length = s.vmStateSize();
        long l1Bytes = s.l1Size() * 8;
        if (l1Bytes > limits.maxWrapperTableBytes()) {
            throw StreamFormatException.limitExceeded(Where.inFile(0, s.entryOffset() + 8), "qcow2 snapshot " + s.id()
                    + " L1 table bytes", l1Bytes, limits.maxWrapperTableBytes(), "Limits.maxWrapperTableBytes");
        }
        img.checkTable(s.l1Offset(), l1Bytes, "qcow2 snapshot " + s.id() + " l1_table_offset", s.entryOffset());
        ByteBuffer t = img.read(s.l1Offset(), (int) l1Bytes, "qcow2 L1 table", s.entryOffset());
        l1 = new long[(int) s.l1Size()];
        for (int i = 0; i < l1.length; i++) {
            l1[i] = t.getLong(i * 8);
        }
        cluster = new byte[(int) clusterSize];
    }

    /** Virtual disk offset where the VM state starts. */
    public long vmStateOffset() {
        return start;
    }

    public long length() {
        return length;
    }

    public long position() {
        return pos;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos >= length) {
            return -1;
        }
        long virt = start + pos;
        long ci = virt >>> img.clusterBits;
        if (ci != clusterIndex) {
            load(ci);
        }
        int in = (int) (virt & (clusterSize - 1));
        int n = (int) Math.min(Math.min(len, clusterSize - in), length - pos);
        System.arraycopy(cluster, in, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, length - pos));
        pos += k;
        return k;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - pos);
    }

    /** Fills {@code cluster} with virtual cluster {@code ci}. */
    private void load(long ci) throws IOException {
        long clusterStart = ci << img.clusterBits;
        long streamAt = Math.max(0, clusterStart - start);
        long l1i = ci >>> l2Bits;
        clusterIndex = -1;
        if (l1i >= l1.length || (l1[(int) l1i] & OFFSET_MASK) == 0) {
            java.util.Arrays.fill(cluster, (byte) 0);
            clusterIndex = ci;
            return;
        }
        long l1EntryAt = snap.l1Offset() + l1i * 8;
        long l2Offset = l1[(int) l1i] & OFFSET_MASK;
        if (l2Offset != cachedL2) {
            checkCluster(l2Offset, "L2 table", streamAt, l1EntryAt);
            l2 = img.read(l2Offset, (int) clusterSize, "qcow2 L2 table", Where.inFile(streamAt, l1EntryAt));
            cachedL2 = l2Offset;
        }
        int l2i = (int) (ci & ((1L << l2Bits) - 1));
        long entryAt = l2Offset + (long) l2i * entryBytes;
        long e = l2.getLong(l2i * entryBytes);
        if ((e & (1L << 62)) != 0) {
            compressed(e, streamAt, entryAt);
        } else {
            long host = e & OFFSET_MASK;
            if (img.extendedL2) {
                long bitmap = l2.getLong(l2i * entryBytes + 8);
                int subBytes = (int) (clusterSize / 32);
                if (host != 0) {
                    checkCluster(host, "data cluster", streamAt, entryAt);
                }
                for (int sc = 0; sc < 32; sc++) {
                    boolean zero = (bitmap & (1L << (32 + sc))) != 0;
                    boolean alloc = (bitmap & (1L << sc)) != 0;
                    if (alloc && !zero && host != 0) {
                        fill(host + (long) sc * subBytes, sc * subBytes, subBytes, streamAt, entryAt);
                    } else {
                        java.util.Arrays.fill(cluster, sc * subBytes, (sc + 1) * subBytes, (byte) 0);
                    }
                }
            } else if (host == 0 || (img.version >= 3 && (e & 1) != 0)) {
                java.util.Arrays.fill(cluster, (byte) 0);
            } else {
                checkCluster(host, "data cluster", streamAt, entryAt);
                fill(host, 0, (int) clusterSize, streamAt, entryAt);
            }
        }
        clusterIndex = ci;
    }

    private void fill(long host, int at, int n, long streamAt, long entryAt) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(cluster, at, n);
        while (b.hasRemaining()) {
            if (img.ch.read(b, host + (b.position() - at)) < 0) {
                // a subcluster may start past the end of the file: placed at the file's end
                throw StreamFormatException.truncated(Where.inFile(streamAt, Math.min(host + (b.position() - at),
                        img.fileSize)),
                        "truncated qcow2 data cluster (L2 entry at file offset 0x" + Long.toHexString(entryAt)
                                + "; expected " + n + " bytes, got " + (b.position() - at) + ")");
            }
        }
    }

    private void compressed(long e, long streamAt, long entryAt) throws IOException {
        int x = 62 - (img.clusterBits - 8);
        long host = e & ((1L << x) - 1);
        long sectors = ((e >>> x) & ((1L << (img.clusterBits - 8)) - 1)) + 1;
        long bytes = sectors * 512 - (host & 511);
        if (host <= 0 || host >= img.fileSize) {
            throw StreamFormatException.corrupt(Where.inFile(streamAt, entryAt), "qcow2 compressed cluster offset 0x"
                    + Long.toHexString(host) + " is outside the file of " + img.fileSize + " bytes");
        }
        int avail = (int) Math.min(bytes, img.fileSize - host);
        ByteBuffer c = img.read(host, avail, "qcow2 compressed cluster", Where.inFile(streamAt, entryAt));
        if (img.compressionType == 0) {
            Inflater inf = new Inflater(true);
            try {
                inf.setInput(c.array(), 0, avail);
                int done = 0;
                while (done < cluster.length) {
                    int k = inf.inflate(cluster, done, cluster.length - done);
                    if (k == 0 && (inf.needsInput() || inf.finished())) {
                        throw StreamFormatException.truncated(Where.inFile(streamAt + done, host + avail),
                                "truncated qcow2 compressed cluster: " + done + " of " + cluster.length + " bytes");
                    }
                    done += k;
                }
            } catch (DataFormatException d) {
                throw StreamFormatException.corrupt(Where.inFile(streamAt, host), "qcow2 compressed cluster: "
                        + d.getMessage(), d);
            } finally {
                inf.end();
            }
        } else if (img.compressionType == 1) {
            // as QEMU: one or more frames, decoded until the cluster is full; what follows (the rest
            // of the last 512-byte sector) is ignored
            int done = 0;
            try (com.github.luben.zstd.ZstdInputStreamNoFinalizer z = new com.github.luben.zstd.ZstdInputStreamNoFinalizer(
                    new java.io.ByteArrayInputStream(c.array(), 0, avail))) {
                while (done < cluster.length) {
                    int k = z.read(cluster, done, cluster.length - done);
                    if (k < 0) {
                        break;
                    }
                    done += k;
                }
            } catch (IOException | RuntimeException r) {
                throw StreamFormatException.corrupt(Where.inFile(streamAt + done, host), "qcow2 zstd cluster: "
                        + r.getMessage(), r);
            }
            if (done != cluster.length) {
                throw StreamFormatException.truncated(Where.inFile(streamAt + done, host + avail),
                        "truncated qcow2 zstd cluster: " + done + " of " + cluster.length + " bytes");
            }
        } else {
            throw StreamFormatException.unsupportedVersion(Where.inFile(streamAt, 104), "qcow2 compression type "
                    + img.compressionType + " (expected 0 zlib or 1 zstd)");
        }
    }

    private void checkCluster(long offset, String what, long streamAt, long entryAt) throws StreamFormatException {
        if ((offset & ((1L << img.clusterBits) - 1)) != 0) {
            throw StreamFormatException.corrupt(Where.inFile(streamAt, entryAt), "qcow2 " + what + " offset 0x"
                    + Long.toHexString(offset) + " is not aligned to the cluster size " + clusterSize);
        }
        if (offset >= img.fileSize) {
            throw StreamFormatException.corrupt(Where.inFile(streamAt, entryAt), "qcow2 " + what + " offset 0x"
                    + Long.toHexString(offset) + " is outside the file of " + img.fileSize + " bytes");
        }
    }
}
