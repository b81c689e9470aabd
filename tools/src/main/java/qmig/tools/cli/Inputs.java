package qmig.tools.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import qmig.stream.saved.Layer;
import qmig.stream.saved.SavedForm;
import qmig.stream.saved.SavedStream;
import qmig.stream.wire.Limits;

/**
 * Opens an input file by content through {@link SavedStream}: raw, compressed (gzip, bzip2, xz,
 * lzop, zstd, lz4; nested), libvirt save images, qcow2 internal snapshots, embedded streams.
 */
final class Inputs {

    /** The first compression layer of a saved stream, NONE when there is none. */
    enum Compression { NONE, XZ, ZSTD, GZIP, BZIP2, LZOP, LZ4 }

    private Inputs() {
    }

    static Compression compression(SavedStream s) {
        for (Layer l : s.layers()) {
            if (l.kind().isCompression()) {
                return switch (l.kind()) {
                    case XZ -> Compression.XZ;
                    case ZSTD -> Compression.ZSTD;
                    case GZIP -> Compression.GZIP;
                    case BZIP2 -> Compression.BZIP2;
                    case LZOP -> Compression.LZOP;
                    case LZ4 -> Compression.LZ4;
                    default -> Compression.NONE;
                };
            }
        }
        return Compression.NONE;
    }

    /** The first compression layer of {@code file}. */
    static Compression detect(Path file) throws IOException {
        try (SavedStream s = SavedStream.open(file, Limits.DEFAULT)) {
            return compression(s);
        }
    }

    /** The migration stream of {@code file}, whatever its saved form ({@code c} is not needed any more). */
    static InputStream open(Path file, Compression c) throws IOException {
        return SavedStream.openStream(file, Limits.DEFAULT, null);
    }

    /** The migration stream of {@code file} with the given limits and qcow2 snapshot selection. */
    static InputStream open(Path file, Limits limits, String snapshot) throws IOException {
        return SavedStream.openStream(file, limits, snapshot);
    }

    /** Wrapper chain in parentheses for the inspect header line, e.g. {@code " (libvirt save image, xz)"}. */
    static String chain(SavedStream s) {
        StringBuilder sb = new StringBuilder();
        for (Layer l : s.layers()) {
            if (l.kind() != SavedForm.RAW) {
                sb.append(sb.length() == 0 ? "" : ", ").append(l.kind().label());
            }
        }
        return sb.length() == 0 ? "" : " (" + sb + ")";
    }

    /**
     * A data file that is no migration stream (a recorded multifd channel, a -dump-vmstate schema),
     * decompressed when it is compressed.
     */
    static InputStream openData(Path file, Limits limits) throws IOException {
        return SavedStream.openDataStream(file, limits);
    }

    /** A -dump-vmstate file (raw or compressed), no larger than {@code Limits.maxVmDescriptionBytes}. */
    static qmig.stream.vmdesc.DumpVmstateSchema readSchema(Path p, Limits limits) throws IOException {
        long max = limits.maxVmDescriptionBytes();
        try (InputStream in = openData(p, limits)) {
            byte[] text = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (text.length > max) {
                throw qmig.stream.wire.StreamFormatException.limitExceeded(0, "-dump-vmstate file " + p, text.length, max,
                        "Limits.maxVmDescriptionBytes");
            }
            return qmig.stream.vmdesc.DumpVmstateSchema.parse(new java.io.ByteArrayInputStream(text));
        }
    }
}
