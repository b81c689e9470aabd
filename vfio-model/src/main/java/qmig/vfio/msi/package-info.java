/**
 * MSI/MSI-X routes of a loaded vfio-pci config payload (vfio.md §6, "After loading"): which
 * messages the restored MSI capability or MSI-X table would deliver, decoded as x86 MSI
 * (Intel SDM vol. 3, "Message Signalled Interrupts") or resolved through a vIOMMU's interrupt
 * remapping via {@link qmig.vfio.msi.MsiRouter}. This package does not depend on the vIOMMU
 * model; a caller with one adapts its remapper to {@code MsiRouter}.
 */
package qmig.vfio.msi;
