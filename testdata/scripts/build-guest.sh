#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# build-guest.sh OUTDIR
#
# Builds a tiny Linux guest for the booted-guest scenarios into OUTDIR:
#   OUTDIR/vmlinuz             Debian's kernel (from linux-image-<abi>-amd64 .deb)
#   OUTDIR/initramfs.cpio.gz   busybox-static + the virtio/e1000e modules + /init
#   OUTDIR/kernel-version      the kernel release string
# Nothing is installed into the host's /boot: the .deb is only unpacked.
# Cached: when OUTDIR already holds a build made by this same script version,
# it exits at once.  Override the kernel package with KERNEL_PKG=... .
#
# The guest's /init (PID 1):
#   * mounts proc/sys/devtmpfs, loads virtio_pci, virtio_net, virtio_blk, e1000e
#   * brings every ethX up (the drivers then map their RX rings for DMA),
#     reads 1 MiB from /dev/vda if present (DMA through the vIOMMU)
#   * prints the DMAR/IOMMU kernel lines and the IOMMU groups and their domain
#     type, then the line  LAB-READY  on the serial console (ttyS0)
#   * then prints  LAB-HEARTBEAT <n>  every 2 seconds forever
# Runtime: ~10 s the first time (downloads ~70 MB), then instant.
source "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
OUT="$1"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
STAMP_WANT="build-guest-v1 $(sha256sum "$0" | cut -c1-16)"
if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initramfs.cpio.gz" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP_WANT" ]; then
    log "guest already built in $OUT ($(cat "$OUT/kernel-version"))"
    exit 0
fi
lab_ensure_tools

# Which kernel package: the one linux-image-amd64 points at (needs apt-get update done)
if [ -z "${KERNEL_PKG:-}" ]; then
    KERNEL_PKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    [ -n "$KERNEL_PKG" ] || { apt-get update >&2; KERNEL_PKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
    [ -n "$KERNEL_PKG" ] || die "cannot find the kernel package behind linux-image-amd64"
fi
DEBDIR="$LAB_WORK/debs"
mkdir -p "$DEBDIR"
DEB=$(ls "$DEBDIR/${KERNEL_PKG}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$DEB" ]; then
    log "downloading $KERNEL_PKG"
    # apt's _apt user may not be able to write here; apt then downloads as root (warning only)
    (cd "$DEBDIR" && apt-get download "$KERNEL_PKG" >&2)
    DEB=$(ls "$DEBDIR/${KERNEL_PKG}"_*.deb | head -1)
fi
[ -s "$DEB" ] || die "no .deb for $KERNEL_PKG"

lab_tmpdir guest-stage; STAGE="$LAB_TMP"
X="$STAGE/x"; R="$STAGE/root"
mkdir -p "$X" "$R"
dpkg-deb --fsys-tarfile "$DEB" > "$STAGE/kernel.tar"
# pick the members we need from the listing (e1000e is absent from the cloud flavour)
tar -tf "$STAGE/kernel.tar" | grep -E '^\./boot/vmlinuz-|/kernel/drivers/virtio/.*\.ko$|/(virtio_net|net_failover|failover|virtio_blk|e1000e)\.ko$' > "$STAGE/members"
tar -xf "$STAGE/kernel.tar" -C "$X" -T "$STAGE/members"
rm -f "$STAGE/kernel.tar"
KVER=$(ls "$X/lib/modules" | head -1)
[ -n "$KVER" ] || die "no modules found in $DEB"

# module load order, dependencies first (read from each .ko's modinfo "depends=")
declare -A KO=() SEEN=()
while read -r f; do KO[$(basename "$f" .ko)]="$f"; done < <(find "$X/lib/modules" -name '*.ko')
ORDER=()
add_mod() {
    local m=$1 d
    [ -n "${SEEN[$m]:-}" ] && return 0
    [ -n "${KO[$m]:-}" ] || die "module $m (needed by the guest) is not in $DEB"
    for d in $(grep -a -o 'depends=[^[:cntrl:]]*' "${KO[$m]}" | head -1 | cut -d= -f2 | tr ',' ' '); do add_mod "$d"; done
    SEEN[$m]=1; ORDER+=("$m")
}
for m in virtio_pci virtio_net virtio_blk; do add_mod "$m"; done
if [ -n "${KO[e1000e]:-}" ]; then add_mod e1000e; else log "note: no e1000e module in $KERNEL_PKG"; fi

mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$R/bin/busybox"
for m in "${ORDER[@]}"; do cp "${KO[$m]}" "$R/lib/modules/$m.ko"; done
printf '%s\n' "${ORDER[@]}" > "$R/lib/modules/load-order"
mknod -m 600 "$R/dev/console" c 5 1 2>/dev/null || true
cat > "$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
echo "LAB: init started, kernel $(uname -r)"
for m in $(cat /lib/modules/load-order); do insmod /lib/modules/$m.ko || echo "LAB: insmod $m failed"; done
sleep 1
for i in /sys/class/net/eth*; do
  [ -e "$i" ] || continue
  n=${i##*/}; ip link set "$n" up && echo "LAB: $n up ($(readlink -f $i/device | sed 's,.*/,,'), driver $(basename $(readlink $i/device/driver)))"
done
for b in /dev/vd?; do
  [ -b "$b" ] && dd if=$b of=/dev/null bs=64k count=16 2>/dev/null && echo "LAB: read 1 MiB from $b"
done
sleep 1
echo "LAB: ---- kernel DMAR/IOMMU lines ----"
dmesg | grep -iE 'dmar|iommu|remapping' | sed 's/^/LAB-DMESG: /'
echo "LAB: ---- IOMMU groups ----"
for g in /sys/kernel/iommu_groups/*; do
  echo "LAB-GROUP: $(basename $g) type=$(cat $g/type 2>/dev/null) devices=$(ls $g/devices | tr '\n' ' ')"
done
for d in /sys/bus/pci/devices/*; do
  echo "LAB-PCI: $(basename $d) vendor=$(cat $d/vendor) device=$(cat $d/device) driver=$(basename "$(readlink $d/driver)" 2>/dev/null)"
done
grep -iE 'kernel|system ram|reserved' /proc/iomem | sed 's/^/LAB-IOMEM: /'
echo "LAB: MemFree $(grep MemFree /proc/meminfo)"
echo "LAB-READY"
n=0
while :; do sleep 2; n=$((n+1)); echo "LAB-HEARTBEAT $n"; done
EOF
chmod 755 "$R/init"
(cd "$R" && find . | sort | cpio -o -H newc -R 0:0 --quiet | gzip -9) > "$OUT/initramfs.cpio.gz.tmp"
cp "$X/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"; mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
echo "$KVER" > "$OUT/kernel-version"
echo "$KERNEL_PKG $(basename "$DEB")" > "$OUT/kernel-package"
echo "$STAMP_WANT" > "$OUT/.stamp"
log "built guest in $OUT: kernel $KVER, modules: ${ORDER[*]}"
ls -l "$OUT" >&2
