package qmig.stream.json;

import qmig.stream.wire.StreamFormatException;

/** CONTRACT STUB: parse and QEMU-compact writing of JSON. */
public final class Json {
    private Json() {
    }

    /**
     * Parses UTF-8 JSON text. Errors are {@link StreamFormatException.Corrupt} at
     * {@code baseOffset + index} of the offending byte; nesting deeper than {@code maxDepth} is
     * {@link StreamFormatException.LimitExceeded}.
     */
    public static JsonValue parse(byte[] text, int off, int len, long baseOffset, int maxDepth)
            throws StreamFormatException {
        throw new UnsupportedOperationException("stub");
    }

    /** Writes {@code v} as QEMU's compact JSON writer does (qobject/json-writer.c, non-pretty). */
    public static byte[] writeQemu(JsonValue v) {
        throw new UnsupportedOperationException("stub");
    }
}
