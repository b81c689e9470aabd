package qmig.vfio.blocker;

/** QEMU releases whose VFIO blocker rules differ, plus the seed series' unmerged proposals. */
public enum QemuVersion {
    V7_2("7.2"), V8_0("8.0"), V8_1("8.1"), V8_2("8.2"), V9_1("9.1"), V10_2("10.2"),
    /** Joao Martins' series v3 (2023-05), on top of 8.1-era code. */
    SEED_V3("seed-v3"),
    /** Joao Martins' series v4 (2023-06), on top of 8.1-era code. */
    SEED_V4("seed-v4"),
    /** Upstream master after 10.2 (future 11.0). */
    MASTER("master");

    private final String label;

    QemuVersion(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The version for {@code 7.2}, {@code 8.0}, ..., {@code seed-v4}, {@code master}. */
    public static QemuVersion parse(String s) {
        for (QemuVersion v : values()) {
            if (v.label.equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown QEMU version '" + s + "' (one of 7.2, 8.0, 8.1, 8.2, 9.1, 10.2, "
                + "seed-v3, seed-v4, master)");
    }

    /** True for this release or a later one; the seed proposals count as 8.1. */
    boolean atLeast(QemuVersion v) {
        return rank() >= v.rank();
    }

    private int rank() {
        switch (this) {
            case SEED_V3:
            case SEED_V4:
                return V8_1.ordinal();
            case MASTER:
                return V10_2.ordinal() + 1;
            default:
                return ordinal();
        }
    }

    boolean seed() {
        return this == SEED_V3 || this == SEED_V4;
    }
}
