package qmig.tools.report;

import java.util.List;
import qmig.viommu.report.VtdReport;

/**
 * What the HTML page shows, gathered in one pass over a stream by {@link ReportCollector}.
 *
 * @param title     the page title (the file name)
 * @param facts     header facts, in display order
 * @param items     every record in stream order, the 8-byte header first
 * @param total     stream length in bytes (header to the last byte read)
 * @param omitted   records merged away or not listed because of the item cap
 * @param blocks    the RAMBlocks of MEM_SIZE with their zero/content bins, in list order
 * @param ranges    the guest-physical RAM ranges (pc/q35 map), sorted by GPA; empty when unknown
 * @param mapNote   why there is no guest-physical map, or null
 * @param vtd       the vIOMMU replay, or null when the stream has no {@code iommu-intel} section
 * @param vtdNote   what happened to the vIOMMU (absent, or the replay's error), or null
 */
public record StreamReport(String title, List<Fact> facts, List<Item> items, long total, long omitted,
                           List<BlockView> blocks, List<RangeView> ranges, String mapNote, VtdReport vtd,
                           String vtdNote) {

    public StreamReport {
        facts = List.copyOf(facts);
        items = List.copyOf(items);
        blocks = List.copyOf(blocks);
        ranges = List.copyOf(ranges);
    }

    /** One header fact: a stable key (for tests and links), a label and the value shown. */
    public record Fact(String key, String label, String value) {
    }

    /**
     * One record (or, past the item cap, a run of records of the same section).
     *
     * @param index     position in stream order (0 = the 8-byte header)
     * @param offset    stream offset of its first byte
     * @param size      bytes up to the next record (the whole record: header, payload, footer)
     * @param kind      header, configuration, start, part, end, full, command, eof or trailer
     * @param sectionId the section id, or -1
     * @param idstr     the section's idstr, the machine type, the command name, or ""
     * @param instance  the instance id, or -1
     * @param version   the version id, or -1
     * @param detail    one line: description origin, RAM page counts, command data
     * @param count     records this item stands for (1 unless merged)
     * @param decoded   false for a section no description decoded
     */
    public record Item(int index, long offset, long size, String kind, long sectionId, String idstr, long instance,
                       int version, String detail, int count, boolean decoded) {

        public boolean isSection() {
            return kind.equals("start") || kind.equals("part") || kind.equals("end") || kind.equals("full");
        }
    }

    /**
     * One RAMBlock: its pages grouped into bins of {@code binPages} pages; {@code content[i]} is
     * how many pages of bin {@code i} carry content (the others are zero).
     *
     * @param gpas   where parts of the block appear in guest-physical space (block offset, GPA, name)
     * @param sha256 the block's SHA-256 ({@code qmig digest}), or null when not asked for
     */
    public record BlockView(String idstr, long usedLength, long pages, long contentPages, long binPages,
                            int[] content, List<Placement> gpas, String sha256) {
        public BlockView {
            content = content.clone();
            gpas = List.copyOf(gpas);
        }
    }

    /** A part of a block at a guest-physical address. */
    public record Placement(long blockOffset, long gpa, long size, String name) {
    }

    /** One guest-physical RAM range with its zero/content bins, as {@link BlockView}. */
    public record RangeView(long gpa, long size, String block, long blockOffset, String name, long contentPages,
                            long binPages, int[] content) {
        public RangeView {
            content = content.clone();
        }

        public long end() {
            return gpa + size;
        }
    }
}
