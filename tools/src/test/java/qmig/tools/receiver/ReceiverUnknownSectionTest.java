package qmig.tools.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qmig.testdata.Captures;

/**
 * Issue 7: a FULL section whose idstr no description knows, in a stream without the vmdesc
 * trailer, ends the migration with QEMU's wording ("Unknown savevm section or instance").
 * Built from the committed q35-viommu capture cut right after its EOF byte, with the
 * {@code timer} idstr renamed to {@code tixer}.
 */
class ReceiverUnknownSectionTest {

    @Test
    @Timeout(60)
    void unknownFullSectionWithoutTrailerFailsWithQemusWording() throws Exception {
        byte[] all = Captures.Q35_VIOMMU.bytes();
        Matcher m = Pattern.compile("\"eof_offset\"\\s*:\\s*(\\d+)").matcher(Captures.Q35_VIOMMU.sidecar());
        assertTrue(m.find(), "sidecar has eof_offset");
        int eof = Integer.parseInt(m.group(1));
        assertEquals(0x00, all[eof], "QEMU_VM_EOF at eof_offset");
        assertEquals(0x06, all[eof + 1], "QEMU_VM_VMDESC (the trailer) after EOF");
        byte[] cut = Arrays.copyOf(all, eof + 1);

        byte[] idstr = "\u0005timer".getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(cut, idstr);
        assertTrue(at > 0, "the timer section's idstr is in the stream");
        assertEquals(-1, indexOf(Arrays.copyOfRange(cut, at + 1, cut.length), idstr), "one timer idstr");
        cut[at + 3] = 'x'; // "timer" -> "tixer"

        try (Receiver r = Receiver.start(ReceiverConfig.loopback(0), System.err::println);
             Socket s = ReceiverBadInputTest.connect(r)) {
            OutputStream o = s.getOutputStream();
            o.write(cut);
            o.flush();
            s.shutdownOutput();
            List<ReceiveReport> reps = r.awaitReports(1, 30, TimeUnit.SECONDS);
            ReceiveReport rep = reps.get(0);
            assertFalse(rep.completed(), rep::toText);
            assertEquals(ReceiveError.Kind.UNKNOWN_SECTION, rep.errorKind(), rep::toText);
            assertEquals("Unknown savevm section or instance 'tixer' 0", rep.error(), rep::toText);
            assertTrue(rep.sections().stream().anyMatch(x -> x.idstr().equals("tixer")), rep::toText);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
