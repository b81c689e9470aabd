/**
 * Intel VT-d as QEMU 7.2's {@code intel-iommu} models it ({@code hw/i386/intel_iommu.c};
 * spec/intel-iommu.md): root, context and PASID entries, the second-level page walk, the
 * per-device address spaces and the post-load replay to IOMMU notifiers, and single-IOVA
 * translation. Every table is read from guest-physical memory through
 * {@link qmig.viommu.DmaMemory}.
 */
package qmig.viommu.vtd;
