package qmig.stream.wire;

/**
 * Upper bounds for every length, count and nesting depth read from the wire. A decoder
 * checks a value against its limit <em>before</em> it allocates anything for it, and the
 * {@link StreamFormatException.LimitExceeded} it throws names the limit to raise.
 *
 * @param maxBufferBytes      largest single vmstate buffer or opaque section payload held in memory
 * @param maxArrayElements    largest element count of one vmstate array, list or tree
 * @param maxNestingDepth     deepest nesting of vmstate structs and subsections
 * @param maxVmDescriptionBytes largest VMDESCRIPTION JSON trailer
 * @param maxPackageBytes     largest PACKAGED (postcopy) sub-stream
 * @param maxRamBlocks        most RAMBlocks in one MEM_SIZE list
 * @param maxHeldSectionBytes largest device section held (framed by its footer) until a description arrives
 * @param maxDecompressedBytes most bytes a compressed saved stream (gzip, xz, ...) may expand to
 * @param maxWrapperTableBytes largest wrapper table read into memory: a qcow2 L1 or snapshot table, a
 *                            libvirt image's XML area, an lzop block
 */
public record Limits(long maxBufferBytes, long maxArrayElements, int maxNestingDepth,
                     long maxVmDescriptionBytes, long maxPackageBytes, int maxRamBlocks,
                     long maxHeldSectionBytes, long maxDecompressedBytes, long maxWrapperTableBytes) {

    /** Defaults that accept every stream QEMU 7.2 writes for ordinary machines. */
    public static final Limits DEFAULT = new Limits(
            64L << 20,      // 64 MiB: the largest vmstate buffers (VGA vram is RAM, not vmstate) are far below
            1L << 24,       // 16 M elements
            64,
            64L << 20,      // 64 MiB of JSON (a q35 trailer is ~50 KiB)
            256L << 20,     // postcopy packages hold all device state
            4096,
            64L << 20,
            1L << 40,       // 1 TiB decompressed
            256L << 20);    // 256 MiB: a 32 M-entry qcow2 L1 table

    public Limits {
        if (maxBufferBytes < 0 || maxArrayElements < 0 || maxNestingDepth < 1 || maxVmDescriptionBytes < 0
                || maxPackageBytes < 0 || maxRamBlocks < 1 || maxHeldSectionBytes < 0 || maxDecompressedBytes < 0
                || maxWrapperTableBytes < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public Limits withMaxBufferBytes(long v) {
        return new Limits(v, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes, maxWrapperTableBytes);
    }

    public Limits withMaxArrayElements(long v) {
        return new Limits(maxBufferBytes, v, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes, maxWrapperTableBytes);
    }

    public Limits withMaxNestingDepth(int v) {
        return new Limits(maxBufferBytes, maxArrayElements, v, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes, maxWrapperTableBytes);
    }

    public Limits withMaxVmDescriptionBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, v, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes, maxWrapperTableBytes);
    }

    public Limits withMaxPackageBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, v, maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes, maxWrapperTableBytes);
    }

    public Limits withMaxRamBlocks(int v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, v, maxHeldSectionBytes, maxDecompressedBytes, maxWrapperTableBytes);
    }

    public Limits withMaxHeldSectionBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, v, maxDecompressedBytes, maxWrapperTableBytes);
    }

    /** The limits of a stream from before the wrapper limits existed; those get their defaults. */
    public Limits(long maxBufferBytes, long maxArrayElements, int maxNestingDepth, long maxVmDescriptionBytes,
                  long maxPackageBytes, int maxRamBlocks, long maxHeldSectionBytes) {
        this(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks,
                maxHeldSectionBytes, 1L << 40, 256L << 20);
    }

    public Limits withMaxDecompressedBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes,
                maxRamBlocks, maxHeldSectionBytes, v, maxWrapperTableBytes);
    }

    public Limits withMaxWrapperTableBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes,
                maxRamBlocks, maxHeldSectionBytes, maxDecompressedBytes, v);
    }

    /** Throws {@link StreamFormatException.LimitExceeded} when {@code value > limit}. */
    public static void check(long offset, String what, long value, long limit, String limitName)
            throws StreamFormatException.LimitExceeded {
        if (value > limit || value < 0) {
            throw StreamFormatException.limitExceeded(offset, what, value, limit, limitName);
        }
    }
}
