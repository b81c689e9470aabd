package qmig.stream.saved;

/**
 * The layers a saved stream can be wrapped in ({@code spec/saved-streams.md} §1–§5), each
 * recognised by its first bytes ({@link #detect}).
 */
public enum SavedForm {
    /** {@code 51 45 56 4D 00 00 00 03}: the migration stream itself. */
    RAW("raw migration stream"),
    /** {@code 1F 8B 08}; members may be concatenated. */
    GZIP("gzip"),
    /** {@code BZh1}..{@code BZh9}. */
    BZIP2("bzip2"),
    /** {@code FD 37 7A 58 5A 00}. */
    XZ("xz"),
    /** {@code 89 4C 5A 4F 00 0D 0A 1A 0A}. */
    LZOP("lzop"),
    /** {@code 28 B5 2F FD}, possibly after skippable frames {@code 5x 2A 4D 18}. */
    ZSTD("zstd"),
    /** {@code 04 22 4D 18}. */
    LZ4("lz4 frame"),
    /** {@code LibvirtQemudSave} or (incomplete) {@code LibvirtQemudPart}. */
    LIBVIRT("libvirt save image"),
    /** {@code QFI FB}: a qcow2 image whose internal snapshot holds the VM state. */
    QCOW2("qcow2 internal snapshot"),
    /** A stream found by searching for its header at an offset inside another file. */
    EMBEDDED("stream embedded in another file");

    private final String label;

    SavedForm(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Whether this layer is a compressor's container around the next one. */
    public boolean isCompression() {
        return this == GZIP || this == BZIP2 || this == XZ || this == LZOP || this == ZSTD || this == LZ4;
    }

    /** Bytes {@link #detect} wants to see (fewer at the end of a short file). */
    public static final int PEEK = 16;

    /**
     * The form whose magic starts {@code h[0, n)}, or null when none does. A zstd skippable
     * frame answers {@link #ZSTD} (what follows it is checked once it is skipped).
     */
    public static SavedForm detect(byte[] h, int n) {
        if (starts(h, n, 0x51, 0x45, 0x56, 0x4d)) {
            return RAW;
        }
        if (starts(h, n, 0x1f, 0x8b, 0x08)) {
            return GZIP;
        }
        if (starts(h, n, 0x42, 0x5a, 0x68) && n >= 4 && h[3] >= '1' && h[3] <= '9') {
            return BZIP2;
        }
        if (starts(h, n, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) {
            return XZ;
        }
        if (starts(h, n, 0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a)) {
            return LZOP;
        }
        if (starts(h, n, 0x28, 0xb5, 0x2f, 0xfd) || isSkippableFrame(h, n)) {
            return ZSTD;
        }
        if (starts(h, n, 0x04, 0x22, 0x4d, 0x18)) {
            return LZ4;
        }
        if (starts(h, n, 'L', 'i', 'b', 'v', 'i', 'r', 't', 'Q', 'e', 'm', 'u', 'd')
                && (starts(h, n, 'L', 'i', 'b', 'v', 'i', 'r', 't', 'Q', 'e', 'm', 'u', 'd', 'S', 'a', 'v', 'e')
                    || starts(h, n, 'L', 'i', 'b', 'v', 'i', 'r', 't', 'Q', 'e', 'm', 'u', 'd', 'P', 'a', 'r', 't'))) {
            return LIBVIRT;
        }
        if (starts(h, n, 'Q', 'F', 'I', 0xfb)) {
            return QCOW2;
        }
        return null;
    }

    /** A zstd (and lz4) skippable frame: little-endian magic 0x184D2A50..0x184D2A5F. */
    static boolean isSkippableFrame(byte[] h, int n) {
        return n >= 4 && (h[0] & 0xf0) == 0x50 && (h[1] & 0xff) == 0x2a && (h[2] & 0xff) == 0x4d && (h[3] & 0xff) == 0x18;
    }

    private static boolean starts(byte[] h, int n, int... magic) {
        if (n < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((h[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
