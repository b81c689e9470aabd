package qmig.stream.check;

import java.util.Objects;

/**
 * One observation of a check.
 *
 * @param severity how bad it is
 * @param path     where: a section ({@code section 'iommu-intel'/0}), a RAMBlock
 *                 ({@code ramblock 'pc.ram'}), or a schema path
 *                 ({@code fw_cfg/fw_cfg/Subsections/fw_cfg/dma})
 * @param message  what differs, e.g. {@code version 3 > destination version_id 2}
 */
public record Finding(Severity severity, String path, String message) {

    public Finding {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(path);
        Objects.requireNonNull(message);
    }

    public static Finding error(String path, String message) {
        return new Finding(Severity.ERROR, path, message);
    }

    public static Finding warning(String path, String message) {
        return new Finding(Severity.WARNING, path, message);
    }

    public static Finding info(String path, String message) {
        return new Finding(Severity.INFO, path, message);
    }

    @Override
    public String toString() {
        return severity.label() + ": " + path + ": " + message;
    }
}
