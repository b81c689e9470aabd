package qmig.tools.cli;

import java.io.IOException;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.viommu.mem.Q35PageLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.viommu.mem.LoadedCapture;
import qmig.viommu.report.VtdReport;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.IntelIommu;
import qmig.viommu.vtd.ReplayOptions;
import qmig.viommu.vtd.WalkLimits;
import qmig.viommu.vtd.Translation;
import qmig.viommu.vtd.VtdConfig;
import qmig.viommu.vtd.VtdException;
import qmig.viommu.vtd.WalkStep;
import qmig.viommu.vtd.ir.InterruptRemapper;
import qmig.viommu.vtd.ir.Irte;
import qmig.viommu.vtd.state.IntelIommuState;

/** {@code qmig iommu}, {@code qmig translate} and {@code qmig irte}: the vIOMMU of a stream, offline. */
final class IommuCommands {

    private IommuCommands() {
    }

    /** The stream decoded once, with pc.ram kept as guest-physical memory. */
    static LoadedCapture capture(Path file) throws IOException {
        return capture(file, null);
    }

    /** The same for any saved form; {@code snapshot} picks a qcow2 snapshot (null: the default). */
    static LoadedCapture capture(Path file, String snapshot) throws IOException {
        IntelIommu.registerDescriptions();
        Q35PageLoader pages = new Q35PageLoader();
        try (StreamInput in = new StreamInput(file, ReaderOptions.defaults().withPages(pages, false), snapshot)) {
            MigrationStream s = MigrationStream.readAll(in.reader);
            return new LoadedCapture(s, pages.memory(), pages.layout());
        }
    }

    /** The stream's intel-iommu model over its loaded guest memory. */
    static IntelIommu load(Path file) throws IOException {
        return iommu(file, capture(file));
    }

    static IntelIommu load(Path file, String snapshot) throws IOException {
        return iommu(file, capture(file, snapshot));
    }

    static IntelIommu iommu(Path file, LoadedCapture c) throws IOException {
        return iommu(file, c, WalkLimits.DEFAULT);
    }

    /** As {@link #iommu(Path, LoadedCapture)} with the walk budgets of {@code --limit}. */
    static IntelIommu iommu(Path file, LoadedCapture c, WalkLimits walk) throws IOException {
        IntelIommuState s = IntelIommuState.find(c.stream());
        if (s == null) {
            throw new NoIommuException(file);
        }
        return new IntelIommu(s, VtdConfig.inferFrom(s.csr()), c.memory(), ReplayOptions.QEMU_7_2.withLimits(walk));
    }

    static final class NoIommuException extends IOException {
        private static final long serialVersionUID = 1L;

        NoIommuException(Path file) {
            super("the stream has no iommu-intel section (the source had no intel-iommu device)");
        }
    }

    static int fail(Path file, Exception e) {
        if (e instanceof NoIommuException) {
            System.err.println("qmig: " + file + ": " + e.getMessage());
            return 1;
        }
        if (e instanceof IOException io) {
            return StreamInput.fail(file, io);
        }
        System.err.println("qmig: " + file + ": " + e.getMessage());
        return Qmig.EXIT_BAD_STREAM;
    }

    @Command(name = "iommu", mixinStandardHelpOptions = true,
            description = "The intel-iommu state of a stream: registers, mode, and per device (bus:dev.fn) its domain,"
                    + " levels, table root, mapping counts by page size and IOVA range, from a replay of the guest's"
                    + " own tables as QEMU's vtd_post_load does.")
    static final class Iommu implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        LimitOptions limitOptions = new LimitOptions();

        @Parameters(paramLabel = "FILE", description = "a migration stream in any saved form")
        Path file;

        @picocli.CommandLine.Mixin
        SnapshotOption snapshotOption = new SnapshotOption();

        @Option(names = "--mappings", description = "list every mapping")
        boolean mappings;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            try {
                WalkLimits walk;
                try {
                    walk = limitOptions.walk(WalkLimits.DEFAULT);
                } catch (IllegalArgumentException e) {
                    System.err.println("qmig iommu: bad --limit: " + e.getMessage());
                    return 64;
                }
                VtdReport r = VtdReport.of(iommu(file, capture(file, snapshotOption.snapshot), walk), mappings);
                System.out.print(json ? r.toJson(mappings) + "\n" : r.toText(mappings));
                System.out.flush();
                return 0;
            } catch (IOException | VtdException e) {
                return fail(file, e);
            }
        }
    }

    @Command(name = "translate", mixinStandardHelpOptions = true,
            description = "Translate one IOVA of one device through the stream's vIOMMU: the GPA, the permission"
                    + " and every table entry read.")
    static final class Translate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @picocli.CommandLine.Mixin
        SnapshotOption snapshotOption = new SnapshotOption();

        @Parameters(index = "1", paramLabel = "BDF", description = "bus:dev.fn, e.g. 00:01.0")
        String bdf;

        @Parameters(index = "2", paramLabel = "IOVA", description = "hex (0x...) or decimal")
        String iova;

        @Option(names = "--write", description = "translate a write access (default: read)")
        boolean write;

        @Override
        public Integer call() {
            Bdf b;
            long addr;
            try {
                b = Bdf.parse(bdf);
                addr = iova.startsWith("0x") || iova.startsWith("0X") ? Long.parseUnsignedLong(iova.substring(2), 16)
                        : Long.parseUnsignedLong(iova);
            } catch (RuntimeException e) {
                System.err.println("qmig: bad BDF or IOVA: " + e.getMessage());
                return Qmig.EXIT_USAGE;
            }
            try {
                Translation t = load(file, snapshotOption.snapshot).translate(b, addr, write);
                if (t instanceof Translation.Mapped m) {
                    System.out.printf("%s iova 0x%x -> gpa 0x%x  perm %s  page 0x%x -> 0x%x (%s)%s%n", b, addr, m.gpa(),
                            m.perm(), m.pageIova(), m.pageGpa(), size(m.pageSize()), m.identity() ? "  identity" : "");
                    steps(m.steps());
                    return 0;
                }
                Translation.Fault f = (Translation.Fault) t;
                System.out.printf("%s iova 0x%x: fault %s: %s%n", b, addr, f.reason(), f.detail());
                steps(f.steps());
                return 1;
            } catch (IOException e) {
                return fail(file, e);
            }
        }

        private static String size(long s) {
            return s >= 1L << 30 ? (s >> 30) + " GiB" : s >= 1L << 20 ? (s >> 20) + " MiB" : (s >> 10) + " KiB";
        }

        private static void steps(java.util.List<WalkStep> steps) {
            for (WalkStep s : steps) {
                System.out.println("  " + s);
            }
        }
    }

    @Command(name = "irte", mixinStandardHelpOptions = true,
            description = "The present entries of the stream's interrupt-remapping table.")
    static final class IrteCommand implements Callable<Integer> {
        @Parameters(paramLabel = "FILE")
        Path file;

        @picocli.CommandLine.Mixin
        SnapshotOption snapshotOption = new SnapshotOption();

        @Override
        public Integer call() {
            try {
                IntelIommu iommu = load(file, snapshotOption.snapshot);
                InterruptRemapper ir = iommu.interrupts();
                System.out.println("interrupt remapping: " + (ir.enabled() ? "enabled" : "disabled"));
                for (Irte e : ir.presentEntries()) {
                    System.out.println("  " + e);
                }
                return 0;
            } catch (IOException e) {
                return fail(file, e);
            }
        }
    }
}
