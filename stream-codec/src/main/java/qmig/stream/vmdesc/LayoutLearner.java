package qmig.stream.vmdesc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
import qmig.stream.json.JsonValue.JArray;
import qmig.stream.json.JsonValue.JObject;
import qmig.stream.json.JsonValue.Member;

/**
 * Collects the distinct realized layouts (VMSD bodies of top-level devices) from the
 * VMDESCRIPTION trailers of saved streams and writes them as a gzip JSON array, sorted by VMSD
 * name and version, for {@link LearnedLayouts}.
 *
 * <pre>
 * java qmig.stream.vmdesc.LayoutLearner OUT.json.gz STREAM.mig[.xz]...
 * </pre>
 * {@code .xz} inputs are decompressed with the {@code xz} command.
 */
public final class LayoutLearner {
    private LayoutLearner() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: LayoutLearner OUT.json.gz STREAM.mig[.xz]...");
            System.exit(2);
        }
        Map<String, JObject> distinct = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            byte[] stream = read(Paths.get(args[i]));
            for (JObject body : bodies(stream)) {
                distinct.putIfAbsent(Json.toQemuString(body), body);
            }
        }
        List<JObject> sorted = new ArrayList<>(distinct.values());
        sorted.sort(Comparator.comparing((JObject o) -> o.getString("vmsd_name"))
                .thenComparingLong(o -> o.getLong("version", 0)));
        byte[] json = Json.writeQemu(new JArray(new ArrayList<JsonValue>(sorted)));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(Paths.get(args[0])))) {
            out.write(json);
        }
        System.err.println(sorted.size() + " distinct layouts from " + (args.length - 1) + " streams");
    }

    /** The VMSD bodies of the vmstate devices of a stream's trailer. */
    public static List<JObject> bodies(byte[] stream) throws IOException {
        int at = VmDescriptionIndex.locate(stream);
        if (at < 0) {
            throw new IOException("no VMDESCRIPTION trailer");
        }
        JsonValue t = Json.parse(stream, at, stream.length - at, at, 1000);
        List<JObject> out = new ArrayList<>();
        if (t instanceof JObject top) {
            for (JsonValue d : top.getArray("devices")) {
                if (d instanceof JObject dev && dev.getString("vmsd_name") != null) {
                    List<Member> ms = new ArrayList<>();
                    for (Member m : dev.members()) {
                        if (!m.key().equals("name") && !m.key().equals("instance_id")) {
                            ms.add(m);
                        }
                    }
                    out.add(new JObject(ms));
                }
            }
        }
        return out;
    }

    static byte[] read(Path p) throws IOException, InterruptedException {
        if (!p.toString().endsWith(".xz")) {
            return Files.readAllBytes(p);
        }
        Process proc = new ProcessBuilder("xz", "-dc", p.toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] b;
        try (InputStream in = proc.getInputStream()) {
            b = in.readAllBytes();
        }
        if (proc.waitFor() != 0) {
            throw new IOException("xz -dc " + p + " failed");
        }
        return b;
    }
}
