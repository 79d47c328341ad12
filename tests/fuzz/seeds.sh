#!/bin/sh
# tests/fuzz/seeds.sh DIR TARGET...: the seed corpus of each fuzz target in
# DIR/TARGET/, made now from our own tools ($B/bin) and real inputs, so no
# binary seed is kept in git: specs from tests/fixture.sh, .debs from
# tests/mkdeb.py and dpkg-deb, the system's systemd-stub, signed and built
# into a UKI, GPT images from mkgpt, verity images from mkverity, Intel
# microcode updates from tests/mcu.py.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$top/build}
PATH="$B/bin:$PATH"
out=$1
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
w=$(mktemp -d "${TMPDIR:-/tmp}/initkit-seeds.XXXXXX")
trap 'rm -rf "$w"' EXIT
cd "$w"
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub

specs() {
	. "$top/tests/fixture.sh"
	full_spec
	cp full.mtree "$1/full.mtree"
	# tree.h's contents files; hard links, /set and /unset, replacement.
	cat >"$1/small.mtree" <<-'EOF2'
	#mtree
	/set type=file uid=0 gid=0 mode=0644 time=1700000000.0
	. type=dir mode=0755
	./c type=dir mode=0755
	./c/two contents=c/two
	./c/two-link contents=c/two-link
	./c/empty size=0
	./c/random contents=./c/random mode=0600
	/unset mode
	./c/x type=link link=../c/two mode=0777
	./c/two uid=1000 gid=1000
	./c/p type=fifo mode=0600
	./c/d type=block device=native,8,1 mode=0660
	./c/with\040space\012and\\ contents=c/hello.txt
	EOF2
	printf '. type=dir\n./a type=dir\n./a/b type=file content=c/init\n' \
	    >"$1/content.mtree"
}

for t; do
	d=$out/$t
	rm -rf "$d"
	mkdir -p "$d"
	# Each target's scratch files in a directory of its own: the spec
	# seeds leave a directory c/ that the ucode seeds would write into.
	mkdir "$w/$t"
	cd "$w/$t"
	case $t in
	spec | cpio)
		specs "$d"
		;;
	deb)
		printf 'Package: fz\nVersion: 1:1.0-1\nArchitecture: all\nMaintainer: x <x@example.org>\nDescription: a fuzz seed\n' >control
		cat >entries <<-'EOF2'
		dir ./usr 0755
		dir ./usr/bin 0755
		file ./usr/bin/hello 0755 0 0 #!/bin/sh\necho hi\n
		symlink ./usr/bin/sh hello
		hardlink ./usr/bin/hi ./usr/bin/hello
		char ./dev/null 0666 1 3
		dir ./usr/share/doc/fz 0755
		file ./usr/share/doc/fz/copyright 0644 0 0 free
		file ./usr/share/doc/fz/changelog 0644 0 0 none
		pax ./etc/short ./etc/a-longer-name-from-pax text
		file ./bin/merged 0755 0 0 usr
		EOF2
		python3 "$top/tests/mkdeb.py" "$d/plain.deb" control \
		    --data-ext '' <entries
		python3 "$top/tests/mkdeb.py" "$d/gz.deb" control \
		    --data-ext .gz <entries
		mkdir -p pkg/DEBIAN pkg/usr/bin pkg/etc
		cp control pkg/DEBIAN/control
		printf '#!/bin/sh\n' >pkg/usr/bin/tool
		chmod 0755 pkg/usr/bin/tool
		ln -s tool pkg/usr/bin/alias
		printf 'conf\n' >pkg/etc/fz.conf
		dpkg-deb -Znone --root-owner-group --build pkg "$d/dpkg.deb" \
		    >/dev/null
		;;
	tsv)
		h=$(printf x | sha256sum | cut -c1-64)
		{
			printf '# a comment\n'
			dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${Installed-Size}\t'"$h"'\n' \
			    libc6 base-files coreutils 2>/dev/null || :
			printf 'fz\t1:1.0-1\tall\tfz\t0\t%s\n' "$h"
		} >"$d/packages.tsv"
		;;
	pe)
		cp "$STUB" "$d/stub.efi"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem \
		    -out cert.pem -days 1 -subj '/CN=initkit fuzz seed' \
		    2>/dev/null
		sbsign --key key.pem --cert cert.pem --output "$d/sbsign.efi" \
		    "$STUB" 2>/dev/null
		printf 'ID=debian\n' >osrel
		printf 'initrd\n' >initrd
		mkuki -s "$STUB" -l "$STUB" -u 6.1.0-0-fuzz -i initrd \
		    -C 'quiet' -r osrel -k key.pem -c cert.pem -o "$d/uki.efi"
		# Compressed kernels, as mkuki -l takes them.
		gzip -n -9 <"$STUB" >"$d/stub.efi.gz"
		zstd -q -19 <"$STUB" >"$d/stub.efi.zst"
		;;
	gpt)
		head -c 8192 /dev/zero | tr '\0' 'd' >data.img
		printf '{"rootHash":"%s","signature":"AA=="}\n' "$(printf fuzz | sha256sum | cut -c1-64)" >sig.json
		mkgpt -S 00000000-0000-0000-0000-000000000001 -o "$d/disk.raw" \
		    root=data.img root-verity=data.img root-verity-sig=sig.json
		mkgpt -b 4096 -o "$d/disk4k.raw" root=data.img
		;;
	verity)
		# root hash, hash offset (32 bits, little-endian), image.
		for bs in 512 4096; do
			head -c $((bs * 40)) /dev/zero | tr '\0' 'v' >img
			root=$(mkverity -b $bs -S 00000000-0000-0000-0000-000000000001 img)
			python3 -c '
import struct, sys
img = open("img", "rb").read()
sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]) + struct.pack("<I", int(sys.argv[2])) + img)' \
			    "$root" $((bs * 40)) >"$d/image$bs"
		done
		;;
	ucode)
		# Intel updates (tests/mcu.py), the second file after "\n--\n"
		# (tests/fuzz/ucode.c); an AMD container.
		python3 "$top/tests/mcu.py" 0x6f2 0x01 0x10 >a
		python3 "$top/tests/mcu.py" 0x106a4 0x03 0x20 944 0x106a5 >c
		cat a c >"$d/two"
		{ cat c; printf '\n--\n'; cat a; } >"$d/split"
		printf 'DMA\000container\n' >"$d/amd"
		;;
	json)
		# The harness's own byte code (tests/fuzz/json.c).
		printf '{k"name"s"value"k"n"u12345678k"a"[s"\\\\ \\" \\001"b1u0]}' \
		    >"$d/doc"
		printf '[s"caf\303\251 \342\202\254 \360\237\220\247"{k"x"b0}]' \
		    >"$d/utf8"
		;;
	esac
done
