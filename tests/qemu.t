#!/bin/sh
# make qemu (mk/qemu.mk, libexec/qemu): a profile booted under qemu and
# OVMF on the terminal, driven here as a user would drive it: the
# console is a pipe, a command typed at the root shell's prompt (the
# debug shell the signed addon asks for) is answered there, and Ctrl-a x
# ends qemu and make. The debian-basic UKI with the debian-root image
# make qemu builds when missing and an extension EXTENSIONS= names; an
# initrd extension's profile under Secure Boot (the base's UKI, the
# extension beside it, systemd-boot enrolling the keys); and what make
# qemu refuses, before any boot.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

qemu_machine amd64 1
if ! need make $QEMU sfdisk sbsign cert-to-efi-sig-list sign-efi-sig-list \
    mkfs.vfat mcopy mkfifo || [ ! -f $FW ]; then
	t_skip "make qemu" "$FWPKG, fdisk, sbsigntool, efitools, dosfstools or mtools not installed"
	t_done
fi
CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}
mkdir -p "$CACHE"
mk() {
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" OUTROOT="$T/out" \
	    CACHE="$CACHE" SOURCES="$SOURCES" "$@"
}
# The root's answer: the root device, Secure Boot (the variable's byte),
# the kernel's lockdown; the second command, what systemd-sysext merged in
# the initrd (its journal, kept in /run across the switch to the root).
ASK='echo INITKIT-QEMU-$((6*7)) root=$(findmnt -n -o SOURCE /) sb=$(od -An -tu1 -j4 -N1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c | tr -d " ") lockdown=$(cat /sys/kernel/security/lockdown)'
SYSEXT='echo INITKIT-SYSEXT $(journalctl -b -o cat -u systemd-sysext.service --no-pager | tr "\n" "|")'

# count NAME REGEX: how many lines of NAME.out match.
count() { tr -d '\r' <$1.out | grep -acE "$2"; }
# wait_for NAME REGEX SECONDS [N]: NAME.out shows REGEX on N lines
# (default 1): 0; make ended or time ran out: 1.
wait_for() {
	_i=0
	while [ $(count $1 "$2") -lt ${4:-1} ]; do
		[ $_i -lt $3 ] && kill -0 $(cat $1.pid) 2>/dev/null || return 1
		sleep 1
		_i=$((_i + 1))
	done
}
# run NAME COMMAND1 COMMAND2 MAKE-ARG...: make MAKE-ARG... qemu, its
# terminal a FIFO (NAME.in) and NAME.out; at the shell's prompt COMMAND1
# typed, then COMMAND2 (if any) once the first answered (a line starting
# INITKIT-); then Ctrl-a x. The wait for the prompt counts the builds.
# NAME.rc: make's exit status; NAME.log: what the terminal showed.
run() {
	_n=$1 _c1=$2 _c2=$3
	shift 3
	rm -f $_n.in && mkfifo $_n.in
	# A make that ended early leaves the FIFO without a reader: a write
	# fails, not this shell.
	trap '' PIPE
	mk "$@" qemu <$_n.in >$_n.out 2>&1 &
	echo $! >$_n.pid
	exec 7>$_n.in
	if wait_for $_n 'root@[^ ]*:/# ' 1200; then
		printf '%s\r' "$_c1" >&7 2>/dev/null
		if wait_for $_n '^INITKIT-' 300 && [ -n "$_c2" ]; then
			printf '%s\r' "$_c2" >&7 2>/dev/null
			wait_for $_n '^INITKIT-' 300 2
		fi
	fi
	printf '\001x' >&7 2>/dev/null
	_i=0
	while [ $_i -lt 60 ] && kill -0 $(cat $_n.pid) 2>/dev/null; do
		sleep 1
		_i=$((_i + 1))
	done
	# A qemu that did not quit (its disk is in $T: this test's).
	pkill -f "file=$T/out/.*/qemu/run/disk.raw" 2>/dev/null
	wait $(cat $_n.pid)
	echo $? >$_n.rc
	exec 7>&-
	tr -d '\r' <$_n.out >$_n.log
}
# has NAME REGEX: NAME.log has a line matching; else its answers and end.
has() {
	grep -aEq "$2" $1.log ||
	    { grep -a '^INITKIT-' $1.log >&2; tail -c 1500 $1.log >&2; return 1; }
}
# disk_of PROFILE ROOT-PROFILE: make qemu's disk holds the profile's
# UKI (the base's, for an extension) in its ESP, the last partition, and
# the root image's partitions (after the partition table, up to the
# last one's end) as they are.
disk_of() {
	_disk=out/$1/qemu/run/disk.raw
	_s=$(sfdisk -d $_disk | sed -n '$s/.*start= *\([0-9]*\),.*/\1/p')
	_e=$(sfdisk -d out/$2/$2.raw |
	    sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\),.*/\1 \2/p' |
	    awk '{ if ($1 + $2 > e) e = $1 + $2 } END { print e }')
	sfdisk -d $_disk | tail -n 1 | grep -q 'type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B' &&
	    mcopy -n -i "$_disk@@$((_s * 512))" ::/EFI/Linux/initkit.efi $1.uki.efi &&
	    cmp $1.uki.efi out/debian-basic/$(cat out/debian-basic/kver).efi &&
	    cmp -i $((34 * 512)) -n $(((_e - 34) * 512)) out/$2/$2.raw $_disk
}
# refused DESC REGEX MAKE-ARG...: make ... qemu fails, and of what it
# says on stderr but make's own lines ("make: ***"), one line, matching
# REGEX.
refused() {
	_desc=$1 _re=$2
	shift 2
	mk "$@" qemu >/dev/null 2>refused.out
	_rc=$?
	grep -Ev '^make(\[[0-9]+\])?: ' refused.out >refused.err
	if [ $_rc -ne 0 ] && [ $(wc -l <refused.err) -eq 1 ] && grep -Eq "$_re" refused.err; then
		t_pass "$_desc"
	else
		t_fail "$_desc: exit $_rc, want one line matching $_re" refused.out
	fi
}

run plain "$ASK" "$SYSEXT" PROFILE=debian-basic EXTENSIONS=debian-initrd-debug
if offline plain.log && ! grep -aq 'root@' plain.log; then
	t_skip "make qemu" "Debian archive unreachable: $(grep -am1 pkgroot plain.log | head -c 200)"
	t_done
fi
t_ok "make PROFILE=debian-basic qemu: it says where to type and how to quit" \
    has plain "^qemu: the serial console \(ttyS0\) is this terminal; Ctrl-a x quits"
# ACCEL=auto: KVM if its probe ran a guest (a firmware of five
# instructions), else TCG; the probe's firmware itself is proven under
# TCG: if it never reached its exit port, no machine would get KVM.
if qemu_kvm_runs amd64; then ACC=KVM; else ACC='TCG \(emulated: KVM runs no guest here\)'; fi
t_ok "plain: the accelerator is the one KVM's probe says ($ACC)" has plain "^qemu: amd64, $ACC\$"
t_ok "qemu_probe: the probe's firmware runs to its exit under TCG" qemu_probe tcg
t_ok "plain: a root shell in debian-root (built by make qemu) answers on the console" \
    has plain '^INITKIT-QEMU-42 root=/dev/mapper/root sb=0 lockdown=\[none\] integrity confidentiality$'
t_ok "plain: EXTENSIONS=debian-initrd-debug: built, placed beside the UKI, merged by the initrd" \
    has plain "^INITKIT-SYSEXT .*Using extensions 'debian-initrd-debug.sysext.raw'\."
t_eq "plain: Ctrl-a x ends qemu, and make with 0" 0 cat plain.rc
t_ok "plain: the disk booted holds the profile's UKI and debian-root's partitions" \
    disk_of debian-basic debian-root

# Secure Boot, an initrd extension's profile: its base booted with it.
sha256sum out/debian-root/debian-root.raw >root.sum
run sb "$ASK" "$SYSEXT" PROFILE=debian-initrd-debug SECUREBOOT=1
t_ok "PROFILE=debian-initrd-debug SECUREBOOT=1 qemu: systemd-boot enrolled the keys" \
    has sb "Enrolling secure boot keys from directory"
t_ok "sb: the root shell answers under Secure Boot, the kernel locked down" \
    has sb '^INITKIT-QEMU-42 root=/dev/mapper/root sb=1 lockdown=none \[integrity\] confidentiality$'
t_ok "sb: the initrd merged the extension placed beside the base's UKI" \
    has sb "^INITKIT-SYSEXT .*Using extensions 'debian-initrd-debug.sysext.raw'\."
t_eq "sb: Ctrl-a x ends qemu, and make with 0" 0 cat sb.rc
t_ok "sb: the disk booted holds the base's UKI and debian-root's partitions" \
    disk_of debian-initrd-debug debian-root
t_ok "sb: the root image make qemu booted is not written" sha256sum -c --quiet root.sum

# Refused, before any boot.
printf 'not a disk\n' >plain.img
refused "ROOT= a file that is no GPT disk image" "^$T/plain.img: not a GPT disk image\$" \
    PROFILE=debian-basic ROOT=$T/plain.img
refused "ROOT= a file that is not there" "^$T/none.raw: no such file\$" \
    PROFILE=debian-basic ROOT=$T/none.raw
refused "EXTENSIONS= a profile that makes no extension image" \
    '^make qemu: EXTENSIONS: debian-root built no extension image$' \
    PROFILE=debian-basic EXTENSIONS=debian-root
refused "a system extension for the root (SYSEXT_SCOPE=system)" \
    'debian-sysext-tools.mk: SYSEXT_SCOPE=system: only an initrd extension is booted beside the UKI' \
    PROFILE=debian-sysext-tools
t_done
