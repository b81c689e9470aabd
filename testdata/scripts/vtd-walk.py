#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Walk the guest's VT-d tables found in a QEMU q35 + intel-iommu migration
stream and count the present second-level (IOVA -> GPA) mappings per device.

Usage: vtd-walk.py FILE [--json] [--list]

A lab oracle written from the VT-d specification's table formats (root /
context entries, legacy and scalable mode with PASID directory + PASID
table, 3/4-level second-level page tables, 2M/1G superpages); it is NOT
QEMU's code and is not authoritative -- it exists to give the project an
independent expected answer for the streams made by capture-stream.sh.

Reads: the "iommu-intel" section (root, csr register file, dmar_enabled...)
and the "pc.ram" RAMBlock rebuilt from the stream's RAM pages.
Guest-physical to pc.ram offset follows q35: RAM below 4G up to lowmem
(0xb0000000, or 0x80000000 when RAM >= 0xb0000000), the rest from 4G.
--list prints every present leaf mapping (IOVA, GPA, size, R/W).
"""
import importlib.util
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("stream_info", os.path.join(HERE, "stream-info.py"))
si = importlib.util.module_from_spec(spec)
spec.loader.exec_module(si)

PAGE = 4096


class Ram:
    def __init__(self, size):
        self.pages = {}
        self.size = size
        self.lowmem = 0x80000000 if size >= 0xB0000000 else 0xB0000000

    def put(self, block, addr, data):
        if block == "pc.ram":
            if data.count(0) == len(data):
                self.pages.pop(addr, None)
            else:
                self.pages[addr] = data

    def off(self, gpa):
        if gpa < self.lowmem:
            return gpa
        if gpa >= 1 << 32:
            return self.lowmem + gpa - (1 << 32)
        raise ValueError("GPA 0x%x is in the PCI hole" % gpa)

    def read(self, gpa, n):
        o = self.off(gpa)
        pg = self.pages.get(o & ~(PAGE - 1))
        if pg is None:
            return bytes(n)
        i = o & (PAGE - 1)
        return pg[i:i + n]

    def q(self, gpa):
        return struct.unpack("<Q", self.read(gpa, 8))[0]


def walk_sl(ram, table, level, iova_base, out, aw_mask):
    """Collect present leaves of a second-level table."""
    for i in range(512):
        e = ram.q(table + 8 * i)
        if not e & 3:
            continue
        iova = iova_base + (i << (12 + 9 * (level - 1)))
        addr = e & aw_mask & ~0xFFF
        if level == 1 or (e & 0x80):
            size = 1 << (12 + 9 * (level - 1))
            out.append((iova, addr & ~(size - 1), size, e & 3))
        else:
            walk_sl(ram, addr, level - 1, iova, out, aw_mask)


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    listing = "--list" in args
    args = [a for a in args if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    data = open(args[0], "rb").read()
    holder = {}

    def writer(block, addr, page):
        holder["ram"].put(block, addr, page)

    # first pass to learn pc.ram's size, second to fill the page dict
    res = si.parse(data)
    if not res["ok"]:
        print("stream does not parse: %s" % res.get("error"), file=sys.stderr)
        return 1
    size = next((b["length"] for b in res["ram"]["blocks"] if b["id"] == "pc.ram"), None)
    if size is None:
        print("no pc.ram RAMBlock", file=sys.stderr)
        return 1
    holder["ram"] = Ram(size)
    si.parse(data, writer)
    ram = holder["ram"]
    sec = next((s for s in res["sections"] if s["idstr"] == "iommu-intel"), None)
    if sec is None:
        print("no iommu-intel section", file=sys.stderr)
        return 1
    p = sec["payload"]
    root, intr_root, iq = struct.unpack_from(">QQQ", data, p)
    intr_size, = struct.unpack_from(">I", data, p + 24)
    csr = data[p + 36:p + 36 + 0x230]
    tail = data[p + 36 + 0x230:p + 36 + 0x230 + 7]
    dmar_enabled, qi_enabled, intr_enabled, intr_eime = tail[2], tail[3], tail[4], tail[5]
    cap, ecap = struct.unpack_from("<QQ", csr, 0x08)
    gsts, = struct.unpack_from("<I", csr, 0x1C)
    rtaddr, = struct.unpack_from("<Q", csr, 0x20)
    mgaw = ((cap >> 16) & 0x3F) + 1
    aw_mask = (1 << mgaw) - 1
    scalable = bool(rtaddr & (1 << 10)) and bool(ecap & (1 << 43))
    info = {"root": hex(root), "rtaddr_reg": hex(rtaddr), "scalable_mode": scalable,
            "gsts": hex(gsts), "translation_enabled": bool(gsts & (1 << 31)),
            "dmar_enabled": bool(dmar_enabled), "qi_enabled": bool(qi_enabled),
            "intr_enabled": bool(intr_enabled), "intr_eime": bool(intr_eime),
            "intr_root": hex(intr_root), "intr_size": intr_size, "iq": hex(iq),
            "cap": hex(cap), "ecap": hex(ecap), "mgaw": mgaw, "devices": []}
    total = 0
    if dmar_enabled and root:
        for bus in range(256):
            re_lo, re_hi = struct.unpack("<QQ", ram.read(root + 16 * bus, 16))
            for devfn in range(256):
                if scalable:
                    half = re_hi if devfn >= 128 else re_lo
                    if not half & 1:
                        continue
                    ce = struct.unpack("<QQQQ", ram.read((half & ~0xFFF) + 32 * (devfn & 0x7F), 32))
                    if not ce[0] & 1:
                        continue
                    pasid = ce[1] & 0xFFFFF  # RID_PASID
                    pdir = ce[0] & ~0xFFF
                    pde = ram.q(pdir + 8 * ((pasid >> 6) & 0x3FFF))
                    if not pde & 1:
                        continue
                    pe = struct.unpack("<8Q", ram.read((pde & ~0xFFF) + 64 * (pasid & 0x3F), 64))
                    if not pe[0] & 1:
                        continue
                    pgtt = (pe[0] >> 6) & 7
                    levels = ((pe[0] >> 2) & 7) + 2
                    did = pe[1] & 0xFFFF
                    slpt = pe[0] & aw_mask & ~0xFFF
                    dev = {"bdf": "%02x:%02x.%d" % (bus, devfn >> 3, devfn & 7), "did": did,
                           "pasid": pasid, "pgtt": pgtt, "levels": levels}
                    if pgtt != 2:  # only second-level translation is walked
                        dev["note"] = "pgtt %d not walked" % pgtt
                        info["devices"].append(dev)
                        continue
                else:
                    if not re_lo & 1:
                        continue
                    lo, hi = struct.unpack("<QQ", ram.read((re_lo & ~0xFFF) + 16 * devfn, 16))
                    if not lo & 1:
                        continue
                    tt = (lo >> 2) & 3
                    levels = (hi & 7) + 2
                    did = (hi >> 8) & 0xFFFF
                    slpt = lo & aw_mask & ~0xFFF
                    dev = {"bdf": "%02x:%02x.%d" % (bus, devfn >> 3, devfn & 7), "did": did,
                           "tt": tt, "levels": levels}
                    if tt == 2:
                        dev["note"] = "pass-through"
                        info["devices"].append(dev)
                        continue
                maps = []
                walk_sl(ram, slpt, levels, 0, maps, aw_mask)
                dev["slptptr"] = hex(slpt)
                dev["present_mappings"] = len(maps)
                dev["by_size"] = {str(k): sum(1 for m in maps if m[2] == k) for k in sorted({m[2] for m in maps})}
                dev["mapped_bytes"] = sum(m[2] for m in maps)
                if maps:
                    dev["iova_min"] = hex(min(m[0] for m in maps))
                    dev["iova_max"] = hex(max(m[0] + m[2] - 1 for m in maps))
                if listing:
                    dev["mappings"] = [[hex(a), hex(g), s, "rw"[:0] + ("R" if f & 1 else "") + ("W" if f & 2 else "")]
                                       for a, g, s, f in maps]
                total += len(maps)
                info["devices"].append(dev)
    info["total_present_mappings"] = total
    # devices of one IOMMU group share a domain (same page-table root):
    # count each (domain page table, IOVA) pair once
    seen = {}
    for d in info["devices"]:
        if "slptptr" in d:
            seen[d["slptptr"]] = d.get("present_mappings", 0)
    info["distinct_domains"] = len(seen)
    info["distinct_domain_mappings"] = sum(seen.values())
    if as_json:
        print(json.dumps(info, indent=1))
        return 0
    for k in ("root", "rtaddr_reg", "scalable_mode", "gsts", "translation_enabled", "dmar_enabled",
              "qi_enabled", "intr_enabled", "intr_eime", "intr_root", "intr_size", "cap", "ecap", "mgaw"):
        print("%-20s %s" % (k, info[k]))
    for d in info["devices"]:
        extra = {k: v for k, v in d.items() if k not in ("bdf", "mappings")}
        print("device %s %s" % (d["bdf"], json.dumps(extra)))
        for m in d.get("mappings", []):
            print("   iova %s -> gpa %s size %d %s" % tuple(m))
    print("total present mappings: %d (summed over devices); %d distinct domains holding %d mappings" % (
        total, info["distinct_domains"], info["distinct_domain_mappings"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
