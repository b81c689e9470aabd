package qmig.testdata;

import java.util.List;

/** The committed captures, by name. */
public final class Captures {

    public static final Capture Q35_PLAIN = new Capture("q35", "q35-plain");
    public static final Capture PC_PLAIN = new Capture("pc", "pc-plain");
    public static final Capture Q35_VIOMMU = new Capture("q35", "q35-viommu");
    public static final Capture Q35_VIOMMU_IR_ONLY = new Capture("q35", "q35-viommu-ir-only");
    /** vIOMMU with aw-bits=48 plus virtio-net, e1000e and virtio-blk, never run. */
    public static final Capture Q35_VIOMMU_DEVICES = new Capture("q35", "q35-viommu-devices");
    /** pc.ram backed by Python's random.Random(1234).randbytes(size). */
    public static final Capture Q35_RANDOM_RAM = new Capture("q35", "q35-random-ram");
    /** A booted Linux guest using the vIOMMU (legacy mode), migrated live. */
    public static final Capture Q35_LINUX_VIOMMU = new Capture("q35", "q35-linux-viommu");
    /** The same in scalable mode. */
    public static final Capture Q35_LINUX_VIOMMU_SM = new Capture("q35", "q35-linux-viommu-sm");

    private Captures() {
    }

    public static List<Capture> all() {
        return List.of(Q35_PLAIN, PC_PLAIN, Q35_VIOMMU, Q35_VIOMMU_IR_ONLY, Q35_VIOMMU_DEVICES, Q35_RANDOM_RAM,
                Q35_LINUX_VIOMMU, Q35_LINUX_VIOMMU_SM);
    }

    /** The small never-run captures: quick enough for every-prefix and fuzz-style tests. */
    public static List<Capture> small() {
        return List.of(Q35_PLAIN, PC_PLAIN, Q35_VIOMMU, Q35_VIOMMU_IR_ONLY, Q35_VIOMMU_DEVICES);
    }
}
