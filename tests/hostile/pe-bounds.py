#!/usr/bin/env python3
"""pe-bounds.py FILE: the offsets where a PE image's structures end (PE
Format, Microsoft: MS-DOS stub, signature, COFF file header, optional
header, data directories, section table, section raw data, COFF symbol
and string tables), one
"OFFSET WHAT" line each, ascending, each once; a truncation test cuts the
file at each and one byte either side."""
import struct
import sys

d = open(sys.argv[1], "rb").read()
b = {}


def at(off, what):
    if 0 < off < len(d):
        b.setdefault(off, what)


at(2, "e_magic")
at(0x3c, "e_lfanew start")
at(0x40, "DOS header")
pe = struct.unpack_from("<I", d, 0x3c)[0]
at(pe, "PE signature start")
at(pe + 4, "PE signature")
coff = pe + 4
at(coff + 20, "COFF header")
nsect, = struct.unpack_from("<H", d, coff + 2)
optsize, = struct.unpack_from("<H", d, coff + 16)
opt = coff + 20
magic, = struct.unpack_from("<H", d, opt)
plus = magic == 0x20b
at(opt + 2, "optional header magic")
std = 24 if plus else 28
at(opt + std, "optional header standard fields")
win = opt + (112 if plus else 96)
at(win - 4, "NumberOfRvaAndSizes start")
at(win, "optional header Windows fields")
ndd, = struct.unpack_from("<I", d, win - 4)
for i in range(ndd):
    at(win + 8 * i + 8, "data directory %d" % i)
at(opt + optsize, "optional header")
sect = opt + optsize
for i in range(nsect):
    h = sect + 40 * i
    name = d[h:h + 8].rstrip(b"\0").decode("ascii", "replace")
    at(h + 40, "section header %d (%s)" % (i, name))
    rawsize, rawptr = struct.unpack_from("<II", d, h + 16)
    if rawsize:
        at(rawptr, "section %s data start" % name)
        at(rawptr + rawsize, "section %s data" % name)
symptr, nsyms = struct.unpack_from("<II", d, coff + 8)
if symptr:
    at(symptr, "symbol table start")
    strtab = symptr + 18 * nsyms
    at(strtab, "symbol table")
    if strtab + 4 <= len(d):
        at(strtab + 4, "string table size")
        at(strtab + struct.unpack_from("<I", d, strtab)[0], "string table")
for off in sorted(b):
    print(off, b[off])
