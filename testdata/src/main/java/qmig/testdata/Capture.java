package qmig.testdata;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.tukaani.xz.XZInputStream;

/**
 * One committed capture: {@code captures/qemu-7.2/<machine>/<scenario>.mig.xz} and its
 * {@code <scenario>.expected.json} sidecar.
 *
 * @param machine  {@code q35} or {@code pc}
 * @param scenario the scenario name of {@code testdata/scripts/scenarios.tsv}
 */
public record Capture(String machine, String scenario) {

    static final String ROOT = "/qmig/testdata/captures/qemu-7.2/";

    public String resource() {
        return ROOT + machine + "/" + scenario + ".mig.xz";
    }

    public String sidecarResource() {
        return ROOT + machine + "/" + scenario + ".expected.json";
    }

    /** The decompressed stream, read as it is decoded (no unpacking step). */
    public InputStream open() throws IOException {
        InputStream raw = Capture.class.getResourceAsStream(resource());
        if (raw == null) {
            throw new IOException("capture not on the class path: " + resource());
        }
        return new XZInputStream(new BufferedInputStream(raw, 1 << 16));
    }

    /** The whole decompressed stream. */
    public byte[] bytes() {
        try (InputStream in = open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sidecar's JSON text. */
    public String sidecar() {
        try (InputStream in = Capture.class.getResourceAsStream(sidecarResource())) {
            if (in == null) {
                throw new IOException("sidecar not on the class path: " + sidecarResource());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True for the scenarios whose guest booted Linux and was migrated live. */
    public boolean linux() {
        return scenario.startsWith("q35-linux");
    }

    @Override
    public String toString() {
        return machine + "/" + scenario;
    }
}
