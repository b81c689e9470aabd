package qmig.stream.grammar;

/**
 * The 8-byte file header: {@code be32 0x5145564D ("QEVM")}, {@code be32 version} (3).
 */
public record StreamHeader(int version) {

    public static final int MAGIC = 0x5145564D;
    public static final int VERSION = 3;
    /** The pre-2009 format, recognised only to be refused. */
    public static final int VERSION_COMPAT = 2;

    public static final StreamHeader V3 = new StreamHeader(VERSION);
}
