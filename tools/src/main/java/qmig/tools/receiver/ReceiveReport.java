package qmig.tools.receiver;

import java.util.List;
import java.util.Locale;
import qmig.stream.memory.BlockDigest;

/**
 * What one incoming migration loaded and how long each step took (destination side).
 *
 * @param id          the receiver's migration number, from 1
 * @param remote      the main channel's peer address
 * @param completed   true when the stream was loaded to its end and post-load ran
 * @param errorKind   null when completed
 * @param error       the error text, null when completed
 * @param machineType from the configuration section, or null
 * @param returnPath  whether the source opened the return path
 * @param pongs       PONGs sent
 * @param bytes       main-channel bytes received
 * @param multifd     multifd channels used (0: none)
 * @param sections    per section (idstr/instance), in first-seen order
 * @param ram         RAM records applied by type
 * @param digests     per RAMBlock, SHA-256 of the received content
 * @param iommu       the vIOMMU state, or null when the stream has none
 * @param vfio        per {@code --vfio} device its mappings
 * @param timings     destination-side timings
 */
public record ReceiveReport(int id, String remote, boolean completed, ReceiveError.Kind errorKind, String error,
                            String machineType, boolean returnPath, int pongs, long bytes, int multifd,
                            List<SectionResult> sections, RamTotals ram, List<BlockDigest> digests,
                            IommuSummary iommu, List<VfioDevice> vfio, Timings timings) {

    /** One device section (or the iterative {@code ram}): its records, how it loaded, time spent. */
    public record SectionResult(String idstr, long instance, int version, int records, String result, long nanos) {
    }

    /** Records applied; {@code multifdPages} came over multifd channels. */
    public record RamTotals(long zero, long page, long xbzrle, long compressed, long multifdPages, long eos) {
    }

    /** The vIOMMU after its post-load: mode and the devices with present contexts. */
    public record IommuSummary(boolean dmarEnabled, boolean intrEnabled, boolean rootScalable, String config,
                               int presentContexts, List<String> warnings) {
    }

    /**
     * One VFIO device's container after post-load: mapping count, IOVA range (inclusive), bytes
     * mapped, unmaps of 0 bytes, and the refused or failed container operations.
     */
    public record VfioDevice(String bdf, boolean viaIommu, int mappings, long minIova, long maxIova, long bytes,
                             long zeroByteUnmaps, List<String> problems) {
        public VfioDevice {
            problems = List.copyOf(problems);
        }
    }

    /**
     * @param firstByteToEofNanos    from the first byte of the main channel to the end of the stream (trailer read)
     * @param ramCompleteToLoadedNanos from the end of the last {@code ram} section to loaded (switchover work)
     * @param replayNanos            vIOMMU post-load replay
     * @param totalNanos             first byte to the report
     */
    public record Timings(long firstByteToEofNanos, long ramCompleteToLoadedNanos, long replayNanos, long totalNanos) {
    }

    public ReceiveReport {
        sections = List.copyOf(sections);
        digests = List.copyOf(digests);
        vfio = List.copyOf(vfio);
    }

    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "migration %d from %s: %s%n", id, remote,
                completed ? "completed" : "FAILED " + errorKind + ": " + error));
        b.append(String.format(Locale.ROOT, "  machine %s, %d bytes, return path %s (%d PONG), multifd %d%n",
                machineType, bytes, returnPath ? "open" : "closed", pongs, multifd));
        long loaded = sections.stream().filter(s -> s.result().startsWith("loaded")).count();
        b.append(String.format(Locale.ROOT, "  sections: %d, loaded %d%n", sections.size(), loaded));
        for (SectionResult s : sections) {
            b.append(String.format(Locale.ROOT, "    %-28s %3d v%-2d x%-5d %-24s %8.3f ms%n", s.idstr(), s.instance(),
                    s.version(), s.records(), s.result(), s.nanos() / 1e6));
        }
        if (ram != null) {
            b.append(String.format(Locale.ROOT, "  ram: zero %d, page %d, xbzrle %d, compressed %d, multifd %d, eos %d%n",
                    ram.zero(), ram.page(), ram.xbzrle(), ram.compressed(), ram.multifdPages(), ram.eos()));
        }
        for (BlockDigest d : digests) {
            b.append(String.format(Locale.ROOT, "  block %-28s 0x%-9x sha256 %s%n", d.idstr(), d.usedLength(), d.sha256()));
        }
        if (iommu != null) {
            b.append(String.format(Locale.ROOT, "  vIOMMU: dmar %s, intr %s, scalable %s, %d present contexts, %s%n",
                    iommu.dmarEnabled(), iommu.intrEnabled(), iommu.rootScalable(), iommu.presentContexts(), iommu.config()));
        }
        for (VfioDevice v : vfio) {
            b.append(String.format(Locale.ROOT, "  vfio %s: %d mappings%s, %d bytes%s%n", v.bdf(), v.mappings(),
                    v.mappings() == 0 ? "" : String.format(Locale.ROOT, " at 0x%x-0x%x", v.minIova(), v.maxIova()),
                    v.bytes(), v.viaIommu() ? " (vIOMMU replay)" : " (guest RAM 1:1)"));
            if (v.zeroByteUnmaps() > 0) {
                b.append(String.format(Locale.ROOT, "    %d zero-byte unmaps%n", v.zeroByteUnmaps()));
            }
            for (String p : v.problems()) {
                b.append("    problem: ").append(p).append(System.lineSeparator());
            }
        }
        if (timings != null) {
            b.append(String.format(Locale.ROOT,
                    "  timings: first byte to EOF %.3f ms, RAM complete to loaded %.3f ms, replay %.3f ms, total %.3f ms%n",
                    timings.firstByteToEofNanos() / 1e6, timings.ramCompleteToLoadedNanos() / 1e6,
                    timings.replayNanos() / 1e6, timings.totalNanos() / 1e6));
        }
        return b.toString();
    }

    public String toJson() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"id\": ").append(id).append(", \"remote\": ").append(str(remote));
        b.append(", \"status\": ").append(str(completed ? "completed" : "failed"));
        b.append(", \"error_kind\": ").append(errorKind == null ? "null" : str(errorKind.name()));
        b.append(", \"error\": ").append(str(error));
        b.append(", \"machine\": ").append(str(machineType));
        b.append(", \"return_path\": ").append(returnPath).append(", \"pongs\": ").append(pongs);
        b.append(", \"bytes\": ").append(bytes).append(", \"multifd_channels\": ").append(multifd);
        b.append(", \"sections\": [");
        for (int i = 0; i < sections.size(); i++) {
            SectionResult s = sections.get(i);
            b.append(i == 0 ? "" : ", ").append("{\"idstr\": ").append(str(s.idstr())).append(", \"instance\": ")
                    .append(s.instance()).append(", \"version\": ").append(s.version()).append(", \"records\": ")
                    .append(s.records()).append(", \"result\": ").append(str(s.result())).append(", \"nanos\": ")
                    .append(s.nanos()).append('}');
        }
        b.append("]");
        if (ram != null) {
            b.append(", \"ram\": {\"zero\": ").append(ram.zero()).append(", \"page\": ").append(ram.page())
                    .append(", \"xbzrle\": ").append(ram.xbzrle()).append(", \"compressed\": ").append(ram.compressed())
                    .append(", \"multifd_pages\": ").append(ram.multifdPages()).append(", \"eos\": ").append(ram.eos())
                    .append('}');
        }
        b.append(", \"blocks\": [");
        for (int i = 0; i < digests.size(); i++) {
            BlockDigest d = digests.get(i);
            b.append(i == 0 ? "" : ", ").append("{\"idstr\": ").append(str(d.idstr())).append(", \"used_length\": ")
                    .append(d.usedLength()).append(", \"sha256\": ").append(str(d.sha256())).append('}');
        }
        b.append("]");
        if (iommu != null) {
            b.append(", \"viommu\": {\"dmar_enabled\": ").append(iommu.dmarEnabled()).append(", \"intr_enabled\": ")
                    .append(iommu.intrEnabled()).append(", \"root_scalable\": ").append(iommu.rootScalable())
                    .append(", \"config\": ").append(str(iommu.config())).append(", \"present_contexts\": ")
                    .append(iommu.presentContexts()).append(", \"warnings\": [");
            for (int i = 0; i < iommu.warnings().size(); i++) {
                b.append(i == 0 ? "" : ", ").append(str(iommu.warnings().get(i)));
            }
            b.append("]}");
        }
        b.append(", \"vfio\": [");
        for (int i = 0; i < vfio.size(); i++) {
            VfioDevice v = vfio.get(i);
            b.append(i == 0 ? "" : ", ").append("{\"bdf\": ").append(str(v.bdf())).append(", \"via_iommu\": ")
                    .append(v.viaIommu()).append(", \"mappings\": ").append(v.mappings())
                    .append(", \"min_iova\": ").append(str(v.mappings() == 0 ? null : "0x" + Long.toHexString(v.minIova())))
                    .append(", \"max_iova\": ").append(str(v.mappings() == 0 ? null : "0x" + Long.toHexString(v.maxIova())))
                    .append(", \"bytes\": ").append(v.bytes())
                    .append(", \"zero_byte_unmaps\": ").append(v.zeroByteUnmaps()).append(", \"problems\": [");
            for (int j = 0; j < v.problems().size(); j++) {
                b.append(j == 0 ? "" : ", ").append(str(v.problems().get(j)));
            }
            b.append("]}");
        }
        b.append("]");
        if (timings != null) {
            b.append(", \"timings_nanos\": {\"first_byte_to_eof\": ").append(timings.firstByteToEofNanos())
                    .append(", \"ram_complete_to_loaded\": ").append(timings.ramCompleteToLoadedNanos())
                    .append(", \"replay\": ").append(timings.replayNanos())
                    .append(", \"total\": ").append(timings.totalNanos()).append('}');
        }
        return b.append('}').toString();
    }

    static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
