#!/bin/sh
# tests/hostile/report.sh: the reliability figures in one table.
#
#   sh tests/hostile/report.sh [LOG]
#
# Runs every hostile case and fault sweep (tests/hostile/*.sh) with the
# build in $B (default build/) and counts their logged outcomes per tool,
# or counts LOG, a log they wrote before (HOSTILE_LOG). Then the fuzzing
# figures of the last `make fuzz` (build/fuzz/summary.tsv), if any. Exit 1
# if any input was wrongly accepted, crashed, hung, wrote outside its
# sandbox or left a partial output.
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
export B
if [ $# -gt 0 ]; then
	log=$1
else
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	for f in "$top"/tests/hostile/*.sh; do
		case ${f##*/} in lib.sh|report.sh) continue ;; esac
		HOSTILE_LOG=$log sh "$f" >/dev/null 2>&1
	done
fi
[ -s "$log" ] || { echo "report.sh: $log: no outcomes logged" >&2; exit 1; }

awk -F '\t' '
{
	tool = $1; sub(/:.*/, "", tool); sub(/ -.*/, "", tool)
	if (!(tool in seen)) { seen[tool] = 1; order[++n] = tool }
	tried[tool]++; tried["all"]++
	c[tool, $2]++; c["all", $2]++
}
function row(t) {
	printf "%-20s %7d %9d %6d %6d %8d %8d %8d\n", t, tried[t], c[t, "accepted"],
	    c[t, "crash"], c[t, "hang"], c[t, "outside"], c[t, "partial"], c[t, "message"]
}
END {
	printf "%-20s %7s %9s %6s %6s %8s %8s %8s\n", "hostile inputs", "tried",
	    "accepted", "crash", "hang", "outside", "partial", "message"
	for (i = 1; i <= n; i++) row(order[i])
	row("all")
	bad = c["all", "accepted"] + c["all", "crash"] + c["all", "hang"] + \
	    c["all", "outside"] + c["all", "partial"]
	exit bad > 0
}' "$log"
rc=$?

s=$top/build/fuzz/summary.tsv
if [ -f "$s" ]; then
	echo
	awk -F '\t' '
	BEGIN { printf "%-20s %12s %8s\n", "fuzz target", "executions", "crashes" }
	{ printf "%-20s %12d %8d\n", $1, $2, $3; e += $2; k += $3 }
	END { printf "%-20s %12d %8d\n", "all", e, k; exit k > 0 }' "$s" || rc=1
	echo "(make fuzz of $(date -u -r "$s" +%Y-%m-%d), ASan+UBSan)"
else
	echo
	echo "fuzzing: no build/fuzz/summary.tsv (run make fuzz)"
fi
exit $rc
