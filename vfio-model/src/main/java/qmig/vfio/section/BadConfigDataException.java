package qmig.vfio.section;

import java.util.List;

/**
 * The incoming config payload does not fit the destination device (QEMU fails the load with
 * -EINVAL): a checked read-only byte differs ("Bad config data"), or the config space sizes
 * differ. Names the device (the section's idstr or the device name) and the config-space offset;
 * {@link #offsets()} lists every differing byte, the message the first.
 */
public final class BadConfigDataException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String device;
    private final int offset;
    private final transient List<Integer> offsets;

    private BadConfigDataException(String device, int offset, List<Integer> offsets, String message) {
        super(device + ": " + message);
        this.device = device;
        this.offset = offset;
        this.offsets = List.copyOf(offsets);
    }

    /**
     * Byte {@code offset} (the first of {@code offsets}) differs in checked bits, e.g. "0000:00:01.0/vfio:
     * Bad config data at config offset 0x2: read 0x34, device 0x12 (cmask 0xff wmask 0x00
     * w1cmask 0x00); 3 bytes differ".
     */
    static BadConfigDataException mismatch(String device, int offset, int read, int own, int cmask, int wmask,
            int w1cmask, List<Integer> offsets) {
        return new BadConfigDataException(device, offset, offsets, String.format(
                "Bad config data at config offset 0x%x: read 0x%02x, device 0x%02x (cmask 0x%02x wmask 0x%02x"
                        + " w1cmask 0x%02x)%s", offset, read, own, cmask, wmask, w1cmask,
                offsets.size() > 1 ? "; " + offsets.size() + " bytes differ" : ""));
    }

    static BadConfigDataException size(String device, int read, int own) {
        return new BadConfigDataException(device, Math.min(read, own), List.of(), "config space of " + read
                + " bytes in the stream, the device has " + own);
    }

    public String device() {
        return device;
    }

    /** The config-space offset of the first differing byte (for a size mismatch: the shorter size). */
    public int offset() {
        return offset;
    }

    /** Every config-space offset whose checked bits differ, ascending. */
    public List<Integer> offsets() {
        return offsets;
    }
}
