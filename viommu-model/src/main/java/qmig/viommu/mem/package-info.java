/**
 * Guest memory for the VT-d model: a sparse, writable page store with RAM ranges
 * ({@link qmig.viommu.mem.SparseDmaMemory}) and the pc-q35 mapping of {@code pc.ram} offsets to
 * guest-physical addresses (spec/ram.md §11), filled from a stream's RAM pages.
 */
package qmig.viommu.mem;
