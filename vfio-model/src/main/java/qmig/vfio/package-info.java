/**
 * A VFIO container and device as QEMU drives them ({@code hw/vfio/}, spec/vfio.md):
 * {@code container} (type1 v2 DMA map/unmap rules), {@code notify} (address-space listener and
 * IOMMU notifications), {@code state} (v1/v2 migration state machines), {@code section} (the
 * {@code <path>/vfio} stream section), {@code blocker} (migration blockers per QEMU version),
 * {@code dirty} (dirty page tracking into a RAM dirty bitmap) and {@code msi} (MSI/MSI-X routes
 * of a loaded config payload, through an {@code MsiRouter} a vIOMMU may supply). Depends on
 * stream-codec only.
 */
package qmig.vfio;
