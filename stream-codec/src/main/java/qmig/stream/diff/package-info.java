/**
 * What differs between two QEMU 7.2 migration streams: the header, the configuration section,
 * the section lists (keyed by idstr and instance, as {@code qemu_loadvm_section_start_full}
 * finds a handler), the first differing vmstate field of every common section with its byte
 * offset in each stream, and the final RAM content page by page.
 *
 * <p>RAM is compared through 128-bit per-page digests ({@link qmig.stream.diff.PageDigests}), so
 * two large memories are never held at once: a stream's pages are hashed as they are decoded,
 * later sends of a page replace earlier ones (only the content the destination ends with
 * counts), and zero pages cost nothing.
 */
package qmig.stream.diff;
