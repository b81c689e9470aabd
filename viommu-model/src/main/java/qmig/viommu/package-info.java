/**
 * Intel VT-d as QEMU 7.2's {@code intel-iommu} device ({@code hw/i386/intel_iommu.c}; see
 * {@code spec/intel-iommu.md}): the guest-memory interface the model reads through
 * ({@link qmig.viommu.DmaMemory}); the {@code iommu-intel} vmstate in {@code vtd.state}; tables,
 * walk, replay and translation in {@code vtd}; interrupt remapping in {@code vtd.ir}; a printable
 * summary in {@code report}. Call {@link qmig.viommu.vtd.IntelIommu#registerDescriptions()} before
 * reading a stream.
 */
package qmig.viommu;
