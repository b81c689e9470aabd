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
 * @param fileOffset for a stream inside a wrapper (libvirt image, qcow2 snapshot, compressed file): the
 *                   offset in the outer file where the error was met, or -1
 */
public record Where(long offset, long sectionId, String idstr, long instanceId, String fieldPath, long fileOffset) {

    public static final Where NOWHERE = new Where(-1, -1, null, -1, null);

    public Where(long offset, long sectionId, String idstr, long instanceId, String fieldPath) {
        this(offset, sectionId, idstr, instanceId, fieldPath, -1);
    }

    /** A place in a wrapper: {@code offset} in the stream (-1 when none yet), {@code fileOffset} in the file. */
    public static Where inFile(long offset, long fileOffset) {
        return new Where(offset, -1, null, -1, null, fileOffset);
    }

    /** The same place, with the offset in the outer file added. */
    public Where withFileOffset(long newFileOffset) {
        return new Where(offset, sectionId, idstr, instanceId, fieldPath, newFileOffset);
    }

    public static Where at(long offset) {
        return new Where(offset, -1, null, -1, null);
    }

    public Where withOffset(long newOffset) {
        return new Where(newOffset, sectionId, idstr, instanceId, fieldPath, fileOffset);
    }

    /** Adds section context unless this location already names a section. */
    public Where inSection(long id, String name, long instance) {
        if (sectionId >= 0 || idstr != null) {
            return this;
        }
        return new Where(offset, id, name, instance, fieldPath, fileOffset);
    }

    /** Prefixes the field path with an outer field name, e.g. {@code ahci} + {@code dev[0].port}. */
    public Where inField(String outer) {
        if (outer == null || outer.isEmpty()) {
            return this;
        }
        String path = fieldPath == null ? outer
                : fieldPath.startsWith("[") ? outer + fieldPath : outer + "." + fieldPath;
        return new Where(offset, sectionId, idstr, instanceId, path, fileOffset);
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
        if (fileOffset >= 0) {
            if (offset >= 0) {
                sb.append(" (file offset 0x").append(Long.toHexString(fileOffset)).append(')');
            } else {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append("at file offset 0x").append(Long.toHexString(fileOffset));
            }
        }
        return sb.length() == 0 ? "(unknown location)" : sb.toString();
    }
}
