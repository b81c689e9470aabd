package qmig.stream.memory;

/**
 * How {@link RamEmitter} writes a memory (QEMU 7.2 {@code ram_save_target_page}, spec/ram.md §3).
 *
 * @param pagesPerPart  most page records per PART section (QEMU bounds a PART by time; 0 = one
 *                      PART with every page)
 * @param pagesInEnd    put every page in the END section instead (no PART), as a completion-only save
 * @param xbzrleBase    when not null: send only the pages that differ from this memory (what the
 *                      destination already holds), as XBZRLE deltas, falling back to PAGE when the
 *                      encoding passes 4096 bytes, and ZERO for pages that became zero
 * @param compressLevel -1 for no compression; 0-9 for capability {@code compress} at that level (QEMU's
 *                      default {@code compress-level} is 1): the first page of each block goes out as a
 *                      normal ZERO/PAGE record to name the block, the rest as ZERO or COMPRESS_PAGE
 */
public record EmitOptions(int pagesPerPart, boolean pagesInEnd, GuestMemory xbzrleBase, int compressLevel) {

    public EmitOptions {
        if (pagesPerPart < 0) {
            throw new IllegalArgumentException("pagesPerPart " + pagesPerPart);
        }
        if (compressLevel < -1 || compressLevel > 9) {
            throw new IllegalArgumentException("compress level " + compressLevel + " outside -1..9");
        }
        if (xbzrleBase != null && compressLevel >= 0) {
            throw new IllegalArgumentException("XBZRLE and compression exclude each other (7.2 stops compressing once XBZRLE is active)");
        }
    }

    /** Plain ZERO/PAGE records, at most 4096 pages per PART. */
    public static EmitOptions plain() {
        return new EmitOptions(4096, false, null, -1);
    }

    public EmitOptions withPagesPerPart(int n) {
        return new EmitOptions(n, pagesInEnd, xbzrleBase, compressLevel);
    }

    public EmitOptions withPagesInEnd(boolean v) {
        return new EmitOptions(pagesPerPart, v, xbzrleBase, compressLevel);
    }

    public EmitOptions withXbzrle(GuestMemory base) {
        return new EmitOptions(pagesPerPart, pagesInEnd, base, compressLevel);
    }

    /** COMPRESS_PAGE at {@code level} (1 is QEMU's default). */
    public EmitOptions withCompression(int level) {
        return new EmitOptions(pagesPerPart, pagesInEnd, xbzrleBase, level);
    }
}
