package qmig.tools.receiver;

import java.io.IOException;

/**
 * Why the receiver closed a connection or failed a migration: one typed family, each with a
 * {@link Kind} that the report and log print.
 */
public final class ReceiveError extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, in the order a connection meets them. */
    public enum Kind {
        /** More connections open at once than {@code --max-connections}: closed as soon as accepted. */
        TOO_MANY_CONNECTIONS,
        /** With {@code --tls-creds}: the TLS handshake failed (not a TLS client, untrusted or missing client certificate). */
        TLS_REFUSED,
        /** The first 4 bytes are neither QEVM nor the multifd magic (random bytes, HTTP, ...). */
        NOT_A_MIGRATION,
        /** The connection ended before its first 4 bytes (or before a multifd init packet). */
        INCOMPLETE_HEADER,
        /** More main channels than {@code --max-migrations}. */
        TOO_MANY_MIGRATIONS,
        /** A multifd channel no migration waits for (unknown uuid, duplicate or out-of-range id, multifd off). */
        UNMATCHED_MULTIFD_CHANNEL,
        /** A multifd channel did not reach its sync point in time. */
        MULTIFD_TIMEOUT,
        /** A postcopy command: not implemented, refused. */
        POSTCOPY_REFUSED,
        /** A command the receiver does not implement (COLO, PACKAGED outside postcopy, ...). */
        UNSUPPORTED_COMMAND,
        /** A device section no description knows ("Unknown savevm section or instance"). */
        UNKNOWN_SECTION,
        /** The stream does not decode (StreamFormatException underneath). */
        BAD_STREAM,
        /** A routed connection sent nothing for the idle timeout while its loader waited for bytes. */
        IDLE_TIMEOUT,
        /** The connection closed or failed before the stream ended. */
        CONNECTION,
        /** The configuration names another machine type than {@code --machine}. */
        MACHINE_MISMATCH,
        /** Post-load (vIOMMU replay) failed. */
        POST_LOAD,
        /** {@code --save} could not write the stream (disk full, directory not writable); nothing is left under its name. */
        SAVE_FAILED,
        /** A decoder failed outside the StreamFormatException family: a bug in qmig, never the sender's fault alone. */
        INTERNAL
    }

    private final Kind kind;

    public ReceiveError(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ReceiveError(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** The first ReceiveError of {@code kind} in {@code t}'s cause chain, or null. */
    static ReceiveError find(Throwable t, Kind kind) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof ReceiveError r && r.kind == kind) {
                return r;
            }
        }
        return null;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String toString() {
        return kind + ": " + getMessage();
    }
}
