package qmig.vfio.msi;

/**
 * Turns an MSI message a device writes into an interrupt route, as the destination sets up the
 * routes when it re-enables MSI/MSI-X after loading the config payload (vfio.md §6). With a
 * vIOMMU that has interrupt remapping on, the message goes through its remapping table first;
 * {@link #identity()} is the machine without one.
 */
@FunctionalInterface
public interface MsiRouter {

    /**
     * The route of the message {@code (addr, data)} sent by requester {@code sourceId}
     * (bus &lt;&lt; 8 | device &lt;&lt; 3 | function).
     */
    MsiRoute route(long addr, int data, int sourceId);

    /** No interrupt remapping: every message is read in compatibility format. */
    static MsiRouter identity() {
        return (addr, data, sourceId) -> decode(addr, data);
    }

    /**
     * Decodes a compatibility-format x86 MSI:
     * <pre>
     * address: 63..32 destination bits 31:8 (x2APIC, as a remapper writes them) | 31..20 0xFEE
     *          | 19..12 destination id | 3 redirection hint | 2 destination mode (1 logical)
     * data:    15 trigger mode (1 level) | 14 level assert | 10..8 delivery mode | 7..0 vector
     * </pre>
     * An address outside 0xFEExxxxx is not an interrupt: {@link MsiRoute.Blocked}.
     */
    static MsiRoute decode(long addr, int data) {
        long lo = addr & 0xffffffffL;
        if ((lo >>> 20) != 0xfee) {
            return new MsiRoute.Blocked(String.format("MSI address 0x%x is not in the 0xFEExxxxx interrupt window", addr));
        }
        long dest = ((lo >>> 12) & 0xff) | ((addr >>> 32) & 0xffffff00L);
        return new MsiRoute.Delivered(dest, data & 0xff, (data >>> 8) & 7, (lo & 0x4) != 0, (data & 0x8000) != 0,
                (lo & 0x8) != 0, -1);
    }
}
