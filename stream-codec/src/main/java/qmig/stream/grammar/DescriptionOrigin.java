package qmig.stream.grammar;

/** Where the description that decoded a section came from. */
public enum DescriptionOrigin {
    /** A description written in Java beside its model (timer, globalstate, configuration, iommu-intel…). */
    BUILT_IN,
    /** The stream's own VMDESCRIPTION trailer: the layout the source actually wrote. */
    TRAILER,
    /** A {@code -dump-vmstate} schema: the user's, or the bundled one of Debian's QEMU 7.2. */
    SCHEMA
}
