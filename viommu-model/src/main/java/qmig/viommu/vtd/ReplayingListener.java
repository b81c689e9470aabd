package qmig.viommu.vtd;

import java.util.ArrayList;
import java.util.List;

/**
 * A memory listener that behaves like VFIO's {@code vfio_listener_region_add} for IOMMU
 * sections: it registers a MAP|UNMAP notifier over the section and replays it at once; the
 * delivered events go to a {@link Sink}. It also records the topology updates it saw.
 */
public final class ReplayingListener implements MemoryListener {

    /** Receives the events delivered to one device's notifiers. */
    @FunctionalInterface
    public interface Sink {
        void event(Bdf bdf, IommuNotifier notifier, IotlbEvent e) throws VtdException;
    }

    /** One topology update, for tests and display. */
    public record Update(Bdf bdf, boolean add, FlatSection section) {
        @Override
        public String toString() {
            return bdf + (add ? " add " : " del ") + section;
        }
    }

    private final Sink sink;
    private final List<Update> updates = new ArrayList<>();

    public ReplayingListener(Sink sink) {
        this.sink = sink;
    }

    public List<Update> updates() {
        return List.copyOf(updates);
    }

    @Override
    public void regionDel(VtdAddressSpace as, FlatSection s) {
        updates.add(new Update(as.bdf(), false, s));
    }

    @Override
    public void regionAdd(VtdAddressSpace as, FlatSection s) throws VtdException {
        updates.add(new Update(as.bdf(), true, s));
        if (s.kind() != FlatSection.Kind.IOMMU) {
            return;
        }
        IommuNotifier[] self = new IommuNotifier[1];
        self[0] = new IommuNotifier(s.start(), s.end(), IommuNotifier.MAP | IommuNotifier.UNMAP,
                e -> sink.event(as.bdf(), self[0], e));
        as.register(self[0]);
        as.replay(self[0]);
    }
}
