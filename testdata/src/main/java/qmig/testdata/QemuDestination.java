package qmig.testdata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real QEMU 7.2 migration destination, started by {@code testdata/scripts/qemu-destination.sh}
 * with a scenario's arguments and {@code -incoming tcp:127.0.0.1:PORT}. A test connects, sends a
 * stream and reads QEMU's verdict. QEMU must be installed: {@link #requireQemu()} fails (never
 * skips) when it is not, so a missing QEMU can never pass as green.
 */
public final class QemuDestination implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("^LISTENING 127\\.0\\.0\\.1:(\\d+)$");

    private final Process process;
    private final BufferedReader stdout;
    private final int port;
    private final List<String> lines = new ArrayList<>();

    /** The outcome: accepted or not, plus every line the script printed after LISTENING. */
    public record Verdict(boolean accepted, boolean contOk, List<String> lines) {
        public String summary() {
            return String.join("\n", lines);
        }
    }

    private QemuDestination(Process process) throws IOException {
        this.process = process;
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        int p = -1;
        for (String line; (line = stdout.readLine()) != null; ) {
            Matcher m = LISTENING.matcher(line.trim());
            if (m.matches()) {
                p = Integer.parseInt(m.group(1));
                break;
            }
            lines.add(line);
        }
        if (p < 0) {
            destroy();
            throw new IOException("qemu-destination.sh did not listen: " + String.join("\n", lines));
        }
        this.port = p;
    }

    /**
     * Starts a destination for {@code scenario}; {@code extraArgs} are script options such as
     * {@code --cont 6}, {@code --size 4M}, {@code --viommu-extra ,aw-bits=48}.
     */
    public static QemuDestination start(String scenario, String... extraArgs) throws IOException {
        requireQemu();
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add(RepoPaths.script("qemu-destination.sh").toString());
        cmd.add("--timeout");
        cmd.add("120");
        cmd.addAll(List.of(extraArgs));
        cmd.add(scenario);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new QemuDestination(pb.start());
    }

    /** Fails when Debian's qemu-system-x86_64 is not installed. */
    public static void requireQemu() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Path.of(dir, "qemu-system-x86_64").toFile().canExecute()) {
                return;
            }
        }
        throw new IOException("qemu-system-x86_64 is not installed: run testdata/scripts/install-qemu.sh"
                + " (the README's test command does); interop tests never skip");
    }

    public int port() {
        return port;
    }

    /** Sends {@code stream} over TCP to the destination and waits for its verdict. */
    public Verdict send(byte[] stream, long timeoutSeconds) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            OutputStream os = s.getOutputStream();
            try {
                os.write(stream);
                os.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // a destination that rejects the stream exits and resets the connection: its verdict follows
                lines.add("SEND " + e.getMessage());
            }
            return verdict(timeoutSeconds);
        }
    }

    /** Reads the script's remaining lines until it exits. */
    public Verdict verdict(long timeoutSeconds) throws IOException, InterruptedException {
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = stdout.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "qemu-destination-stdout");
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            destroy();
            throw new IOException("qemu-destination.sh gave no verdict in " + timeoutSeconds + " s: " + lines);
        }
        reader.join(5_000);
        List<String> copy;
        synchronized (lines) {
            copy = List.copyOf(lines);
        }
        boolean accepted = copy.stream().anyMatch(l -> l.startsWith("RESULT ACCEPTED"));
        boolean cont = copy.stream().anyMatch(l -> l.startsWith("CONT OK"));
        return new Verdict(accepted, cont, copy);
    }

    private void destroy() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            destroy();
        }
    }
}
