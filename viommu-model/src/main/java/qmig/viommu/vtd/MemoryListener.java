package qmig.viommu.vtd;

/**
 * Topology updates of the per-device address spaces, in QEMU's order: each enable/disable is its
 * own transaction commit, deletions come before additions, addresses ascend within a commit.
 */
public interface MemoryListener {

    /** A section disappeared from {@code as}'s flat view. */
    default void regionDel(VtdAddressSpace as, FlatSection s) throws VtdException {
    }

    /** A section appeared in {@code as}'s flat view. */
    default void regionAdd(VtdAddressSpace as, FlatSection s) throws VtdException {
    }

    /** The end of one memory transaction commit. */
    default void commit(VtdAddressSpace as) throws VtdException {
    }
}
