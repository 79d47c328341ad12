#!/bin/sh
# Hostile input (issue 11): every case script in tests/hostile/ (each
# sources tests/lib.sh and tests/hostile/lib.sh and prints TAP).
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for f in "$top"/tests/hostile/*.sh; do
	case ${f##*/} in lib.sh|report.sh) continue ;; esac
	sh "$f" || rc=1
done
exit $rc
