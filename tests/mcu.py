#!/usr/bin/env python3
"""mcu.py: an Intel microcode update as the Intel SDM (Vol. 3A,
"Microcode Update Facilities") lays it out, for tests.

usage: mcu.py SIG PF REV [DATA-BYTES [EXT-SIG]] > update

A 48-byte header (header version 1, loader revision 1), DATA-BYTES
(default 976, 944 with EXT-SIG) of data made from SIG and REV, and with
EXT-SIG an extended signature table of one entry; the checksums sum to 0
and the total is padded to a multiple of 1 KiB.
"""
import struct, sys
sig, pf, rev = (int(a, 0) for a in sys.argv[1:4])
esig = int(sys.argv[5], 0) if len(sys.argv) > 5 else None
dlen = int(sys.argv[4]) if len(sys.argv) > 4 else 976 if esig is None else 944
data = bytes((sig + rev + i) & 0xff for i in range(dlen))
extlen = 0 if esig is None else 32
total = 48 + dlen + extlen
total += -total % 1024
pad = b"\0" * (total - 48 - dlen - extlen)
M = 0xffffffff
def words(b): return sum(struct.unpack("<%dI" % (len(b) // 4), b))
hdr = struct.pack("<9I12x", 1, rev, 0x01022026, sig, 0, 1, pf, dlen, total)
s = -words(hdr + data) & M
hdr = hdr[:16] + struct.pack("<I", s) + hdr[20:]
ext = b""
if esig is not None:
    # The entry's checksum: the header's, were esig its signature.
    e = struct.pack("<III", esig, pf, (s + sig - esig) & M)
    ext = struct.pack("<II12x", 1, 0) + e
    ext = ext[:4] + struct.pack("<I", -words(ext) & M) + ext[8:]
sys.stdout.buffer.write(hdr + data + ext + pad)
