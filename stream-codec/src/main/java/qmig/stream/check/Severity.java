package qmig.stream.check;

/** How bad a {@link Finding} is. */
public enum Severity {
    /** The load fails (or, for two schemas, a migration in that direction breaks). */
    ERROR,
    /** Probably harmless, but worth a look (e.g. different machine types). */
    WARNING,
    /** A difference that does not affect the load (a compatible rename, a resized ACPI blob). */
    INFO;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
