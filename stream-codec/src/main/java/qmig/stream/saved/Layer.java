package qmig.stream.saved;

/**
 * One wrapper around the migration stream, outermost first.
 *
 * @param kind    what the layer is
 * @param offset  where it starts in the bytes of the layer around it (for the first layer: in the file)
 * @param summary one line for people, e.g. {@code libvirt save image v2, format xz, was_running=1, ...}
 * @param libvirt the libvirt header, for a {@link SavedForm#LIBVIRT} layer, else null
 * @param qcow2   the snapshot table and the chosen snapshot, for a {@link SavedForm#QCOW2} layer, else null
 */
public record Layer(SavedForm kind, long offset, String summary, LibvirtHeader libvirt, Qcow2Image.Choice qcow2) {

    static Layer of(SavedForm kind, long offset, String summary) {
        return new Layer(kind, offset, summary, null, null);
    }

    @Override
    public String toString() {
        return summary + " at offset " + offset;
    }
}
