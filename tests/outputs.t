#!/bin/sh
# -f -o onto what is not a regular file (issue 20): a symbolic link is
# followed (its target replaced, the link kept), a character device or a
# FIFO is written in place and never replaced by a file, a disk (a loop
# device) is written in place, laid out for its size by mkgpt; outputs
# written at offsets refuse a FIFO. Every tool that writes a file but
# mkuki (the same out.c; it needs a stub and a kernel: mkuki.t).
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need openssl; then
	t_skip "outputs" "openssl not installed"
	t_done
fi
printf 'hi\n' >f
printf '#mtree\n. type=dir mode=0755\n./f type=file mode=0644 contents=f\n' >s.mtree
head -c 1048576 /dev/urandom >d.img
printf 'bash\t5.2.15-2\tamd64\tbash\t1\t%064d\n' 0 >in.tsv
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -subj /CN=t -days 1 2>/dev/null
printf '%064d\n' 0 >roothash

# run TOOL OUT: the tool writing OUT, with -f unless F is set empty;
# sourced by the sh -c cases.
cat >run.sh <<'EOF'
run() {
	_f=${F--f}
	case $1 in
	mkcpio) mkcpio $_f -t 0 -z none -o "$2" s.mtree ;;
	mksqfs) mksqfs $_f -t 0 -o "$2" s.mtree ;;
	mkverity) mkverity $_f -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o "$2" d.img >/dev/null ;;
	mkgpt) mkgpt $_f -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o "$2" root=d.img ;;
	pkcs7sign) pkcs7sign $_f -k key.pem -c cert.pem -o "$2" roothash ;;
	manifest) SOURCE_DATE_EPOCH=0 manifest $_f -o "$2" in.tsv ;;
	esac
}
EOF
. ./run.sh
streams="mkcpio pkcs7sign manifest"
seeks="mksqfs mkverity mkgpt"

for tool in $streams $seeks; do
	run $tool $tool.want
	# A link to a file: the file replaced, the link kept.
	echo old >$tool.target
	ln -s $tool.target $tool.link
	t_ok "$tool -f -o LINK: the link's target replaced, the link kept" \
	    sh -c ". ./run.sh && run $tool $tool.link && [ -L $tool.link ] && cmp $tool.want $tool.target"
	t_err "$tool -o LINK without -f: refused" 1 "^$tool: $tool\\.link: exists; use -f to replace it\$" \
	    sh -c "F= && . ./run.sh && run $tool $tool.link"
	ln -s nowhere $tool.dangling
	t_err "$tool -f -o a link to nothing: refused" 1 "^$tool: $tool\\.dangling: a symbolic link to nothing\$" \
	    sh -c ". ./run.sh && run $tool $tool.dangling"
	t_ok "... the link stays, nothing is made" sh -c "[ -L $tool.dangling ] && [ ! -e nowhere ]"
	mkdir $tool.dir
	ln -s $tool.dir $tool.dirlink
	t_err "$tool -f -o a link to a directory: refused" 1 "^$tool: $tool\\.dirlink: a symbolic link to a directory\$" \
	    sh -c ". ./run.sh && run $tool $tool.dirlink"
	# A character device: written, still the device. A private node of
	# /dev/null's (a tool that replaced it must not take the machine's).
	if [ "$(id -u)" = 0 ] && mknod -m 666 $tool.null c 1 3 2>/dev/null; then
		t_ok "$tool -f -o a character device (1,3): written in place, still the device" \
		    sh -c ". ./run.sh && run $tool $tool.null && [ -c $tool.null ]"
	else
		t_skip "$tool -f -o a character device" "not root: mknod"
	fi
	mkfifo $tool.fifo
done

# A FIFO: a stream is written into it as into a file; an output written
# at offsets is refused before anything is read or written.
for tool in $streams; do
	t_ok "$tool -f -o FIFO: written in place, the reader gets the file's bytes" \
	    sh -c "{ cat $tool.fifo >$tool.got & } && . ./run.sh && run $tool $tool.fifo && wait &&
		[ -p $tool.fifo ] && cmp $tool.want $tool.got"
done
for tool in $seeks; do
	t_err "$tool -f -o FIFO: refused, it is written at offsets" 1 \
	    "^$tool: $tool\\.fifo: a FIFO, and this output is written at offsets\$" \
	    sh -c ". ./run.sh && run $tool $tool.fifo"
	t_ok "... and still a FIFO" test -p $tool.fifo
done
t_err "mkgpt -o - into a pipe: refused, it is written at offsets" 1 \
    "^mkgpt: stdout: not a file, and this output is written at offsets\$" \
    sh -c "{ mkgpt -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o - root=d.img; echo \$? >rc; } | cat; exit \$(cat rc)"
t_ok "mkgpt -o - into a file: the same image" \
    sh -c "mkgpt -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o - root=d.img >stdout.raw && cmp mkgpt.want stdout.raw"

# A disk: loop devices over image files (root only). mkgpt lays the table
# out for the disk (the backup in its last sectors) and writes the zeros
# too (the disk had other bytes); it refuses a disk too small or of
# other sectors. mksqfs and mkverity write their images onto it.
if [ "$(id -u)" != 0 ] || ! need losetup sfdisk veritysetup unsquashfs ||
    [ ! -e /dev/loop-control ]; then
	t_skip "outputs: disks" "not root, no loop devices, or losetup, sfdisk, veritysetup or unsquashfs missing"
	t_done
fi
loops= n=0
trap 'for l in $loops; do losetup -d $l; done; rm -rf "$T"' EXIT
loop() { # SIZE [SECTOR]: LOOP, a loop device over a new file of random bytes
	n=$((n + 1))
	head -c "$1" /dev/urandom >disk.$n
	LOOP=$(losetup -f --show ${2:+-b $2} disk.$n) || return 1
	loops="$loops $LOOP"
}
if ! loop 16777216; then
	t_skip "outputs: disks" "losetup cannot attach a loop device here"
	t_done
fi
L=$LOOP
t_err "mkgpt -o DISK without -f: refused" 1 "^mkgpt: $L: exists; use -f to replace it\$" \
    mkgpt -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o "$L" root=d.img
t_ok "mkgpt -f -o DISK: the table laid out for the disk, sfdisk and mkgpt -V agree" \
    sh -c ". ./run.sh && run mkgpt $L && [ -b $L ] && sfdisk --verify $L | grep -q 'No errors' && mkgpt -V $L &&
	[ \$(sfdisk -d $L | sed -n 's/^last-lba: //p') = \$((16777216 / 512 - 34)) ]"
t_ok "the payload is on the disk whole" \
    sh -c "start=\$(sfdisk -d $L | sed -n 's/.*start= *\\([0-9]*\\),.*/\\1/p') &&
	dd if=$L bs=512 skip=\$start count=2048 status=none | cmp - d.img"
head -c 1048576 /dev/zero >zeros.img
t_ok "a payload of zeros over old bytes: zeros on the disk" \
    sh -c "mkgpt -f -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o $L root@2M=zeros.img &&
	start=\$(sfdisk -d $L | sed -n 's/.*start= *\\([0-9]*\\),.*/\\1/p') &&
	[ -z \"\$(dd if=$L bs=512 skip=\$start count=4096 status=none | tr -d '\\\\000' | head -c 1)\" ]"
loop 65536
S=$LOOP
t_err "mkgpt onto a disk too small: refused" 1 "^mkgpt: $S: 65536 bytes, the image needs [0-9]+\$" \
    mkgpt -f -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o "$S" root=d.img
if loop 16777216 4096; then
	K=$LOOP
	t_err "mkgpt onto a disk of 4096-byte sectors without -b 4096: refused" 1 \
	    "^mkgpt: $K: a disk of 4096-byte sectors; use -b 4096\$" \
	    mkgpt -f -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o "$K" root=d.img
	t_ok "with -b 4096: sfdisk and mkgpt -V agree" \
	    sh -c "mkgpt -f -b 4096 -S 0b9a3a5e-1b1f-4a53-8f4e-2f6c1c2b3d4e -o $K root=d.img &&
		sfdisk --verify $K | grep -q 'No errors' && mkgpt -V $K"
else
	t_skip "mkgpt onto a disk of 4096-byte sectors" "losetup -b 4096 not supported here"
fi
loop 4194304
Q=$LOOP
t_ok "mksqfs -f -o DISK: unsquashfs lists the image on the disk" \
    sh -c ". ./run.sh && run mksqfs $Q && unsquashfs -l $Q | grep -qx 'squashfs-root/f'"
loop 1048576
R=$LOOP
t_ok "mkverity -f -o DISK: veritysetup verifies the data against the disk" \
    sh -c "root=\$(mkverity -f -o $R d.img) && veritysetup verify d.img $R \$root"
t_done
