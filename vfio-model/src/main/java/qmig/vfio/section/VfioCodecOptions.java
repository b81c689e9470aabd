package qmig.vfio.section;

/**
 * Settings of {@link VfioSectionCodec}.
 *
 * @param protocol      v1 (QEMU 7.2) or v2 (8.0+)
 * @param maxChunkBytes largest DATA chunk accepted before allocating it. QEMU v2 never writes more
 *                      than 1 MiB (its data buffer); v1 chunks are whatever the vendor region gave.
 * @param configSize    how many config-space bytes the FULL section carries
 */
public record VfioCodecOptions(VfioProtocol protocol, long maxChunkBytes, ConfigSize configSize) {

    public static final long V2_DATA_BUFFER = 1L << 20;
    public static final long DEFAULT_V1_MAX_CHUNK = 64L << 20;

    /** The config-space size: PCI (256), PCI Express (4096), or AUTO = 4096 iff config carries a PCIe capability. */
    public enum ConfigSize {
        AUTO, PCI, PCIE
    }

    public VfioCodecOptions {
        if (maxChunkBytes <= 0 || maxChunkBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxChunkBytes out of range: " + maxChunkBytes);
        }
    }

    public static VfioCodecOptions v1() {
        return new VfioCodecOptions(VfioProtocol.V1, DEFAULT_V1_MAX_CHUNK, ConfigSize.AUTO);
    }

    public static VfioCodecOptions v2() {
        return new VfioCodecOptions(VfioProtocol.V2, V2_DATA_BUFFER, ConfigSize.AUTO);
    }

    public VfioCodecOptions withMaxChunkBytes(long n) {
        return new VfioCodecOptions(protocol, n, configSize);
    }

    public VfioCodecOptions withConfigSize(ConfigSize c) {
        return new VfioCodecOptions(protocol, maxChunkBytes, c);
    }
}
