package qmig.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Byte counters that JMH reports as rates. In throughput mode with
 * {@code @OutputTimeUnit(SECONDS)} each field is divided by the measured time, so a field counted
 * in units of 10^9 bytes reads directly as GB/s (decimal, 10^9 B/s), although JMH labels the
 * column {@code ops/s}:
 * <ul>
 *   <li>{@code wireGB}: stream bytes consumed (record headers, idstrs, page bodies, multifd
 *       headers and compressed payloads);</li>
 *   <li>{@code guestGB}: guest RAM covered by the decoded records, 4096 bytes per PAGE or ZERO
 *       record or multifd page. For ZERO records this is far above {@code wireGB} (9 wire bytes
 *       per 4096-byte page).</li>
 * </ul>
 * The benchmark's primary score is decodes (whole inputs) per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Throughput {

    private static final double GB = 1e9;

    public double wireGB;
    public double guestGB;

    /** JMH leaves resetting aux counters to the benchmark. */
    @Setup(Level.Iteration)
    public void reset() {
        wireGB = 0;
        guestGB = 0;
    }

    void add(long wireBytes, long guestBytes) {
        wireGB += wireBytes / GB;
        guestGB += guestBytes / GB;
    }
}
