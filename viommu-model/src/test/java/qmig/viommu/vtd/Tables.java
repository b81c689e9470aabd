package qmig.viommu.vtd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import qmig.viommu.mem.SparseDmaMemory;
import qmig.viommu.vtd.state.IntelIommuState;
import qmig.viommu.vtd.state.Register;
import qmig.viommu.vtd.state.Registers;

/** Builds VT-d tables by hand in a sparse memory whose RAM is [0, 256 MiB). */
final class Tables {
    static final long RAM = 256L << 20;
    final SparseDmaMemory mem = SparseDmaMemory.withRam(RAM);
    private long next = 0x100000;
    final long root = alloc();

    long alloc() {
        long p = next;
        next += 4096;
        return p;
    }

    /** Legacy: root entry for {@code bus} → a context table (allocated once per bus). */
    long contextTable(int bus) throws Exception {
        long re = mem.readLongLE(root + bus * 16L);
        if ((re & 1) != 0) {
            return re & ~0xfffL;
        }
        long t = alloc();
        mem.writeLongLE(root + bus * 16L, t | 1);
        return t;
    }

    /** Legacy context entry: TT, AW (levels − 2), DID, table root. */
    void context(Bdf b, int tt, int levels, int did, long slpt) throws Exception {
        long t = contextTable(b.bus());
        mem.writeLongLE(t + b.devfn() * 16L, slpt | (long) tt << 2 | 1);
        mem.writeLongLE(t + b.devfn() * 16L + 8, (long) did << 8 | (levels - 2));
    }

    /** Second-level entry {@code index} of {@code table}. */
    void pte(long table, int index, long value) {
        mem.writeLongLE(table + index * 8L, value);
    }

    static IntelIommuState state(long root, boolean dmar, boolean scalableRtaddr) {
        byte[] csr = new byte[Registers.SIZE];
        ByteBuffer bb = ByteBuffer.wrap(csr).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(Register.RTADDR.offset(), root | (scalableRtaddr ? 1L << 10 : 0));
        return new IntelIommuState(root, 0, 0, 0, 0, 0, 0, 0, new Registers(csr), 0, 0, dmar, false, false, false);
    }

    IntelIommu iommu(VtdConfig c) {
        return new IntelIommu(state(root, true, c.scalableMode()), c, mem);
    }

    static VtdConfig cfg() {
        return VtdConfig.defaults().withCachingMode(true);
    }
}
