package qmig.stream.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.testdata.Capture;
import qmig.testdata.Captures;
import qmig.testdata.QemuDestination;

/**
 * Streams encoded by qmig from decoded models are sent over TCP (127.0.0.1) to a real QEMU 7.2
 * destination started with the scenario's arguments, which must accept them. The booted Linux
 * guest is then resumed and must keep printing its heartbeat.
 */
class QemuInteropTest {

    static Stream<Capture> neverRun() {
        return Stream.of(Captures.Q35_VIOMMU, Captures.PC_PLAIN, Captures.Q35_VIOMMU_DEVICES, Captures.Q35_RANDOM_RAM);
    }

    /** The destination options the capture script recorded for this scenario (e.g. --size 4M). */
    static String[] destOptions(Capture c, String... more) throws Exception {
        byte[] text = c.sidecar().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        JsonValue.JObject root = (JsonValue.JObject) Json.parse(text, 0, text.length, 0, 64);
        List<String> out = new ArrayList<>();
        for (JsonValue v : ((JsonValue.JArray) Sidecar.get(root, "dest_options")).items()) {
            out.add(((JsonValue.JString) v).value());
        }
        out.addAll(List.of(more));
        return out.toArray(new String[0]);
    }

    static byte[] reencoded(Capture c) throws Exception {
        byte[] original = c.bytes();
        byte[] encoded = MigrationStream.read(original, ReaderOptions.defaults()).toBytes();
        assertArrayEquals(original, encoded);
        return encoded;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("neverRun")
    @Timeout(180)
    void realDestinationAcceptsTheReencodedStream(Capture c) throws Exception {
        byte[] stream = reencoded(c);
        try (QemuDestination dest = QemuDestination.start(c.scenario(), destOptions(c))) {
            QemuDestination.Verdict v = dest.send(stream, 120);
            assertTrue(v.accepted(), v.summary());
        }
    }

    @Test
    @Timeout(300)
    void resumedLinuxGuestKeepsRunningAfterLoadingTheReencodedStream() throws Exception {
        Capture c = Captures.Q35_LINUX_VIOMMU;
        byte[] stream = reencoded(c);
        try (QemuDestination dest = QemuDestination.start(c.scenario(), destOptions(c, "--cont", "6"))) {
            QemuDestination.Verdict v = dest.send(stream, 240);
            assertTrue(v.accepted(), v.summary());
            assertTrue(v.contOk(), "guest did not keep running after cont:\n" + v.summary());
        }
    }

    @Test
    @Timeout(180)
    void realDestinationRejectsAStreamWithAWrongFooter() throws Exception {
        Capture c = Captures.Q35_VIOMMU;
        byte[] stream = c.bytes();
        Sidecar side = Sidecar.of(c);
        Sidecar.Section timer = side.sections().stream().filter(s -> s.idstr().equals("timer")).findFirst().orElseThrow();
        stream[(int) (timer.payload() + timer.len())] = 0x7f;
        try (QemuDestination dest = QemuDestination.start(c.scenario(), destOptions(c))) {
            QemuDestination.Verdict v = dest.send(stream, 120);
            assertFalse(v.accepted(), v.summary());
            assertTrue(v.summary().contains("Missing section footer for timer"), v.summary());
        }
    }
}
