package qmig.tools.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code qmig} command line. */
@Command(name = "qmig", mixinStandardHelpOptions = true, version = "qmig 0.1.0 (QEMU 7.2 migration streams)",
        description = "Read, check and write QEMU 7.2 live-migration streams.",
        subcommands = {InspectCommand.class, DumpCommand.class, IommuCommands.Iommu.class, IommuCommands.Translate.class,
            IommuCommands.IrteCommand.class, MemoryCommands.ExtractRam.class, MemoryCommands.Read.class,
            MemoryCommands.Digest.class, DiffCommand.class, VfioCommands.Vfio.class, VfioCommands.Blockers.class,
            qmig.tools.receiver.ReceiveCommand.class, qmig.tools.send.SendCommand.class, DemoCommand.class,
            ReportCommand.class, RewriteCommand.class, CheckCommand.class, UnwrapCommand.class,
            CommandLine.HelpCommand.class})
public final class Qmig implements Runnable {

    /** Exit code for a stream that is not well-formed (typed decode error). */
    public static final int EXIT_BAD_STREAM = 2;
    /** Exit code for an input that cannot be read (missing file, permission, I/O). */
    public static final int EXIT_IO = 3;
    /** Exit code for a bad option value (picocli's own usage errors also exit 2). */
    public static final int EXIT_USAGE = 64;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        qmig.viommu.vtd.IntelIommu.registerDescriptions(); // iommu-intel decodes with its built-in description
        return new CommandLine(new Qmig()).execute(args);
    }
}
