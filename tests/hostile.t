#!/bin/sh
# Hostile input (issue 11): every case script in tests/hostile/ (each
# sources tests/lib.sh and tests/hostile/lib.sh and prints TAP, between
# its own start and end lines, which tests/run checks).
. "$(dirname "$0")/lib.sh"
for f in "$top"/tests/hostile/*.sh; do
	case ${f##*/} in lib.sh|report.sh) continue ;; esac
	sh "$f"
done
t_done
