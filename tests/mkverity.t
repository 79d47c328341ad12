#!/bin/sh
# mkverity: dm-verity hash trees checked against veritysetup (cryptsetup),
# its published root-hash test vectors, and single-byte corruption.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need veritysetup python3 openssl; then
	t_skip "mkverity" "veritysetup, python3 or openssl not installed"
	t_done
fi
SALT=e48da609055204e89ae53b655ca2216dd983cf3cb829f34f63a297d106d53e2d
UUID=a60c98d2-ae9b-4865-bfcb-b4e3ace11033

# cryptsetup's tests/verity-compat-test: 8 MiB of zeros, that salt.
dd if=/dev/zero of=zero.img bs=1k count=8192 2>/dev/null
t_eq "test vector: 512-byte blocks" 9de18652fe74edfb9b805aaed72ae2aa48f94333f1ba5c452ac33b1c39325174 \
    mkverity -b 512 -s $SALT -o v512 zero.img
t_eq "test vector: 1024-byte blocks" 54d92778750495d1f80832b486ebd007617d746271511bbf0e295e143da2b3df \
    mkverity -b 1024 -s $SALT -o v1024 zero.img
t_eq "test vector: 4096-byte blocks" e522df0f97da4febb882ac40f30b37dc0b444bf6df418929463fa25280f09d5c \
    mkverity -b 4096 -s $SALT -o v4096 zero.img
t_eq "test vector: no salt" ef29c902d87350f1da4bfa536e16cebc162a909bf89abe448b81ec500d4fb9bf \
    mkverity -s - -o vnosalt zero.img

# Sizes around each level boundary (128 digests a 4096-byte hash block),
# against veritysetup format with the same salt and UUID.
same() { # blocks [blocksize]
	bs=${2:-4096}
	head -c $(($1 * bs)) /dev/urandom >d$1.img
	veritysetup format --data-block-size=$bs --hash-block-size=$bs \
	    --salt=$SALT --uuid=$UUID d$1.img ref$1.img >ref$1.out &&
	root=$(mkverity -b $bs -s $SALT -u $UUID -o h$1.img d$1.img) &&
	grep -q "^Root hash:[[:space:]]*$root\$" ref$1.out && cmp h$1.img ref$1.img &&
	veritysetup verify d$1.img h$1.img "$root"
}
for n in 1 2 127 128 129 16383 16384 16385; do
	t_ok "$n blocks: byte-identical to veritysetup format, veritysetup verify accepts" same $n
done
t_ok "512-byte blocks, 33 blocks: byte-identical" same 33 512
t_ok "300 MiB: byte-identical, veritysetup verify accepts" sh -c '
	truncate -s 300M big.img && head -c 1000000 /dev/urandom | dd of=big.img conv=notrunc seek=77 bs=4096 2>/dev/null &&
	veritysetup format --salt='$SALT' --uuid='$UUID' big.img bigref.img >bigref.out &&
	root=$(mkverity -s '$SALT' -u '$UUID' -o bigh.img big.img) &&
	grep -q "^Root hash:[[:space:]]*$root\$" bigref.out && cmp bigh.img bigref.img &&
	veritysetup verify big.img bigh.img $root && mkverity -V big.img bigh.img $root'
rm -f big.img bigref.img bigh.img

# Single-byte corruption of a 129-block data image and its hash image:
# one byte in each data block, every 7th byte of the hash image but the
# UUID (which no check covers), each flipped in turn: mkverity -V must fail
# every time; veritysetup verify on a sparser sample of the same.
root129=$(mkverity -b 4096 -s $SALT -u $UUID -o flip.img d129.img)
cat >flip.py <<'EOF'
import subprocess, sys, shutil
data, hashimg, root, who, step = sys.argv[1:6]
step = int(step)
def fails(cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0
def run(d, h):
    if who == "mkverity":
        return fails(["mkverity", "-V", d, h, root])
    return fails(["veritysetup", "verify", d, h, root])
bad = []
for target, positions in (("data", range(0, 129 * 4096, 4097)),
                          ("hash", [p for p in range(0, 4 * 4096, step) if not 16 <= p < 32])):
    src = data if target == "data" else hashimg
    buf = bytearray(open(src, "rb").read())
    for p in positions:
        # veritysetup reads these superblock fields: signature, version,
        # hash type; algorithm name; sizes and block count; the salt
        checked = p < 16 or 32 <= p < 38 or 64 <= p < 82 or 88 <= p < 120
        if who == "veritysetup" and target == "hash" and p < 4096 and not checked:
            continue
        b2 = bytearray(buf); b2[p] ^= 0x01
        open("flipped", "wb").write(b2)
        ok = run("flipped", hashimg) if target == "data" else run(data, "flipped")
        if not ok:
            bad.append("%s byte %d" % (target, p))
print("%d undetected: %s" % (len(bad), ", ".join(bad[:10])))
sys.exit(1 if bad else 0)
EOF
t_ok "flip bytes all over (data, tree, superblock): mkverity -V fails" \
    python3 flip.py d129.img flip.img $root129 mkverity 7
t_ok "flip sampled bytes: veritysetup verify fails too" \
    python3 flip.py d129.img flip.img $root129 veritysetup 61
t_ok "untouched images verify" mkverity -V d129.img flip.img $root129

# flipbyte FILE OFFSET: that byte to another value (a fixed one would be
# the same 1 time in 256 on random data).
flipbyte() {
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1)[0]; f.seek(o); f.write(bytes([b ^ 0xff]))' "$1" "$2"
}
cp d129.img bad.img
flipbyte bad.img $((77 * 4096 + 5))
t_err "-V names the first bad data block" 1 'mkverity: bad.img: block 77 \(bytes 315392\.\.319487\) does not match its hash' \
    mkverity -V bad.img flip.img $root129
cp flip.img badh.img
flipbyte badh.img $((2 * 4096 + 40))
t_err "-V names a corrupt hash block" 1 'mkverity: badh.img: hash block 0 of level 0 is corrupt' \
    mkverity -V d129.img badh.img $root129
t_err "-V with another root hash" 1 'root hash does not match' \
    mkverity -V d129.img flip.img 0000000000000000000000000000000000000000000000000000000000000000

# Seeds: salt and UUID as systemd-repart derives them (mkverity(1)), checked
# with openssl's HMAC and veritysetup dump.
SEED=0e7b4b6c-3c19-4c6d-9e3f-6a8d6b2a7f10
hmac() { printf %s "$1" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$(echo $SEED | tr -d -) | sed 's/.*= //'; }
t_ok "-S: salt is HMAC-SHA256(seed, \"verity-salt\")" \
    sh -c "mkverity -S $SEED -o seeded d2.img >/dev/null && veritysetup dump seeded | grep -q \"^Salt:[[:space:]]*$(hmac verity-salt)\$\""
uuid_hex=$(hmac verity-uuid | cut -c1-32)
want_uuid=$(python3 -c "
import sys
b = bytearray.fromhex('$uuid_hex')
b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80
h = b.hex(); print('-'.join([h[:8], h[8:12], h[12:16], h[16:20], h[20:]]))")
t_ok "-S: UUID is HMAC-SHA256(seed, \"verity-uuid\") marked v4" \
    sh -c "veritysetup dump seeded | grep -q \"^UUID:[[:space:]]*$want_uuid\$\""
t_ok "the same input gives the same bytes (default, no seed)" \
    sh -c 'mkverity -o r1 d129.img >root1 && mkverity -o r2 d129.img >root2 && cmp r1 r2 && cmp root1 root2'
if need taskset; then
	t_ok "one CPU or all: the same bytes" \
	    sh -c 'taskset -c 0 mkverity -o r3 d16385.img >/dev/null && mkverity -o r4 d16385.img >/dev/null && cmp r3 r4'
else
	t_skip "one CPU or all: the same bytes" "taskset (util-linux) not installed"
fi
t_ok "-s random: a random salt" \
    sh -c 'mkverity -s random -o ra d2.img >/dev/null && mkverity -s random -o rb d2.img >/dev/null && ! cmp -s ra rb'

# Hash tree after the data in one file.
cp d129.img onefile.img
t_ok "no -o: tree appended to the data, veritysetup verify with --hash-offset" \
    sh -c 'root=$(mkverity -s '$SALT' onefile.img) && [ $(wc -c <onefile.img) = $((129 * 4096 + 4096 + 3 * 4096)) ] &&
	veritysetup verify --hash-offset=$((129 * 4096)) --data-blocks=129 onefile.img onefile.img $root &&
	mkverity -V -H $((129 * 4096)) onefile.img onefile.img $root'
t_err "no -o: -H inside the data refused" 1 'onefile.img: -H 4096 would overwrite the data' \
    mkverity -H 4096 onefile.img
# A second run finds the hash area of the first (129 data blocks, the
# superblock block and 3 tree blocks: 129 * 4096 = 528384): refused
# without -f, the file untouched; with -f the area is rebuilt over the
# same data, the same bytes; veritysetup's own in-place format too.
cp onefile.img onefile.first
t_err "no -o, run again: the earlier hash area is found and refused" 1 \
    '^mkverity: onefile\.img: ends in a verity hash area from offset 528384 \(of an earlier run\); use -f to rebuild it$' \
    mkverity -s $SALT onefile.img
t_ok "and the file is untouched" cmp onefile.img onefile.first
t_ok "-f: the area rebuilt in place, the same bytes and root hash" \
    sh -c 'root=$(mkverity -f -s '$SALT' onefile.img) && cmp onefile.img onefile.first &&
	veritysetup verify --hash-offset=528384 --data-blocks=129 onefile.img onefile.img $root'
cp d129.img vs.img
veritysetup format --hash-offset=528384 --salt=$SALT --uuid=00000000-0000-4000-8000-000000000000 vs.img vs.img >/dev/null 2>&1
t_err "no -o: veritysetup's in-place hash area is found too" 1 \
    '^mkverity: vs\.img: ends in a verity hash area from offset 528384' mkverity vs.img
t_ok "a data file that merely ends in a superblock's bytes is data" \
    sh -c 'head -c 8192 d129.img >tail.img && dd if=onefile.img bs=4096 skip=129 count=1 status=none >>tail.img &&
	mkverity -o tail.h tail.img >/dev/null'
t_ok "-H with -o: tree at that offset of the hash image" \
    sh -c 'root=$(mkverity -H 1M -o off.img d129.img) && veritysetup verify --hash-offset=1048576 d129.img off.img $root'

# Bad input.
head -c 5000 /dev/urandom >odd.img
t_err "data not a multiple of the block size" 1 'mkverity: odd.img: 5000 bytes, not a multiple of the 4096-byte block size' \
    mkverity -o x odd.img
: >empty.img
t_err "empty data" 1 'mkverity: empty.img: empty' mkverity -o x empty.img
t_err "missing data" 1 'mkverity: nope.img: No such file' mkverity -o x nope.img
t_ok "bad input: no output left" sh -c '[ ! -e x ] && ! ls -A | grep -q "\.x\.tmp"'
t_err "existing output refused without -f" 1 'mkverity: h1.img: exists; use -f' mkverity -o h1.img d1.img
t_err "-o -: refused, standard output is the root hash's" 2 \
    '^mkverity: -o -: standard output carries the root hash; write the hash image to a file$' \
    mkverity -o - d1.img
t_err "block size not a power of two" 2 'mkverity: -b 1000: not a power of two' mkverity -b 1000 -o x d1.img
t_err "block size too small" 2 'mkverity: -b: 256: out of range' mkverity -b 256 -o x d1.img
t_err "bad salt" 2 'mkverity: -s xyz: not up to 256 bytes of hex' mkverity -s xyz -o x d1.img
t_err "bad seed" 2 'mkverity: -S 1234: not a UUID' mkverity -S 1234 -o x d1.img
t_err "bad root hash" 2 'mkverity: abc: not a SHA-256 root hash' mkverity -V d1.img h1.img abc
t_err "not a verity superblock" 1 'mkverity: d1.img: no verity superblock' \
    mkverity -V d1.img d1.img e522df0f97da4febb882ac40f30b37dc0b444bf6df418929463fa25280f09d5c
t_usage "unknown option" mkverity -Q
t_usage "-s and -S together" mkverity -s 00 -S $SEED -o x d1.img

# Killed mid-write: nothing at the output path. mkverity builds the tree
# in memory and writes its temporary in one call between creating and
# renaming it, too short a time to catch by polling: strace delivers the
# SIGTERM as that call is made, and its trace shows the temporary was
# there to be removed.
if need strace && strace -f -qq -o /dev/null -e trace=pwrite64 \
    -e inject=pwrite64:signal=TERM:when=1 true 2>/dev/null; then
	mkdir -p k
	t_ok "SIGTERM as it writes its temporary: killed, no output, no temporary" sh -c '
		strace -f -qq -o term.trace -e trace=openat,pwrite64 \
		    -e inject=pwrite64:signal=TERM:when=1 mkverity -o k/h d16385.img >/dev/null
		rc=$?
		grep -Eq "openat\(AT_FDCWD, \"k/\.h\.tmp[^\"]*\", O_RDWR\|O_CREAT.* = [0-9]+$" term.trace &&
		    grep -q "^[0-9]*  *+++ killed by SIGTERM +++$" term.trace && [ $rc -eq 143 ] &&
		    [ -z "$(ls -A k)" ] || { cat term.trace >&2; exit 1; }'
else
	t_skip "SIGTERM as it writes its temporary" "strace not installed or not permitted"
fi
t_done
