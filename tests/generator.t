#!/bin/sh
# initkit-generator (profiles/debian-basic), run here on command lines
# given as $SYSTEMD_PROC_CMDLINE, as systemd's generators take them, with a
# systemd-tmpfiles that keeps what it is given. The judge of the network
# root's drop-ins is systemd-network-generator itself, of bookworm's
# systemd 252 (this machine's) and of trixie's 257 (from the archive, run
# through its own loader): every .network file it makes of the same
# command line must get our KeepConfiguration=yes, or the root's networkd
# drops the address the root's disk is reached by (an iSCSI root stalls).
. "$(dirname "$0")/lib.sh"
. "$top/tests/kernel.sh"
cd "$T" || exit 1

GEN=$top/profiles/debian-basic/etc/systemd/system-generators/initkit-generator
if ! need bash; then
	t_skip "initkit-generator" "bash not installed"
	t_done
fi
mkdir -p bin
printf '#!/bin/sh\ncat >"$TF"\n' >bin/systemd-tmpfiles
chmod +x bin/systemd-tmpfiles
# gen NAME CMDLINE: the generator's tmpfiles lines in NAME.tf.
gen() {
	rm -rf "$1.tf" "$1.out"
	mkdir "$1.out"
	TF=$T/$1.tf SYSTEMD_PROC_CMDLINE=$2 PATH="$T/bin:$PATH" \
	    bash "$GEN" "$T/$1.out" && touch "$1.tf"
}
# netgen NAME CMDLINE GENERATOR...: the .network files GENERATOR makes.
netgen() {
	_n=$1 _c=$2
	shift 2
	rm -rf "$_n.ng"
	SYSTEMD_PROC_CMDLINE=$_c "$@" --root="$T/$_n.ng" &&
	    find "$_n.ng/run/systemd/network" -name '*.network' -printf '%f\n' | sort
}
# kept NAME VERSION GENERATOR...: for each command line below, each
# .network file of GENERATOR has our drop-in.
KEEP='[Network]\nKeepConfiguration=yes\n'
kept() {
	_v=$1
	shift
	while IFS='|' read -r _name _cmd; do
		gen "$_name" "$_cmd" || { t_fail "$_v: $_name: the generator failed"; continue; }
		_files=$(netgen "$_name" "$_cmd" "$@") || { t_fail "$_v: $_name: systemd-network-generator failed"; continue; }
		[ -n "$_files" ] || { t_fail "$_v: $_name: systemd-network-generator made no .network"; continue; }
		_miss=
		for _f in $_files; do
			grep -qxF "f+ /run/systemd/network/$_f.d/initkit-netroot.conf 0644 - - - $KEEP" "$_name.tf" ||
			    _miss="$_miss $_f"
		done
		if [ -z "$_miss" ]; then
			t_pass "$_v: $_name: KeepConfiguration=yes for each of $(echo $_files)"
		else
			t_fail "$_v: $_name: no KeepConfiguration=yes drop-in for$_miss"
			_diag <"$_name.tf"
		fi
	done <<-EOC
	iscsi-dhcp|ip=dhcp root=UUID=b38f6179-e4a0-4cf1-a5d8-7091bdc0c1de netroot=iscsi:10.0.2.4::::iqn.2024-01.org.initkit:root rd.iscsi.initiator=iqn.2024-01.org.initkit:guest
	nfs-static|ip=10.0.2.15::10.0.2.2:255.255.255.0:guest:enp0s2:none root=nfs:10.0.2.4:/srv/root
	nfs-named-dhcp|ip=enp0s3:dhcp root=/dev/nfs nfsroot=10.0.2.4:/srv/root,vers=4.1
	nfs-two|ip=enp0s3:dhcp ip=10.0.3.15::10.0.3.2:255.255.255.0::enp0s4:none root=nfs4:10.0.2.4:/root
	EOC
}

if [ -x /usr/lib/systemd/systemd-network-generator ]; then
	kept "systemd 252 (this machine's)" /usr/lib/systemd/systemd-network-generator
else
	t_skip "systemd 252's network generator" "/usr/lib/systemd/systemd-network-generator not installed"
fi
if archive_get sd257 "" -r trixie -m "$DEBIAN_MIRROR" systemd; then
	R=$T/sd257
	kept "systemd 257 (trixie's)" "$R/usr/lib64/ld-linux-x86-64.so.2" --library-path \
	    "$R/usr/lib/x86_64-linux-gnu:$R/usr/lib/x86_64-linux-gnu/systemd" \
	    "$R/usr/lib/systemd/systemd-network-generator"
else
	t_archive "systemd 257's network generator" "$GET_WHY"
fi

# What else a network root gets: networkd in the initrd, online before the
# root (any link), and the iSCSI login before the root device is awaited.
gen iscsi 'ip=dhcp root=UUID=b38f6179-e4a0-4cf1-a5d8-7091bdc0c1de netroot=iscsi:10.0.2.4::3261::iqn.2024-01.org.initkit:root rd.iscsi.initiator=iqn.2024-01.org.initkit:guest'
t_ok "iscsi: the login unit runs iscsistart with the initiator, target, server and port given" \
    grep -q "^ExecStart=/bin/bash -c 'exec /usr/sbin/iscsistart .*' - \"iqn.2024-01.org.initkit:guest\" \"iqn.2024-01.org.initkit:root\" \"10.0.2.4\" \"3261\"$" iscsi.out/initkit-iscsi.service
t_ok "iscsi: ... before initrd-root-device.target, which wants it" sh -c '
	grep -qx "Before=initrd-root-device.target" iscsi.out/initkit-iscsi.service &&
	grep -qx "L+ $T/iscsi.out/initrd-root-device.target.wants/initkit-iscsi.service - - - - ../initkit-iscsi.service" iscsi.tf'
t_ok "iscsi: networkd in the initrd, and online (any link) first" sh -c '
	grep -qx "L+ $T/iscsi.out/initrd.target.wants/systemd-networkd.service - - - - /usr/lib/systemd/system/systemd-networkd.service" iscsi.tf &&
	grep -q "^f+ $T/iscsi.out/systemd-networkd-wait-online.service.d/initkit-netroot.conf .*--any" iscsi.tf'
gen noip 'netroot=iscsi:10.0.2.4::::iqn.2024-01.org.initkit:root'
t_ok "a network root without ip=: DHCP on every Ethernet link, the address kept" \
    grep -qxF 'f+ /run/systemd/network/99-initkit-netroot.network 0644 - - - # initkit-generator: a network root and no ip=\n[Match]\nType=ether\n\n[Network]\nKeepConfiguration=yes\nDHCP=yes\n' noip.tf
gen bad 'ip=dhcp netroot=iscsi:10.0.2.4::x::iqn.2024-01.org.initkit:root'
t_ok "netroot=iscsi: with a port that is no number: no login unit" test ! -e bad.out/initkit-iscsi.service

# The root's device waits for the LUKS passphrase without timing out: a
# drop-in ordering it after cryptsetup.target, for the very unit that
# systemd-fstab-generator (this machine's 252, in initrd mode) makes the
# root wait for (initrd-root-device.target's Requires=) and /usr's fsck
# binds to. The drop-in's path as systemd-tmpfiles unescapes it.
FSTAB=/usr/lib/systemd/system-generators/systemd-fstab-generator
[ -x $FSTAB ] || FSTAB=/lib/systemd/system-generators/systemd-fstab-generator
# waited NAME: the device units NAME's drop-ins order after cryptsetup.target.
waited() {
	sed -n 's|^f+ '"$T/$1"'.out/\(.*\.device\)\.d/initkit-passphrase\.conf 0644 - - - .*\\nAfter=cryptsetup\.target\\n$|\1|p' \
	    "$1.tf" | sed 's/\\\\/\\/g' | sort
}
if [ -x $FSTAB ]; then
	while IFS='|' read -r _name _cmd; do
		gen "$_name" "$_cmd" || { t_fail "$_name: the generator failed"; continue; }
		rm -rf "$_name.fg" && mkdir -p "$_name.fg/n" "$_name.fg/e" "$_name.fg/l"
		SYSTEMD_IN_INITRD=1 SYSTEMD_PROC_CMDLINE=$_cmd $FSTAB "$_name.fg/n" "$_name.fg/e" "$_name.fg/l" 2>/dev/null
		_want=$({ sed -n 's/^Requires=\(.*\.device\)$/\1/p' "$_name.fg/n/initrd-root-device.target.d/"*.conf
			sed -n 's/^BindsTo=\(.*\.device\)$/\1/p' "$_name.fg/n/systemd-fsck-usr.service"; } 2>/dev/null | sort)
		[ -n "$_want" ] || { t_fail "$_name: systemd-fstab-generator made the root wait for no device"; continue; }
		t_eq "$_name: the device the root (and /usr) waits for, ordered after cryptsetup.target" \
		    "$_want" waited "$_name"
	done <<-EOC
	luks-uuid|rd.luks.uuid=c4907280-f5b1-4d02-b6e9-81a2cedd1def root=UUID=b38f6179-e4a0-4cf1-a5d8-7091bdc0c1de
	upper-partuuid-usr|root=PARTUUID=0FC63DAF-8483-4772-8E79-3D69D8477DE4 mount.usr=PARTUUID=8484680c-9521-48c6-9c11-b0720656f69e
	label-partlabel|root=LABEL=initkit-root mount.usr=PARTLABEL=usr@a.b_c:1
	dev-path|root=/dev//vg0/root-lv rd.luks.name=c4907280-f5b1-4d02-b6e9-81a2cedd1def=pv
	last-root|root=UUID=b38f6179-e4a0-4cf1-a5d8-7091bdc0c1de root=/dev/mapper/luks-root
	EOC
else
	t_skip "the root device's drop-in against systemd-fstab-generator" "$FSTAB not installed"
fi
gen nfsroot 'root=UUID=b38f6179-e4a0-4cf1-a5d8-7091bdc0c1de root=nfs:10.0.2.4:/srv/root'
t_eq "a root on NFS (the last root=): no device drop-in" "" waited nfsroot
gen encoded 'root=LABEL=a\x20b root=PARTLABEL=a/b'
t_eq "a label udev would encode: no drop-in (not a name guessed)" "" waited encoded
t_done
