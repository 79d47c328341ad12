#!/bin/sh
# modroot: a fake kernel tree of small modules built here (real ELF objects
# with .modinfo and exported symbols, so depmod computes their
# dependencies), read back with modprobe --show-depends; then the real
# bookworm kernel and the generic module set.
. "$(dirname "$0")/lib.sh"
. "$top/tests/kernel.sh"
cd "$T" || exit 1

if ! need cc depmod modprobe; then
	t_skip "modroot" "a C compiler or kmod not installed"
	t_done
fi
K=6.1.0-0-test
M=kr/usr/lib/modules/$K
mkdir -p $M/kernel/drivers/top $M/kernel/lib $M/kernel/crypto $M/kernel/x \
    kr/usr/lib/modprobe.d fw/usr/lib/firmware/test
# mod NAME DIR "modinfo fields" [exported symbol] [needed symbol]
mod() {
	{
		[ -n "${5:-}" ] && printf 'extern int %s(void);\nint use_%s(void) { return %s(); }\n' "$5" "$1" "$5"
		[ -n "${4:-}" ] && printf 'int %s(void) { return 1; }\nstatic const char ks[] __attribute__((used, section("__ksymtab_strings"))) = "%s";\n' "$4" "$4"
		printf 'static const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=%s\\0%svermagic=%s SMP mod_unload \\0";\n' \
		    "$(echo "$1" | tr - _)" "$3" $K
	} >"$1.c"
	cc -c -O2 -o "$M/kernel/$2/$1.ko" "$1.c"
}
mod base lib "" base_fn
mod mid lib 'depends=base\0firmware=test/fw.bin\0firmware=test/missing.bin\0softdep=pre: pre_mod post: post_mod\0alias=fake:mid*\0' mid_fn base_fn
mod top drivers/top 'depends=mid\0' "" mid_fn
mod pre_mod crypto ""
mod post_mod crypto ""
mod cfg_mod crypto ""
mod other drivers/top ""
# Two softdep fields, as btrfs has (libkmod hands out the first only).
mod sd2 x 'softdep=pre: pre_mod\0softdep=pre: fake:mid-x post: unused\0'
mod gone x 'softdep=pre: no_such_module\0'

mod dash-name x ""
mod unused x ""
# A soft dependency on an alias both a module (bil) and a built-in
# module (bi, below) have: the module's, as modprobe.d(5) lookups go
# (config, names, symbols, install commands, aliases, built-ins); one
# on a name written with dashes; one on a symbol.
mod bil x 'alias=fake:bi-y*\0'
mod sdb x 'softdep=pre: fake:bi-y1 post: dash-name\0'
mod sdsym x 'softdep=pre: symbol:base_fn\0'
# A device node module (modules.devname: the last major before both are
# found) and one whose devname has no major (left out).
mod devn x 'alias=char-major-10-98\0alias=devname:fake/node\0alias=char-major-10-99\0alias=block-major-8-1\0'
mod devnomaj x 'alias=devname:fake/nomajor\0'
# Symbols enough that depmod's table order (modules.symbols) is not the
# order they come in, nor strcmp's.
printf 'static const char ks[] __attribute__((used, section("__ksymtab_strings"))) = "zeta_fn\\0alpha_fn\\0mu_fn\\0beta_fn\\0omega_fn\\0k\\0kappa_fn\\0ab";\nstatic const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=many\\0vermagic=%s SMP mod_unload \\0";\n' $K >many.c
cc -c -O2 -o $M/kernel/x/many.ko many.c
printf 'kernel/x/dash-name.ko\nkernel/lib/base.ko\n' >$M/modules.order
printf 'kernel/x/bi.ko\n' >$M/modules.builtin
printf 'bi.alias=fake:bi*\0bi.license=GPL\0' >$M/modules.builtin.modinfo
# A soft dependency from the kernel root's modprobe.d, not the module.
echo 'softdep top pre: cfg_mod' >kr/usr/lib/modprobe.d/test.conf
# An alias of the kernel root's configuration, written with dashes.
echo 'alias my-disk dash-name' >>kr/usr/lib/modprobe.d/test.conf
printf 'firmware bytes\n' | xz >fw/usr/lib/firmware/test/fw.bin.xz

# Whether the index files of an output directory's module directory are
# the ones depmod writes over the same modules: depmod run on that
# directory itself, through a base with lib/modules, after the files were
# put aside (and put back after, for the cases that follow).
cat >same-as-depmod <<EOF
#!/bin/sh
idx="modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep modules.symbols modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin modules.devname"
rm -rf dm aside && mkdir -p dm/lib aside && ln -s "\$PWD/\$1/usr/lib/modules" dm/lib/modules || exit 1
(cd "\$1/usr/lib/modules/\$2" && mv \$idx "\$OLDPWD/aside/") && depmod -b dm \$2 2>/dev/null || exit 1
same=0
for f in \$idx; do cmp "aside/\$f" "\$1/usr/lib/modules/\$2/\$f" || same=1; done
mv aside/* "\$1/usr/lib/modules/\$2/" && exit \$same
EOF
chmod +x same-as-depmod

# The module files of an output directory, and modprobe reading it (with
# the kernel root's modprobe.d, not the host's) through a base with lib/.
cat >files <<EOF
#!/bin/sh
cd "\$1/usr/lib/modules/$K" && find kernel -name '*.ko' | sort | tr '\n' ' '
EOF
cat >show <<EOF
#!/bin/sh
rm -rf mp && mkdir -p mp/lib && ln -s "$T/\$1/usr/lib/modules" mp/lib/modules || exit 1
shift
for m; do modprobe -C "$T/kr/usr/lib/modprobe.d" -d mp -S $K --show-depends "\$m" || exit 1; done
EOF
chmod +x files show

t_ok "-m drivers/top/*: selected, closed over depends and softdeps" \
    sh -c "modroot -t 1700000000 -r $K -m 'drivers/top/*' -F fw -o out kr >out.mtree 2>out.err"
t_eq "the modules: top and other, mid, base, both softdeps of mid, the modprobe.d one of top" \
    "kernel/crypto/cfg_mod.ko kernel/crypto/post_mod.ko kernel/crypto/pre_mod.ko kernel/drivers/top/other.ko kernel/drivers/top/top.ko kernel/lib/base.ko kernel/lib/mid.ko " \
    ./files out
# kmod's order: dependencies, then a module's pre softdeps, the module, its
# post softdeps; top's modprobe.d softdep just before top.
t_eq "modprobe --show-depends resolves top through the new modules.dep" \
    "insmod $T/mp/lib/modules/$K/kernel/lib/base.ko 
insmod $T/mp/lib/modules/$K/kernel/crypto/pre_mod.ko 
insmod $T/mp/lib/modules/$K/kernel/lib/mid.ko 
insmod $T/mp/lib/modules/$K/kernel/crypto/post_mod.ko 
insmod $T/mp/lib/modules/$K/kernel/crypto/cfg_mod.ko 
insmod $T/mp/lib/modules/$K/kernel/drivers/top/top.ko " \
    ./show out top
t_ok "every module modroot took resolves, and only those are indexed" \
    sh -c "./show out top other mid base pre_mod post_mod cfg_mod >/dev/null &&
	! ./show out unused >/dev/null 2>&1 &&
	[ \$(wc -l <out/usr/lib/modules/$K/modules.dep) -eq 7 ]"
t_ok "the output's indexes, made in process, are depmod's over the same modules, byte for byte" ./same-as-depmod out $K
t_ok "... every module of the tree taken (aliases, softdeps, device nodes, symbols)" \
    sh -c "modroot -r $K -m '*' -o outall kr >/dev/null 2>&1 && ./same-as-depmod outall $K &&
	grep -qx 'devn fake/node c10:98' outall/usr/lib/modules/$K/modules.devname &&
	! grep -q nomajor outall/usr/lib/modules/$K/modules.devname &&
	[ \$(grep -c '^alias symbol:' outall/usr/lib/modules/$K/modules.symbols) -eq 10 ]"
t_ok "firmware: the .xz variant copied as it is" cmp fw/usr/lib/firmware/test/fw.bin.xz out/usr/lib/firmware/test/fw.bin.xz
t_eq "missing firmware: a warning naming the module" "modroot: mid: firmware test/missing.bin not found in fw" cat out.err
t_ok "modules.order, modules.builtin* as shipped" \
    sh -c "for f in modules.order modules.builtin modules.builtin.modinfo; do cmp $M/\$f out/usr/lib/modules/$K/\$f || exit 1; done"
t_ok "the spec: bsdtar reads it, owners root, contents under out/" \
    sh -c "bsdtar -tvf out.mtree >list && grep -q '^-rw-r--r--  0 0  *0  *[0-9]* .* \./usr/lib/modules/$K/kernel/lib/mid.ko\$' list &&
	grep -q '^\./usr/lib/modules/$K/kernel/lib/mid\.ko .*contents=out/usr/lib/modules/$K/kernel/lib/mid\.ko' out.mtree &&
	! grep -q 'uid=[1-9]' out.mtree"
t_ok "times clamped to -t" sh -c '! grep -v "^#" out.mtree | grep -v "time=1700000000.0" | grep -q .'
t_ok "mkcpio takes the spec; bsdcpio lists the modules" \
    sh -c "mkcpio -z none -o m.cpio out.mtree && bsdcpio -it <m.cpio 2>/dev/null | grep -qx 'usr/lib/modules/$K/kernel/drivers/top/top.ko'"
t_ok "the same inputs: the same spec and the same index bytes" \
    sh -c "modroot -t 1700000000 -r $K -m 'drivers/top/*' -F fw -o out2 kr 2>/dev/null | sed 's,contents=out2/,contents=out/,' | cmp - out.mtree &&
	for f in \$(cd out && find . -type f); do cmp out/\$f out2/\$f || exit 1; done"
t_ok "-q: a missing firmware is left out unsaid, the output the same" \
    sh -c "modroot -q -t 1700000000 -r $K -m 'drivers/top/*' -F fw -o outq kr >outq.mtree 2>outq.err &&
	[ ! -s outq.err ] && diff -r out outq && sed 's,contents=outq/,contents=out/,' outq.mtree | cmp - out.mtree"
t_err "-q: an error is still said" 1 "^modroot: -m drivers/nope/\\*: matches no module of $K\$" \
    modroot -q -r $K -m 'drivers/nope/*' -F fw -o bad kr

# Selection rules.
t_eq "-m then -x: the last matching rule wins" \
    "kernel/drivers/top/top.ko kernel/lib/base.ko kernel/lib/mid.ko " \
    sh -c "modroot -r $K -m 'drivers/*' -x 'drivers/top/*' -m '*/top.ko' -x 'crypto/*' -o o3 kr >/dev/null && rm -f o3/usr/lib/modules/$K/kernel/crypto/* && ./files o3 | sed 's,kernel/crypto/[^ ]* ,,g'"
t_eq "-M by name, - and _ alike" "kernel/x/dash-name.ko " \
    sh -c "modroot -r $K -M dash_name -o o4 kr >/dev/null && ./files o4"
t_eq "-M by alias (modules.alias)" "kernel/lib/mid.ko" \
    sh -c "modroot -r $K -M fake:mid-anything -o o5 kr >/dev/null && ./files o5 | tr ' ' '\n' | grep mid"
t_eq "-M: every softdep field of a module, names and aliases" \
    "kernel/crypto/post_mod.ko kernel/crypto/pre_mod.ko kernel/lib/base.ko kernel/lib/mid.ko kernel/x/sd2.ko kernel/x/unused.ko " \
    sh -c "modroot -r $K -M sd2 -o o9 kr >/dev/null && ./files o9"
t_eq "-M: a soft dependency that resolves to nothing is skipped" "kernel/x/gone.ko " \
    sh -c "modroot -r $K -M gone -o o10 kr >/dev/null && ./files o10"
t_eq "-M: an alias soft dependency is the module's that has it, not the built-in one's; a name with dashes" \
    "kernel/x/bil.ko kernel/x/dash-name.ko kernel/x/sdb.ko " \
    sh -c "modroot -r $K -M sdb -o o11 kr >/dev/null && ./files o11"
t_eq "-M: a soft dependency on a symbol (modules.symbols)" "kernel/lib/base.ko kernel/x/sdsym.ko " \
    sh -c "modroot -r $K -M sdsym -o o12 kr >/dev/null && ./files o12"
t_eq "-M an alias of the kernel root's modprobe.d, dashes and underscores alike" "kernel/x/dash-name.ko " \
    sh -c "modroot -r $K -M my_disk -o o13 kr >/dev/null && ./files o13"
t_eq "-M a built-in module or alias: nothing to copy" "" \
    sh -c "modroot -r $K -M bi -M fake:bi-x -o o6 kr >/dev/null && ./files o6"
t_ok "without -F, no firmware and no warning" \
    sh -c "modroot -r $K -M mid -o o7 kr >/dev/null 2>o7.err && [ ! -s o7.err ] && [ ! -e o7/usr/lib/firmware ]"
t_ok "-v says why each module was taken" \
    sh -c "modroot -v -r $K -M top -o o8 kr 2>&1 >/dev/null | grep -qx 'modroot: kernel/lib/base.ko (needed by top)'"

# A kernel package unpacked alone by dpkg-deb -x, as Debian 12 ships it:
# lib/modules, lib/firmware, lib/modprobe.d (no usr/lib). The output has
# the same modules, firmware and indexes, under usr/lib as always.
mkdir -p deb/lib
cp -R kr/usr/lib/modules deb/lib/ && cp -R fw/usr/lib/firmware deb/lib/ && cp -R kr/usr/lib/modprobe.d deb/lib/
t_ok "a root with lib/modules (dpkg-deb -x of a Debian 12 kernel package)" \
    sh -c "modroot -t 1700000000 -r $K -m 'drivers/top/*' -F deb -o outdeb deb >outdeb.mtree 2>outdeb.err"
t_eq "the same modules as from usr/lib/modules, the modprobe.d softdep too" "$(./files out)" ./files outdeb
t_ok "the same bytes: modules, indexes and firmware from lib/firmware" \
    sh -c "diff -r out outdeb && sed 's,contents=outdeb/,contents=out/,' outdeb.mtree | cmp - out.mtree"

# Bad input: one line, exit 1, no output directory.
t_err "a -m glob that matches no module" 1 "^modroot: -m drivers/nope/\\*: matches no module of $K\$" \
    modroot -r $K -m 'drivers/top/*' -m 'drivers/nope/*' -o bad kr
t_ok "-k: a glob that matches no module is left out (a flavour without that hardware): the rest as without it" \
    sh -c "modroot -k -t 1700000000 -r $K -m 'drivers/top/*' -m 'drivers/nope/*' -F fw -o outk kr >outk.mtree 2>outk.err &&
	! grep -q nope outk.err && modroot -t 1700000000 -r $K -m 'drivers/top/*' -F fw -o outk2 kr >outk2.mtree 2>/dev/null &&
	diff -r outk outk2 && sed 's,contents=outk/,contents=outk2/,' outk.mtree | cmp - outk2.mtree"
t_eq "-k -v: a warning names it" "modroot: -m drivers/nope/*: matches no module of $K: left out" \
    sh -c "modroot -k -v -r $K -m 'drivers/top/*' -m 'drivers/nope/*' -o outkv kr 2>&1 >/dev/null | grep -F 'drivers/nope'"
t_err "a typo among globs that match is named" 1 "^modroot: -m lib/typo\\.ko: matches no module" \
    modroot -r $K -m 'lib/*' -x 'lib/base.ko' -m 'lib/typo.ko' -o bad kr
t_ok "a -m glob whose modules a later -x excludes is not an error" \
    sh -c "modroot -r $K -m 'lib/base.ko' -x 'lib/*' -M top -o ok-x kr >/dev/null"
t_err "an unknown module" 1 "nosuch: no such module or alias in $K" modroot -r $K -M nosuch -o bad kr
t_err "a kernel release the root does not have" 1 "kr: no modules for 9\\.9 \\(neither usr/lib/modules/9\\.9 nor lib/modules/9\\.9\\)" modroot -r 9.9 -m '*' -o bad kr
t_err "a firmware root that is not a directory" 1 "out.mtree: not a directory" modroot -r $K -F out.mtree -o bad kr
# An installed kernel: dpkg unpacked it and its postinst ran depmod, so
# its module directory has indexes newer than every module. modroot takes
# them instead of indexing every module again: depmod runs once, for the
# output (strace counts the depmods it ran).
cp -R kr kri && ln -s usr/lib kri/lib && depmod -b kri $K 2>/dev/null
# The indexes modroot makes for a package are the ones depmod made there:
# every lookup, dependency and note the same.
t_ok "names, aliases, symbols, built-ins and globs: the same modules, indexes and -v notes as from depmod's indexes" \
    sh -c "for m in 'top' 'sdb' 'sd2' 'sdsym' 'my-disk' 'symbol:mid_fn' 'fake:mid-x' 'fake:bi-y1' 'fake:bi-x' 'fake:bi-z' 'bi' 'dash-name' 'gone'; do
	    modroot -v -f -r $K -M \$m -m 'drivers/*' -m 'x/bi.ko' -o l1 kr >/dev/null 2>l1.err &&
	    modroot -v -f -r $K -M \$m -m 'drivers/*' -m 'x/bi.ko' -o l2 kri >/dev/null 2>l2.err &&
	    diff -r l1 l2 && cmp l1.err l2.err || exit 1
	done"
# The same with every module a .ko.xz (Debian 13's), which modroot
# decompresses itself for libkmod to read and depmod through libkmod: one
# cut short (neither can read it) and one whose bytes are a plain ELF
# (both go by the bytes, not the name) among them.
cp -R kr krz && find krz -name '*.ko' -exec xz {} +
Z=krz/usr/lib/modules/$K/kernel
head -c 300 $Z/x/unused.ko.xz >cut.xz && mv cut.xz $Z/x/unused.ko.xz
xz -dc $Z/lib/mid.ko.xz >plain.ko && mv plain.ko $Z/lib/mid.ko.xz
cp -R krz krzi && ln -s usr/lib krzi/lib && depmod -b krzi $K 2>depmodz.err
t_ok ".ko.xz modules, one cut short, one not xz: the same modules, indexes and -v notes as from depmod's indexes" \
    sh -c "[ -s krzi/lib/modules/$K/modules.dep.bin ] || exit 1
	for m in 'top' 'sdb' 'sdsym' 'my-disk' 'symbol:mid_fn' 'fake:mid-x' 'fake:bi-y1' 'bi' 'dash-name' 'unused' 'gone'; do
	    modroot -v -f -r $K -M \$m -m 'drivers/*' -m 'x/bi.ko' -o z1 krz >/dev/null 2>z1.err;
	    r1=\$?; modroot -v -f -r $K -M \$m -m 'drivers/*' -m 'x/bi.ko' -o z2 krzi >/dev/null 2>z2.err;
	    [ \$r1 -eq \$? ] && diff -r z1 z2 && cmp z1.err z2.err || exit 1
	done"
t_ok "... their output's indexes, made in process, are depmod's" \
    sh -c "modroot -f -r $K -m '*' -x 'x/unused.ko' -x 'x/sd2.ko' -o z4 krz >/dev/null 2>&1 && ./same-as-depmod z4 $K"
t_err "... a module libkmod cannot read, taken: an error naming it" 1 "^modroot: unused: cannot read its modinfo\$" \
    modroot -r $K -M unused -o z5 krz
t_ok "... and a .ko.xz's symbols read: -M top takes mid.ko.xz and base.ko.xz" \
    sh -c "modroot -f -r $K -M top -o z3 krz >/dev/null && ls z3/usr/lib/modules/$K/kernel/lib | sort | paste -sd' ' | grep -qx 'base.ko.xz mid.ko.xz'"
# strace counts the depmods it ran (none when both indexes are made in
# process), and sees whether it read a module -M top does not need
# (unused.ko): the kernel's indexes made here. One
# log per thread (-ff): modroot reads modules in several, and a call
# another thread interrupts would be split over two lines. (LeakSanitizer
# cannot run under ptrace: off for these runs of a SANITIZE=1 build.)
depmods() {
	rm -f depmod.log.*
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -ff -qq -e trace=execve,openat -o depmod.log modroot -f \
	    -r $K -M top -o "$2" "$1" >/dev/null 2>&1 &&
	    echo "$(cat depmod.log.* | grep -c '^execve("[^"]*/depmod", .* = 0$')" \
	    "$(cat depmod.log.* | grep -q '^openat(.*/kernel/x/unused\.ko", .* = [0-9]' && echo indexed || echo taken)"
}
if need strace; then
	t_eq "an installed kernel's indexes, newer than its modules: taken, no depmod" "0 taken" depmods kri outi
	t_ok "... the same modules and index bytes as from the package alone" \
	    sh -c "modroot -f -r $K -M top -o outp kr >/dev/null && diff -r outp outi"
	t_eq "a kernel package without indexes: indexed here, in process, no depmod" "0 indexed" depmods kr outp
	touch kri/usr/lib/modules/$K/kernel/lib/base.ko
	t_eq "a module changed after its indexes: indexed here" "0 indexed" depmods kri outi
	depmod -b kri $K 2>/dev/null
	t_eq "... indexes made again: taken" "0 taken" depmods kri outi
	mkdir -p kri/usr/lib/modules/$K/updates
	cp $M/kernel/lib/base.ko kri/usr/lib/modules/$K/updates/
	depmod -b kri $K 2>/dev/null
	t_eq "a module outside kernel/ (updates/, as DKMS installs): indexed here, from kernel/ alone" "0 indexed" depmods kri outi
	# A .ko.gz, which a kmod built with zlib would index: depmod does.
	cp -R kr kgz && gzip -k kgz/usr/lib/modules/$K/kernel/x/unused.ko
	t_eq "a .ko.gz in the package: indexed by depmod, the output in process" "1 indexed" depmods kgz outgz
else
	t_skip "an installed kernel's indexes" "strace not installed"
fi
# A module that does not fit: a file size limit of 50 KiB (dash's ulimit
# counts 512-byte blocks; SIGXFSZ ignored, so the kernel cuts the write
# short, then says EFBIG). From the same file system (copy_file_range) and
# from another one (/dev/shm: read and write, where a short write once
# came out as "Success"), the line names the output file.
mkdir -p kbig/usr/lib/modules/$K/kernel/big
head -c 200000 /dev/zero >pad.bin
printf 'static const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=big\\0vermagic=%s SMP mod_unload \\0";\n' $K >big.c
cc -c -o big.o big.c && objcopy --add-section .pad=pad.bin big.o kbig/usr/lib/modules/$K/kernel/big/big.ko
shm=
if [ -d /dev/shm ] && shm=$(mktemp -d /dev/shm/modroot.XXXXXX); then
	cp -R kbig "$shm/"
else
	t_skip "a module over the file size limit, from another file system" "no /dev/shm to write in"
fi
for c in "the same file system:$T/kbig" ${shm:+"another file system:$shm/kbig"}; do
	root=${c#*:}
	t_err "a module over the file size limit, from ${c%%:*}: names the output" 1 \
	    "^modroot: \\.bigout\\.tmp[^/]*/usr/lib/modules/$K/kernel/big/big\\.ko: File too large\$" \
	    sh -c "trap '' XFSZ; ulimit -f 100; exec modroot -r $K -m 'big/*' -o bigout $root"
	t_ok "... and leaves no output" sh -c '[ ! -e bigout ] && ! ls -A | grep -q "^\.bigout"'
done
[ -n "$shm" ] && rm -rf "$shm"
t_err "an existing output without -f" 1 "out: exists" modroot -r $K -M top -o out kr
t_ok "... and nothing left behind" sh -c '! ls -A | grep -e "^bad" -e "\.tmp"'
t_ok "-f replaces it" sh -c "modroot -f -r $K -M base -o out kr >/dev/null && [ \"\$(./files out)\" = 'kernel/lib/base.ko ' ]"
t_missing "no kernel release" "modroot: -r kver is required" modroot -o x kr
t_missing "no output" "modroot: -o outdir is required" modroot -r $K kr
t_missing "no kernel root" "modroot: a kernel-root operand is required" modroot -r $K -o x
t_err "a release with a slash" 2 "-r \.\./x: not a kernel release" modroot -r ../x -o x kr
t_usage "unknown option" modroot -Z

# A glob naming a module the kernel has built in (modules.builtin) is
# satisfied, with nothing to copy; one naming nothing still is an error.
t_ok "-m x/bi.ko, built in: satisfied, nothing copied for it" \
    sh -c "modroot -r $K -m x/bi.ko -m lib/base.ko -o obi kr >/dev/null && [ \"\$(./files obi)\" = 'kernel/lib/base.ko ' ]"
t_err "-m x/nobi.ko, neither a module nor built in: an error" 1 "-m x/nobi.ko: matches no module" \
    modroot -r $K -m x/nobi.ko -o obi2 kr

# Compressed modules, as Debian 13's kernels ship them (.ko.xz): a glob
# written for .ko selects them, copied as they are, and depmod indexes
# them with their dependencies.
KZ=6.12.0-0-test
MZ=kz/usr/lib/modules/$KZ
mkdir -p $MZ/kernel/lib $MZ/kernel/drivers/top
cp $M/kernel/lib/base.ko $MZ/kernel/lib/ && cp $M/kernel/lib/mid.ko $MZ/kernel/lib/ &&
    cp $M/kernel/drivers/top/top.ko $MZ/kernel/drivers/top/ && xz $MZ/kernel/lib/*.ko $MZ/kernel/drivers/top/top.ko
: >$MZ/modules.order; : >$MZ/modules.builtin; : >$MZ/modules.builtin.modinfo
t_ok "-m drivers/top/top.ko selects top.ko.xz, copied as it is, with its dependencies" \
    sh -c "modroot -r $KZ -m drivers/top/top.ko -o oz kz >/dev/null 2>&1 &&
	cmp $MZ/kernel/drivers/top/top.ko.xz oz/usr/lib/modules/$KZ/kernel/drivers/top/top.ko.xz &&
	mkdir -p mpz/lib noconf && ln -sfn \"\$PWD/oz/usr/lib/modules\" mpz/lib/modules &&
	modprobe -C noconf -d mpz -S $KZ --show-depends top | awk '{ n = split(\$2, p, \"/\"); printf \"%s \", p[n] }' | grep -qx 'base.ko.xz mid.ko.xz top.ko.xz '"
t_err "a glob matching no compressed module either is still an error" 1 "drivers/top/nope.ko" \
    modroot -r $KZ -m drivers/top/nope.ko -o oz2 kz

# Two modules that need each other's symbols: depmod refuses the cycle,
# and modroot says so in depmod's words (the in-process index leaves such
# a kernel to depmod).
KC=6.1.0-0-cycle
mkdir -p kc/usr/lib/modules/$KC/kernel/x
for p in a:b b:a; do
	printf 'extern int cyc%s_fn(void);\nint use_cyc%s(void) { return cyc%s_fn(); }\nint cyc%s_fn(void) { return 1; }\nstatic const char ks[] __attribute__((used, section("__ksymtab_strings"))) = "cyc%s_fn";\nstatic const char mi[] __attribute__((used, section(".modinfo"), aligned(1))) = "license=GPL\\0name=cyc%s\\0vermagic=%s SMP mod_unload \\0";\n' \
	    ${p#*:} ${p%:*} ${p#*:} ${p%:*} ${p%:*} ${p%:*} $KC >cyc.c
	cc -c -O2 -o kc/usr/lib/modules/$KC/kernel/x/cyc${p%:*}.ko cyc.c
done
t_err "a dependency cycle: depmod's own refusal" 1 "^modroot: .*: depmod failed: depmod: ERROR: Cycle detected" \
    modroot -r $KC -M cyca -o oc kc

# The real kernel: the generic set, small enough, and what boots a
# verity-protected sysext root resolves.
if kernel_get modules; then
	set -- $(sed 's/^/-m /' "$top/profiles/modules-generic.list" "$top/profiles/modules-generic-amd64.list" \
	    "$top/profiles/modules-generic-bookworm.list" "$top/profiles/modules-generic-bookworm-amd64.list")
	t_ok "bookworm's kernel, the generic set" \
	    sh -c "modroot -t 1700000000 -r $KVER $* -F kroot -o real kroot >real.mtree 2>real.err"
	K=$KVER
	t_ok "virtio_blk, squashfs, dm-verity, overlay, ext4 resolve with their dependencies" \
	    sh -c "rm -rf mp && mkdir -p mp/lib && ln -s '$T/real/usr/lib/modules' mp/lib/modules &&
		for m in virtio_blk squashfs dm-verity overlay ext4 nvme ahci sd_mod vfat loop; do
		    modprobe -d mp -S $K --show-depends \$m >dep.txt || exit 1
		    while read -r cmd path rest; do [ \$cmd = builtin ] || [ -f \"\$path\" ] || { echo missing \$path >&2; exit 1; }; done <dep.txt
		done"
	mkcpio -t 1700000000 -z zstd -o real.cpio.zst real.mtree
	size=$(wc -c <real.cpio.zst)
	t_ok "the modules cpio is under 20 MB with zstd ($size bytes)" [ "$size" -gt 1000000 -a "$size" -lt 20000000 ]
	t_ok "modules.dep lists exactly the modules copied" \
	    sh -c "[ \$(wc -l <real/usr/lib/modules/$K/modules.dep) -eq \$(find real -name '*.ko' | wc -l) ]"
	t_ok "its indexes, made in process, are depmod's over the same modules" ./same-as-depmod real $K
else
	t_archive "the real kernel" "$KERNEL_WHY"
fi
t_done
