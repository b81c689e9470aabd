package qmig.stream.memory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * One run of {@code testdata/scripts/send-and-recapture.sh}: a real QEMU 7.2 destination on
 * 127.0.0.1 that loads what a test sends and, when it accepts, migrates itself back out to a
 * file. A missing QEMU fails (interop tests never skip).
 */
final class RecaptureRun implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("^LISTENING 127\\.0\\.0\\.1:(\\d+)$");

    private final Process process;
    private final BufferedReader stdout;
    private final Path stderr;
    private final Path out;
    private final int port;
    private final List<String> lines = new ArrayList<>();

    /** The script's lines after LISTENING, and the recaptured file when there is one. */
    record Outcome(boolean accepted, boolean recaptured, Path file, List<String> lines, String stderr) {
        String summary() {
            return String.join("\n", lines) + "\n--- script stderr ---\n" + stderr;
        }
    }

    private RecaptureRun(Process process, Path stderr, Path out) throws IOException {
        this.process = process;
        this.stderr = stderr;
        this.out = out;
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
            close();
            throw new IOException("send-and-recapture.sh did not listen: " + lines + "\n" + readStderr());
        }
        this.port = p;
    }

    /**
     * Starts the destination of {@code scenario}; the recapture goes to {@code dir/recaptured.mig}.
     *
     * @param options script options, e.g. {@code --size 4M --cap compress=on}
     */
    static RecaptureRun start(Path dir, String scenario, String... options) throws IOException {
        QemuDestination.requireQemu();
        Files.createDirectories(dir);
        Path out = dir.resolve("recaptured.mig");
        Path err = dir.resolve("script.stderr");
        List<String> cmd = new ArrayList<>(List.of("bash", RepoPaths.script("send-and-recapture.sh").toString(),
                "--timeout", "60"));
        cmd.addAll(List.of(options));
        cmd.add(scenario);
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        return new RecaptureRun(p, err, out);
    }

    int port() {
        return port;
    }

    /** Waits for the script to end and reads its verdict. */
    Outcome outcome(long timeoutSeconds) throws IOException, InterruptedException {
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
        }, "send-and-recapture-stdout");
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            close();
            throw new IOException("send-and-recapture.sh gave no verdict in " + timeoutSeconds + " s: " + lines
                    + "\n" + readStderr());
        }
        reader.join(5_000);
        List<String> copy;
        synchronized (lines) {
            copy = List.copyOf(lines);
        }
        boolean accepted = copy.stream().anyMatch(l -> l.startsWith("RESULT ACCEPTED"));
        boolean recaptured = copy.stream().anyMatch(l -> l.startsWith("RECAPTURE OK")) && Files.isRegularFile(out);
        return new Outcome(accepted, recaptured, out, copy, readStderr());
    }

    private String readStderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "(stderr unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        // the script's EXIT trap stops the QEMU it started, by pid
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
