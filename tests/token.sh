# tests/token.sh: a SoftHSM2 token holding a test key, for the tools that
# sign through PKCS#11 (OpenSSL's pkcs11 engine). Sourced after lib.sh.
#
#   token_init KEY.pem   a token "initkit" in $T/tokens with KEY.pem as
#                        object "signing"; sets URI; returns 1 when
#                        softhsm2 or the engine is missing

token_init() {
	need softhsm2-util || return 1
	ls /usr/lib/*/engines-3/pkcs11.so >/dev/null 2>&1 || return 1
	mkdir -p "$T/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$T" >"$T/softhsm2.conf"
	SOFTHSM2_CONF=$T/softhsm2.conf
	export SOFTHSM2_CONF
	softhsm2-util --init-token --free --label initkit --pin 1234 --so-pin 5678 >/dev/null &&
	    openssl pkcs8 -topk8 -nocrypt -in "$1" -out "$T/key.p8" &&
	    softhsm2-util --import "$T/key.p8" --token initkit --label signing --id 01 --pin 1234 >/dev/null
	_rc=$?
	rm -f "$T/key.p8"
	URI='pkcs11:token=initkit;object=signing;type=private;pin-value=1234'
	return $_rc
}
