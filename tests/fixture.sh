# tests/fixture.sh: the tree the tree-spec tools are tested on, sourced
# after lib.sh in $T. c/ holds contents; full_spec writes full.mtree, a
# spec with every entry type, odd names and ownership (c/two-link a copy
# of c/two: a test makes it a hard link when it needs one).
mkdir -p c
printf 'hi\n' >c/hello.txt
printf 'second\n' >c/two
head -c 300000 /dev/urandom >c/random
printf '#!/bin/sh\necho init\n' >c/init

full_spec() {
cp c/two c/two-link
cat >full.mtree <<'EOF'
#mtree
/set uid=0 gid=0 time=1000.0
. type=dir mode=0755
./bin type=dir mode=0755
./bin/sh type=file mode=0755 contents=c/init
./bin/su type=file mode=04755 uid=0 gid=0 contents=c/init
./init type=link link=bin/sh mode=0777
./dev type=dir mode=0755
./dev/console type=char device=native,5,1 mode=0600
./dev/sda type=block device=native,8,0 mode=0660 gid=6
./run type=dir mode=0755
./run/initctl type=fifo mode=0600
./etc type=dir mode=0755
./etc/shadow type=file mode=0640 gid=42 contents=c/hello.txt
./etc/with\040space type=file mode=0644 contents=c/hello.txt
./etc/new\012line type=file mode=0644 contents=c/hello.txt
./etc/\377latin1\351 type=file mode=0644 contents=c/hello.txt
./etc/two type=file mode=0644 contents=c/two
./etc/two-link type=file mode=0644 contents=c/two-link
./etc/random type=file mode=0644 contents=c/random
./usr type=dir mode=0755
./usr/lib type=dir mode=0755 uid=0
EOF
}
