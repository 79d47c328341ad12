# tests/boot.sh: what the boot tests (boot.t, tpm.t) share, sourced by
# them in $T after lib.sh. The machine of INITKIT_ARCH (qemu, its
# firmware and variable store: make qemu's, libexec/qemu); debian-basic
# of INITKIT_RELEASE (default: the profiles') built by the project's
# profiles, and bootroot, the
# debian-root image with a unit that prints what the booted root sees
# (INITKIT-ROOT: Secure Boot, the root's device, dm name and file system,
# the machine, PCR 11 of the TPM if there is one, a credential, whether
# /bin/sh runs, the units that failed, the command line) and powers off;
# Secure Boot keys (PK, KEK, db) and the auth files systemd-boot enrolls
# them from (libexec/qemu's qemu_keys); esp() and boot() below.

ARCH=${INITKIT_ARCH:-amd64}
SLOW= WAIT=480
REL=${INITKIT_RELEASE:-}
if ! qemu_machine $ARCH 1 2>/dev/null; then
	t_ok "boot: INITKIT_ARCH=$ARCH" sh -c 'echo "INITKIT_ARCH: amd64 or arm64" >&2; exit 1'
	t_done
fi
# Emulated arm64 is slow (trixie's coldplug loaded virtio_blk 130 s
# into the boot on this 2-core machine under load): the initrd waits for
# the root's partitions 300 s instead of systemd's 90.
[ $ARCH = amd64 ] || SLOW=" systemd.default_device_timeout_sec=300" WAIT=900
TCG=$(qemu_accel $ARCH tcg)
if ! need make $QEMU sfdisk jq sbsign cert-to-efi-sig-list \
    sign-efi-sig-list mkfs.vfat mcopy || [ ! -f $FW ]; then
	t_skip "boot ($ARCH)" "$FWPKG, sbsigntool, efitools, dosfstools or mtools not installed"
	t_done
fi
CACHE=${INITKIT_TEST_CACHE:-$top/build/cache}
mkdir -p "$CACHE" profiles/bootroot/etc/systemd/system/multi-user.target.wants \
    profiles/bootroot/etc/systemd/system/sysinit.target.wants

# The root: debian-root and a unit that reports and powers off, after
# multi-user.target (its failed= sees the whole start); with the SMBIOS
# credential initkit.marker (MARKER_EARLY, for a boot that checks only
# what the initrd did), as soon as the root's systemd starts: half a boot
# less under TCG. A condition, not ExecCondition=: a service its
# ExecCondition= skips has stopped, and its SuccessAction= powers off.
# Each says which it is first (INITKIT-MARKER-EARLY or -LATE), a line of
# its own: systemd's "Starting ..." lines are cut to the console's width.
cat >profiles/bootroot.mk <<EOF
include $top/profiles/debian-root.mk
EOF
marker() {
	cat <<EOF
[Unit]
Description=initkit boot test marker ($1)
$2
ConditionPathExists=$3/run/credentials/@system/initkit.marker
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStartPre=/bin/bash -c 'echo INITKIT-MARKER-$4 >/dev/kmsg'
EOF
	cat <<'EOF'
ExecStart=/bin/bash -c 'echo "INITKIT-ROOT secureboot=$(od -An -tu1 -j4 -N1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c | tr -d " ") root=$(findmnt -n -o SOURCE /) dm=$(cat /sys/dev/block/$(mountpoint -d /)/dm/name) fstype=$(findmnt -n -o FSTYPE /) arch=$(uname -m) pcr11=$(cat /sys/class/tpm/tpm0/pcr-sha256/11 2>/dev/null | tr A-F a-f) credential=$(cat /run/credentials/@system/initkit.test) sh=$(/bin/sh -c "echo yes" 2>/dev/null || echo no) failed=$(systemctl list-units --state=failed --plain --no-legend --full | cut -d" " -f1 | paste -sd, -) cmdline=$(cat /proc/cmdline)" >/dev/kmsg'
EOF
}
marker "after multi-user.target" "After=multi-user.target" "!" LATE \
    >profiles/bootroot/etc/systemd/system/initkit-marker.service
marker early DefaultDependencies=no "" EARLY \
    >profiles/bootroot/etc/systemd/system/initkit-marker-early.service
ln -s ../initkit-marker.service profiles/bootroot/etc/systemd/system/multi-user.target.wants/
ln -s ../initkit-marker-early.service profiles/bootroot/etc/systemd/system/sysinit.target.wants/
MARKER_EARLY="-smbios type=11,value=io.systemd.credential:initkit.marker=early"
chmod -R u=rwX,go=rX profiles

mk() {
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" PROFILES="$T/profiles" \
	    OUTROOT="$T/out" CACHE="$CACHE" ARCH=$ARCH ${REL:+RELEASE=$REL} \
	    SOURCES="$SOURCES" "$@"
}
# debian-basic from the project's own profiles, the root from ours.
# BASIC_ARGS: more of make's arguments for it (boot.t: a module set).
if ! mk PROFILES="$top/profiles" PROFILE=debian-basic ${BASIC_ARGS:-} >basic.out 2>&1; then
	if offline basic.out; then
		t_skip "boot" "Debian archive unreachable: $(grep -m1 pkgroot basic.out | head -c 200)"
		t_done
	fi
	t_fail "make PROFILE=debian-basic" basic.out
	t_done
fi
mk PROFILE=bootroot >root.out 2>&1; rc=$?
t_ok "make PROFILE=bootroot (debian-root and the marker unit)" sh -c "[ $rc -eq 0 ] || { cat root.out >&2; exit 1; }"
# ARCH= (and RELEASE=) given: the outputs are out/NAME[-RELEASE]-ARCH.
SFX=${REL:+-$REL}-$ARCH
B0=out/debian-basic$SFX
KVER=$(cat $B0/kver)
VMLINUZ=$(kernel_image $B0/kernel $KVER)

R=out/bootroot$SFX
ROOTHASH=$(cat $R/roothash)
STUBDIR=$B0/kernel/usr/lib/systemd/boot/efi

# Secure Boot keys (PK, KEK, db.key and db.crt), and their auth files
# for systemd-boot to enroll.
qemu_keys .

# esp NAME UKI [FILE...]: NAME.vfat, an ESP with systemd-boot (signed
# with db.key) set to enroll PK, KEK and db, the UKI as
# EFI/Linux/initkit.efi, the FILEs beside it (initkit.efi.extra.d/).
esp() {
	_n=$1 _u=$2
	shift 2
	QEMU_SIGN_KEY=db.key QEMU_SIGN_CERT=db.crt QEMU_AUTH=. \
	    qemu_esp $_n $STUBDIR/systemd-boot$EFI.efi $_u "$@"
}
# boot NAME VARS PASS-REGEX FAIL-REGEX [PROMPT TEXT]: qemu in the
# background on NAME.raw with the variable store VARS and $QEMU_EXTRA (a
# TPM, more credentials by SMBIOS), the serial console (a pipe) watched
# until a match or WAIT seconds (a boot that merges a sysext and a
# confext under TCG took over 300 s here beside other jobs; trixie's
# arm64 boot reached the root only after 330 s); TEXT typed there, then
# Enter, once the console shows PROMPT; NAME.log.
boot() {
	_n=$1 _vars=$2 _pass=$3 _fail=$4 _prompt=${5:-} _text=${6:-}
	rm -f $_n.s.in $_n.s.out $_n.serial
	mkfifo $_n.s.in $_n.s.out
	cat $_n.s.out >$_n.serial &
	$QEMU $(qemu_args $_vars $_n.raw) $TCG -m 1024 -nographic -net none \
	    -smbios type=11,value=io.systemd.credential:initkit.test=from-smbios \
	    ${QEMU_EXTRA:-} -serial pipe:$_n.s -monitor none </dev/null >$_n.qemu 2>&1 &
	_pid=$!
	_i=0
	while [ $_i -lt $((WAIT / 2)) ] && kill -0 $_pid 2>/dev/null; do
		if grep -aEq "$_pass|$_fail" $_n.serial 2>/dev/null; then
			sleep 2
			break
		fi
		if [ -n "$_prompt" ] && grep -aEq "$_prompt" $_n.serial 2>/dev/null; then
			sleep 1
			# (A qemu gone since would leave the FIFO without a reader.)
			timeout 10 sh -c 'printf "%s\r" "$1" >"$2"' sh "$_text" $_n.s.in
			_prompt=
		fi
		sleep 2
		_i=$((_i + 1))
	done
	kill $_pid 2>/dev/null
	wait $_pid 2>/dev/null
	sleep 1
	tr -d '\r' <$_n.serial >$_n.log
}
