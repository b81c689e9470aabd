package qmig.viommu.vtd;

/**
 * A PCI requester id: bus and devfn, as VT-d indexes its root and context tables.
 *
 * @param bus   bus number 0..255 (the current bus number, read from the upstream bridge)
 * @param devfn device &lt;&lt; 3 | function
 */
public record Bdf(int bus, int devfn) implements Comparable<Bdf> {

    public Bdf {
        if (bus < 0 || bus > 255 || devfn < 0 || devfn > 255) {
            throw new IllegalArgumentException("bus " + bus + " devfn " + devfn + " out of range");
        }
    }

    public static Bdf of(int bus, int dev, int fn) {
        if (dev < 0 || dev > 31 || fn < 0 || fn > 7) {
            throw new IllegalArgumentException("device " + dev + " function " + fn + " out of range");
        }
        return new Bdf(bus, dev << 3 | fn);
    }

    /** From {@code bus:dev.fn} in hex, optionally with a {@code 0000:} domain prefix. */
    public static Bdf parse(String s) {
        String t = s.trim();
        if (t.chars().filter(c -> c == ':').count() == 2) {
            t = t.substring(t.indexOf(':') + 1);
        }
        int colon = t.indexOf(':');
        int dot = t.indexOf('.');
        if (colon < 0 || dot < colon) {
            throw new IllegalArgumentException("not a bus:dev.fn: '" + s + "'");
        }
        try {
            return of(Integer.parseInt(t.substring(0, colon), 16), Integer.parseInt(t.substring(colon + 1, dot), 16),
                    Integer.parseInt(t.substring(dot + 1), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a bus:dev.fn: '" + s + "'", e);
        }
    }

    /** The 16-bit source id. */
    public int sid() {
        return bus << 8 | devfn;
    }

    public int device() {
        return devfn >>> 3;
    }

    public int function() {
        return devfn & 7;
    }

    @Override
    public int compareTo(Bdf o) {
        return Integer.compare(sid(), o.sid());
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x.%d", bus, device(), function());
    }
}
