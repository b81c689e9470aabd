package qmig.stream.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import qmig.stream.grammar.StreamHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.grammar.StreamWriter;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.wire.WireWriter;
import qmig.testdata.Capture;

/** Shared helpers: backings to run over, sidecar fields, whole streams from emitted sections. */
final class MemoryTestSupport {

    private MemoryTestSupport() {
    }

    /** The three backings, mapped files under {@code dir}. */
    static List<MemoryOptions> allBackings(Path dir) {
        return List.of(MemoryOptions.heap(), MemoryOptions.of(new Backing.OffHeap(16)),
                MemoryOptions.of(new Backing.MappedFiles(dir, 1L << 20)));
    }

    static String sidecarString(Capture c, String key) throws IOException {
        byte[] text = c.sidecar().getBytes(StandardCharsets.UTF_8);
        JsonValue.JObject root = (JsonValue.JObject) Json.parse(text, 0, text.length, 0, 64);
        return root.getString(key);
    }

    /** A complete stream: header, the given sections, EOF. */
    static byte[] stream(List<StreamRecord> sections) throws IOException {
        WireWriter w = WireWriter.inMemory();
        StreamWriter sw = new StreamWriter(w);
        sw.writeHeader(StreamHeader.V3);
        sw.writeAll(sections);
        sw.write(new StreamRecord.Eof(-1));
        return w.toByteArray();
    }

    /** Emits {@code mem} with {@code opts} as a complete stream. */
    static byte[] emit(GuestMemory mem, EmitOptions opts) throws IOException {
        WireWriter w = WireWriter.inMemory();
        StreamWriter sw = new StreamWriter(w);
        sw.writeHeader(StreamHeader.V3);
        try (RamEmitter e = new RamEmitter(mem, opts)) {
            e.write(sw, 2, true);
        }
        sw.write(new StreamRecord.Eof(-1));
        return w.toByteArray();
    }

    /** idstr to SHA-256 hex of every block. */
    static Map<String, String> sha256s(GuestMemory mem) {
        Map<String, String> out = new TreeMap<>();
        for (BlockDigest d : BlockDigest.of(mem, java.util.Set.of(BlockDigest.Algorithm.SHA256))) {
            out.put(d.idstr(), d.sha256());
        }
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
