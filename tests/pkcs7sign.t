#!/bin/sh
# pkcs7sign: signatures checked by openssl cms -verify (binary, detached),
# the verity signature JSON by a JSON parser, a SoftHSM2 token signing
# through PKCS#11 like a key file.
. "$(dirname "$0")/lib.sh"
. "$top/tests/token.sh"
cd "$T" || exit 1

if ! need openssl python3; then
	t_skip "pkcs7sign" "openssl or python3 not installed"
	t_done
fi
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -days 3650 -subj /CN=initkit-test 2>/dev/null && chmod 600 key.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.pem -out other-cert.pem \
    -days 3650 -subj /CN=other 2>/dev/null && chmod 600 other.pem
ROOT=e522df0f97da4febb882ac40f30b37dc0b444bf6df418929463fa25280f09d5c
printf '%s\n' $ROOT >roothash
printf '%s' $ROOT >roothash.bare
verify() { # sig content
	openssl cms -verify -binary -inform DER -in "$1" -content "$2" \
	    -CAfile cert.pem -purpose any -out /dev/null 2>/dev/null
}

t_ok "sign bytes: openssl cms -verify -binary accepts" \
    sh -c 'pkcs7sign -k key.pem -c cert.pem -o data.sig cert.pem &&
	openssl cms -verify -binary -inform DER -in data.sig -content cert.pem -CAfile cert.pem -purpose any -out /dev/null 2>/dev/null'
t_ok "detached, no signed attributes, content type data" \
    sh -c 'openssl cms -cmsout -print -inform DER -in data.sig >p.txt &&
	grep -q "eContentType: pkcs7-data" p.txt && grep -q "eContent: <ABSENT>" p.txt &&
	grep -A1 "signedAttrs:$" p.txt | grep -q "<ABSENT>"'

# -j: the verity signature partition's payload.
t_ok "-j: 16 KiB, compact JSON then NUL padding" \
    sh -c 'pkcs7sign -j -k key.pem -c cert.pem -o sig.json roothash && [ $(wc -c <sig.json) = 16384 ] &&
	python3 -c "
import json, sys
d = open(\"sig.json\", \"rb\").read(); t = d.rstrip(b\"\\0\")
assert set(d[len(t):]) <= {0}
assert b\" \" not in t and b\"\\n\" not in t
j = json.loads(t)
assert list(j) == [\"rootHash\", \"certificateFingerprint\", \"signature\"], list(j)
assert j[\"rootHash\"] == \"'$ROOT'\"
"'
t_eq "-j: the fingerprint is SHA-256 of the certificate's DER" \
    "$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)" \
    python3 -c 'import json; print(json.loads(open("sig.json","rb").read().rstrip(b"\0"))["certificateFingerprint"])'
python3 -c 'import json, base64; open("sig.der", "wb").write(base64.b64decode(json.loads(open("sig.json","rb").read().rstrip(b"\0"))["signature"]))'
t_ok "-j: the signature verifies over the root hash without a newline" verify sig.der roothash.bare
# openssl itself and its reason: sh -c does not see verify(), whose "not
# found" passed as a refusal.
t_ok "-j: and not over the root hash with one" \
    sh -c '! openssl cms -verify -binary -inform DER -in sig.der -content roothash \
	-CAfile cert.pem -purpose any -out /dev/null 2>v.err && grep -q "bad signature" v.err'
t_ok "-j: stdin, and the same bytes again (RSA is deterministic)" \
    sh -c 'pkcs7sign -j -k key.pem -c cert.pem <roothash.bare | cmp - sig.json'

# A key in a token, through PKCS#11 (SoftHSM2 and OpenSSL's pkcs11 engine).
if token_init key.pem; then
	t_ok "a SoftHSM2 token signs: the same bytes as the key file" \
	    sh -c "pkcs7sign -j -k '$URI' -c cert.pem roothash | cmp - sig.json"
	t_err "a token key that does not match the certificate" 1 'pkcs7sign: pkcs11:.*: key does not match certificate other-cert.pem' \
	    pkcs7sign -j -k "$URI" -c other-cert.pem -o bad roothash
	t_err "a token without that key" 1 'pkcs7sign: pkcs11:token=initkit;object=nokey.*: object not found' \
	    pkcs7sign -j -k 'pkcs11:token=initkit;object=nokey;type=private;pin-value=1234' -c cert.pem -o bad roothash
else
	t_skip "PKCS#11 token" "softhsm2 or libengine-pkcs11-openssl not installed"
fi

# Checks before writing; one line each, no output left.
t_err "key and certificate do not match" 1 'pkcs7sign: key.pem: key does not match certificate other-cert.pem' \
    pkcs7sign -k key.pem -c other-cert.pem -o bad roothash
printf 'garbage\n' >garbage.pem && chmod 600 garbage.pem
t_err "garbage key" 1 'pkcs7sign: garbage.pem: not a PEM private key' pkcs7sign -k garbage.pem -c cert.pem -o bad roothash
t_err "garbage certificate" 1 'pkcs7sign: garbage.pem: not a PEM certificate' pkcs7sign -k key.pem -c garbage.pem -o bad roothash
openssl pkey -in key.pem -aes256 -passout pass:secret -out enc.pem 2>/dev/null && chmod 600 enc.pem
t_err "encrypted key without a passphrase: fails at once" 1 'pkcs7sign: enc.pem: key is encrypted and no passphrase was given' \
    sh -c 'pkcs7sign -k enc.pem -c cert.pem -o bad roothash </dev/null'
printf 'secret\n' >pass
t_ok "encrypted key with -p: the same signature" \
    sh -c 'pkcs7sign -j -k enc.pem -p pass -c cert.pem roothash | cmp - sig.json'
printf 'public\n' >wrong
t_err "encrypted key with the wrong passphrase: said so" 1 \
    '^pkcs7sign: enc\.pem: the passphrase in wrong does not decrypt it \(a wrong passphrase\)$' \
    pkcs7sign -k enc.pem -p wrong -c cert.pem -o bad roothash
t_err "a passphrase for a key that is not encrypted: not asked, a bad key still one line" 1 \
    '^pkcs7sign: garbage\.pem: not a PEM private key$' pkcs7sign -k garbage.pem -p wrong -c cert.pem -o bad roothash
cp key.pem loose.pem && chmod 644 loose.pem
t_ok "a key readable by others: a warning, still signs" \
    sh -c 'pkcs7sign -k loose.pem -c cert.pem -o loose.sig roothash 2>warn && grep -q "loose.pem: readable by others (mode 0644)" warn'
printf 'not-hex\n' >badroot
t_err "-j with something that is not a root hash" 1 'pkcs7sign: badroot: not a root hash' pkcs7sign -j -k key.pem -c cert.pem -o bad badroot
t_err "missing key" 1 'pkcs7sign: nokey.pem: No such file' pkcs7sign -k nokey.pem -c cert.pem -o bad roothash
t_ok "no output left by any failure" sh -c '! ls -A | grep -q -x -e bad -e "\.bad\.tmp.*"'
t_ok "the key is in no output" sh -c '! grep -q "PRIVATE KEY" sig.json data.sig loose.sig'
t_err "existing output refused without -f" 1 'pkcs7sign: sig.json: exists; use -f' pkcs7sign -j -k key.pem -c cert.pem -o sig.json roothash
t_missing "no key" "pkcs7sign: -k key is required" pkcs7sign -c cert.pem roothash
t_missing "no certificate" "pkcs7sign: -c cert is required" pkcs7sign -k key.pem roothash
t_usage "unknown option" pkcs7sign -Q
t_done
