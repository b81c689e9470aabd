package qmig.stream.vmdesc;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tukaani.xz.XZInputStream;

/**
 * The real QEMU 7.2 captures ({@code qmig/testdata/captures/qemu-7.2/<machine>/*.mig.xz}) from
 * the testdata module's classpath, or from {@code -Dqmig.captures=DIR}.
 */
final class Captures {
    private Captures() {
    }

    static final String RESOURCE = "qmig/testdata/captures/qemu-7.2";

    static List<Path> all() throws IOException {
        List<Path> roots = new ArrayList<>();
        String prop = System.getProperty("qmig.captures");
        if (prop != null) {
            roots.add(Paths.get(prop));
        }
        URL url = Captures.class.getClassLoader().getResource(RESOURCE);
        if (url != null && url.getProtocol().equals("file")) {
            try {
                roots.add(Paths.get(url.toURI()));
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        // a checkout next to this worktree (the captures land in the testdata module)
        roots.add(Paths.get("../testdata/src/main/resources").resolve(RESOURCE));
        roots.add(Paths.get("/work/main/testdata/src/main/resources").resolve(RESOURCE));
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.walk(root)) {
                    List<Path> found = s.filter(p -> p.toString().endsWith(".mig.xz")).sorted().toList();
                    if (!found.isEmpty()) {
                        return found;
                    }
                }
            }
        }
        return List.of();
    }

    static byte[] read(Path p) throws IOException {
        try (InputStream in = new XZInputStream(Files.newInputStream(p))) {
            return in.readAllBytes();
        }
    }
}
