package qmig.viommu.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import qmig.viommu.mem.SparseDmaMemory;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.ContextLookup;
import qmig.viommu.vtd.DeviceContext;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.state.IntelIommuState;
import qmig.viommu.vtd.state.Register;
import qmig.viommu.vtd.state.Registers;

/**
 * The benchmark domain: one legacy-mode device (00:03.0, domain 1) whose 3-level second-level
 * table (aw-bits 39) identity-maps [0, 4 GiB) with 1,048,576 present RW 4 KiB PTEs, in a sparse
 * memory whose RAM is [0, 4 GiB). The tables (1 + 4 + 2048 pages) start at 256 MiB.
 */
public final class IdentityDomain {

    public static final Bdf DEV = Bdf.of(0, 3, 0);
    public static final long SPAN = 4L << 30;
    public static final int PTES = (int) (SPAN >>> 12);
    /** MAP events VFIO's two notifiers receive: every page but the 256 in the interrupt window. */
    public static final long DELIVERED = PTES - 256;

    public final SparseDmaMemory mem = SparseDmaMemory.withRam(SPAN);
    public final long root;
    public final IntelIommuState state;
    public final VtdConfig config = VtdConfig.defaults().withCachingMode(true);

    private long next = 256L << 20;

    public IdentityDomain() {
        root = alloc();
        long ctxTable = alloc();
        long l3 = alloc();
        mem.writeLongLE(root + DEV.bus() * 16L, ctxTable | 1);
        mem.writeLongLE(ctxTable + DEV.devfn() * 16L, l3 | 1);          // TT 0, present
        mem.writeLongLE(ctxTable + DEV.devfn() * 16L + 8, 1L << 8 | 1);  // DID 1, AW 1 = 3 levels
        for (int i3 = 0; i3 < 4; i3++) {
            long l2 = alloc();
            mem.writeLongLE(l3 + i3 * 8L, l2 | 3);
            for (int i2 = 0; i2 < 512; i2++) {
                long l1 = alloc();
                mem.writeLongLE(l2 + i2 * 8L, l1 | 3);
                byte[] page = mem.pageForUpdate(l1);
                ByteBuffer bb = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
                long base = ((long) i3 << 30) | ((long) i2 << 21);
                for (int i1 = 0; i1 < 512; i1++) {
                    bb.putLong(i1 * 8, (base | ((long) i1 << 12)) | 3);
                }
            }
        }
        byte[] csr = new byte[Registers.SIZE];
        ByteBuffer.wrap(csr).order(ByteOrder.LITTLE_ENDIAN).putLong(Register.RTADDR.offset(), root);
        state = new IntelIommuState(root, 0, 0, 0, 0, 0, 0, 0, new Registers(csr), 0, 0, true, false, false, false);
    }

    private long alloc() {
        long p = next;
        next += 4096;
        return p;
    }

    /** A fresh destination IOMMU over the built memory: no address spaces, empty IOVA trees. */
    public IntelIommu iommu() {
        return new IntelIommu(state, config, mem);
    }

    public DeviceContext context() {
        return ((ContextLookup.Found) iommu().lookup(DEV)).context();
    }
}
