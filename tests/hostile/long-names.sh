#!/bin/sh
# Objects with names of thousands of bytes (issue 19): each tool's one
# error line stays short, the middle of the long name elided ("...")
# and its start and end kept, and no control character gets through.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

# A relative path of 5,000 bytes under a missing directory: d/d/.../end
L=$(python3 -c 'print("missing/" + "d/" * 2490 + "end")')
# The line shows its start and end around "..." (each long word of a
# line is cut to its first and last 64 bytes); hostile/lib.sh checks that
# no line is longer than 512 bytes. What comes before the "..." depends
# on the length of the sandbox's path ($TMPDIR) in front of missing/.
short='[^ ]*\.\.\.[d/]*d/d/d/d/d/end'

lcase() { # TOOL OUT CMD...: fails naming the long object, in short
	_t=$1 _o=$2
	shift 2
	h_sandbox
	printf 'x' >f
	printf '#mtree\n./x type=file contents=%s\n' "$L" >l.mtree
	h_case "$_t: an object named by 5000 bytes" 1 \
	    "^$_t: .*$short" "$_o" -- "$@"
}
lcase mkcpio out mkcpio -o out l.mtree
lcase mksqfs out mksqfs -o out l.mtree
lcase manifest - manifest "$L"
lcase mkverity out mkverity -o out "$L"
lcase mkgpt out mkgpt -o out "esp=$L"
lcase mkuki out mkuki -s "$L" -l f -o out
lcase pkcs7sign - pkcs7sign -c "$L" -k f f
lcase pkgroot root pkgroot -o root "./$L.deb"
lcase modroot out modroot -r 6.1.0 -o out "$L"

# A name with a newline and an escape sequence: one line, as \ooo.
h_sandbox
printf '#mtree\n./x type=file contents=a\\012b\\033[2K\n' >c.mtree
h_case "mkcpio: a contents= with a newline and an escape sequence" 1 \
    '^mkcpio: c\.mtree: Can'"'"'t open .*/a\\012b\\033\[2K$' "$S/out" -- mkcpio -o out c.mtree
h_sandbox
h_case "mkgpt: a file name with a newline and an escape sequence" 1 \
    '^mkgpt: a\\012b\\033\[2K: No such file or directory$' "$S/out" -- \
    mkgpt -o out "esp=$(printf 'a\nb\033[2K')"
t_done
