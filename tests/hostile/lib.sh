# tests/hostile/lib.sh: the runner of hostile cases, sourced after
# tests/lib.sh by every tests/hostile/*.sh.
#
# A case is one tool run on one hostile input, in a sandbox directory $S
# (made by h_sandbox) that holds the inputs and whatever the attack aims
# at (a sentinel "outside" of a root, say). The run must fail as every
# tool's man page promises for bad input (EXIT STATUS):
#
#   h_case NAME RC REGEX OUT [ALLOW] -- CMD...
#
#   NAME   the case, "tool: what" (one line of the report)
#   RC     the exit code wanted (1 for bad input, 2 for a bad option)
#   REGEX  the one stderr line must match it (ERE; name the object)
#   OUT    the final output path, which must not exist afterwards ("-" if
#          the output is stdout: then stdout must be empty); its directory
#          may change in size and mtime (a temporary came and went)
#   ALLOW  optional: a path under $S that may change (a cache), or ""
#
# Checked: the exit code; exactly one stderr line, of at most 512 bytes,
# matching REGEX; no sanitizer report; no file at OUT; every file,
# directory and link under $S (ALLOW aside) unchanged in type, mode, size,
# mtime, target and content, and nothing new; the run ends within
# H_TIMEOUT seconds (default 60).
#
# The outcome goes to TAP and, when $HOSTILE_LOG names a file, as one line
# "NAME<TAB>OUTCOME" where OUTCOME is one of
#   ok         failed as promised
#   accepted   exited 0: the input was wrongly accepted
#   crash      killed by a signal or a sanitizer report
#   hang       still running after H_TIMEOUT seconds
#   outside    changed something under $S other than OUT
#   partial    left a file at OUT
#   message    wrong exit code or diagnostic
# (the first that applies, in this order). tests/hostile/report.sh counts
# them.

H_TIMEOUT=${H_TIMEOUT:-60}
_h_n=0

# A fresh sandbox: S is set to it and the shell cds there.
h_sandbox() {
	_h_n=$((_h_n + 1))
	S=$T/sandbox.$_h_n
	mkdir -p "$S" && cd "$S" || exit 1
}

# Everything under $1 but $2, one line each, sorted: path, type, mode,
# size, mtime, link target, content hash. The directory $3 (relative to
# $1) is listed without size and mtime: the output's own directory, where
# a temporary file comes and goes by design.
_h_snap() {
	(cd "$1" && {
		find . -path "./${2:-.none}" -prune -o \
		    -printf '%p\t%y\t%m\t%s\t%T@\t%l\n' |
		    awk -F '\t' -v OFS='\t' -v d="${3:-.none}" \
			'$1 == d && $2 == "d" { $4 = $5 = "-" } { print }'
		find . -path "./${2:-.none}" -prune -o -type f -print0 |
		    xargs -0r sha256sum
	}) | LC_ALL=C sort
}

_h_log() {
	[ -n "${HOSTILE_LOG:-}" ] && printf '%s\t%s\n' "$1" "$2" >>"$HOSTILE_LOG"
	return 0
}

h_case() {
	_hn=$1; _hrc=$2; _hre=$3; _hout=$4; shift 4
	_hallow=
	if [ "$1" != -- ]; then _hallow=${1#"$S"/}; shift; fi
	shift # --
	# The output's directory, as find prints it from $S.
	_hdir=.none
	if [ "$_hout" != - ]; then
		case $_hout in /*) ;; *) _hout=$PWD/$_hout ;; esac
		_hdir=$(dirname "$_hout")
		case $_hdir in
		"$S") _hdir=. ;;
		"$S"/*) _hdir=./${_hdir#"$S"/} ;;
		esac
	fi
	_h_snap "$S" "$_hallow" "$_hdir" >"$T/.before"
	timeout -k 5 "$H_TIMEOUT" "$@" >"$T/.hout" 2>"$T/.herr"
	_hgot=$?
	_h_snap "$S" "$_hallow" "$_hdir" >"$T/.after"
	if [ "$_hgot" -eq 0 ]; then
		_hres=accepted
	elif [ "$_hgot" -eq 124 ]; then
		_hres=hang
	elif [ "$_hgot" -ge 128 ] ||
	    grep -Eq 'Sanitizer|runtime error:' "$T/.herr"; then
		_hres=crash
	elif [ "$_hout" != - ] && { [ -e "$_hout" ] || [ -L "$_hout" ]; }; then
		_hres=partial
	elif ! cmp -s "$T/.before" "$T/.after"; then
		_hres=outside
	elif [ "$_hgot" -ne "$_hrc" ] || [ "$(wc -l <"$T/.herr")" -ne 1 ] ||
	    [ "$(wc -c <"$T/.herr")" -gt 512 ] ||
	    ! grep -Eq -- "$_hre" "$T/.herr" ||
	    { [ "$_hout" = - ] && [ -s "$T/.hout" ]; }; then
		_hres=message
	else
		_hres=ok
	fi
	_h_log "$_hn" "$_hres"
	if [ "$_hres" = ok ]; then
		t_pass "$_hn"
		return 0
	fi
	t_fail "$_hn"
	{
		echo "outcome $_hres: exit $_hgot (want $_hrc), stderr (want one line matching $_hre):"
		head -c 2000 "$T/.herr"
		diff "$T/.before" "$T/.after" | head -20
	} | _diag
	return 1
}
