package qmig.stream.memory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * Content digests of a RAMBlock's whole used length, computed by streaming its pages through
 * Bouncy Castle digests in one pass. Zero pages are fed from one shared zero page, never
 * materialised; heap pages are fed without a copy.
 *
 * @param idstr      the block
 * @param usedLength bytes hashed
 * @param hex        lower-case hex digest per algorithm
 */
public record BlockDigest(String idstr, long usedLength, Map<Algorithm, String> hex) {

    /** The digests offered. */
    public enum Algorithm {
        SHA256("sha256"),
        /** BLAKE3 with its default 32-byte output. */
        BLAKE3("blake3");

        private final String label;

        Algorithm(String label) {
            this.label = label;
        }

        /** Lower-case name as in {@code sha256sum} / {@code b3sum} output. */
        public String label() {
            return label;
        }

        public Digest newDigest() {
            return this == SHA256 ? new SHA256Digest() : new Blake3Digest();
        }
    }

    public BlockDigest {
        hex = Collections.unmodifiableMap(new EnumMap<>(hex));
    }

    public String sha256() {
        return hex.get(Algorithm.SHA256);
    }

    public String blake3() {
        return hex.get(Algorithm.BLAKE3);
    }

    /** Digests one block with each algorithm in {@code algorithms}. */
    public static BlockDigest of(RamBlockImage block, Set<Algorithm> algorithms) {
        List<Algorithm> algs = new ArrayList<>(algorithms);
        Digest[] ds = new Digest[algs.size()];
        for (int i = 0; i < ds.length; i++) {
            ds[i] = algs.get(i).newDigest();
        }
        byte[] scratch = new byte[RamBlockImage.PAGE];
        for (long p = 0, n = block.pageCount(); p < n; p++) {
            byte[] page = block.view(p, scratch);
            for (Digest d : ds) {
                d.update(page, 0, RamBlockImage.PAGE);
            }
        }
        Map<Algorithm, String> out = new EnumMap<>(Algorithm.class);
        for (int i = 0; i < ds.length; i++) {
            byte[] h = new byte[ds[i].getDigestSize()];
            ds[i].doFinal(h, 0);
            out.put(algs.get(i), HexFormat.of().formatHex(h));
        }
        return new BlockDigest(block.idstr(), block.usedLength(), out);
    }

    /** Both digests of one block. */
    public static BlockDigest of(RamBlockImage block) {
        return of(block, Set.of(Algorithm.SHA256, Algorithm.BLAKE3));
    }

    /** Digests every block, in memory order. */
    public static List<BlockDigest> of(GuestMemory memory, Set<Algorithm> algorithms) {
        List<BlockDigest> out = new ArrayList<>();
        for (RamBlockImage b : memory.blocks()) {
            out.add(of(b, algorithms));
        }
        return out;
    }
}
