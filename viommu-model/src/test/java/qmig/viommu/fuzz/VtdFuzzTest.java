package qmig.viommu.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import qmig.stream.vmstate.VmStateCodec;
import qmig.stream.vmstate.VmStateValue;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.WireReader;
import qmig.viommu.mem.SparseDmaMemory;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.ReplayOptions;
import qmig.viommu.vtd.ReplayingListener;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.VtdException;
import qmig.viommu.vtd.WalkLimits;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * The {@code iommu-intel} section and the VT-d walk over fuzzed guest memory. One target decodes
 * the section payload with the built-in VMSD; the other builds the migrated state from the input
 * (root pointer, DMAR/IR enables, the {@code csr} registers), fills a small guest RAM with input
 * bytes (so root, context, PASID and page tables, cycles included, come from the fuzzer), then
 * runs the 7.2 post-load replay for a few devices, translates IOVAs and lists the interrupt
 * remapping entries. Allowed outcomes: results (VT-d faults are values) or a
 * {@link VtdException}; anything else is a finding.
 */
@org.junit.jupiter.api.Tag("fuzz")
class VtdFuzzTest {

    private static final VmStateCodec CODEC = new VmStateCodec(Limits.DEFAULT);

    /** A small budget so that cyclic tables end quickly in a fuzzing run. */
    private static final ReplayOptions OPTIONS = ReplayOptions.QEMU_7_2.withLimits(new WalkLimits(1L << 16));

    private static final long RAM = 64 << 10;

    @FuzzTest
    void section(byte[] data) {
        try {
            VmStateValue.Struct v = CODEC.load(WireReader.of(data), IntelIommuState.VMSD, 1);
            IntelIommuState.of(v);
        } catch (StreamFormatException e) {
            if (e.offset() < 0 || e.offset() > data.length) {
                throw new AssertionError("offset " + e.offset() + " outside " + data.length + " bytes", e);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @FuzzTest
    void walk(FuzzedDataProvider in) {
        int flags = in.consumeInt();
        VtdConfig c = VtdConfig.defaults().withCachingMode((flags & 1) != 0).withScalableMode((flags & 2) != 0)
                .withAwBits((flags & 4) != 0 ? 48 : 39);
        long root = in.consumeLong(0, RAM + 0x2000) & ~0xfffL;
        byte[] csr = in.consumeBytes(qmig.viommu.vtd.state.Registers.SIZE);
        csr = java.util.Arrays.copyOf(csr, qmig.viommu.vtd.state.Registers.SIZE);
        IntelIommuState st = new IntelIommuState(root, in.consumeLong() & ~0xfffL, 0, in.consumeLong(), 0, 0,
                0, 0, new qmig.viommu.vtd.state.Registers(csr), 0, 0, (flags & 8) != 0, (flags & 16) != 0,
                (flags & 32) != 0, (flags & 64) != 0);
        Bdf[] devs = {new Bdf(0, in.consumeInt(0, 255)), new Bdf(in.consumeInt(0, 255), in.consumeInt(0, 255))};
        long[] iovas = {in.consumeLong(), in.consumeLong(0, 1L << 30)};
        SparseDmaMemory mem = SparseDmaMemory.withRam(RAM);
        byte[] ram = in.consumeRemainingAsBytes();
        for (int i = 0; i + 8 <= ram.length && i < RAM; i += 8) {
            long v = 0;
            for (int k = 7; k >= 0; k--) {
                v = v << 8 | (ram[i + k] & 0xff);
            }
            mem.writeLongLE(i, v);
        }
        IntelIommu iommu = new IntelIommu(st, c, mem, OPTIONS);
        try {
            for (Bdf b : devs) {
                iommu.addressSpace(b);
            }
            iommu.postLoad(new ReplayingListener((b, n, e) -> { }));
            for (Bdf b : devs) {
                for (long iova : iovas) {
                    iommu.translate(b, iova, (flags & 128) != 0);
                }
            }
            iommu.scanContexts();
            iommu.interrupts().presentEntries();
        } catch (VtdException e) {
            // typed: over the walk budget, or an event QEMU 7.2 aborts on
        }
    }
}
