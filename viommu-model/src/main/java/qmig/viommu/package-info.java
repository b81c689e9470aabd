/**
 * Intel VT-d as QEMU 7.2's {@code intel-iommu} device ({@code hw/i386/intel_iommu.c}): its
 * {@code iommu-intel} vmstate, the address-space switch and replay of {@code vtd_post_load},
 * and interrupt remapping. See {@code spec/intel-iommu.md}. Built in the next milestone.
 */
package qmig.viommu;
