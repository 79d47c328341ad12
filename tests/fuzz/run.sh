#!/bin/sh
# tests/fuzz/run.sh FB SECONDS TARGET...: run each fuzz target FB/TARGET
# for SECONDS on its working corpus FB/corpus/TARGET, with the seeds
# (FB/seeds/TARGET) and the regression inputs (tests/fuzz/corpus/TARGET);
# the log goes to FB/TARGET.log, what it finds to FB/crash/TARGET-*. One
# line per target, and FB/summary.tsv: "target<TAB>executions<TAB>crashes"
# per line. Exit 1 if any target crashed, leaked or timed out.
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
failed=0
for t; do
	mkdir -p "$fb/corpus/$t"
	rm -f "$fb/crash/$t-"*
	set -- "$fb/corpus/$t" "$fb/seeds/$t"
	[ -d "$top/tests/fuzz/corpus/$t" ] && set -- "$@" "$top/tests/fuzz/corpus/$t"
	"$fb/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$fb/crash/$t-" "$@" \
	    >"$fb/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fb/$t.log" | tail -1)
	crashes=$(find "$fb/crash" -name "$t-*" | wc -l)
	[ $rc -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
	printf '%s\t%s\t%s\n' "$t" "${runs:-0}" "$crashes" >>"$fb/summary.tsv"
	if [ "$crashes" -ne 0 ]; then
		failed=1
		printf '  FUZZ    %-7s %10s runs, FAILED: see %s\n' "$t" \
		    "${runs:-0}" "$fb/$t.log"
		grep -m1 -E '^(fuzz: |==[0-9]+==ERROR)' "$fb/$t.log" | sed 's/^/          /'
	else
		printf '  FUZZ    %-7s %10s runs in %s s, no crash\n' "$t" \
		    "${runs:-0}" "$secs"
	fi
done
exit $failed
