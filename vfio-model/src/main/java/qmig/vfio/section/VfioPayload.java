package qmig.vfio.section;

import java.util.List;

/**
 * A decoded {@code <path>/vfio} section payload. Which alternative a section holds follows from
 * its record type (vfio.md §4.3, §5.4):
 * <pre>
 *  START  SETUP END                               -> Setup
 *  PART   DATA be64 n bytes[n] ... (END|INIT)     -> Chunks
 *  END    (DATA be64 n bytes[n])* END             -> Chunks
 *  FULL   CONFIG vmstate END                      -> Config
 *  FULL   END | CONFIG_LOAD_READY (multifd, 10.x) -> Marker
 * </pre>
 */
public sealed interface VfioPayload {

    /** {@code SETUP END}. */
    record Setup() implements VfioPayload {
    }

    /** Data chunks and the marker that ended them (END_OF_STATE or DEV_INIT_DATA_SENT). */
    record Chunks(List<Chunk> chunks, VfioMigFlag terminator) implements VfioPayload {
        public Chunks {
            chunks = List.copyOf(chunks);
            if (terminator != VfioMigFlag.END_OF_STATE && terminator != VfioMigFlag.DEV_INIT_DATA_SENT) {
                throw new IllegalArgumentException("chunks end with END_OF_STATE or DEV_INIT_DATA_SENT, not " + terminator);
            }
        }

        public long dataBytes() {
            long n = 0;
            for (Chunk c : chunks) {
                n += c.length();
            }
            return n;
        }
    }

    /** {@code CONFIG <VFIOPCIDevice vmstate> END}. */
    record Config(VfioPciConfig config) implements VfioPayload {
    }

    /** A FULL payload that is a single marker: END (multifd transfer) or CONFIG_LOAD_READY. */
    record Marker(VfioMigFlag flag) implements VfioPayload {
        public Marker {
            if (flag != VfioMigFlag.END_OF_STATE && flag != VfioMigFlag.DEV_CONFIG_LOAD_READY) {
                throw new IllegalArgumentException("not a lone marker: " + flag);
            }
        }
    }
}
