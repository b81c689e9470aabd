/**
 * How a VFIO container follows its address space (QEMU 7.2 {@code hw/vfio/common.c}:
 * {@code vfio_listener_region_add/del}, {@code vfio_iommu_map_notify}; vfio.md §1 and §8). The
 * vIOMMU side is not imported: events arrive as {@link qmig.vfio.notify.DmaMapEvent}s and RAM is
 * described by a caller's {@link qmig.vfio.notify.RamOracle}.
 */
package qmig.vfio.notify;
