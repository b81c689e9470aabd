package qmig.stream.saved;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.tukaani.xz.XZInputStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.StreamReader;
import qmig.stream.wire.Limits;
import qmig.stream.wire.StreamFormatException;
import qmig.stream.wire.Where;
import qmig.stream.wire.WireReader;

/**
 * A saved migration stream opened by content ({@code spec/saved-streams.md} §6): the layers
 * around it, outermost first, and the stream itself.
 *
 * <p>Where the stream is a plain byte range of the file (a raw file, a libvirt image of format
 * raw, a stream embedded at an offset) {@link #fileOffset()} is its start and {@link #reader}
 * reads it through the file channel, locating the trailer from the end first. Otherwise the
 * layers are undone as the stream is read: nothing is inflated into memory or a temporary file.
 */
public final class SavedStream implements Closeable {

    /** Bytes a search for an embedded stream header reads per step. */
    private static final int SEARCH_CHUNK = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final List<Layer> layers = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Limits limits;
    private long base = -1;
    private InputStream stream;
    private CountingInputStream fileCounter;
    private boolean allowUnknown;
    private Qcow2Image qcow2;
    private Qcow2Snapshot qcow2Snapshot;

    private SavedStream(Path file, FileChannel channel, Limits limits) {
        this.file = file;
        this.channel = channel;
        this.limits = limits;
    }

    /**
     * Opens {@code file} and peels off its layers.
     *
     * @param snapshot for a qcow2 image: the snapshot id or name to read, or null for the default
     *                 (the only one with VM state, else the newest with VM state)
     */
    public static SavedStream open(Path file, Limits limits, String snapshot) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        SavedStream s = new SavedStream(file, ch, limits);
        boolean ok = false;
        try {
            s.detectFile(snapshot);
            ok = true;
            return s;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    public static SavedStream open(Path file, Limits limits) throws IOException {
        return open(file, limits, null);
    }

    /**
     * Opens a file whose content need not be a migration stream (a recorded multifd channel):
     * compression layers are undone, and whatever comes out is the stream.
     */
    public static SavedStream openData(Path file, Limits limits) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        SavedStream s = new SavedStream(file, ch, limits);
        boolean ok = false;
        try {
            byte[] head = s.peekFile(0, SavedForm.PEEK);
            SavedForm form = SavedForm.detect(head, head.length);
            if (form == null || !form.isCompression()) {
                s.raw(0);
            } else {
                s.allowUnknown = true;
                s.fileCounter = new CountingInputStream(Channels.newInputStream(ch), 0);
                s.streamed(new BufferedInputStream(s.fileCounter, 1 << 16), 0, null);
            }
            ok = true;
            return s;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /** The migration stream of {@code file} as one InputStream; closing it closes the file. */
    public static InputStream openStream(Path file, Limits limits, String snapshot) throws IOException {
        return closing(open(file, limits, snapshot));
    }

    /**
     * A data file that is no migration stream (a recorded multifd channel, a -dump-vmstate
     * schema), decompressed when it is compressed; closing it closes the file.
     */
    public static InputStream openDataStream(Path file, Limits limits) throws IOException {
        return closing(openData(file, limits));
    }

    private static InputStream closing(SavedStream s) throws IOException {
        try {
            return new java.io.FilterInputStream(s.stream()) {
                @Override
                public void close() throws IOException {
                    s.close();
                }
            };
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The wrappers, outermost first; the last layer is {@link SavedForm#RAW}. */
    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    /** Things the user should be told (an incomplete libvirt image, a format field that disagrees with the content). */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Whether any layer had to be decompressed or translated (the stream is not a byte range of the file). */
    public boolean isPlainRange() {
        return base >= 0;
    }

    /** File offset where the stream starts when it is a plain byte range of the file, else -1. */
    public long fileOffset() {
        return base;
    }

    /** The file channel (for {@link StreamReader#forFile(FileChannel, long, ReaderOptions)} when {@link #isPlainRange()}). */
    public FileChannel channel() {
        return channel;
    }

    /** The first non-raw layer's form, or RAW: what {@code inspect} names in its first line. */
    public SavedForm outerForm() {
        return layers.get(0).kind();
    }

    /** The migration stream, from its first byte ({@code QEVM}). */
    public InputStream stream() throws IOException {
        if (stream == null) {
            channel.position(base);
            stream = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        }
        return stream;
    }

    /**
     * A reader over the stream: through the file channel with the trailer located first when
     * the stream is a byte range of the file, else over the decompressed stream.
     */
    public StreamReader reader(ReaderOptions options) throws IOException {
        if (base >= 0) {
            return StreamReader.forFile(channel, base, options);
        }
        StreamReader r = new StreamReader(WireReader.of(stream(), 1 << 20), options);
        if (qcow2 != null) {
            // random access: the trailer is located from the end of the VM state first, as for a file
            qmig.stream.json.JsonValue tree = qcow2Trailer(options.limits());
            if (tree != null) {
                r.useTrailer(tree);
            }
        }
        return r;
    }

    /** The VMDESCRIPTION trailer at the end of the chosen qcow2 snapshot's VM state, or null. */
    private qmig.stream.json.JsonValue qcow2Trailer(Limits l) throws IOException {
        try (Qcow2VmState vm = qcow2.vmState(qcow2Snapshot, l)) {
            long len = vm.length();
            long tail = Math.min(len, l.maxVmDescriptionBytes() + 6);
            if (tail < 7 || tail > Integer.MAX_VALUE - 8) {
                return null;
            }
            long start = len - tail;
            vm.skip(start);
            byte[] b = vm.readNBytes((int) tail);
            long p = qmig.stream.grammar.TrailerLocator.locate(b, 0, b.length, l.maxVmDescriptionBytes());
            if (p < 0) {
                return null;
            }
            return qmig.stream.json.Json.parse(b, (int) p + 5, (int) (b.length - p - 5), start + p + 5,
                    l.maxNestingDepth());
        }
    }

    /** The layers as printed by {@code qmig inspect} and {@code qmig unwrap}, one per line. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Layer l : layers) {
            sb.append(l.summary()).append('\n');
            if (l.qcow2() != null) {
                sb.append(Qcow2Image.table(l.qcow2()));
            }
        }
        for (String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        try {
            if (stream != null) {
                stream.close();
            }
        } finally {
            channel.close();
        }
    }

    // ---- detection ------------------------------------------------------------------------

    private byte[] peekFile(long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining() && channel.read(b, at + b.position()) >= 0) {
            // until full or end of file
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private void detectFile(String snapshot) throws IOException {
        long size = channel.size();
        byte[] head = peekFile(0, SavedForm.PEEK);
        SavedForm form = SavedForm.detect(head, head.length);
        if (form == null) {
            long found = search();
            if (found < 0) {
                throw StreamFormatException.corrupt(Where.inFile(0, 0), "not a migration stream or a saved form qmig"
                        + " knows (raw QEVM, gzip, bzip2, xz, lzop, zstd, lz4, libvirt save image, qcow2), and no stream"
                        + " header 51 45 56 4d 00 00 00 03 inside; the file starts with " + hex(head));
            }
            layers.add(Layer.of(SavedForm.EMBEDDED, found, "stream found inside the file at offset " + found
                    + " (0x" + Long.toHexString(found) + "); the " + found + " bytes before it are not a known wrapper"));
            raw(found);
            return;
        }
        switch (form) {
            case RAW -> raw(0);
            case QCOW2 -> {
                Qcow2Image img = Qcow2Image.open(channel, limits);
                Qcow2Image.Choice c = img.choose(snapshot);
                Qcow2VmState vm = img.vmState(c.chosen(), limits);
                if ((img.incompatible & Qcow2Image.INCOMPAT_DIRTY) != 0) {
                    warnings.add("the qcow2 image is marked dirty (not closed cleanly)");
                }
                if ((img.incompatible & Qcow2Image.INCOMPAT_CORRUPT) != 0) {
                    warnings.add("the qcow2 image is marked corrupt");
                }
                Qcow2Snapshot s = c.chosen();
                qcow2 = img;
                qcow2Snapshot = s;
                layers.add(new Layer(SavedForm.QCOW2, 0, "qcow2 v" + img.version + " image, cluster size "
                        + (1 << img.clusterBits) + (img.extendedL2 ? ", extended L2" : "") + ", " + c.snapshots().size()
                        + " snapshots; reading snapshot " + s.id() + " '" + s.name() + "' (" + c.why() + "), VM state "
                        + s.vmStateSize() + " bytes at virtual offset 0x" + Long.toHexString(vm.vmStateOffset()),
                        null, c));
                fileCounter = new CountingInputStream(vm, 0);
                streamed(new BufferedInputStream(fileCounter, 1 << 16), 0, null);
            }
            case LIBVIRT -> {
                channel.position(0);
                InputStream in = Channels.newInputStream(channel);
                LibvirtHeader h = LibvirtHeader.read(in, 0, size, limits);
                layers.add(new Layer(SavedForm.LIBVIRT, 0, h.summary(), h, null));
                if (!h.complete()) {
                    warnings.add("libvirt save image is incomplete (magic " + LibvirtHeader.MAGIC_PARTIAL
                            + "): libvirt had not finished writing it; reading it as far as it goes");
                }
                long at = h.streamOffset();
                byte[] next = peekFile(at, SavedForm.PEEK);
                SavedForm inner = SavedForm.detect(next, next.length);
                checkLibvirtFormat(h, inner, at, next);
                if (inner == SavedForm.RAW) {
                    raw(at);
                } else {
                    channel.position(at);
                    fileCounter = new CountingInputStream(Channels.newInputStream(channel), at);
                    streamed(new BufferedInputStream(fileCounter, 1 << 16), at, null);
                }
            }
            default -> {
                channel.position(0);
                fileCounter = new CountingInputStream(Channels.newInputStream(channel), 0);
                streamed(new BufferedInputStream(fileCounter, 1 << 16), 0, null);
            }
        }
    }

    private void checkLibvirtFormat(LibvirtHeader h, SavedForm inner, long at, byte[] next) throws StreamFormatException {
        if (inner == null) {
            throw StreamFormatException.corrupt(Where.inFile(0, at), "libvirt save image (format " + h.formatName()
                    + ") has no known stream at offset " + at + " (92 + data_len " + h.dataLen() + "): found " + hex(next));
        }
        SavedForm expected = h.expectedForm();
        if (expected != null && inner != expected) {
            warnings.add("libvirt header says format " + h.formatName() + (h.version() == 1 ? " (version 1: never compressed)" : "")
                    + " but the stream at offset " + at + " is " + inner.label() + "; reading it as " + inner.label());
        }
    }

    private void raw(long at) {
        base = at;
        layers.add(Layer.of(SavedForm.RAW, at, "QEMU migration stream at offset " + at));
    }

    /** Peels compression (and libvirt headers inside it) off {@code in}, which starts at {@code at} of its outer layer. */
    private void streamed(BufferedInputStream in, long at, String skippedNote) throws IOException {
        InputStream cur = in;
        long offset = at;
        String note = skippedNote;
        for (int depth = 0; ; depth++) {
            if (depth > 16) {
                throw StreamFormatException.limitExceeded(Where.inFile(0, fileCounter.count()), "nested saved-form layers",
                        depth, 16, "the nesting of compressors (16)");
            }
            BufferedInputStream b = cur instanceof BufferedInputStream bb ? bb : new BufferedInputStream(cur, 1 << 16);
            b.mark(SavedForm.PEEK);
            byte[] head = b.readNBytes(SavedForm.PEEK);
            b.reset();
            SavedForm form = SavedForm.detect(head, head.length);
            if (form == null && allowUnknown) {
                layers.add(Layer.of(SavedForm.RAW, offset, "data at offset " + offset));
                stream = b;
                return;
            }
            if (form == null) {
                throw StreamFormatException.corrupt(Where.inFile(0, fileCounter.count()),
                        "the content after " + outerLabel(note) + " is no migration stream"
                                + " or known saved form: it starts with " + hex(head));
            }
            if (form == SavedForm.ZSTD && SavedForm.isSkippableFrame(head, head.length)) {
                long skipped = skipSkippable(b);
                offset += skipped;
                note = (note == null ? "" : note + ", ") + "after " + skipped + " bytes of skippable frames";
                cur = b;
                continue;
            }
            String suffix = note == null ? "" : " (" + note + ")";
            note = null;
            switch (form) {
                case RAW -> {
                    layers.add(Layer.of(SavedForm.RAW, offset, "QEMU migration stream at offset " + offset + suffix));
                    stream = b;
                    return;
                }
                case LIBVIRT -> {
                    LibvirtHeader h = LibvirtHeader.read(b, offset, -1, limits);
                    layers.add(new Layer(SavedForm.LIBVIRT, offset, h.summary() + suffix, h, null));
                    if (!h.complete()) {
                        warnings.add("libvirt save image is incomplete (magic " + LibvirtHeader.MAGIC_PARTIAL + ")");
                    }
                    offset = h.streamOffset();
                    cur = b;
                }
                case QCOW2 -> throw StreamFormatException.unsupportedVersion(Where.inFile(0, fileCounter.count()),
                        "a qcow2 image after " + outerLabel(note)
                                + " needs random access: decompress it to a file first");
                default -> {
                    layers.add(Layer.of(form, offset, form.label() + " compressed, at offset " + offset + suffix));
                    cur = new DecompressedInputStream(decoder(form, b, offset), fileCounter, form, limits);
                    offset = 0;
                }
            }
        }
    }

    /** What the content being detected follows: the last layer, or (at the file's start) the skippable frames skipped. */
    private String outerLabel(String note) {
        if (!layers.isEmpty()) {
            return layers.get(layers.size() - 1).kind().label();
        }
        return note != null ? "the zstd skippable frames at the start (" + note + ")" : "the start of the file";
    }

    private InputStream decoder(SavedForm form, InputStream in, long offset) throws IOException {
        try {
            return switch (form) {
                case GZIP -> new GzipCompressorInputStream(in, true);
                case BZIP2 -> new BZip2CompressorInputStream(in, true);
                case XZ -> new XZInputStream(in);
                case LZOP -> new LzopInputStream(in, offset, limits);
                case ZSTD -> new ZstdInputStream(in).setContinuous(false);
                case LZ4 -> new FramedLZ4CompressorInputStream(in, true);
                default -> throw new IllegalStateException(form.name());
            };
        } catch (IOException e) {
            throw DecompressedInputStream.translate(e, form, 0, fileCounter.count());
        }
    }

    /** Skips zstd/lz4 skippable frames (LE magic 0x184D2A5x, LE32 size, data); returns the bytes skipped. */
    private long skipSkippable(BufferedInputStream b) throws IOException {
        long total = 0;
        while (true) {
            b.mark(8);
            byte[] h = b.readNBytes(8);
            if (h.length < 4 || !SavedForm.isSkippableFrame(h, h.length)) {
                b.reset();
                return total;
            }
            if (h.length < 8) {
                throw StreamFormatException.truncated(Where.inFile(0, fileCounter.count()),
                        "truncated zstd skippable frame header (expected 8 bytes, got " + h.length + ")");
            }
            long size = (h[4] & 0xffL) | (h[5] & 0xffL) << 8 | (h[6] & 0xffL) << 16 | (h[7] & 0xffL) << 24;
            long left = size;
            while (left > 0) {
                long k = b.skip(left);
                if (k <= 0) {
                    if (b.read() < 0) {
                        throw StreamFormatException.truncated(Where.inFile(0, fileCounter.count()),
                                "truncated zstd skippable frame (expected " + size + " bytes, got " + (size - left) + ")");
                    }
                    k = 1;
                }
                left -= k;
            }
            total += 8 + size;
        }
    }

    /**
     * Searches the file for {@code QEVM 00 00 00 03} followed by a configuration (0x07), FULL
     * (0x04) or START (0x01) byte; returns the first offset or -1.
     */
    private long search() throws IOException {
        byte[] magic = {0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3};
        long size = channel.size();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(SEARCH_CHUNK, size) + magic.length);
        for (long at = 0; at < size; at += SEARCH_CHUNK) {
            buf.clear();
            while (buf.hasRemaining() && channel.read(buf, at + buf.position()) >= 0) {
                // fill
            }
            byte[] a = buf.array();
            int n = buf.position();
            for (int i = 0; i + magic.length < n && i < SEARCH_CHUNK; i++) {
                if (a[i] != 0x51 || a[i + 1] != 0x45 || a[i + 2] != 0x56 || a[i + 3] != 0x4d || a[i + 4] != 0
                        || a[i + 5] != 0 || a[i + 6] != 0 || a[i + 7] != 3) {
                    continue;
                }
                int next = a[i + 8];
                if (next == 0x07 || next == 0x04 || next == 0x01) {
                    return at + i;
                }
            }
        }
        return -1;
    }

    static String hex(byte[] b) {
        return b.length == 0 ? "(nothing: the file is empty)" : HexFormat.ofDelimiter(" ").formatHex(b);
    }
}
