#!/bin/sh
# Man pages: every tool has one, mandoc -Tlint and groff find nothing,
# and the tool's usage message (-h) is the page's SYNOPSIS.
. "$(dirname "$0")/lib.sh"

if ! need mandoc; then
	t_skip "man pages" "mandoc not installed"
	exit 0
fi
for src in "$top"/bin/*.c; do
	tool=$(basename "$src" .c)
	page=$top/bin/$tool.1
	if [ ! -f "$page" ]; then
		echo "not ok - $tool: no man page bin/$tool.1"
		continue
	fi
	t_ok "$tool.1: mandoc -Tlint clean" mandoc -Tlint -W warning "$page"
	synopsis=$(mandoc -Tascii "$page" | col -b |
	    sed -n '/^SYNOPSIS/,/^[A-Z]/{/^[A-Z]/d;p}' | tr -s ' \t\n' ' ' |
	    sed 's/^ //; s/ $//')
	t_eq "$tool -h: the usage on stdout, exit 0, and it is the SYNOPSIS" \
	    "usage: $synopsis" \
	    sh -c "$tool -h 2>/dev/null | tr -s ' \t\n' ' ' | sed 's/ \$//'"
	t_usage "$tool -?: the usage on stderr, exit 2" $tool '-?'
done
# What man(1) shows: groff, with all its warnings, at the width of a
# terminal (78 columns), warns of nothing ("can't break line" of a
# literal line too long for it, among others).
for page in "$top"/bin/*.[1-9]; do
	name=$(basename "$page")
	if ! need groff; then
		t_skip "$name: groff" "groff not installed"
		continue
	fi
	t_eq "$name: groff -ww warns of nothing" "" \
	    sh -c "LC_ALL=C.UTF-8 groff -mandoc -ww -z -Tutf8 '$page' 2>&1"
done
