#!/bin/sh
# The measured boot test: a disk that unlocks through the TPM for our
# signed UKI, and for nothing else. qemu + OVMF with a software TPM 2.0
# (swtpm), under Secure Boot (systemd-boot enrolls our keys, as in
# boot.t). The root is bootroot's file system (tests/boot.sh) in LUKS2,
# encrypted here offline (cryptsetup reencrypt --encrypt) and enrolled
# here by systemd-cryptenroll against the swtpm's state the guest then
# boots with: --tpm2-public-key (a PCR key of its own, not the Secure
# Boot key), PCR 11 only, no literal PCRs. The UKI (mkuki -K) carries the
# signed PCR 11 policies (.pcrsig) and the public key (.pcrpkey).
#
# - The signed UKI: systemd-cryptsetup in the initrd unlocks the root
#   through the TPM, nobody types anything; PCR 11 read in the initrd
#   (after enter-initrd) and in the root (after ready) is what mkuki -P
#   printed for those phases.
# - A UKI whose policies another key signed, and one whose command line
#   was changed after its policies were signed (the good .pcrsig put in
#   with -A): the TPM does not unseal, the initrd asks for the
#   passphrase, the test types it on the console, and the root is
#   unlocked. These two boot side by side, each on a copy of the TPM's
#   state, and stop there.
#
# amd64 (OVMF's TPM 2.0 support); the release of INITKIT_RELEASE, as
# boot.t. Needs the Debian archive (or the test cache).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if [ "${INITKIT_ARCH:-amd64}" != amd64 ]; then
	t_skip "tpm" "INITKIT_ARCH=$INITKIT_ARCH: the TPM boot test is for amd64"
	t_done
fi
if ! need swtpm cryptsetup systemd-cryptenroll; then
	t_skip "tpm" "swtpm, cryptsetup or systemd-cryptenroll not installed"
	t_done
fi
. "$top/tests/boot.sh"
. "$top/tests/swtpm.sh"

PASS=initkit-tpm-passphrase
U=3a9d1f0e-5b6c-4d7e-8f90-a1b2c3d4e5f6
openssl genrsa -out pcr.key 2048 2>/dev/null && chmod 600 pcr.key
openssl pkey -in pcr.key -pubout -out pcr.pub
openssl genrsa -out other.key 2048 2>/dev/null && chmod 600 other.key

# The root in LUKS2: the file system, 32 MiB more for the header, which
# reencrypt makes room for by moving the data; a cheap PBKDF (TCG).
printf %s $PASS >pass && chmod 600 pass
cp $R/fs.img luks.img && truncate -s +32M luks.img
t_ok "the root file system encrypted offline (cryptsetup reencrypt --encrypt, LUKS2)" \
    sh -c "cryptsetup reencrypt -q --encrypt --type luks2 --uuid $U --reduce-device-size 32M \
	--pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file pass luks.img >luks.out 2>&1 ||
	{ cat luks.out >&2; exit 1; }"

mkdir -p tpm
tpm_start tpm host
t_ok "systemd-cryptenroll: a TPM2 key slot against the PCR key, PCR 11 signed, no literal PCRs" \
    sh -c "systemd-cryptenroll --unlock-key-file=pass --tpm2-device=$TCTI --tpm2-pcrs= \
	--tpm2-public-key=pcr.pub --tpm2-public-key-pcrs=11 luks.img >enroll.out 2>&1 ||
	{ cat enroll.out >&2; exit 1; }"
tpm_stop tpm
t_ok "... LUKS2 has the systemd-tpm2 token, with our public key" \
    sh -c "cryptsetup luksDump --dump-json-metadata luks.img >luks.json 2>/dev/null ||
	cryptsetup luksDump luks.img >luks.json; grep -q systemd-tpm2 luks.json"

# A unit of the test's own in the initrd: PCR 11 once systemd-pcrphase
# extended enter-initrd, before the switch to the root.
mkdir -p ti/etc/systemd/system/sysinit.target.wants
cat >ti/etc/systemd/system/initkit-test-pcr.service <<'EOF'
[Unit]
Description=initkit TPM test: PCR 11 in the initrd
DefaultDependencies=no
After=systemd-pcrphase-initrd.service
Before=sysinit.target

[Service]
Type=oneshot
# (No tr in the initrd: bash lowers the case. $$: a $ past systemd's own
# expansion.)
ExecStart=/bin/bash -c 'read -r v </sys/class/tpm/tpm0/pcr-sha256/11; echo "INITKIT-INITRD pcr11=$${v,,}" >/dev/kmsg'
EOF
ln -s ../initkit-test-pcr.service ti/etc/systemd/system/sysinit.target.wants/
chmod -R u=rwX,go=rX ti
mkcpio -t 1700000000 -z none -o ti.cpio ti

CMDLINE="console=$CONSOLE rd.luks.name=$U=root rd.luks.options=tpm2-device=auto root=/dev/mapper/root"
# uki NAME CMDLINE ARG...: a signed UKI of debian-basic with CMDLINE.
uki() {
	_u=$1 _c=$2
	shift 2
	mkuki -f -s $STUBDIR/linux$EFI.efi.stub -l $VMLINUZ \
	    -i $B0/initrd.cpio.zst -i $B0/modules-$KVER.cpio.zst -i ti.cpio \
	    -C "$_c" -r $B0/root/usr/lib/os-release -k db.key -c db.crt "$@" -o $_u.efi
}
# disk NAME: NAME.efi on an ESP, and the LUKS2 root; NAME.raw.
disk() {
	esp $1 $1.efi
	mkgpt -f -S 8c2f3c4e-1d6a-4b7e-9f01-2a3b4c5d6e7f -o $1.raw esp=$1.vfat \
	    root=luks.img
}

uki good "$CMDLINE" -K pcr.key -P >good.pcr
objcopy -O binary --only-section=.pcrsig good.efi good.pcrsig
disk good
cp $FWVARS enrolled.vars
tpm_start tpm qemu
QEMU_EXTRA=$(tpm_qemu tpm) boot good enrolled.vars '\] INITKIT-ROOT ' \
    'emergency mode|Kernel panic|Access Denied|Security Violation|Please enter passphrase'
tpm_stop tpm
t_ok "tpm: the signed UKI booted under Secure Boot" \
    sh -c 'grep -aq "\] INITKIT-ROOT secureboot=1 root=/dev/mapper/root dm=root fstype=squashfs " good.log || { tail -c 1800 good.log >&2; exit 1; }'
t_ok "tpm: systemd-cryptsetup unlocked the root through the TPM, nobody was asked" \
    sh -c '! grep -aq "Please enter passphrase" good.log && grep -aq "INITKIT-ROOT" good.log'
want() { awk -v p="$1" '$1 == "pcr11" && $3 == p { print $2 }' good.pcr; }
t_eq "tpm: PCR 11 in the initrd is mkuki -P's after enter-initrd" \
    "$(want enter-initrd)" \
    sh -c "sed -n 's/.*INITKIT-INITRD pcr11=\([0-9a-f]*\).*/\1/p' good.log"
t_eq "tpm: PCR 11 in the root is mkuki -P's after ready" \
    "$(want enter-initrd:leave-initrd:sysinit:ready)" \
    sh -c "sed -n 's/.*INITKIT-ROOT .* pcr11=\([0-9a-f]*\) .*/\1/p' good.log"

# fallback NAME DESC: NAME.raw booted, on a TPM of its own with the same
# state, until the root is unlocked: the TPM must not unlock it, the
# passphrase typed at the prompt must. Both at once.
fallback() {
	disk $1
	cp enrolled.vars $1.vars
	cp -r tpm $1.tpm
	tpm_start $1.tpm qemu
	QEMU_EXTRA=$(tpm_qemu $1.tpm) boot $1 $1.vars 'Finished .*Cryptography Setup for root' \
	    'emergency mode|Kernel panic|Access Denied|Security Violation' 'Please enter passphrase' $PASS
	tpm_stop $1.tpm
}
uki otherkey "$CMDLINE" -K other.key
uki tampered "$CMDLINE initkit.tampered=1" -A .pcrpkey=pcr.pub -A .pcrsig=good.pcrsig
fallback otherkey &
fallback tampered
wait
for c in "otherkey:PCR policies signed by another key" \
    "tampered:the command line changed after the policies were signed"; do
	t_ok "tpm: ${c#*:}: the TPM did not unlock, the passphrase typed on the console did" \
	    sh -c "grep -aq 'Please enter passphrase' ${c%%:*}.log &&
		sed -n '/Please enter passphrase/,\$p' ${c%%:*}.log | grep -aq 'Finished .*Cryptography Setup for root' ||
		{ tail -c 1800 ${c%%:*}.log >&2; exit 1; }"
done
t_done
