package qmig.stream.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.bouncycastle.crypto.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Block digests: known vectors, and zero pages hashed from the shared page equal hashing real zeros. */
class BlockDigestTest {

    @Test
    void emptyBlockGivesTheKnownVectors() throws IOException {
        GuestMemory mem = GuestMemory.onHeap();
        BlockDigest d = BlockDigest.of(mem.addBlock("empty", 0));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", d.sha256());
        // BLAKE3 official test vector for the empty input
        assertEquals("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262", d.blake3());
    }

    @Test
    void sparseBlockDigestEqualsDigestOfItsBytes(@TempDir Path dir) throws Exception {
        byte[] image = new byte[40 * 4096];
        java.util.Random rnd = new java.util.Random(42);
        for (int p : new int[] {0, 3, 17, 39}) {
            byte[] page = new byte[4096];
            rnd.nextBytes(page);
            System.arraycopy(page, 0, image, p * 4096, 4096);
        }
        image[20 * 4096 + 100] = 1; // a nearly-zero page
        for (MemoryOptions opts : MemoryTestSupport.allBackings(dir)) {
            try (GuestMemory mem = GuestMemory.create(opts)) {
                RamBlockImage b = mem.addBlock("blk", image.length);
                b.write(0, image, 0, image.length);
                assertEquals(5, b.nonZeroPages());
                BlockDigest d = BlockDigest.of(b);
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)), d.sha256(), opts::toString);
                Digest b3 = BlockDigest.Algorithm.BLAKE3.newDigest();
                b3.update(image, 0, image.length);
                byte[] h = new byte[32];
                b3.doFinal(h, 0);
                assertEquals(HexFormat.of().formatHex(h), d.blake3(), opts::toString);
            }
            MemoryTestSupport.deleteTree(dir);
        }
    }
}
