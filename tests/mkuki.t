#!/bin/sh
# mkuki: UKIs from bookworm's systemd-stub and the Debian kernel, read back
# by objdump/objcopy, signatures checked by sbverify and osslsigncode, the
# Authenticode digest compared with sbsign's, PCR 11 with systemd-measure,
# and a boot under qemu + OVMF that must print a marker from the initrd.
# Then trixie's stub (systemd 257) with its own systemd-measure and ukify,
# run in a pkgroot-installed root: PCR 11, .ucode, and addons.
. "$(dirname "$0")/lib.sh"
. "$top/tests/kernel.sh"
. "$top/tests/token.sh"
cd "$T" || exit 1

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
MEASURE=/usr/lib/systemd/systemd-measure
if [ ! -f $STUB ] || ! need openssl objdump objcopy python3; then
	t_skip "mkuki" "systemd-boot-efi, openssl, binutils or python3 not installed"
	t_done
fi
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -days 3650 -subj /CN=initkit-uki 2>/dev/null && chmod 600 key.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.pem -out other-cert.pem \
    -days 3650 -subj /CN=other 2>/dev/null && chmod 600 other.pem

# The kernel: the real one when the archive (or the cache) has it, else the
# stub stands in as "a PE image" for everything but booting and .uname.
if kernel_get; then
	REAL=1
	UNAME=
else
	REAL=
	t_archive "the Debian kernel" "$KERNEL_WHY"
	# Without its .sbat (renamed), which would be merged into ours.
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b".sbat\0\0\0"); d[i:i + 8] = b".nosbat\0"
open("fake-vmlinuz", "wb").write(d)' $STUB
	KERNEL=$T/fake-vmlinuz KVER=6.1.0-0-fake
	UNAME="-u $KVER"
fi
# sections FILE: its section names as objdump -h lists them, in order.
sections() { objdump -h "$1" | awk '$1 ~ /^[0-9]+$/ { printf "%s%s", s, $2; s = " " }'; }
# The stub's own, whatever systemd-boot-efi's build has: ours follow them.
SSECT=$(sections $STUB)
printf 'ID=debian\nVERSION_ID=12\nPRETTY_NAME="initkit test"\n' >osrel
printf 'first initrd\n' >i1		# 13 bytes: padded with 3 zeros
printf 'abcd' >i2			# 4 bytes: no padding
printf 'console=ttyS0 quiet\n' >cmdline

t_ok "an unsigned UKI" mkuki -s $STUB -l "$KERNEL" $UNAME -i i1 -i i2 \
    -C @cmdline -r osrel -o u.efi
t_eq "objdump: the stub's sections, then ours, .linux last" \
    "$SSECT .osrel .cmdline .uname .initrd .linux" sections u.efi
for s in osrel cmdline uname initrd linux; do
	objcopy -O binary --only-section=.$s u.efi sec.$s 2>/dev/null
done
printf 'first initrd\n\0\0\0abcd' >want.initrd
printf 'console=ttyS0 quiet' >want.cmdline
t_ok ".osrel is the os-release file" cmp sec.osrel osrel
t_ok ".cmdline is the text, without a NUL, without the file's newline" cmp sec.cmdline want.cmdline
t_ok ".initrd: the initrds in order, each padded to 4 bytes" cmp sec.initrd want.initrd
# vsize FILE SECTION: the section's VirtualSize as objdump -h prints it.
vsize() { objdump -h "$1" | awk -v s="$2" '$2 == s { print $3 }'; }
t_eq ".cmdline's VirtualSize is the text's length (19), no NUL" 00000013 vsize u.efi .cmdline
t_ok "one initrd: .initrd is its 13 bytes, VirtualSize 13, no padding" \
    sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -i i1 -o one.efi &&
	objcopy -O binary --only-section=.initrd one.efi one.initrd && cmp one.initrd i1 &&
	[ \$(objdump -h one.efi | awk '\$2 == \".initrd\" { print \$3 }') = 0000000d ]"
t_ok ".linux is the kernel" cmp sec.linux "$KERNEL"
if [ -n "$REAL" ]; then
	t_eq ".uname read from the kernel's setup header" "$KVER" cat sec.uname
	t_ok "the same release strings(1) finds in the kernel's banner" \
	    sh -c "strings -n 20 sec.linux | grep -q '^$KVER (debian-kernel@lists.debian.org)'"
else
	t_eq ".uname from -u" "$KVER" cat sec.uname
fi
# Layout, recomputed from objdump -x: each new section at the previous
# one's end rounded up to SectionAlignment, SizeOfImage covering the last,
# CheckSum zeroed, no symbol table left.
objdump -x u.efi >x.txt 2>&1
t_ok "addresses ascend, aligned, without overlap; SizeOfImage; CheckSum 0" \
    python3 - $(echo $SSECT | wc -w) <<'EOF'
import re, sys
stub = int(sys.argv[1])
t = open("x.txt").read()
field = lambda n: int(re.search(r"^%s\s+([0-9a-f]+)" % n, t, re.M).group(1), 16)
sa, soi = field("SectionAlignment"), field("SizeOfImage")
assert field("CheckSum") == 0, "checksum"
secs = [(int(m.group(2), 16), int(m.group(3), 16)) for m in
        re.finditer(r"^\s*\d+ (\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)", t, re.M)]
secs = [(vma, size) for size, vma in secs]
end = 0
for i, (vma, size) in enumerate(secs):
    # The stub's own .sdmagic is not aligned; ours (after the stub's) must be.
    assert vma >= end and (i < stub or vma == (end + sa - 1) // sa * sa), (i, vma, end)
    end = vma + size
assert soi == (end + sa - 1) // sa * sa, (soi, end)
EOF
objdump -x $STUB >stub.x 2>&1
t_ok "the stub's symbol table is gone" sh -c 'grep -q HAS_SYMS stub.x && ! grep -q HAS_SYMS x.txt'
t_ok "same inputs, same bytes" sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -i i1 -i i2 -C @cmdline -r osrel -o u2.efi && cmp u.efi u2.efi"

# Signing: sbverify and osslsigncode are the judges.
t_ok "a signed UKI" mkuki -s $STUB -l "$KERNEL" $UNAME -i i1 -i i2 \
    -C @cmdline -r osrel -k key.pem -c cert.pem -o s.efi
if need sbverify; then
	t_ok "sbverify --cert accepts it" sbverify --cert cert.pem s.efi
	t_ok "sbverify refuses it for another certificate: the signature, not the hash" \
	    sh -c '! sbverify --cert other-cert.pem s.efi >sbv.out 2>&1 &&
		grep -qx "Signature verification failed" sbv.out && ! grep -q "fails hash check" sbv.out'
	t_ok "sbverify: an unsigned image has no signature" sh -c 'sbverify --list u.efi 2>&1 | grep -q "No signature table present"'
else
	t_skip "sbverify" "sbsigntool not installed"
fi
if need osslsigncode; then
	osslsigncode verify -CAfile cert.pem -in s.efi >oss.txt 2>&1
	t_ok "osslsigncode verify agrees" grep -q '^Signature verification: ok' oss.txt
	t_ok "osslsigncode: the digest signed is the digest it computes" \
	    sh -c 'cur=$(sed -n "s/^Current message digest *: *//p" oss.txt); calc=$(sed -n "s/^Calculated message digest *: *//p" oss.txt); [ -n "$cur" ] && [ "$cur" = "$calc" ]'
else
	t_skip "osslsigncode" "osslsigncode not installed"
fi
# oss_digest FILE: the Authenticode digest osslsigncode reads in a signed
# FILE, in mkuki -I's spelling; never empty (two empty ones would agree).
oss_digest() {
	_dg=$(osslsigncode verify -CAfile cert.pem -in "$1" 2>&1 |
	    sed -n 's/^Current message digest *: *//p' | tr A-F a-f | tr -d ' ')
	echo "${_dg:-osslsigncode read no digest in $1}"
}
if need sbsign osslsigncode; then
	# sbsign signs the same unsigned image: its digest must be ours.
	sbsign --key key.pem --cert cert.pem --output sb.efi u.efi 2>/dev/null
	t_eq "sbsign computes the Authenticode digest we sign" "$(oss_digest sb.efi)" oss_digest s.efi
	t_eq "and mkuki -I prints it" "$(oss_digest s.efi)" \
	    sh -c 'mkuki -I sb.efi | awk "\$1 == \"authenticode\" { print \$3 }"'
	t_ok "mkuki -I verifies sbsign's signature" sh -c 'mkuki -I sb.efi | grep -q "^signature	verified	CN=initkit-uki$"'
else
	t_skip "sbsign digest" "sbsigntool or osslsigncode not installed"
fi
t_ok "the signed image is the unsigned one plus the certificate table" \
    python3 -c '
import struct
u = open("u.efi", "rb").read(); s = open("s.efi", "rb").read()
pe = struct.unpack_from("<I", u, 0x3c)[0]; dd = pe + 24 + 112 + 4 * 8
off, size = struct.unpack_from("<II", s, dd)
assert off == len(u) and off + size == len(s) and off % 8 == 0 and size % 8 == 0
ln, rev, typ = struct.unpack_from("<IHH", s, off)
assert ln == size and rev == 0x200 and typ == 2, (ln, rev, typ)
assert s[:dd] == u[:dd] and s[dd + 8:off] == u[dd + 8:]
'
t_ok "RSA: the same signature bytes again" sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -i i1 -i i2 -C @cmdline -r osrel -k key.pem -c cert.pem -o s2.efi && cmp s.efi s2.efi"
if token_init key.pem; then
	t_ok "a SoftHSM2 token signs: the same bytes as the key file" \
	    sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -i i1 -i i2 -C @cmdline -r osrel -k '$URI' -c cert.pem -o s3.efi && cmp s.efi s3.efi"
else
	t_skip "PKCS#11 token" "softhsm2 or libengine-pkcs11-openssl not installed"
fi
openssl pkey -in key.pem -aes256 -passout pass:secret -out enc.pem 2>/dev/null && chmod 600 enc.pem
printf 'secret\n' >pass
t_ok "an encrypted key with -p: the same bytes" \
    sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -i i1 -i i2 -C @cmdline -r osrel -k enc.pem -p pass -c cert.pem -o s4.efi && cmp s.efi s4.efi"
t_err "an encrypted key without -p" 1 "enc.pem: key is encrypted and no passphrase was given" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -k enc.pem -c cert.pem -o x.efi
t_eq "-I: sections, digest, signer" "section	.linux
authenticode
signature	verified	CN=initkit-uki" \
    sh -c 'mkuki -I s.efi | awk -F"\t" "\$1 == \"section\" && \$2 == \".linux\" { print \$1 \"\t\" \$2 } \$1 != \"section\" { print (\$1 == \"authenticode\" ? \$1 : \$0) }"'
t_eq "-I: the .linux digest is the kernel's SHA-256" "$(sha256sum <"$KERNEL" | cut -d' ' -f1)" \
    sh -c 'mkuki -I s.efi | awk -F"\t" "\$2 == \".linux\" { print \$5 }"'
if need jq; then
	t_eq "-I -j: JSON jq reads: verified, as many sections as objdump lists, the signer" \
	    "true $(sections s.efi | wc -w) CN=initkit-uki" \
	    sh -c 'mkuki -I -j s.efi | jq -r "\"\(.signatures[0].verified) \(.sections | length) \(.signatures[0].signer)\""'
	t_eq "-I -j: the machine" x86-64 sh -c 'mkuki -I -j s.efi | jq -r .machine'
else
	t_skip "-I -j" "jq not installed"
fi
# Tampering: one byte of the kernel changed after signing.
python3 -c '
d = bytearray(open("s.efi", "rb").read()); d[0x20000] ^= 1; open("bad.efi", "wb").write(d)'
t_ok "-I: a changed byte fails the digest, exit 1" \
    sh -c 'mkuki -I bad.efi >bad.txt; [ $? -eq 1 ] && grep -q "^signature	the image digest does not match	CN=initkit-uki$" bad.txt'
if need sbverify; then
	t_ok "and sbverify agrees: the image fails its hash check" \
	    sh -c '! sbverify --cert cert.pem bad.efi >sbv.out 2>&1 && grep -q "Image fails hash check" sbv.out'
else
	t_skip "sbverify: a changed byte" "sbsigntool not installed"
fi
# -I verifies a signature only when it covers every byte but the CheckSum,
# the certificate table and its directory entry; sbverify is the judge.
cp s.efi tail.efi && printf 'trailing' >>tail.efi
t_err "-I: bytes after the certificate table are refused" 1 \
    '^mkuki: tail\.efi: 8 bytes after the certificate table, which no signature covers$' mkuki -I tail.efi
if need sbverify; then
	t_ok "and sbverify fails its hash check" \
	    sh -c '! sbverify --cert cert.pem tail.efi >sbv.out 2>&1 && grep -q "Image fails hash check" sbv.out'
else
	t_skip "sbverify: bytes after the certificate table" "sbsigntool not installed"
fi
# The digest is the firmware's (EDK2) and sbverify's: after the sections
# it hashes from SizeOfHeaders plus their raw sizes, which differs from
# where they end when there is a gap between them.
python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", d, 0x3c)[0]
n, optsize = struct.unpack_from("<H", d, pe + 6)[0], struct.unpack_from("<H", d, pe + 20)[0]
sect = [pe + 24 + optsize + 40 * i for i in range(n)]
size, ptr = struct.unpack_from("<II", d, sect[0] + 16)
for h in sect[1:]:
    struct.pack_into("<I", d, h + 20, struct.unpack_from("<I", d, h + 20)[0] + 512)
sym = struct.unpack_from("<I", d, pe + 12)[0]
if sym:
    struct.pack_into("<I", d, pe + 12, sym + 512)
d[ptr + size:ptr + size] = b"gap!" * 128
d += bytes(-len(d) % 8)         # as sbsign pads it before signing
open("gap.efi", "wb").write(d)' $STUB
if need sbsign osslsigncode; then
	sbsign --key key.pem --cert cert.pem --output gap-sb.efi gap.efi 2>/dev/null
	t_eq "-I: the digest of an image with a gap between sections is the one sbsign signs" \
	    "$(oss_digest gap-sb.efi)" \
	    sh -c 'mkuki -I gap.efi | awk "\$1 == \"authenticode\" { print \$3 }"'
	t_err "-I: but its signature is refused: the gap is in no section" 1 \
	    '^mkuki: gap-sb\.efi: 512 bytes before section \.reloc at 0x[0-9a-f]+ are in no section: no signature covers them$' \
	    mkuki -I gap-sb.efi
else
	t_skip "-I: an image with a gap between sections, signed by sbsign" "sbsigntool or osslsigncode not installed"
fi
t_err "signing a stub with a gap between sections is refused" 1 \
    '^mkuki: gap\.efi: 512 bytes before section \.reloc at 0x[0-9a-f]+ are in no section: no signature covers them$' \
    mkuki -s gap.efi -l "$KERNEL" $UNAME -k key.pem -c cert.pem -o gap-uki.efi
# Data after a stub's sections (its COFF symbol table, and here debug
# data after that) is dropped: the signed UKI is all covered.
{ cat $STUB; head -c 4096 /dev/urandom; } >debug.efi
t_ok "a stub with debug data after its sections: signed, verified by -I" \
    sh -c "mkuki -s debug.efi -l '$KERNEL' $UNAME -k key.pem -c cert.pem -o debug-uki.efi && mkuki -I debug-uki.efi | grep -q '^signature	verified	CN=initkit-uki$'"
if need sbverify; then
	t_ok "... and by sbverify" sbverify --cert cert.pem debug-uki.efi
else
	t_skip "sbverify: a stub with debug data" "sbsigntool not installed"
fi

# PCR 11: equal to systemd-measure calculate over the same inputs: the
# files given, not the sections read back (a byte the sections added, a
# NUL after the command line, padding after the one initrd, would show).
if [ -x $MEASURE ]; then
	mkuki -s $STUB -l "$KERNEL" $UNAME -i i1 -C @cmdline -r osrel -o one-full.efi
	mkuki -P -s $STUB -l "$KERNEL" $UNAME -i i1 -C @cmdline -r osrel >pcr.txt
	m="$MEASURE calculate --bank=sha256 --linux=$KERNEL --osrel=osrel --cmdline=want.cmdline --initrd=i1"
	# (Never empty: two empty ones would agree.)
	want=$($m --phase= 2>/dev/null | sed 's/^11:sha256=//')
	t_eq "-P: the value after the stub is systemd-measure's" \
	    "${want:-systemd-measure calculated nothing}" \
	    awk '$1 == "pcr11" && NF == 2 { print $2 }' pcr.txt
	want=$($m 2>/dev/null | sed 's/^11:sha256=//')
	t_eq "-P: and so are the four boot phases" "${want:-systemd-measure calculated nothing}" \
	    awk '$1 == "pcr11" && NF == 3 { print $2 }' pcr.txt
	t_eq "-P: the measured sections of a 252 stub, in order" ".linux .osrel .cmdline .initrd" \
	    sh -c "awk '\$1 == \"section\" { printf \"%s%s\", s, \$2; s = \" \" }' pcr.txt"
	t_ok "-P with -o: the same values, and the image" \
	    sh -c "mkuki -P -s $STUB -l '$KERNEL' $UNAME -i i1 -C @cmdline -r osrel -o p.efi | cmp - pcr.txt && cmp p.efi one-full.efi"
else
	t_skip "-P" "systemd-measure not installed"
fi

# systemd 257: trixie's systemd-stub, addon stub, systemd-measure and
# ukify, installed by pkgroot into a root of their own and run there.
IN_ROOT=chroot
[ "$(id -u)" = 0 ] || IN_ROOT="unshare -r chroot"
# A tiny early-microcode archive: the path the kernel looks for, in an
# uncompressed newc cpio (Documentation/arch/x86/microcode.rst).
mkdir -p uc/kernel/x86/microcode && printf 'not really microcode\n' >uc/kernel/x86/microcode/GenuineIntel.bin
printf '#mtree\n. type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel/x86 type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel/x86/microcode type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel/x86/microcode/GenuineIntel.bin type=file mode=0644 uid=0 gid=0 time=0.0 contents=%s\n' \
    "$T/uc/kernel/x86/microcode/GenuineIntel.bin" >ucode.mtree
mkcpio -z none -o ucode.cpio ucode.mtree
t_err "-U with 252's stub, which does not know .ucode" 1 \
    "^mkuki: $STUB: systemd-stub 252 does not know \.ucode \(256 and later do\)\$" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -U ucode.cpio -o x.efi
# -M: where the stub wants it. 252: first in .initrd (each archive
# padded to 4), no .ucode; PCR 11 that of systemd-measure over the
# joined initrd.
mkuki -s $STUB -l "$KERNEL" $UNAME -M ucode.cpio -i i1 -i i2 -C @cmdline -r osrel -o m252.efi
t_eq "-M with 252's stub: no .ucode" "$SSECT .osrel .cmdline .uname .initrd .linux" sections m252.efi
t_ok "-M with 252's stub: the archive first in .initrd, then -i's" \
    sh -c "objcopy -O binary --only-section=.initrd m252.efi m252.initrd &&
	{ cat ucode.cpio; head -c \$(( (4 - \$(wc -c <ucode.cpio) % 4) % 4 )) /dev/zero; cat want.initrd; } | cmp - m252.initrd"
if [ -x $MEASURE ]; then
	{ cat ucode.cpio; head -c $(( (4 - $(wc -c <ucode.cpio) % 4) % 4 )) /dev/zero; cat want.initrd; } >m252.joined
	want=$($MEASURE calculate --bank=sha256 --linux=$KERNEL --osrel=osrel --cmdline=want.cmdline --initrd=m252.joined --phase= 2>/dev/null | sed 's/^11:sha256=//')
	t_eq "-M with 252's stub: -P is systemd-measure's over that .initrd" \
	    "${want:-systemd-measure calculated nothing}" \
	    sh -c "mkuki -P -s $STUB -l '$KERNEL' $UNAME -M ucode.cpio -i i1 -i i2 -C @cmdline -r osrel | awk '\$1 == \"pcr11\" && NF == 2 { print \$2 }'"
fi
t_err "-U and -M together" 2 '^mkuki: -U and -M: give one of them$' \
    mkuki -s $STUB -l "$KERNEL" $UNAME -U ucode.cpio -M ucode.cpio -o x.efi
t_err "-M for an addon" 2 '^mkuki: -a builds an addon: no -M$' \
    mkuki -a -s $STUB -C x -M ucode.cpio -o x.addon.efi
if ! archive_get sd257 "" -r trixie -m "$DEBIAN_MIRROR" systemd-boot-efi \
    systemd-ukify systemd; then
	t_archive "systemd 257: UKIs, PCR 11, ukify, addons" "$GET_WHY"
else
	R=$T/sd257 W=$T/sd257/w
	S7=$R/usr/lib/systemd/boot/efi/linuxx64.efi.stub
	A7=$R/usr/lib/systemd/boot/efi/addonx64.efi.stub
	mkdir -p $W
	cp "$KERNEL" $W/linux && cp osrel i1 i2 want.cmdline ucode.cpio $W/
	printf 'ab\ncde' >$W/i3			# 6 bytes: padded to 8 after i1's 16
	printf %s "$KVER" >$W/uname
	# in257 CMD...: CMD in the root, in /w.
	in257() { $IN_ROOT "$R" "$@"; }
	ukify() { in257 python3 /usr/bin/ukify "$@"; }
	t_ok "257: a UKI with .ucode from trixie's stub" \
	    mkuki -s $S7 -l "$KERNEL" $UNAME -U ucode.cpio -i i1 -C @cmdline -r osrel -o $W/u.efi
	t_eq "257: the stub's sections, then ours, .ucode before .initrd, .linux last" \
	    "$(sections $S7) .osrel .cmdline .uname .ucode .initrd .linux" sections $W/u.efi
	t_ok "257: -M puts the archive in .ucode: the same UKI as -U" \
	    sh -c "mkuki -s $S7 -l '$KERNEL' $UNAME -M ucode.cpio -i i1 -C @cmdline -r osrel -o m257.efi && cmp m257.efi $W/u.efi"
	objcopy -O binary --only-section=.sbat $W/u.efi $W/sbat
	mkuki -P -s $S7 -l "$KERNEL" $UNAME -U ucode.cpio -i i1 -C @cmdline -r osrel >pcr257.txt
	m="/usr/lib/systemd/systemd-measure calculate --bank=sha256 --linux=/w/linux --osrel=/w/osrel --cmdline=/w/want.cmdline --initrd=/w/i1 --ucode=/w/ucode.cpio --uname=/w/uname --sbat=/w/sbat"
	want=$(in257 $m --phase= 2>/dev/null | sed 's/^11:sha256=//')
	t_eq "257: -P, the value after the stub is 257's systemd-measure's" \
	    "${want:-systemd-measure calculated nothing}" \
	    awk '$1 == "pcr11" && NF == 2 { print $2 }' pcr257.txt
	want=$(in257 $m 2>/dev/null | sed 's/^11:sha256=//')
	t_eq "257: -P, and so are the four boot phases it lists" \
	    "${want:-systemd-measure calculated nothing}" \
	    awk '$1 == "pcr11" && NF == 3 { print $2 }' pcr257.txt
	t_eq "257: the measured sections, in the stub's order" \
	    ".linux .osrel .cmdline .initrd .ucode .uname .sbat" \
	    sh -c "awk '\$1 == \"section\" { printf \"%s%s\", s, \$2; s = \" \" }' pcr257.txt"
	# ukify inspect: every section ours holds the bytes we gave.
	ukify --json=short inspect /w/u.efi >insp.json 2>insp.err
	t_eq "257: ukify inspect lists each section with the input's SHA-256" \
	    "$(for f in linux osrel want.cmdline i1 ucode.cpio uname; do sha256sum <$W/$f | cut -d' ' -f1; done)" \
	    jq -r '.[".linux", ".osrel", ".cmdline", ".initrd", ".ucode", ".uname"].sha256' insp.json
	t_eq "257: ukify inspect reads the command line as given" "console=ttyS0 quiet" \
	    jq -r '.[".cmdline"].text' insp.json
	# The same inputs through ukify build: the same section contents.
	# Two initrds, the last not a multiple of 4 bytes; SBAT lines given
	# to both (without them ukify adds a line of its own: mkuki(1)).
	printf 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\ninitkit,1,Test,initkit,1,https://example.org/\n' >$W/sbat.txt
	ukify build --linux=/w/linux --initrd=/w/i1 --initrd=/w/i3 \
	    --microcode=/w/ucode.cpio --cmdline='console=ttyS0 quiet' \
	    --os-release=@/w/osrel --uname="$KVER" --sbat=@/w/sbat.txt \
	    --stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub \
	    --output=/w/ukify.efi >ukify.out 2>&1 || cat ukify.out >&2
	t_ok "257: ukify build makes a UKI of the same inputs" test -s $W/ukify.efi
	mkuki -s $S7 -l "$KERNEL" $UNAME -i i1 -i $W/i3 -U ucode.cpio -C @cmdline \
	    -r osrel -S @$W/sbat.txt -o $W/same.efi
	ukify --json=short inspect /w/ukify.efi >ukify.json 2>/dev/null
	ukify --json=short inspect /w/same.efi >same.json 2>/dev/null
	t_eq "257: section for section the same contents as ukify's (.linux .osrel .cmdline .uname .sbat .initrd .ucode)" \
	    "$(jq -cS . ukify.json)" jq -cS . same.json
	t_eq "... seven sections, compared" 7 jq -r 'length' same.json

	# Addons: built on 257's addon stub, signed like a UKI.
	t_ok "addon: a signed .cmdline addon" \
	    mkuki -a -s $A7 -C 'quiet debug' -k key.pem -c cert.pem -o $W/cmd.addon.efi
	if need sbverify; then
		t_ok "addon: sbverify --cert accepts it" sbverify --cert cert.pem $W/cmd.addon.efi
		t_ok "addon: and refuses it for another certificate" \
		    sh -c "! sbverify --cert other-cert.pem $W/cmd.addon.efi >/dev/null 2>&1"
	else
		t_skip "addon: sbverify" "sbsigntool not installed"
	fi
	t_eq "addon: the addon stub's sections, then .cmdline and .sbat; no .linux" \
	    "$(sections $A7) .cmdline .sbat" sections $W/cmd.addon.efi
	ukify build --stub=/usr/lib/systemd/boot/efi/addonx64.efi.stub \
	    --cmdline='quiet debug' --output=/w/ukify.addon.efi >ukify.out 2>&1 || cat ukify.out >&2
	ukify --json=short inspect /w/ukify.addon.efi >ua.json 2>/dev/null
	t_eq "addon: ukify inspect, the same .cmdline and .sbat as ukify's addon" \
	    "$(jq -cS . ua.json)" sh -c "$IN_ROOT $R python3 /usr/bin/ukify --json=short inspect /w/cmd.addon.efi | jq -cS ."
	t_eq "addon: .cmdline is the text, without a NUL" "quiet debug" jq -r '.[".cmdline"].text' ua.json
	t_ok "addon: .initrd and .ucode (257 takes them from addons), as ukify's" sh -c "
	    mkuki -a -s $A7 -i i1 -U ucode.cpio -u '$KVER' -o $W/iu.addon.efi &&
	    $IN_ROOT $R python3 /usr/bin/ukify build --stub=/usr/lib/systemd/boot/efi/addonx64.efi.stub \
		--initrd=/w/i1 --microcode=/w/ucode.cpio --uname='$KVER' --output=/w/ukify-iu.addon.efi >ukify.out 2>&1 &&
	    $IN_ROOT $R python3 /usr/bin/ukify --json=short inspect /w/iu.addon.efi | jq -cS . >a.json &&
	    $IN_ROOT $R python3 /usr/bin/ukify --json=short inspect /w/ukify-iu.addon.efi | jq -cS . >b.json &&
	    cmp a.json b.json && [ \"\$(jq -r 'keys | join(\" \")' a.json)\" = '.initrd .sbat .ucode .uname' ]"
	t_err "addon: trixie's UKI stub is not an addon stub" 1 \
	    "^mkuki: $S7: not an addon stub " mkuki -a -s $S7 -C quiet -o x.addon.efi
	t_err "a UKI on the addon stub" 1 "^mkuki: $A7: an addon stub: it builds addons \(-a\)\$" \
	    mkuki -s $A7 -l "$KERNEL" $UNAME -o x.efi
fi
t_err "addon: -a with a kernel" 2 "^mkuki: -a builds an addon: no -l\$" \
    mkuki -a -s $STUB -l "$KERNEL" -C quiet -o x.addon.efi
t_err "addon: -a and -P" 2 "-a builds an addon: no -P" mkuki -a -P -s $STUB -C quiet -o x.addon.efi
t_missing "addon: no section for it" "mkuki: -C, -i, -U or -A is required for an addon" \
    mkuki -a -s $STUB -o x.addon.efi
t_missing "addon: no output" "mkuki: -o name.addon.efi is required" mkuki -a -s $STUB -C quiet

# SBAT: merged under one header, over the stub's section.
objcopy -O binary --only-section=.sbat $STUB stub.sbat
printf 'initkit,1,Test,initkit,1,x\n' >extra.sbat
{ tr -d '\0' <stub.sbat; printf 'initkit,1,Test,initkit,1,x\n\0'; } >want.sbat
t_ok "-S: the stub's SBAT lines, then ours, NUL-terminated" \
    sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -S @extra.sbat -o sb2.efi && objcopy -O binary --only-section=.sbat sb2.efi got.sbat && cmp got.sbat want.sbat"
t_ok "-S: a header line given is not repeated" \
    sh -c "{ head -n1 stub.sbat; cat extra.sbat; } >hdr.sbat && mkuki -f -s $STUB -l '$KERNEL' $UNAME -S @hdr.sbat -o sb2.efi && objcopy -O binary --only-section=.sbat sb2.efi got.sbat && cmp got.sbat want.sbat"
long=$(printf 'initkit,1,%0200d,initkit,1,x' 0)
{ tr -d '\0' <stub.sbat; printf '%s\n\0' "$long"; } >want-long.sbat
# The stub's sections but its .sbat, then ours with the merged one.
echo " $SSECT " | sed 's/ \.sbat / /; s/^ //; s/ $//; s/$/ .uname .sbat .initrd .linux/' >want-long.h
t_ok "-S: more than the stub's .sbat has room for: the merged .sbat moves before .initrd" \
    sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -S '$long' -i i1 -o long.efi && objdump -h long.efi | awk '\$1 ~ /^[0-9]+\$/ { printf \"%s%s\", s, \$2; s = \" \" } END { print \"\" }' | cmp - want-long.h && objcopy -O binary --only-section=.sbat long.efi got.sbat && cmp got.sbat want-long.sbat"
{ tr -d '\0' <stub.sbat; tr -d '\0' <stub.sbat | tail -n +2; printf '\0'; } >want-k.sbat
t_ok "a kernel's own .sbat is merged too; moved, the image still satisfies sbverify" \
    sh -c "mkuki -s $STUB -l $STUB -u 1 -k key.pem -c cert.pem -o ks.efi && objcopy -O binary --only-section=.sbat ks.efi got.sbat && cmp got.sbat want-k.sbat"
if need sbverify; then
	t_ok "... and sbverify accepts that image" sbverify --cert cert.pem ks.efi
else
	t_skip "sbverify: a kernel's .sbat merged" "sbsigntool not installed"
fi
t_ok "-A: extra sections before .initrd" \
    sh -c "mkuki -s $STUB -l '$KERNEL' $UNAME -A .splash=osrel -A .pcrpkey=cert.pem -i i1 -o a.efi && objdump -h a.efi | awk '\$1 ~ /^[0-9]+\$/ { printf \"%s \", \$2 }' | grep -q '.uname .splash .pcrpkey .initrd .linux' && objcopy -O binary --only-section=.pcrpkey a.efi got.pk && cmp got.pk cert.pem"

# The boot: OVMF runs the UKI from a vvfat ESP, the stub hands the kernel
# both initrds and the command line, and /init prints what it got. Its
# .sbat is the moved one: the hole it leaves must not upset the loader.
qemu_machine amd64 0
if [ -z "$REAL" ]; then
	t_archive "boot under qemu + OVMF" "$KERNEL_WHY"
elif ! need $QEMU cc || [ ! -f $FW ]; then
	t_skip "boot under qemu + OVMF" "qemu-system-x86, ovmf or a C compiler not installed"
else
	cat >init.c <<'EOF'
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	char buf[512];
	FILE *f;

	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	printf("\nINITKIT-BOOT marker=");
	if ((f = fopen("/marker", "r")) != NULL && fgets(buf, sizeof buf, f))
		fputs(buf, stdout);
	printf("INITKIT-BOOT cmdline=");
	if ((f = fopen("/proc/cmdline", "r")) != NULL && fgets(buf, sizeof buf, f))
		fputs(buf, stdout);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
EOF
	cc -static -Os -o init init.c 2>cc.err || cat cc.err
	printf 'from-the-second-initrd\n' >marker
	cat >boot1.mtree <<EOF
#mtree
. type=dir mode=0755 uid=0 gid=0
./dev type=dir mode=0755 uid=0 gid=0
./dev/console type=char mode=0600 uid=0 gid=0 device=native,5,1
./init type=file mode=0755 uid=0 gid=0 contents=$T/init
EOF
	cat >boot2.mtree <<EOF
#mtree
. type=dir mode=0755 uid=0 gid=0
./marker type=file mode=0644 uid=0 gid=0 contents=$T/marker
EOF
	mkdir -p esp/EFI/BOOT
	t_ok "boot: the initrds and the signed UKI to boot" sh -c "
	    mkcpio -t 1700000000 -z none -o boot1.cpio boot1.mtree &&
	    mkcpio -t 1700000000 -z zstd -o boot2.cpio.zst boot2.mtree &&
	    mkuki -s $STUB -l '$KERNEL' -i boot1.cpio -i boot2.cpio.zst -S '$long' \
		-C 'console=ttyS0 initkit.test=42 panic=-1' -r osrel \
		-k key.pem -c cert.pem -o esp/EFI/BOOT/BOOTX64.EFI"
	cp $FWVARS vars.fd
	# Without the UKI the firmware would wait out the timeout.
	: >serial.log
	[ -f esp/EFI/BOOT/BOOTX64.EFI ] &&
	timeout 300 $QEMU -machine q35 $TCG -m 512 \
	    -nographic -no-reboot -net none \
	    -drive if=pflash,format=raw,readonly=on,file=$FW \
	    -drive if=pflash,format=raw,file=vars.fd \
	    -drive format=raw,file=fat:rw:esp \
	    -serial file:serial.log -monitor none </dev/null >qemu.out 2>&1
	tr -d '\r' <serial.log >serial.txt
	t_ok "boot: OVMF ran the UKI and /init from the first initrd ran" \
	    sh -c 'grep -q "^INITKIT-BOOT marker=" serial.txt || { tail -c 1500 serial.txt >&2; cat qemu.out >&2; exit 1; }'
	t_ok "boot: the second initrd (zstd) was unpacked too" grep -q "^INITKIT-BOOT marker=from-the-second-initrd$" serial.txt
	t_ok "boot: the kernel got the .cmdline" grep -q "^INITKIT-BOOT cmdline=console=ttyS0 initkit.test=42 panic=-1$" serial.txt
	t_ok "boot: the kernel is the one we put in" grep -q "Linux version $KVER " serial.txt
fi

# arm64: Debian's arm64 stub and kernel (an uncompressed Image, itself a
# PE) from the archive or the cache. The host's objcopy reads no arm64 PE:
# a section's bytes come from pe-section.py. sbverify judges the
# Authenticode digest.
cat >pe-section.py <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", d, 0x3c)[0]
n, = struct.unpack_from("<H", d, pe + 6)
optsize, = struct.unpack_from("<H", d, pe + 20)
for i in range(n):
    h = pe + 24 + optsize + 40 * i
    vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", d, h + 8)
    if d[h:h + 8].rstrip(b"\0") == sys.argv[2].encode():
        sys.stdout.buffer.write(d[rawptr:rawptr + min(vsize, rawsize)])
        sys.exit(0)
sys.exit("no section " + sys.argv[2])
EOF
A64=$T/a64
if ! need zstd gzip; then
	t_skip "arm64 UKIs" "zstd or gzip not installed"
elif ! archive_get a64 arm64 -x '/usr/lib/modules/*' linux-image-arm64 \
    systemd-boot-efi; then
	t_archive "arm64 UKIs" "$GET_WHY"
else
	ASTUB=$A64/usr/lib/systemd/boot/efi/linuxaa64.efi.stub
	for k in "$A64"/boot/vmlinuz-*; do AKERNEL=$k; done
	AKVER=${AKERNEL##*/vmlinuz-}
	cp "$AKERNEL" Image
	t_ok "arm64: a signed UKI from the arm64 stub and kernel (an Image)" \
	    mkuki -s $ASTUB -l Image -r osrel -k key.pem -c cert.pem -o a64.efi
	if need sbverify; then
		t_ok "arm64: sbverify --cert accepts it" sbverify --cert cert.pem a64.efi
	else
		t_skip "arm64: sbverify" "sbsigntool not installed"
	fi
	t_ok "arm64: .linux is the Image, byte for byte" \
	    sh -c 'python3 pe-section.py a64.efi .linux | cmp - Image'
	t_eq "arm64: .uname from the Image's Linux version banner" "$AKVER" \
	    python3 pe-section.py a64.efi .uname
	# 252's arm64 stub keeps its SBAT after its listed sections: the
	# UKI has it as its .sbat (shim refuses an image without one).
	python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b"sbat,1,")
sys.stdout.buffer.write(d[i:d.index(b"\0", i) + 1])' $ASTUB >stub-sbat
	t_ok "arm64: the stub's SBAT, kept outside its sections, is the UKI's .sbat" \
	    sh -c 'grep -q "^systemd,1," stub-sbat && python3 pe-section.py a64.efi .sbat | cmp - stub-sbat'
	L=initkit.test,1,initkit,test,1,https://example.org/
	{ tr -d '\0' <stub-sbat; echo $L; printf '\0'; } >want-sbat
	t_ok "arm64: -S adds a line to it" \
	    sh -c "mkuki -s $ASTUB -l Image -S $L -o a64s.efi &&
		python3 pe-section.py a64s.efi .sbat | cmp - want-sbat"
	# Compressed: as gzip(1) and zstd(1) write them, and the Image in two
	# parts as two gzip members and two zstd frames.
	gzip -n <Image >Image.gz
	zstd -q <Image >Image.zst
	zstd -q Image -o Image.size.zst
	head -c 12000000 Image >part1
	tail -c +12000001 Image >part2
	{ gzip -n <part1; gzip -n <part2; } >Image.2.gz
	{ zstd -q <part1; zstd -q <part2; } >Image.2.zst
	for z in "gz|gzip -n" "zst|zstd, no content size" \
	    "size.zst|zstd, with the content size" \
	    "2.gz|two gzip members, joined as gzip -d joins them" \
	    "2.zst|two zstd frames"; do
		f=Image.${z%%|*}
		t_ok "arm64, $f (${z#*|}): .linux is the Image, the UKI the same bytes" \
		    sh -c "mkuki -s $ASTUB -l $f -r osrel -k key.pem -c cert.pem -o $f.efi &&
			python3 pe-section.py $f.efi .linux | cmp - Image && cmp $f.efi a64.efi"
	done
	t_eq "arm64, gzip: .uname from the banner too" "$AKVER" \
	    python3 pe-section.py Image.gz.efi .uname

	# Refused: other machines, broken streams, bytes after them.
	t_err "the x86-64 stub and the arm64 kernel" 1 \
	    "^mkuki: Image: kernel is for arm64, stub $STUB is for x86-64\$" \
	    mkuki -s $STUB -l Image -o x.efi
	t_err "... gzip-compressed: the same" 1 \
	    "^mkuki: Image.gz: kernel is for arm64, stub $STUB is for x86-64\$" \
	    mkuki -s $STUB -l Image.gz -o x.efi
	t_err "the arm64 stub and an x86-64 kernel" 1 \
	    "^mkuki: .*: kernel is for x86-64, stub $ASTUB is for arm64\$" \
	    mkuki -s $ASTUB -l "$KERNEL" $UNAME -o x.efi
	head -c 5000000 Image.gz >cut.gz
	t_err "a truncated gzip kernel" 1 "^mkuki: cut.gz: truncated gzip stream\$" \
	    mkuki -s $ASTUB -l cut.gz -o x.efi
	head -c 5000000 Image.zst >cut.zst
	t_err "a truncated zstd kernel" 1 "^mkuki: cut.zst: truncated zstd stream\$" \
	    mkuki -s $ASTUB -l cut.zst -o x.efi
	{ cat Image.gz; printf '\0\0\0\0'; } >pad.gz
	t_err "zeros after the gzip stream" 1 "^mkuki: pad.gz: 4 bytes after the gzip stream\$" \
	    mkuki -s $ASTUB -l pad.gz -o x.efi
	{ cat Image.zst; printf 'junk'; } >junk.zst
	t_err "bytes after the zstd stream" 1 "^mkuki: junk.zst: 4 bytes after the zstd stream\$" \
	    mkuki -s $ASTUB -l junk.zst -o x.efi
	python3 -c '
d = bytearray(open("Image.gz", "rb").read()); d[-8] ^= 1; open("crc.gz", "wb").write(d)'
	t_err "a gzip kernel whose CRC-32 does not match" 1 \
	    "^mkuki: crc.gz: gzip: incorrect data check\$" \
	    mkuki -s $ASTUB -l crc.gz -o x.efi
	if need jq; then
		t_eq "arm64: -I -j: the machine" arm64 \
		    sh -c 'mkuki -I -j a64.efi | jq -r .machine'
	else
		t_skip "arm64: -I -j" "jq not installed"
	fi
fi
# A zstd stream without its size whose output fills mkuki's first
# buffer (64 KiB) exactly is whole, not cut short.
head -c 65536 /dev/zero | zstd -q >fill.zst
t_err "zstd: 64 KiB, no content size: read whole (and not a PE image)" 1 \
    '^mkuki: fill.zst: not a PE image \(no MZ header\)$' mkuki -s $STUB -l fill.zst -o x.efi
# EFI mixed mode: an x86 (ia32) stub takes an x86-64 kernel; the stub
# here is the x86-64 one with its COFF Machine made 0x014c.
python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<H", d, struct.unpack_from("<I", d, 0x3c)[0] + 4, 0x14c)
open("ia32.stub", "wb").write(d)' $STUB
t_ok "an x86 (ia32) stub and an x86-64 kernel: mixed mode, taken" \
    mkuki -s ia32.stub -l "$KERNEL" $UNAME -o mixed.efi
t_err "an x86 kernel with an x86-64 stub is not" 1 \
    "^mkuki: ia32.stub: kernel is for x86, stub $STUB is for x86-64\$" \
    mkuki -s $STUB -l ia32.stub -u 1 -o x.efi
# Bombs that decompress to 1100 MiB, over the 1 GiB we take: 1 MiB of
# gzip (deflate blocks of zeros after full flushes, the middle one
# repeated), 35 KiB of zstd.
python3 - <<'EOF'
import struct, zlib
mb, n = bytes(1 << 20), 1100
c = zlib.compressobj(9, zlib.DEFLATED, -15)
first = c.compress(mb) + c.flush(zlib.Z_FULL_FLUSH)
middle = c.compress(mb) + c.flush(zlib.Z_FULL_FLUSH)
last = c.flush(zlib.Z_FINISH)
crc = 0
for i in range(n):
    crc = zlib.crc32(mb, crc)
with open("bomb.gz", "wb") as f:
    f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + first)
    f.write(middle * (n - 1) + last + struct.pack("<II", crc, (n << 20) % 2**32))
EOF
t_err "a gzip bomb" 1 "^mkuki: bomb.gz: decompresses to more than 1024 MiB\$" \
    mkuki -s $STUB -l bomb.gz -u 1 -o x.efi
if need zstd; then
	head -c 1100M /dev/zero | zstd -q >bomb.zst
	t_err "a zstd bomb" 1 "^mkuki: bomb.zst: decompresses to more than 1024 MiB\$" \
	    mkuki -s $STUB -l bomb.zst -u 1 -o x.efi
	head -c 1100M /dev/zero | zstd -q --stream-size=1100M >bomb2.zst
	t_err "a zstd frame that declares more content" 1 \
	    "^mkuki: bomb2.zst: decompresses to more than 1024 MiB\$" \
	    mkuki -s $STUB -l bomb2.zst -u 1 -o x.efi
	rm -f bomb.zst bomb2.zst
else
	t_skip "zstd bombs" "zstd not installed"
fi
rm -f bomb.gz
t_ok "... after all of which nothing is left" sh -c '! ls -A | grep -e "^x.efi" -e "\.tmp"'

# Refusals: one line naming the file, exit 1, nothing at the output.
t_missing "no arguments" "mkuki: -s stub is required" mkuki
t_missing "no kernel" "mkuki: -l vmlinuz is required" mkuki -s $STUB -o x.efi
t_missing "no output" "mkuki: -o out.efi (or -P) is required" mkuki -s $STUB -l "$KERNEL"
t_missing "-k without -c" "mkuki: -k and -c go together" mkuki -s $STUB -l "$KERNEL" -k key.pem -o x.efi
t_usage "-I with build options" mkuki -I -s $STUB u.efi
t_usage "unknown option" mkuki -Z
t_err "-P and -o -" 2 "give -o a file" mkuki -P -s $STUB -l "$KERNEL" $UNAME -o -
sbsign --key key.pem --cert cert.pem --output signed.stub $STUB 2>/dev/null
t_err "a signed stub" 1 "signed.stub: stub is already signed" \
    mkuki -s signed.stub -l "$KERNEL" $UNAME -o x.efi
t_err "a UKI as the stub" 1 "u.efi: stub already has a .linux section" \
    mkuki -s u.efi -l "$KERNEL" $UNAME -o x.efi
head -c 30000 $STUB >trunc.stub
t_err "a truncated stub" 1 "trunc.stub: section .* lies outside the file" \
    mkuki -s trunc.stub -l "$KERNEL" $UNAME -o x.efi
head -c 300 $STUB >short.stub
t_err "a stub cut inside its headers" 1 "short\.stub: truncated " \
    mkuki -s short.stub -l "$KERNEL" $UNAME -o x.efi
t_err "a kernel that is not PE" 1 "osrel: not a PE image" \
    mkuki -s $STUB -l osrel -u 1 -o x.efi
head -c $(($(wc -c <"$KERNEL") / 2)) "$KERNEL" >trunc.kernel
t_err "a truncated kernel" 1 "trunc.kernel: .*(outside the file|truncated)" \
    mkuki -s $STUB -l trunc.kernel -u 1 -o x.efi
t_err "a section name over 8 bytes" 1 "\.toolongname: section name longer than 8 bytes" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -A .toolongname=osrel -o x.efi
printf 'quiet\0evil' >nul.cmdline
t_err "a command line with a NUL" 1 "nul.cmdline: command line contains a NUL byte" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -C @nul.cmdline -o x.efi
t_err "no room for more section headers" 1 "no room in the headers for section" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -r osrel -C x -i i1 -A .a=osrel -A .b=osrel -A .c=osrel -o x.efi
t_err "a section the stub has" 1 "stub already has a .sdmagic section" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -A .sdmagic=osrel -o x.efi
t_err "key and certificate do not match" 1 "key.pem: key does not match certificate other-cert.pem" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -k key.pem -c other-cert.pem -o x.efi
t_err "a missing initrd" 1 "nonexistent: No such file" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -i nonexistent -o x.efi
t_ok "... after all of which nothing is left" sh -c '! ls -A | grep -e "^x.efi" -e "\.tmp"'
t_err "an existing output without -f" 1 "u.efi: .*exists" \
    mkuki -s $STUB -l "$KERNEL" $UNAME -o u.efi
t_ok "-f replaces it" mkuki -f -s $STUB -l "$KERNEL" $UNAME -o u.efi
t_err "no -u and no version in the kernel" 1 "fake: no kernel version found \(give -u\)" \
    sh -c "cp $STUB fake && mkuki -s $STUB -l fake -o x.efi"

# Killed while reading its inputs: no output, no temporary. The FIFO is
# held open both ways (a mkuki that failed before opening it cannot hang
# the case), mkuki waits in it for more until the SIGTERM, and must die of
# that, not of an error before.
mkfifo fifo
t_ok "SIGTERM while it reads an initrd from a FIFO: killed, no output, no temporary" sh -c "
	mkdir -p k && exec 3<>fifo && printf partial >&3 || exit 1
	mkuki -s $STUB -l '$KERNEL' $UNAME -i fifo -o k/out.efi & pid=\$!
	i=0
	while [ \$i -lt 500 ] && ! ls -l /proc/\$pid/fd 2>/dev/null | grep -q '/fifo\$'; do
		sleep 0.02; i=\$((i + 1))
	done
	ls -l /proc/\$pid/fd 2>/dev/null | grep -q '/fifo\$' && seen=1 || seen=
	kill -TERM \$pid; wait \$pid; rc=\$?; exec 3>&-
	[ -n \"\$seen\" ] || { echo 'mkuki never opened the FIFO' >&2; exit 1; }
	[ \$rc -eq 143 ] && [ -z \"\$(ls -A k)\" ]"
t_done
