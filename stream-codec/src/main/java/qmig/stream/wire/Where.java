package qmig.stream.wire;

/**
 * Where an error happened: a byte offset in the stream, the section (id, idstr, instance)
 * when known, and the field path inside the section's vmstate when known.
 *
 * @param offset     byte offset from the start of the stream, or -1 when unknown
 * @param sectionId  section id from the record header, or -1 when not inside a section
 * @param idstr      the section's idstr, or null
 * @param instanceId the section's instance id, or -1
 * @param fieldPath  a vmstate field path such as {@code csr[12]} or {@code parent_obj.config}, or null
 */
public record Where(long offset, long sectionId, String idstr, long instanceId, String fieldPath) {

    public static final Where NOWHERE = new Where(-1, -1, null, -1, null);

    public static Where at(long offset) {
        return new Where(offset, -1, null, -1, null);
    }

    public Where withOffset(long newOffset) {
        return new Where(newOffset, sectionId, idstr, instanceId, fieldPath);
    }

    /** Adds section context unless this location already names a section. */
    public Where inSection(long id, String name, long instance) {
        if (sectionId >= 0 || idstr != null) {
            return this;
        }
        return new Where(offset, id, name, instance, fieldPath);
    }

    /** Prefixes the field path with an outer field name, e.g. {@code ahci} + {@code dev[0].port}. */
    public Where inField(String outer) {
        if (outer == null || outer.isEmpty()) {
            return this;
        }
        String path = fieldPath == null ? outer
                : fieldPath.startsWith("[") ? outer + fieldPath : outer + "." + fieldPath;
        return new Where(offset, sectionId, idstr, instanceId, path);
    }

    /** {@code section 7 'iommu-intel'/0, csr[12] at 0x1a2f}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (sectionId >= 0 || idstr != null) {
            sb.append("section");
            if (sectionId >= 0) {
                sb.append(' ').append(sectionId);
            }
            if (idstr != null) {
                sb.append(" '").append(idstr).append('\'');
                if (instanceId >= 0) {
                    sb.append('/').append(instanceId);
                }
            }
        }
        if (fieldPath != null) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(fieldPath);
        }
        if (offset >= 0) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("at 0x").append(Long.toHexString(offset));
        }
        return sb.length() == 0 ? "(unknown location)" : sb.toString();
    }
}
