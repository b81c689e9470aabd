package qmig.viommu.vtd;

import java.util.List;

/** The result of translating one IOVA for one device ({@link IntelIommu#translate}). */
public sealed interface Translation {

    /**
     * Translated.
     *
     * @param gpa      the GPA of the IOVA itself
     * @param pageIova the leaf's first IOVA
     * @param pageGpa  the leaf's first GPA
     * @param pageSize 4 KiB, 2 MiB or 1 GiB; for identity results 4 KiB
     * @param perm     the AND of the permissions along the path (RW for identity)
     * @param identity true when no DMA remapping applied (DMAR off or pass-through)
     * @param context  the device context, or null when DMAR is off
     * @param steps    the entries read
     */
    record Mapped(long gpa, long pageIova, long pageGpa, long pageSize, Perm perm, boolean identity,
                  DeviceContext context, List<WalkStep> steps) implements Translation {
        public Mapped {
            steps = List.copyOf(steps);
        }
    }

    /** The translation faulted as {@code vtd_iova_to_slpte} / the context lookup would. */
    record Fault(FaultReason reason, String detail, List<WalkStep> steps) implements Translation {
        public Fault {
            steps = List.copyOf(steps);
        }
    }
}
