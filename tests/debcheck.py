#!/usr/bin/env python3
"""debcheck.py SPEC CACHEDIR PACKAGES.TSV: the tree spec pkgroot wrote must
agree with `dpkg-deb -c` (dpkg's own reading of each .deb) on the owner
and mode of every entry, after the merged-/usr mapping. Prints mismatches,
exits 1 if any."""
import codecs
import glob
import grp
import pwd
import subprocess
import sys

MERGED = ("bin", "sbin", "lib", "lib64")
TYPES = {"-": 0o100000, "d": 0o040000, "l": 0o120000, "h": 0o100000,
         "c": 0o020000, "b": 0o060000, "p": 0o010000}


def mode_of(s):
    m = TYPES[s[0]]
    bits = s[1:]
    for i, (c, on) in enumerate(zip(bits, "rwxrwxrwx")):
        if c in (on, "s", "t"):
            m |= 1 << (8 - i)
    if bits[2] in "sS":
        m |= 0o4000
    if bits[5] in "sS":
        m |= 0o2000
    if bits[8] in "tT":
        m |= 0o1000
    return m


def mapped(path):
    p = path[2:] if path.startswith("./") else path
    p = p.rstrip("/")
    first = p.split("/")[0]
    return "usr/" + p if first in MERGED else p


def unvis(s):
    out, i = bytearray(), 0
    b = s.encode()
    while i < len(b):
        if b[i] == 0x5C and i + 3 < len(b) + 1 and b[i + 1:i + 4].isdigit():
            out.append(int(b[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


spec = {}
for line in open(sys.argv[1], encoding="utf-8", errors="surrogateescape"):
    if line.startswith("#"):
        continue
    f = line.split()
    kw = dict(x.split("=", 1) for x in f[1:] if "=" in x)
    types = {"file": 0o100000, "dir": 0o040000, "link": 0o120000,
             "char": 0o020000, "block": 0o060000, "fifo": 0o010000}
    path = unvis(f[0])
    path = path[2:] if path.startswith("./") else path
    spec[path] = (types[kw["type"]] | int(kw["mode"], 8), int(kw["uid"]),
                  int(kw["gid"]))

want = {}
for row in open(sys.argv[3]):
    name, version, arch = row.split("\t")[:3]
    v = version.replace(":", "%3a")
    debs = glob.glob("%s/*/archives/%s_%s_%s.deb" % (sys.argv[2], name, v, arch))
    if not debs:
        sys.exit("debcheck: no .deb for %s %s" % (name, version))
    out = subprocess.run(["dpkg-deb", "-c", debs[0]], check=True,
                         capture_output=True).stdout.decode("utf-8", "surrogateescape")
    for line in out.splitlines():
        f = line.split(None, 5)
        perm, owner, path = f[0], f[1], f[5]
        if " -> " in path and perm[0] == "l":
            path = path.split(" -> ")[0]
        if " link to " in path:
            path = path.split(" link to ")[0]
        u, g = owner.split("/")
        uid = int(u) if u.isdigit() else pwd.getpwnam(u).pw_uid
        gid = int(g) if g.isdigit() else grp.getgrnam(g).gr_gid
        # tar lists names C-escaped: "\\" for a backslash, \ooo octal
        path = codecs.escape_decode(path.encode("utf-8", "surrogateescape"))[0] \
            .decode("utf-8", "surrogateescape")
        p = mapped(path)
        if p == "":
            continue
        want.setdefault(p, set()).add((mode_of(perm), uid, gid))

bad = 0
for p, options in sorted(want.items()):
    if p not in spec:
        print("missing from the spec: %s" % p)
        bad += 1
    elif spec[p] not in options:
        print("%s: spec %o %d:%d, dpkg-deb %s" % (p, *spec[p],
              ", ".join("%o %d:%d" % o for o in options)))
        bad += 1
print("%d entries checked, %d mismatches" % (len(want), bad))
sys.exit(1 if bad else 0)
