/**
 * A printable summary of a stream's VT-d state for the command line ({@code qmig iommu},
 * {@code qmig translate}, {@code qmig irte}): registers, mode, per-device contexts and the
 * mappings the post-load replay delivers.
 */
package qmig.viommu.report;
