package qmig.vfio.section;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code VFIOPCIDevice} vmstate of a FULL section (vfio.md §6):
 * <pre>
 *  be32   version_id          PCIDevice, 0..2 (QEMU writes 2)
 *  bytes  config[256|4096]    4096 for a PCI Express function
 *  be32   irq_state[4]        INTx A..D, each 0 or 1
 *  bytes  msix_table[n*16]    only with an MSI-X capability, n = Table Size + 1
 *  bytes  msix_pba[ceil(n/8)]
 * </pre>
 * MSI state has no bytes of its own: it lives in the MSI capability inside {@code config}.
 */
public record VfioPciConfig(int versionId, byte[] config, int[] irqState, byte[] msixTable, byte[] msixPba) {

    public VfioPciConfig {
        if (config.length != 256 && config.length != 4096) {
            throw new IllegalArgumentException("config space is 256 or 4096 bytes, not " + config.length);
        }
        if (irqState.length != 4) {
            throw new IllegalArgumentException("irq_state has 4 pins");
        }
        config = config.clone();
        irqState = irqState.clone();
        msixTable = msixTable == null ? null : msixTable.clone();
        msixPba = msixPba == null ? null : msixPba.clone();
        int n = msixVectors(config);
        if ((n == 0) != (msixTable == null) || n > 0 && (msixTable.length != n * 16 || msixPba.length != (n + 7) / 8)) {
            throw new IllegalArgumentException("MSI-X arrays do not match the capability's " + n + " vectors");
        }
    }

    public static final int CAP_ID_MSI = 0x05;
    public static final int CAP_ID_EXP = 0x10;
    public static final int CAP_ID_MSIX = 0x11;

    @Override
    public byte[] config() {
        return config.clone();
    }

    @Override
    public int[] irqState() {
        return irqState.clone();
    }

    @Override
    public byte[] msixTable() {
        return msixTable == null ? null : msixTable.clone();
    }

    @Override
    public byte[] msixPba() {
        return msixPba == null ? null : msixPba.clone();
    }

    public int vendorId() {
        return le16(config, 0);
    }

    public int deviceId() {
        return le16(config, 2);
    }

    public boolean express() {
        return config.length == 4096;
    }

    /**
     * The offset of the first capability {@code id} in the standard list, or -1. Walks from
     * 0x34 when Status bit 4 (capabilities list) is set, at most 48 entries.
     */
    public static int findCapability(byte[] cfg, int id) {
        if ((cfg[6] & 0x10) == 0) {
            return -1;
        }
        int p = cfg[0x34] & 0xfc;
        for (int i = 0; i < 48 && p >= 0x40 && p + 1 < 256; i++) {
            if ((cfg[p] & 0xff) == id) {
                return p;
            }
            p = cfg[p + 1] & 0xfc;
        }
        return -1;
    }

    /** MSI-X vector count from the capability's Table Size (bits 10:0 of Message Control) + 1; 0 without MSI-X. */
    public static int msixVectors(byte[] cfg) {
        int p = findCapability(cfg, CAP_ID_MSIX);
        return p < 0 ? 0 : (le16(cfg, p + 2) & 0x7ff) + 1;
    }

    /** The MSI capability's state, or null without one. */
    public Msi msi() {
        int p = findCapability(config, CAP_ID_MSI);
        if (p < 0) {
            return null;
        }
        int ctl = le16(config, p + 2);
        boolean is64 = (ctl & 0x80) != 0;
        boolean masking = (ctl & 0x100) != 0;
        long addr = le32(config, p + 4) & 0xffffffffL;
        int dataAt = p + 8;
        if (is64) {
            addr |= (le32(config, p + 8) & 0xffffffffL) << 32;
            dataAt = p + 12;
        }
        int data = le16(config, dataAt);
        int mask = masking ? le32(config, dataAt + 4) : 0;
        int pending = masking ? le32(config, dataAt + 8) : 0;
        return new Msi((ctl & 1) != 0, 1 << ((ctl >> 1) & 7), 1 << ((ctl >> 4) & 7), is64, masking, addr, data, mask,
                pending);
    }

    /**
     * MSI capability registers.
     *
     * @param vectorsCapable Multiple Message Capable as a count; {@code vectorsEnabled} likewise
     */
    public record Msi(boolean enabled, int vectorsCapable, int vectorsEnabled, boolean address64, boolean perVectorMask,
            long address, int data, int mask, int pending) {
    }

    /** MSI-X Message Control: enable (bit 15) and function mask (bit 14); null without MSI-X. */
    public Boolean msixEnabled() {
        int p = findCapability(config, CAP_ID_MSIX);
        return p < 0 ? null : (le16(config, p + 2) & 0x8000) != 0;
    }

    /** MSI-X Message Control bit 14, Function Mask: every vector masked; false without MSI-X. */
    public boolean msixFunctionMasked() {
        int p = findCapability(config, CAP_ID_MSIX);
        return p >= 0 && (le16(config, p + 2) & 0x4000) != 0;
    }

    /** The MSI-X table entries, one per vector (empty without MSI-X). */
    public List<MsixEntry> msixEntries() {
        List<MsixEntry> out = new ArrayList<>();
        if (msixTable == null) {
            return out;
        }
        for (int v = 0; v < msixTable.length / 16; v++) {
            int o = v * 16;
            long addr = (le32(msixTable, o) & 0xffffffffL) | (le32(msixTable, o + 4) & 0xffffffffL) << 32;
            boolean pending = (msixPba[v / 8] & (1 << (v % 8))) != 0;
            out.add(new MsixEntry(v, addr, le32(msixTable, o + 8), le32(msixTable, o + 12), pending));
        }
        return out;
    }

    /** One MSI-X table entry: address, data, vector control (bit 0 masked) and its PBA bit. */
    public record MsixEntry(int vector, long address, int data, int vectorControl, boolean pending) {
        public boolean masked() {
            return (vectorControl & 1) != 0;
        }
    }

    static int le16(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8;
    }

    static int le32(byte[] b, int o) {
        return le16(b, o) | le16(b, o + 2) << 16;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VfioPciConfig c && c.versionId == versionId && Arrays.equals(c.config, config)
                && Arrays.equals(c.irqState, irqState) && Arrays.equals(c.msixTable, msixTable)
                && Arrays.equals(c.msixPba, msixPba);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(config) * 31 + versionId;
    }

    @Override
    public String toString() {
        return String.format("VfioPciConfig[%04x:%04x, %d config bytes, %d MSI-X vectors]", vendorId(), deviceId(),
                config.length, msixTable == null ? 0 : msixTable.length / 16);
    }
}
