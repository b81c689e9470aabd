package qmig.tools.cli;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/** Opens an input file, detecting xz, zstd and gzip compression from its first bytes. */
final class Inputs {

    enum Compression { NONE, XZ, ZSTD, GZIP }

    private Inputs() {
    }

    static Compression detect(Path file) throws IOException {
        byte[] head = new byte[6];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        return detect(head, n);
    }

    static Compression detect(byte[] h, int n) {
        if (n >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0) {
            return Compression.XZ;
        }
        if (n >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f && (h[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        if (n >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        return Compression.NONE;
    }

    /** The decompressed content, streamed. */
    static InputStream open(Path file, Compression c) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return switch (c) {
                case NONE -> raw;
                case XZ -> new XZInputStream(raw);
                case ZSTD -> new ZstdInputStream(raw);
                case GZIP -> new GZIPInputStream(raw, 1 << 16);
            };
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }
}
