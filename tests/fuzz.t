#!/bin/sh
# The fuzz targets' regression inputs (issue 11): every file under
# tests/fuzz/corpus/TARGET/ replayed through $B/tests/fuzz/TARGET, the
# target's harness with a plain main() (built by make check, with the
# sanitizers under SANITIZE=1). An input passes when the harness neither
# crashes nor finds a wrong result; a refusal is a pass. make fuzz runs
# the targets themselves (mk/fuzz.mk).
. "$(dirname "$0")/lib.sh"
TMPDIR=$T
export TMPDIR

for d in "$top"/tests/fuzz/corpus/*/; do
	t=${d%/}
	t=${t##*/}
	for f in "$d"*; do
		[ -f "$f" ] || continue
		t_ok "$t: ${f##*/}" "$B/tests/fuzz/$t" "$f"
	done
done
t_done
