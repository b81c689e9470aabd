package qmig.vfio.section;

/** Which migration protocol wrote a section: they share markers but differ in chunk rules. */
public enum VfioProtocol {
    /** QEMU 7.2, the deprecated migration region: zero-length DATA chunks allowed. */
    V1,
    /** QEMU 8.0+: chunks are non-empty reads of the data fd; INIT_DATA_SENT and CONFIG_LOAD_READY exist. */
    V2
}
