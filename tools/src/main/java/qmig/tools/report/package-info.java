/**
 * {@code qmig report STREAM --html FILE}: one self-contained HTML page (inline CSS, JS and SVG,
 * nothing fetched) with the stream's records laid out by byte offset, its guest-physical memory
 * map with zero and content pages, and the per-device IOVA mappings the vIOMMU's post-load
 * replay delivers (QEMU 7.2 {@code vtd_post_load}).
 */
package qmig.tools.report;
