#!/bin/sh
# tests/fuzz/run.sh FB SECONDS TARGET...: run each fuzz target FB/TARGET
# for SECONDS on its working corpus FB/corpus/TARGET, with the seeds
# (FB/seeds/TARGET) and the regression inputs (tests/fuzz/corpus/TARGET);
# the log goes to FB/TARGET.log, what it finds to FB/crash/TARGET-*. One
# line per target, and FB/summary.tsv: "target<TAB>executions<TAB>crashes"
# per line. Exit 1 if any target crashed, leaked or timed out. FUZZ_JOBS
# targets run at once (default: the number of CPUs).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
fb=$(cd "$1" && pwd)
secs=$2
shift 2
# The targets make and remove files for every input: a tmpfs is 20 times
# faster than ext4 there.
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=$fb
TMPDIR=$(mktemp -d "$base/initkit-fuzz-run.XXXXXX") || exit 1
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
mkdir -p "$fb/crash"
: >"$fb/summary.tsv"

# fuzz_one TARGET: one target's run; its summary line into FB/TARGET.sum,
# what to print into FB/TARGET.msg.
fuzz_one() {
	_t=$1
	mkdir -p "$fb/corpus/$_t"
	rm -f "$fb/crash/$_t-"*
	set -- "$fb/corpus/$_t" "$fb/seeds/$_t"
	[ -d "$top/tests/fuzz/corpus/$_t" ] && set -- "$@" "$top/tests/fuzz/corpus/$_t"
	"$fb/$_t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$fb/crash/$_t-" "$@" \
	    >"$fb/$_t.log" 2>&1
	_rc=$?
	_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fb/$_t.log" | tail -1)
	_crashes=$(find "$fb/crash" -name "$_t-*" | wc -l)
	[ $_rc -ne 0 ] && [ "$_crashes" -eq 0 ] && _crashes=1
	printf '%s\t%s\t%s\n' "$_t" "${_runs:-0}" "$_crashes" >"$fb/$_t.sum"
	if [ "$_crashes" -ne 0 ]; then
		printf '  FUZZ    %-7s %10s runs, FAILED: see %s\n' "$_t" \
		    "${_runs:-0}" "$fb/$_t.log"
		grep -m1 -E '^(fuzz: |==[0-9]+==ERROR)' "$fb/$_t.log" | sed 's/^/          /'
	else
		printf '  FUZZ    %-7s %10s runs in %s s, no crash\n' "$_t" \
		    "${_runs:-0}" "$secs"
	fi >"$fb/$_t.msg"
}

# FUZZ_JOBS targets at a time (default: one per CPU; each fuzzer is one
# process, and every target gets its SECONDS whatever runs beside it).
jobs=${FUZZ_JOBS:-$(nproc)}
all=$*
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
		fuzz_one "$1" &
		shift
		n=$((n + 1))
	done
	wait
done
# shellcheck disable=SC2086 # target names, no blanks
for t in $all; do
	cat "$fb/$t.msg"
	cat "$fb/$t.sum" >>"$fb/summary.tsv"
	rm -f "$fb/$t.msg" "$fb/$t.sum"
done
# Exit 1 if any target's crash count is not 0.
awk -F '\t' '$3 != 0 { bad = 1 } END { exit bad }' "$fb/summary.tsv"
