package qmig.viommu.vtd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import qmig.stream.vmstate.BuiltinDescriptions;
import qmig.viommu.DmaMemory;
import qmig.viommu.DmaReadException;
import qmig.viommu.vtd.ir.InterruptRemapper;
import qmig.viommu.vtd.state.IntelIommuState;

/**
 * QEMU 7.2's {@code intel-iommu} on a destination after its vmstate was loaded: the migrated
 * {@link IntelIommuState}, the destination's own {@link VtdConfig}, and guest memory.
 * {@link #postLoad} is {@code vtd_post_load}: it recomputes {@code root_scalable} and switches
 * every address space, which makes listeners such as VFIO register notifiers and replay.
 */
public final class IntelIommu {

    private static volatile boolean registered;

    private final IntelIommuState state;
    private final VtdConfig config;
    private final DmaMemory memory;
    private final ReplayOptions options;
    private final boolean rootScalable;
    private final Map<Bdf, VtdAddressSpace> spaces = new LinkedHashMap<>();
    /** Entry reads of all walks so far, against {@link WalkLimits#maxTotalEntryReads()}. */
    private final long[] walkReads = new long[1];

    public IntelIommu(IntelIommuState state, VtdConfig config, DmaMemory memory, ReplayOptions options) {
        this.state = Objects.requireNonNull(state);
        this.config = Objects.requireNonNull(config);
        this.memory = Objects.requireNonNull(memory);
        this.options = Objects.requireNonNull(options);
        // vtd_post_load step 1: only a destination with x-scalable-mode honours RTADDR.SMT
        this.rootScalable = config.scalableMode() && (state.csr().rtaddr() & (1L << 10)) != 0;
    }

    public IntelIommu(IntelIommuState state, VtdConfig config, DmaMemory memory) {
        this(state, config, memory, ReplayOptions.QEMU_7_2);
    }

    /**
     * Registers {@link IntelIommuState#VMSD} with the stream codec's built-in descriptions, so a
     * stream reader decodes {@code iommu-intel} sections with it. Idempotent.
     */
    public static synchronized void registerDescriptions() {
        if (!registered) {
            BuiltinDescriptions.register(IntelIommuState.VMSD);
            registered = true;
        }
    }

    public IntelIommuState state() {
        return state;
    }

    public VtdConfig config() {
        return config;
    }

    public DmaMemory memory() {
        return memory;
    }

    public ReplayOptions options() {
        return options;
    }

    /** {@code root_scalable}. */
    public boolean rootScalable() {
        return rootScalable;
    }

    /** {@code iq_dw}: 256-bit invalidation descriptors (destination ECAP.SMTS and IQA.DW). */
    public boolean iqDw() {
        return config.scalableMode() && state.csr().iqaDw();
    }

    /** Whether DMA remapping is on: the migrated {@code dmar_enabled} (never set with dma-translation=off). */
    public boolean dmarEnabled() {
        return state.dmarEnabled();
    }

    /** Differences between the destination configuration and the migrated registers. */
    public List<String> warnings() {
        return config.mismatches(state);
    }

    public ContextLookup lookup(Bdf bdf) {
        return new ContextResolver(memory, config, state.root(), rootScalable).lookup(bdf);
    }

    /** A walker with this IOMMU's masks and the options' limits; all walkers share the total read budget. */
    public PageWalker walker() {
        return new PageWalker(memory, config, options.limits(), walkReads);
    }

    /**
     * {@code vtd_find_add_as(bus, devfn, PCI_NO_PASID)}: the device's address space, created at
     * first use with the no-DMAR region enabled (as at device realize, before any load).
     */
    public VtdAddressSpace addressSpace(Bdf bdf) {
        return spaces.computeIfAbsent(bdf, b -> new VtdAddressSpace(this, b));
    }

    public List<VtdAddressSpace> addressSpaces() {
        return new ArrayList<>(spaces.values());
    }

    /**
     * {@code vtd_post_load} step 3, {@code vtd_switch_address_space_all}: for each address space
     * in creation order (QEMU: hash order), DMAR when {@code dmar_enabled} and the device is not
     * pass-through (a failed lookup counts as not pass-through).
     */
    public void postLoad(MemoryListener listener) throws VtdException {
        for (VtdAddressSpace as : addressSpaces()) {
            switchAddressSpace(as, listener);
        }
    }

    public void switchAddressSpace(VtdAddressSpace as, MemoryListener listener) throws VtdException {
        boolean pt = false;
        if (state.dmarEnabled() && lookup(as.bdf()) instanceof ContextLookup.Found f) {
            pt = f.context().passThrough();
        }
        as.switchTo(state.dmarEnabled() && !pt, listener);
    }

    /**
     * Every device with a present context, found by scanning all 256 buses × 256 devfns of the
     * root table, plus the faults other than "not present". Empty when DMAR is off.
     */
    public Map<Bdf, ContextLookup> scanContexts() {
        Map<Bdf, ContextLookup> out = new LinkedHashMap<>();
        if (!state.dmarEnabled()) {
            return out;
        }
        ContextResolver r = new ContextResolver(memory, config, state.root(), rootScalable);
        for (int bus = 0; bus < 256; bus++) {
            for (int devfn = 0; devfn < 256; devfn++) {
                Bdf b = new Bdf(bus, devfn);
                ContextLookup cl = r.lookup(b);
                if (cl instanceof ContextLookup.Fault f) {
                    if (f.reason().notPresent()) {
                        continue;
                    }
                    if (f.reason() == FaultReason.ROOT_TABLE_INV) {
                        out.put(b, cl);
                        break;
                    }
                }
                out.put(b, cl);
            }
        }
        return out;
    }

    /**
     * Translates one IOVA for a device as a DMA access would ({@code vtd_do_iommu_translate} →
     * {@code vtd_iova_to_slpte}; spec/intel-iommu.md §10): identity when DMAR is off or the device
     * is pass-through, else a walk from the top level with faults for reads beyond RAM,
     * permissions, reserved bits and results in the interrupt range.
     */
    public Translation translate(Bdf bdf, long iova, boolean write) {
        if (!state.dmarEnabled()) {
            return new Translation.Mapped(iova, iova & ~0xfffL, iova & ~0xfffL, 4096, Perm.RW, true, null, List.of());
        }
        ContextLookup cl = lookup(bdf);
        if (cl instanceof ContextLookup.Fault f) {
            return new Translation.Fault(f.reason(), f.detail(), List.of());
        }
        DeviceContext ctx = ((ContextLookup.Found) cl).context();
        if (ctx.passThrough()) {
            return new Translation.Mapped(iova, iova & ~0xfffL, iova & ~0xfffL, 4096, Perm.RW, true, ctx, List.of());
        }
        List<WalkStep> steps = new ArrayList<>();
        if (Long.compareUnsigned(iova, ctx.iovaLimit(config.awBits())) >= 0) {
            return new Translation.Fault(FaultReason.ADDR_BEYOND_MGAW, String.format("IOVA 0x%x is beyond 2^%d",
                    iova, Math.min(ctx.agaw(), config.awBits())), steps);
        }
        PageWalker w = walker();
        long table = ctx.tableRoot();
        boolean reads = true;
        boolean writes = true;
        for (int level = ctx.levels(); level >= 1; level--) {
            long at = table + ((iova >>> PageWalker.shift(level)) & 0x1ff) * 8;
            long pte;
            try {
                pte = memory.readLongLE(at);
            } catch (DmaReadException e) {
                steps.add(new WalkStep(level, at, -1));
                return new Translation.Fault(level == ctx.levels() ? FaultReason.CONTEXT_ENTRY_INV
                        : FaultReason.PAGING_ENTRY_INV, e.getMessage(), steps);
            }
            steps.add(new WalkStep(level, at, pte));
            reads &= (pte & 1) != 0;
            writes &= (pte & 2) != 0;
            if ((pte & (write ? 2 : 1)) == 0) {
                return new Translation.Fault(write ? FaultReason.WRITE : FaultReason.READ,
                        String.format("level %d entry 0x%x has no %s permission", level, pte, write ? "write" : "read"),
                        steps);
            }
            if ((pte & w.reservedMask(pte, level)) != 0) {
                return new Translation.Fault(FaultReason.PAGING_ENTRY_RSVD, String.format(
                        "level %d entry 0x%x has reserved bits 0x%x", level, pte, pte & w.reservedMask(pte, level)),
                        steps);
            }
            if (level == 1 || (pte & 0x80) != 0) {
                long size = 1L << PageWalker.shift(level);
                long xlat = w.address(pte);
                if (!(Long.compareUnsigned(xlat, FlatSection.IR_LAST) > 0
                        || Long.compareUnsigned(xlat + size - 1, FlatSection.IR_FIRST) < 0)) {
                    return new Translation.Fault(config.scalableMode() ? FaultReason.SM_INTERRUPT_ADDR
                            : FaultReason.INTERRUPT_ADDR, String.format("translation 0x%x (+0x%x) is in the interrupt"
                            + " range", xlat, size), steps);
                }
                long pageIova = iova & -size;
                return new Translation.Mapped(xlat + (iova - pageIova), pageIova, xlat, size, Perm.of(reads, writes),
                        false, ctx, steps);
            }
            table = w.address(pte);
        }
        throw new IllegalStateException("walk ended without a leaf");
    }

    /** Interrupt remapping over this IOMMU's migrated IRT registers. */
    public InterruptRemapper interrupts() {
        return new InterruptRemapper(memory, state);
    }
}
