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
 */
public record Limits(long maxBufferBytes, long maxArrayElements, int maxNestingDepth,
                     long maxVmDescriptionBytes, long maxPackageBytes, int maxRamBlocks,
                     long maxHeldSectionBytes) {

    /** Defaults that accept every stream QEMU 7.2 writes for ordinary machines. */
    public static final Limits DEFAULT = new Limits(
            64L << 20,      // 64 MiB: the largest vmstate buffers (VGA vram is RAM, not vmstate) are far below
            1L << 24,       // 16 M elements
            64,
            64L << 20,      // 64 MiB of JSON (a q35 trailer is ~50 KiB)
            256L << 20,     // postcopy packages hold all device state
            4096,
            64L << 20);

    public Limits {
        if (maxBufferBytes < 0 || maxArrayElements < 0 || maxNestingDepth < 1 || maxVmDescriptionBytes < 0
                || maxPackageBytes < 0 || maxRamBlocks < 1 || maxHeldSectionBytes < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public Limits withMaxBufferBytes(long v) {
        return new Limits(v, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes);
    }

    public Limits withMaxArrayElements(long v) {
        return new Limits(maxBufferBytes, v, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes);
    }

    public Limits withMaxNestingDepth(int v) {
        return new Limits(maxBufferBytes, maxArrayElements, v, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes);
    }

    public Limits withMaxVmDescriptionBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, v, maxPackageBytes, maxRamBlocks, maxHeldSectionBytes);
    }

    public Limits withMaxPackageBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, v, maxRamBlocks, maxHeldSectionBytes);
    }

    public Limits withMaxRamBlocks(int v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, v, maxHeldSectionBytes);
    }

    public Limits withMaxHeldSectionBytes(long v) {
        return new Limits(maxBufferBytes, maxArrayElements, maxNestingDepth, maxVmDescriptionBytes, maxPackageBytes, maxRamBlocks, v);
    }

    /** Throws {@link StreamFormatException.LimitExceeded} when {@code value > limit}. */
    public static void check(long offset, String what, long value, long limit, String limitName)
            throws StreamFormatException.LimitExceeded {
        if (value > limit || value < 0) {
            throw StreamFormatException.limitExceeded(offset, what, value, limit, limitName);
        }
    }
}
