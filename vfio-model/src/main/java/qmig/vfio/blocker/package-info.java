/**
 * VFIO migration blockers per QEMU version (vfio.md §9, seed-series.md §2-3): given a
 * configuration, whether migration is allowed and the exact blocker text otherwise.
 */
package qmig.vfio.blocker;
