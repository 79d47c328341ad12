#!/usr/bin/env python3
"""mkdeb.py: write a .deb (deb(5)) whose data.tar holds exactly the entries
given, hostile ones included, which dpkg-deb --build would never produce.

usage: mkdeb.py OUT.deb CONTROL-FILE [--data-ext EXT] < ENTRIES

One entry a line, fields separated by blanks (\\040 for a blank in a name):
  dir PATH MODE [UID GID]
  file PATH MODE UID GID TEXT        (TEXT: the bytes, \\n for a newline)
  symlink PATH TARGET
  hardlink PATH TARGET
  char PATH MODE MAJOR MINOR
  pax USTARNAME PAXPATH TEXT         (a pax "path" record overriding the name)
"""
import io
import sys
import tarfile
import time


def unq(s):
    return s.replace("\\040", " ").replace("\\n", "\n")


def tar_bytes(entries, compress):
    buf = io.BytesIO()
    mode = "w:xz" if compress else "w"
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
            elif kind in ("file", "pax"):
                if kind == "pax":
                    ti.pax_headers = {"path": unq(f[2])}
                    text = unq(" ".join(f[3:]))
                    ti.mode = 0o644
                else:
                    ti.mode = int(f[2], 8)
                    ti.uid, ti.gid = int(f[3]), int(f[4])
                    text = unq(" ".join(f[5:]))
                data = text.encode()
                ti.size = len(data)
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
        ext = sys.argv[4]
    with open(control, "rb") as fp:
        ctl = fp.read()
    cbuf = io.BytesIO()
    with tarfile.open(fileobj=cbuf, mode="w:xz", format=tarfile.GNU_FORMAT) as t:
        ti = tarfile.TarInfo("./control")
        ti.size, ti.mtime, ti.mode = len(ctl), 1700000000, 0o644
        t.addfile(ti, io.BytesIO(ctl))
    data = tar_bytes(sys.stdin.read().splitlines(), ext == ".xz")
    with open(out, "wb") as fp:
        fp.write(b"!<arch>\n")
        fp.write(ar_member("debian-binary", b"2.0\n"))
        fp.write(ar_member("control.tar.xz", cbuf.getvalue()))
        fp.write(ar_member("data.tar" + ext, data))


if __name__ == "__main__":
    time.tzset()
    main()
