package qmig.viommu.vtd.state;

/**
 * The VT-d registers QEMU 7.2 keeps in {@code csr}, by MMIO offset and width in bits
 * (spec/intel-iommu.md §4.1). Values are stored little-endian at their offset.
 */
public enum Register {
    VER(0x000, 32),
    CAP(0x008, 64),
    ECAP(0x010, 64),
    GCMD(0x018, 32),
    GSTS(0x01c, 32),
    RTADDR(0x020, 64),
    CCMD(0x028, 64),
    FSTS(0x034, 32),
    FECTL(0x038, 32),
    FEDATA(0x03c, 32),
    FEADDR(0x040, 32),
    FEUADDR(0x044, 32),
    AFLOG(0x058, 64),
    PMEN(0x064, 32),
    PLMBASE(0x068, 32),
    PLMLIMIT(0x06c, 32),
    PHMBASE(0x070, 64),
    PHMLIMIT(0x078, 64),
    IQH(0x080, 64),
    IQT(0x088, 64),
    IQA(0x090, 64),
    ICS(0x09c, 32),
    IECTL(0x0a0, 32),
    IEDATA(0x0a4, 32),
    IEADDR(0x0a8, 32),
    IEUADDR(0x0ac, 32),
    IRTA(0x0b8, 64),
    IVA(0x0f0, 64),
    IOTLB(0x0f8, 64),
    FRCD_LO(0x220, 64),
    FRCD_HI(0x228, 64);

    private final int offset;
    private final int bits;

    Register(int offset, int bits) {
        this.offset = offset;
        this.bits = bits;
    }

    public int offset() {
        return offset;
    }

    public int bits() {
        return bits;
    }
}
