#!/bin/sh
# Hostile PE images for mkuki (issue 11): bookworm's systemd-stub cut at
# every header boundary (tests/hostile/pe-bounds.py) and one byte either
# side, the kernel likewise, stubs already signed, with certificate
# tables that lie, and without room for the new section headers; kernels
# compressed with gzip or zstd whose streams are broken (issue 13); for -I,
# signed images with bytes no signature covers (issue 19).
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
if [ ! -f $STUB ] || ! need python3; then
	t_skip "mkuki: hostile PE images" "systemd-boot-efi or python3 not installed"
	t_done
fi
# The kernel: the stub stands in as "a PE image" (its .sbat renamed so as
# not to be merged), with -u for the release (as tests/mkuki.t does
# without the archive).
python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b".sbat\0\0\0"); d[i:i + 8] = b".nosbat\0"
open(sys.argv[2], "wb").write(d)' $STUB "$T/vmlinuz"
printf 'ID=debian\n' >"$T/osrel"

# A sandbox with the stub, the kernel and an os-release.
box() {
	h_sandbox
	cp $STUB stub.efi
	cp "$T/vmlinuz" vmlinuz
	cp "$T/osrel" osrel
}
uki() { # name regex args...: mkuki building out.efi
	_n=$1 _re=$2
	shift 2
	h_case "mkuki: $_n" 1 "^mkuki: $_re" "$S/out.efi" -- \
	    mkuki -u 6.1.0-0-fake -r osrel -C quiet "$@" -o out.efi
}

size=$(wc -c <$STUB)
python3 "$top/tests/hostile/pe-bounds.py" $STUB >"$T/bounds"
while read -r off what; do
	# One byte either side of each structure but the data directories
	# (8 bytes apart, all read the same way).
	case $what in
	"data directory"*) set -- $off ;;
	*) set -- $((off - 1)) $off $((off + 1)) ;;
	esac
	for cut; do
		[ "$cut" -gt 0 ] && [ "$cut" -lt "$size" ] || continue
		grep -q "^$cut " "$T/done" 2>/dev/null && continue
		echo "$cut" >>"$T/done"
		box
		truncate -s $cut stub.efi
		uki "stub cut at $cut ($what$([ $cut -ne $off ] &&
		    printf ' %+d' $((cut - off))))" 'stub\.efi: ' -s stub.efi -l vmlinuz
	done
done <"$T/bounds"
while read -r off what; do
	# The kernel: each structure's end, of the data directories the
	# certificate table's (a signed kernel has one).
	case $what in
	"data directory 4") ;;
	"data directory"*) continue ;;
	esac
	box
	truncate -s "$off" vmlinuz
	uki "kernel cut at $off ($what)" 'vmlinuz: ' -s stub.efi -l vmlinuz
done <"$T/bounds"

box
: >empty
uki "an empty stub" 'empty: ' -s empty -l vmlinuz
box
uki "an os-release as the stub" 'osrel: not a PE image' -s osrel -l vmlinuz
box
uki "an os-release as the kernel" 'osrel: not a PE image' -s stub.efi -l osrel

# e_lfanew, NumberOfSections, SizeOfOptionalHeader, NumberOfRvaAndSizes
# and a section's raw data set to values that point out of the file.
patch() { # file offset format value
	python3 -c '
import struct, sys
f, off, fmt, v = sys.argv[1], int(sys.argv[2], 0), sys.argv[3], int(sys.argv[4], 0)
d = bytearray(open(f, "rb").read())
struct.pack_into(fmt, d, off, v)
open(f, "wb").write(d)' "$@"
}
pe=$(python3 -c 'import struct,sys; print(struct.unpack_from("<I", open(sys.argv[1],"rb").read(), 0x3c)[0])' $STUB)
opt=$((pe + 24))
for p in "0x3c <I 0xfffffff0|e_lfanew past the end" \
    "0x3c <I $((size - 2))|e_lfanew at the last bytes" \
    "$((pe + 6)) <H 0xffff|65535 sections" \
    "$((pe + 20)) <H 0xffff|SizeOfOptionalHeader 65535" \
    "$((pe + 20)) <H 0|SizeOfOptionalHeader 0" \
    "$((opt + 108)) <I 0xffffffff|NumberOfRvaAndSizes 2^32-1" \
    "$((opt + 60)) <I 0|SizeOfHeaders 0" \
    "$((opt + 32)) <I 0|SectionAlignment 0" \
    "$((opt + 36)) <I 0|FileAlignment 0" \
    "$((opt + 36)) <I 3|FileAlignment 3" \
    "$((opt + 240 + 16)) <I 0xffffff00|the first section's SizeOfRawData past the end" \
    "$((opt + 240 + 20)) <I 0xffffff00|the first section's PointerToRawData past the end" \
    "$((opt + 240 + 8)) <I 0xffffffff|the first section's VirtualSize 2^32-1" \
    "$((pe + 12)) <I 0xfffffff0|PointerToSymbolTable past the end" \
    "$((pe + 16)) <I 0x10000000|NumberOfSymbols past the end" \
    "$((opt + 112 + 4 * 8)) <Q 0x10fffffff0|a certificate table past the end" \
    "$((opt + 112 + 4 * 8 + 4)) <I 0x7ffffff0|a certificate table longer than the file"; do
	box
	patch stub.efi ${p%%|*}
	uki "a stub with ${p#*|}" 'stub\.efi: ' -s stub.efi -l vmlinuz
	box
	patch vmlinuz ${p%%|*}
	uki "a kernel with ${p#*|}" 'vmlinuz: ' -s stub.efi -l vmlinuz
done

# Signed already: by sbsign, and by mkuki (a UKI as the stub).
if need sbsign openssl; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
	    -days 3650 -subj /CN=hostile 2>/dev/null
	box
	sbsign --key "$T/key.pem" --cert "$T/cert.pem" --output signed.efi stub.efi 2>/dev/null
	uki "a stub signed by sbsign" 'signed\.efi: stub is already signed' -s signed.efi -l vmlinuz
	box
	mkuki -u 1 -s stub.efi -l vmlinuz -k "$T/key.pem" -c "$T/cert.pem" -o uki.efi
	uki "a signed UKI as the stub" 'uki\.efi: stub (is already signed|already has a \.linux section)' \
	    -s uki.efi -l vmlinuz
	box
	sbsign --key "$T/key.pem" --cert "$T/cert.pem" --output signed.efi stub.efi 2>/dev/null
	printf 'trailing' >>signed.efi
	uki "a signed stub with bytes after its signature" 'signed\.efi: ' -s signed.efi -l vmlinuz
	# -I (issue 19): a signature verifies only if it covers every byte
	# but the CheckSum, the certificate table and its directory entry.
	# Bytes appended after the table: sbverify says the image fails its
	# hash check, mkuki -I said "verified".
	box
	sbsign --key "$T/key.pem" --cert "$T/cert.pem" --output signed.efi stub.efi 2>/dev/null
	printf 'trailing' >>signed.efi
	h_case "mkuki: -I a signed stub with bytes after its certificate table" 1 \
	    '^mkuki: signed\.efi: 8 bytes after the certificate table, which no signature covers$' \
	    - -- mkuki -I signed.efi
	# 512 bytes between .text and .reloc, in no section: sbsign signs
	# the image, and with those bytes changed sbverify still accepts it
	# (as EDK2 would: both hash the end of the last section again in
	# their place).
	box
	python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", d, 0x3c)[0]
n, optsize = struct.unpack_from("<H", d, pe + 6)[0], struct.unpack_from("<H", d, pe + 20)[0]
sect = [pe + 24 + optsize + 40 * i for i in range(n)]
end = struct.unpack_from("<II", d, sect[0] + 16)
end = end[0] + end[1]
for h in sect[1:]:
    struct.pack_into("<I", d, h + 20, struct.unpack_from("<I", d, h + 20)[0] + 512)
sym = struct.unpack_from("<I", d, pe + 12)[0]
if sym:
    struct.pack_into("<I", d, pe + 12, sym + 512)
d[end:end] = bytes(512)
open(sys.argv[1], "wb").write(d)' stub.efi
	sbsign --key "$T/key.pem" --cert "$T/cert.pem" --output gap.efi stub.efi 2>/dev/null
	python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", d, 0x3c)[0]
size, ptr = struct.unpack_from("<II", d, pe + 24 + struct.unpack_from("<H", d, pe + 20)[0] + 16)
d[ptr + size:ptr + size + 4] = b"evil"
open(sys.argv[1], "wb").write(d)' gap.efi
	h_case "mkuki: -I a signed stub with bytes between sections, changed after signing" 1 \
	    '^mkuki: gap\.efi: 512 bytes before section \.reloc at 0x[0-9a-f]+ are in no section: no signature covers them$' \
	    - -- mkuki -I gap.efi
else
	t_skip "mkuki: signed stubs" "sbsign or openssl not installed"
fi

# No room in the headers for the new section headers: too many sections
# asked for, and a stub whose first section starts right after its
# section table.
box
uki "more sections than the headers have room for" 'stub\.efi: no room in the headers for section' \
    -s stub.efi -l vmlinuz -i osrel -A .a=osrel -A .b=osrel -A .c=osrel -A .d=osrel
box
python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", d, 0x3c)[0]
nsect, = struct.unpack_from("<H", d, pe + 6)
optsize, = struct.unpack_from("<H", d, pe + 20)
end = pe + 24 + optsize + 40 * nsect
struct.pack_into("<I", d, pe + 24 + 60, end)      # SizeOfHeaders
struct.pack_into("<I", d, pe + 24 + optsize + 20, end)  # .text PointerToRawData
open(sys.argv[1], "wb").write(d)' stub.efi
uki "a stub without header room" 'stub\.efi: ' -s stub.efi -l vmlinuz

# Compressed kernels (gzip, RFC 1952; zstd, RFC 8878): streams cut short,
# failing their checks, followed by other bytes, or declaring too much.
if need gzip zstd; then
	gzip -n <"$T/vmlinuz" >"$T/vmlinuz.gz"
	zstd -q <"$T/vmlinuz" >"$T/vmlinuz.zst"
	gz=$(wc -c <"$T/vmlinuz.gz")
	zst=$(wc -c <"$T/vmlinuz.zst")
	for cut in 2 9 10 $((gz / 2)) $((gz - 8)) $((gz - 1)); do
		box
		head -c $cut "$T/vmlinuz.gz" >k.gz
		uki "a gzip kernel cut at $cut of $gz" 'k\.gz: truncated gzip stream$' \
		    -s stub.efi -l k.gz
	done
	for cut in 4 $((zst / 2)) $((zst - 1)); do
		box
		head -c $cut "$T/vmlinuz.zst" >k.zst
		uki "a zstd kernel cut at $cut of $zst" 'k\.zst: truncated zstd stream$' \
		    -s stub.efi -l k.zst
	done
	# The trailer's CRC-32 and ISIZE (RFC 1952, 2.3.1).
	for p in "8|CRC-32|incorrect data check" "4|ISIZE|incorrect length check"; do
		box
		python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[-int(sys.argv[2])] ^= 1
open("k.gz", "wb").write(d)' "$T/vmlinuz.gz" ${p%%|*}
		p=${p#*|}
		uki "a gzip kernel with a wrong ${p%%|*}" "k\\.gz: gzip: ${p#*|}\$" -s stub.efi -l k.gz
	done
	box
	{ cat "$T/vmlinuz.gz"; printf 'garbage'; } >k.gz
	uki "bytes after a gzip kernel" 'k\.gz: 7 bytes after the gzip stream$' -s stub.efi -l k.gz
	box
	{ cat "$T/vmlinuz.gz"; head -c 20 "$T/vmlinuz.gz"; } >k.gz
	uki "a second gzip member cut short" 'k\.gz: truncated gzip stream$' -s stub.efi -l k.gz
	box
	{ cat "$T/vmlinuz.zst"; printf 'garbage'; } >k.zst
	uki "bytes after a zstd kernel" 'k\.zst: 7 bytes after the zstd stream$' -s stub.efi -l k.zst
	box
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[len(d) // 2] ^= 0xff
open("k.zst", "wb").write(d)' "$T/vmlinuz.zst"
	uki "a zstd kernel with a changed byte" 'k\.zst: zstd: ' -s stub.efi -l k.zst
	box
	# Frame_Content_Size (RFC 8878, 3.1.1.1.4) of 2^40 in an 8-byte field:
	# refused before anything is decompressed or allocated.
	python3 -c '
import struct
open("k.zst", "wb").write(struct.pack("<IB", 0xfd2fb528, 0xe0) + struct.pack("<Q", 1 << 40) + bytes(3))'
	uki "a zstd frame declaring 1 TiB" 'k\.zst: decompresses to more than 1024 MiB$' -s stub.efi -l k.zst
	box
	gzip -n <osrel >k.gz
	uki "a gzip-compressed os-release as the kernel" 'k\.gz: not a PE image' -s stub.efi -l k.gz
else
	t_skip "mkuki: compressed kernels" "gzip or zstd not installed"
fi
t_done
