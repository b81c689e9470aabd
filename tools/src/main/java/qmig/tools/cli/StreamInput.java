package qmig.tools.cli;

import java.io.IOException;
import java.nio.file.Path;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.saved.SavedStream;

/**
 * A stream file opened for reading in any saved form ({@link SavedStream}): a stream that is a
 * byte range of the file (raw, libvirt format raw, embedded) is read through the file channel
 * (the trailer is located from the end first, page contents are skipped by seeking); other
 * forms are undone as they are read, and sections no description knows wait for the trailer.
 * Warnings about the wrapper (an incomplete libvirt image, ...) go to stderr.
 */
final class StreamInput implements AutoCloseable {

    final Path file;
    final Inputs.Compression compression;
    final SavedStream saved;
    final StreamReader reader;

    StreamInput(Path file, ReaderOptions options) throws IOException {
        this(file, options, null);
    }

    /** @param snapshot the qcow2 snapshot id or name, or null for the default */
    StreamInput(Path file, ReaderOptions options, String snapshot) throws IOException {
        this.file = file;
        this.saved = SavedStream.open(file, options.limits(), snapshot);
        boolean ok = false;
        try {
            this.compression = Inputs.compression(saved);
            for (String w : saved.warnings()) {
                System.err.println("qmig: " + file + ": warning: " + w);
            }
            this.reader = saved.reader(options);
            ok = true;
        } finally {
            if (!ok) {
                saved.close();
            }
        }
    }

    @Override
    public void close() throws IOException {
        saved.close();
    }

    /** The exit code and stderr line for a failure while reading {@code file}. */
    static int fail(Path file, IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException nf) {
            System.err.println("qmig: no such file: " + nf.getFile());
            return Qmig.EXIT_IO;
        }
        if (e instanceof qmig.stream.wire.StreamFormatException sfe) {
            System.err.println("qmig: " + file + ": " + LimitOptions.describe(sfe));
            return Qmig.EXIT_BAD_STREAM;
        }
        System.err.println("qmig: " + file + ": " + e);
        return Qmig.EXIT_IO;
    }
}
