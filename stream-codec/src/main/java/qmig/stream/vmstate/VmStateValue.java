package qmig.stream.vmstate;

/** CONTRACT STUB: decoded vmstate values. */
public sealed interface VmStateValue {
    record Struct() implements VmStateValue {
        /** The bytes of a buffer field as ISO-8859-1 text (e.g. configuration's {@code name}). */
        public String bytesAsText(String field) {
            throw new UnsupportedOperationException("stub");
        }
    }
}
