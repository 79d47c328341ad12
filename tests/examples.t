#!/bin/sh
# The EXAMPLES of every man page work when pasted: each literal block's
# "$ " commands (with their continuation lines) run in a fresh directory
# holding the files the block names, made here by the tools and real
# consumers; a block must exit 0. The pkgroot and modroot examples reach
# the Debian archive (downloads kept in the test cache, as tests/kernel.sh
# does) and say SKIP when it cannot be reached.
. "$(dirname "$0")/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/token.sh"
. "$top/tests/kernel.sh"
cd "$T" || exit 1

if ! need mandoc openssl mksquashfs; then
	t_skip "man page examples" "mandoc, openssl or squashfs-tools not installed"
	t_done
fi
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
SOURCE_DATE_EPOCH=1700000000
SEED=0f3e5a6c-8d2b-4c1e-9a7f-112233445566
export SOURCE_DATE_EPOCH SEED
# pkgroot's default cache: the test cache, shared with the other tests.
mkdir -p xdg
ln -s "${INITKIT_TEST_CACHE:-$top/build/cache}" xdg/initkit
mkdir -p "${INITKIT_TEST_CACHE:-$top/build/cache}"
XDG_CACHE_HOME=$T/xdg
export XDG_CACHE_HOME

# --- The files the examples name ------------------------------------------
F=$T/fx
mkdir -p $F/c $F/ucode/kernel/x86/microcode $F/root/usr/lib/systemd/boot/efi \
    $F/root/boot $F/last
printf '#!/bin/sh\necho hello\n' >$F/c/hello
printf 'readme\n' >$F/c/readme
printf 'other\n' >$F/c/other
head -c 4096 /dev/urandom >$F/ucode/kernel/x86/microcode/GenuineIntel.bin
head -c 2000 /dev/urandom >$F/c/mod.ko
for s in ext root; do
	{
		echo '#mtree'
		echo '/set uid=0 gid=0 mode=0755 time=1700000000.0'
		echo '. type=dir'
		echo './usr type=dir'
		echo './usr/bin type=dir'
		echo "./usr/bin/hello type=file contents=$F/c/hello"
		[ $s = root ] && cat <<EOF
./usr/share type=dir
./usr/share/doc type=dir
./usr/share/doc/x type=dir
./usr/share/doc/x/README type=file mode=0644 contents=$F/c/readme
./etc type=dir
./etc/x type=file mode=0644 contents=$F/c/readme
EOF
	} >$F/$s.mtree
done
printf '#mtree\n./etc/x type=file mode=0644 uid=0 gid=0 time=1700000000.0 contents=%s\n' \
    $F/c/other >$F/extra.mtree
printf '#mtree\n./usr/lib type=dir mode=0755 uid=0 gid=0 time=0.0\n./usr/lib/modules type=dir mode=0755 uid=0 gid=0 time=0.0\n./usr/lib/modules/mod.ko type=file mode=0644 uid=0 gid=0 time=0.0 contents=%s\n' \
    $F/c/mod.ko >$F/modules.mtree
printf '#mtree\n. type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel/x86 type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel/x86/microcode type=dir mode=0755 uid=0 gid=0 time=0.0\n./kernel/x86/microcode/GenuineIntel.bin type=file mode=0644 uid=0 gid=0 time=0.0 contents=%s\n' \
    $F/ucode/kernel/x86/microcode/GenuineIntel.bin >$F/ucode.mtree
printf 'console=ttyS0 quiet\n' >$F/cmdline
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >$F/root/usr/lib/os-release
for k in key.pem:cert.pem db.key:db.crt; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $F/${k%:*} \
	    -out $F/${k#*:} -days 3650 -subj /CN=example 2>/dev/null
done
chmod 600 $F/key.pem $F/db.key
mksqfs -o $F/ext.sqfs $F/ext.mtree
mkverity -S $SEED -o $F/fx.verity $F/ext.sqfs >$F/ext.roothash
printf 'some data\n' >$F/data
pkcs7sign -k $F/key.pem -c $F/cert.pem -o $F/data.sig $F/data
# mkuki's: the stub and Debian's kernel, under the names the page uses.
have_uki=
if [ ! -f $STUB ]; then
	uki_case=t_skip uki_why="systemd-boot-efi not installed"
elif ! kernel_get; then
	uki_case=t_archive uki_why=$KERNEL_WHY
else
	cp $STUB $F/root/usr/lib/systemd/boot/efi/linuxx64.efi.stub
	cp "$KERNEL" $F/root/boot/vmlinuz-6.1.0-56-amd64
	have_uki=1
fi
mkcpio -o $F/initrd.cpio.zst $F/root.mtree
# Two package lists, the second a newer build: a local repository's.
repo_init "$T/repo"
mkpkg testbase 1.0
repo_index
pkgroot -m copy:$T/repo -K "$KEY" -c "$T/pc" -p $F/last/root.tsv -o "$T/r1" testbase >/dev/null 2>&1
mkpkg testbase 1.1
repo_index
pkgroot -u -m copy:$T/repo -K "$KEY" -c "$T/pc" -p $F/root.tsv -o "$T/r2" testbase >/dev/null 2>&1
# The token of pkcs7sign's example: "release", its key "sysext".
if token_init $F/key.pem; then
	softhsm2-util --init-token --free --label release --pin 4321 --so-pin 8765 >/dev/null &&
	    openssl pkcs8 -topk8 -nocrypt -in $F/key.pem -out key.p8 &&
	    softhsm2-util --import key.p8 --token release --label sysext --id 02 --pin 4321 >/dev/null
	printf 4321 >$F/pin
	have_token=1
else
	have_token=
fi
cp "$top/profiles/modules-generic.list" "$top/profiles/modules-generic-amd64.list" $F/

# --- The blocks -------------------------------------------------------------
# blocks PAGE: each literal block of EXAMPLES as a script, PAGE.N.sh.
blocks() {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$top/bin/$1.1" | awk -v out="$T/$1" '
	/^\.Bd -literal/ { n++; f = out "." n ".sh"; printf "" > f; cont = 0; next }
	/^\.Ed/ { f = ""; next }
	f == "" { next }
	{
		gsub(/\\e/, "\\")
		if (sub(/^\$ /, "")) { print >> f; cont = /(\\|\|)$/; next }
		if (cont) { print >> f; cont = /(\\|\|)$/ }
	}'
}
# The files of the fixture a page's examples start from (they make the rest).
inputs() {
	case $1 in
	manifest) echo root.tsv last ;;
	mkcpio) echo ucode root.mtree modules.mtree extra.mtree ;;
	mkgpt) echo ext.mtree key.pem cert.pem ;;
	mksqfs) echo ext.mtree ;;
	mkuki) echo ucode.mtree root.mtree root cmdline db.key db.crt ;;
	mkverity) echo ext.sqfs ;;
	modroot) echo modules-generic.list modules-generic-amd64.list initrd.cpio.zst ;;
	pkcs7sign) echo ext.sqfs ext.roothash key.pem cert.pem data data.sig pin ;;
	pkgroot) echo ;;
	esac
}

archive_ok=
for page in manifest mkcpio mkgpt mksqfs mkuki mkverity pkcs7sign pkgroot modroot; do
	blocks $page
	mkdir -p "ex-$page"
	for f in $(inputs $page); do cp -a "$F/$f" "ex-$page/"; done
	for b in "$T"/$page.*.sh; do
		n=${b%.sh}; n=${n##*.}
		desc="$page(1) EXAMPLES, block $n, works when pasted"
		if ! [ -s "$b" ]; then
			t_fail "$desc"
			echo "no \"\$ \" command in it" | _diag
			continue
		fi
		case $page:$n in
		pkcs7sign:2) [ -n "$have_token" ] || { t_skip "$desc" "softhsm2 or the pkcs11 engine missing"; continue; } ;;
		mkuki:*) [ -n "$have_uki" ] || { $uki_case "$desc" "$uki_why"; continue; } ;;
		esac
		# pkcs7sign's examples stand alone; the others build on each other.
		if [ $page = pkcs7sign ]; then
			rm -rf "ex-$page" && mkdir "ex-$page"
			for f in $(inputs $page); do cp -a "$F/$f" "ex-$page/"; done
		fi
		if [ $page = pkgroot ] || [ $page = modroot ]; then
			if [ "$archive_ok" = no ]; then
				t_skip "$desc" "Debian archive unreachable"
				continue
			fi
		fi
		(cd "ex-$page" && set -e && . "$b") >"$b.out" 2>&1
		rc=$?
		if [ $rc -ne 0 ] && [ $page = pkgroot ] && [ -z "$archive_ok" ] &&
		    offline "$b.out"; then
			archive_ok=no
			t_skip "$desc" "Debian archive unreachable: $(grep -m1 pkgroot "$b.out" | head -c 200)"
			continue
		fi
		[ $page = pkgroot ] && [ $rc -eq 0 ] && archive_ok=yes
		# manifest -d exits 1 when the lists differ, as diff(1) does.
		if [ $page:$n = manifest:2 ] && [ $rc -eq 1 ] && grep -q '^^ ' "$b.out"; then
			rc=0
		fi
		if [ $rc -eq 0 ]; then
			t_pass "$desc"
		else
			t_fail "$desc"
			{ echo "exit $rc from:"; cat "$b"; head -c 2000 "$b.out"; } | _diag
		fi
	done
done
t_done
