/**
 * VT-d interrupt remapping as QEMU 7.2 does it ({@code vtd_irte_get},
 * {@code vtd_interrupt_remap_msi}; spec/intel-iommu.md §14): IRTE decode and validation with
 * QEMU's fault codes, source-id checks and remappable-MSI translation.
 */
package qmig.viommu.vtd.ir;
