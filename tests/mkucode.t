#!/bin/sh
# mkucode: the early microcode cpio, checked against a newc archive made
# by hand, bsdcpio, GNU cpio and iucode_tool --write-earlyfw (what
# Debian's intel-microcode hook runs); then, if the Debian archive
# answers, trixie's intel-microcode and amd64-microcode.
. "$(dirname "$0")/lib.sh"
. "$top/tests/kernel.sh"
cd "$T" || exit 1

if ! need python3; then
	t_skip "mkucode" "python3 not installed"
	t_done
fi

# mcu: an Intel microcode update (tests/mcu.py).
mcu() { python3 "$top/tests/mcu.py" "$@"; }
amd() { printf 'DMA\0'; printf '%s' "$1"; }

# Intel: A and B in 06-0f-02 (a file of two updates), B again in
# 06-0f-02.initramfs (Debian's early-only files), C in 06-1a-04 with an
# extended signature, an older revision of A in 06-0f-03, a link and a
# directory passed over. AMD: two *.bin containers, a .asc left out.
mkdir -p fw/intel-ucode/sub fw/amd-ucode
mcu 0x6f2 0x01 0x10 >A
mcu 0x6f2 0x80 0x11 2000 >B
mcu 0x106a4 0x03 0x20 944 0x106a5 >C
mcu 0x6f2 0x01 0x0c >Aold
cat A B >fw/intel-ucode/06-0f-02
cp B fw/intel-ucode/06-0f-02.initramfs
cp C fw/intel-ucode/06-1a-04
cp Aold fw/intel-ucode/06-0f-03
ln -s 06-1a-04 fw/intel-ucode/06-1a-05
amd fam17h >fw/amd-ucode/microcode_amd_fam17h.bin
amd generic >fw/amd-ucode/microcode_amd.bin
printf 'signature\n' >fw/amd-ucode/microcode_amd.bin.asc
touch -d @1500000000 fw/intel-ucode/* fw/amd-ucode/*
touch -h -d @1600000000 fw/intel-ucode/06-1a-05

# The hand-made expectation (buffer-format.rst): Intel by signature,
# then flags mask from the highest, once each, the older A left out;
# AMD's files by name.
hdr() { # ino mode nlink mtime size name
	printf '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' \
	    "$1" "$2" 0 0 "$3" "$4" "$5" 0 0 0 0 $((${#6} + 1)) 0
	printf '%s\0' "$6"
	pad $((110 + ${#6} + 1))
}
pad() { n=$(( (4 - $1 % 4) % 4 )); [ $n -gt 0 ] && head -c $n /dev/zero; true; }
cat B A C >intel.bin
{ amd generic; amd fam17h; } >amd.bin
D=kernel/x86/microcode
{
	hdr 1 $((0040755)) 2 1400000000 0 kernel
	hdr 2 $((0040755)) 2 1400000000 0 kernel/x86
	hdr 3 $((0040755)) 2 1400000000 0 $D
	hdr 4 $((0100644)) 1 1400000000 $(wc -c <amd.bin) $D/AuthenticAMD.bin
	cat amd.bin; pad $(wc -c <amd.bin)
	hdr 5 $((0100644)) 1 1400000000 $(wc -c <intel.bin) $D/GenuineIntel.bin
	cat intel.bin
	hdr 0 0 1 0 0 'TRAILER!!!'
} >expected.cpio

t_ok "bytes equal a newc archive made by hand" \
    sh -c 'mkucode -t 1400000000 fw | cmp - expected.cpio'
t_ok "SOURCE_DATE_EPOCH clamps like -t" \
    sh -c 'SOURCE_DATE_EPOCH=1400000000 mkucode -o s.cpio fw && cmp s.cpio expected.cpio'
t_eq "without an epoch: the newest input file's time (the link's own not counted)" "1500000000" \
    sh -c 'printf "%d\n" 0x$(mkucode fw | head -c 54 | tail -c 8)'
if need bsdcpio; then
	t_eq "bsdcpio reads it: the directories and the two files, root's" \
	    "$(printf '%s\n' "drwxr-xr-x 0 0 kernel" "drwxr-xr-x 0 0 kernel/x86" "drwxr-xr-x 0 0 $D" \
		"-rw-r--r-- 0 0 $D/AuthenticAMD.bin" "-rw-r--r-- 0 0 $D/GenuineIntel.bin")" \
	    sh -c "mkucode fw | bsdcpio -itvn 2>/dev/null | awk '{ print \$1, \$3, \$4, \$9 }'"
	t_ok "the files' bytes come back (bsdcpio -i)" \
	    sh -c 'mkdir x && mkucode fw | (cd x && bsdcpio -id 2>/dev/null) &&
		cmp x/'$D'/GenuineIntel.bin intel.bin && cmp x/'$D'/AuthenticAMD.bin amd.bin'
else
	t_skip "bsdcpio reads it" "bsdcpio not installed"
fi
if need cpio; then
	t_eq "GNU cpio lists it" "kernel kernel/x86 $D $D/AuthenticAMD.bin $D/GenuineIntel.bin" \
	    sh -c "mkucode fw | cpio -it --quiet | tr '\n' ' ' | sed 's/ \$//'"
fi
if need iucode_tool bsdcpio; then
	# Debian's hook: iucode_tool on the directory (SCANCPUS=no).
	t_ok "GenuineIntel.bin is what iucode_tool --write-earlyfw writes for the directory" \
	    sh -c 'iucode_tool -q --write-earlyfw=iu.cpio --overwrite fw/intel-ucode &&
		mkdir iu && (cd iu && bsdcpio -id 2>/dev/null <../iu.cpio) &&
		cmp iu/'$D'/GenuineIntel.bin x/'$D'/GenuineIntel.bin'
	t_eq "... and iucode_tool lists ours as the three updates, C's extended signature too" \
	    "0x000006f2 0x80 0x0011
0x000006f2 0x01 0x0010
0x000106a4 0x03 0x0020
0x000106a5 0x03 0x0020" \
	    sh -c "iucode_tool -l x/$D/GenuineIntel.bin 2>/dev/null | awk '/: sig / { print \$3, \$5, \$8 }' | tr -d ,"
else
	t_skip "GenuineIntel.bin against iucode_tool" "iucode_tool (iucode-tool) or bsdcpio not installed"
fi

# One vendor only: the other's file is left out.
mkdir -p amdonly/amd-ucode intelonly/intel-ucode
cp fw/amd-ucode/*.bin amdonly/amd-ucode/
cp A intelonly/intel-ucode/06-0f-02
t_eq "AMD only: no GenuineIntel.bin" "kernel kernel/x86 $D $D/AuthenticAMD.bin" \
    sh -c "mkucode amdonly | cpio -it --quiet | tr '\n' ' ' | sed 's/ \$//'"
t_eq "Intel only: no AuthenticAMD.bin" "kernel kernel/x86 $D $D/GenuineIntel.bin" \
    sh -c "mkucode intelonly | cpio -it --quiet | tr '\n' ' ' | sed 's/ \$//'"

# Bad input: one line naming the file, exit 1, no output.
mkdir -p bad empty/intel-ucode empty/amd-ucode
t_err "no microcode in either directory" 1 '^mkucode: empty: no microcode in intel-ucode/ or amd-ucode/$' \
    mkucode empty
t_err "a firmware directory that is not there" 1 '^mkucode: nosuch: No such file or directory$' \
    mkucode nosuch
t_err "a file as the firmware directory" 1 '^mkucode: A: not a directory$' mkucode A
badintel() { # name file-bytes-from-stdin
	rm -rf bad && mkdir -p bad/intel-ucode && cat >bad/intel-ucode/$1
}
cat A | head -c 40 | badintel short
t_err "a short Intel file" 1 '^mkucode: bad/intel-ucode/short: offset 0: 40 bytes, less than a microcode header$' \
    mkucode -o out.cpio bad
{ cat A; head -c 1500 B; } | badintel trunc
t_err "a truncated second update" 1 '^mkucode: bad/intel-ucode/trunc: offset 1024: truncated \(2048 bytes, 1500 there\)$' \
    mkucode -o out.cpio bad
{ printf '\002'; tail -c +2 A; } | badintel version
t_err "header version 2" 1 '^mkucode: bad/intel-ucode/version: offset 0: not an Intel microcode update \(header version 2, loader revision 1\)$' \
    mkucode -o out.cpio bad
{ head -c 100 A; printf x; tail -c +102 A; } | badintel cksum
t_err "a checksum that does not sum to 0" 1 '^mkucode: bad/intel-ucode/cksum: offset 0: bad checksum$' \
    mkucode -o out.cpio bad
{ head -c 28 A; printf '\002\000\000\000'; tail -c +33 A; } | badintel sizes
t_err "a data size that is no multiple of 4" 1 '^mkucode: bad/intel-ucode/sizes: offset 0: bad sizes \(data 2, total 1024\)$' \
    mkucode -o out.cpio bad
mcu 0x6f2 0x01 0x10 912 0x6f3 | badintel ext
t_err "bytes after the data that are no extended signature table" 1 '^mkucode: bad/intel-ucode/ext: offset 0: bad extended signature table$' \
    mkucode -o out.cpio bad
mcu 0x6f2 0x01 0x10 2000 | badintel 06-0f-02
cp A bad/intel-ucode/06-0f-02.initramfs
t_err "one signature, flags mask and revision, two contents" 1 \
    '^mkucode: bad/intel-ucode/06-0f-02(\.initramfs)?: offset 0: signature 0x000006f2, flags 0x01, revision 0x10 as in bad/intel-ucode/06-0f-02(\.initramfs)?, other contents$' \
    mkucode -o out.cpio bad
rm -rf bad && mkdir -p bad/amd-ucode && printf 'MZ..' >bad/amd-ucode/x.bin
t_err "an AMD file without the container magic" 1 '^mkucode: bad/amd-ucode/x.bin: not an AMD microcode container$' \
    mkucode -o out.cpio bad
t_ok "nothing left behind by the failures" sh -c '[ ! -e out.cpio ] && ! ls -A | grep -q "^\.out\.cpio"'
t_err "an existing output without -f" 1 '^mkucode: s.cpio: exists; use -f to replace it$' mkucode -o s.cpio fw
t_ok "-f replaces it" sh -c 'mkucode -f -t 1400000000 -o s.cpio fw && cmp s.cpio expected.cpio'
t_usage "no operand" mkucode
t_usage "two operands" mkucode fw fw
t_usage "an unknown option" mkucode -z fw
t_err "bad -t" 2 '^mkucode: -t: soon: not a number' mkucode -t soon fw

# Interruption: the signal arrives at the first write into the
# temporary (as mkcpio.t does it): no output, no temporary.
if need strace && strace -f -qq -o /dev/null -e trace=write \
    -e inject=write:signal=TERM:when=1 true 2>/dev/null; then
	t_ok "SIGTERM mid-write: killed, no output, no temporary" sh -c '
		rm -rf k && mkdir k &&
		env --default-signal=TERM strace -f -qq -o sig.trace -e trace=openat,write \
		    -e inject=write:signal=TERM:when=1 mkucode -o k/out fw
		rc=$?
		grep -Eq "openat\(AT_FDCWD, \"k/\.out\.tmp[^\"]*\", .*O_CREAT.* = [0-9]+$" sig.trace &&
		    [ $rc -eq 143 ] && [ -z "$(ls -A k)" ] || { echo "exit $rc" >&2; tail -5 sig.trace >&2; exit 1; }'
else
	t_skip "SIGTERM mid-write" "strace not installed or not permitted"
fi

# Debian 13's packages (non-free-firmware), from the archive or the test
# cache: GenuineIntel.bin is iucode_tool's (as Debian's hook runs it),
# AuthenticAMD.bin the hook's concatenation, and the archive is the
# same bytes twice. The cache of its own: the sources differ from those
# the other tests give pkgroot for trixie.
if ! INITKIT_TEST_CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}/nff \
    archive_get real "" -r trixie -S "$SOURCES" \
    -C main,non-free-firmware intel-microcode amd64-microcode; then
	t_archive "real: trixie's intel-microcode and amd64-microcode" "$GET_WHY"
elif ! need iucode_tool bsdcpio; then
	t_skip "real: trixie's microcode against iucode_tool" "iucode_tool or bsdcpio not installed"
else
	F=real/usr/lib/firmware
	t_ok "real: mkucode of trixie's firmware directory" \
	    sh -c "mkucode -t 1700000000 -o real.cpio $F && mkucode -t 1700000000 $F | cmp - real.cpio &&
		mkdir rx && (cd rx && bsdcpio -id 2>/dev/null <../real.cpio)"
	t_ok "real: GenuineIntel.bin is iucode_tool --write-earlyfw's, .initramfs files included" \
	    sh -c "ls $F/intel-ucode | grep -q '\.initramfs\$' &&
		iucode_tool -q --write-earlyfw=riu.cpio --overwrite $F/intel-ucode &&
		mkdir riu && (cd riu && bsdcpio -id 2>/dev/null <../riu.cpio) &&
		cmp riu/$D/GenuineIntel.bin rx/$D/GenuineIntel.bin"
	t_ok "real: AuthenticAMD.bin is the hook's: amd-ucode's files by name" \
	    sh -c "find $F/amd-ucode/ -maxdepth 1 -type f -print0 | LC_ALL=C sort -z | xargs -0 cat |
		cmp - rx/$D/AuthenticAMD.bin"
fi
t_done
