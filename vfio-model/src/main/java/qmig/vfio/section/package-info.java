/**
 * The {@code <qdev path>/vfio} section payloads of a migration stream: QEMU 7.2
 * {@code hw/vfio/migration.c} (protocol v1) and QEMU 8.0+ (protocol v2), vfio.md §2–§6. All
 * integers big-endian ({@code qemu_put_be64}); the config-space bytes inside are little-endian
 * PCI registers as the guest sees them.
 */
package qmig.vfio.section;
