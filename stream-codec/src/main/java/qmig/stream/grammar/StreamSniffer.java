package qmig.stream.grammar;

/**
 * Tells from the first bytes of a connection or file what it carries: a migration main
 * stream ({@code QEVM}), a multifd channel (its init packet starts with magic 0x11223344),
 * or neither. A pure function of the bytes seen so far.
 */
public final class StreamSniffer {

    public static final int MULTIFD_MAGIC = 0x11223344;

    public enum Kind { NEEDS_MORE, MIGRATION, MULTIFD, INVALID }

    private StreamSniffer() {
    }

    public static Kind detect(byte[] bytes, int off, int len) {
        if (len < 4) {
            int[] m = {0x51, 0x45, 0x56, 0x4d};
            int[] f = {0x11, 0x22, 0x33, 0x44};
            boolean maybeMig = true;
            boolean maybeMfd = true;
            for (int i = 0; i < len; i++) {
                int b = bytes[off + i] & 0xff;
                maybeMig &= b == m[i];
                maybeMfd &= b == f[i];
            }
            return maybeMig || maybeMfd ? Kind.NEEDS_MORE : Kind.INVALID;
        }
        int magic = ((bytes[off] & 0xff) << 24) | ((bytes[off + 1] & 0xff) << 16)
                | ((bytes[off + 2] & 0xff) << 8) | (bytes[off + 3] & 0xff);
        if (magic == StreamHeader.MAGIC) {
            return Kind.MIGRATION;
        }
        if (magic == MULTIFD_MAGIC) {
            return Kind.MULTIFD;
        }
        return Kind.INVALID;
    }
}
