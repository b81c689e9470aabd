package qmig.viommu.vtd;

import java.util.List;
import java.util.Objects;

/**
 * What {@code vtd_dev_to_context_entry} found for a device whose entries are present and valid.
 *
 * @param bdf        the device
 * @param scalable   whether the tables were read in scalable mode
 * @param rootEntry  the root entry's two words (lo, hi)
 * @param context    the context entry's words: 2 (legacy) or 4 (scalable)
 * @param pasid      the PASID used (scalable: RID_PASID), or -1 in legacy mode
 * @param pasidEntry the PASID-table entry's 8 words (scalable), else empty
 * @param domainId   legacy {@code ce.hi} bits 23:8, scalable {@code pe.val[1]} bits 15:0
 * @param type       legacy TT (0..2) or scalable PGTT (1..4)
 * @param passThrough legacy TT=2 or PGTT=4: the device uses the identity (no-DMAR) region
 * @param levels     second-level table levels, 2 + AW
 * @param agaw       30 + 9 × AW bits
 * @param tableRoot  the second-level table root GPA (legacy {@code ce.lo & ~0xfff}, scalable
 *                   {@code pe.val[0] & ~0xfff})
 */
public record DeviceContext(Bdf bdf, boolean scalable, List<Long> rootEntry, List<Long> context, int pasid,
                            List<Long> pasidEntry, int domainId, int type, boolean passThrough, int levels,
                            int agaw, long tableRoot) {

    public DeviceContext {
        Objects.requireNonNull(bdf);
        rootEntry = List.copyOf(rootEntry);
        context = List.copyOf(context);
        pasidEntry = List.copyOf(pasidEntry);
    }

    /** {@code vtd_iova_limit}: 2^min(AGAW, aw-bits). */
    public long iovaLimit(int awBits) {
        return 1L << Math.min(agaw, awBits);
    }

    /** A short description of the translation type. */
    public String typeName() {
        if (scalable) {
            switch (type) {
                case 1:
                    return "first-stage (walked as second-stage by 7.2)";
                case 2:
                    return "second-stage";
                case 3:
                    return "nested (walked as second-stage by 7.2)";
                case 4:
                    return "pass-through";
                default:
                    return "pgtt " + type;
            }
        }
        switch (type) {
            case 0:
                return "multi-level";
            case 1:
                return "multi-level, device-TLB";
            case 2:
                return "pass-through";
            default:
                return "tt " + type;
        }
    }
}
