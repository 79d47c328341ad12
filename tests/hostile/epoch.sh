#!/bin/sh
# Malformed SOURCE_DATE_EPOCH and -t for every tool that reads them (issue
# 11): a usage error, exit 2, one line naming the variable or option and
# the value, no output. Valid: a decimal count of seconds, 0..2^32-1
# (bin/lib/num.c); set but empty is malformed too.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

# A sandbox with a one-file spec, a kernel root without modules and a
# package list.
inputs() {
	h_sandbox
	printf 'hi\n' >f
	printf '#mtree\n. type=dir mode=0755\n./f type=file mode=0644 contents=f\n' >in.mtree
	mkdir -p kr/usr/lib/modules/1.0
	printf 'pkg\t1.0\tall\tpkg\t4\t%064d\n' 0 >in.tsv
}

# run NAME REGEX TOOL [-t VALUE]: the tool with its output at $S/out.
run() {
	_n=$1 _re=$2 _t=$3
	shift 3
	inputs
	case $_t in
	mkcpio) h_case "$_n" 2 "$_re" "$S/out" -- mkcpio "$@" -o out in.mtree ;;
	mksqfs) h_case "$_n" 2 "$_re" "$S/out" -- mksqfs "$@" -o out in.mtree ;;
	modroot) h_case "$_n" 2 "$_re" "$S/out" -- modroot "$@" -r 1.0 -m '*' -o out kr ;;
	manifest) h_case "$_n" 2 "$_re" "$S/out" -- manifest -o out in.tsv ;;
	esac
}

# value|description|the message's tail after "NAME: "
cases='-1|negative|-1: out of range 0\.\.4294967295$
1.5|a fraction|1\.5: not a number$
 5|a leading blank| 5: not a number$
5 |a trailing blank|5 : not a number$
5x|trailing junk|5x: not a number$
+5|a plus sign|\+5: not a number$
0x10|hex|0x10: not a number$
4294967296|2^32|4294967296: out of range 0\.\.4294967295$
99999999999999999999|past 2^64|99999999999999999999: out of range
|empty|empty, not a number$'

printf '%s\n' "$cases" | while IFS='|' read -r val what re; do
	export SOURCE_DATE_EPOCH="$val"
	for t in mkcpio mksqfs modroot manifest; do
		run "$t: SOURCE_DATE_EPOCH $what ('$val')" \
		    "^$t: SOURCE_DATE_EPOCH: $re" $t
	done
	unset SOURCE_DATE_EPOCH
	[ -n "$val" ] || re=': not a number$'
	for t in mkcpio mksqfs modroot; do
		run "$t: -t $what ('$val')" "^$t: -t: $re" $t -t "$val"
	done
done
t_done
