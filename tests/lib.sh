# tests/lib.sh: the shell test harness, sourced by every tests/*.t.
# One case per line, black box; each prints one TAP line without a number
# (tests/run numbers them): "ok - DESC", "not ok - DESC" followed by "# "
# lines saying why, or "ok - DESC # SKIP reason".
#
#   t_ok DESC CMD...               CMD exits 0
#   t_eq DESC EXPECTED CMD...      CMD exits 0 and prints exactly EXPECTED
#   t_err DESC CODE REGEX CMD...   CMD exits CODE, prints nothing on stdout,
#                                  and one stderr line matching REGEX
#   t_usage DESC CMD...            CMD exits 2 and prints its usage
#   t_pass DESC, t_fail DESC [FILE]  a case the script decided itself (FILE:
#                                  the diagnostic)
#   t_skip DESC REASON             only for a stated absence: a tool not
#                                  installed, the archive not reachable
#   t_done                         the script's last word: how many cases
#                                  it ran; exits 0
#   need CMD...                    true if every CMD is on PATH
#   offline FILE                   true if the error in FILE says the
#                                  network or the archive could not be
#                                  reached
#   no_loop FILE                   true if the error in FILE says there
#                                  are no loop devices to use here
#
# Sourcing prints "# start of SCRIPT", t_done "# end of SCRIPT: N cases";
# tests/run fails a script that does not reach t_done (an early exit 0
# would lose its cases unseen) or whose count is not what it printed.
# A case whose command passed although the shell could not find one of
# its commands (! cmd, cmd || true) fails.
#
# $T is a fresh work directory (removed at exit); the tools under test are
# first on PATH. Environment that could leak into outputs is cleared.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
# A script one level deeper (tests/hostile/*.sh) has its top one more up.
[ -f "$top/tests/lib.sh" ] || top=$(cd "$top/.." && pwd)
B=${B:-$top/build}
PATH="$B/bin:$PATH"
LC_ALL=C
TZ=UTC
export PATH LC_ALL TZ
unset SOURCE_DATE_EPOCH
T=$(mktemp -d "${TMPDIR:-/tmp}/initkit-test.XXXXXX")
export T
# INITKIT_KEEP=1: the work directory stays, for a look at a failure.
trap '[ -n "${INITKIT_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"' EXIT
umask 022
echo "# start of $0"

# The machine of every boot test is make qemu's (libexec/qemu: the
# firmware, the ESP, the keys it enrolls); TCG its emulated CPUs (KVM
# does not run guests here), for amd64 one host thread for both
# (libexec/qemu says why; tests/boot.sh takes its ARCH's).
INITKIT_QEMU_LIB=1 . "$top/libexec/qemu"
unset INITKIT_QEMU_LIB
TCG=$(qemu_accel amd64 tcg)

# Every TAP line of a case goes through here, counted in a file: a case
# in a subshell counts too.
_t_line() {
	echo "$1"
	echo >>"$T/.cases"
}

t_done() {
	echo "# end of $0: $(cat "$T/.cases" 2>/dev/null | wc -l) cases"
	exit 0
}

# awk ends the last line too: output without a newline must not glue the
# next TAP line to a diagnostic, where tests/run would not count it.
_diag() { awk '{ print "# " $0 }'; }

# A command the shell did not find, as dash and bash say it: a case that
# passed with it (! cmd, cmd || true) proved nothing.
_notfound() {
	grep -Eq -e '^[^#].*: [0-9]+: .*: not found$' \
	    -e '^[^#].*: line [0-9]+: .*: command not found$' "$T/.err" || return 1
	_t_line "not ok - $_d"
	{ echo "a command was not found:"; head -c 2000 "$T/.err"; } | _diag
}

t_ok() {
	_d=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then
		_notfound || _t_line "ok - $_d"
	else
		_rc=$?
		_t_line "not ok - $_d"
		echo "exit $_rc from: $*" | _diag
		head -c 2000 "$T/.err" | _diag
	fi
}

t_eq() {
	_d=$1; _exp=$2; shift 2
	if "$@" >"$T/.out" 2>"$T/.err"; then
		if [ "$(cat "$T/.out")" = "$_exp" ]; then
			_notfound || _t_line "ok - $_d"
			return
		fi
		_t_line "not ok - $_d"
		{ echo "expected:"; printf '%s\n' "$_exp"; echo "got:";
		  head -c 2000 "$T/.out"; } | _diag
	else
		_rc=$?
		_t_line "not ok - $_d"
		echo "exit $_rc from: $*" | _diag
		head -c 2000 "$T/.err" | _diag
	fi
}

t_err() {
	_d=$1; _code=$2; _re=$3; shift 3
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	if [ "$_rc" -eq "$_code" ] && [ ! -s "$T/.out" ] &&
	    [ "$(wc -l <"$T/.err")" -eq 1 ] && grep -Eq -- "$_re" "$T/.err"; then
		_t_line "ok - $_d"
	else
		_t_line "not ok - $_d"
		echo "exit $_rc (want $_code), stdout $(wc -c <"$T/.out") bytes, stderr (want one line matching $_re):" | _diag
		head -c 2000 "$T/.err" | _diag
	fi
}

t_usage() {
	_d=$1; shift
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	if [ "$_rc" -eq 2 ] && [ ! -s "$T/.out" ] && grep -q '^usage: ' "$T/.err"; then
		_t_line "ok - $_d"
	else
		_t_line "not ok - $_d"
		echo "exit $_rc (want 2 and a usage line):" | _diag
		head -c 2000 "$T/.err" | _diag
	fi
}

# t_missing DESC LINE CMD...: a required option left out: exit 2, the
# first stderr line exactly LINE (which names it), then the usage.
t_missing() {
	_d=$1 _line=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	if [ "$_rc" -eq 2 ] && [ ! -s "$T/.out" ] &&
	    [ "$(head -n 1 "$T/.err")" = "$_line" ] && grep -q '^usage: ' "$T/.err"; then
		_t_line "ok - $_d"
	else
		_t_line "not ok - $_d"
		echo "exit $_rc (want 2, the line \"$_line\" and a usage):" | _diag
		head -c 2000 "$T/.err" | _diag
	fi
}

t_pass() { _t_line "ok - $1"; }

t_fail() {
	_t_line "not ok - $1"
	[ -z "${2:-}" ] || head -c 2000 "$2" | _diag
}

# The reason on the one line (an error quoted in it may have several).
t_skip() { _t_line "ok - $1 # SKIP $(printf %s "$2" | tr '\n' ' ')"; }

need() {
	for _c; do
		command -v "$_c" >/dev/null 2>&1 || return 1
	done
}

# apt's words for a network it could not use (pkgroot passes them on):
# an archive that answered with an error is no absence.
# kernel_image ROOT KVER: the path of Debian's kernel image in the
# kernel root ROOT (a profile's out/NAME/kernel): /boot/vmlinuz-KVER up
# to trixie, /usr/lib/modules/KVER/vmlinuz from forky on.
kernel_image() {
	if [ -f "$1/boot/vmlinuz-$2" ]; then
		echo "$1/boot/vmlinuz-$2"
	else
		echo "$1/usr/lib/modules/$2/vmlinuz"
	fi
}
offline() {
	grep -Eq 'Could not resolve|Cannot initiate the connection|Temporary failure resolving|Could not connect|Unable to connect|Network is unreachable|No route to host|Connection timed out|Connection refused' "$1"
}

# frozen_sources FILE: profiles/debian.sources with Check-Valid-Until: no
# in every entry. The Release files of testing and of the -updates and
# -security suites are valid for a week (Valid-Until), and a frozen
# mirror's or a snapshot's has passed that: apt, and so pkgroot, refuses
# them, as it should for a user of the live archive (profiles/
# debian.sources checks). The tests check the chain, not the archive's
# age; the signatures are still checked. It is $SOURCES, which every
# profile build of the tests reads (mk/profile.mk's SOURCES ?=), unless
# SOURCES= was given.
frozen_sources() {
	sed '/^Types:/a Check-Valid-Until: no' "$top/profiles/debian.sources" >"$1"
}
if [ -z "${SOURCES:-}" ]; then
	frozen_sources "$T/debian.sources"
	SOURCES=$T/debian.sources
fi
export SOURCES

# A loop device that could not be had (systemd-dissect, systemd-repart in
# a container): not what they say of an image they read.
no_loop() {
	grep -Eqi 'loop.*(No such device|No such file or directory|Operation not permitted|Permission denied)' "$1"
}
