package qmig.viommu.mem;

import java.io.IOException;
import java.nio.file.Path;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;

/**
 * A stream decoded once, with its {@code pc.ram} kept as guest-physical memory. Page bytes are
 * not retained in the records (only in {@link #memory()}).
 *
 * @param stream the decoded records
 * @param memory pc.ram at its q35 guest-physical addresses
 * @param layout the q35 split, or null when the stream has no pc.ram
 */
public record LoadedCapture(MigrationStream stream, SparseDmaMemory memory, Q35RamLayout layout) {

    public static LoadedCapture read(byte[] bytes) throws IOException {
        Q35PageLoader l = new Q35PageLoader();
        MigrationStream s = MigrationStream.read(bytes, ReaderOptions.defaults().withPages(l, false));
        return new LoadedCapture(s, l.memory(), l.layout());
    }

    public static LoadedCapture read(Path file) throws IOException {
        Q35PageLoader l = new Q35PageLoader();
        MigrationStream s = MigrationStream.read(file, ReaderOptions.defaults().withPages(l, false));
        return new LoadedCapture(s, l.memory(), l.layout());
    }
}
