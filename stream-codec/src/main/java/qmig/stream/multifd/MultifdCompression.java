package qmig.stream.multifd;

import qmig.stream.wire.StreamFormatException;

/**
 * The {@code multifd-compression} parameter and its flag bits (bits 1-3 of a packet's flags,
 * 7.2 {@code MULTIFD_FLAG_NOCOMP/ZLIB/ZSTD}). Not in the stream: both sides are configured.
 */
public enum MultifdCompression {
    NONE(0x0, "none"),
    ZLIB(0x2, "zlib"),
    ZSTD(0x4, "zstd");

    private final int flag;
    private final String parameter;

    MultifdCompression(int flag, String parameter) {
        this.flag = flag;
        this.parameter = parameter;
    }

    /** The value of the flag bits (already shifted, e.g. 0x2 for zlib). */
    public int flag() {
        return flag;
    }

    /** The QMP parameter value, e.g. {@code zstd}. */
    public String parameter() {
        return parameter;
    }

    /** The method named by the compression bits of {@code flags}; other values are corrupt. */
    public static MultifdCompression ofFlags(long at, int flags) throws StreamFormatException.Corrupt {
        int bits = flags & MultifdConstants.COMPRESSION_MASK;
        for (MultifdCompression c : values()) {
            if (c.flag == bits) {
                return c;
            }
        }
        throw StreamFormatException.corrupt(at, "multifd packet flags 0x" + Integer.toHexString(flags)
                + ": unknown compression bits 0x" + Integer.toHexString(bits) + " (7.2 knows 0x0 none, 0x2 zlib, 0x4 zstd)");
    }

    /** The method for a QMP parameter value. */
    public static MultifdCompression ofParameter(String p) {
        for (MultifdCompression c : values()) {
            if (c.parameter.equals(p)) {
                return c;
            }
        }
        throw new IllegalArgumentException("multifd-compression '" + p + "' (expected none, zlib or zstd)");
    }
}
