/**
 * A VFIO container and device as QEMU 7.2 drives them ({@code hw/vfio/}): DMA map/unmap from
 * IOMMU notifications, the device migration state machine and its stream section, dirty page
 * tracking. See {@code spec/vfio.md}. Built in a later milestone.
 */
package qmig.vfio;
