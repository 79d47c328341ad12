#!/bin/sh
# Hostile inputs for mkgpt (issue 11): payloads larger than the partition
# asked for, and for -V disks whose GPT headers lie with valid CRCs
# (entry counts and sizes, LBAs out of the disk, entries out of order);
# (issue 19) a backup entry array forged to the primary's CRC32, and
# protective MBRs that are not as UEFI defines them.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

if ! need python3; then
	t_skip "mkgpt: hostile inputs" "python3 not installed"
	t_done
fi
SEED=0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e

for p in '1000000 root@512K|a 1000000-byte payload for 512 KiB' \
    '524289 root@512K|a payload one byte over 512 KiB' \
    '8192 usr@4K|8 KiB for 4 KiB' \
    '1048576 esp@1M:x usr@1K|a second payload over its size'; do
	h_sandbox
	set -- ${p%%|*}
	head -c "$1" /dev/zero >data.img
	shift
	args=
	for a; do args="$args $a=data.img"; done
	# shellcheck disable=SC2086
	h_case "mkgpt: ${p#*|}" 1 \
	    "^mkgpt: [a-z]+@[0-9]+[KM](:x)?=data\.img: payload of [0-9]+ bytes is larger than the [0-9]+-byte partition$" \
	    "$S/disk.raw" -- mkgpt -S $SEED -o disk.raw $args
done

# -V of a disk whose primary header and entries are rewritten, CRCs
# recomputed (UEFI 2.10 5.3.2: header fields; CRC32 of the header with
# its CRC field zero, and of the entry array).
head -c 1048576 /dev/urandom >"$T/data.img"
(cd "$T" && mkgpt -S $SEED -o disk.raw root=data.img)
lie() { # what python-statements
	h_sandbox
	cp "$T/disk.raw" disk.raw
	python3 - "$2" <<'EOF'
import struct, sys, zlib
d = bytearray(open("disk.raw", "rb").read())
H, E = 512, 1024
def hdr(fmt, off, v): struct.pack_into(fmt, d, H + off, v)
def ent(fmt, off, v, i=0): struct.pack_into(fmt, d, E + 128 * i + off, v)
exec(sys.argv[1])
n, size = struct.unpack_from("<II", d, H + 80)
if 0 < n * size <= len(d) - E:
    struct.pack_into("<I", d, H + 88, zlib.crc32(d[E:E + n * size]))
hsize = struct.unpack_from("<I", d, H + 12)[0]
struct.pack_into("<I", d, H + 16, 0)
if 0 < hsize <= 512:
    struct.pack_into("<I", d, H + 16, zlib.crc32(d[H:H + hsize]))
open("disk.raw", "wb").write(d)
EOF
	h_case "mkgpt: -V a primary header with $1" 1 "^mkgpt: disk\.raw: " - -- mkgpt -V disk.raw
}
lie "2^32-1 entries" 'hdr("<I", 80, 0xffffffff)'
lie "0 entries" 'hdr("<I", 80, 0)'
lie "entries of 0 bytes" 'hdr("<I", 84, 0)'
lie "entries of 64 bytes" 'hdr("<I", 84, 64)'
lie "entries of 2^31 bytes" 'hdr("<I", 84, 0x80000000)'
lie "a header size of 0" 'hdr("<I", 12, 0)'
lie "a header size of 4096" 'hdr("<I", 12, 4096)'
lie "the entries at LBA 2^64-1" 'hdr("<Q", 72, 0xffffffffffffffff)'
lie "the entries inside the header" 'hdr("<Q", 72, 1)'
lie "the first usable LBA after the last" 'hdr("<Q", 40, 0xfffffff0)'
lie "the last usable LBA past the disk" 'hdr("<Q", 48, 0xffffffffffff)'
lie "the backup at LBA 2^64-1" 'hdr("<Q", 32, 0xffffffffffffffff)'
lie "its own LBA 5" 'hdr("<Q", 24, 5)'
lie "a partition ending past the disk" 'ent("<Q", 40, 0xffffffffff)'
lie "a partition ending before it starts" 'ent("<Q", 40, 3)'
lie "a partition starting at LBA 0" 'ent("<Q", 32, 0)'
lie "a partition over the entries" 'ent("<Q", 32, 2)'
lie "a second partition over the first" 'd[E + 128:E + 256] = d[E:E + 128]; d[E + 128 + 16] ^= 1'

# -V of a disk whose backup entry array differs from the primary's under
# the same CRC32 (issue 19): the backup's partition 1 moved from LBA 40 to
# 48 and renamed, then 4 bytes of an unused entry solved for so that the
# array's CRC32 is what both headers say. CRC32 is linear in its input:
# the register wanted before the suffix is found by running it backwards
# from the end, and the 4 bytes that lead there from the register after
# the prefix are their XOR.
h_sandbox
cp "$T/disk.raw" disk.raw
python3 - <<'EOF2'
import struct, zlib
d = bytearray(open("disk.raw", "rb").read())
last = len(d) // 512 - 1
elba, n, size = struct.unpack_from("<QII", d, last * 512 + 72)
e = bytearray(d[elba * 512:elba * 512 + n * size])
want = zlib.crc32(e)
assert struct.unpack_from("<Q", e, 32)[0] == 40
struct.pack_into("<Q", e, 32, 48)
e[56:128] = "evil".encode("utf-16-le").ljust(72, b"\0")

tab = []
for i in range(256):
    c = i
    for _ in range(8):
        c = c >> 1 ^ (0xedb88320 if c & 1 else 0)
    tab.append(c)
top = {c >> 24: i for i, c in enumerate(tab)}
def back(r, b):
    i = top[r >> 24]
    return (r ^ tab[i]) << 8 & 0xffffffff | (i ^ b)
at = (n - 1) * size + 16          # the UUID of the last, unused entry
r = want ^ 0xffffffff
for b in reversed(e[at + 4:]):
    r = back(r, b)
for _ in range(4):
    r = back(r, 0)
e[at:at + 4] = struct.pack("<I", r ^ zlib.crc32(e[:at]) ^ 0xffffffff)
assert zlib.crc32(e) == want and e[:16] != bytes(16) and e[at - 16:at] == bytes(16)
d[elba * 512:elba * 512 + n * size] = e
open("disk.raw", "wb").write(d)
EOF2
h_case "mkgpt: -V a backup entry array that differs from the primary's with the same CRC32" 1 \
    "^mkgpt: disk\.raw: backup partition entries differ from the primary's$" - -- mkgpt -V disk.raw

# -V of protective MBRs that are not as UEFI 2.10 5.2.3 (Table 5-4)
# defines them: one record, type 0xEE, not bootable, starting at LBA 1
# (CHS 0/0/2) and covering the disk but LBA 0 (or 2^32-1 sectors), and
# three records of zeros.
pmbr() { # what python-statements (r(i): the offset of MBR record i)
	h_sandbox
	cp "$T/disk.raw" disk.raw
	python3 - "$2" <<'EOF2'
import struct, sys
d = bytearray(open("disk.raw", "rb").read())
def r(i): return 446 + 16 * i
exec(sys.argv[1])
open("disk.raw", "wb").write(d)
EOF2
	h_case "mkgpt: -V a protective MBR with $1" 1 "^mkgpt: disk\.raw: protective MBR " - -- mkgpt -V disk.raw
}
pmbr "a FAT32 record over partition 1 (a hybrid MBR)" \
    'd[r(1):r(2)] = bytes([0, 0xfe, 0xff, 0xff, 0x0c, 0xfe, 0xff, 0xff]) + struct.pack("<II", 40, 2048)'
pmbr "its 0xEE record covering one sector" 'struct.pack_into("<I", d, r(0) + 12, 1)'
pmbr "its 0xEE record covering 2^32-1 sectors of a 1 MiB disk" 'struct.pack_into("<I", d, r(0) + 12, 0xffffffff)'
pmbr "its 0xEE record starting at LBA 2" 'struct.pack_into("<II", d, r(0) + 8, 2, len(d) // 512 - 2)'
pmbr "its 0xEE record bootable (0x80)" 'd[r(0)] = 0x80'
pmbr "its 0xEE record starting at CHS 0/0/1" 'd[r(0) + 2] = 1'
pmbr "a second 0xEE record" 'd[r(3):r(4)] = d[r(0):r(1)]'

# -V of a disk whose two headers tell the same lie, each CRC recomputed
# (issue 20): the checks of one header are not the comparison of two.
both() { # what python-statements (h(fmt, off, v): set a field in both)
	h_sandbox
	cp "$T/disk.raw" disk.raw
	python3 - "$2" <<'EOF2'
import struct, sys, zlib
d = bytearray(open("disk.raw", "rb").read())
last = len(d) // 512 - 1
def h(fmt, off, v):
    for lba in (1, last):
        struct.pack_into(fmt, d, lba * 512 + off, v)
def unused(i):
    for lba in (1, last):
        elba = struct.unpack_from("<Q", d, lba * 512 + 72)[0]
        d[elba * 512 + 128 * i:elba * 512 + 128 * (i + 1)] = bytes(128)
exec(sys.argv[1])
for lba in (1, last):
    H = lba * 512
    elba, n, size = struct.unpack_from("<QII", d, H + 72)
    at = (elba % 2**55) * 512
    struct.pack_into("<I", d, H + 88, zlib.crc32(d[at:at + n * size]))
    struct.pack_into("<I", d, H + 16, 0)
    struct.pack_into("<I", d, H + 16, zlib.crc32(d[H:H + 92]))
open("disk.raw", "wb").write(d)
EOF2
	h_case "mkgpt: -V both headers with $1" 1 "^mkgpt: disk\.raw: $3" - -- mkgpt -V disk.raw
}
# 2^55 + 2 sectors of 512 bytes is 2^64 + 1024: LBA 2 again, modulo 2^64.
both "the entries at LBA 2^55+2 (LBA 2 after an overflow)" 'h("<Q", 72, 2**55 + 2)' \
    'primary GPT header has entries beyond the end of the disk$'
both "the first usable LBA after the last, and no partition" \
    'unused(0); h("<Q", 40, struct.unpack_from("<Q", d, 512 + 48)[0] + 1)' \
    'the first usable LBA [0-9]+ is after the last, [0-9]+$'
t_done
