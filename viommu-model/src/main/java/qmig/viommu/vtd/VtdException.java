package qmig.viommu.vtd;

/**
 * The errors of the VT-d model that are not VT-d faults: a walk over its work limit, a replay
 * event QEMU 7.2 would abort on, a notifier QEMU would refuse. VT-d faults themselves are values
 * ({@link FaultReason}) carried by results, as QEMU records them.
 */
public abstract sealed class VtdException extends Exception
        permits VtdException.LimitExceeded, VtdException.NotifierRange, VtdException.NotifierRejected {

    private static final long serialVersionUID = 1L;

    VtdException(String message) {
        super(message);
    }

    /** Work above a configured bound; the message names the setting to raise. */
    public static final class LimitExceeded extends VtdException {
        private static final long serialVersionUID = 1L;

        LimitExceeded(String m) {
            super(m);
        }
    }

    /**
     * An event overlapping a MAP/UNMAP notifier's range without lying inside it: QEMU 7.2..10.1
     * fails an assertion in {@code memory_region_notify_iommu_one} (10.2 crops).
     */
    public static final class NotifierRange extends VtdException {
        private static final long serialVersionUID = 1L;
        private final transient IotlbEvent event;

        NotifierRange(String m, IotlbEvent event) {
            super(m);
            this.event = event;
        }

        public IotlbEvent event() {
            return event;
        }
    }

    /** QEMU refuses to register the notifier (caching mode off, snoop control on). */
    public static final class NotifierRejected extends VtdException {
        private static final long serialVersionUID = 1L;

        NotifierRejected(String m) {
            super(m);
        }
    }

    public static LimitExceeded limitExceeded(String what, long limit, String setting) {
        return new LimitExceeded(what + " exceeds " + limit + " (raise " + setting + ")");
    }

    public static NotifierRange notifierRange(Bdf bdf, IommuNotifier n, IotlbEvent e) {
        return new NotifierRange(String.format("device %s: %s crosses the notifier range 0x%x-0x%x;"
                + " QEMU 7.2 aborts here (10.2 crops: ReplayOptions.crop)", bdf, e, n.start(), n.end()), e);
    }

    public static NotifierRejected rejected(String m) {
        return new NotifierRejected(m);
    }
}
