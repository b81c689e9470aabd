package qmig.viommu.vtd.state;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The register file image {@code csr} ({@code DMAR_REG_SIZE} = 0x230 bytes) with every register
 * QEMU 7.2 defines decoded (spec/intel-iommu.md §4). Registers are little-endian at their MMIO
 * offset. This is what the source's guest last saw; the destination's CAP/ECAP come from its own
 * configuration ({@link qmig.viommu.vtd.VtdConfig}).
 */
public final class Registers {

    /** {@code DMAR_REG_SIZE}. */
    public static final int SIZE = 0x230;

    private final byte[] csr;

    public Registers(byte[] csr) {
        if (csr.length != SIZE) {
            throw new IllegalArgumentException("csr is " + csr.length + " bytes (expected: " + SIZE + ")");
        }
        this.csr = csr.clone();
    }

    public byte[] bytes() {
        return csr.clone();
    }

    /** The raw value of a register (zero-extended for 32-bit ones). */
    public long get(Register r) {
        long v = 0;
        for (int i = r.bits() / 8 - 1; i >= 0; i--) {
            v = (v << 8) | (csr[r.offset() + i] & 0xff);
        }
        return v;
    }

    public long ver() {
        return get(Register.VER);
    }

    public long cap() {
        return get(Register.CAP);
    }

    public long ecap() {
        return get(Register.ECAP);
    }

    public long gsts() {
        return get(Register.GSTS);
    }

    public long rtaddr() {
        return get(Register.RTADDR);
    }

    public long irta() {
        return get(Register.IRTA);
    }

    public long iqa() {
        return get(Register.IQA);
    }

    // ---- GSTS (0x1c) ----------------------------------------------------------------------

    /** GSTS bit names, most significant first: TES 31 … CFIS 23. */
    private static final String[] GSTS_BITS = {"TES", "RTPS", "FLS", "AFLS", "WBFS", "QIES", "IRES", "IRTPS", "CFIS"};

    /** The set GSTS status bits by name, e.g. {@code TES|RTPS|QIES|IRES|IRTPS}. */
    public String gstsFlags() {
        StringBuilder sb = new StringBuilder();
        long g = gsts();
        for (int i = 0; i < GSTS_BITS.length; i++) {
            if ((g & (1L << (31 - i))) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(GSTS_BITS[i]);
            }
        }
        return sb.toString();
    }

    public boolean translationEnabledStatus() {
        return (gsts() & (1L << 31)) != 0;
    }

    // ---- RTADDR (0x20) --------------------------------------------------------------------

    /** RTADDR bits 63:12: the root-table address the guest last wrote. */
    public long rtaddrAddress() {
        return rtaddr() & ~0xfffL;
    }

    /** RTADDR bits 11:10 (TTM); QEMU 7.2 looks only at bit 10 (scalable-mode root table). */
    public int rtaddrTtm() {
        return (int) ((rtaddr() >>> 10) & 3);
    }

    // ---- CCMD (0x28) ----------------------------------------------------------------------

    public boolean ccmdIcc() {
        return get(Register.CCMD) < 0;
    }

    public int ccmdCirg() {
        return (int) ((get(Register.CCMD) >>> 61) & 3);
    }

    public int ccmdCaig() {
        return (int) ((get(Register.CCMD) >>> 59) & 3);
    }

    // ---- IQ (0x80 / 0x88 / 0x90) ----------------------------------------------------------

    public long iqaBase() {
        return iqa() & ~0xfffL;
    }

    /** IQA bit 11: 256-bit descriptors (honoured only with ECAP.SMTS). */
    public boolean iqaDw() {
        return (iqa() & 0x800) != 0;
    }

    /** IQA QS: the queue holds 2^(QS+8) 128-bit entries. */
    public int iqaQs() {
        return (int) (iqa() & 7);
    }

    /** IQH/IQT index: bits 18:4 for 128-bit descriptors, 18:5 for 256-bit ones. */
    public int iqhIndex() {
        return queueIndex(get(Register.IQH));
    }

    public int iqtIndex() {
        return queueIndex(get(Register.IQT));
    }

    private int queueIndex(long v) {
        return iqaDw() ? (int) ((v >>> 5) & 0x3fff) : (int) ((v >>> 4) & 0x7fff);
    }

    // ---- IRTA (0xb8) ----------------------------------------------------------------------

    public long irtaBase() {
        return irta() & ~0xfffL;
    }

    public boolean irtaEime() {
        return (irta() & 0x800) != 0;
    }

    /** IRTA S: the table has 2^(S+1) entries. */
    public int irtaS() {
        return (int) (irta() & 0xf);
    }

    // ---- CAP (0x08) -----------------------------------------------------------------------

    /** CAP ND (bits 2:0). */
    public int capNd() {
        return (int) (cap() & 7);
    }

    public boolean capCm() {
        return (cap() & 0x80) != 0;
    }

    /** CAP SAGAW (bits 12:8): bit 1 = 39-bit 3-level, bit 2 = 48-bit 4-level. */
    public int capSagaw() {
        return (int) ((cap() >>> 8) & 0x1f);
    }

    /** CAP MGAW + 1: the maximum guest address width in bits. */
    public int capMgawBits() {
        return (int) ((cap() >>> 16) & 0x3f) + 1;
    }

    /** CAP FRO (bits 33:24) × 16: offset of the fault-recording registers. */
    public int capFroOffset() {
        return (int) ((cap() >>> 24) & 0x3ff) * 16;
    }

    /** CAP SLLPS (bits 37:34): bit 0 = 2 MiB, bit 1 = 1 GiB pages. */
    public int capSllps() {
        return (int) ((cap() >>> 34) & 0xf);
    }

    public boolean capPsi() {
        return (cap() & (1L << 39)) != 0;
    }

    /** CAP NFR + 1: number of fault-recording registers. */
    public int capNfr() {
        return (int) ((cap() >>> 40) & 0xff) + 1;
    }

    public int capMamv() {
        return (int) ((cap() >>> 48) & 0x3f);
    }

    public boolean capDwd() {
        return (cap() & (1L << 54)) != 0;
    }

    public boolean capDrd() {
        return (cap() & (1L << 55)) != 0;
    }

    // ---- ECAP (0x10) ----------------------------------------------------------------------

    public boolean ecapQi() {
        return (ecap() & (1L << 1)) != 0;
    }

    public boolean ecapDt() {
        return (ecap() & (1L << 2)) != 0;
    }

    public boolean ecapIr() {
        return (ecap() & (1L << 3)) != 0;
    }

    public boolean ecapEim() {
        return (ecap() & (1L << 4)) != 0;
    }

    public boolean ecapPt() {
        return (ecap() & (1L << 6)) != 0;
    }

    public boolean ecapSc() {
        return (ecap() & (1L << 7)) != 0;
    }

    /** ECAP IRO × 16: offset of the IOTLB registers. */
    public int ecapIroOffset() {
        return (int) ((ecap() >>> 8) & 0x3ff) * 16;
    }

    public int ecapMhmv() {
        return (int) ((ecap() >>> 20) & 0xf);
    }

    public boolean ecapSrs() {
        return (ecap() & (1L << 31)) != 0;
    }

    public boolean ecapPasid() {
        return (ecap() & (1L << 40)) != 0;
    }

    public boolean ecapSmts() {
        return (ecap() & (1L << 43)) != 0;
    }

    public boolean ecapSlts() {
        return (ecap() & (1L << 46)) != 0;
    }

    // ---- fault registers ------------------------------------------------------------------

    /** FSTS (0x34): PFO bit 0, PPF bit 1, IQE bit 4, ICE bit 5, ITE bit 6, FRI bits 15:8. */
    public long fsts() {
        return get(Register.FSTS);
    }

    /** FRCD[0] high word bit 63: a fault is recorded. */
    public boolean frcdFault() {
        return get(Register.FRCD_HI) < 0;
    }

    /** FRCD[0] fault reason (high bits 39:32). */
    public int frcdReason() {
        return (int) ((get(Register.FRCD_HI) >>> 32) & 0xff);
    }

    /** FRCD[0] source id (high bits 15:0). */
    public int frcdSid() {
        return (int) (get(Register.FRCD_HI) & 0xffff);
    }

    /** FRCD[0] page address (low bits 63:12). */
    public long frcdAddress() {
        return get(Register.FRCD_LO) & ~0xfffL;
    }

    /** FRCD[0] T: the faulting request was a read. */
    public boolean frcdRead() {
        return (get(Register.FRCD_HI) & (1L << 62)) != 0;
    }

    // ---- display --------------------------------------------------------------------------

    /** Every register by name, in offset order. */
    public Map<String, Long> all() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Register r : Register.values()) {
            m.put(r.name(), get(r));
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Registers r && Arrays.equals(csr, r.csr);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(csr);
    }

    @Override
    public String toString() {
        return "Registers[" + HexFormat.of().formatHex(csr, 0, 64) + "…]";
    }
}
