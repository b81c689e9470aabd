package qmig.viommu.vtd;

/** Receives the IOTLB events a notifier is given (VFIO's {@code vfio_iommu_map_notify}). */
@FunctionalInterface
public interface IommuListener {
    void notify(IotlbEvent event) throws VtdException;
}
