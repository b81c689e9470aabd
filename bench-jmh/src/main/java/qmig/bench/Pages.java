package qmig.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Seeded page contents for the benchmark inputs. */
final class Pages {

    static final int PAGE = 4096;

    private static final String[] WORDS = ("migration stream page block channel packet header offset "
            + "zero random guest memory device state section vmstate ram multifd sync flush "
            + "qemu kernel buffer 0x00000000 0xffffffff struct list_head task_struct").split(" ");

    private Pages() {
    }

    /**
     * {@code pages} pages of content:
     * <ul>
     *   <li>{@code random}: uniform random bytes (incompressible; zlib/zstd store them);</li>
     *   <li>{@code text}: space-separated words from a 30-word list, which zlib and zstd at
     *       level 1 shrink about 5x, like text pages of a guest.</li>
     * </ul>
     */
    static byte[] fill(String content, int pages, long seed) {
        byte[] b = new byte[Math.multiplyExact(pages, PAGE)];
        SplittableRandom r = new SplittableRandom(seed);
        if (content.equals("random")) {
            for (int i = 0; i < b.length; i += 8) {
                long v = r.nextLong();
                for (int k = 0; k < 8; k++) {
                    b[i + k] = (byte) (v >>> (8 * k));
                }
            }
        } else if (content.equals("text")) {
            int i = 0;
            while (i < b.length) {
                byte[] w = (WORDS[r.nextInt(WORDS.length)] + ' ').getBytes(StandardCharsets.US_ASCII);
                int n = Math.min(w.length, b.length - i);
                System.arraycopy(w, 0, b, i, n);
                i += n;
            }
        } else {
            throw new IllegalArgumentException("content '" + content + "' (expected random or text)");
        }
        return b;
    }
}
