package qmig.stream.check;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link LoadCheck}: per record the destination's view, the findings, the verdict
 * and what QEMU 7.2 would print.
 *
 * @param destinationFrom where the destination's instance set came from
 * @param machine         the destination's machine type
 * @param sections        one entry per record the simulated load reached, in stream order
 * @param findings        every finding, in stream order
 * @param loads           true when the destination would accept the stream
 * @param qemuErrors      the lines QEMU 7.2 prints to stderr, without the {@code qemu-system-x86_64: }
 *                        prefix; empty when it loads
 * @param exact           false when the first failure is a field layout difference: the
 *                        destination then misreads bytes, and what it prints depends on them
 *                        ({@code qemuErrors} gives the most likely lines)
 */
public record LoadReport(String destinationFrom, String machine, List<SectionResult> sections, List<Finding> findings,
                         boolean loads, List<String> qemuErrors, boolean exact) {

    public LoadReport {
        Objects.requireNonNull(destinationFrom);
        sections = List.copyOf(sections);
        findings = List.copyOf(findings);
        qemuErrors = List.copyOf(qemuErrors);
    }

    /** QEMU's own stderr prefix for {@code error_report} lines. */
    public static final String QEMU_PREFIX = "qemu-system-x86_64: ";

    /**
     * One record as the destination sees it.
     *
     * @param offset   byte offset of the record
     * @param kind     configuration, start, part, end, full, command, eof
     * @param idstr    section idstr (machine type for the configuration), or null
     * @param instance instance id, or -1
     * @param version  section version, or -1
     * @param status   ok, or the reason the load stops here (failed: ...)
     * @param dest     the destination handler's versions ({@code v2, min 1}), or null
     */
    public record SectionResult(long offset, String kind, String idstr, int instance, int version, String status,
                                String dest) {
    }
}
