package qmig.viommu.report;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import qmig.viommu.vtd.Bdf;
import qmig.viommu.vtd.DeviceContext;
import qmig.viommu.vtd.FaultReason;
import qmig.viommu.vtd.IotlbEvent;

/**
 * One device in a {@link VtdReport}.
 *
 * @param bdf         the device
 * @param context     its context, or null when the lookup faulted
 * @param fault       the lookup fault, or null
 * @param faultDetail what the fault was about, or null
 * @param mappings    MAP events the replay delivered to the device's notifiers
 * @param bySize      mapping count by page size in bytes
 * @param mappedBytes sum of the mapping sizes
 * @param iovaMin     lowest mapped IOVA, or -1
 * @param iovaMax     highest mapped IOVA (inclusive), or -1
 * @param unmaps      UNMAP events delivered (the 7.2 burst)
 * @param events      every MAP event, when kept, else empty
 */
public record DeviceReport(Bdf bdf, DeviceContext context, FaultReason fault, String faultDetail, long mappings,
                           Map<Long, Long> bySize, long mappedBytes, long iovaMin, long iovaMax, long unmaps,
                           List<IotlbEvent> events) {

    public DeviceReport {
        bySize = new TreeMap<>(bySize);
        events = List.copyOf(events);
    }
}
