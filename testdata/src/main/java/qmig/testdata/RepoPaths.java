package qmig.testdata;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's own scripts (capture and destination tooling) from a test. */
public final class RepoPaths {

    private RepoPaths() {
    }

    /** The repository root: $QMIG_REPO_ROOT (set by the build) or the first parent holding testdata/scripts. */
    public static Path root() {
        String env = System.getenv("QMIG_REPO_ROOT");
        if (env != null && Files.isDirectory(Path.of(env, "testdata", "scripts"))) {
            return Path.of(env);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("testdata").resolve("scripts"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the qmig repository root (set QMIG_REPO_ROOT)");
    }

    public static Path script(String name) {
        return root().resolve("testdata").resolve("scripts").resolve(name);
    }
}
