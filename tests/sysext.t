#!/bin/sh
# mk/sysext.mk: make sysext turns a tree spec into NAME.sysext.raw through
# mksqfs, mkverity, pkcs7sign and mkgpt; systemd-dissect judges the result.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need make openssl unsquashfs; then
	t_skip "sysext" "make, openssl or unsquashfs not installed"
	t_done
fi
mkdir -p c && echo hello >c/hello
cat >ext.mtree <<EOF2
#mtree
. type=dir mode=0755
./usr type=dir mode=0755
./usr/bin type=dir mode=0755
./usr/bin/hello type=file mode=0755 contents=$T/c/hello
./usr/lib type=dir mode=0755
./usr/lib/os-release type=file mode=0644 contents=$T/c/hello
./opt type=dir mode=0755
./opt/tool type=file mode=0755 contents=$T/c/hello
./etc type=dir mode=0755
./etc/local.conf type=file mode=0644 contents=$T/c/hello
./etc/os-release type=file mode=0644 contents=$T/c/hello
EOF2
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 3650 -subj /CN=sysext 2>/dev/null
chmod 600 key.pem
# B= for make is the build directory relative to the checkout.
cat >mk <<EOF2
#!/bin/sh
exec make -s -C "$top" B="${B#$top/}" sysext SYSEXT_NAME=hello SYSEXT_SPEC="$T/ext.mtree" \\
    SYSEXT_KEY="$T/key.pem" SYSEXT_CERT="$T/cert.pem" SYSEXT_OUT="$T/out" \\
    SYSEXT_ID=debian SYSEXT_VERSION_ID=12 SYSEXT_SEED=0e7b4b6c-3c19-4c6d-9e3f-6a8d6b2a7f10 "\$@"
EOF2
chmod +x mk
./mk >make.out 2>&1; rc=$?
t_ok "make sysext exits 0" sh -c "[ $rc -eq 0 ] || { cat make.out >&2; exit 1; }"
t_ok "a GPT image mkgpt -V accepts" mkgpt -V out/hello.sysext.raw
t_ok "only /usr and /opt, no /usr/lib/os-release, the release file added" \
    sh -c 'unsquashfs -lc out/fs.img | sed "s,^squashfs-root,," | sort >files &&
	grep -qx /usr/bin/hello files && grep -qx /opt/tool files &&
	grep -qx /usr/lib/extension-release.d/extension-release.hello files &&
	grep -qx /usr/lib/extension-release.d/extension-release.hello.sysext files &&
	! grep -q -e "^/etc" -e os-release files'
t_eq "extension-release" "$(printf '%s\n' ID=debian VERSION_ID=12 'SYSEXT_SCOPE=system initrd portable' ARCHITECTURE=x86-64)" \
    cat out/extension-release
t_ok "the signature partition signs mkverity's root hash" \
    sh -c 'grep -aq "\"rootHash\":\"$(cat out/roothash)\"" out/sig.img'
# Not rewritten: the same inode, the same mtime to the nanosecond.
t_ok "a second make has nothing to do" \
    sh -c 'before=$(stat -c "%i %.9Y" out/hello.sysext.raw); ./mk >/dev/null && [ "$(stat -c "%i %.9Y" out/hello.sysext.raw)" = "$before" ]'
t_ok "the same inputs: the same image" \
    sh -c 'cp out/hello.sysext.raw first.raw && rm -rf out && ./mk >/dev/null && cmp first.raw out/hello.sysext.raw'
# SYSEXT_ARCH=arm64: the release file and the GPT types say so; sfdisk
# reads the types, expected as the Discoverable Partitions Specification
# lists them (root, root-verity, root-verity-sig).
./mk SYSEXT_ARCH=arm64 SYSEXT_OUT="$T/out64" >make64.out 2>&1; rc=$?
t_ok "make sysext SYSEXT_ARCH=arm64 exits 0" sh -c "[ $rc -eq 0 ] || { cat make64.out >&2; exit 1; }"
t_eq "SYSEXT_ARCH=arm64: extension-release says ARCHITECTURE=arm64" ARCHITECTURE=arm64 grep ^ARCHITECTURE= out64/extension-release
if need sfdisk; then
	types() { sfdisk -d "$1" | sed -n 's/.*type=\([0-9A-Fa-f-]*\).*/\1/p' | tr 'A-F\n' 'a-f ' | sed 's/ $//'; }
	t_eq "SYSEXT_ARCH=arm64: sfdisk reads the arm64 types" \
	    "b921b045-1df0-41c3-af44-4c6f280d3fae df3300ce-d69f-4c92-978c-9bfb0f38d820 6db69de6-29f4-4758-a7a5-962190f00ce3" \
	    types out64/hello.sysext.raw
	t_eq "the default: sfdisk reads the x86-64 types" \
	    "4f68bce3-e8cd-4db1-96e7-fbcaf984b709 2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 41092b05-9fc8-4523-994f-2def0408b176" \
	    types out/hello.sysext.raw
else
	t_skip "sysext: GPT types" "sfdisk not installed"
fi
# A configuration extension (make confext, SYSEXT_CLASS=confext): /etc
# only, less etc/os-release, the release file where systemd-confext
# looks (etc/extension-release.d/extension-release.NAME, one name: 254
# and later strip .confext.raw) with CONFEXT_ keys; trixie's
# systemd-dissect judges it in tests/systemd257.t (252 has no confext).
./mk confext SYSEXT_OUT="$T/outc" SYSEXT_SCOPE=initrd SYSEXT_LEVEL=1.2 >makec.out 2>&1; rc=$?
t_ok "make confext exits 0, NAME.confext.raw" \
    sh -c "[ $rc -eq 0 ] && mkgpt -V outc/hello.confext.raw || { cat makec.out >&2; exit 1; }"
t_eq "confext: only /etc, no etc/os-release, the release file in etc/extension-release.d" \
    "$(printf '%s\n' / /etc /etc/extension-release.d /etc/extension-release.d/extension-release.hello /etc/local.conf)" \
    sh -c 'unsquashfs -d x -ls outc/fs.img | sed -n "s,^x,,p" | sed "s,^\$,/," | sort'
t_eq "confext: extension-release with CONFEXT_LEVEL and CONFEXT_SCOPE" \
    "$(printf '%s\n' ID=debian VERSION_ID=12 CONFEXT_LEVEL=1.2 CONFEXT_SCOPE=initrd ARCHITECTURE=x86-64)" \
    cat outc/extension-release
mkdir -p cdir/etc/x cdir/usr && echo c >cdir/etc/x/conf
t_ok "confext: SYSEXT_DIRS holding usr/: one line naming it, no image" \
    sh -c "! ./mk confext SYSEXT_OUT=$T/outd SYSEXT_DIRS=$T/cdir >d.out 2>&1 &&
	grep -qx '$T/cdir: usr: an extension carries only etc/ (a configuration extension)' d.out && [ ! -e outd/hello.confext.raw ]"
t_ok "confext: SYSEXT_DIRS holding etc/: its files added" \
    sh -c "rm -r cdir/usr && ./mk confext SYSEXT_OUT=$T/outd SYSEXT_DIRS=$T/cdir >d.out 2>&1 &&
	unsquashfs -d y outd/fs.img >/dev/null && cmp y/etc/x/conf cdir/etc/x/conf || { cat d.out >&2; exit 1; }"
t_err "SYSEXT_CLASS=other: one line naming it" 2 'SYSEXT_CLASS=other: an extension is a sysext or a confext\.  Stop\.$' \
    ./mk SYSEXT_CLASS=other

if need systemd-dissect && [ "$(id -u)" -eq 0 ] && [ -e /dev/loop-control ]; then
	mkdir -p d && cp out/hello.sysext.raw d/
	if timeout 60 systemd-dissect --json=short d/hello.sysext.raw >d.json 2>d.err; then
		t_ok "systemd-dissect: a signed system extension" python3 -c '
import json
d = json.load(open("d.json"))
assert d["useSystemExtension"] is True, d
assert {m["designator"]: m["verity"] for m in d["mounts"]}["root"] == "signed"'
	elif no_loop d.err; then
		t_skip "systemd-dissect" "no loop devices here: $(head -c 160 d.err)"
	else
		t_fail "systemd-dissect: a signed system extension" d.err
	fi
else
	t_skip "systemd-dissect" "needs root, loop devices and systemd-dissect"
fi
t_done
