package qmig.stream.ram;

/** CONTRACT STUB: one record of the ram section. */
public sealed interface RamRecord {
    record Eos() implements RamRecord {
    }
}
