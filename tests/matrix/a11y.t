#!/bin/sh
# The accessibility extensions in the boot matrix (make
# check-boot-matrix): the debian-basic initrd with the graphical and
# speech module sets, one extension beside it each boot, and a LUKS2
# root (the reporting root's squashfs, encrypted by cryptsetup offline).
# Two boots at once.
#
# graphical (debian-initrd-graphical): qemu's standard VGA (bochs-drm)
# and PS/2 keyboard, the monitor on a socket. The passphrase prompt must
# appear as plymouth's password dialog: the screen (qemu's screendump)
# must show the theme's own entry box, its two main colours taken from
# the extension's picture (tests/screen.py), not one of ours. The keymap
# comes as the vconsole.keymap credential (SMBIOS): de-latin1, where Y
# and Z trade places. The passphrase typed as on a US keyboard must be
# refused and asked again, then taken when typed as on a German one; the
# root, which has no plymouth, is reached after plymouthd was told to
# quit.
#
# speech (debian-initrd-speech): an Intel HD Audio card with qemu's
# hda-output codec, whose sound qemu writes to a WAV file; the kernel's
# console the serial one only, the keymap de-latin1 again, the console
# font an 8x8 one (the vconsole.font credential): on tty1 (screendump)
# the prompt, the fourth line after SeaBIOS's three, must end by the
# 40th row of pixels (lines 8 pixels tall), not by the 64th as in the
# kernel's built-in 8x16 font. The prompt
# must be spoken: the file must hold sound (not silence) for about as
# long as espeak-ng takes to say it, before the passphrase is typed on
# the keyboard, which only the agent on tty1 reads.
MODULE_SETS="graphical speech"
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

for e in graphical speech; do
	mk PROFILE=debian-initrd-$e >$e.out 2>&1
	t_ok "make PROFILE=debian-initrd-$e" sh -c "[ $? -eq 0 ] || { cat $e.out >&2; exit 1; }"
done
# The test's own unit in the initrd (a cpio after the others): before
# the switch to the root, what the extensions' units did, on the
# console. plymouthd's exit follows its answer to plymouth quit: waited
# for (procps' pidwait; a plymouthd that stays stalls the boot, which so
# fails).
mkdir -p ti/etc/systemd/system/initrd-switch-root.target.wants
cat >ti/etc/systemd/system/initkit-test-a11y.service <<'EOF'
[Unit]
Description=initkit boot test: what the accessibility extensions did in the initrd
DefaultDependencies=no
Before=initrd-switch-root.service
[Service]
Type=oneshot
ExecStart=/bin/bash -c 'p=stopped; pidwait -x plymouthd; pgrep -x plymouthd >/dev/null && p=running; echo "INITKIT-A11Y plymouthd=$p end" >/dev/kmsg'
ExecStart=/bin/bash -c 'journalctl -b -o cat -u initkit-keymap.service -u plymouth-start.service -u initkit-plymouth-root.service -u initkit-espeakup.service -u initkit-ask-password-vt.service | while read -r l; do echo "INITKIT-A11Y-LOG $l" >/dev/kmsg; done'
EOF
ln -s ../initkit-test-a11y.service ti/etc/systemd/system/initrd-switch-root.target.wants/
mkcpio -t 1700000000 -z none -o ti.cpio ti
for e in graphical speech; do
	ext debian-initrd-$e
	initrd $e basic.initrd ext-debian-initrd-$e.cpio ti.cpio
done

# mon NAME COMMAND: one command to the monitor of machine NAME
# (NAME.mon), its answer on stdout once the monitor's next prompt came.
mon() {
	python3 - "$T/$1.mon" "$2" <<'EOF'
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
# keys NAME KEY...: typed on machine NAME's PS/2 keyboard, one at a time.
keys() {
	_m=$1
	shift
	for _k; do
		mon $_m "sendkey $_k" >/dev/null || return 1
		sleep 0.3
	done
}
# dialog SECONDS: within SECONDS, a screendump (graphical.ppm) shows the
# dialog; graphical.screen says what the last one showed.
dialog() {
	_i=0
	while [ $_i -lt $1 ] && kill -0 $(cat graphical.pid) 2>/dev/null; do
		rm -f graphical.ppm
		mon graphical "screendump $T/graphical.ppm" >/dev/null 2>&1
		sleep 1
		python3 "$top/tests/screen.py" graphical.ppm $ENTRY >graphical.screen 2>&1 &&
		    grep -q 'shown=yes' graphical.screen && return 0
		sleep 4
		_i=$((_i + 5))
	done
	return 1
}
ROOT="rd.luks.uuid=$U_LUKS root=/dev/mapper/luks-$U_LUKS rootfstype=squashfs ro"
DISK="-drive if=none,id=r,format=raw,snapshot=on,file.locking=off,file=luks.img -device virtio-blk-pci,drive=r"
graphical() {
	vm graphical "$ROOT" graphical.initrd $DISK \
	    -vga std -monitor unix:$T/graphical.mon,server=on,wait=off \
	    -smbios type=11,value=io.systemd.credential:vconsole.keymap=de-latin1
	if see graphical "Please enter passphrase|$FAIL" 300 && ! grep -aEq "$FAIL" graphical.console &&
	    dialog 120; then
		cp graphical.ppm first.ppm
		cp graphical.screen first.screen
		keys graphical $KEYS_US
		see graphical "Please enter passphrase|$FAIL" 120 2 && dialog 60 && sleep 3 &&
		    keys graphical $KEYS_DE
	fi
	see graphical "INITKIT-MATRIX .* end|$FAIL" 300
	vm_done graphical
}
# speech.wav: what the guest played, 16-bit stereo at 44.1 kHz (qemu's
# wav back end; silence while espeakup holds the card open and says
# nothing), its header written when qemu ends. The passphrase is typed
# on the PS/2 keyboard as on a German one (the keymap credential, as in
# the graphical boot; the agent on tty1 reads it) once the file holds
# 1.5 s of sound and ends in 5 s of silence (the prompt said), or after
# 240 s; prompt.wav is the file then.
speech() {
	vm speech "$ROOT" speech.initrd $DISK \
	    -audiodev wav,id=snd,path=$T/speech.wav -device ich9-intel-hda \
	    -device hda-output,audiodev=snd -monitor unix:$T/speech.mon,server=on,wait=off \
	    -smbios type=11,value=io.systemd.credential:vconsole.keymap=de-latin1 \
	    -smbios type=11,value=io.systemd.credential:vconsole.font=LatArCyrHeb-08
	if see speech "Please enter passphrase|$FAIL" 300 && ! grep -aEq "$FAIL" speech.console; then
		_i=0
		while [ $_i -lt 240 ] && kill -0 $(cat speech.pid) 2>/dev/null; do
			sleep 5
			_i=$((_i + 5))
			sound speech.wav | awk '$4 < 1.5 || $7 < 5 { exit 1 }' && break
		done
		cp speech.wav prompt.wav
		mon speech "screendump $T/speech.ppm" >/dev/null
		sleep 1
		python3 "$top/tests/screen.py" speech.ppm >speech.screen 2>&1
		keys speech $KEYS_DE
	fi
	see speech "INITKIT-MATRIX .* end|$FAIL" 300
	vm_done speech
}
# sound FILE: how long FILE is, how much of it is sound (the 50 ms
# windows whose loudest sample is above 1/30 of full scale), and how long
# the silence at its end.
sound() {
	python3 - "$1" <<'EOF'
import array, sys
data = array.array('h')
with open(sys.argv[1], 'rb') as f:
    raw = f.read()[44:]
data.frombytes(raw[:len(raw) // 2 * 2])
win = 44100 * 2 // 20
loud = [max(map(abs, data[i:i + win])) > 1092 for i in range(0, len(data), win)]
quiet = len(loud) - 1 - max([i for i, x in enumerate(loud) if x] or [-1])
print('%.1f s, sound %.1f s, quiet %.1f s' % (len(data) / 2 / 44100, sum(loud) / 20, quiet / 20))
EOF
}
if [ "$(id -u)" -ne 0 ]; then
	t_skip "accessibility: graphical and spoken passphrase prompts" "not root (cryptsetup reencrypt of the root image)"
elif ! need cryptsetup python3; then
	t_skip "accessibility: graphical and spoken passphrase prompts" "cryptsetup or python3 not installed"
elif ! cp out/mxroot$SFX/fs.img luks.img || ! truncate -s +16M luks.img ||
    ! printf %s $PASS >pass ||
    ! cryptsetup reencrypt -q --encrypt --type luks2 --reduce-device-size 16M \
        --pbkdf-memory 65536 --iter-time 300 --uuid $U_LUKS --key-file pass luks.img \
        >luks.out 2>&1; then
	t_fail "the LUKS2 root (cryptsetup reencrypt)" luks.out
else
	bg graphical
	bg speech
	wait
	t_ok "graphical: plymouth's password dialog on the screen (the theme's entry box, qemu's screendump)" \
	    sh -c 'grep -q "shown=yes" first.screen || { cat graphical.why first.screen graphical.screen >&2; tail -c 1500 graphical.log >&2; exit 1; }'
	t_ok "graphical: the keymap credential (de-latin1) loaded, plymouthd started after it" \
	    sh -c 'grep -aA20 "INITKIT-A11Y-LOG Finished initkit-keymap.service" graphical.log |
	        grep -aq "INITKIT-A11Y-LOG Started plymouth-start.service"'
	t_eq "graphical: the passphrase typed as on a US keyboard refused, asked again" 2 \
	    grep -ac "Please enter passphrase" graphical.log
	root graphical "typed as on a German keyboard, the passphrase opens the root" \
	    "root=/dev/mapper/luks-$U_LUKS fstype=squashfs fsroot=/ chain=luks-$U_LUKS:crypt,vda:disk, "
	t_ok "graphical: plymouthd told to quit before the switch to a root without it" \
	    sh -c 'grep -aq "INITKIT-A11Y plymouthd=stopped end" graphical.log &&
	        grep -aq "INITKIT-A11Y-LOG plymouthd quit$" graphical.log'
	t_ok "speech: the sound card's mixer set, espeakup started once in the initrd, speakup loaded" \
	    sh -c 'grep -aq "INITKIT-A11Y-LOG Found hardware: \"HDA-Intel\"" speech.log &&
	        [ $(grep -ac "INITKIT-A11Y-LOG Started initkit-espeakup.service" speech.log) = 1 ] &&
	        grep -aq "speakup [0-9.]*: initialized" speech.log'
	t_ok "speech: the font credential (LatArCyrHeb-08): tty1's text drawn in lines 8 pixels tall, not 16" \
	    sh -c 'cat speech.screen >&2; awk -F "text-bottom=" "\$2 < 25 || \$2 > 40 { exit 1 }" speech.screen'
	sound prompt.wav >prompt.sound 2>&1
	t_ok "speech: the prompt spoken: 1.5 s of sound or more before the passphrase was typed" \
	    sh -c 'cat prompt.sound >&2; awk "\$3 != \"sound\" || \$4 < 1.5 { exit 1 }" prompt.sound'
	root speech "the passphrase typed as on a German keyboard (de-latin1) at the agent on tty1 opens the root" \
	    "root=/dev/mapper/luks-$U_LUKS fstype=squashfs fsroot=/ chain=luks-$U_LUKS:crypt,vda:disk, "
fi
t_done
