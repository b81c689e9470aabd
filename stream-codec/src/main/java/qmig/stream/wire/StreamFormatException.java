package qmig.stream.wire;

import java.io.IOException;

/**
 * The one error family of qmig's decoders. Every instance says where (byte offset, section,
 * field path) and what was expected. Subtypes tell the kind of failure apart:
 * <ul>
 *   <li>{@link Truncated}: the input ended before the structure did;</li>
 *   <li>{@link Corrupt}: a byte or value is not what the format allows;</li>
 *   <li>{@link UnsupportedVersion}: a version this reader does not speak (file version 2, a
 *       section version outside a description's range);</li>
 *   <li>{@link LimitExceeded}: a length read from the wire is above a configured limit; the
 *       message names the limit and how to raise it;</li>
 *   <li>{@link UnknownSection}: no description or handler knows a section.</li>
 * </ul>
 * Instances are created through the static factories and are re-thrown with more context
 * (section, field) as they travel up through {@link #at(Where)}.
 */
public abstract sealed class StreamFormatException extends IOException
        permits StreamFormatException.Truncated, StreamFormatException.Corrupt,
        StreamFormatException.UnsupportedVersion, StreamFormatException.LimitExceeded,
        StreamFormatException.UnknownSection {

    private static final long serialVersionUID = 1L;

    private final Where where;
    private final String detail;

    StreamFormatException(Where where, String detail, Throwable cause) {
        super(where + ": " + detail, cause);
        this.where = where;
        this.detail = detail;
    }

    public Where where() {
        return where;
    }

    /** The byte offset the error refers to, or -1. */
    public long offset() {
        return where.offset();
    }

    /** The message without the location prefix. */
    public String detail() {
        return detail;
    }

    /** The same error with a different location (used to add section and field context). */
    public abstract StreamFormatException at(Where newWhere);

    public StreamFormatException inSection(long sectionId, String idstr, long instanceId) {
        Where w = where.inSection(sectionId, idstr, instanceId);
        return w.equals(where) ? this : at(w);
    }

    public StreamFormatException inField(String outer) {
        return at(where.inField(outer));
    }

    // ---- factories -------------------------------------------------------------------------

    /** The input ended: {@code needed} more bytes were required, {@code available} were there. */
    public static Truncated truncated(long offset, String what, long needed, long available) {
        return new Truncated(Where.at(offset),
                "truncated " + what + " (expected " + needed + " bytes, got " + available + ")", null);
    }

    public static Corrupt corrupt(long offset, String what) {
        return new Corrupt(Where.at(offset), what, null);
    }

    public static Corrupt corrupt(Where where, String what) {
        return new Corrupt(where, what, null);
    }

    /** {@code what: expected 0x7e, found 0x00}. */
    public static Corrupt mismatch(long offset, String what, long expected, long found) {
        return new Corrupt(Where.at(offset), what + ": expected 0x" + Long.toHexString(expected)
                + ", found 0x" + Long.toHexString(found), null);
    }

    public static Corrupt corrupt(long offset, String what, Throwable cause) {
        return new Corrupt(Where.at(offset), what, cause);
    }

    public static UnsupportedVersion unsupportedVersion(long offset, String what) {
        return new UnsupportedVersion(Where.at(offset), what, null);
    }

    /**
     * A length or count from the wire exceeds a limit.
     *
     * @param limitName the setting that raises it, e.g. {@code Limits.maxBufferBytes} / {@code --max-buffer}
     */
    public static LimitExceeded limitExceeded(long offset, String what, long value, long limit, String limitName) {
        return new LimitExceeded(Where.at(offset), what + " of " + value + " exceeds the limit of " + limit
                + " (raise " + limitName + ")", null);
    }

    /** The same kinds at a place inside a wrapper ({@link Where#inFile}): stream offset and file offset. */
    public static Truncated truncated(Where where, String what) {
        return new Truncated(where, what, null);
    }

    public static Truncated truncated(Where where, String what, Throwable cause) {
        return new Truncated(where, what, cause);
    }

    public static Corrupt corrupt(Where where, String what, Throwable cause) {
        return new Corrupt(where, what, cause);
    }

    public static UnsupportedVersion unsupportedVersion(Where where, String what) {
        return new UnsupportedVersion(where, what, null);
    }

    public static LimitExceeded limitExceeded(Where where, String what, long value, long limit, String limitName) {
        return new LimitExceeded(where, what + " of " + value + " exceeds the limit of " + limit
                + " (raise " + limitName + ")", null);
    }

    public static UnknownSection unknownSection(Where where, String what) {
        return new UnknownSection(where, what, null);
    }

    // ---- kinds -----------------------------------------------------------------------------

    public static final class Truncated extends StreamFormatException {
        private static final long serialVersionUID = 1L;

        Truncated(Where where, String detail, Throwable cause) {
            super(where, detail, cause);
        }

        @Override
        public Truncated at(Where newWhere) {
            return new Truncated(newWhere, detail(), this);
        }
    }

    public static final class Corrupt extends StreamFormatException {
        private static final long serialVersionUID = 1L;

        Corrupt(Where where, String detail, Throwable cause) {
            super(where, detail, cause);
        }

        @Override
        public Corrupt at(Where newWhere) {
            return new Corrupt(newWhere, detail(), this);
        }
    }

    public static final class UnsupportedVersion extends StreamFormatException {
        private static final long serialVersionUID = 1L;

        UnsupportedVersion(Where where, String detail, Throwable cause) {
            super(where, detail, cause);
        }

        @Override
        public UnsupportedVersion at(Where newWhere) {
            return new UnsupportedVersion(newWhere, detail(), this);
        }
    }

    public static final class LimitExceeded extends StreamFormatException {
        private static final long serialVersionUID = 1L;

        LimitExceeded(Where where, String detail, Throwable cause) {
            super(where, detail, cause);
        }

        @Override
        public LimitExceeded at(Where newWhere) {
            return new LimitExceeded(newWhere, detail(), this);
        }
    }

    public static final class UnknownSection extends StreamFormatException {
        private static final long serialVersionUID = 1L;

        UnknownSection(Where where, String detail, Throwable cause) {
            super(where, detail, cause);
        }

        @Override
        public UnknownSection at(Where newWhere) {
            return new UnknownSection(newWhere, detail(), this);
        }
    }
}
