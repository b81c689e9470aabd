package qmig.stream.ram;

import java.io.IOException;
import java.util.List;

/**
 * Receives the pages of a {@code ram} section as {@link RamSectionCodec} decodes them, in stream
 * order. {@code block} is always the resolved RAMBlock idstr (also for CONTINUE records) and
 * {@code offset} the page-aligned byte offset inside it, already checked against the block's used
 * length. Every method has an empty default.
 *
 * <p>Buffers are lent, not given: unless the codec retains pages, {@code src} is one reused array
 * that is overwritten by the next record; copy what you keep.
 *
 * <p>A sink that only counts pages returns false from {@link #wantsContent()}; the codec then
 * skips page and compressed bodies (a seek on a file) and passes {@code src == null}. XBZRLE bodies
 * are small and always read, because the codec checks their run structure.
 *
 * <p>A caller that re-reads a section after {@code Truncated} will deliver its first pages again.
 */
public interface PageSink {

    /** Ignores everything and wants no content. */
    PageSink NONE = new PageSink() {
        @Override
        public boolean wantsContent() {
            return false;
        }
    };

    /** Whether page bytes should be read and passed; false lets the codec skip them. */
    default boolean wantsContent() {
        return true;
    }

    /** The MEM_SIZE list of a START section. */
    default void memSize(List<BlockInfo> blocks) throws IOException {
    }

    /** A ZERO record: the page is {@code fill} repeated (QEMU 7.2 memsets any value; the writer sends 0). */
    default void zero(String block, long offset, int fill) throws IOException {
    }

    /** A PAGE record: 4096 bytes at {@code src[srcOff ..]}, or {@code src == null} when content is skipped. */
    default void page(String block, long offset, byte[] src, int srcOff) throws IOException {
    }

    /**
     * An XBZRLE record: {@code len} encoded bytes at {@code encoded[off ..]}, already checked by
     * {@link Xbzrle#validate}; apply with {@link Xbzrle#decode} onto the page's current content.
     */
    default void xbzrle(String block, long offset, byte[] encoded, int off, int len) throws IOException {
    }

    /**
     * A COMPRESS_PAGE record: a zlib stream of {@code len} bytes at {@code zlib[off ..]}, or
     * {@code zlib == null} when content is skipped; inflate with {@link ZlibPage}.
     */
    default void compressed(String block, long offset, byte[] zlib, int off, int len) throws IOException {
    }

    /** A MULTIFD_FLUSH record ([8.1] flush mode): a multifd sync point. */
    default void multifdFlush() throws IOException {
    }

    /** The EOS record that ends the section (with multifd in 7.2 also a sync point). */
    default void eos() throws IOException {
    }
}
