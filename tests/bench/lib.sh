# tests/bench/lib.sh: what the benchmarks share. Sourced.
#
#   best NAME CMD...   run CMD RUNS times (default 3), set $NAME to the least
#                      wall-clock seconds; the shell function "before", if
#                      defined, runs untimed ahead of each run
#   usr_tree DIR       a tree of this Debian system's own files: copies of
#                      /usr/bin and /usr/include (about 480 MB)

now() { date +%s.%N; }

best() {
	_name=$1
	shift
	_b=
	for _i in $(seq "${RUNS:-3}"); do
		command -v before >/dev/null && before
		_s=$(now)
		"$@" >/dev/null 2>&1 || { echo "benchmark: $* failed" >&2; exit 1; }
		_e=$(now)
		_b=$(echo "$_s $_e ${_b:-}" | awk '{ t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3 }')
	done
	eval "$_name=\$_b"
}

usr_tree() {
	mkdir -p "$1/usr"
	cp -a /usr/bin /usr/include "$1/usr/"
}
