#!/usr/bin/env python3
"""mkdeb.py: write a .deb (deb(5)) whose data.tar holds exactly the entries
given, hostile ones included, which dpkg-deb --build would never produce.

usage: mkdeb.py OUT.deb CONTROL-FILE [--data-ext EXT [--data-comp C]] < ENTRIES

The data member is data.tar.xz, or data.tar + EXT (- for none):
xz-compressed for .xz, gzip for .gz, as is for anything else; --data-comp gives the compression
whatever the name says (xz, gz or none), for a member whose bytes lie.

One entry a line, fields separated by blanks (\\040 for a blank in a name):
  dir PATH MODE [UID GID]
  file PATH MODE UID GID TEXT        (TEXT: the bytes, \\n for a newline)
  symlink PATH TARGET
  hardlink PATH TARGET
  char PATH MODE MAJOR MINOR
  pax USTARNAME PAXPATH TEXT         (a pax "path" record overriding the name)
  paxown PATH MODE UID GID PAXUID PAXGID TEXT
                                     (a file whose pax "uid" and "gid" records
                                      override the ustar header's UID and GID)
  type PATH FLAG TEXT                (a file entry with another tar typeflag)
  gnusparse PATH HOLE TEXT           (old GNU sparse 'S': HOLE bytes, then TEXT)
  paxsparse PATH 0.1|1.0 HOLE TEXT   (the same as a regular file with PAX
                                      GNU.sparse.* records, format 0.1 or 1.0)
  zeros PATH SIZE                    (a file of SIZE zero bytes)
  claim PATH SIZE                    (a header claiming SIZE bytes, no data:
                                      the archive ends there)
"""
import io
import os
import sys
import tarfile
import time


def unq(s):
    return s.replace("\\040", " ").replace("\\n", "\n")


def gnu_sparse(ti, hole, data):
    """An old GNU sparse header (GNU tar's tar.h, struct oldgnu_header):
    one sparse entry {offset, numbytes} at byte 386, isextended at 482,
    realsize at 483; the stored bytes are data only."""
    ti.type = tarfile.GNUTYPE_SPARSE
    ti.size = len(data)
    h = bytearray(ti.tobuf(tarfile.GNU_FORMAT))
    h[386:398] = b"%011o\0" % hole
    h[398:410] = b"%011o\0" % len(data)
    h[482] = 0
    h[483:495] = b"%011o\0" % (hole + len(data))
    h[148:156] = b"        "
    h[148:156] = b"%06o\0 " % sum(h)
    pad = b"\0" * (-len(data) % tarfile.BLOCKSIZE)
    return bytes(h) + data + pad


def pax_sparse(ti, version, hole, data):
    """GNU tar's PAX sparse formats (GNU tar manual, "Storing Sparse
    Files"): 0.1 keeps the map in GNU.sparse.map; 1.0 puts it, in decimal
    lines padded to a block, ahead of the data, under a made-up name."""
    real = hole + len(data)
    if version == "0.1":
        ti.pax_headers = {"GNU.sparse.size": str(real),
                          "GNU.sparse.numblocks": "1",
                          "GNU.sparse.map": "%d,%d" % (hole, len(data))}
        return data
    if version != "1.0":
        sys.exit("mkdeb.py: PAX sparse version 0.1 or 1.0")
    ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                      "GNU.sparse.name": ti.name,
                      "GNU.sparse.realsize": str(real)}
    ti.name = "./GNUSparseFile.0/" + os.path.basename(ti.name)
    smap = b"1\n%d\n%d\n" % (hole, len(data))
    return smap + b"\0" * (-len(smap) % tarfile.BLOCKSIZE) + data


class Zeros(io.RawIOBase):
    """SIZE zero bytes, read without holding them all."""
    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def tar_bytes(entries, comp):
    buf = io.BytesIO()
    mode = {"xz": "w:xz", "gz": "w:gz", "none": "w"}[comp]
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for line in entries:
            f = line.split()
            if not f:
                continue
            kind, path = f[0], unq(f[1])
            ti = tarfile.TarInfo(path)
            ti.mtime = 1700000000
            data = None
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                ti.mode = int(f[2], 8)
                if len(f) > 4:
                    ti.uid, ti.gid = int(f[3]), int(f[4])
            elif kind in ("file", "pax", "paxown"):
                if kind == "pax":
                    ti.pax_headers = {"path": unq(f[2])}
                    text = unq(" ".join(f[3:]))
                    ti.mode = 0o644
                elif kind == "paxown":
                    ti.mode = int(f[2], 8)
                    ti.uid, ti.gid = int(f[3]), int(f[4])
                    ti.pax_headers = {"uid": f[5], "gid": f[6]}
                    text = unq(" ".join(f[7:]))
                else:
                    ti.mode = int(f[2], 8)
                    ti.uid, ti.gid = int(f[3]), int(f[4])
                    text = unq(" ".join(f[5:]))
                data = text.encode()
                ti.size = len(data)
            elif kind == "type":
                ti.type = f[2].encode()
                ti.mode = 0o644
                data = unq(" ".join(f[3:])).encode()
                ti.size = len(data)
            elif kind == "gnusparse":
                ti.mode = 0o644
                raw = gnu_sparse(ti, int(f[2]), unq(" ".join(f[3:])).encode())
                t.fileobj.write(raw)
                t.offset += len(raw)
                continue
            elif kind == "paxsparse":
                ti.mode = 0o644
                data = pax_sparse(ti, f[2], int(f[3]),
                                  unq(" ".join(f[4:])).encode())
                ti.size = len(data)
            elif kind == "zeros":
                ti.mode = 0o644
                ti.size = int(f[2])
                t.addfile(ti, io.BufferedReader(Zeros(ti.size), 1 << 20))
                continue
            elif kind == "claim":
                ti.mode = 0o644
                ti.size = int(f[2])
                raw = ti.tobuf(tarfile.GNU_FORMAT)
                t.fileobj.write(raw)
                t.offset += len(raw)
                continue
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = unq(f[2])
                ti.mode = 0o777
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = unq(f[2])
                ti.mode = 0o644
            elif kind == "char":
                ti.type = tarfile.CHRTYPE
                ti.mode = int(f[2], 8)
                ti.devmajor, ti.devminor = int(f[3]), int(f[4])
            else:
                sys.exit("mkdeb.py: unknown entry kind " + kind)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def ar_member(name, data):
    hdr = "%-16s%-12d%-6d%-6d%-8o%-10d`\n" % (name, 0, 0, 0, 0o100644,
                                             len(data))
    out = hdr.encode() + data
    return out + (b"\n" if len(data) % 2 else b"")


def main():
    out, control = sys.argv[1], sys.argv[2]
    ext = ".xz"
    if len(sys.argv) > 4 and sys.argv[3] == "--data-ext":
        ext = "" if sys.argv[4] == "-" else sys.argv[4]
    comp = {".xz": "xz", ".gz": "gz"}.get(ext, "none")
    if len(sys.argv) > 6 and sys.argv[5] == "--data-comp":
        comp = sys.argv[6]
    with open(control, "rb") as fp:
        ctl = fp.read()
    cbuf = io.BytesIO()
    with tarfile.open(fileobj=cbuf, mode="w:xz", format=tarfile.GNU_FORMAT) as t:
        ti = tarfile.TarInfo("./control")
        ti.size, ti.mtime, ti.mode = len(ctl), 1700000000, 0o644
        t.addfile(ti, io.BytesIO(ctl))
    data = tar_bytes(sys.stdin.read().splitlines(), comp)
    with open(out, "wb") as fp:
        fp.write(b"!<arch>\n")
        fp.write(ar_member("debian-binary", b"2.0\n"))
        fp.write(ar_member("control.tar.xz", cbuf.getvalue()))
        fp.write(ar_member("data.tar" + ext, data))


if __name__ == "__main__":
    time.tzset()
    main()
