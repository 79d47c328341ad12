#!/bin/sh
# The graphical initrd extension (debian-initrd-graphical) in the boot
# matrix (make check-boot-matrix): the debian-basic initrd with the
# graphical module set, the extension beside it, qemu's standard VGA
# (bochs-drm) and PS/2 keyboard, the monitor on a socket, and a LUKS2
# root (the reporting root's squashfs, encrypted by cryptsetup offline).
# The passphrase prompt must appear as plymouth's password dialog: the
# screen (qemu's screendump) must show the theme's own entry box, its
# two main colours taken from the extension's picture (tests/screen.py),
# not one of ours. The keymap comes as the vconsole.keymap credential
# (SMBIOS): de-latin1, where Y and Z trade places. The passphrase typed
# as on a US keyboard must be refused and asked again, then taken when
# typed as on a German one; the root, which has no plymouth, is reached
# after plymouthd was told to quit.
MODULE_SETS=graphical
export MODULE_SETS
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

PASS=initkit-graphical-zy
# The keys for PASS as typed on a US keyboard (qemu's key names), and on
# a German one: y and z swapped, the hyphen where US has the slash.
KEYS_US="i n i t k i t minus g r a p h i c a l minus z y ret"
KEYS_DE="i n i t k i t slash g r a p h i c a l slash y z ret"
U_LUKS=d3816c2a-6b1e-4f8e-9a57-2c0b4e5f6a7d
ENTRY=out/debian-initrd-graphical$SFX/root/usr/share/plymouth/themes/spinner/entry.png

mk PROFILE=debian-initrd-graphical >graphical.out 2>&1
t_ok "make PROFILE=debian-initrd-graphical" sh -c "[ $? -eq 0 ] || { cat graphical.out >&2; exit 1; }"
ext debian-initrd-graphical
# The test's own unit in the initrd (a cpio after the others): before
# the switch to the root, what the extension's units did, on the
# console.
mkdir -p ti/etc/systemd/system/initrd-switch-root.target.wants
cat >ti/etc/systemd/system/initkit-test-graphical.service <<'EOF'
[Unit]
Description=initkit boot test: what the graphical extension did in the initrd
DefaultDependencies=no
Before=initrd-switch-root.service
[Service]
Type=oneshot
ExecStart=/bin/bash -c 'p=stopped; pgrep -x plymouthd >/dev/null && p=running; echo "INITKIT-GRAPHICAL keymap=$(systemctl show -P Result initkit-keymap.service) plymouth-start=$(systemctl show -P Result plymouth-start.service) plymouth-root=$(systemctl show -P Result initkit-plymouth-root.service) plymouthd=$p end" >/dev/kmsg'
ExecStart=/bin/bash -c 'journalctl -b -o cat -u initkit-keymap.service -u plymouth-start.service -u initkit-plymouth-root.service | while read -r l; do echo "INITKIT-GRAPHICAL-LOG $l" >/dev/kmsg; done'
EOF
ln -s ../initkit-test-graphical.service ti/etc/systemd/system/initrd-switch-root.target.wants/
mkcpio -t 1700000000 -z none -o ti.cpio ti
initrd graphical basic.initrd ext-debian-initrd-graphical.cpio ti.cpio

# mon COMMAND: one command to the machine's monitor (a11y.mon), its
# answer on stdout once the monitor's next prompt came.
mon() {
	python3 - "$T/a11y.mon" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
def prompt():
    got = b''
    while not got.endswith(b'(qemu) '):
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    return got
prompt()
s.sendall(sys.argv[2].encode() + b'\n')
sys.stdout.write(prompt().decode(errors='replace'))
EOF
}
# keys KEY...: typed on the PS/2 keyboard, one at a time.
keys() {
	for _k; do
		mon "sendkey $_k" >/dev/null || return 1
		sleep 0.3
	done
}
# dialog SECONDS: within SECONDS, a screendump (a11y.ppm) shows the
# dialog; a11y.screen says what the last one showed.
dialog() {
	_i=0
	while [ $_i -lt $1 ] && kill -0 $(cat a11y.pid) 2>/dev/null; do
		rm -f a11y.ppm
		mon "screendump $T/a11y.ppm" >/dev/null 2>&1
		sleep 1
		python3 "$top/tests/screen.py" a11y.ppm $ENTRY >a11y.screen 2>&1 &&
		    grep -q 'shown=yes' a11y.screen && return 0
		sleep 4
		_i=$((_i + 5))
	done
	return 1
}
a11y() {
	cp out/mxroot$SFX/fs.img luks.img && truncate -s +16M luks.img &&
	    printf %s $PASS >pass &&
	    cryptsetup reencrypt -q --encrypt --type luks2 --reduce-device-size 16M \
	        --pbkdf-memory 65536 --iter-time 300 --uuid $U_LUKS --key-file pass luks.img \
	        >luks.out 2>&1 || { cat luks.out >&2; return 1; }
	vm a11y "rd.luks.uuid=$U_LUKS root=/dev/mapper/luks-$U_LUKS rootfstype=squashfs ro" \
	    graphical.initrd -vga std -monitor unix:$T/a11y.mon,server=on,wait=off \
	    -drive if=none,id=r,format=raw,snapshot=on,file.locking=off,file=luks.img \
	    -device virtio-blk-pci,drive=r \
	    -smbios type=11,value=io.systemd.credential:vconsole.keymap=de-latin1
	if see a11y "Please enter passphrase|$FAIL" 300 && ! grep -aEq "$FAIL" a11y.console &&
	    dialog 120; then
		cp a11y.ppm first.ppm
		cp a11y.screen first.screen
		keys $KEYS_US
		see a11y "Please enter passphrase|$FAIL" 120 2 && dialog 60 && sleep 3 &&
		    keys $KEYS_DE
	fi
	see a11y "INITKIT-MATRIX .* end|$FAIL" 300
	vm_done a11y
}
if [ "$(id -u)" -ne 0 ]; then
	t_skip "graphical passphrase prompt" "not root (cryptsetup reencrypt of the root image)"
elif ! need cryptsetup python3; then
	t_skip "graphical passphrase prompt" "cryptsetup or python3 not installed"
else
	a11y
	t_ok "graphical: plymouth's password dialog on the screen (the theme's entry box, qemu's screendump)" \
	    sh -c 'grep -q "shown=yes" first.screen || { cat a11y.why first.screen a11y.screen >&2; tail -c 1500 a11y.log >&2; exit 1; }'
	t_ok "graphical: the keymap credential (de-latin1) loaded" \
	    grep -aq "INITKIT-GRAPHICAL keymap=success plymouth-start=success " a11y.log
	t_eq "graphical: the passphrase typed as on a US keyboard refused, asked again" 2 \
	    grep -ac "Please enter passphrase" a11y.log
	root a11y "graphical: typed as on a German keyboard, the passphrase opens the root" \
	    "root=/dev/mapper/luks-$U_LUKS fstype=squashfs fsroot=/ chain=luks-$U_LUKS:crypt,vda:disk, "
	t_ok "graphical: plymouthd told to quit before the switch to a root without it" \
	    sh -c 'grep -aq "INITKIT-GRAPHICAL .* plymouth-root=success plymouthd=stopped end" a11y.log &&
	        grep -aq "INITKIT-GRAPHICAL-LOG plymouthd quit$" a11y.log'
fi
t_done
