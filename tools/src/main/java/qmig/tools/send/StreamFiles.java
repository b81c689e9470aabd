package qmig.tools.send;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/** Opens a saved stream, raw or xz/zstd/gzip compressed (detected from its first bytes, as the CLI's inputs). */
public final class StreamFiles {

    private StreamFiles() {
    }

    public static InputStream open(Path file) throws IOException {
        byte[] h = new byte[6];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(h, 0, h.length);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            if (n >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0) {
                return new XZInputStream(raw);
            }
            if (n >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f && (h[3] & 0xff) == 0xfd) {
                return new ZstdInputStream(raw);
            }
            if (n >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
                return new GZIPInputStream(raw, 1 << 16);
            }
            return raw;
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }
}
