#!/bin/sh
# Man pages: every tool has one, and every format the tools define
# (section 5); mandoc -Tlint and groff find nothing; the tool's usage
# message (-h) is the page's SYNOPSIS; make install installs them all.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need mandoc; then
	t_skip "man pages" "mandoc not installed"
	t_done
fi
for src in "$top"/bin/*.c; do
	tool=$(basename "$src" .c)
	page=$top/bin/$tool.1
	if [ ! -f "$page" ]; then
		t_fail "$tool: no man page bin/$tool.1"
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
	t_ok "$tool --help: the same as -h" sh -c "$tool --help >$T/h1 && $tool -h >$T/h2 && cmp $T/h1 $T/h2"
	t_eq "$tool --version: the tool, initkit, and VERSION" "$tool (initkit) $(cat "$top/VERSION")" \
	    $tool --version
	t_usage "$tool --bogus: a usage error" $tool --bogus
done
# The formats the tools define have pages of their own, section 5.
for page in packages.tsv.5 initkit-spec.5; do
	if [ ! -f "$top/bin/$page" ]; then
		t_fail "no man page bin/$page"
		continue
	fi
	t_ok "$page: mandoc -Tlint clean" mandoc -Tlint -W warning "$top/bin/$page"
done
# Every page of initkit's that a page names is there: the tools' and the
# formats'.
xr_missing() {
	(cd "$top" && ls bin/*.[1-9] | sed 's,^bin/,,; s,\.\([1-9]\)$, \1,' | sort >"$T/ours" &&
	    names=$(ls bin/*.c | sed 's,^bin/,,; s,\.c$,,' | tr '\n' '|')packages\.tsv\|initkit-spec &&
	    cat bin/*.[1-9] | sed -n 's/^\.Xr \([^ ]*\) \([1-9]\).*/\1 \2/p' | sort -u |
	    grep -E "^($names) " | comm -23 - "$T/ours")
}
t_eq "every .Xr to a page of initkit's names a page in bin/" "" xr_missing
# make install puts them in MANDIR/man5, make uninstall takes them away.
t_ok "make install: the formats' pages in MANDIR/man5" \
    sh -c "env -u KEY -u CERT make -s -C '$top' B='${B#$top/}' install DESTDIR='$T/dest' PREFIX=/usr >/dev/null &&
	[ -f '$T/dest/usr/share/man/man5/packages.tsv.5' ] && [ -f '$T/dest/usr/share/man/man5/initkit-spec.5' ] &&
	env -u KEY -u CERT make -s -C '$top' B='${B#$top/}' uninstall DESTDIR='$T/dest' PREFIX=/usr >/dev/null &&
	[ -z \"\$(find '$T/dest' ! -type d)\" ]"
# The project stands on its own: nothing in it cites the design notes it
# was planned with, which a user does not have.
if need git && git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	notes='DESIGN''\.md|SPECS''\.md|\.\./sha''red'
	t_eq "no file cites the planning notes (\$notes)" "" \
	    sh -c "cd '$top' && git grep -nE '$notes' -- . || :"
else
	t_skip "no file cites the planning notes" "git not installed, or not a git checkout"
fi
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
t_done
