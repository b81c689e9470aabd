package qmig.tools.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.grammar.TrailerLocator;
import qmig.stream.json.Json;
import qmig.stream.json.JsonValue;
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
            long t = TrailerLocator.locate(channel, options.limits().maxVmDescriptionBytes());
            JsonValue tree = null;
            if (t >= 0) {
                int len = (int) (channel.size() - t - 5);
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(len);
                while (bb.hasRemaining() && channel.read(bb, t + 5 + bb.position()) >= 0) {
                    // fill
                }
                tree = Json.parse(bb.array(), 0, len, t + 5, options.limits().maxNestingDepth());
            }
            channel.position(0);
            reader = new StreamReader(WireReader.mapped(channel), options);
            if (tree != null) {
                reader.useTrailer(tree);
            }
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
}
