#!/bin/sh
# Keys that do not match their certificates, and files that are not what
# their option says, for pkcs7sign and mkuki (issue 11).
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
if ! need openssl; then
	t_skip "keys: hostile keys" "openssl not installed"
	t_done
fi
cd "$T" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.pem -out rsa-cert.pem \
    -days 3650 -subj /CN=rsa 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.pem -out other-cert.pem \
    -days 3650 -subj /CN=other 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.pem \
    -out ec-cert.pem -days 3650 -subj /CN=ec 2>/dev/null
openssl pkey -in rsa.pem -aes256 -passout pass:right -out enc.pem 2>/dev/null
openssl x509 -in rsa-cert.pem -outform DER -out rsa-cert.der
openssl pkey -in rsa.pem -outform DER -out rsa.der
printf 'right\n' >pass.right
printf 'wrong\n' >pass.wrong
printf '%064d\n' 0 | tr 0 a >roothash
if [ -f $STUB ] && need python3; then
	python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.index(b".sbat\0\0\0"); d[i:i + 8] = b".nosbat\0"
open("vmlinuz", "wb").write(d)' $STUB
	cp $STUB stub.efi
fi

# key cert [passfile] | what | the message after "TOOL: "
cases='rsa.pem other-cert.pem|another key'"'"'s certificate|rsa\.pem: key does not match certificate other-cert\.pem$
ec.pem rsa-cert.pem|an EC key with an RSA certificate|ec\.pem: key does not match certificate rsa-cert\.pem$
rsa.pem ec-cert.pem|an RSA key with an EC certificate|rsa\.pem: key does not match certificate ec-cert\.pem$
enc.pem other-cert.pem pass.right|an encrypted key with another certificate|enc\.pem: key does not match certificate other-cert\.pem$
enc.pem rsa-cert.pem pass.wrong|an encrypted key with the wrong passphrase|enc\.pem: 
enc.pem rsa-cert.pem|an encrypted key without a passphrase|enc\.pem: key is encrypted and no passphrase was given
rsa-cert.pem rsa-cert.pem|a certificate as the key|rsa-cert\.pem: 
rsa.pem rsa.pem|a key as the certificate|rsa\.pem: 
rsa.der rsa-cert.pem|a DER key|rsa\.der: 
rsa.pem rsa-cert.der|a DER certificate|rsa-cert\.der: 
empty rsa-cert.pem|an empty key|empty: 
rsa.pem empty|an empty certificate|empty: 
roothash rsa-cert.pem|a root hash as the key|roothash: '

run() { # tool key cert pass what regex
	h_sandbox
	for f in rsa.pem other-cert.pem ec.pem rsa-cert.pem ec-cert.pem enc.pem rsa-cert.der \
	    rsa.der pass.right pass.wrong roothash vmlinuz stub.efi; do
		[ -f "$T/$f" ] && cp -p "$T/$f" .
	done
	: >empty
	_pass=${4:+-p $4}
	case $1 in
	pkcs7sign)
		# shellcheck disable=SC2086
		h_case "pkcs7sign: $5" 1 "^pkcs7sign: $6" "$S/sig" -- \
		    pkcs7sign -k "$2" -c "$3" $_pass -o sig roothash ;;
	pkcs7sign-j)
		# shellcheck disable=SC2086
		h_case "pkcs7sign -j: $5" 1 "^pkcs7sign: $6" "$S/sig.json" -- \
		    pkcs7sign -j -k "$2" -c "$3" $_pass -o sig.json roothash ;;
	mkuki)
		# shellcheck disable=SC2086
		h_case "mkuki: $5" 1 "^mkuki: $6" "$S/out.efi" -- \
		    mkuki -u 1 -s stub.efi -l vmlinuz -k "$2" -c "$3" $_pass -o out.efi ;;
	esac
}

printf '%s\n' "$cases" | while IFS='|' read -r kc what re; do
	set -- $kc
	for tool in pkcs7sign pkcs7sign-j mkuki; do
		if [ $tool = mkuki ] && [ ! -f stub.efi ]; then
			t_skip "mkuki: $what" "systemd-boot-efi or python3 not installed"
			continue
		fi
		run $tool "$1" "$2" "${3:-}" "$what" "$re"
	done
	cd "$T" || exit 1
done
t_done
