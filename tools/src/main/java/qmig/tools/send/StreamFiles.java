package qmig.tools.send;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import qmig.stream.saved.SavedStream;
import qmig.stream.wire.Limits;

/** Opens a saved stream in any saved form (raw, compressed, libvirt image, qcow2 snapshot, embedded), by content. */
public final class StreamFiles {

    private StreamFiles() {
    }

    public static InputStream open(Path file) throws IOException {
        return open(file, null);
    }

    /** @param snapshot for a qcow2 image, the snapshot id or name (null: the default choice) */
    public static InputStream open(Path file, String snapshot) throws IOException {
        return SavedStream.openStream(file, Limits.DEFAULT, snapshot);
    }
}
