/**
 * The VFIO device migration state machines: protocol v1 of QEMU 7.2 (the {@code device_state}
 * bitfield of the deprecated migration region, {@code hw/vfio/migration.c}) and protocol v2 of
 * QEMU 8.0+ / Linux 5.18+ (the {@code VFIO_DEVICE_STATE_*} FSM and the kernel's next-hop table,
 * {@code vfio_mig_get_next_state}). vfio.md §4.2, §5.2, §5.3.
 */
package qmig.vfio.state;
