#!/bin/sh
# mkgpt: GPT images read back by sfdisk (util-linux) and sgdisk (gdisk),
# identities recomputed here with openssl's HMAC, and corruption that
# mkgpt -V must catch.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need sfdisk sgdisk python3 openssl; then
	t_skip "mkgpt" "sfdisk, sgdisk, python3 or openssl not installed"
	t_done
fi
SEED=0e7b4b6c-3c19-4c6d-9e3f-6a8d6b2a7f10
ROOT=5748ca0a6dbfabc468b1072ccc009924eeb72f96fe726f51cca65b0b3bb9eb5d
head -c 1000000 /dev/urandom >data.img
head -c 12288 /dev/urandom >hash.img
printf '{"rootHash":"%s","certificateFingerprint":"00","signature":"AA=="}' $ROOT >sig.json
truncate -s 16384 sig.json

# repart's derivation, recomputed: HMAC-SHA256(seed, msg), 16 bytes, v4.
uuid_of() { # message-hex
	python3 -c '
import hmac, hashlib, sys, uuid
seed = uuid.UUID(sys.argv[1]).bytes
b = bytearray(hmac.new(seed, bytes.fromhex(sys.argv[2]), hashlib.sha256).digest()[:16])
b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80
print(str(uuid.UUID(bytes=bytes(b))).upper())' $SEED "$1"
}
SIGTYPE=41092b05-9fc8-4523-994f-2def0408b176
want_sig=$(uuid_of $(echo $SIGTYPE | tr -d -))
want_disk=$(uuid_of $(printf disk-uuid | od -An -tx1 | tr -d ' \n'))
want_data=$(python3 -c "import uuid; print(str(uuid.UUID('${ROOT%????????????????????????????????}')).upper())")
want_hash=$(python3 -c "import uuid; print(str(uuid.UUID('$(echo $ROOT | cut -c33-64)')).upper())")

t_ok "build a sysext-shaped image" \
    mkgpt -S $SEED -o disk.raw root=data.img root-verity=hash.img root-verity-sig=sig.json
t_ok "sfdisk --verify: no errors" sh -c 'sfdisk --verify disk.raw | grep -q "No errors detected"'
t_ok "sgdisk -v: no problems" sh -c 'sgdisk -v disk.raw | grep -q "No problems found"'
t_ok "mkgpt -V: consistent" mkgpt -V disk.raw
# -V on what other tools write: sfdisk's protective MBR ends at CHS
# 0xFFFFFF, sgdisk's at the CHS of the last sector; a disk of over 2 TiB
# has a protective record of 0xFFFFFFFF sectors.
truncate -s 8M sf.raw sg.raw
truncate -s 3T sfbig.raw
t_ok "mkgpt -V: a GPT sfdisk made" \
    sh -c 'printf "label: gpt\n,1M,L\n,2M,U\n" | sfdisk -q sf.raw && mkgpt -V sf.raw'
t_ok "mkgpt -V: a GPT sgdisk made" \
    sh -c 'sgdisk -o -n 1:0:+1M -t 1:8300 -n 2:0:+2M sg.raw >/dev/null && mkgpt -V sg.raw'
t_ok "mkgpt -V: a GPT sfdisk made on a 3 TiB disk" \
    sh -c 'printf "label: gpt\n,1M,L\n" | sfdisk -q sfbig.raw && mkgpt -V sfbig.raw'
rm -f sfbig.raw
sfdisk --json disk.raw >disk.json
jq_py() { python3 -c "import json, sys; t = json.load(open('disk.json'))['partitiontable']; print($1)"; }
t_eq "disk GUID from the seed" "$want_disk" jq_py "t['id']"
t_eq "types, in order" "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5 41092B05-9FC8-4523-994F-2DEF0408B176" \
    jq_py "' '.join(p['type'] for p in t['partitions'])"
t_eq "data and hash UUIDs: the root hash halves; signature's from the seed" \
    "$want_data $want_hash $want_sig" jq_py "' '.join(p['uuid'] for p in t['partitions'])"
t_eq "labels: repart's defaults" "root-x86-64 root-x86-64-verity root-x86-64-verity-sig" \
    jq_py "' '.join(p['name'] for p in t['partitions'])"
t_eq "read-only attribute on the verity and signature partitions" "- GUID:60 GUID:60" \
    jq_py "' '.join(p.get('attrs', '-') for p in t['partitions'])"
t_eq "partitions 4 KiB aligned, sized to the payload" "40:1960 2000:24 2024:32" \
    jq_py "' '.join('%d:%d' % (p['start'], p['size']) for p in t['partitions'])"
t_ok "payload bytes in place" \
    sh -c 'dd if=disk.raw bs=512 skip=40 count=1954 2>/dev/null | head -c 1000000 | cmp - data.img &&
	dd if=disk.raw bs=512 skip=2000 count=24 2>/dev/null | cmp - hash.img'
t_ok "the same inputs, the same bytes" \
    sh -c 'mkgpt -S '$SEED' -o again.raw root=data.img root-verity=hash.img root-verity-sig=sig.json && cmp disk.raw again.raw'
t_ok "partition list on stdin" \
    sh -c 'printf "root=data.img\nroot-verity=hash.img\n# comment\nroot-verity-sig=sig.json\n" |
	mkgpt -S '$SEED' -o stdin.raw && cmp stdin.raw disk.raw'
t_eq "labels and literal type UUIDs; a second partition of one type" \
    "$(uuid_of 0fc63daf848347728e793d69d8477de4) $(uuid_of 0fc63daf848347728e793d69d8477de40100000000000000)" \
    sh -c 'mkgpt -S '$SEED' -o two.raw linux-generic:first=data.img 0fc63daf-8483-4772-8e79-3d69d8477de4:second=hash.img &&
	sfdisk --json two.raw | python3 -c "
import json, sys; t = json.load(sys.stdin)[\"partitiontable\"]
assert [p[\"name\"] for p in t[\"partitions\"]] == [\"first\", \"second\"]
print(\" \".join(p[\"uuid\"] for p in t[\"partitions\"]))"'
t_eq "arm64 types" "B921B045-1DF0-41C3-AF44-4C6F280D3FAE root-arm64" \
    sh -c 'mkgpt -a arm64 -r '$ROOT' -o arm.raw root=data.img && sfdisk --json arm.raw | python3 -c "
import json, sys; p = json.load(sys.stdin)[\"partitiontable\"][\"partitions\"][0]; print(p[\"type\"], p[\"name\"])"'
t_ok "4096-byte sectors: fdisk -b 4096 reads them" \
    sh -c 'mkgpt -b 4096 -r '$ROOT' -o big.raw root=data.img root-verity=hash.img &&
	fdisk -b 4096 -l big.raw >fd.out 2>&1 && grep -q "Disklabel type: gpt" fd.out &&
	grep -q "^big.raw2 *[0-9]* *[0-9]* *3 " fd.out && ! grep -qi "corrupt\|invalid" fd.out && mkgpt -V big.raw'
head -c 4096 /dev/urandom >sparse.img && truncate -s 8M sparse.img
t_ok "zero blocks of payloads stay holes" \
    sh -c 'mkgpt -o sparse.raw linux-generic=sparse.img && [ $(du -k sparse.raw | cut -f1) -lt 1024 ]'

# mkgpt -V on damaged tables (each made from a good copy with python).
damage() { # name python-statements (d: bytearray of the image)
	cp disk.raw "$1.raw"
	python3 -c "
import struct, zlib
d = bytearray(open('$1.raw', 'rb').read())
def hdr_crc(off):
    d[off + 16:off + 20] = b'\0' * 4
    d[off + 16:off + 20] = struct.pack('<I', zlib.crc32(bytes(d[off:off + 92])))
$2
open('$1.raw', 'wb').write(d)"
}
damage pcrc 'd[512 + 60] ^= 1'
t_err "-V: primary header CRC" 1 'mkgpt: pcrc.raw: primary GPT header has a bad header CRC' mkgpt -V pcrc.raw
damage ecrc 'd[1024 + 56] ^= 1'
t_err "-V: partition entry CRC" 1 'mkgpt: ecrc.raw: primary GPT header has a bad partition entry CRC' mkgpt -V ecrc.raw
damage nobackup 'd[-512:] = b"\0" * 512'
t_err "-V: missing backup header" 1 'mkgpt: nobackup.raw: backup GPT header has no GPT signature' mkgpt -V nobackup.raw
t_ok "(sfdisk --verify passes that disk: \"No errors detected\", exit 0)" \
    sh -c 'sfdisk --verify nobackup.raw >sfv.out 2>&1 && grep -q "^No errors detected\.$" sfv.out'
damage alt 'd[512 + 32:512 + 40] = struct.pack("<Q", 999); hdr_crc(512)'
t_err "-V: wrong alternate LBA" 1 'mkgpt: alt.raw: primary header puts the backup at LBA 999' mkgpt -V alt.raw
damage overlap '
e2 = 1024 + 128
d[e2 + 32:e2 + 40] = struct.pack("<Q", 1000)
crc = struct.pack("<I", zlib.crc32(bytes(d[1024:1024 + 128 * 128])))
d[512 + 88:512 + 92] = crc; hdr_crc(512)
b = len(d) - 512
d[b + 88:b + 92] = crc; hdr_crc(b)
last = len(d) // 512 - 1
d[(last - 32) * 512:last * 512] = d[1024:1024 + 128 * 128]'
t_err "-V: overlapping entries" 1 'mkgpt: overlap.raw: partitions 1 and 2 overlap' mkgpt -V overlap.raw
truncate -s -512 disk.raw.cut 2>/dev/null; cp disk.raw cut.raw && truncate -s -4096 cut.raw
t_err "-V: truncated image" 1 'mkgpt: cut.raw: primary header puts the backup at LBA' mkgpt -V cut.raw
t_err "-V: not a GPT disk" 1 'mkgpt: data.img: no protective MBR' mkgpt -V data.img

# Bad input: one line, exit 1, no image.
t_err "unknown designator" 1 'mkgpt: home=data.img: home: neither a partition designator nor a UUID' mkgpt -o bad.raw home=data.img
t_err "bad UUID" 1 'neither a partition designator nor a UUID' mkgpt -o bad.raw 0fc63daf-8483-4772-8e79-3d69d847=data.img
t_err "label too long" 1 'label longer than 36 characters' \
    mkgpt -o bad.raw root:0123456789012345678901234567890123456=data.img
t_err "verity partition without a root hash" 1 'a verity partition needs the root hash' mkgpt -o bad.raw root-verity=hash.img
t_err "signature that is not one" 1 'mkgpt: data.img: not a verity signature' mkgpt -o bad.raw root-verity-sig=data.img
: >empty.img
t_err "empty payload" 1 'mkgpt: empty.img: empty payload' mkgpt -o bad.raw root=empty.img
t_err "missing payload" 1 'mkgpt: nope.img: No such file' mkgpt -o bad.raw root=nope.img
t_err "too many partitions" 1 '129 partitions: a GPT here holds at most 128' \
    sh -c 'i=0; while [ $i -lt 129 ]; do echo linux-generic=hash.img; i=$((i+1)); done | mkgpt -o bad.raw'
t_err "payload larger than the partition asked for" 1 'mkgpt: root@512K=data.img: payload of 1000000 bytes is larger than the 524288-byte partition' \
    mkgpt -o bad.raw root@512K=data.img
t_err "a partition of size 0" 2 'mkgpt: root@0=data.img: a partition of size 0' mkgpt -o bad.raw root@0=data.img
t_ok "no image left by any of these" sh -c '! ls -A | grep -q "bad\.raw"'
t_eq "@size: a larger partition, the rest free; an @ in a label is a label" "40:20480 20520:24 x@y" \
    sh -c 'mkgpt -r '$ROOT' -o sized.raw root@10M=data.img "root-verity:x@y=hash.img" && mkgpt -V sized.raw &&
	sfdisk --json sized.raw | python3 -c "
import json, sys; t = json.load(sys.stdin)[\"partitiontable\"][\"partitions\"]
print(\" \".join(\"%d:%d\" % (p[\"start\"], p[\"size\"]) for p in t), t[1][\"name\"])"'
t_ok "@10MiB, as sfdisk and systemd-repart write sizes: the same image as @10M" \
    sh -c 'mkgpt -r '$ROOT' -o sized-iec.raw root@10MiB=data.img "root-verity:x@y=hash.img" && cmp sized.raw sized-iec.raw'
t_err "existing image refused without -f" 1 'mkgpt: disk.raw: exists; use -f' mkgpt -o disk.raw root=data.img
t_missing "no -o" "mkgpt: -o disk.raw is required" mkgpt root=data.img
t_err "bad seed" 2 'mkgpt: -S nope: not a UUID' mkgpt -S nope -o bad.raw root=data.img

# The whole sysext chain, then systemd-dissect (systemd 252), the consumer.
# It needs loop devices, so root; otherwise a clear skip.
if need systemd-dissect mksqfs mkverity pkcs7sign && [ "$(id -u)" -eq 0 ] && [ -e /dev/loop-control ]; then
	mkdir -p sx/tree/usr/lib/extension-release.d sx/out
	echo 'ID=_any' >sx/tree/usr/lib/extension-release.d/extension-release.ext
	echo hello >sx/tree/usr/hello
	openssl req -x509 -newkey rsa:2048 -nodes -keyout sx/key.pem -out sx/cert.pem \
	    -days 3650 -subj /CN=sysext 2>/dev/null
	chmod 600 sx/key.pem
	(
		cd sx && mksqfs -o fs.img tree && mkverity -S $SEED -o hash.img fs.img >rh &&
		pkcs7sign -j -k key.pem -c cert.pem -o sig.img rh &&
		mkgpt -S $SEED -o out/ext.raw root=fs.img root-verity=hash.img root-verity-sig=sig.img
	) >/dev/null
	if timeout 60 systemd-dissect --json=short sx/out/ext.raw >sx/dissect.json 2>sx/dissect.err; then
		t_ok "systemd-dissect: a system extension, root verity signed" python3 -c '
import json
d = json.load(open("sx/dissect.json"))
assert d["useSystemExtension"] is True, d
m = {x["designator"]: x for x in d["mounts"]}
assert set(m) == {"root", "root-verity", "root-verity-sig"}, m
assert m["root"]["fstype"] == "squashfs" and m["root"]["verity"] == "signed", m["root"]
assert m["root-verity-sig"]["fstype"] == "verity_hash_signature"'
		t_ok "systemd-dissect: accepts the root hash mkverity printed" \
		    sh -c 'timeout 60 systemd-dissect --root-hash=$(cat sx/rh) --json=short sx/out/ext.raw >/dev/null'
		t_ok "systemd-dissect: refuses another root hash" \
		    sh -c '! timeout 60 systemd-dissect --root-hash=0000000000000000000000000000000000000000000000000000000000000000 --json=short sx/out/ext.raw >/dev/null 2>&1'
	elif no_loop sx/dissect.err; then
		t_skip "systemd-dissect" "no loop devices here: $(head -c 120 sx/dissect.err)"
	else
		t_fail "systemd-dissect reads our sysext" sx/dissect.err
	fi
else
	t_skip "systemd-dissect" "needs root, loop devices and systemd-dissect (systemd-container)"
fi

# systemd-repart 252 with the same seed: the identities it derives must be
# ours. (Its squashfs is mksquashfs's, and its verity salt is random, so its
# root hash differs from ours; the verity UUIDs are compared as the halves of
# each tool's own root hash.) Its default layout differs from ours in the
# ways mkgpt(1) COMPATIBILITY lists, each asserted exactly below; given our
# partition and disk sizes it writes our GPT. (252 knows no Minimize=.)
if need systemd-repart && [ "$(id -u)" -eq 0 ] && [ -e /dev/loop-control ] && [ -d sx/tree ]; then
	mkdir -p rp/defs rp/fixed
	printf '[Partition]\nType=root\nFormat=squashfs\nCopyFiles=%s/sx/tree:/\nVerity=data\nVerityMatchKey=root\n' "$T" >rp/defs/10-root.conf
	printf '[Partition]\nType=root-verity\nVerity=hash\nVerityMatchKey=root\n' >rp/defs/20-verity.conf
	printf '[Partition]\nType=root-verity-sig\nVerity=signature\nVerityMatchKey=root\n' >rp/defs/30-sig.conf
	repart() { # definitions size image
		timeout 120 systemd-repart --definitions="$1" --empty=create --size="$2" --seed=$SEED \
		    --private-key=sx/key.pem --certificate=sx/cert.pem --dry-run=no --json=short "$3"
	}
	if repart rp/defs auto rp/repart.raw >rp/out.json 2>rp/err; then
		sfdisk --json rp/repart.raw >rp/theirs.json
		sfdisk --json sx/out/ext.raw >rp/ours.json
		t_ok "repart 252, same seed: the same disk GUID, types, labels, signature partition UUID" python3 -c '
import json
t = json.load(open("rp/theirs.json"))["partitiontable"]
o = json.load(open("rp/ours.json"))["partitiontable"]
assert t["id"] == o["id"], (t["id"], o["id"])
tp, op = t["partitions"], o["partitions"]
assert [p["type"] for p in tp] == [p["type"] for p in op]
assert [p["name"] for p in tp] == [p["name"] for p in op]
assert tp[2]["uuid"] == op[2]["uuid"], (tp[2]["uuid"], op[2]["uuid"])'
		t_ok "repart 252 and mkgpt: verity UUIDs are the halves of the root hash" python3 -c '
import json, uuid
t = json.load(open("rp/theirs.json"))["partitiontable"]["partitions"]
rh = [p for p in json.load(open("rp/out.json")) if p.get("roothash")][0]["roothash"]
assert uuid.UUID(t[0]["uuid"]).hex == rh[:32] and uuid.UUID(t[1]["uuid"]).hex == rh[32:], (t, rh)
o = json.load(open("rp/ours.json"))["partitiontable"]["partitions"]
ours = open("sx/rh").read().strip()
assert uuid.UUID(o[0]["uuid"]).hex == ours[:32] and uuid.UUID(o[1]["uuid"]).hex == ours[32:]'
		# Both tables loaded as T/tp (repart's) and O/op (ours); a(p) is
		# a partition's attribute string, "-" for none.
		cat >rp/both.py <<-'EOF'
		import json, os
		T = json.load(open("rp/theirs.json"))["partitiontable"]
		O = json.load(open("rp/ours.json"))["partitiontable"]
		tp, op = T["partitions"], O["partitions"]
		a = lambda p: p.get("attrs", "-")
		up = lambda n, m: -(-n // m) * m
		EOF
		rp_ok() { t_ok "$1" python3 -c "exec(open('rp/both.py').read())
$2"; }
		t_ok "mkgpt -V: repart 252's image" mkgpt -V rp/repart.raw
		rp_ok "repart 252 and mkgpt alike: back to back on 4 KiB boundaries, a 16 KiB signature, the verity hash read-only" '
for parts in tp, op:
    assert all(q["start"] == p["start"] + p["size"] for p, q in zip(parts, parts[1:])), parts
    assert all(p["start"] % 8 == 0 and p["size"] % 8 == 0 for p in parts), parts
    assert parts[2]["size"] == 32 and a(parts[1]) == "GUID:60", parts'
		rp_ok "start: repart 252 at LBA 2048 (libfdisk, image over 4 MiB), mkgpt at LBA 40" '
assert os.path.getsize("rp/repart.raw") > 4 << 20
assert (T["firstlba"], tp[0]["start"]) == (2048, 2048), (T["firstlba"], tp[0])
assert (O["firstlba"], op[0]["start"]) == (34, 40), (O["firstlba"], op[0])'
		rp_ok "size: repart 252 root and verity 10 MiB (default SizeMinBytes=), mkgpt the payload" '
assert os.path.getsize("sx/fs.img") < 10 << 20 and os.path.getsize("sx/hash.img") < 10 << 20
assert [p["size"] for p in tp[:2]] == [20480, 20480], tp
assert [p["size"] * 512 for p in op[:2]] == [up(os.path.getsize("sx/fs.img"), 4096),
    up(os.path.getsize("sx/hash.img"), 4096)], op'
		rp_ok "attributes: repart 252 sets grow-fs (59) on the root, mkgpt nothing" '
assert (a(tp[0]), a(op[0])) == ("GUID:59", "-"), (tp[0], op[0])'
		rp_ok "attributes: repart 252 leaves the signature writable, mkgpt sets read-only (60)" '
assert (a(tp[2]), a(op[2])) == ("-", "GUID:60"), (tp[2], op[2])'
		rp_ok "disk: repart 252 --size=auto adds 1044 KiB for the GPT, mkgpt the tables to 4 KiB" '
assert os.path.getsize("rp/repart.raw") == (1044 << 10) + 512 * sum(p["size"] for p in tp)
assert os.path.getsize("sx/out/ext.raw") == up(512 * (op[-1]["start"] + op[-1]["size"] + 33), 4096)'
	elif no_loop rp/err; then
		t_skip "systemd-repart comparison" "no loop devices here: $(head -c 160 rp/err)"
	else
		t_fail "systemd-repart 252 makes the same sysext" rp/err
	fi
	# Our partition sizes and disk size, and repart 252 writes our MBR,
	# headers and entries, but for the documented attributes and the
	# verity UUIDs (its salt is random).
	r=$(stat -c %s sx/fs.img) h=$(stat -c %s sx/hash.img)
	r=$(( (r + 4095) / 4096 * 4096 )) h=$(( (h + 4095) / 4096 * 4096 ))
	printf '[Partition]\nType=root\nCopyBlocks=%s/sx/fs.img\nVerity=data\nVerityMatchKey=root\nSizeMinBytes=%s\nSizeMaxBytes=%s\n' "$T" $r $r >rp/fixed/10-root.conf
	printf '[Partition]\nType=root-verity\nVerity=hash\nVerityMatchKey=root\nSizeMinBytes=%s\nSizeMaxBytes=%s\n' $h $h >rp/fixed/20-verity.conf
	cp rp/defs/30-sig.conf rp/fixed/
	if repart rp/fixed $(stat -c %s sx/out/ext.raw) rp/fixed.raw >/dev/null 2>rp/err; then
		t_ok "repart 252 given our sizes: our GPT but for the verity UUIDs and bits 59 and 60" python3 -c '
import struct
t, o = open("rp/fixed.raw", "rb").read(), open("sx/out/ext.raw", "rb").read()
assert len(t) == len(o) and t[:512] == o[:512], "size or protective MBR"
for h in 512, len(o) - 512:
    # Headers: equal but for the header and entry CRCs.
    assert t[h:h + 16] + t[h + 20:h + 88] == o[h:h + 16] + o[h + 20:h + 88], h
ents = struct.unpack_from("<Q", o, 512 + 72)[0] * 512
e = lambda d, i: d[ents + 128 * i:ents + 128 * (i + 1)]
for i in range(3):
    te, oe = e(t, i), e(o, i)
    assert te[:16] == oe[:16] and te[32:48] == oe[32:48] and te[56:] == oe[56:], i
    assert (i < 2) == (te[16:32] != oe[16:32]), i
attrs = [(struct.unpack_from("<Q", e(t, i), 48)[0], struct.unpack_from("<Q", e(o, i), 48)[0]) for i in range(3)]
assert attrs == [(1 << 59, 0), (1 << 60, 1 << 60), (0, 1 << 60)], attrs
assert all(e(t, i) == e(o, i) for i in range(3, 128))'
		t_ok "mkgpt -V: repart 252's image of our sizes" mkgpt -V rp/fixed.raw
	elif no_loop rp/err; then
		t_skip "systemd-repart with our sizes" "no loop devices here: $(head -c 160 rp/err)"
	else
		t_fail "systemd-repart 252 given our sizes" rp/err
	fi
else
	t_skip "systemd-repart comparison" "needs root, loop devices and systemd-repart"
fi
t_done
