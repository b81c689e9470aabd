/**
 * The {@code iommu-intel} section (QEMU 7.2 {@code hw/i386/intel_iommu.c}, {@code vtd_vmstate},
 * version 1, 602 bytes; spec/intel-iommu.md §2, §4): its built-in description, the decoded state
 * and the register file image {@code csr}.
 */
package qmig.viommu.vtd.state;
