package qmig.vfio.section;

/** Config-space fixtures for a vfio-pci function. */
final class Fixtures {

    private Fixtures() {
    }

    /**
     * A PCIe VF-like function, 4096 bytes: 8086:1520, capabilities
     * 0x40 MSI (64-bit, per-vector mask, enabled, addr 0xfee01000, data 0x4021) -> 0x60 MSI-X
     * (4 vectors, enabled) -> 0x70 PCI Express -> end.
     */
    static byte[] pcieConfig() {
        byte[] c = new byte[4096];
        le16(c, 0x00, 0x8086);          // vendor id
        le16(c, 0x02, 0x1520);          // device id
        le16(c, 0x06, 0x0010);          // status: capabilities list
        c[0x34] = 0x40;                 // capabilities pointer
        c[0x40] = 0x05;                 // MSI
        c[0x41] = 0x60;
        le16(c, 0x42, 0x0181);          // enable, 64-bit, per-vector masking
        le32(c, 0x44, 0xfee01000);      // address low
        le32(c, 0x48, 0);               // address high
        le16(c, 0x4c, 0x4021);          // data
        le32(c, 0x50, 0x1);             // mask bits
        c[0x60] = 0x11;                 // MSI-X
        c[0x61] = 0x70;
        le16(c, 0x62, 0x8003);          // enable, table size 3 -> 4 vectors
        le32(c, 0x64, 0x00002000);      // table offset/BIR
        le32(c, 0x68, 0x00003000);      // PBA offset/BIR
        c[0x70] = 0x10;                 // PCI Express
        c[0x71] = 0x00;
        return c;
    }

    /** A conventional PCI function (256 bytes) without capabilities. */
    static byte[] pciConfig() {
        byte[] c = new byte[256];
        le16(c, 0x00, 0x1af4);
        le16(c, 0x02, 0x1000);
        return c;
    }

    static VfioPciConfig pcieState() {
        byte[] table = new byte[4 * 16];
        for (int v = 0; v < 4; v++) {
            le32(table, v * 16, 0xfee00000 | v << 12);  // address low
            le32(table, v * 16 + 8, 0x40 + v);          // data
            le32(table, v * 16 + 12, v == 3 ? 1 : 0);   // vector 3 masked
        }
        return new VfioPciConfig(2, pcieConfig(), new int[] {1, 0, 0, 0}, table, new byte[] {0x08});
    }

    static void le16(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    static void le32(byte[] b, int o, int v) {
        le16(b, o, v);
        le16(b, o + 2, v >> 16);
    }
}
