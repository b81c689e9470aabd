package qmig.viommu.vtd;

/** {@code IOMMUAccessFlags}: the permission of a mapping (include/exec/memory.h). */
public enum Perm {
    NONE(0), RO(1), WO(2), RW(3);

    private static final Perm[] BY_VALUE = values();

    private final int value;

    Perm(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static Perm of(boolean read, boolean write) {
        return BY_VALUE[(read ? 1 : 0) | (write ? 2 : 0)];
    }

    /** The permission whose {@link #value()} is {@code v} (0..3). */
    public static Perm of(int v) {
        return BY_VALUE[v];
    }

    public boolean read() {
        return (value & 1) != 0;
    }

    public boolean write() {
        return (value & 2) != 0;
    }
}
