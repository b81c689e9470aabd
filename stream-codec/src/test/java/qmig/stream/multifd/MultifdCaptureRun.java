package qmig.stream.multifd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * Real multifd captures made at test time by {@code testdata/scripts/multifd-capture.sh} (QEMU 7.2
 * source → recording proxy → real destination), and single-channel captures by
 * {@code capture-stream.sh}. Made once per JVM and key; never committed. A missing QEMU fails the
 * test (interop tests never skip).
 */
final class MultifdCaptureRun {

    /** One recorded migration: conn-0 is the main channel, the rest multifd channels in accept order. */
    record Recorded(Path dir, String summaryJson, List<Path> connections) {
        Path main() {
            return connections.get(0);
        }

        List<Path> channels() {
            return connections.subList(1, connections.size());
        }
    }

    private static final Map<String, Recorded> MULTIFD = new ConcurrentHashMap<>();
    private static final Map<String, Path> SINGLE = new ConcurrentHashMap<>();
    private static Path base;

    private MultifdCaptureRun() {
    }

    private static synchronized Path base() throws IOException {
        if (base == null) {
            base = Files.createTempDirectory("qmig-multifd-");
            base.toFile().deleteOnExit();
        }
        return base;
    }

    static synchronized Recorded multifd(String scenario, String size, String compression, boolean withDest)
            throws IOException, InterruptedException {
        String key = scenario + "-" + size + "-" + compression + (withDest ? "" : "-nodest");
        Recorded r = MULTIFD.get(key);
        if (r != null) {
            return r;
        }
        QemuDestination.requireQemu();
        Path dir = base().resolve(key);
        List<String> cmd = new ArrayList<>(List.of("bash", RepoPaths.script("multifd-capture.sh").toString(),
                "--compression", compression, "--channels", "2", "--timeout", "120"));
        if (size != null) {
            cmd.addAll(List.of("--size", size));
        }
        if (!withDest) {
            cmd.add("--no-dest");
        }
        cmd.add(scenario);
        cmd.add(dir.toString());
        String out = run(cmd, 180);
        List<Path> conns = new ArrayList<>();
        for (int i = 0; Files.exists(dir.resolve("conn-" + i + ".bin")); i++) {
            conns.add(dir.resolve("conn-" + i + ".bin"));
        }
        r = new Recorded(dir, out.trim(), List.copyOf(conns));
        MULTIFD.put(key, r);
        return r;
    }

    static synchronized Path single(String scenario, String size) throws IOException, InterruptedException {
        String key = scenario + "-" + size;
        Path p = SINGLE.get(key);
        if (p != null) {
            return p;
        }
        QemuDestination.requireQemu();
        p = base().resolve("single-" + key + ".mig");
        List<String> cmd = new ArrayList<>(List.of("bash", RepoPaths.script("capture-stream.sh").toString(),
                "--timeout", "120"));
        if (size != null) {
            cmd.addAll(List.of("--size", size));
        }
        cmd.add(scenario);
        cmd.add(p.toString());
        run(cmd, 180);
        SINGLE.put(key, p);
        return p;
    }

    private static String run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IOException("timed out: " + cmd);
            }
        } finally {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + " from " + cmd + "\n" + text);
        }
        return text;
    }
}
