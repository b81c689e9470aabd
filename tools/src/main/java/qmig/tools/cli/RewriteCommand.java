package qmig.tools.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import qmig.stream.edit.EditException;
import qmig.stream.edit.StreamEditor;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.vmdesc.DumpVmstateSchema;
import qmig.stream.wire.Limits;

/**
 * {@code qmig rewrite STREAM OUT [--set PATH=VALUE]... [--drop SECTION]... [--rename OLD=NEW]...}:
 * decodes STREAM, applies the edits and encodes the result into OUT. Without edits OUT holds
 * the same bytes as the (decompressed) input. OUT is written under a temporary name in its own
 * directory and renamed when complete, so a failed rewrite never leaves a partial OUT.
 */
@Command(name = "rewrite", mixinStandardHelpOptions = true,
        description = "Decode a migration stream, edit fields or sections, and write it out again (raw).")
final class RewriteCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "STREAM", description = "a migration stream in any saved form (raw, compressed, libvirt save image, qcow2 snapshot, embedded)")
    Path file;

    @Parameters(index = "1", paramLabel = "OUT", description = "the rewritten stream (raw); replaced only when complete")
    Path out;

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "set a field, PATH as `qmig dump --paths` prints it (SECTION[/INSTANCE].field.sub[3]) or "
                    + "configuration.name; VALUE decimal or 0x hex, true/false, or hex bytes for a buffer")
    List<String> sets = new ArrayList<>();

    @Option(names = "--drop", paramLabel = "SECTION", description = "remove a FULL section (IDSTR or IDSTR/INSTANCE)")
    List<String> drops = new ArrayList<>();

    @Option(names = "--rename", paramLabel = "OLD=NEW", description = "change a FULL section's idstr")
    List<String> renames = new ArrayList<>();

    @Option(names = "--schema", paramLabel = "DUMP_VMSTATE.json",
            description = "a -dump-vmstate file of the source QEMU, for streams without a VMDESCRIPTION trailer")
    Path schema;

    @picocli.CommandLine.Mixin
    LimitOptions limitOptions = new LimitOptions();

    @picocli.CommandLine.Mixin
    SnapshotOption snapshotOption = new SnapshotOption();

    @Override
    public Integer call() {
        ReaderOptions options;
        StreamEditor editor = new StreamEditor();
        try {
            options = ReaderOptions.defaults().withLimits(limitOptions.apply(Limits.DEFAULT));
            sets.forEach(editor::set);
            drops.forEach(editor::drop);
            renames.forEach(editor::rename);
        } catch (IllegalArgumentException e) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        }
        MigrationStream s;
        try {
            if (schema != null) {
                try (var in = Files.newInputStream(schema)) {
                    options = options.withSchema(DumpVmstateSchema.parse(in));
                }
            }
            try (StreamInput in = new StreamInput(file, options, snapshotOption.snapshot)) {
                s = MigrationStream.readAll(in.reader);
            }
        } catch (IOException e) {
            return StreamInput.fail(file, e);
        }
        MigrationStream edited;
        try {
            edited = editor.apply(s);
        } catch (EditException e) {
            System.err.println("qmig: " + e.getMessage());
            return Qmig.EXIT_USAGE;
        } catch (IOException e) {
            return StreamInput.fail(file, e);
        }
        Path target = out.toAbsolutePath();
        Path tmp = null;
        try {
            Path dir = target.getParent();
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                edited.write(os);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            System.err.println("qmig: cannot write " + out + ": " + e);
            return Qmig.EXIT_IO;
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("qmig: cannot encode the edited stream: " + e.getMessage());
            return Qmig.EXIT_BAD_STREAM;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary name is all that is left; nothing was renamed to OUT
                }
            }
        }
        for (String line : editor.log()) {
            System.out.println(line);
        }
        int undecoded = s.undecodedSections().size();
        System.out.println("wrote " + out + " (" + edited.records().size() + " records"
                + (undecoded > 0 ? ", " + undecoded + " sections copied undecoded" : "") + ")");
        return 0;
    }
}
