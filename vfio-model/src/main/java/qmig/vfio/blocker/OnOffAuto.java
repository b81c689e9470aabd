package qmig.vfio.blocker;

/** QEMU's OnOffAuto property type. */
public enum OnOffAuto {
    ON, OFF, AUTO
}
