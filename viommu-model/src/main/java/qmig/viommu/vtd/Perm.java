package qmig.viommu.vtd;

/** {@code IOMMUAccessFlags}: the permission of a mapping (include/exec/memory.h). */
public enum Perm {
    NONE(0), RO(1), WO(2), RW(3);

    private final int value;

    Perm(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static Perm of(boolean read, boolean write) {
        return values()[(read ? 1 : 0) | (write ? 2 : 0)];
    }

    public boolean read() {
        return (value & 1) != 0;
    }

    public boolean write() {
        return (value & 2) != 0;
    }
}
