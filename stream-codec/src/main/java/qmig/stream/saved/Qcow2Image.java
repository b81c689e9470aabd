package qmig.stream.saved;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;

/**
 * A qcow2 image (versions 2 and 3) read for its internal snapshots' VM state
 * ({@code docs/interop/qcow2.txt}; QEMU 7.2 {@code block/qcow2.h}, {@code qcow2-snapshot.c}).
 *
 * <pre>
 *   0 "QFI" FB   4 be32 version   8 be64 backing_file_offset  16 be32 backing_file_size
 *  20 be32 cluster_bits  24 be64 size  32 be32 crypt_method  36 be32 l1_size  40 be64 l1_table_offset
 *  48 be64 refcount_table_offset  56 be32 refcount_table_clusters  60 be32 nb_snapshots
 *  64 be64 snapshots_offset       version 3: 72 be64 incompatible_features ... 100 be32 header_length
 *  104 u8 compression_type (when header_length &gt; 104)
 * </pre>
 * The VM state of a snapshot lives at virtual offset {@code l1_vm_state_index << (cluster_bits +
 * l2_bits)} past the disk, mapped by the snapshot's own L1 table; see {@link Qcow2VmState}.
 */
public final class Qcow2Image {

    static final int INCOMPAT_DIRTY = 1;
    static final int INCOMPAT_CORRUPT = 2;
    static final int INCOMPAT_DATA_FILE = 4;
    static final int INCOMPAT_COMPRESSION = 8;
    static final int INCOMPAT_EXTL2 = 16;
    /** QEMU's QCOW_MAX_SNAPSHOTS. */
    static final int MAX_SNAPSHOTS = 65536;

    final FileChannel ch;
    final long fileSize;
    final int version;
    final int clusterBits;
    final long size;
    final long incompatible;
    final boolean extendedL2;
    final int compressionType;
    final List<Qcow2Snapshot> snapshots;

    /** The snapshot table and the snapshot whose VM state was chosen. */
    public record Choice(int version, int clusterBits, boolean extendedL2, List<Qcow2Snapshot> snapshots,
                         Qcow2Snapshot chosen, String why) {
    }

    private Qcow2Image(FileChannel ch, Limits limits) throws IOException {
        this.ch = ch;
        this.fileSize = ch.size();
        ByteBuffer h = read(0, 104, "qcow2 header", 0);
        version = h.getInt(4);
        if (version != 2 && version != 3) {
            throw StreamFormatException.unsupportedVersion(Where.inFile(0, 4), "qcow2 version " + version
                    + " (expected 2 or 3)");
        }
        clusterBits = h.getInt(20);
        if (clusterBits < 9 || clusterBits > 21) {
            throw StreamFormatException.corrupt(Where.inFile(0, 20), "qcow2 cluster_bits " + clusterBits
                    + " (expected 9..21)");
        }
        size = h.getLong(24);
        if (h.getInt(32) != 0) {
            throw StreamFormatException.unsupportedVersion(Where.inFile(0, 32), "qcow2 image is encrypted (crypt_method "
                    + h.getInt(32) + ")");
        }
        if (version >= 3) {
            incompatible = h.getLong(72);
            long headerLength = h.getInt(100) & 0xffffffffL;
            if (headerLength < 104) {
                throw StreamFormatException.corrupt(Where.inFile(0, 100), "qcow2 header too short: header_length "
                        + headerLength + " (version 3 needs at least 104)");
            }
            if (headerLength > 1L << clusterBits) {
                throw StreamFormatException.corrupt(Where.inFile(0, 100), "qcow2 header exceeds cluster size: header_length "
                        + headerLength + " > " + (1L << clusterBits));
            }
            // compression_type is the byte after the 104 read above
            compressionType = (incompatible & INCOMPAT_COMPRESSION) != 0 && headerLength > 104
                    ? read(104, 1, "qcow2 header compression_type", 100).get(0) & 0xff : 0;
        } else {
            incompatible = 0;
            compressionType = 0;
        }
        long unknown = incompatible & ~(long) (INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2);
        if ((incompatible & INCOMPAT_DATA_FILE) != 0) {
            throw StreamFormatException.unsupportedVersion(Where.inFile(0, 72),
                    "qcow2 image keeps its data in an external data file (incompatible feature bit 2)");
        }
        if (unknown != 0) {
            throw StreamFormatException.unsupportedVersion(Where.inFile(0, 72), "qcow2 incompatible features 0x"
                    + Long.toHexString(unknown) + " are unknown");
        }
        extendedL2 = (incompatible & INCOMPAT_EXTL2) != 0;
        long nb = h.getInt(60) & 0xffffffffL;
        long tableOffset = h.getLong(64);
        if (nb > MAX_SNAPSHOTS) {
            throw StreamFormatException.limitExceeded(Where.inFile(0, 60), "qcow2 nb_snapshots", nb, MAX_SNAPSHOTS,
                    "QEMU's QCOW_MAX_SNAPSHOTS");
        }
        snapshots = nb == 0 ? List.of() : readSnapshots(tableOffset, (int) nb, limits);
    }

    /** Opens the image on {@code ch} (which stays owned by the caller). */
    public static Qcow2Image open(FileChannel ch, Limits limits) throws IOException {
        return new Qcow2Image(ch, limits);
    }

    public List<Qcow2Snapshot> snapshots() {
        return snapshots;
    }

    public int clusterBits() {
        return clusterBits;
    }

    public int version() {
        return version;
    }

    public boolean extendedL2() {
        return extendedL2;
    }

    private List<Qcow2Snapshot> readSnapshots(long tableOffset, int nb, Limits limits) throws IOException {
        checkTable(tableOffset, 64, "qcow2 snapshots_offset", 64);
        List<Qcow2Snapshot> out = new ArrayList<>();
        long p = tableOffset;
        for (int i = 0; i < nb; i++) {
            if (p - tableOffset > limits.maxWrapperTableBytes()) {
                throw StreamFormatException.limitExceeded(Where.inFile(0, p), "qcow2 snapshot table bytes",
                        p - tableOffset, limits.maxWrapperTableBytes(), "Limits.maxWrapperTableBytes");
            }
            ByteBuffer e = read(p, 40, "qcow2 snapshot table entry " + i, p);
            long l1Offset = e.getLong(0);
            long l1Size = e.getInt(8) & 0xffffffffL;
            int idLen = e.getShort(12) & 0xffff;
            int nameLen = e.getShort(14) & 0xffff;
            long dateSec = e.getInt(16) & 0xffffffffL;
            long dateNsec = e.getInt(20) & 0xffffffffL;
            long vmClock = e.getLong(24);
            long vmState = e.getInt(32) & 0xffffffffL;
            long extra = e.getInt(36) & 0xffffffffL;
            if (extra > 1024) {
                throw StreamFormatException.corrupt(Where.inFile(0, p + 36), "qcow2 snapshot " + i + " extra_data_size "
                        + extra + " (QEMU allows at most 1024)");
            }
            long diskSize = size;
            if (extra >= 8) {
                ByteBuffer x = read(p + 40, (int) Math.min(extra, 16), "qcow2 snapshot extra data", p + 40);
                vmState = x.getLong(0);
                if (extra >= 16) {
                    diskSize = x.getLong(8);
                }
            }
            ByteBuffer names = read(p + 40 + extra, idLen + nameLen, "qcow2 snapshot id and name", p + 40 + extra);
            String id = new String(names.array(), 0, idLen, StandardCharsets.UTF_8);
            String name = new String(names.array(), idLen, nameLen, StandardCharsets.UTF_8);
            out.add(new Qcow2Snapshot(p, id, name, vmState, dateSec, dateNsec, vmClock, diskSize, l1Offset, l1Size));
            long len = 40 + extra + idLen + nameLen;
            p += (len + 7) & ~7L;
        }
        return List.copyOf(out);
    }

    /**
     * The snapshot to read: {@code select} matched against ids first, then names; with no
     * selection the only snapshot with VM state, else the newest one with VM state.
     */
    public Choice choose(String select) throws StreamFormatException {
        List<Qcow2Snapshot> withState = snapshots.stream().filter(Qcow2Snapshot::hasVmState).toList();
        Qcow2Snapshot chosen = null;
        String why;
        if (select != null) {
            for (Qcow2Snapshot s : snapshots) {
                if (s.id().equals(select)) {
                    chosen = s;
                }
            }
            for (Qcow2Snapshot s : snapshots) {
                if (chosen == null && s.name().equals(select)) {
                    chosen = s;
                }
            }
            if (chosen == null) {
                throw StreamFormatException.corrupt(Where.inFile(0, 60), "qcow2 image has no snapshot with id or name '"
                        + select + "' (snapshots: " + names(snapshots) + ")");
            }
            if (!chosen.hasVmState()) {
                throw StreamFormatException.corrupt(Where.inFile(0, chosen.entryOffset() + 32), "qcow2 snapshot "
                        + chosen.id() + " '" + chosen.name() + "' is disk-only (vm_state_size 0)");
            }
            why = "selected";
        } else if (withState.isEmpty()) {
            throw StreamFormatException.corrupt(Where.inFile(0, 60), "qcow2 image has no snapshot with VM state"
                    + (snapshots.isEmpty() ? " (no snapshots at all)" : " (disk-only snapshots: " + names(snapshots) + ")"));
        } else if (withState.size() == 1) {
            chosen = withState.get(0);
            why = "the only one with VM state";
        } else {
            chosen = withState.get(0);
            for (Qcow2Snapshot s : withState) {
                if (s.dateSec() > chosen.dateSec() || s.dateSec() == chosen.dateSec() && s.dateNsec() >= chosen.dateNsec()) {
                    chosen = s;
                }
            }
            why = "the newest of " + withState.size() + " with VM state; choose with --snapshot ID|NAME";
        }
        return new Choice(version, clusterBits, extendedL2, snapshots, chosen, why);
    }

    private static String names(List<Qcow2Snapshot> l) {
        StringBuilder sb = new StringBuilder();
        for (Qcow2Snapshot s : l) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s.id()).append(" '").append(s.name()).append('\'');
        }
        return sb.toString();
    }

    /** The snapshot table as {@code inspect} prints it. */
    public static String table(Choice c) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("  %-4s %-24s %14s %14s  %-20s%n", "ID", "TAG", "VM STATE", "DISK SIZE", "DATE (UTC)"));
        for (Qcow2Snapshot s : c.snapshots()) {
            sb.append(String.format("  %-4s %-24s %14s %14d  %-20s%s%n", s.id(), s.name(),
                    s.hasVmState() ? Long.toString(s.vmStateSize()) : "(disk only)", s.diskSize(),
                    Instant.ofEpochSecond(s.dateSec()).toString(), s == c.chosen() ? "  <- read (" + c.why() + ")" : ""));
        }
        return sb.toString();
    }

    /** Checks a table offset read from the image: inside the file and cluster-aligned (as QEMU's qcow2_validate_table). */
    void checkTable(long offset, long bytes, String what, long fieldAt) throws StreamFormatException {
        long align = 1L << clusterBits;
        if (offset <= 0 || (offset & (align - 1)) != 0) {
            throw StreamFormatException.corrupt(Where.inFile(0, fieldAt), what + " 0x" + Long.toHexString(offset)
                    + " is not " + (offset <= 0 ? "a valid offset" : "aligned to " + align + " bytes"));
        }
        if (offset > fileSize || bytes > fileSize - offset) {
            throw StreamFormatException.corrupt(Where.inFile(0, fieldAt), what + " 0x" + Long.toHexString(offset)
                    + " (+" + bytes + " bytes) is outside the file of " + fileSize + " bytes");
        }
    }

    /** {@code n} bytes at {@code pos}; {@code Truncated} (at {@code fieldAt}) when the file ends first. */
    ByteBuffer read(long pos, int n, String what, long fieldAt) throws IOException {
        return read(pos, n, what, Where.inFile(0, fieldAt));
    }

    ByteBuffer read(long pos, int n, String what, Where where) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                // a field past the end (a table entry that starts there) is placed at the end of the file
                Where at = where.fileOffset() > fileSize ? where.withFileOffset(fileSize) : where;
                throw StreamFormatException.truncated(at, "truncated " + what + " at file offset 0x"
                        + Long.toHexString(pos) + " (expected " + n + " bytes, got " + b.position() + ")");
            }
        }
        return b.flip();
    }

    /** Opens the chosen snapshot's VM state. */
    public Qcow2VmState vmState(Qcow2Snapshot s, Limits limits) throws IOException {
        return new Qcow2VmState(this, s, limits);
    }
}
