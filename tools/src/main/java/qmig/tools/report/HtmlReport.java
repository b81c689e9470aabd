package qmig.tools.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.tools.report.StreamReport.BlockView;
import qmig.tools.report.StreamReport.Fact;
import qmig.tools.report.StreamReport.Item;
import qmig.tools.report.StreamReport.Placement;
import qmig.tools.report.StreamReport.RangeView;
import qmig.viommu.report.DeviceReport;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.DeviceContext;
import qmig.viommu.vtd.IotlbEvent;

/**
 * Renders a {@link StreamReport} as one self-contained HTML page: inline CSS and JS (from this
 * package's resources), SVG drawn here, the records as JSON for the details panel. A
 * Content-Security-Policy forbids every fetch, so the page works offline and from any directory.
 * Every string from the stream is escaped: idstrs and trailer text are input, not markup.
 */
public final class HtmlReport {

    /** Mapping rows listed per device; the rest are counted in a note. */
    public static final int MAX_MAPPING_ROWS = 500;
    /** Devices drawn with their own strip and mappings table; every device stays in the devices table. */
    public static final int MAX_DEVICE_SECTIONS = 32;
    /** Rows of the devices table. */
    public static final int MAX_DEVICE_ROWS = 1024;
    static final int W = 1200;
    private static final int IOVA_BINS = 600;

    private final StreamReport r;
    private final StringBuilder sb = new StringBuilder(1 << 16);

    private HtmlReport(StreamReport r) {
        this.r = r;
    }

    public static String render(StreamReport r) {
        return new HtmlReport(r).page();
    }

    private String page() {
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        sb.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"
                + " script-src 'unsafe-inline'; img-src data:\">\n");
        sb.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.append("<link rel=\"icon\" href=\"data:,\">\n");
        sb.append("<title>qmig report: ").append(esc(r.title())).append("</title>\n<style>\n")
                .append(resource("report.css")).append("</style></head>\n<body>\n");
        sb.append("<header class=\"top\"><h1>qmig report</h1><div class=\"sub\">").append(esc(r.title()))
                .append("</div></header>\n");
        sb.append("<nav><a href=\"#facts\">Overview</a><a href=\"#timeline\">Timeline</a><a href=\"#sections\">Records</a>"
                + "<a href=\"#memory\">Memory map</a><a href=\"#viommu\">vIOMMU</a></nav>\n<main>\n");
        facts();
        timeline();
        table();
        memory();
        viommu();
        sb.append("<footer>Written by qmig report. Self-contained: no external resources.</footer>\n</main>\n");
        sb.append("<div id=\"tip\" class=\"tip\" hidden></div>\n");
        sb.append("<script type=\"application/json\" id=\"records-data\">").append(recordsJson()).append("</script>\n");
        sb.append("<script>\n").append(resource("report.js")).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    // ---- facts ---------------------------------------------------------------------------------

    private void facts() {
        sb.append("<section class=\"card\" id=\"facts\"><h2>Overview</h2><dl class=\"facts\">\n");
        for (Fact f : r.facts()) {
            sb.append("<dt>").append(esc(f.label())).append("</dt><dd data-key=\"").append(esc(f.key())).append("\">")
                    .append(esc(f.value())).append("</dd>\n");
        }
        sb.append("</dl></section>\n");
    }

    // ---- timeline ------------------------------------------------------------------------------

    static String color(Item it, int i) {
        if (!it.decoded()) {
            return "#dc2626";
        }
        switch (it.kind()) {
            case "header":
                return "#4b5563";
            case "configuration":
                return "#9ca3af";
            case "command":
                return "#eab308";
            case "eof":
                return "#111827";
            case "trailer":
                return "#db2777";
            default:
                break;
        }
        if (it.idstr().equals("ram")) {
            return switch (it.kind()) {
                case "start" -> "#1e40af";
                case "end" -> "#1e3a8a";
                default -> (i & 1) == 0 ? "#3b82f6" : "#60a5fa";
            };
        }
        if (it.idstr().equals("iommu-intel")) {
            return "#9333ea";
        }
        int h = Math.floorMod(it.idstr().hashCode(), 140) + 15; // reds, oranges, greens: not the RAM blues
        return "hsl(" + h + ",62%," + ((i & 1) == 0 ? 42 : 52) + "%)";
    }

    private void timeline() {
        List<Item> items = r.items();
        long total = Math.max(1, r.total());
        sb.append("<section class=\"card\" id=\"timeline\"><h2>Section timeline</h2>\n");
        sb.append("<p class=\"note\">Every record in stream order. The first strip is scaled by bytes (RAM parts dominate"
                + " it); the second gives each record the same width. Hover for facts, click for details.</p>\n");
        sb.append("<div class=\"legend\">");
        legend("#4b5563", "header");
        legend("#9ca3af", "configuration");
        legend("#3b82f6", "ram START/PART/END");
        legend("#9333ea", "iommu-intel");
        legend("hsl(95,62%,42%)", "device (FULL)");
        legend("#dc2626", "undecoded");
        legend("#eab308", "command");
        legend("#111827", "EOF");
        legend("#db2777", "VMDESCRIPTION trailer");
        sb.append("</div>\n");
        sb.append("<div class=\"strip-label\">by bytes: 0 to ").append(hex(total)).append(" (")
                .append(esc(ReportCollector.bytes(total))).append(")</div>\n");
        sb.append("<svg id=\"tl-bytes\" viewBox=\"0 0 ").append(W).append(" 64\" role=\"img\""
                + " aria-label=\"records by byte offset\">\n");
        sb.append("<rect x=\"0\" y=\"4\" width=\"").append(W).append("\" height=\"36\" fill=\"#f1f5f9\"/>\n");
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            double x = it.offset() * (double) W / total;
            double w = Math.max(0.75, it.size() * (double) W / total);
            sb.append("<rect class=\"seg\" data-i=\"").append(i).append("\" data-kind=\"").append(it.kind())
                    .append("\" x=\"").append(f(x)).append("\" y=\"4\" width=\"").append(f(w))
                    .append("\" height=\"36\" fill=\"").append(color(it, i)).append("\"/>\n");
        }
        for (int t = 0; t <= 4; t++) {
            double x = t * W / 4.0;
            long off = total * t / 4;
            sb.append("<line x1=\"").append(f(x)).append("\" x2=\"").append(f(x))
                    .append("\" y1=\"40\" y2=\"46\" stroke=\"#9ca3af\"/><text x=\"").append(f(x)).append("\" y=\"58\"")
                    .append(t == 0 ? "" : t == 4 ? " text-anchor=\"end\"" : " text-anchor=\"middle\"").append('>')
                    .append(hex(off)).append("</text>\n");
        }
        sb.append("</svg>\n");
        int n = Math.max(1, items.size());
        double cw = (double) W / n;
        sb.append("<div class=\"strip-label\">by record: ").append(items.size()).append(" records</div>\n");
        sb.append("<svg id=\"tl-records\" viewBox=\"0 0 ").append(W).append(" 30\" role=\"img\""
                + " aria-label=\"one cell per record\">\n");
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            sb.append("<rect class=\"cell\" data-i=\"").append(i).append("\" x=\"").append(f(i * cw))
                    .append("\" y=\"2\" width=\"").append(f(Math.max(0.5, cw - (cw > 4 ? 1 : 0))))
                    .append("\" height=\"26\" fill=\"").append(color(it, i)).append("\"/>\n");
        }
        sb.append("</svg>\n");
        sb.append("<div id=\"details\" class=\"details\">Click a record in a strip or in the table below.</div>\n");
        sb.append("</section>\n");
    }

    private void legend(String color, String label) {
        sb.append("<span><i style=\"background:").append(color).append("\"></i>").append(esc(label)).append("</span>");
    }

    // ---- records table ---------------------------------------------------------------------------

    private void table() {
        List<Item> items = r.items();
        sb.append("<section class=\"card\" id=\"sections\"><h2>Records</h2>\n");
        sb.append("<p class=\"note\">").append(items.size()).append(" rows; click a column to sort.");
        if (r.omitted() > 0) {
            sb.append(" <span class=\"more\">").append(r.omitted()).append(" more records are not listed (cap ")
                    .append(ReportCollector.MAX_ITEMS).append(").</span>");
        }
        sb.append("</p>\n<div class=\"tablewrap\"><table id=\"sec-table\" class=\"sortable\"><thead><tr>"
                + "<th class=\"num\" data-sort=\"num\">#</th><th class=\"num\" data-sort=\"num\">Offset</th><th>Kind</th>"
                + "<th class=\"num\" data-sort=\"num\">ID</th><th>idstr</th><th class=\"num\" data-sort=\"num\">Instance</th>"
                + "<th class=\"num\" data-sort=\"num\">Version</th><th class=\"num\" data-sort=\"num\">Size</th>"
                + "<th>Detail</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            sb.append("<tr class=\"rec").append(it.decoded() ? "" : " undecoded").append("\" data-i=\"").append(i)
                    .append("\" data-order=\"").append(i).append("\" data-kind=\"").append(it.kind()).append("\">");
            numCell(i, Integer.toString(i));
            numCell(it.offset(), hex(it.offset()));
            sb.append("<td><span class=\"kind\" style=\"background:").append(color(it, i)).append("\">")
                    .append(it.kind().toUpperCase()).append(it.count() > 1 ? " x" + it.count() : "")
                    .append("</span></td>");
            numCell(it.sectionId(), it.sectionId() < 0 ? "" : Long.toString(it.sectionId()));
            sb.append("<td class=\"mono\">").append(esc(it.idstr())).append("</td>");
            numCell(it.instance(), it.instance() < 0 ? "" : Long.toString(it.instance()));
            numCell(it.version(), it.version() < 0 ? "" : Integer.toString(it.version()));
            numCell(it.size(), String.format(Locale.ROOT, "%,d", it.size()));
            sb.append("<td class=\"wrap\">").append(esc(it.detail())).append("</td></tr>\n");
        }
        sb.append("</tbody></table></div></section>\n");
    }

    private void numCell(long v, String text) {
        sb.append("<td class=\"num mono\" data-v=\"").append(v).append("\">").append(esc(text)).append("</td>");
    }

    // ---- memory ------------------------------------------------------------------------------------

    /** Zero bins are light grey; bins with content go from light to dark green by their share of content pages. */
    static String binColor(int content, long pages) {
        if (content <= 0) {
            return "#e8ecf1";
        }
        int level = (int) Math.min(7, Math.round(7.0 * content / Math.max(1, pages)));
        String[] ramp = {"#c7eed6", "#a7e3bf", "#7fd1a0", "#55bb80", "#35a066", "#238552", "#176b41", "#0f5132"};
        return ramp[level];
    }

    /** Bins drawn as runs of one colour over {@code [x, x + w)}. */
    private void bins(int[] content, long binPages, long pages, double x, double y, double w, double h) {
        int n = content.length;
        if (n == 0) {
            return;
        }
        int i = 0;
        while (i < n) {
            long inBin = Math.min(binPages, pages - (long) i * binPages);
            String c = binColor(content[i], inBin);
            int j = i + 1;
            while (j < n && binColor(content[j], Math.min(binPages, pages - (long) j * binPages)).equals(c)) {
                j++;
            }
            sb.append("<rect class=\"bin\" x=\"").append(f(x + w * i / n)).append("\" y=\"").append(f(y))
                    .append("\" width=\"").append(f(w * (j - i) / n + 0.01)).append("\" height=\"").append(f(h))
                    .append("\" fill=\"").append(c).append("\"/>");
            i = j;
        }
        sb.append('\n');
    }

    private void memory() {
        sb.append("<section class=\"card\" id=\"memory\"><h2>Guest-physical memory</h2>\n");
        sb.append("<div class=\"legend\"><span><i style=\"background:#e8ecf1\"></i>zero pages</span>"
                + "<span><i style=\"background:#a7e3bf\"></i>some pages with content</span>"
                + "<span><i style=\"background:#0f5132\"></i>all pages with content</span>"
                + "<span><i style=\"background:repeating-linear-gradient(45deg,#fff,#fff 2px,#cbd5e1 2px,#cbd5e1 4px)\">"
                + "</i>not RAM (MMIO, PCI window, hole)</span></div>\n");
        if (r.ranges().isEmpty()) {
            sb.append("<p class=\"none\" id=\"no-map\">No guest-physical map: ").append(esc(r.mapNote()))
                    .append("</p>\n");
        } else {
            gpaMap();
            rangeTable();
        }
        sb.append("<h3>RAMBlocks</h3>\n<p class=\"note\">Each block from offset 0 to its used length; green bins carry"
                + " content, grey ones are zero. Markers show where parts of the block sit in guest-physical space.</p>\n");
        sb.append("<div class=\"blocks\" id=\"blocks\">\n");
        for (BlockView b : r.blocks()) {
            sb.append("<div class=\"name\">").append(esc(b.idstr())).append("<small>")
                    .append(esc(size(b.usedLength()))).append(", ").append(b.contentPages()).append(" of ")
                    .append(b.pages()).append(" pages with content");
            if (b.sha256() != null) {
                sb.append("<br><span class=\"sha\" title=\"SHA-256 of the block\">sha256 ").append(esc(b.sha256()))
                        .append("</span>");
            }
            sb.append("</small></div>\n");
            sb.append("<svg class=\"blk\" data-block=\"").append(esc(b.idstr())).append("\" viewBox=\"0 0 ")
                    .append(W).append(' ').append(b.gpas().isEmpty() ? 22 : b.gpas().size() > 1 ? 50 : 38).append("\">");
            sb.append("<rect x=\"0\" y=\"2\" width=\"").append(W).append("\" height=\"18\" fill=\"#e8ecf1\" data-tip=\"")
                    .append(esc(b.idstr() + "\nused length " + hex(b.usedLength()) + " (" + size(b.usedLength())
                            + ")\n" + b.contentPages() + " pages with content, " + (b.pages() - b.contentPages())
                            + " zero")).append("\"/>");
            bins(b.content(), b.binPages(), b.pages(), 0, 2, W, 18);
            double lastLabel = -1e9;
            int row = 0;
            for (int k = 0; k < b.gpas().size(); k++) {
                Placement p = b.gpas().get(k);
                double x = p.blockOffset() * (double) W / Math.max(1, b.usedLength());
                row = x - lastLabel < 170 ? 1 - row : 0;
                lastLabel = x;
                int y = row == 0 ? 33 : 46;
                sb.append("<line x1=\"").append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"0\" y2=\"")
                        .append(y - 8).append("\" stroke=\"#1f2937\" stroke-width=\"1\"/>");
                sb.append("<text x=\"").append(f(Math.min(x + 2, W - 2))).append("\" y=\"").append(y).append('"')
                        .append(x > W - 160 ? " text-anchor=\"end\"" : "").append(" data-tip=\"")
                        .append(esc(p.name() + ": block offset " + hex(p.blockOffset()) + " at GPA " + hex(p.gpa())
                                + ", " + size(p.size()))).append("\">")
                        .append(esc(hex(p.blockOffset()) + " \u2192 GPA " + hex(p.gpa()))).append("</text>");
            }
            sb.append("</svg>\n");
        }
        sb.append("</div></section>\n");
    }

    private void gpaMap() {
        List<RangeView> ranges = r.ranges();
        // segments: RAM ranges and the holes between them; widths grow with sqrt(size) so small ROMs stay visible
        final double hole = 26;
        final double minW = 44;
        List<long[]> segs = new ArrayList<>(); // {start, end, rangeIndex or -1}
        long at = 0;
        for (int i = 0; i < ranges.size(); i++) {
            RangeView rv = ranges.get(i);
            if (rv.gpa() > at) {
                segs.add(new long[] {at, rv.gpa(), -1});
            }
            segs.add(new long[] {rv.gpa(), rv.end(), i});
            at = rv.end();
        }
        int holes = 0;
        double weights = 0;
        for (long[] s : segs) {
            if (s[2] < 0) {
                holes++;
            } else {
                weights += Math.sqrt(s[1] - s[0]);
            }
        }
        double avail = W - holes * hole;
        double[] width = new double[segs.size()];
        double fixed = 0;
        double freeWeights = weights;
        boolean[] clamped = new boolean[segs.size()];
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < segs.size(); i++) {
                long[] s = segs.get(i);
                if (s[2] < 0 || clamped[i]) {
                    continue;
                }
                double w = (avail - fixed) * Math.sqrt(s[1] - s[0]) / freeWeights;
                if (w < minW) {
                    clamped[i] = true;
                    fixed += minW;
                    freeWeights -= Math.sqrt(s[1] - s[0]);
                }
            }
        }
        for (int i = 0; i < segs.size(); i++) {
            long[] s = segs.get(i);
            width[i] = s[2] < 0 ? hole : clamped[i] ? minW
                    : (avail - fixed) * Math.sqrt(s[1] - s[0]) / Math.max(1e-9, freeWeights);
        }
        sb.append("<p class=\"note\">Guest-physical address space of the ").append(esc(machine()))
                .append(" map: RAM ranges (widths grow with the square root of their size) and the gaps between them.</p>\n");
        sb.append("<svg id=\"gpa-map\" viewBox=\"0 0 ").append(W).append(" 104\" role=\"img\""
                + " aria-label=\"guest-physical memory map\">\n");
        sb.append("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\""
                + " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
                + "<rect width=\"3\" height=\"6\" fill=\"#cbd5e1\"/></pattern></defs>\n");
        double x = 0;
        int tick = 0;
        double lastTick = -1e9;
        for (int i = 0; i < segs.size(); i++) {
            long[] s = segs.get(i);
            double w = width[i];
            if (s[2] < 0) {
                sb.append("<rect class=\"gap\" x=\"").append(f(x)).append("\" y=\"22\" width=\"").append(f(w))
                        .append("\" height=\"34\" fill=\"url(#hatch)\" data-tip=\"")
                        .append(esc("not RAM " + hex(s[0]) + "-" + hex(s[1] - 1) + " (" + size(s[1] - s[0])
                                + "): MMIO, PCI window or unassigned")).append("\"/>\n");
            } else {
                RangeView rv = ranges.get((int) s[2]);
                long pages = (rv.size() + 4095) / 4096;
                sb.append("<g class=\"rng\" data-block=\"").append(esc(rv.block())).append("\" data-gpa=\"")
                        .append(hex(rv.gpa())).append("\">");
                sb.append("<rect x=\"").append(f(x)).append("\" y=\"22\" width=\"").append(f(w))
                        .append("\" height=\"34\" fill=\"#e8ecf1\"/>");
                bins(rv.content(), rv.binPages(), pages, x, 22, w, 34);
                sb.append("<rect x=\"").append(f(x)).append("\" y=\"22\" width=\"").append(f(w))
                        .append("\" height=\"34\" fill=\"transparent\" stroke=\"#334155\" stroke-width=\"1\" data-tip=\"")
                        .append(esc(rv.name() + "\nGPA " + hex(rv.gpa()) + "-" + hex(rv.end() - 1) + " (" + size(rv.size())
                                + ")\nblock " + rv.block() + " offset " + hex(rv.blockOffset()) + "\n" + rv.contentPages()
                                + " of " + pages + " pages with content")).append("\"/>");
                String label = rv.block().equals(rv.name()) ? rv.name() : rv.block() + " (" + rv.name() + ")";
                if (w >= 60) {
                    sb.append("<text class=\"lbl\" x=\"").append(f(x + 3)).append("\" y=\"16\">")
                            .append(esc(fit(label, w))).append("</text>");
                } else {
                    sb.append("<text class=\"lbl\" x=\"").append(f(x + w / 2)).append("\" y=\"").append(i % 4 == 1 ? 8 : 16)
                            .append("\" text-anchor=\"middle\">").append(esc(fit(rv.name(), 90))).append("</text>");
                }
                sb.append("</g>\n");
            }
            tick = x - lastTick < 78 ? (tick + 1) % 3 : 0;
            lastTick = x;
            tick(x, tick, s[0]);
            x += w;
        }
        tick = W - lastTick < 78 ? (tick + 1) % 3 : 0;
        tick(W, tick, at);
        sb.append("</svg>\n");
    }

    /** A GPA tick under the map, on one of three rows so close neighbours do not overlap. */
    private void tick(double x, int row, long gpa) {
        int y = 72 + 13 * row;
        sb.append("<line x1=\"").append(f(x)).append("\" x2=\"").append(f(x)).append("\" y1=\"56\" y2=\"")
                .append(y - 9).append("\" stroke=\"#9ca3af\"/>");
        sb.append("<text x=\"").append(f(x > W - 90 ? x - 1 : x + 1)).append("\" y=\"").append(y).append('"')
                .append(x > W - 90 ? " text-anchor=\"end\"" : "").append('>').append(hex(gpa)).append("</text>\n");
    }

    private String machine() {
        for (Fact f : r.facts()) {
            if (f.key().equals("machine")) {
                return f.value();
            }
        }
        return "?";
    }

    private void rangeTable() {
        sb.append("<div class=\"tablewrap\" style=\"margin-top:10px\"><table id=\"gpa-ranges\" class=\"sortable\"><thead><tr>"
                + "<th class=\"num\" data-sort=\"num\">GPA start</th><th class=\"num\" data-sort=\"num\">GPA end</th>"
                + "<th class=\"num\" data-sort=\"num\">Size</th><th>RAMBlock</th><th class=\"num\" data-sort=\"num\">"
                + "Block offset</th><th>Name</th><th class=\"num\" data-sort=\"num\">Pages with content</th></tr></thead><tbody>\n");
        int i = 0;
        for (RangeView rv : r.ranges()) {
            sb.append("<tr data-order=\"").append(i++).append("\" data-block=\"").append(esc(rv.block())).append("\">");
            numCell(rv.gpa(), hex(rv.gpa()));
            numCell(rv.end() - 1, hex(rv.end() - 1));
            numCell(rv.size(), size(rv.size()));
            sb.append("<td class=\"mono\">").append(esc(rv.block())).append("</td>");
            numCell(rv.blockOffset(), hex(rv.blockOffset()));
            sb.append("<td class=\"mono\">").append(esc(rv.name())).append("</td>");
            numCell(rv.contentPages(), rv.contentPages() + " / " + (rv.size() + 4095) / 4096);
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div>\n");
    }

    // ---- vIOMMU --------------------------------------------------------------------------------------

    private void viommu() {
        sb.append("<section class=\"card\" id=\"viommu\"><h2>vIOMMU: IOVA mappings per device</h2>\n");
        VtdReport v = r.vtd();
        if (v == null) {
            sb.append("<p class=\"none\" id=\"no-viommu\">").append(esc(r.vtdNote())).append("</p></section>\n");
            return;
        }
        sb.append("<p class=\"note\">The guest's VT-d tables walked in the migrated RAM and replayed as QEMU 7.2's"
                + " vtd_post_load does for a device behind the vIOMMU (as qmig iommu and qmig vfio).</p>\n");
        sb.append("<pre class=\"vtd\">").append(esc(summary(v.toText(false)))).append("</pre>\n");
        if (!v.state().dmarEnabled()) {
            sb.append("<p class=\"none\">DMA translation is off: devices use identity address spaces, nothing is"
                    + " replayed.</p>\n");
        }
        sb.append("<div class=\"tablewrap\"><table id=\"vtd-devices\" class=\"sortable\"><thead><tr><th>BDF</th>"
                + "<th class=\"num\" data-sort=\"num\">Domain</th><th>Type</th><th class=\"num\" data-sort=\"num\">Levels</th>"
                + "<th class=\"num\" data-sort=\"num\">Table root</th><th class=\"num\" data-sort=\"num\">Mappings</th>"
                + "<th class=\"num\" data-sort=\"num\">Mapped</th><th>IOVA range</th><th>By page size</th></tr></thead><tbody>\n");
        int order = 0;
        for (DeviceReport d : v.devices()) {
            if (order == MAX_DEVICE_ROWS) {
                break;
            }
            sb.append("<tr data-order=\"").append(order++).append("\" data-bdf=\"").append(d.bdf()).append("\">");
            sb.append("<td class=\"mono\">").append(d.bdf()).append("</td>");
            DeviceContext c = d.context();
            if (c == null) {
                sb.append("<td colspan=\"8\" class=\"wrap\">fault ").append(esc(String.valueOf(d.fault()))).append(": ")
                        .append(esc(String.valueOf(d.faultDetail()))).append("</td></tr>\n");
                continue;
            }
            numCell(c.domainId(), Integer.toString(c.domainId()));
            sb.append("<td>").append(esc(c.typeName())).append("</td>");
            numCell(c.levels(), Integer.toString(c.levels()));
            numCell(c.tableRoot(), hex(c.tableRoot()));
            numCell(d.mappings(), Long.toString(d.mappings()));
            numCell(d.mappedBytes(), size(d.mappedBytes()));
            sb.append("<td class=\"mono\">").append(d.mappings() > 0 ? hex(d.iovaMin()) + "-" + hex(d.iovaMax()) : "")
                    .append("</td><td class=\"mono\">");
            for (Map.Entry<Long, Long> e : d.bySize().entrySet()) {
                sb.append(esc(size(e.getKey()))).append(": ").append(e.getValue()).append(' ');
            }
            sb.append("</td></tr>\n");
        }
        sb.append("</tbody></table></div>\n");
        if (v.devices().size() > MAX_DEVICE_ROWS) {
            sb.append("<p class=\"more\">").append(v.devices().size() - MAX_DEVICE_ROWS)
                    .append(" more devices not listed (qmig iommu lists every one).</p>\n");
        }
        int drawn = 0;
        int skipped = 0;
        for (DeviceReport d : v.devices()) {
            if (d.context() != null && d.mappings() > 0) {
                if (drawn < MAX_DEVICE_SECTIONS) {
                    device(d);
                    drawn++;
                } else {
                    skipped++;
                }
            }
        }
        if (skipped > 0) {
            sb.append("<p class=\"more\">").append(skipped).append(" more devices with mappings are only in the devices"
                    + " table (at most ").append(MAX_DEVICE_SECTIONS).append(" are drawn).</p>\n");
        }
        sb.append("</section>\n");
    }

    /** The register lines of {@code qmig iommu}'s text, without the per-device lines the tables show. */
    private static String summary(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.matches("^[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7] .*")) {
                continue;
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private void device(DeviceReport d) {
        List<IotlbEvent> ev = d.events();
        sb.append("<div class=\"device\" data-bdf=\"").append(d.bdf()).append("\" data-mappings=\"").append(d.mappings())
                .append("\">\n<h3>").append(d.bdf()).append(": <span class=\"count\">").append(d.mappings())
                .append("</span> mappings, ").append(esc(size(d.mappedBytes()))).append(", IOVA ").append(hex(d.iovaMin()))
                .append('-').append(hex(d.iovaMax())).append("</h3>\n");
        // the IOVA strip: [lo, hi] split into bins; each bin takes the permission of the mappings in it
        long lo = d.iovaMin() & ~0xfffL;
        long hi = d.iovaMax();
        double span = (double) (hi - lo) + 1;
        int[] kind = new int[IOVA_BINS]; // bit 0: read-only seen, bit 1: write-only, bit 2: read-write
        for (IotlbEvent e : ev) {
            int b0 = (int) Math.min(IOVA_BINS - 1, Math.floor((e.iova() - lo) / span * IOVA_BINS));
            int b1 = (int) Math.min(IOVA_BINS - 1, Math.floor((e.lastIova() - lo) / span * IOVA_BINS));
            int bit = e.perm().read() && e.perm().write() ? 4 : e.perm().write() ? 2 : 1;
            for (int b = Math.max(0, b0); b <= b1; b++) {
                kind[b] |= bit;
            }
        }
        sb.append("<div class=\"legend\"><span><i style=\"background:#0d9488\"></i>read-write</span>"
                + "<span><i style=\"background:#2563eb\"></i>read-only</span><span><i style=\"background:#ea580c\"></i>"
                + "write-only</span><span><i style=\"background:#7c3aed\"></i>mixed</span>"
                + "<span><i style=\"background:#eef2f7\"></i>unmapped</span></div>\n");
        sb.append("<svg class=\"iova\" data-bdf=\"").append(d.bdf()).append("\" viewBox=\"0 0 ").append(W)
                .append(" 44\" role=\"img\" aria-label=\"IOVA space\">");
        sb.append("<rect x=\"0\" y=\"2\" width=\"").append(W).append("\" height=\"22\" fill=\"#eef2f7\"/>");
        double bw = (double) W / IOVA_BINS;
        int i = 0;
        while (i < IOVA_BINS) {
            int j = i + 1;
            while (j < IOVA_BINS && kind[j] == kind[i]) {
                j++;
            }
            if (kind[i] != 0) {
                String c = kind[i] == 4 ? "#0d9488" : kind[i] == 1 ? "#2563eb" : kind[i] == 2 ? "#ea580c" : "#7c3aed";
                long from = lo + (long) (span * i / IOVA_BINS);
                long to = lo + (long) (span * j / IOVA_BINS) - 1;
                sb.append("<rect class=\"map\" x=\"").append(f(i * bw)).append("\" y=\"2\" width=\"")
                        .append(f((j - i) * bw)).append("\" height=\"22\" fill=\"").append(c).append("\" data-tip=\"")
                        .append(esc("IOVA ~" + hex(from) + "-" + hex(to))).append("\"/>");
            }
            i = j;
        }
        sb.append("<text x=\"0\" y=\"38\">").append(hex(lo)).append("</text><text x=\"").append(W / 2)
                .append("\" y=\"38\" text-anchor=\"middle\">").append(hex(lo + (long) (span / 2))).append("</text><text x=\"")
                .append(W).append("\" y=\"38\" text-anchor=\"end\">").append(hex(hi)).append("</text></svg>\n");
        sb.append("<div class=\"tablewrap\"><table class=\"mappings sortable\" data-bdf=\"").append(d.bdf())
                .append("\"><thead><tr><th class=\"num\" data-sort=\"num\">IOVA</th><th class=\"num\" data-sort=\"num\">"
                        + "IOVA end</th><th class=\"num\" data-sort=\"num\">GPA</th><th class=\"num\" data-sort=\"num\">"
                        + "Size</th><th>Perm</th></tr></thead><tbody>\n");
        int n = Math.min(ev.size(), MAX_MAPPING_ROWS);
        for (int k = 0; k < n; k++) {
            IotlbEvent e = ev.get(k);
            sb.append("<tr data-order=\"").append(k).append("\">");
            numCell(e.iova(), hex(e.iova()));
            numCell(e.lastIova(), hex(e.lastIova()));
            numCell(e.translatedAddr(), hex(e.translatedAddr()));
            numCell(e.size(), size(e.size()));
            sb.append("<td class=\"mono\">").append(e.perm().name()).append("</td></tr>\n");
        }
        sb.append("</tbody></table></div>\n");
        if (ev.size() > n) {
            sb.append("<p class=\"more\">").append(ev.size() - n).append(" more mappings not listed (").append(ev.size())
                    .append(" in all; qmig iommu --mappings lists every one).</p>\n");
        }
        sb.append("</div>\n");
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private String recordsJson() {
        List<JsonValue> out = new ArrayList<>();
        for (Item it : r.items()) {
            out.add(JsonValue.JObject.of("offset", it.offset(), "size", it.size(), "kind", it.kind(), "id", it.sectionId(),
                    "idstr", it.idstr(), "instance", it.instance(), "version", (long) it.version(), "detail", it.detail(),
                    "count", (long) it.count(), "decoded", it.decoded()));
        }
        // inside <script>, "<" must not start a tag: JSON allows the \\u003c escape
        return Json.toQemuString(new JsonValue.JArray(out)).replace("<", "\\u003c").replace(">", "\\u003e");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder o = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> o.append("&lt;");
                case '>' -> o.append("&gt;");
                case '&' -> o.append("&amp;");
                case '"' -> o.append("&quot;");
                case '\'' -> o.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        o.append("&#xfffd;");
                    } else {
                        o.append(c);
                    }
                }
            }
        }
        return o.toString();
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String size(long n) {
        if (n >= 1L << 30 && n % (1L << 30) == 0) {
            return (n >> 30) + " GiB";
        }
        if (n >= 1L << 20) {
            return n % (1L << 20) == 0 ? (n >> 20) + " MiB" : String.format(Locale.ROOT, "%.2f MiB", n / (double) (1L << 20));
        }
        if (n >= 1L << 10) {
            return n % (1L << 10) == 0 ? (n >> 10) + " KiB" : String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
        }
        return n + " B";
    }

    private static String fit(String s, double width) {
        int max = (int) Math.max(3, width / 6.2);
        return s.length() <= max ? s : s.substring(0, Math.max(1, max - 1)) + "\u2026";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource qmig/tools/report/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
