/**
 * The vIOMMU part of {@code qmig diff}: the intel-iommu registers of two streams and the
 * mappings their post-load replays deliver (QEMU 7.2 {@code vtd_post_load}), per device.
 */
package qmig.tools.diff;
