package qmig.stream.grammar;

import java.util.List;
import qmig.stream.ram.RamRecord;

/**
 * The payload of one {@code ram} START/PART/END section: its records, ending with EOS.
 * Page contents may have been handed to a sink and not kept (see {@code RamRecord}).
 */
public record RamPayload(List<RamRecord> records) implements SectionPayload {
    public RamPayload {
        records = List.copyOf(records);
    }
}
