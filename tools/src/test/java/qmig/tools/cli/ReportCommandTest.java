package qmig.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qmig.testdata.Captures;

/**
 * {@code qmig report} without a browser: exit codes, the file written only whole (temporary
 * file + rename), and text from the stream escaped in the page. The browser test is
 * {@code qmig.tools.report.ReportBrowserTest}.
 */
class ReportCommandTest {

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesOneSelfContainedPage(@TempDir Path dir) throws Exception {
        Path in = QmigCliTest.raw(dir, "p.mig", Captures.PC_PLAIN.bytes());
        Path out = dir.resolve("p.html");
        QmigCliTest.Run r = QmigCliTest.run("report", in.toString(), "--html", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(out + ": 36 records"), r.out());
        String page = Files.readString(out);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("default-src 'none'"), "a CSP forbids every fetch");
        for (String external : new String[] {"src=\"http", "href=\"http", "url(http", "@import", "<link rel=\"stylesheet"}) {
            assertFalse(page.contains(external), external);
        }
        assertTrue(page.contains("<dd data-key=\"wrapper\">none (raw stream)</dd>"), "a raw file has no wrapper");
        assertEquals(List.of("p.html", "p.mig"), names(dir), "no temporary file is left");
    }

    @Test
    void digestsAreThoseOfQmigDigest(@TempDir Path dir) throws Exception {
        Path in = QmigCliTest.raw(dir, "p.mig", Captures.PC_PLAIN.bytes());
        Path out = dir.resolve("p.html");
        assertEquals(0, QmigCliTest.run("report", in.toString(), "--html", out.toString(), "--digests").exit());
        String page = Files.readString(out);
        QmigCliTest.Run d = QmigCliTest.run("digest", in.toString());
        assertEquals(0, d.exit(), d.err());
        int blocks = 0;
        for (String line : d.out().split("\n")) {
            String sha = line.substring("sha256:".length(), line.indexOf(' '));
            assertTrue(page.contains("sha256 " + sha), line);
            blocks++;
        }
        assertEquals(6, blocks);
    }

    @Test
    void aTruncatedStreamIsExit2AndLeavesTheOldPage(@TempDir Path dir) throws Exception {
        byte[] all = Captures.PC_PLAIN.bytes();
        Path in = QmigCliTest.raw(dir, "cut.mig", Arrays.copyOf(all, all.length / 2));
        Path out = dir.resolve("cut.html");
        Files.writeString(out, "old");
        QmigCliTest.Run r = QmigCliTest.run("report", in.toString(), "--html", out.toString());
        assertEquals(Qmig.EXIT_BAD_STREAM, r.exit(), r.err());
        assertTrue(r.err().matches("(?s)qmig: .*cut\\.mig: .*0x[0-9a-f]+.*"), r.err());
        assertEquals("old", Files.readString(out), "the previous page stays whole");
        assertEquals(List.of("cut.html", "cut.mig"), names(dir), "no temporary file is left");
    }

    @Test
    void idstrsAreTextNotMarkup(@TempDir Path dir) throws Exception {
        byte[] all = Captures.PC_PLAIN.bytes();
        byte[] timer = "\u0005timer".getBytes(StandardCharsets.ISO_8859_1);
        int at = -1;
        for (int i = 0; i + timer.length <= all.length && at < 0; i++) {
            if (Arrays.equals(all, i, i + timer.length, timer, 0, timer.length)) {
                at = i;
            }
        }
        assertTrue(at > 0, "the timer section's idstr is in the stream");
        System.arraycopy("<img>".getBytes(StandardCharsets.ISO_8859_1), 0, all, at + 1, 5);
        Path in = QmigCliTest.raw(dir, "x.mig", all);
        Path out = dir.resolve("x.html");
        QmigCliTest.Run r = QmigCliTest.run("report", in.toString(), "--html", out.toString());
        assertEquals(1, r.exit(), "a section no description knows is listed as undecoded: " + r.err());
        assertTrue(r.out().contains("1 undecoded sections"), r.out());
        String page = Files.readString(out);
        assertFalse(page.contains("<img>"), "the idstr is not markup");
        assertTrue(page.contains("<td class=\"mono\">&lt;img&gt;</td>"), "the idstr is shown as text");
        assertTrue(page.contains("\"idstr\": \"\\u003cimg\\u003e\""), "the records JSON cannot close its script");
    }

    @Test
    void missingInputIsExit3AndBadTargetIsExit3(@TempDir Path dir) throws Exception {
        QmigCliTest.Run missing = QmigCliTest.run("report", dir.resolve("nope.mig").toString(), "--html",
                dir.resolve("a.html").toString());
        assertEquals(Qmig.EXIT_IO, missing.exit());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Path in = QmigCliTest.raw(dir, "p.mig", Captures.PC_PLAIN.bytes());
        QmigCliTest.Run badDir = QmigCliTest.run("report", in.toString(), "--html",
                dir.resolve("no/such/dir/p.html").toString());
        assertEquals(Qmig.EXIT_IO, badDir.exit());
        assertTrue(badDir.err().contains("cannot write"), badDir.err());
        QmigCliTest.Run badBacking = QmigCliTest.run("report", in.toString(), "--html", dir.resolve("b.html").toString(),
                "--backing", "cloud");
        assertEquals(Qmig.EXIT_USAGE, badBacking.exit());
        assertEquals(List.of("p.mig"), names(dir));
    }
}
