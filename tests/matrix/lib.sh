# tests/matrix/lib.sh: what the boot matrix's scripts share, sourced by
# each tests/matrix/*.t (after ../lib.sh): the builds of debian-basic, its
# storage and network extensions and the reporting root (mxroot:
# debian-root and a unit that prints how the root was mounted, then
# powers off); basic.initrd and storage.initrd (the initrd, the modules
# cpio and, for the second, the storage extension as systemd-stub hands
# it over); and the functions that boot them under qemu (TCG), two at a
# time. Skips the script when qemu is missing or the archive unreachable.
cd "$T" || exit 1

qemu_machine amd64 0
if ! need make $QEMU mkfifo mkfs.vfat mcopy || [ ! -f $FW ]; then
	t_skip "boot matrix" "qemu-system-x86, ovmf, dosfstools or mtools not installed"
	t_done
fi
CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}
mkdir -p "$CACHE" profiles/mxroot/etc/systemd/system/sysinit.target.wants

# The profiles: the project's own, and the test's root.
for p in "$top"/profiles/*.mk; do
	ln -s "$p" profiles/
	# NAME/ and NAME.RELEASE/ (files only one release's systemd needs)
	for d in "${p%.mk}" "${p%.mk}".*; do
		[ -d "$d" ] && ln -s "$d" profiles/
	done
done
# dmsetup: its udev rules, which every root on device-mapper has (lvm2
# and cryptsetup depend on it); without them trixie's udev keeps neither
# /dev/mapper nor /dev/block links of the initrd's dm devices.
cat >profiles/mxroot.mk <<EOF
include $top/profiles/debian-root.mk
PACKAGES += dmsetup
EOF
# The report runs as soon as the root's systemd has loaded its units: what
# it proves (the initrd's mount of the root) is there from the switch on,
# and waiting for multi-user.target cost about half of every boot under
# TCG (the root's own full start is the boot test's, tests/boot.t).
cat >profiles/mxroot/etc/systemd/system/initkit-matrix.service <<'EOF'
[Unit]
Description=initkit boot matrix: how the root was mounted
DefaultDependencies=no
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/bash -c 'src=$(findmnt -nvo SOURCE /); echo "INITKIT-MATRIX root=$src fstype=$(findmnt -no FSTYPE /) fsroot=$(findmnt -no FSROOT /) chain=$(lsblk -snro NAME,TYPE "$src" 2>&1 | tr " \\n" ":,") md=$(tr -s " \\n" "  " </proc/mdstat) plain=$(cat /run/initkit-plain 2>/dev/null) tainted=$(systemctl show -P Tainted) tran=$(lsblk -snro TRAN "$src" 2>/dev/null | tr -d "\\n") opts=$(findmnt -no OPTIONS /) end" >/dev/kmsg'
EOF
ln -s ../initkit-matrix.service profiles/mxroot/etc/systemd/system/sysinit.target.wants/
chmod -R u=rwX,go=rX profiles

# INITKIT_RELEASE (make check-boot-matrix RELEASE=bookworm): every image
# of that release, in out/NAME-RELEASE; else the profiles' default release.
REL=${INITKIT_RELEASE:-}
SFX=${REL:+-$REL}
mk() {
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" PROFILES="$T/profiles" \
	    OUTROOT="$T/out" CACHE="$CACHE" ${REL:+RELEASE=$REL} "$@"
}
if ! mk PROFILE=debian-basic >basic.out 2>&1; then
	if offline basic.out; then
		t_skip "boot matrix" "Debian archive unreachable: $(grep -m1 pkgroot basic.out | head -c 200)"
		t_done
	fi
	t_fail "make PROFILE=debian-basic" basic.out
	t_done
fi
for p in debian-initrd-storage debian-initrd-network mxroot; do
	mk PROFILE=$p >$p.out 2>&1
	t_ok "make PROFILE=$p" sh -c "[ $? -eq 0 ] || { cat $p.out >&2; exit 1; }"
done
B0=out/debian-basic$SFX
KVER=$(cat $B0/kver)
KERNEL=$(kernel_image $B0/kernel $KVER)

# ext NAME...: the cpio systemd-stub makes of the extensions beside a UKI.
ext() {
	rm -rf ext.d && mkdir -p ext.d/.extra/sysext
	for _e; do
		cp out/$_e$SFX/$_e.sysext.raw ext.d/.extra/sysext/$_e.raw
	done
	chmod 0444 ext.d/.extra/sysext/*
	mkcpio -t 1700000000 -z none -o "ext-$(echo "$*" | tr ' ' +).cpio" ext.d
}
# initrd NAME PART...: the parts concatenated, each padded to 4 bytes.
initrd() {
	_o=$1.initrd
	shift
	: >$_o
	for _p; do
		cat $_p >>$_o
		_pad=$(( (4 - $(stat -c %s $_o) % 4) % 4 ))
		[ $_pad -eq 0 ] || head -c $_pad /dev/zero >>$_o
	done
}
ext debian-initrd-storage
initrd basic $B0/initrd.cpio.zst $B0/modules-$KVER.cpio.zst
initrd storage basic.initrd ext-debian-initrd-storage.cpio

# vm NAME CMDLINE INITRD QEMU-ARG...: boot in the background, the serial
# console through NAME.s.in/NAME.s.out into NAME.console. INITRD "-":
# the firmware boots (QEMU-ARG has it and its disks), no kernel given.
vm() {
	_n=$1 _c=$2 _i=$3
	shift 3
	rm -f $_n.s.in $_n.s.out $_n.console $_n.end $_n.why
	mkfifo $_n.s.in $_n.s.out
	cat $_n.s.out >$_n.console &
	if [ "$_i" != - ]; then
		set -- -kernel $KERNEL -initrd $_i -append "console=ttyS0 panic=-1 $_c" "$@"
	fi
	$QEMU -M q35 $TCG -m 1536 -nographic -no-reboot \
	    -net none -serial pipe:$_n.s -monitor none "$@" </dev/null >$_n.qemu 2>&1 &
	echo $! >$_n.pid
}
# see NAME REGEX SECONDS [COUNT]: wait until the console shows REGEX (on
# COUNT lines, default 1): 0; or the machine stopped or time ran out: 1.
see() {
	_i=0
	while :; do
		_c=$(grep -acE "$2" $1.console 2>/dev/null)
		[ "${_c:-0}" -ge ${4:-1} ] && return 0
		[ $_i -lt $3 ] && kill -0 $(cat $1.pid) 2>/dev/null || return 1
		sleep 1
		_i=$((_i + 1))
	done
}
# type NAME TEXT: typed on the serial console, then Enter.
type_in() { printf '%s\r' "$2" >$1.s.in; }
# vm_done NAME [SECONDS]: the machine stopped (or is stopped after 60
# seconds); NAME.log, and NAME.end saying how qemu ended.
vm_done() {
	_i=0 _pid=$(cat $1.pid)
	while [ $_i -lt ${2:-60} ] && kill -0 $_pid 2>/dev/null; do
		sleep 1
		_i=$((_i + 1))
	done
	if kill $_pid 2>/dev/null; then
		echo "stopped by the test, still running ${2:-60} s after the wait" >$1.end
		sleep 5
		kill -9 $_pid 2>/dev/null
	fi
	wait $_pid 2>/dev/null
	_rc=$?
	# 127: not this shell's child, its status unknown.
	[ -s $1.end ] || echo "qemu exited by itself, status $_rc" >$1.end
	sleep 1
	tr -d '\r' <$1.console >$1.log
	vm_why $1
}
# vm_why NAME: NAME.why, how the machine ended and the first lines of
# $FAIL it printed, shown first in a failed case's report (which keeps
# 2000 bytes).
vm_why() {
	{
		echo "$1: $(cat $1.end 2>/dev/null)"
		head -c 300 $1.qemu 2>/dev/null
		grep -aE "$FAIL" $1.log | head -3 | cut -c 1-200
	} >$1.why 2>/dev/null
	return 0
}
FAIL='emergency mode|Kernel panic|Cannot open access to console|Timed out waiting for device|Dependency failed for .*(Root|/sysroot|Initrd)'
# vm_run NAME REGEX SECONDS CMDLINE INITRD QEMU-ARG...: a boot until the
# console shows REGEX or $FAIL, or the machine stopped. A kernel that
# crashed in its own start, before it ran /init (seen under TCG with two
# vCPUs, in initcalls: cpu_latency_qos_init), is booted once more, and
# said so: nothing of ours had run, no disk was written.
vm_run() {
	_rn=$1 _re=$2 _rs=$3
	shift 3
	for _try in 1 2; do
		vm $_rn "$@"
		see $_rn "$_re|$FAIL" $_rs
		vm_done $_rn
		[ $_try = 1 ] && early_crash $_rn || break
		echo "# $_rn: the kernel crashed before it ran /init; booted again ($_rn.crash.log)"
		mv $_rn.log $_rn.crash.log
	done
}
# boot NAME CMDLINE INITRD QEMU-ARG...: a boot to the root's report.
boot() {
	_bn=$1
	shift
	vm_run $_bn "INITKIT-MATRIX .* end" 420 "$@"
}
# early_crash NAME: NAME.log shows a kernel oops or panic and no /init.
early_crash() {
	! grep -aq "Run /init as init process" $1.log &&
	    grep -aEq "Oops|BUG:|Kernel panic|general protection fault|invalid opcode" $1.log
}
# Two boots at once: each starts when the one started two before ended.
JOBS=
bg() {
	"$@" &
	JOBS="$JOBS $!"
	set -- $JOBS
	if [ $# -ge 2 ]; then
		wait $1
		shift
		JOBS="$*"
	fi
}

# root NAME DESC REGEX: the root's report matches.
root() {
	t_ok "$1: $2" sh -c "grep -aEq 'INITKIT-MATRIX $3' $1.log || { cat $1.why >&2; grep -a 'INITKIT-MATRIX' $1.log >&2; tail -c 1200 $1.log >&2; exit 1; }"
}
