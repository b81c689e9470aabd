/**
 * A VFIO container and device as QEMU drives them ({@code hw/vfio/}, spec/vfio.md):
 * {@code container} (type1 v2 DMA map/unmap rules), {@code notify} (address-space listener and
 * IOMMU notifications), {@code state} (v1/v2 migration state machines), {@code section} (the
 * {@code <path>/vfio} stream section), {@code blocker} (migration blockers per QEMU version) and
 * {@code dirty} (dirty page tracking). Depends on stream-codec only.
 */
package qmig.vfio;
