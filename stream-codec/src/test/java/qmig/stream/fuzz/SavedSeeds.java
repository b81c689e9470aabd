package qmig.stream.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import qmig.stream.saved.LibvirtHeader;
import qmig.testdata.Captures;

/**
 * Writes the committed seeds of {@link SavedFormFuzzTest}: the first bytes of a real capture
 * ({@code pc-plain}) wrapped the way libvirt, QEMU's {@code savevm} and the compressors do.
 * libvirt headers come from {@link LibvirtHeader#header}; lzop, gzip, bzip2, xz, zstd and lz4
 * files are made by Debian's command-line tools; the qcow2 images are built here by
 * {@link #qcow2}, since a real image from {@code make-qcow2-snapshots.sh} is megabytes long.
 * Run it as {@code FUZZING.md} says; it only rewrites files it made ({@code seed-*}).
 */
public final class SavedSeeds {

    /** Stream bytes inside each seed: the header, the configuration and the first RAM records. */
    static final int CUT = 4096;

    static final String XML = "<domain type='kvm'>\n  <name>fuzz</name>\n  <memory unit='KiB'>131072</memory>\n</domain>\n";
    static final String COOKIE = "<qemuCookie>\n  <allowReboot value='yes'/>\n</qemuCookie>\n";

    private SavedSeeds() {
    }

    /** The stream cut the seeds wrap. */
    static byte[] stream() {
        return Arrays.copyOf(Captures.PC_PLAIN.bytes(), CUT);
    }

    public static void main(String[] args) throws Exception {
        Path res = Path.of(args.length > 0 ? args[0] : "src/test/resources").resolve("qmig/stream/fuzz/SavedFormFuzzTestInputs");
        byte[] s = stream();
        byte[] lzop = tool(s, "lzop", "-c");

        Path lv = res.resolve("libvirt");
        write(lv, "v2-le-raw-cookie", libvirt(true, false, 2, 0, true, s));
        write(lv, "v2-be-raw", libvirt(true, true, 2, 0, false, s));
        write(lv, "v1-le-raw", libvirt(true, false, 1, 0, false, s));
        write(lv, "part-v2-le-lzop", libvirt(false, false, 2, 4, true, lzop));
        write(lv, "v2-be-gzip", libvirt(true, true, 2, 1, false, tool(s, "gzip", "-c")));
        write(lv, "v2-le-zstd", libvirt(true, false, 2, 5, false, tool(s, "zstd", "-c", "-q")));

        Path q = res.resolve("qcow2");
        write(q, "v3-zlib", qcow2(3, false, 0, s));
        write(q, "v2", qcow2(2, false, 0, s));
        write(q, "v3-zstd", qcow2(3, false, 1, s));
        write(q, "v3-extended-l2", qcow2(3, true, 0, s));

        Path lz = res.resolve("lzop");
        write(lz, "default", lzop);
        write(lz, "crc32-level9", tool(s, "lzop", "-c", "-9", "--crc32"));
        write(lz, "level1", tool(s, "lzop", "-c", "-1"));
        // two blocks (lzop's block is 256 KiB): the cut repeated 72 times compresses well
        byte[] big = new byte[72 * CUT];
        for (int i = 0; i < 72; i++) {
            System.arraycopy(s, 0, big, i * CUT, CUT);
        }
        write(lz, "two-blocks", tool(big, "lzop", "-c"));

        Path d = res.resolve("detect");
        write(d, "raw", s);
        byte[] junk = "not a wrapper qmig knows: ".getBytes(StandardCharsets.US_ASCII);
        write(d, "embedded", concat(junk, s));
        write(d, "bzip2", tool(s, "bzip2", "-c"));
        write(d, "xz", tool(s, "xz", "-c"));
        write(d, "lz4", tool(s, "lz4", "-c", "-q"));
        byte[] skippable = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4};
        write(d, "zstd-skippable", concat(skippable, tool(s, "zstd", "-c", "-q")));
        write(d, "gzip-two-members", concat(tool(Arrays.copyOf(s, 1000), "gzip", "-c"),
                tool(Arrays.copyOfRange(s, 1000, CUT), "gzip", "-c")));
        write(d, "xz-of-libvirt", tool(libvirt(true, false, 2, 0, false, s), "xz", "-c"));
    }

    /** A libvirt save image: header, domain XML NUL, [cookie NUL], padding to 8 bytes, then {@code payload}. */
    static byte[] libvirt(boolean complete, boolean bigEndian, int version, int format, boolean cookie, byte[] payload) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(XML.getBytes(StandardCharsets.UTF_8));
        data.write(0);
        int cookieOffset = 0;
        if (cookie) {
            cookieOffset = data.size();
            data.writeBytes(COOKIE.getBytes(StandardCharsets.UTF_8));
            data.write(0);
        }
        while (data.size() % 8 != 0) {
            data.write(0);
        }
        byte[] h = LibvirtHeader.header(complete, bigEndian, version, data.size(), false, format, cookieOffset);
        return concat(h, data.toByteArray(), payload);
    }

    /**
     * A qcow2 image of 512-byte clusters (QEMU's smallest) with one internal snapshot holding
     * {@code vmState} and one disk-only snapshot before it. The snapshot's virtual disk is one
     * L2 span (32 KiB; 16 KiB with extended L2), so the VM state starts at L1 index 1, as QEMU
     * puts it. Its clusters are stored plainly, compressed ({@code compression} 0 deflate, 1
     * zstd; every third cluster) or as a zero cluster (all-zero clusters; version 3 only).
     *
     * <pre>
     *   cluster 0 header   1 active L1 (empty)   2 refcount table (empty)   3 snapshot table
     *   4 snapshot L1      5 L2                  6.. data clusters, each compressed one padded to a cluster
     * </pre>
     */
    static byte[] qcow2(int version, boolean extendedL2, int compression, byte[] vmState) throws IOException {
        int cb = 9;
        int cs = 1 << cb;
        int l2Bits = cb - (extendedL2 ? 4 : 3);
        long span = 1L << (cb + l2Bits);
        int clusters = (vmState.length + cs - 1) / cs;
        if (clusters > 1 << l2Bits) {
            throw new IllegalArgumentException("VM state needs more than one L2 table");
        }
        ByteBuffer f = ByteBuffer.allocate((6 + clusters) * cs);
        // header
        f.put("QFI".getBytes(StandardCharsets.US_ASCII)).put((byte) 0xfb).putInt(version);
        f.putLong(8, 0).putInt(16, 0).putInt(20, cb).putLong(24, span).putInt(32, 0);
        f.putInt(36, 1).putLong(40, cs).putLong(48, 2L * cs).putInt(56, 1).putInt(60, 2).putLong(64, 3L * cs);
        if (version >= 3) {
            long incompat = (compression != 0 ? 8 : 0) | (extendedL2 ? 16 : 0);
            f.putLong(72, incompat).putLong(80, 0).putLong(88, 0).putInt(96, 4);
            f.putInt(100, compression != 0 ? 112 : 104);
            if (compression != 0) {
                f.put(104, (byte) compression);
            }
        }
        // snapshot table: a disk-only snapshot, then the one with VM state
        int p = 3 * cs;
        p = snapshot(f, p, 0, 0, "1", "disk-only", 1_700_000_000L, 0, span);
        snapshot(f, p, 4L * cs, 2, "2", "fuzz", 1_700_000_100L, vmState.length, span);
        // snapshot L1: entry 0 (the disk) unallocated, entry 1 the L2 table; bit 63 = copied
        f.putLong(4 * cs + 8, (1L << 63) | 5L * cs);
        int entry = extendedL2 ? 16 : 8;
        int x = 62 - (cb - 8);
        for (int i = 0; i < clusters; i++) {
            byte[] c = Arrays.copyOfRange(vmState, i * cs, (i + 1) * cs);
            int host = (6 + i) * cs;
            int at = 5 * cs + i * entry;
            boolean zero = Arrays.equals(c, new byte[cs]);
            byte[] packed = i % 3 == 1 ? compress(c, compression) : null;
            if (zero && version >= 3) {
                if (extendedL2) {
                    f.putLong(at + 8, 0xffffffffL << 32); // every subcluster reads as zeros
                } else {
                    f.putLong(at, 1); // QCOW_OFLAG_ZERO
                }
            } else if (packed != null && packed.length <= cs) {
                long sectors = (packed.length + 511) / 512; // stored as sectors - 1
                f.putLong(at, (1L << 62) | ((sectors - 1) << x) | host);
                f.put(host, packed);
            } else {
                f.putLong(at, (1L << 63) | host);
                if (extendedL2) {
                    f.putLong(at + 8, 0xffffffffL); // every subcluster allocated
                }
                f.put(host, c);
            }
        }
        return f.array();
    }

    private static int snapshot(ByteBuffer f, int p, long l1Offset, int l1Size, String id, String name, long sec,
                                long vmState, long diskSize) {
        byte[] idb = id.getBytes(StandardCharsets.UTF_8);
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        f.putLong(p, l1Offset).putInt(p + 8, l1Size).putShort(p + 12, (short) idb.length).putShort(p + 14, (short) nb.length);
        f.putInt(p + 16, (int) sec).putInt(p + 20, 0).putLong(p + 24, 1_000_000_000L).putInt(p + 32, (int) vmState);
        f.putInt(p + 36, 16).putLong(p + 40, vmState).putLong(p + 48, diskSize);
        f.put(p + 56, idb).put(p + 56 + idb.length, nb);
        int len = 56 + idb.length + nb.length;
        return p + ((len + 7) & ~7);
    }

    private static byte[] compress(byte[] c, int type) {
        if (type == 1) {
            return com.github.luben.zstd.Zstd.compress(c);
        }
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(c);
        d.finish();
        byte[] out = new byte[2 * c.length + 64];
        int n = d.deflate(out);
        d.end();
        return Arrays.copyOf(out, n);
    }

    /** {@code cmd} run with {@code in} on stdin; its stdout. */
    static byte[] tool(byte[] in, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread feed = new Thread(() -> {
            try (OutputStream o = p.getOutputStream()) {
                o.write(in);
            } catch (IOException ignored) {
                // the tool exited early; its exit code says so
            }
        });
        feed.start();
        byte[] out = p.getInputStream().readAllBytes();
        feed.join();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] b : parts) {
            o.writeBytes(b);
        }
        return o.toByteArray();
    }

    private static void write(Path dir, String name, byte[] b) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name), b);
    }
}
