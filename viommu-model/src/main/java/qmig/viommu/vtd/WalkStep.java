package qmig.viommu.vtd;

/**
 * One page-table entry read by a single-IOVA translation.
 *
 * @param level 4..1
 * @param gpa   where the entry was read
 * @param value the entry (or -1 when the read failed)
 */
public record WalkStep(int level, long gpa, long value) {
    @Override
    public String toString() {
        return String.format("L%d entry at 0x%x = 0x%016x", level, gpa, value);
    }
}
