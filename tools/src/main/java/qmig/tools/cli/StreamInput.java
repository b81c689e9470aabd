package qmig.tools.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.wire.WireReader;

/**
 * A stream file opened for reading: raw files are read through a file channel (the trailer is
 * located from the end first, page contents are skipped by seeking); compressed files are
 * decompressed as they are read, and sections no description knows wait for the trailer.
 */
final class StreamInput implements AutoCloseable {

    final Path file;
    final Inputs.Compression compression;
    private final FileChannel channel;
    private final InputStream stream;
    final StreamReader reader;

    StreamInput(Path file, ReaderOptions options) throws IOException {
        this.file = file;
        this.compression = Inputs.detect(file);
        if (compression == Inputs.Compression.NONE) {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            stream = null;
            reader = StreamReader.forFile(channel, options);
        } else {
            channel = null;
            stream = Inputs.open(file, compression);
            reader = new StreamReader(WireReader.of(stream, 1 << 20), options);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
        if (stream != null) {
            stream.close();
        }
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
