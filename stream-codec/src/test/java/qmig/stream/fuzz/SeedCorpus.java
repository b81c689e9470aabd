package qmig.stream.fuzz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import qmig.stream.grammar.MigrationStream;
import qmig.stream.grammar.ReaderOptions;
import qmig.stream.grammar.SectionHeader;
import qmig.stream.grammar.StreamRecord;
import qmig.stream.multifd.MultifdChannelWriter;
import qmig.stream.multifd.MultifdCompression;
import qmig.stream.wire.WireWriter;
import qmig.testdata.Capture;
import qmig.testdata.Captures;

/**
 * Writes the committed seed inputs of the stream-codec fuzz targets, cut from the real
 * captures: records after the header, device payloads prefixed by their description's index,
 * RAM section payloads, multifd channels in each compression and the trailers. Each seed is
 * cut to a few KiB so that the committed corpora stay small. Run it from the module directory
 * ({@code FUZZING.md} gives the command); it only rewrites files it made ({@code seed-*}).
 */
public final class SeedCorpus {

    private static final int MAX_SEED = 6000;

    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path res = Path.of(args.length > 0 ? args[0] : "src/test/resources").resolve("qmig/stream/fuzz");
        for (Capture c : List.of(Captures.PC_PLAIN, Captures.Q35_VIOMMU_DEVICES)) {
            byte[] b = c.bytes();
            MigrationStream s = MigrationStream.read(b, ReaderOptions.defaults());
            List<StreamRecord> recs = s.records();
            write(res.resolve("GrammarFuzzTestInputs/arbitraryBytes"), c.scenario() + "-head", Arrays.copyOf(b, 2048));
            for (int i = 0; i < recs.size(); i++) {
                StreamRecord r = recs.get(i);
                int from = (int) r.offset();
                int to = i + 1 < recs.size() ? (int) recs.get(i + 1).offset() : b.length;
                byte[] rec = Arrays.copyOfRange(b, from, Math.min(to, from + MAX_SEED));
                String kind = r.getClass().getSimpleName();
                write(res.resolve("GrammarFuzzTestInputs/afterValidHeader"), c.scenario() + "-" + from + "-" + kind, rec);
                if (r instanceof StreamRecord.Section sec && sec.header().idstr().equals("ram")) {
                    int head = headerLength(sec.header());
                    byte[] payload = Arrays.copyOfRange(b, from + head, Math.min(to - 5, from + head + MAX_SEED));
                    write(res.resolve("RamFuzzTestInputs/records"), c.scenario() + "-" + from, payload);
                }
            }
            write(res.resolve("JsonFuzzTestInputs/vmDescription"), c.scenario(), s.trailer().text());
        }
        // device payloads of the richest capture, first byte = index into VmStateFuzzTest.DESCRIPTIONS
        byte[] b = Captures.Q35_VIOMMU_DEVICES.bytes();
        MigrationStream s = MigrationStream.read(b, ReaderOptions.defaults());
        List<StreamRecord> recs = s.records();
        for (int i = 0; i < recs.size(); i++) {
            if (!(recs.get(i) instanceof StreamRecord.SectionFull f) || f.header().idstr().equals("ram")) {
                continue;
            }
            int k = indexOf(f.header());
            if (k < 0) {
                continue;
            }
            int from = (int) f.offset() + headerLength(f.header());
            int to = (int) recs.get(i + 1).offset() - 5;
            byte[] seed = new byte[1 + Math.min(to - from, MAX_SEED)];
            seed[0] = (byte) k;
            System.arraycopy(b, from, seed, 1, seed.length - 1);
            write(res.resolve("VmStateFuzzTestInputs/load"), f.header().idstr().replace('/', '_'), seed);
        }
        // multifd channels: one per configured compression (see MultifdFuzzTest.CONFIGURED)
        MultifdCompression[] cs = {MultifdCompression.NONE, MultifdCompression.ZLIB, MultifdCompression.ZSTD};
        for (int i = 0; i < cs.length; i++) {
            WireWriter w = WireWriter.inMemory();
            byte[] pages = new byte[2 * 4096];
            Arrays.fill(pages, 4096, 8192, (byte) 0x5a);
            pages[17] = 1;
            try (MultifdChannelWriter cw = new MultifdChannelWriter(w, 0, cs[i], 1)) {
                cw.writeInit(new byte[16]);
                cw.writePacket(false, 1, "pc.ram", new long[] {0, 0x3000}, 2, pages, 0);
                cw.writePacket(true, 2, null, new long[0], 0, pages, 0);
            }
            byte[] ch = w.toByteArray();
            byte[] seed = new byte[1 + ch.length];
            seed[0] = (byte) (i + 1);
            System.arraycopy(ch, 0, seed, 1, ch.length);
            write(res.resolve("MultifdFuzzTestInputs/channel"), cs[i].parameter(), seed);
            seed[0] = (byte) (0x10 + i + 1);
            write(res.resolve("MultifdFuzzTestInputs/channel"), cs[i].parameter() + "-blocks", seed);
        }
        write(res.resolve("JsonFuzzTestInputs/dumpVmstate"), "apic", ("{\"apic\": {\"Name\": \"apic\", "
                + "\"version_id\": 3, \"minimum_version_id\": 3, \"Fields\": [{\"field\": \"apicbase\", "
                + "\"version_id\": 0, \"field_exists\": false, \"size\": 4}], \"Subsections\": []}}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** FULL/START header: type, be32 id, u8 length, idstr, be32 instance, be32 version. */
    static int headerLength(SectionHeader h) {
        return h.isFull() ? 1 + 4 + 1 + h.idstr().length() + 4 + 4 : 1 + 4;
    }

    private static int indexOf(SectionHeader h) {
        for (int k = 0; k < VmStateFuzzTest.DESCRIPTIONS.size() && k < 256; k++) {
            if (VmStateFuzzTest.DESCRIPTIONS.get(k).name().equals(SectionHeader.vmsdNameOf(h.idstr()))) {
                return k;
            }
        }
        return -1;
    }

    private static void write(Path dir, String name, byte[] b) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name.replaceAll("[^A-Za-z0-9._-]", "_")), b);
    }
}
