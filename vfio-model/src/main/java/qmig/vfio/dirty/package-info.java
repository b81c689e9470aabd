/**
 * VFIO dirty page tracking (vfio.md §10): type1 container tracking (every mapped page dirty),
 * device DMA logging (IOVA-indexed bitmaps), and the sync that translates dirty IOVAs through
 * the container's current mappings to guest RAM (ram_addr) pages of a {@code RamDirtyBitmap}.
 */
package qmig.vfio.dirty;
