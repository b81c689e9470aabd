package qmig.stream.grammar;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qmig.stream.ram.PageSink;
import qmig.stream.vmstate.DescriptionSource;
import qmig.stream.wire.Limits;

/**
 * How a {@link StreamReader} decodes.
 *
 * @param limits        bounds for every length read from the wire
 * @param schemas       extra description sources tried after the built-ins and the trailer
 *                      (a user's {@code -dump-vmstate} schema), in order
 * @param bundledSchema whether to fall back to the bundled schema of Debian's QEMU 7.2 for the
 *                      stream's machine type
 * @param pageSink      receives RAM page contents as they are decoded
 * @param retainPages   whether RAM page records keep their bytes (needed to re-encode)
 */
public record ReaderOptions(Limits limits, List<DescriptionSource> schemas, boolean bundledSchema,
                            PageSink pageSink, boolean retainPages) {

    public ReaderOptions {
        Objects.requireNonNull(limits);
        schemas = List.copyOf(schemas);
        Objects.requireNonNull(pageSink);
    }

    /** Decode everything, keep every byte: what a byte-identical round trip needs. */
    public static ReaderOptions defaults() {
        return new ReaderOptions(Limits.DEFAULT, List.of(), true, PageSink.NONE, true);
    }

    public ReaderOptions withLimits(Limits l) {
        return new ReaderOptions(l, schemas, bundledSchema, pageSink, retainPages);
    }

    public ReaderOptions withSchema(DescriptionSource s) {
        List<DescriptionSource> l = new ArrayList<>(schemas);
        l.add(s);
        return new ReaderOptions(limits, l, bundledSchema, pageSink, retainPages);
    }

    public ReaderOptions withBundledSchema(boolean b) {
        return new ReaderOptions(limits, schemas, b, pageSink, retainPages);
    }

    /** Pages go to {@code sink}; with {@code retain} false their bytes are not kept in the records. */
    public ReaderOptions withPages(PageSink sink, boolean retain) {
        return new ReaderOptions(limits, schemas, bundledSchema, sink, retain);
    }
}
