package qmig.stream.saved;

/**
 * One entry of a qcow2 image's snapshot table ({@code docs/interop/qcow2.txt}, "Snapshot table entry").
 *
 * <pre>
 *   0  be64 l1_table_offset    8  be32 l1_size          12 be16 id_str_size   14 be16 name_size
 *  16  be32 date_sec          20  be32 date_nsec        24 be64 vm_clock_nsec
 *  32  be32 vm_state_size     36  be32 extra_data_size  40 extra data: be64 vm_state_size_large,
 *                                                          be64 disk_size, [be64 icount]
 *  then id_str, name, padding to a multiple of 8
 * </pre>
 *
 * @param entryOffset  file offset of the entry
 * @param id           the id string ({@code info snapshots} "ID")
 * @param name         the tag
 * @param vmStateSize  bytes of VM state (the 64-bit field when the extra data has it), 0 for disk-only
 * @param dateSec      seconds since the epoch
 * @param dateNsec     nanoseconds part of the date
 * @param vmClockNsec  the guest clock
 * @param diskSize     the virtual disk size when the snapshot was taken (the image's size when not recorded)
 * @param l1Offset     file offset of the snapshot's own L1 table
 * @param l1Size       its entries
 */
public record Qcow2Snapshot(long entryOffset, String id, String name, long vmStateSize, long dateSec, long dateNsec,
                            long vmClockNsec, long diskSize, long l1Offset, long l1Size) {

    public boolean hasVmState() {
        return vmStateSize > 0;
    }
}
