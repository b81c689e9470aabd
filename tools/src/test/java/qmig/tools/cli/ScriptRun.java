package qmig.tools.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import qmig.testdata.QemuDestination;
import qmig.testdata.RepoPaths;

/**
 * One run of a {@code testdata/scripts} script that starts a real QEMU 7.2 (qemu-destination.sh,
 * send-and-recapture.sh, capture-stream.sh): its stdout lines and stderr. QEMU must be installed;
 * a missing QEMU fails, never skips. The script's own EXIT trap ends the QEMU it started.
 */
record ScriptRun(int exit, List<String> lines, String stderr) {

    static ScriptRun run(Path dir, long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
        QemuDestination.requireQemu();
        List<String> cmd = new ArrayList<>(List.of("bash", RepoPaths.script(script).toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, script, ".out");
        Path err = Files.createTempFile(dir, script, ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroy(); // TERM: the script's trap stops its QEMU by pid
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            throw new IOException(script + " did not finish in " + timeoutSeconds + " s: "
                    + Files.readString(out) + Files.readString(err));
        }
        return new ScriptRun(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    boolean accepted() {
        return lines.stream().anyMatch(l -> l.startsWith("RESULT ACCEPTED"));
    }

    String summary() {
        return "exit " + exit + "\n" + String.join("\n", lines) + "\n--- stderr ---\n" + stderr;
    }
}
