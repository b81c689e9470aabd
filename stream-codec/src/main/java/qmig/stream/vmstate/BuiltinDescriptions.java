package qmig.stream.vmstate;

/** CONTRACT STUB: descriptions written in Java. */
public final class BuiltinDescriptions {
    private BuiltinDescriptions() {
    }

    public static final VmStateDescription CONFIGURATION = null;

    public static DescriptionSource source() {
        throw new UnsupportedOperationException("stub");
    }
}
