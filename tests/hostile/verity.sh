#!/bin/sh
# Hostile inputs for mkverity (issue 11): data with a partial last block,
# and for -V data and hash images that were cut, or whose superblock lies
# (sizes, counts and salts out of range, with the tree still read back).
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

if ! need python3; then
	t_skip "mkverity: hostile inputs" "python3 not installed"
	t_done
fi
SEED=7a0ae6a6-7bd4-4ae5-a9ac-0c4ec1d5f3a1
head -c $((64 * 4096)) /dev/urandom >"$T/d.img"
root=$(mkverity -S $SEED -o "$T/h.img" "$T/d.img")

for n in 1 4095 4097 $((64 * 4096 - 1)) $((64 * 4096 + 512)); do
	h_sandbox
	head -c $n "$T/d.img" >data.img
	[ $n -gt $((64 * 4096)) ] && head -c 512 /dev/urandom >>data.img
	h_case "mkverity: data of $n bytes, a partial last block" 1 \
	    "^mkverity: data\.img: $n bytes, not a multiple of the 4096-byte block size" \
	    "$S/hash.img" -- mkverity -o hash.img data.img
done
h_sandbox
head -c 1536 "$T/d.img" >data.img
h_case "mkverity: -b 1024 and 1536 bytes of data" 1 \
    "^mkverity: data\.img: 1536 bytes, not a multiple of the 1024-byte block size" \
    "$S/hash.img" -- mkverity -b 1024 -o hash.img data.img
h_sandbox
head -c 5000 "$T/d.img" >data.img
h_case "mkverity: a partial last block, the tree in the data file (-H)" 1 \
    "^mkverity: data\.img: 5000 bytes, not a multiple" - -- mkverity -H 8192 data.img

# -V: nothing is written; stdout must stay empty.
verify() { # name regex
	h_case "mkverity: -V $1" 1 "^mkverity: $2" - -- mkverity -V data.img hash.img "$root"
}
pair() { h_sandbox; cp "$T/d.img" data.img; cp "$T/h.img" hash.img; }
pair
truncate -s $((64 * 4096 - 100)) data.img
verify "data with a partial last block" 'data\.img: '
pair
truncate -s $((32 * 4096)) data.img
verify "data cut to half" 'data\.img: '
pair
truncate -s 4096 hash.img
verify "a hash image cut after its superblock" 'hash\.img: '
pair
truncate -s 100 hash.img
verify "a hash image cut inside its superblock" 'hash\.img: '
pair
: >hash.img
verify "an empty hash image" 'hash\.img: '

# Superblock fields (veritysetup's layout: version at 8, hash type at 12,
# algorithm at 32, block sizes at 64 and 68, data blocks at 72, salt size
# at 80).
for p in '8 <I 2|version 2' '12 <I 7|hash type 7' '32 32s md5|algorithm md5' \
    '64 <I 0|data block size 0' '64 <I 3000|data block size 3000' \
    '64 <I 0x80000000|data block size 2^31' '68 <I 512|hash block size 512' \
    '72 <Q 0|0 data blocks' '72 <Q 0xffffffffffffffff|2^64-1 data blocks' \
    '72 <Q 65|one data block more than the data has' \
    '72 <Q 0x100000000000|2^44 data blocks' \
    '80 <H 257|a salt of 257 bytes' '80 <H 0xffff|a salt of 65535 bytes'; do
	pair
	python3 -c '
import struct, sys
off, fmt, v = int(sys.argv[1]), sys.argv[2], sys.argv[3]
d = bytearray(open("hash.img", "rb").read())
struct.pack_into(fmt, d, off, v.encode() if fmt.endswith("s") else int(v, 0))
open("hash.img", "wb").write(d)' ${p%%|*}
	verify "a superblock with ${p#*|}" '(hash\.img: |data\.img: shorter than the [0-9]+ blocks of its hash tree$)'
done
t_done
