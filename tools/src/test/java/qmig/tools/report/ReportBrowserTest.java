package qmig.tools.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.memory.GuestMemory;
import qmig.stream.memory.PhysicalMap;
import qmig.stream.memory.RamBlockImage;
import qmig.stream.memory.RamLoader;
import qmig.stream.ram.PageSink;
import qmig.stream.wire.Limits;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.testdata.RepoPaths;
import qmig.tools.cli.Qmig;
import qmig.viommu.vtd.IntelIommu;

/**
 * {@code qmig report} pages opened in a real headless Chromium over the DevTools Protocol: the
 * page loads without a script error, a console error or any request besides itself, shows as many
 * records and sections as qmig decodes, the RAMBlocks of MEM_SIZE, the pc/q35 ranges and the
 * vIOMMU's mappings, and reacts to clicks. Screenshots are kept in
 * {@code tools/target/report-artifacts/}.
 */
@Timeout(180)
class ReportBrowserTest {

    static final Path ARTIFACTS = Path.of("target", "report-artifacts");

    @BeforeEach
    void needChromium() {
        if (Chromium.installed()) {
            return;
        }
        String msg = Chromium.BINARY + " is not installed: run testdata/scripts/install-qemu.sh (it installs chromium)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(msg + "; with CI=true the browser test never skips");
        }
        Assumptions.assumeTrue(false, msg + "; skipping the browser test outside CI");
    }

    static Path capture(Capture c) {
        return RepoPaths.root().resolve("testdata/captures/qemu-7.2/" + c.machine() + "/" + c.scenario() + ".mig.xz");
    }

    /** The report written by the command line, as a shell user runs it. */
    static Path report(Capture c, Path dir) throws Exception {
        Path html = dir.resolve(c.scenario() + ".html");
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        synchronized (ReportBrowserTest.class) {
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                code = Qmig.run("report", capture(c).toString(), "--html", html.toString());
            } finally {
                System.setOut(oldOut);
            }
        }
        assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        Files.createDirectories(ARTIFACTS);
        Files.copy(html, ARTIFACTS.resolve(c.scenario() + ".html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return html;
    }

    /** What qmig itself decodes: records, sections, RAMBlocks and the guest-physical ranges. */
    record Expected(int records, int sections, List<String> blocks, int ranges) {
        static Expected of(Capture c) throws Exception {
            IntelIommu.registerDescriptions();
            byte[] bytes = c.bytes();
            MigrationStream s = MigrationStream.read(bytes, ReaderOptions.defaults().withPages(PageSink.NONE, false));
            int sections = 0;
            for (StreamRecord r : s.records()) {
                sections += r instanceof StreamRecord.Section ? 1 : 0;
            }
            List<String> blocks = new ArrayList<>();
            int ranges;
            try (GuestMemory mem = GuestMemory.onHeap()) {
                String machine;
                try (RamLoader l = new RamLoader(mem)) {
                    machine = l.readStream(qmig.stream.wire.WireReader.of(bytes), Limits.DEFAULT);
                }
                for (RamBlockImage b : mem.blocks()) {
                    blocks.add(b.idstr());
                }
                ranges = PhysicalMap.forMachine(machine, mem).ranges().size();
            }
            return new Expected(s.records().size(), sections, blocks, ranges);
        }
    }

    /** Opens the page, checks it loaded cleanly and fetched nothing, and returns the browser. */
    static Chromium open(Path html) throws Exception {
        Chromium b = Chromium.launch();
        try {
            b.send("Page.enable", null);
            b.send("Runtime.enable", null);
            b.send("Log.enable", null);
            b.send("Network.enable", null);
            b.send("Emulation.setDeviceMetricsOverride",
                    "{\"width\":1400,\"height\":1000,\"deviceScaleFactor\":1,\"mobile\":false}");
            String url = html.toAbsolutePath().toUri().toString();
            b.send("Page.navigate", "{\"url\":" + Chromium.quote(url) + "}");
            b.awaitEvent("Page.loadEventFired");
            assertEquals("1", b.evalString("document.body.getAttribute('data-ready')"), "the page script ran to its end");
            return b;
        } catch (Exception | AssertionError e) {
            b.close();
            throw e;
        }
    }

    /** No uncaught exception, no console or log error, no request but the page itself. */
    static void assertClean(Chromium b, Path html) {
        List<String> problems = new ArrayList<>();
        for (JsonValue e : b.events("Runtime.exceptionThrown")) {
            problems.add("exception: " + Json.toQemuString(e));
        }
        for (JsonValue e : b.events("Runtime.consoleAPICalled")) {
            String type = Chromium.str(Chromium.get(e, "params"), "type");
            if ("error".equals(type) || "assert".equals(type) || "warning".equals(type)) {
                problems.add("console " + type + ": " + Json.toQemuString(e));
            }
        }
        for (JsonValue e : b.events("Log.entryAdded")) {
            String level = Chromium.str(Chromium.get(Chromium.get(e, "params"), "entry"), "level");
            if ("error".equals(level) || "warning".equals(level)) {
                problems.add("log " + level + ": " + Json.toQemuString(e));
            }
        }
        String self = html.toAbsolutePath().toUri().toString();
        for (JsonValue e : b.events("Network.requestWillBeSent")) {
            String u = Chromium.str(Chromium.get(Chromium.get(e, "params"), "request"), "url");
            if (u != null && !u.equals(self) && !u.startsWith("data:")) {
                problems.add("the page fetched " + u);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** The whole page, plus its overview, memory map and vIOMMU cards, as PNG artifacts. */
    static void screenshots(Chromium b, String name) throws Exception {
        save(b.screenshot(), name);
        save(b.screenshot("#timeline"), name + "-timeline");
        save(b.screenshot("#memory"), name + "-memory");
        save(b.screenshot("#viommu"), name + "-viommu");
    }

    private static void save(byte[] png, String name) throws Exception {
        assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG");
        Files.createDirectories(ARTIFACTS);
        Files.write(ARTIFACTS.resolve(name + ".png"), png);
    }

    static String count(String selector) {
        return "document.querySelectorAll(" + Chromium.quote(selector) + ").length";
    }

    /** The common part: records, sections, timeline, RAMBlocks, ranges; a click selects a record. */
    static void assertLayout(Chromium b, Expected x, String clickIdstr) throws Exception {
        assertEquals(x.records() + 1, b.evalLong(count("#sec-table tbody tr")), "one row per record plus the header");
        assertEquals(x.sections(), b.evalLong(count("#sec-table tbody tr[data-kind=start],#sec-table tbody tr[data-kind=part],"
                + "#sec-table tbody tr[data-kind=end],#sec-table tbody tr[data-kind=full]")), "section rows");
        assertEquals(x.records() + 1, b.evalLong(count("#tl-bytes rect.seg")), "byte strip segments");
        assertEquals(x.records() + 1, b.evalLong(count("#tl-records rect.cell")), "record strip cells");
        assertEquals(String.join(",", x.blocks()), b.evalString("Array.from(document.querySelectorAll('svg.blk'))"
                + ".map(e => e.getAttribute('data-block')).join(',')"), "the RAMBlocks of MEM_SIZE, in order");
        assertEquals(x.ranges(), b.evalLong(count("#gpa-map g.rng")), "guest-physical RAM ranges");
        assertEquals(x.ranges(), b.evalLong(count("#gpa-ranges tbody tr")), "range table rows");
        assertTrue(b.evalLong(count("#gpa-map rect.bin")) > 0, "the ranges are drawn in bins");
        assertEquals("pc.ram", b.evalString("document.querySelector('#gpa-map g.rng').getAttribute('data-block')"),
                "GPA 0 is pc.ram");

        // a click on a record's row selects it: the details panel names it and both strips mark it
        int index = (int) b.evalLong("Array.from(document.querySelectorAll('#sec-table tbody tr')).findIndex(r =>"
                + " r.cells[4].textContent === " + Chromium.quote(clickIdstr) + ")");
        assertTrue(index > 0, clickIdstr + " has a row");
        assertEquals("null", b.evalString("String(document.getElementById('details').getAttribute('data-selected'))"));
        b.click("#sec-table tbody tr[data-i=\"" + index + "\"]");
        assertEquals(Integer.toString(index), b.evalString("document.getElementById('details').getAttribute('data-selected')"));
        assertTrue(b.evalString("document.getElementById('details').textContent").contains(clickIdstr));
        assertEquals(2, b.evalLong(count("svg .sel[data-i=\"" + index + "\"]")), "both strips mark the selection");
        assertEquals(1, b.evalLong(count("tr.selected")));

        // hovering a cell of the record strip shows its facts
        b.hover("#tl-records rect.cell[data-i=\"" + index + "\"]");
        assertEquals("false", b.evalString("String(document.getElementById('tip').hidden)"));
        assertTrue(b.evalString("document.getElementById('tip').textContent").contains(clickIdstr));

        // a click on the record strip selects another record (the trailer is the last cell)
        b.click("#tl-records rect.cell[data-i=\"" + x.records() + "\"]");
        assertTrue(b.evalString("document.getElementById('details').textContent").contains("VMDESCRIPTION"));

        // a click on the Size header sorts the rows by size, largest last
        b.click("#sec-table thead th:nth-child(8)");
        assertEquals(Boolean.TRUE.toString(), b.evalString("String(Array.from(document.querySelectorAll('#sec-table tbody tr'))"
                + ".map(r => Number(r.cells[7].getAttribute('data-v'))).every((v, i, a) => i === 0 || a[i - 1] <= v))"));
        b.click("#sec-table thead th:nth-child(1)");
        assertEquals("0", b.evalString("document.querySelector('#sec-table tbody tr').getAttribute('data-i')"));
    }

    @Test
    void linuxGuestBehindTheVIommu(@TempDir Path dir) throws Exception {
        Capture c = Captures.Q35_LINUX_VIOMMU;
        Path html = report(c, dir);
        Expected x = Expected.of(c);
        try (Chromium b = open(html)) {
            assertLayout(b, x, "iommu-intel");
            assertEquals("322", b.evalString("document.querySelector('.device[data-bdf=\"00:01.0\"]')"
                    + ".getAttribute('data-mappings')"));
            assertEquals(322, b.evalLong(count("table.mappings[data-bdf=\"00:01.0\"] tbody tr")));
            assertTrue(b.evalString("document.querySelector('.device[data-bdf=\"00:01.0\"] h3').textContent")
                    .startsWith("00:01.0: 322 mappings"));
            assertTrue(b.evalLong(count("svg.iova[data-bdf=\"00:01.0\"] rect.map")) > 0, "the IOVA strip has mappings");
            assertEquals(0, b.evalLong(count("#no-viommu")));
            // the 4096-mapping devices are cut at the row cap, with a note saying how many more
            assertEquals(HtmlReport.MAX_MAPPING_ROWS, b.evalLong(count("table.mappings[data-bdf=\"00:1f.0\"] tbody tr")));
            assertTrue(b.evalString("document.querySelector('.device[data-bdf=\"00:1f.0\"] p.more').textContent")
                    .startsWith((4096 - HtmlReport.MAX_MAPPING_ROWS) + " more mappings not listed (4096 in all"));
            assertTrue(b.evalString("document.querySelector('dd[data-key=viommu]').textContent").contains("legacy mode"));
            screenshots(b, c.scenario());
            assertClean(b, html);
        }
    }

    @Test
    void pcGuestWithoutAVIommu(@TempDir Path dir) throws Exception {
        Capture c = Captures.PC_PLAIN;
        Path html = report(c, dir);
        Expected x = Expected.of(c);
        try (Chromium b = open(html)) {
            assertLayout(b, x, "timer");
            assertEquals(1, b.evalLong(count("#no-viommu")));
            assertTrue(b.evalString("document.getElementById('no-viommu').textContent").startsWith("No vIOMMU"));
            assertEquals(0, b.evalLong(count(".device")));
            assertEquals("pc-i440fx-7.2", b.evalString("document.querySelector('dd[data-key=machine]').textContent"));
            screenshots(b, c.scenario());
            assertClean(b, html);
        }
    }
}
