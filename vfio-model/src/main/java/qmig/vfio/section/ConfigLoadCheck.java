package qmig.vfio.section;

import java.util.ArrayList;
import java.util.List;

/**
 * The destination's check of an incoming config payload against its own device (vfio.md §6, the
 * rule of QEMU's PCI config load): the sizes must match, and every bit set in {@code cmask &
 * ~wmask & ~w1cmask} must hold the destination's own value. Writable and write-1-to-clear bits,
 * and bits outside {@code cmask}, may differ. (irq_state values other than 0/1 are refused by
 * {@link VfioSectionCodec} while decoding.)
 */
public final class ConfigLoadCheck {

    private ConfigLoadCheck() {
    }

    /**
     * Checks {@code incoming} against {@code dest}.
     *
     * @param device names the device in the error, e.g. the section idstr {@code 0000:00:01.0/vfio}
     * @throws BadConfigDataException naming the device and the first differing config offset
     */
    public static void check(String device, VfioPciConfig incoming, DestinationConfig dest)
            throws BadConfigDataException {
        byte[] in = incoming.config();
        if (in.length != dest.size()) {
            throw BadConfigDataException.size(device, in.length, dest.size());
        }
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (((in[i] ^ dest.configByte(i)) & dest.checkedBits(i)) != 0) {
                bad.add(i);
            }
        }
        if (!bad.isEmpty()) {
            int i = bad.get(0);
            throw BadConfigDataException.mismatch(device, i, in[i] & 0xff, dest.configByte(i) & 0xff,
                    dest.cmaskByte(i), dest.wmaskByte(i), dest.w1cmaskByte(i), bad);
        }
    }
}
