#!/bin/sh
# Hostile inputs for mkgpt (issue 11): payloads larger than the partition
# asked for, and for -V disks whose GPT headers lie with valid CRCs
# (entry counts and sizes, LBAs out of the disk, entries out of order).
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

if ! need python3; then
	t_skip "mkgpt: hostile inputs" "python3 not installed"
	exit 0
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
