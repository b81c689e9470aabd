package qmig.vfio.section;

import java.util.Arrays;

/**
 * The destination device's own config space and its per-byte masks, which decide what an incoming
 * config payload may change (QEMU {@code PCIDevice.config/cmask/wmask/w1cmask}):
 * <ul>
 *   <li>{@code cmask}: bits checked on load;</li>
 *   <li>{@code wmask}: bits the guest may write;</li>
 *   <li>{@code w1cmask}: write-1-to-clear bits (status, error registers).</li>
 * </ul>
 * A bit set in {@code cmask & ~wmask & ~w1cmask} is read-only and checked: the incoming value
 * must equal {@code config}'s (vfio.md §6, "Bad config data"). Supplied by the caller, who knows
 * the destination device. All four arrays have the same length, 256 or 4096.
 */
public record DestinationConfig(byte[] config, byte[] cmask, byte[] wmask, byte[] w1cmask) {

    public DestinationConfig {
        if (config.length != 256 && config.length != 4096) {
            throw new IllegalArgumentException("config space is 256 or 4096 bytes, not " + config.length);
        }
        if (cmask.length != config.length || wmask.length != config.length || w1cmask.length != config.length) {
            throw new IllegalArgumentException("masks must be " + config.length + " bytes like the config: cmask "
                    + cmask.length + ", wmask " + wmask.length + ", w1cmask " + w1cmask.length);
        }
        config = config.clone();
        cmask = cmask.clone();
        wmask = wmask.clone();
        w1cmask = w1cmask.clone();
    }

    /**
     * The checked read-only identity of a type-0 header: vendor and device id (0x00-0x03),
     * revision and class code (0x08-0x0b), header type (0x0e), the capabilities-list bit of
     * Status (0x06 bit 4) and the capabilities pointer (0x34); no writable or W1C bits. A caller
     * that knows the device's real masks passes them instead.
     */
    public static DestinationConfig identityChecked(byte[] config) {
        byte[] c = new byte[config.length];
        for (int o : new int[] {0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x0e, 0x34}) {
            c[o] = (byte) 0xff;
        }
        c[0x06] = 0x10;
        return new DestinationConfig(config, c, new byte[config.length], new byte[config.length]);
    }

    /** The checked read-only bits of byte {@code i}: {@code cmask & ~wmask & ~w1cmask}. */
    public int checkedBits(int i) {
        return cmask[i] & ~wmask[i] & ~w1cmask[i] & 0xff;
    }

    public int size() {
        return config.length;
    }

    @Override
    public byte[] config() {
        return config.clone();
    }

    @Override
    public byte[] cmask() {
        return cmask.clone();
    }

    @Override
    public byte[] wmask() {
        return wmask.clone();
    }

    @Override
    public byte[] w1cmask() {
        return w1cmask.clone();
    }

    byte configByte(int i) {
        return config[i];
    }

    int cmaskByte(int i) {
        return cmask[i] & 0xff;
    }

    int wmaskByte(int i) {
        return wmask[i] & 0xff;
    }

    int w1cmaskByte(int i) {
        return w1cmask[i] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DestinationConfig d && Arrays.equals(d.config, config) && Arrays.equals(d.cmask, cmask)
                && Arrays.equals(d.wmask, wmask) && Arrays.equals(d.w1cmask, w1cmask);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(config) * 31 + Arrays.hashCode(cmask);
    }

    @Override
    public String toString() {
        return "DestinationConfig[" + config.length + " bytes]";
    }
}
