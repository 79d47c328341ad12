#!/bin/sh
# mkuki -K: a UKI's signed PCR 11 policies (.pcrsig) and their public key
# (.pcrpkey). Checked against systemd-measure sign over the same
# sections, byte for byte (RSASSA-PKCS1-v1_5 is deterministic):
# bookworm's 252 on this machine, which signs through a TPM (swtpm
# here), and trixie's 257 from a root of its own (no TPM needed); and
# from the TPM 2.0 specification by hand: each policy is TPM2_PolicyPCR
# over the value -P prints, each signature verifies with the public key
# alone (openssl).
. "$(dirname "$0")/lib.sh"
. "$top/tests/kernel.sh"
. "$top/tests/token.sh"
. "$top/tests/swtpm.sh"
cd "$T" || exit 1

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
MEASURE=/usr/lib/systemd/systemd-measure
if [ ! -f $STUB ] || ! need openssl objdump objcopy python3; then
	t_skip "mkuki -K" "systemd-boot-efi, openssl, binutils or python3 not installed"
	t_done
fi
openssl genrsa -out pcr.pem 2048 2>/dev/null && chmod 600 pcr.pem
openssl pkey -in pcr.pem -pubout -out pcr.pub
openssl genrsa -out other.pem 2048 2>/dev/null && chmod 600 other.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null &&
    chmod 600 ec.pem
# A PE image standing in for the kernel (only measured here), without
# the stub's .sbat, which would be merged into ours.
python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b".sbat\0\0\0"); d[i:i + 8] = b".nosbat\0"
open("vmlinuz", "wb").write(d)' $STUB
printf 'ID=debian\nVERSION_ID=12\n' >osrel
printf 'console=ttyS0 root=/dev/mapper/root' >cmdline
head -c 5000 /dev/urandom >initrd
IN="-l vmlinuz -u 6.1.0-0-fake -i initrd -C @cmdline -r osrel"
# sections FILE: its section names as objdump -h lists them, in order.
sections() { objdump -h "$1" | awk '$1 ~ /^[0-9]+$/ { printf "%s%s", s, $2; s = " " }'; }
# section FILE NAME: the section's bytes (its VirtualSize) on stdout.
section() { objcopy -O binary --only-section="$2" "$1" /dev/stdout; }

t_ok "a UKI with signed PCR policies" mkuki -s $STUB $IN -K pcr.pem -o u.efi
t_eq "its sections: .pcrpkey among the measured, .pcrsig before .linux" \
    "$(sections $STUB) .osrel .cmdline .uname .pcrpkey .initrd .pcrsig .linux" sections u.efi
section u.efi .pcrsig >u.pcrsig
section u.efi .pcrpkey >u.pcrpkey
t_ok ".pcrpkey: the public key as openssl writes it (PEM)" cmp u.pcrpkey pcr.pub
mkuki -P -s $STUB $IN -K pcr.pem >pcr.txt
t_eq "-P: .pcrpkey is measured, after .initrd" ".linux .osrel .cmdline .initrd .pcrpkey" \
    sh -c "awk '\$1 == \"section\" { printf \"%s%s\", s, \$2; s = \" \" }' pcr.txt"
t_ok "-P -o: the same image" sh -c "mkuki -P -s $STUB $IN -K pcr.pem -o p.efi >/dev/null && cmp p.efi u.efi"

# From the specification: for each of the four phases -P lists,
# TPM2_PolicyPCR(PCR 11 of sha256 = that value) in a SHA-256 session:
# SHA-256(32 zeros || TPM_CC_PolicyPCR 0x17f || TPML_PCR_SELECTION {1,
# TPM_ALG_SHA256 0x000b, 3, 00 08 00} || SHA-256(value)); the key's
# fingerprint: SHA-256 of its PKCS#1 DER.
openssl rsa -pubin -in pcr.pub -RSAPublicKey_out -outform DER -out pcr.der 2>/dev/null
t_ok ".pcrsig: the policies of the four phases -P lists, the key's fingerprint" python3 -c '
import hashlib, json, struct
j = json.load(open("u.pcrsig"))
assert list(j) == ["sha256"], list(j)
vals = [l.split("\t") for l in open("pcr.txt").read().splitlines()]
vals = [v for v in vals if v[0] == "pcr11" and len(v) == 3]
assert [v[2] for v in vals] == ["enter-initrd", "enter-initrd:leave-initrd",
    "enter-initrd:leave-initrd:sysinit", "enter-initrd:leave-initrd:sysinit:ready"]
fp = hashlib.sha256(open("pcr.der", "rb").read()).hexdigest()
assert len(j["sha256"]) == 4
for e, v in zip(j["sha256"], vals):
    sel = struct.pack(">IIHB", 0x17f, 1, 0x000b, 3) + bytes([0, 8, 0])
    pol = hashlib.sha256(bytes(32) + sel + hashlib.sha256(bytes.fromhex(v[1])).digest())
    assert e == {"pcrs": [11], "pkfp": fp, "pol": pol.hexdigest(), "sig": e["sig"]}, e
'
# verify_sigs FILE: each signature of FILE verifies over its policy with
# pcr.pub (the bank's hash: systemd signs SHA-1 policies with SHA-1).
verify_sigs() {
	python3 -c '
import base64, json, subprocess, sys
for bank, entries in json.load(open(sys.argv[1])).items():
    for n, e in enumerate(entries):
        open("v.sig", "wb").write(base64.b64decode(e["sig"]))
        open("v.pol", "wb").write(bytes.fromhex(e["pol"]))
        r = subprocess.run(["openssl", "dgst", "-" + bank, "-verify", "pcr.pub",
            "-signature", "v.sig", "v.pol"], capture_output=True, text=True)
        assert r.returncode == 0, (bank, n, r.stdout, r.stderr)
' "$1"
}
t_ok ".pcrsig: each signature verifies with the public key" verify_sigs u.pcrsig
mkuki -s $STUB $IN -K pcr.pem -B sha512,sha1,sha384,sha256 -T enter-initrd -T sysinit:foo -o b.efi
section b.efi .pcrsig >b.pcrsig
t_eq "-B: every bank, in TPM_ALG_ID order; -T: the phases given" \
    "sha1 2 sha256 2 sha384 2 sha512 2" \
    sh -c "jq -j 'to_entries | map(.key + \" \" + (.value | length | tostring)) | join(\" \")' b.pcrsig"
t_ok "... and each of their signatures verifies" verify_sigs b.pcrsig
t_ok "the same UKI again: the same bytes" sh -c "mkuki -s $STUB $IN -K pcr.pem -o u2.efi && cmp u.efi u2.efi"
if token_init pcr.pem; then
	t_ok "a SoftHSM2 token's key: the same UKI as the key file" \
	    sh -c "mkuki -s $STUB $IN -K '$URI' -o t.efi && cmp t.efi u.efi"
else
	t_skip "-K from a PKCS#11 token" "softhsm2 or libengine-pkcs11-openssl not installed"
fi
openssl req -x509 -key pcr.pem -out pcr.crt -days 3650 -subj /CN=initkit-sb 2>/dev/null
t_ok "-K with -k: the same .pcrsig, under the Authenticode signature" \
    sh -c "mkuki -s $STUB $IN -K pcr.pem -k pcr.pem -c pcr.crt -o s.efi &&
	objcopy -O binary --only-section=.pcrsig s.efi /dev/stdout | cmp - u.pcrsig && mkuki -I s.efi | grep -q '^signature	verified	CN=initkit-sb\$'"

# systemd 252 on this machine: systemd-measure sign asks a TPM for the
# policy digest, a software TPM on a free local port here.
mkdir -p tpm
if [ -x $MEASURE ] && need swtpm && tpm_start tpm host; then
	sign252() {
		$MEASURE sign --tpm2-device=$TCTI --linux=vmlinuz --osrel=osrel \
		    --cmdline=cmdline --initrd=initrd --pcrpkey=pcr.pub \
		    --private-key=pcr.pem --public-key=pcr.pub "$@" 2>>measure.err
	}
	sign252 --bank=sha256 >want.pcrsig
	t_ok "252: .pcrsig is what systemd-measure sign writes" \
	    sh -c '[ -s want.pcrsig ] || { cat measure.err >&2; exit 1; }; cmp want.pcrsig u.pcrsig'
	sign252 --bank=sha1 --bank=sha256 --bank=sha384 --bank=sha512 \
	    --phase=enter-initrd --phase=sysinit:foo >want-b.pcrsig
	t_ok "252: and with four banks and two phases of our own" \
	    sh -c '[ -s want-b.pcrsig ] || { cat measure.err >&2; exit 1; }; cmp want-b.pcrsig b.pcrsig'
	tpm_stop tpm
else
	t_skip "252: systemd-measure sign" "systemd-measure or swtpm not installed, or swtpm did not start"
fi

# systemd 257: a UKI of trixie's stub, which also measures .uname and
# .sbat; its systemd-measure sign over the same sections (it computes
# the policy itself, with the TSS2 libraries it loads).
IN_ROOT=chroot
[ "$(id -u)" = 0 ] || IN_ROOT="unshare -r chroot"
if ! archive_get sd257 "" -r trixie -m "$DEBIAN_MIRROR" systemd-boot-efi systemd \
    libtss2-esys-3.0.2-0t64 libtss2-rc0t64 libtss2-mu-4.0.1-0t64; then
	t_archive "257: systemd-measure sign" "$GET_WHY"
else
	R=$T/sd257 W=$T/sd257/w
	S7=$R/usr/lib/systemd/boot/efi/linuxx64.efi.stub
	mkdir -p $W
	mkuki -s $S7 $IN -K pcr.pem -B sha256,sha384 -o $W/u.efi
	for s in .linux .osrel .cmdline .initrd .uname .sbat .pcrpkey .pcrsig; do
		section $W/u.efi $s >$W/$s
	done
	cp pcr.pem pcr.pub $W/
	$IN_ROOT $R /usr/lib/systemd/systemd-measure sign --bank=sha256 --bank=sha384 \
	    --linux=/w/.linux --osrel=/w/.osrel --cmdline=/w/.cmdline --initrd=/w/.initrd \
	    --uname=/w/.uname --sbat=/w/.sbat --pcrpkey=/w/.pcrpkey \
	    --private-key=/w/pcr.pem --public-key=/w/pcr.pub >want257.pcrsig 2>measure257.err
	t_ok "257: .pcrsig is what its systemd-measure sign writes (.uname, .sbat measured)" \
	    sh -c '[ -s want257.pcrsig ] || { cat measure257.err >&2; exit 1; }; cmp want257.pcrsig '"$W/.pcrsig"
fi

# Refused, before any output.
t_err "an EC key" 1 "^mkuki: ec.pem: not an RSA key" mkuki -s $STUB $IN -K ec.pem -o x.efi
t_err "a bank TPMs do not have" 2 "^mkuki: md5: not a PCR bank" \
    mkuki -s $STUB $IN -K pcr.pem -B sha256,md5 -o x.efi
t_err "-B without -K" 2 "^mkuki: -B: the banks of -K's signatures: give -K\$" \
    mkuki -s $STUB $IN -B sha1 -o x.efi
t_err "an empty phase" 2 "^mkuki: -T enter-initrd::ready: an empty phase\$" \
    mkuki -s $STUB $IN -K pcr.pem -T enter-initrd::ready -o x.efi
t_err "a phase with a space" 2 "^mkuki: -T a b: a phase is printable ASCII\$" \
    mkuki -s $STUB $IN -K pcr.pem -T 'a b' -o x.efi
t_err "-T without -K or -P" 2 "^mkuki: -T: the phases of -K's signatures or -P" \
    mkuki -s $STUB $IN -T sysinit -o x.efi
t_err "-K for an addon" 2 "^mkuki: -a builds an addon: no -K\$" \
    mkuki -a -s $STUB -C quiet -K pcr.pem -o x.addon.efi
t_err "-A .pcrsig with -K" 2 "^mkuki: -A .pcrsig: -K makes it\$" \
    mkuki -s $STUB $IN -K pcr.pem -A .pcrsig=u.pcrsig -o x.efi
t_err "-K: not a key" 1 "^mkuki: osrel: not a PEM private key\$" \
    mkuki -s $STUB $IN -K osrel -o x.efi
t_ok "... after all of which nothing is left" sh -c '! ls -A | grep -e "^x\.efi" -e "\.tmp"'
# Signatures made elsewhere go in with -A, as given.
t_ok "-A .pcrsig and .pcrpkey without -K: placed as given" \
    sh -c "mkuki -s $STUB $IN -A .pcrpkey=pcr.pub -A .pcrsig=u.pcrsig -o a.efi && objcopy -O binary --only-section=.pcrsig a.efi /dev/stdout | cmp - u.pcrsig"
t_done
