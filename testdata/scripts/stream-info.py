#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""List what a QEMU (7.x) migration stream contains -- an independent,
lab-grade reader written from the wire format, Python 3 stdlib only.

Usage: stream-info.py FILE [--json] [--ram-out DIR]

--ram-out DIR  also rebuild every RAMBlock's content from the stream into
               DIR/<idstr with '/' replaced by '_'>.bin (zero pages as zeros,
               later copies of a page overwrite earlier ones), e.g. to compare
               the guest RAM with the file that backed it.

Prints: magic/version, the configuration section (machine type and its
subsections), every section in stream order (kind, section id, idstr,
instance id, version id, byte offset, payload length), RAM page statistics
per RAMBlock, and whether the VMDESCRIPTION JSON trailer is present.

How payloads are skipped:
  * "ram" sections are parsed page by page (flags ZERO/PAGE/MEM_SIZE/
    CONTINUE/EOS; XBZRLE and COMPRESS_PAGE are length-prefixed).
  * every other section is skipped by searching for its footer
    (0x7e + be32 section id) followed by a plausible next token.  This needs
    the section footer (on by default for current machine types).
Exit status 0 when the stream parsed to QEMU_VM_EOF, 1 otherwise.
"""
import json
import struct
import sys

EOF, START, PART, END, FULL, SUB, VMDESC, CONFIG, COMMAND = range(9)
FOOTER = 0x7E
KIND = {START: "START", PART: "PART", END: "END", FULL: "FULL"}
F_ZERO, F_MEM_SIZE, F_PAGE, F_EOS, F_CONTINUE = 0x02, 0x04, 0x08, 0x10, 0x20
F_XBZRLE, F_HOOK, F_COMPRESS = 0x40, 0x80, 0x100
PAGE = 4096


class Bad(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def need(self, n):
        if self.p + n > len(self.d):
            raise Bad("truncated at offset %d (need %d bytes)" % (self.p, n))

    def u8(self):
        self.need(1)
        v = self.d[self.p]
        self.p += 1
        return v

    def be16(self):
        self.need(2)
        v = struct.unpack_from(">H", self.d, self.p)[0]
        self.p += 2
        return v

    def be32(self):
        self.need(4)
        v = struct.unpack_from(">I", self.d, self.p)[0]
        self.p += 4
        return v

    def be64(self):
        self.need(8)
        v = struct.unpack_from(">Q", self.d, self.p)[0]
        self.p += 8
        return v

    def raw(self, n):
        self.need(n)
        v = self.d[self.p:self.p + n]
        self.p += n
        return v

    def str8(self):
        return self.raw(self.u8()).decode("latin-1")


def plausible_header(d, q, known_ids):
    """Does a section (or EOF) start at offset q?"""
    if q >= len(d):
        return False
    t = d[q]
    if t == EOF:
        return q + 1 == len(d) or (q + 1 < len(d) and d[q + 1] == VMDESC)
    if t in (PART, END):
        return q + 5 <= len(d) and struct.unpack_from(">I", d, q + 1)[0] in known_ids
    if t == COMMAND:
        return True
    if t in (START, FULL):
        if q + 6 > len(d):
            return False
        n = d[q + 5]
        if n == 0 or q + 6 + n + 8 > len(d):
            return False
        name = d[q + 6:q + 6 + n]
        return all(0x20 < c < 0x7F for c in name)
    return False


def skip_by_footer(r, sid, known_ids):
    pat = bytes([FOOTER]) + struct.pack(">I", sid)
    q = r.p
    while True:
        q = r.d.find(pat, q)
        if q < 0:
            raise Bad("no footer for section id %d after offset %d" % (sid, r.p))
        if plausible_header(r.d, q + 5, known_ids | {sid}):
            start = r.p
            r.p = q
            return q - start
        q += 1


def parse_ram(r, kind, st):
    """Parse one RAM section payload up to RAM_SAVE_FLAG_EOS."""
    start = r.p
    block = st.get("last_block")  # RAM_SAVE_FLAG_CONTINUE may refer to the
    while True:                   # block of an earlier section
        v = r.be64()
        flags = v & 0xFFF
        addr = v & ~0xFFF
        if flags & F_MEM_SIZE:
            total = addr
            st["mem_size"] = total
            left = total
            while left > 0:
                name = r.str8()
                length = r.be64()
                st["blocks"].append({"id": name, "length": length})
                st["pages"].setdefault(name, [0, 0])
                left -= length
            continue
        if flags & (F_ZERO | F_PAGE | F_XBZRLE | F_COMPRESS):
            if not flags & F_CONTINUE:
                block = r.str8()
                st["last_block"] = block
                st["pages"].setdefault(block, [0, 0])
            elif block is None:
                raise Bad("RAM_SAVE_FLAG_CONTINUE with no previous block at %d" % (r.p - 8))
            if flags & F_ZERO:
                fill = r.u8()
                st["pages"][block][1] += 1
                if st.get("out") is not None:
                    st["out"](block, addr, bytes([fill]) * PAGE)
            elif flags & F_PAGE:
                pg = r.raw(PAGE)
                st["pages"][block][0] += 1
                if st.get("out") is not None:
                    st["out"](block, addr, pg)
            elif flags & F_XBZRLE:
                r.u8()
                r.raw(r.be16())
                st["pages"][block][0] += 1
            else:
                r.raw(r.be32())
                st["pages"][block][0] += 1
            continue
        if flags & F_HOOK:
            raise Bad("RAM_SAVE_FLAG_HOOK (RDMA) not supported at %d" % (r.p - 8))
        if flags & F_EOS:
            return r.p - start
        raise Bad("unknown RAM flags 0x%x at offset %d" % (flags, r.p - 8))


def parse_vmstate_subsections(r, out):
    while r.p < len(r.d) and r.d[r.p] == SUB:
        r.u8()
        name = r.str8()
        ver = r.be32()
        out.append({"name": name, "version": ver})
        if name == "configuration/target-page-bits":
            out[-1]["target_page_bits"] = r.be32()
        elif name == "configuration/capabilities":
            n = r.be32()
            out[-1]["capabilities"] = [r.str8() for _ in range(n)]
        elif name == "configuration/uuid":
            out[-1]["uuid"] = r.raw(16).hex()
        else:
            raise Bad("unknown configuration subsection %r" % name)


def parse(data, ram_out=None):
    r = Reader(data)
    res = {"size": len(data), "sections": [], "ok": False}
    st = {"blocks": [], "pages": {}, "out": ram_out}
    res["ram"] = st
    magic = r.be32()
    if magic != 0x5145564D:
        raise Bad("bad magic 0x%08x" % magic)
    res["version"] = r.be32()
    if res["version"] != 3:
        raise Bad("unsupported stream version %d" % res["version"])
    ids = {}
    try:
        if r.d[r.p] == CONFIG:
            r.u8()
            n = r.be32()
            cfg = {"machine": r.raw(n).decode("latin-1"), "subsections": []}
            parse_vmstate_subsections(r, cfg["subsections"])
            res["configuration"] = cfg
        while True:
            off = r.p
            t = r.u8()
            if t == EOF:
                res["eof_offset"] = off
                break
            if t == COMMAND:
                cmd = r.be16()
                ln = r.be16()
                r.raw(ln)
                res["sections"].append({"kind": "COMMAND", "cmd": cmd, "offset": off, "len": ln})
                continue
            if t not in KIND:
                raise Bad("unexpected byte 0x%02x at offset %d" % (t, off))
            sid = r.be32()
            if t in (START, FULL):
                idstr = r.str8()
                inst = r.be32()
                ver = r.be32()
                ids[sid] = (idstr, inst, ver)
            else:
                if sid not in ids:
                    raise Bad("PART/END for unknown section id %d at %d" % (sid, off))
                idstr, inst, ver = ids[sid]
            sec = {"kind": KIND[t], "id": sid, "idstr": idstr, "instance": inst,
                   "version": ver, "offset": off, "payload": r.p}
            if idstr == "ram":
                sec["len"] = parse_ram(r, t, st)
            else:
                sec["len"] = skip_by_footer(r, sid, set(ids))
            if r.p < len(r.d) and r.d[r.p] == FOOTER:
                r.u8()
                fsid = r.be32()
                if fsid != sid:
                    raise Bad("footer id %d != section id %d at %d" % (fsid, sid, r.p - 5))
                sec["footer"] = True
            res["sections"].append(sec)
        st.pop("out", None)
        if r.p < len(r.d):
            t = r.u8()
            if t != VMDESC:
                raise Bad("byte 0x%02x after EOF at %d" % (t, r.p - 1))
            n = r.be32()
            js = r.raw(n)
            desc = json.loads(js)
            res["vmdesc"] = {"offset": res["eof_offset"] + 1, "len": n,
                             "page_size": desc.get("page_size"),
                             "devices": len(desc.get("devices", []))}
        if r.p != len(r.d):
            res["trailing_bytes"] = len(r.d) - r.p
        res["ok"] = True
    except Bad as e:
        res["error"] = str(e)
    st.pop("out", None)
    st.pop("last_block", None)
    return res


class RamWriter:
    def __init__(self, outdir):
        import os
        self.os = os
        self.dir = outdir
        os.makedirs(outdir, exist_ok=True)
        self.files = {}

    def __call__(self, block, addr, page):
        f = self.files.get(block)
        if f is None:
            f = open(self.os.path.join(self.dir, block.replace("/", "_") + ".bin"), "w+b")
            self.files[block] = f
        f.seek(addr)
        f.write(page)

    def close(self, blocks):
        for b in blocks:  # give every file its full RAMBlock length
            self("%s" % b["id"], 0, b"") if b["id"] not in self.files else None
            self.files[b["id"]].truncate(b["length"])
        for f in self.files.values():
            f.close()


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    ram_dir = None
    if "--ram-out" in args:
        i = args.index("--ram-out")
        ram_dir = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0], "rb") as f:
        data = f.read()
    writer = RamWriter(ram_dir) if ram_dir else None
    try:
        res = parse(data, writer)
        if writer:
            writer.close(res["ram"]["blocks"])
    except Bad as e:
        print("stream-info: %s" % e, file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(res, indent=1))
        return 0 if res["ok"] else 1
    print("file: %s  size: %d  version: %d" % (args[0], res["size"], res["version"]))
    cfg = res.get("configuration")
    if cfg:
        print("configuration: machine=%s subsections=%s" % (cfg["machine"], cfg["subsections"] or "none"))
    for s in res["sections"]:
        if s["kind"] == "COMMAND":
            print("  @%-10d COMMAND cmd=%d len=%d" % (s["offset"], s["cmd"], s["len"]))
            continue
        print("  @%-10d %-5s id=%-3d %-40s inst=%-3d ver=%-3d len=%d" % (
            s["offset"], s["kind"], s["id"], s["idstr"], s["instance"], s["version"], s["len"]))
    st = res["ram"]
    if st["blocks"]:
        print("ram: mem_size=%d blocks:" % st.get("mem_size", 0))
        for b in st["blocks"]:
            n, z = st["pages"].get(b["id"], [0, 0])
            print("   %-32s length=%-12d normal_pages=%-8d zero_pages=%d" % (b["id"], b["length"], n, z))
    vd = res.get("vmdesc")
    print("vmdescription: %s" % ("present, %d bytes JSON, %d devices" % (vd["len"], vd["devices"]) if vd else "absent"))
    if "trailing_bytes" in res:
        print("trailing bytes after stream: %d" % res["trailing_bytes"])
    full = [s for s in res["sections"] if s["kind"] in ("START", "FULL")]
    print("sections: %d headers (%d START/FULL), parse %s" % (
        len(res["sections"]), len(full), "OK" if res["ok"] else "FAILED: " + res["error"]))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
