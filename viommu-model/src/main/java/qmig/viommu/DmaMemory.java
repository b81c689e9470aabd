package qmig.viommu;

/**
 * Guest-physical memory as the VT-d model reads it: QEMU reads every table through the system
 * address space ({@code dma_memory_read(&address_space_memory, …)}), where a GPA that is not RAM
 * fails (spec/intel-iommu.md §15). All VT-d structures are little-endian.
 *
 * <p>This interface is what the walker needs; it will be backed by the stream codec's
 * {@code GuestMemory} once that lands. {@link qmig.viommu.mem.SparseDmaMemory} is the simple
 * implementation used today.
 */
public interface DmaMemory {

    /** True when the byte at {@code gpa} is guest RAM (reads succeed). */
    boolean isRam(long gpa);

    /**
     * The little-endian 64-bit word at {@code gpa}.
     *
     * @throws DmaReadException when any of the 8 bytes is not RAM (QEMU: MEMTX error)
     */
    long readLongLE(long gpa) throws DmaReadException;
}
