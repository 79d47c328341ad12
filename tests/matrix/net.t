#!/bin/sh
# The boot matrix's network cases (make check-boot-matrix): the
# debian-basic initrd with its network and storage extensions on qemu's
# user network, each case named after the dracut-ng integration test it
# mirrors and proven from inside (the ssh session's answer, the root's
# report: tests/matrix/lib.sh).
#
# The network: qemu's user network with restrict=on, so that nothing the
# guest sends leaves qemu but what is forwarded explicitly: the guest's
# sshd from 127.0.0.1:PORT (hostfwd), and the servers on this machine,
# bound to 127.0.0.1 on free ports, which the guest reaches at 10.0.2.4
# (guestfwd: qemu refuses a forward on its host address 10.0.2.2, and
# restrict=on closes that address otherwise). Each connection the guest
# opens there is relayed by a small script to the server's port on
# 127.0.0.1. The guest gets 10.0.2.15 from qemu's DHCP.
#
# The roots: out/mxroot[-RELEASE]/fs.img unpacked (as root, owners kept), exported
# by nfs-ganesha's VFS back end (NFSv4.1 and 4.2 only, no rpcbind: this
# machine's kernel has no nfsd), and made an ext4 image by mkfs.ext4 -d,
# served by tgtd as an iSCSI LUN and encrypted by cryptsetup offline as
# the LUKS2 root of the remote unlock. One boot at a time.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

PASS=initkit-net-passphrase
U_NETFS=b38f6179-e4a0-4cf1-a5d8-7091bdc0c1de U_NETLUKS=c4907280-f5b1-4d02-b6e9-81a2cedd1def
TARGET=iqn.2024-01.org.initkit:mxroot INITIATOR=iqn.2024-01.org.initkit:guest
SERVER=10.0.2.4
SSH="ssh -F /dev/null -i $T/key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10"

# What the host-side servers left running is stopped at the end (tgtd
# does not stop on SIGTERM while it has targets; it leaves when told).
PIDS= TGTD= TGTCTL=
cleanup() {
	for _p in $PIDS; do
		kill $_p 2>/dev/null
	done
	if [ -n "$TGTD" ]; then
		tgtadm -C $TGTCTL --lld iscsi --mode target --op delete --force --tid 1 >/dev/null 2>&1
		tgtadm -C $TGTCTL --op delete --mode system >/dev/null 2>&1
		sleep 1
		kill -9 $TGTD 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# listening PORT: something accepts on 127.0.0.1:PORT within 20 seconds.
listening() {
	bash -c 'for i in $(seq 40); do (exec 3<>/dev/tcp/127.0.0.1/'$1') 2>/dev/null && exit 0; sleep 0.5; done; exit 1'
}
# relay NAME PORT: a guestfwd command joining a guest's connection (its
# stdin and stdout) to 127.0.0.1:PORT.
relay() {
	cat >$1 <<EOF
#!/bin/bash
exec 3<>/dev/tcp/127.0.0.1/$2 || exit 1
cat <&3 &
cat >&3
kill \$! 2>/dev/null
EOF
	chmod +x $1
}
# net FORWARD...: the NIC on qemu's restricted user network.
net() {
	_f=
	for _x; do _f="$_f,$_x"; done
	echo "-netdev user,id=n,restrict=on$_f -device virtio-net-pci,netdev=n"
}

ext debian-initrd-network
ext debian-initrd-network debian-initrd-storage
initrd network basic.initrd ext-debian-initrd-network.cpio
initrd netstorage basic.initrd ext-debian-initrd-network+debian-initrd-storage.cpio

# The root tree, with its owners: root only.
ROOT_OK=
if [ "$(id -u)" -ne 0 ]; then
	ROOT_WHY="not root (the root tree's owners, nfs-ganesha's VFS back end)"
elif ! need unsquashfs mkfs.ext4; then
	ROOT_WHY="unsquashfs or mkfs.ext4 missing"
elif unsquashfs -no-progress -d tree out/mxroot$SFX/fs.img >unsquashfs.out 2>&1; then
	mb=$(( $(du -sm tree | cut -f1) + 64 ))
	t_ok "the root tree as an ext4 image (mkfs.ext4 -d)" \
	    mkfs.ext4 -q -F -L initkit-net -U $U_NETFS -d tree root.ext4 ${mb}M
	[ -s root.ext4 ] && ROOT_OK=1
else
	t_ok "unsquashfs out/mxroot$SFX/fs.img" sh -c 'cat unsquashfs.out >&2; exit 1'
	ROOT_WHY="unsquashfs failed"
fi

# Remote unlock (the debian-initrd-network extension; dracut-ng has no
# test of its own for sshd, dracut-sshd's use case; the root as TEST-20's
# LUKS2): the initrd waits at the passphrase prompt of its LUKS2 root,
# the host logs in by key (the ssh.authorized_keys.root credential, plain
# by SMBIOS) and answers the prompt through systemd's password agent; the
# boot goes on to the root. Nothing is typed on the console.
unlock() {
	_p=$(free_port)
	cp root.ext4 luks.img && truncate -s +16M luks.img &&
	    printf %s $PASS >pass &&
	    cryptsetup reencrypt -q --encrypt --type luks2 --reduce-device-size 16M \
	        --pbkdf-memory 65536 --iter-time 300 --uuid $U_NETLUKS --key-file pass luks.img \
	        >luks.out 2>&1 || { cat luks.out >&2; return 1; }
	ssh-keygen -q -t ed25519 -N '' -C initkit-net -f key || return 1
	vm unlock "ip=dhcp rd.luks.uuid=$U_NETLUKS root=UUID=$U_NETFS" network.initrd \
	    -drive if=none,id=r,format=raw,snapshot=on,file.locking=off,file=luks.img \
	    -device virtio-blk-pci,drive=r $(net hostfwd=tcp:127.0.0.1:$_p-:22) \
	    -smbios type=11,value=io.systemd.credential.binary:ssh.authorized_keys.root=$(base64 -w0 key.pub)
	if see unlock "Please enter passphrase|$FAIL" 300; then
		_i=0
		while [ $_i -lt 40 ] && kill -0 $(cat unlock.pid) 2>/dev/null; do
			$SSH -p $_p root@127.0.0.1 '. /etc/initrd-release; echo "INITKIT-SSH-$((6*7)) $VARIANT_ID"' \
			    >ssh.out 2>ssh.err && break
			sleep 2
			_i=$((_i + 1))
		done
		printf '%s\n' $PASS | $SSH -p $_p root@127.0.0.1 systemd-tty-ask-password-agent --query \
		    >agent.out 2>&1
	fi
	see unlock "INITKIT-MATRIX .* end|$FAIL" 300
	vm_done unlock
}
if [ -z "$ROOT_OK" ]; then
	t_skip "remote unlock over ssh" "$ROOT_WHY"
elif ! need ssh ssh-keygen cryptsetup base64; then
	t_skip "remote unlock over ssh" "ssh, ssh-keygen or cryptsetup not installed"
else
	unlock
	t_eq "remote unlock: sshd in the initrd answers a key login (credential by SMBIOS, ip=dhcp)" \
	    "INITKIT-SSH-42 initkit" cat ssh.out
	t_ok "remote unlock: ... while the initrd waits for the LUKS2 passphrase" \
	    grep -aq "Please enter passphrase" unlock.log
	root unlock "remote unlock: the passphrase answered over ssh (systemd-tty-ask-password-agent), the boot goes on" \
	    "root=/dev/mapper/luks-$U_NETLUKS fstype=ext4 fsroot=/ chain=luks-$U_NETLUKS:crypt,vda:disk, "
fi

# TEST-60: the root on NFS (root=nfs:SERVER:/PATH:OPTIONS, dracut's
# syntax, OPTIONS noatime, which the mount must show; no ip=: a network
# root gets DHCP; rw, as a diskless machine's root is), mount.nfs from
# the storage extension. The server sends owners as numbers (Only_Numeric_Owners):
# a name ("root@localdomain") makes the client's idmapper call
# /sbin/request-key, whose exec looks the path up on the NFS root, whose
# GETATTR reply is decoded by the idmapper again: the boot hung for good
# whenever the symlink's attributes had expired by then (CI, and here,
# under load: the hung-task report, kernel_execve of the usermode helper
# in nfs_get_link, the RPC in call_decode).
nfs() {
	_p=$(free_port)
	mkdir -p recovery
	cat >ganesha.conf <<EOF
NFS_CORE_PARAM {
	Protocols = 4;
	Bind_addr = 127.0.0.1;
	NFS_Port = $_p;
	Enable_NLM = false;
	Enable_RQUOTA = false;
}
NFS_KRB5 { Active_krb5 = false; }
NFSV4 {
	Graceless = true;
	# 4.1: over 4.2, Debian 13's 6.12 kernel reads files with
	# READ_PLUS, which bookworm's nfs-ganesha 4.3 fails (lookups work,
	# every exec after the switch to the root fails with EIO).
	Minor_Versions = 1;
	Only_Numeric_Owners = true;
	RecoveryBackend = fs;
	RecoveryRoot = $T/recovery;
}
EXPORT {
	Export_Id = 1;
	Path = $T/tree;
	Pseudo = /mxroot;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
	Protocols = 4;
	Transports = TCP;
	FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
EOF
	ganesha.nfsd -F -L $T/ganesha.log -f $T/ganesha.conf -p $T/ganesha.pid >ganesha.out 2>&1 &
	_g=$!
	PIDS="$PIDS $_g"
	if ! listening $_p; then
		echo "nfs-ganesha does not listen on 127.0.0.1:$_p" >t60-nfs.log
		tail -20 ganesha.log >>t60-nfs.log
		return
	fi
	relay relay-nfs $_p
	boot t60-nfs "root=nfs:$SERVER:/mxroot:noatime rw" netstorage.initrd \
	    $(net guestfwd=tcp:$SERVER:2049-cmd:$T/relay-nfs)
	kill $_g
}
if [ -z "$ROOT_OK" ]; then
	t_skip "TEST-60 NFS root" "$ROOT_WHY"
elif ! need ganesha.nfsd || ! ls /usr/lib/*/ganesha/libfsalvfs.so >/dev/null 2>&1; then
	t_skip "TEST-60 NFS root" "nfs-ganesha or nfs-ganesha-vfs not installed"
else
	nfs
	root t60-nfs "TEST-60 NFS root (root=nfs:, mount.nfs of the storage extension, DHCP by default)" \
	    "root=$SERVER:/mxroot fstype=nfs4 fsroot=/ "
	t_ok "t60-nfs: root='s OPTIONS are the mount's (noatime)" \
	    grep -aEq "INITKIT-MATRIX root=$SERVER:/mxroot .* opts=rw,noatime," t60-nfs.log
fi

# TEST-70: the root on an iSCSI LUN (netroot=iscsi:SERVER::::TARGET with
# rd.iscsi.initiator=, root=UUID= of its file system), logged in by
# iscsistart of the storage extension; tgtd admits that initiator only.
iscsi() {
	_p=$(free_port)
	# tgtd's management socket, an abstract one, numbered up to 32767.
	TGTCTL=$(( $(free_port) % 30000 + 1000 ))
	tgtd -f -C $TGTCTL --iscsi portal=127.0.0.1:$_p >tgtd.out 2>&1 &
	TGTD=$!
	if ! listening $_p; then
		{ echo "tgtd does not listen on 127.0.0.1:$_p"; cat tgtd.out; } >t70-iscsi.log
		return
	fi
	tgtadm -C $TGTCTL --lld iscsi --mode target --op new --tid 1 --targetname $TARGET &&
	    tgtadm -C $TGTCTL --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store $T/root.ext4 &&
	    tgtadm -C $TGTCTL --lld iscsi --mode target --op bind --tid 1 --initiator-name $INITIATOR ||
	    { echo "tgtadm failed" >t70-iscsi.log; return; }
	relay relay-iscsi $_p
	boot t70-iscsi "ip=dhcp root=UUID=$U_NETFS netroot=iscsi:$SERVER::::$TARGET rd.iscsi.initiator=$INITIATOR" \
	    netstorage.initrd $(net guestfwd=tcp:$SERVER:3260-cmd:$T/relay-iscsi)
}
if [ -z "$ROOT_OK" ]; then
	t_skip "TEST-70 iSCSI root" "$ROOT_WHY"
elif ! need tgtd tgtadm; then
	t_skip "TEST-70 iSCSI root" "tgt not installed"
else
	iscsi
	root t70-iscsi "TEST-70 iSCSI root (netroot=iscsi:, rd.iscsi.initiator=, iscsistart of the storage extension)" \
	    "root=/dev/sda fstype=ext4 fsroot=/ chain=sda:disk, .* tran=iscsi opts="
fi

# The initrd's part of each log, up to the switch to the root.
for l in unlock t60-nfs t70-iscsi; do
	[ -f $l.log ] && sed -n '1,/Starting .*initrd-switch-root\.service/p' $l.log >$l.initrd
done
t_ok "no unit failed in the initrd of a network boot" \
    sh -c '! grep -a -B2 -A2 "Failed to start" unlock.initrd t60-nfs.initrd t70-iscsi.initrd 2>/dev/null >&2'
t_done
