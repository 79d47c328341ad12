#!/bin/sh
# Interruptions and faults (issue 11): every tool that writes a named
# output, run under strace(1) with a fault injected at its Nth write,
# pwrite, copy, truncate, fsync, link, unlink or rename: SIGKILL there, or
# the call failing with ENOSPC or EIO. N sweeps the calls a clean run makes
# (all of them when there are few, a spread when there are many), each with
# no output at the final path and with a previous one (and -f).
#
# After every run each final path holds nothing, the previous output
# unchanged, or exactly what a clean run makes, and outputs that go
# together (pkgroot's root and list) are not of different runs (outcome
# "partial" if not).
# After a failed call the tool exits 1 with one stderr line matching the
# tool's pattern ("message"), leaves no temporary ("outside"), and never
# exits 0 without the complete output ("accepted"); after SIGKILL a
# leftover temporary is allowed and counted. Outcomes are logged like the
# runner's (tests/hostile/lib.sh), one line a run; TAP has one line per
# tool, call and fault.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"
cd "$T" || exit 1

if ! need strace || ! strace -f -qq -o /dev/null -e trace=write \
    -e inject=write:error=EIO:when=60000 true 2>/dev/null; then
	t_skip "faults" "strace not installed or not permitted"
	t_done
fi
# A tool killed there leaves its working directories (the spec reader's
# empty one) in TMPDIR: this script's own, removed with $T.
mkdir -p "$T/tmp"
TMPDIR=$T/tmp
export TMPDIR
# LeakSanitizer cannot run under a tracer.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
F_CALLS="write pwrite64 writev copy_file_range ftruncate fallocate fsync fdatasync syncfs link linkat unlink rename renameat renameat2"
# How many values of N per call at most: 10, and 5 in the sanitizer pass
# (its build has lib/sanitize.o), where each run costs twice the time
# and the error paths are the same code.
[ -f "$B/lib/sanitize.o" ] && F_SPREAD=${F_SPREAD:-5}
F_SPREAD=${F_SPREAD:-10}
F_LINES=

# A digest of an output: a file's bytes and mode, a directory's entries
# (path, type, mode, size, link target) and file contents.
f_sum() {
	if [ -d "$1" ] && [ ! -L "$1" ]; then
		(cd "$1" && find . -printf '%p\t%y\t%m\t%s\t%l\n' | LC_ALL=C sort &&
		    find . -type f -print0 | xargs -0r sha256sum | LC_ALL=C sort)
	else
		stat -c '%F %a' "$1" && sha256sum <"$1"
	fi
}

# Where an output stands: none, prev (the previous one), new (a clean
# run's), other.
f_state() {
	if [ ! -e "$1" ] && [ ! -L "$1" ]; then
		echo none
		return
	fi
	f_sum "$1" >"$T/.fsum" 2>&1
	if cmp -s "$T/.fsum" "$T/f.ref/$1"; then
		echo new
	elif [ "$_fprev" = 1 ] && cmp -s "$T/.fsum" "$T/f.prev/$1"; then
		echo prev
	else
		echo other
	fi
}

# A previous output: a file or a directory that no run makes.
f_put_prev() {
	for _o in $_fouts; do
		if [ -d "$T/f.ref/$_o.d" ]; then
			mkdir "$_o" && echo previous >"$_o/previous"
		else
			echo "previous $_o" >"$_o"
		fi
	done
}

# Run CMD ("-f?" in it becomes -f with a previous output, else nothing)
# in a fresh $W, under strace when $1 names an injection.
f_run() {
	_finj=$1
	shift
	rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
	[ "$_fprev" = 1 ] && f_put_prev
	_fn=$#
	while [ $_fn -gt 0 ]; do
		_fa=$1
		shift
		case $_fa in
		-f\?) [ "$_fprev" = 1 ] && set -- "$@" -f ;;
		*) set -- "$@" "$_fa" ;;
		esac
		_fn=$((_fn - 1))
	done
	if [ "$_finj" = count ]; then
		set -- strace -f -qq -o "$T/.ftrace" \
		    -e trace="$(echo $F_CALLS | tr ' ' ,)" "$@"
	elif [ -n "$_finj" ]; then
		set -- strace -f -qq -o "$T/.finj" -e trace="${_finj%%:*}" \
		    -e inject="$_finj" "$@"
	fi
	timeout -k 5 "$H_TIMEOUT" "$@" >"$T/.fout" 2>"$T/.ferr"
	_frc=$?
}

# Values of N for a call made $1 times: all, or a spread with both ends.
f_points() {
	if [ "$1" -le "$F_SPREAD" ]; then
		seq 1 "$1"
	else
		_i=0
		while [ $_i -lt "$F_SPREAD" ]; do
			echo $((1 + _i * ($1 - 1) / (F_SPREAD - 1)))
			_i=$((_i + 1))
		done | uniq
	fi
}

# One run's outcome, as the runner names them, into $_fres.
f_judge() { # fault
	_fres=ok
	_fpart=
	_fsts=
	for _o in $_fouts; do
		_fst=$(f_state "$_o")
		_fsts="$_fsts $_fst"
		case $_fst in
		other) _fpart=$_o ;;
		none|prev) [ "$_frc" -eq 0 ] && [ "$1" != SIGKILL ] &&
		    _fres=accepted ;;
		esac
	done
	_ftmps=$(ls -A "$W" | grep -c '\.tmp')
	# Outputs of different runs side by side (a new root, an old list):
	# partial, as outputs that commit together must (a root without its
	# list, new or old, is how pkgroot leaves a commit it did not finish).
	case $_fsts in
	*new*prev*|*prev*new*|*none*new*)
		_fmixed=$((_fmixed + 1))
		_fpart=${_fouts##* } ;;
	esac
	if [ "$_frc" -eq 124 ]; then
		_fres=hang
	elif grep -Eq 'Sanitizer|runtime error:' "$T/.ferr" ||
	    { [ "$_frc" -ge 128 ] && [ "$1" != SIGKILL ]; }; then
		_fres=crash
	elif [ -n "$_fpart" ]; then
		_fres=partial
	elif [ "$_fres" = accepted ] || [ "$1" = SIGKILL ]; then
		:
	elif [ "$_ftmps" -gt 0 ]; then
		_fres=outside
	elif [ "$_frc" -eq 0 ]; then
		:
	elif [ "$_frc" -ne 1 ]; then
		_fres=message
	elif [ "$1" != SIGKILL ] && [ "${_finj%%:*}" = write ] &&
	    grep -q '^[0-9]* *write(2, .*(INJECTED)' "$T/.finj"; then
		# The injected write was the tool's own diagnostic.
		_funjudged=$((_funjudged + 1))
	elif [ "$(wc -l <"$T/.ferr")" -ne 1 ] && { [ -z "$F_LINES" ] ||
	    [ "$(grep -Ec -- "$_fre" "$T/.ferr")" -ne "$(wc -l <"$T/.ferr")" ]; }; then
		_fres=message
	elif ! grep -Eq -- "$_fre" "$T/.ferr"; then
		_fres=message
	elif [ "$(wc -l <"$T/.ferr")" -ne 1 ]; then
		_fmulti=$((_fmulti + 1))
	fi
}

# f_sweep TOOL OUTPUTS REGEX -- CMD...: the clean run, the count of each
# call, then every injection. OUTPUTS are the final paths (files or
# directories) CMD makes in its working directory; REGEX is what the one
# error line must match. strace counts calls per process, so with several
# processes (F_LINES set: pkgroot's workers, modroot's depmod) one N can
# fail a call in each: then one line from each, every one matching, is
# right. A failed write that was the diagnostic itself (strace's log shows
# the injected write on descriptor 2) cannot be judged on its message, and
# is counted.
f_sweep() {
	_ftool=$1 _fouts=$2 _fre=$3
	shift 4
	W=$T/f.$_ftool
	_fprev=0
	rm -rf "$T/f.ref" "$T/f.prev" && mkdir -p "$T/f.ref" "$T/f.prev"
	f_run "" "$@"
	if [ "$_frc" -ne 0 ]; then
		t_fail "$_ftool: a clean run" "$T/.ferr"
		cd "$T" || exit 1
		return
	fi
	for _o in $_fouts; do
		f_sum "$_o" >"$T/f.ref/$_o"
		[ -d "$_o" ] && mkdir "$T/f.ref/$_o.d"
	done
	(cd "$T/f.prev" && f_put_prev && for _o in $_fouts; do
		f_sum "$_o" >"$_o.sum"; rm -rf "$_o"; mv "$_o.sum" "$_o"; done)
	# Each call's count in the busiest process of a clean run (strace
	# counts per syscall and per process).
	# (without and with a previous output: -f renames, else links).
	for _fprev in 0 1; do
		f_run count "$@"
		awk -v p=$_fprev '{ c = $2; sub(/\(.*/, "", c)
		    if ($2 ~ /^[a-z_0-9]+\(/) n[c " " $1]++ }
		    END { for (k in n) { split(k, a, " "); if (n[k] > m[a[1]]) m[a[1]] = n[k] }
		    for (c in m) print c, p, m[c] }' "$T/.ftrace"
	done | LC_ALL=C sort >"$T/.fcounts"
	echo "$_ftool: calls of a clean run (most in one process; without, with a previous output):" \
	    $(awk '{ v[$1, $2] = $3; c[$1] }
	    END { for (k in c) printf "%s %d/%d ", k, v[k, 0], v[k, 1] }' "$T/.fcounts") | _diag
	_fruns=0 _fkilltmps=0 _fbad=0 _funjudged=0 _fmulti=0 _fmixed=0
	cut -d' ' -f1 "$T/.fcounts" | uniq | {
	while read -r _fc; do
		for _ff in SIGKILL ENOSPC EIO; do
			_fnot=
			_fgroup=0
			for _fprev in 0 1; do
				_fmax=$(awk -v c=$_fc -v p=$_fprev '$1 == c && $2 == p { print $3 }' "$T/.fcounts")
				for _fnum in $(f_points "${_fmax:-0}"); do
					case $_ff in
					SIGKILL) _fi=signal=SIGKILL ;;
					*) _fi=error=$_ff ;;
					esac
					f_run "$_fc:$_fi:when=$_fnum" "$@"
					f_judge $_ff
					_fruns=$((_fruns + 1)) _fgroup=$((_fgroup + 1))
					_fname="$_ftool: $_ff at $_fc $_fnum"
					[ "$_fprev" = 1 ] && _fname="$_fname, over a previous output"
					_h_log "$_fname" "$_fres"
					[ "$_ff" = SIGKILL ] && [ "$_ftmps" -gt 0 ] &&
					    _fkilltmps=$((_fkilltmps + 1))
					if [ "$_fres" != ok ]; then
						_fbad=$((_fbad + 1))
						_fnot="$_fnot
$_fname: $_fres: exit $_frc, $_ftmps temporaries, $(for _o in $_fouts; do printf '%s %s ' "$_o" "$(f_state "$_o")"; done)
$(head -c 600 "$T/.ferr")"
					fi
				done
			done
			if [ -z "$_fnot" ]; then
				t_pass "$_ftool: $_ff at each $_fc ($_fgroup runs)"
			else
				t_fail "$_ftool: $_ff at each $_fc ($_fgroup runs)"
				echo "$_fnot" | sed 1d | _diag
			fi
		done
	done
	echo "$_ftool: $_fruns runs, $_fbad wrong, $_fkilltmps left a temporary after SIGKILL," \
	    "$_funjudged with the diagnostic itself hit, $_fmulti with one line from each process hit," \
	    "$_fmixed with outputs of different runs side by side" | _diag
	}
	cd "$T" || exit 1
}

# --- The tools -------------------------------------------------------------
. "$top/tests/fixture.sh"
full_spec
# Big enough for several writes of each tool.
head -c 3000000 /dev/urandom >c/random
sed "s,contents=c/,contents=$T/c/," full.mtree >abs.mtree
SEED=0e7b4b6c-3c19-4c6d-9e3f-6a8d6b2a7f10

f_sweep mkcpio "out.cpio" '^mkcpio: out\.cpio: ' -- \
    mkcpio -f? -z zstd -t 1000 -o out.cpio "$T/abs.mtree"

if need openssl; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
	    -days 3650 -subj /CN=initkit-faults 2>/dev/null && chmod 600 key.pem
fi
f_sweep mksqfs "out.sqfs" '^mksqfs: out\.sqfs: ' -- \
    mksqfs -f? -t 1000 -o out.sqfs "$T/abs.mtree"
# 1 MiB of data, 4 KiB blocks: a two-level tree.
head -c 1048576 /dev/urandom >data.img
f_sweep mkverity "out.hash" '^mkverity: (out\.hash|stdout): ' -- \
    mkverity -f? -S $SEED -o out.hash "$T/data.img"
mkverity -S $SEED -o hash.img data.img >roothash
if [ -f key.pem ]; then
	f_sweep pkcs7sign "out.json" '^pkcs7sign: out\.json: ' -- \
	    pkcs7sign -f? -j -k "$T/key.pem" -c "$T/cert.pem" -o out.json "$T/roothash"
	pkcs7sign -j -k key.pem -c cert.pem -o sig.json roothash
else
	t_skip "pkcs7sign" "openssl not installed"
	head -c 16384 /dev/zero >sig.json
fi
f_sweep mkgpt "out.raw" '^mkgpt: out\.raw: ' -- \
    mkgpt -f? -S $SEED -o out.raw root="$T/data.img" \
    root-verity="$T/hash.img" root-verity-sig="$T/sig.json"
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
if [ -f $STUB ] && [ -f key.pem ]; then
	printf 'ID=debian\n' >osrel
	f_sweep mkuki "out.efi" '^mkuki: out\.efi: ' -- \
	    mkuki -f? -s $STUB -l $STUB -u 6.1.0-0-test -i "$T/data.img" \
	    -C quiet -r "$T/osrel" -k "$T/key.pem" -c "$T/cert.pem" -o out.efi
else
	t_skip "mkuki" "systemd-boot-efi or openssl not installed"
fi
# 3 MiB of Intel microcode in three files, an AMD container.
mkdir -p fw/intel-ucode fw/amd-ucode
for s in 0x6f2 0x6f3 0x6f4; do
	python3 "$top/tests/mcu.py" $s 0x01 0x10 1048528 >fw/intel-ucode/$s
done
printf 'DMA\000container\n' >fw/amd-ucode/microcode_amd.bin
f_sweep mkucode "out.cpio" '^mkucode: out\.cpio: ' -- \
    mkucode -f? -t 1000 -o out.cpio "$T/fw"
sha=0000000000000000000000000000000000000000000000000000000000000000
i=0
while [ $i -lt 300 ]; do
	printf 'pkg%d\t1.%d\tamd64\tsrc%d\t%d\t%s\n' $i $i $i $((i * 1024)) $sha
	i=$((i + 1))
done >img.tsv
f_sweep manifest "out.spdx.json" '^manifest: out\.spdx\.json: ' -- \
    env SOURCE_DATE_EPOCH=1000 manifest -f? -F spdx -n faults -o out.spdx.json "$T/img.tsv"

# pkgroot: a root directory and its packages.tsv, from a local signed
# repository (tests/repo.sh), the cache warmed by the clean run.
if need apt-get apt-ftparchive gpg dpkg-deb; then
	. "$top/tests/repo.sh"
	repo_init "$T/repo"
	PKGFILES='usr/bin/app tool
usr/share/app/data some data' mkpkg app 1.0 'Depends: libfoo'
	head -c 200000 /dev/urandom >big
	PKGCOPY="usr/lib/libfoo.so.1 $T/big" mkpkg libfoo 1.0
	repo_index
	F_LINES=several
	f_sweep pkgroot "root root.tsv" '^pkgroot: ' -- \
	    pkgroot -f? -a amd64 -r bookworm -m "copy:$T/repo" -K "$KEY" \
	    -c "$T/cache" -o root app
	F_LINES=
else
	t_skip "pkgroot" "apt-get, apt-ftparchive, gpg or dpkg-deb not installed"
fi

# modroot: a kernel tree of two small modules (one needing the other's
# symbol, and a firmware file), depmod run on the result.
if need cc depmod; then
	K=6.1.0-0-test
	M=kr/usr/lib/modules/$K
	mkdir -p $M/kernel/lib fw/usr/lib/firmware
	printf 'int base_fn(void) { return 1; }\nstatic const char ks[] __attribute__((used, section("__ksymtab_strings"))) = "base_fn";\nstatic const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=base\\0vermagic=%s SMP mod_unload \\0";\n' $K >base.c
	printf 'extern int base_fn(void);\nint use(void) { return base_fn(); }\nstatic const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=top\\0depends=base\\0firmware=t.bin\\0vermagic=%s SMP mod_unload \\0";\n' $K >top.c
	cc -c -o $M/kernel/lib/base.ko base.c && cc -c -o $M/kernel/lib/top.ko top.c
	head -c 100000 /dev/urandom >fw/usr/lib/firmware/t.bin
	F_LINES=several
	f_sweep modroot "mods" '^modroot: ' -- \
	    modroot -f? -t 1000 -r $K -m 'lib/*' -F "$T/fw" -o mods "$T/kr"
	F_LINES=
else
	t_skip "modroot" "a C compiler or kmod not installed"
fi
t_done
