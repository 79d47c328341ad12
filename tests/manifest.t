#!/bin/sh
# manifest: mkosi JSON, SPDX 2.3, CycloneDX 1.5 and text from packages.tsv,
# read back by jq; -d checked against dpkg --compare-versions.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

if ! need jq; then
	t_skip "manifest" "jq not installed"
	t_done
fi
tab=$(printf '\t')
sha=0000000000000000000000000000000000000000000000000000000000000000
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
# Debian's own python3, where mkosi's module is installed. Its json module
# is the strict reader: jq 1.6 lets a raw U+001F through unescaped.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export PY
printf '%s\n' 'import json, sys' \
    'json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' >strict.py
{
	row libc6 2.36-9+deb12u14 amd64 glibc 12000000 $sha
	row systemd 252.39-1~deb12u2 amd64 systemd 9000000 $sha
	row adduser 3.134 all adduser 700000 $sha
	row dmsetup 2:1.02.185-2 amd64 lvm2 250000 $sha
} >img.tsv

t_ok "json: jq parses it" sh -c 'manifest img.tsv | jq -e . >/dev/null'
t_eq "json: mkosi's fields and types" \
    '{"manifest_version":"number","config":{"name":"string","distribution":"string","architecture":"string","output_format":"string"},"package":{"type":"string","name":"string","version":"string","architecture":"string","size":"number"}}' \
    sh -c "manifest img.tsv | jq -c '{manifest_version: (.manifest_version|type), config: (.config|map_values(type)), package: (.packages[0]|map_values(type))}'"
t_eq "json: config and packages" \
    'initrd debian x86-64 cpio 1|adduser 3.134 all 700000|dmsetup 2:1.02.185-2 amd64 250000|libc6 2.36-9+deb12u14 amd64 12000000|systemd 252.39-1~deb12u2 amd64 9000000' \
    sh -c "manifest -n initrd img.tsv | jq -r '\"\\(.config.name) \\(.config.distribution) \\(.config.architecture) \\(.config.output_format) \\(.manifest_version)\",
	(.packages[] | \"\\(.name) \\(.version) \\(.architecture) \\(.size)\")' | tr '\n' '|' | sed 's/|\$//'"
# The image's architecture: -a, in mkosi's naming; else the packages'.
grep -v '	amd64	' img.tsv >all.tsv
sed 's/	amd64	/	arm64	/' img.tsv >arm.tsv
t_eq "json: -a arm64 is arm64, -a amd64 x86-64" 'arm64 x86-64' \
    sh -c "echo \$(manifest -a arm64 img.tsv | jq -r .config.architecture) \$(manifest -a amd64 arm.tsv | jq -r .config.architecture)"
t_eq "json: without -a, the first package not of all (arm64)" 'arm64' \
    sh -c "manifest arm.tsv | jq -r .config.architecture"
t_eq "json: -a arm64 with only packages of all" 'arm64' \
    sh -c "manifest -a arm64 all.tsv | jq -r .config.architecture"
t_err "json: -a with a space is a usage error" 2 '^manifest: -a arm 64: not an architecture name$' manifest -a 'arm 64' img.tsv
t_ok "json: no version field without -N" \
    sh -c "manifest img.tsv | jq -e '.config | has(\"version\") | not' >/dev/null"
t_eq "json: -N is config.version, a string" 'string 1.2~rc1' \
    sh -c "manifest -N 1.2~rc1 img.tsv | jq -r '\"\\(.config.version|type) \\(.config.version)\"'"
t_eq "json: -N 007 stays a string" '"007"' \
    sh -c "manifest -N 007 img.tsv | jq -c .config.version"
t_ok "json: no release field without -r" \
    sh -c "manifest img.tsv | jq -e '.config | has(\"release\") | not' >/dev/null"
t_eq "json: -r is config.release, a string" 'string bookworm' \
    sh -c "manifest -r bookworm img.tsv | jq -r '\"\\(.config.release|type) \\(.config.release)\"'"
t_err "-N: invalid UTF-8 is a usage error" 2 'manifest: -N: not valid UTF-8' \
    manifest -o bad.json -N "$(printf '1.\377')" img.tsv
printf 'ID=debian\nVERSION_ID="12"\nSYSEXT_SCOPE=initrd\nARCHITECTURE=x86-64\n' >ext-release
t_eq "json: the extension-release fields" 'debian 12 initrd' \
    sh -c "manifest -e ext-release img.tsv | jq -r '\"\\(.extension.ID) \\(.extension.VERSION_ID) \\(.extension.SYSEXT_SCOPE)\"'"

t_ok "spdx: jq parses it; required document fields" \
    sh -c "manifest -F spdx img.tsv | jq -e '.spdxVersion == \"SPDX-2.3\" and .dataLicense == \"CC0-1.0\" and
	.SPDXID == \"SPDXRef-DOCUMENT\" and (.name|length > 0) and (.documentNamespace|startswith(\"https://\")) and
	(.creationInfo.created|test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\$\")) and (.creationInfo.creators|length > 0)' >/dev/null"
# The release that wrote it, from VERSION (SPDX: "Tool: name-version").
ver=$(cat "$top/VERSION")
t_eq "spdx: the creator is the tool and its release" "Tool: initkit-manifest-$ver" \
    sh -c "manifest -F spdx img.tsv | jq -r '.creationInfo.creators | join(\",\")'"
t_eq "cyclonedx: the tool component has the release" "initkit-manifest $ver" \
    sh -c "manifest -F cyclonedx img.tsv | jq -r '.metadata.tools.components[0] | \"\\(.name) \\(.version)\"'"
t_eq "json: the generator and its release, beside mkosi's fields" "initkit-manifest $ver" \
    sh -c "manifest img.tsv | jq -r '.generator | \"\\(.name) \\(.version)\"'"
t_ok "spdx: every package has SPDXID, name, downloadLocation; ids unique" \
    sh -c "manifest -F spdx img.tsv | jq -e '[.packages[] | (.SPDXID and .name and .downloadLocation)] | all' >/dev/null &&
	manifest -F spdx img.tsv | jq -e '[.packages[].SPDXID] | length == (unique|length)' >/dev/null"
t_ok "spdx: relationships: the document describes the image, the image contains each package" \
    sh -c "manifest -F spdx img.tsv | jq -e '(.relationships | map(select(.relationshipType == \"DESCRIBES\")) | .[0].relatedSpdxElement) as \$img |
	([.packages[].SPDXID] - [\$img] | sort) == ([.relationships[] | select(.relationshipType == \"CONTAINS\" and .spdxElementId == \$img) | .relatedSpdxElement] | sort)' >/dev/null"
t_eq "spdx: purl, checksum of the .deb" "pkg:deb/debian/dmsetup@2:1.02.185-2?arch=amd64 $sha" \
    sh -c "manifest -F spdx img.tsv | jq -r '.packages[] | select(.name == \"dmsetup\") | \"\\(.externalRefs[0].referenceLocator) \\(.checksums[0].checksumValue)\"'"
t_eq "spdx: created is SOURCE_DATE_EPOCH" "2023-11-14T22:13:20Z" \
    sh -c "SOURCE_DATE_EPOCH=1700000000 manifest -F spdx img.tsv | jq -r .creationInfo.created"
# Without SOURCE_DATE_EPOCH, the time of what was installed (not 1970):
# when packages.tsv was written, or with -s the spec's newest entry.
touch -d @1750000000 img.tsv
t_eq "spdx: without SOURCE_DATE_EPOCH, created is when packages.tsv was written" \
    "2025-06-15T15:06:40Z" sh -c "manifest -F spdx img.tsv | jq -r .creationInfo.created"
t_eq "cyclonedx: the same from standard input redirected from it" "2025-06-15T15:06:40Z" \
    sh -c "manifest -F cyclonedx - <img.tsv | jq -r .metadata.timestamp"
printf '%s\n' '#mtree' '. type=dir mode=0755 time=1600000000.0' \
    './new type=dir mode=0755 time=1650000000.0' './old type=dir mode=0755 time=1500000000.0' >dated.mtree
t_eq "spdx: with -s, created is the time of the spec's newest entry" "2022-04-15T05:20:00Z" \
    sh -c "manifest -F spdx -s dated.mtree img.tsv | jq -r .creationInfo.created"
t_eq "and SOURCE_DATE_EPOCH still wins over -s" "2023-11-14T22:13:20Z" \
    sh -c "SOURCE_DATE_EPOCH=1700000000 manifest -F spdx -s dated.mtree img.tsv | jq -r .creationInfo.created"
t_ok "cyclonedx: jq parses it; components and dependencies agree" \
    sh -c "manifest -F cyclonedx img.tsv | jq -e '.bomFormat == \"CycloneDX\" and .specVersion == \"1.5\" and
	(.serialNumber|test(\"^urn:uuid:[0-9a-f-]{36}\$\")) and (.components|length == 4) and
	([.components[].\"bom-ref\"] | sort) == (.dependencies[0].dependsOn | sort)' >/dev/null"
# Each component's purl, version and .deb hash, against what awk and jq
# make of packages.tsv: the purl-spec encoding done again here (keep
# alphanumerics, ".-_~" and ':', every other byte as %XX), not taken from
# the tool. Versions with an epoch, '+', '~' and a ':' after the epoch,
# a name with '+' and '.'; a different hash for every package.
sha_of() { printf '%s' "$1" | sha256sum | cut -c1-64; }
{
	for p in 'libstdc++6 12.2.0-14 amd64' 'dmsetup 2:1.02.185-2 amd64' \
	    'adduser 3.134 all' 'systemd 252.39-1~deb12u2 amd64' \
	    'attr 1:2.4.47-2+b1 amd64'; do
		set -- $p
		row "$1" "$2" "$3" src 1 "$(sha_of "$1")"
	done
	row 'g++.x' '1:2.0~rc1+ds:3-0.1+b2' arm64 src 1 "$(sha_of g++)"
} >comp.tsv
LC_ALL=C awk -F '\t' '
BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
function enc(s,    r, i, c) {
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		r = r (c ~ /[A-Za-z0-9._~:-]/ ? c : sprintf("%%%02X", ord[c]))
	}
	return r
}
{ printf "%s\t%s\tpkg:deb/debian/%s@%s?arch=%s\t%s\n", $1, $2, enc($1), enc($2), enc($3), $6 }
' comp.tsv | LC_ALL=C sort >comp.want
t_eq "the independent purls agree with purl-spec's and a hand-made one" \
    "$(printf '%s\n' 'pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64' 'pkg:deb/debian/g%2B%2B.x@1:2.0~rc1%2Bds:3-0.1%2Bb2?arch=arm64')" \
    sh -c "grep -E '^(attr|g)' comp.want | cut -f3"
t_ok "cyclonedx: each component's name, version, purl and SHA-256 are packages.tsv's" \
    sh -c "manifest -F cyclonedx comp.tsv | jq -r '.components[] | [.name, .version, .purl,
	(.hashes | map(select(.alg == \"SHA-256\") | .content) | join(\",\"))] | join(\"\t\")' |
	LC_ALL=C sort | diff -u comp.want -"
t_ok "cyclonedx: each bom-ref is its purl" \
    sh -c "manifest -F cyclonedx comp.tsv | jq -e '.components | length == 6 and all(.[\"bom-ref\"] == .purl)' >/dev/null"
t_ok "spdx: each package's name, version, purl and SHA256 are packages.tsv's" \
    sh -c "manifest -F spdx comp.tsv | jq -r '.packages[] | select(.SPDXID != \"SPDXRef-Image\") | [.name, .versionInfo,
	(.externalRefs | map(select(.referenceType == \"purl\") | .referenceLocator) | join(\",\")),
	(.checksums | map(select(.algorithm == \"SHA256\") | .checksumValue) | join(\",\"))] | join(\"\t\")' |
	LC_ALL=C sort | diff -u comp.want -"
t_ok "text: one aligned line a package" \
    sh -c 'manifest -F text img.tsv >t.txt && [ $(wc -l <t.txt) = 4 ] && [ $(awk "{ print index(\$0, \$2) }" t.txt | sort -u | wc -l) = 1 ]'
for f in json spdx cyclonedx text; do
	t_ok "$f: two runs, the same bytes" sh -c "manifest -F $f img.tsv >a && manifest -F $f img.tsv >b && cmp a b"
done
t_ok "-o: atomic, refuses an existing file" \
    sh -c 'manifest -o m.json img.tsv && ! manifest -o m.json img.tsv 2>/dev/null && manifest -f -o m.json img.tsv'

# Fields of packages.tsv are checked against Debian's syntax before any
# format is written: the bytes a forged control file could put there (a
# quote, a backslash, control characters, an escape sequence, a blank,
# UTF-8 valid or not) are refused in every format and by -d, with the
# value written as \ooo. The expected lines are written out by hand.
# esc: a fixed string as an ERE.
esc() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }
good="ok 1.0 amd64 src 1 $sha"
for c in \
    'name|a"b\c\001d|package name a"b\134c\001d' \
    'name|.x|package name .x' \
    'name|caf\303\251|package name caf\303\251' \
    'version|1"2\\3\001\037\177\010\014\r\013~\303\251|version 1"2\1343\001\037\177\010\014\015\013~\303\251' \
    'version|1.0\033[2K|version 1.0\033[2K' \
    'version|1.0 r|version 1.0\040r' \
    'version|1.\300\257|version 1.\300\257' \
    'version|1.\377|version 1.\377' \
    'version|a:1.0|version a:1.0' \
    'version|1.0-|version 1.0-' \
    'version|1.0-1:2|version 1.0-1:2' \
    'arch|amd64\033]0;x\007|architecture amd64\033]0;x\007' \
    'arch|AMD64|architecture AMD64' \
    'source|upstream\342\202|source package name upstream\342\202' \
    'source|up stream|source package name up\040stream' \
    'sha|not-a-sha|SHA-256 not-a-sha' \
    'sha|'"$(printf '%063d' 0)"'|SHA-256 '"$(printf '%063d' 0)" \
    'sha|'"$(printf '%064d' 0 | sed 's/0$/A/')"'|SHA-256 '"$(printf '%064d' 0 | sed 's/0$/A/')"; do
	field=${c%%|*} rest=${c#*|} val=$(printf "${rest%%|*}") want=${rest#*|}
	set -- ok 1.0 amd64 src 1 $sha
	case $field in
	name) set -- "$val" 1.0 amd64 src 1 $sha ;;
	version) set -- ok "$val" amd64 src 1 $sha ;;
	arch) set -- ok 1.0 "$val" src 1 $sha ;;
	source) set -- ok 1.0 amd64 "$val" 1 $sha ;;
	sha) set -- ok 1.0 amd64 src 1 "$val" ;;
	esac
	{ row zz 1.0 all zz 1 $sha; row "$@"; } >bad.tsv
	re="^manifest: bad\.tsv:2: $(esc "$want"): invalid\$"
	for fmt in json spdx cyclonedx text; do
		t_err "$fmt: $want: refused" 1 "$re" manifest -F $fmt -o bad.out bad.tsv
	done
	{ row zz 1.0 all zz 1 $sha; row ok 1.0 amd64 src 1 $sha; } >good.tsv
	t_err "-d: $want: refused" 1 "$re" manifest -d good.tsv bad.tsv
done
t_ok "and no output is left" sh -c '[ ! -e bad.out ] && [ -z "$(ls -A | grep "^bad\.out.")" ]'
# One package name and architecture is installed once; multiarch can
# have one name for two architectures.
{ row libc6 2.36-9 amd64 glibc 1 $sha; row zz 1.0 all zz 1 $sha; row libc6 2.37-1 amd64 glibc 1 $sha; } >dup.tsv
t_err "a package listed twice with two versions" 1 '^manifest: dup\.tsv:3: package libc6:amd64 listed again \(line 1\)$' \
    manifest -F spdx dup.tsv
t_err "-d: and in an old list" 1 '^manifest: dup\.tsv:3: package libc6:amd64 listed again \(line 1\)$' \
    manifest -d dup.tsv img.tsv
{ row libc6 2.36-9 amd64 glibc 1 $sha; row libc6 2.36-9 i386 glibc 1 $sha; } >multi.tsv
t_eq "one name for two architectures is two packages" "libc6 libc6" \
    sh -c 'manifest -F spdx multi.tsv | jq -r "[.packages[1:][].name] | join(\" \")"'
# Values from -N, -r and -e are not packages.tsv's: any valid UTF-8 is
# escaped in JSON. jq (1.6) rejects a raw control character in a string,
# and -j gives the bytes back for cmp against what printf made.
printf 'v\t1"\\\001\037\177' >hopt
t_ok "-N and -r with a tab and control characters come back intact" \
    sh -c 'manifest -N "$(cat hopt)" -r "$(cat hopt)" img.tsv >h.json && $PY strict.py h.json &&
	jq -j .config.version h.json | cmp - hopt && jq -j .config.release h.json | cmp - hopt'
printf 'ID=debian\nIMAGE_VERSION=%s\n' "$(cat hopt)" >hostile-release
t_ok "-e: an extension-release value with a tab comes back intact" \
    sh -c 'manifest -e hostile-release img.tsv >h.json && $PY strict.py h.json &&
	jq -j .extension.IMAGE_VERSION h.json | cmp - hopt'
printf 'only\tthree\tfields\n' >short.tsv
t_err "a line without six fields" 1 'manifest: short.tsv:1: want six tab-separated fields' manifest short.tsv
printf '# c\n\nok\t1\tall\ts\t1\t%s\na\tb\n' $sha >short3.tsv
t_err "the line number counts blank and comment lines" 1 'manifest: short3.tsv:4: want six tab-separated fields' \
    manifest short3.tsv
row tab "1.0$tab+x" all src 1 $sha >seven.tsv
t_err "a tab inside a field makes seven: refused, not shifted" 1 'manifest: seven.tsv:1: want six tab-separated fields' \
    manifest seven.tsv
row nover '' all src 1 $sha >empty.tsv
t_err "an empty field is refused, not skipped" 1 'manifest: empty.tsv:1: field 2 is empty' manifest empty.tsv
for n in 12x -1 +1 ' 1' 99999999999999999999; do
	row x 1.0 all src "$n" $sha >size.tsv
	re=$(printf '%s' "$n" | sed 's/+/\\+/')
	t_err "installed size '$n': refused, naming file and line" 1 "manifest: size.tsv:1: installed size $re: not a number" \
	    manifest size.tsv
done
t_err "unknown format" 2 'manifest: -F yaml: json, spdx, cyclonedx or text' manifest -F yaml img.tsv
t_usage "unknown option" manifest -Q

# -d: what changed, with the Debian version order.
{
	row same 1.0 all s 1 $sha
	row gone 1.0 all s 1 $sha
	row up 1.0-1 amd64 s 1 $sha
	row down 2:1.0 amd64 s 1 $sha
	row tilde 1.0 amd64 s 1 $sha
	row rebuilt 1.0 all s 1 $sha
} >old.tsv
{
	row same 1.0 all s 1 $sha
	row new 0.1 all s 1 $sha
	row up 1.0-2 amd64 s 1 $sha
	row down 1:9.0 amd64 s 1 $sha
	row tilde 1.0~rc1 amd64 s 1 $sha
	row rebuilt 1.0 all s 1 1111111111111111111111111111111111111111111111111111111111111111
} >new.tsv
t_eq "-d: added, removed, upgraded, downgraded, rebuilt" \
    "$(printf '%s\n' 'v down amd64 2:1.0 -> 1:9.0' '- gone all 1.0' '+ new all 0.1' '! rebuilt all 1.0 (rebuilt: the .deb differs)' 'v tilde amd64 1.0 -> 1.0~rc1' '^ up amd64 1.0-1 -> 1.0-2')" \
    sh -c 'manifest -d old.tsv new.tsv; [ $? = 1 ]'
t_ok "-d: equal lists exit 0, print nothing" sh -c '[ -z "$(manifest -d old.tsv old.tsv)" ]'
if need dpkg; then
	# The version order against dpkg's own, on pairs that exercise it.
	pairs='1.0 1.0.1|1.0~rc1 1.0|1:0.9 2.0|1.0-1 1.0-1.1|1.0a 1.0+|1.0 1.0-0|2.36-9+deb12u14 2.36-9+deb12u9|0.9~~ 0.9~|1.01 1.1|252.39-1~deb12u2 252.39-1|1.0-1~bpo 1.0-1'
	ok=1
	IFS='|'
	for p in $pairs; do
		IFS=' '
		set -- $p
		printf '%s\t%s\tall\ts\t1\t%s\n' x "$1" $sha >va.tsv
		printf '%s\t%s\tall\ts\t1\t%s\n' x "$2" $sha >vb.tsv
		ours=$(manifest -d va.tsv vb.tsv | cut -c1)
		if dpkg --compare-versions "$1" lt "$2"; then want='^'
		elif dpkg --compare-versions "$1" gt "$2"; then want='v'
		else want=''; fi
		[ "$ours" = "$want" ] || { ok=0; echo "# $1 vs $2: ours '$ours', dpkg '$want'"; }
		IFS='|'
	done
	IFS=' '
	t_ok "-d: the version order is dpkg's" test $ok = 1
else
	t_skip "-d: the version order is dpkg's" "dpkg not installed"
fi

# mkosi's own manifest code (bookworm's mkosi 14), driven with this package
# set: every field it writes must be ours, with the same type and value.
if $PY -c 'import mkosi.manifest' 2>/dev/null; then
	cat >mkosi-within.py <<'EOF2'
import json, subprocess, sys, types
from mkosi.manifest import Manifest, PackageManifest
version = sys.argv[1] if len(sys.argv) > 1 else None
release = sys.argv[2] if len(sys.argv) > 2 else None
ours = json.loads(subprocess.run(["manifest", "-n", "initrd"] +
    (["-N", version] if version is not None else []) +
    (["-r", release] if release is not None else []) + ["img.tsv"], check=True,
    capture_output=True).stdout)
cfg = types.SimpleNamespace(image_id="initrd", distribution=types.SimpleNamespace(name="debian"),
    architecture=ours["config"]["architecture"], image_version=version, release=release)
m = Manifest(cfg)
for line in sorted(open("img.tsv")):
    n, v, a, src, size, sha = line.rstrip("\n").split("\t")
    m.packages.append(PackageManifest("deb", n, v, a, int(size)))
def within(theirs, mine, where):
    if isinstance(theirs, dict):
        for k, v in theirs.items():
            assert k in mine, "%s: %s missing" % (where, k)
            within(v, mine[k], where + "." + k)
    elif isinstance(theirs, list):
        assert len(theirs) == len(mine), where
        for i, (a, b) in enumerate(zip(theirs, mine)):
            within(a, b, "%s[%d]" % (where, i))
    else:
        assert type(theirs) is type(mine) and theirs == mine, "%s: %r != %r" % (where, theirs, mine)
within(m.as_dict(), ours, "manifest")
EOF2
	t_ok "json: what mkosi 14's Manifest writes for these packages is in ours" \
	    $PY mkosi-within.py
	t_ok "json: and with an image version, -N" $PY mkosi-within.py 12.3~beta
	t_ok "json: and with an image version and a release, -N and -r" \
	    $PY mkosi-within.py 12.3~beta bookworm
else
	t_skip "mkosi comparison" "mkosi (python3 module) not installed"
fi

# -s: the tree spec's counts and a digest independent of where files are.
mkdir -p store && printf 'one\n' >store/a && printf 'twenty two\n' >store/b
cat >img.mtree <<EOF2
#mtree
. type=dir mode=0755
./usr type=dir mode=0755
./usr/a type=file mode=0644 contents=store/a
./usr/b type=file mode=0755 contents=store/b
./usr/l type=link link=a
EOF2
t_eq "-s: entries, files and bytes as the spec has them" "5 2 15" \
    sh -c "manifest -s img.mtree img.tsv | jq -r '\"\\(.tree.entries) \\(.tree.files) \\(.tree.bytes)\"'"
t_ok "-s: the same digest with the files stored elsewhere" \
    sh -c 'mkdir -p other && cp -a store other/ && sed "s,contents=store/,contents=other/store/," img.mtree >other.mtree &&
	[ "$(manifest -s img.mtree img.tsv | jq -r .tree.sha256)" = "$(manifest -s other.mtree img.tsv | jq -r .tree.sha256)" ]'
t_ok "-s: another digest when one byte of a file differs" \
    sh -c 'printf "onf\n" >other/store/a &&
	[ "$(manifest -s img.mtree img.tsv | jq -r .tree.sha256)" != "$(manifest -s other.mtree img.tsv | jq -r .tree.sha256)" ]'
t_ok "-s: the text form ends with the summary" \
    sh -c 'manifest -F text -s img.mtree img.tsv | tail -1 | grep -q "^# tree: 5 entries, 2 files, 15 bytes, sha256 [0-9a-f]\{64\}$"'

# Every SPDX and CycloneDX document of the packages above, validated by a
# real validator: CycloneDX 1.5's official JSON schema as the CycloneDX
# project ships it on npm (@cyclonedx/cyclonedx-library, installed by make
# deps into build/npm), read by python3-jsonschema; SPDX 2.3 by the SPDX
# project's own validator, pyspdxtools (python3-spdx-tools, packaged for
# trixie in trixie-backports, not for Debian 12), run from a root pkgroot
# installs with it (kernel.sh's archive_get: needs the archive once, then
# the test cache), and by the official SPDX 2.3 JSON schema when
# SPDX_SCHEMA= names a copy (schemas/spdx-schema-2-3.json of spdx-spec).
# The two enumerations we fill, as that schema spells them (pyspdxtools
# takes both spellings and writes PACKAGE_MANAGER, which 2.3's schema
# does not list):
t_eq "spdx: the image's primaryPackagePurpose is OPERATING_SYSTEM (SPDX 2.3's enumeration)" \
    OPERATING_SYSTEM sh -c "manifest -F spdx img.tsv | jq -r '.packages[] | select(.SPDXID == \"SPDXRef-Image\") | .primaryPackagePurpose'"
t_eq "spdx: every externalRef's referenceCategory is PACKAGE-MANAGER (SPDX 2.3's enumeration)" \
    PACKAGE-MANAGER sh -c "manifest -F spdx comp.tsv | jq -r '[.packages[].externalRefs // [] | .[].referenceCategory] | unique | join(\",\")'"
mkdir -p docs
for tsv in img comp multi; do
	for f in spdx cyclonedx; do
		manifest -F $f $tsv.tsv >docs/$tsv.$f.json
		manifest -F $f -e ext-release -s dated.mtree $tsv.tsv >docs/$tsv-ext.$f.json
	done
done
CDX_SCHEMA=$top/build/npm/node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.5.SNAPSHOT.schema.json
# valid FORMAT WHAT SCHEMA EDIT WHERE: every FORMAT document valid against
# SCHEMA, and one that the jq EDIT broke refused at WHERE.
valid() {
	t_ok "$1: every document valid against $2" \
	    $PY "$top/tests/schema.py" "$3" docs/*.$1.json
	jq "$4" docs/img.$1.json >docs/bad.$1
	t_ok "$1: and the validator refuses $4" \
	    sh -c "! $PY '$top/tests/schema.py' '$3' docs/bad.$1 2>bad.out && grep -q '$5' bad.out"
}
if ! $PY -c 'import jsonschema' 2>/dev/null; then
	t_skip "schema validation" "python3-jsonschema not installed: run make deps"
else
	if [ -f "$CDX_SCHEMA" ]; then
		valid cyclonedx "the CycloneDX 1.5 JSON schema" "$CDX_SCHEMA" \
		    '.components[0].type = "lib"' components/0/type
	else
		t_skip "cyclonedx: the CycloneDX 1.5 schema" "no ${CDX_SCHEMA#$top/}: run make deps"
	fi
	if [ -n "${SPDX_SCHEMA:-}" ]; then
		valid spdx "the SPDX 2.3 JSON schema" "$SPDX_SCHEMA" \
		    '.packages[0].primaryPackagePurpose = "OPERATING-SYSTEM"' primaryPackagePurpose
	fi
fi
. "$top/tests/kernel.sh"
# chroot(2) is root's; an unprivileged run maps itself to root first.
IN_ROOT=chroot
[ "$(id -u)" = 0 ] || IN_ROOT="unshare -r chroot"
export IN_ROOT
# trixie-backports' Release is valid for a week: Check-Valid-Until: no, as
# in $SOURCES (tests/lib.sh).
printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-backports\nComponents: main\nCheck-Valid-Until: no\n' \
    "$DEBIAN_MIRROR" >"$T/backports.sources"
if archive_get spdxroot "" -r trixie,trixie-backports \
    -S "$T/backports.sources" python3-spdx-tools; then
	mkdir -p "$T/spdxroot/docs" && cp docs/*.spdx.json "$T/spdxroot/docs/"
	jq '.packages[0].primaryPackagePurpose = "OS"' docs/img.spdx.json >"$T/spdxroot/docs/bad-purpose.json"
	jq '.relationships[0].relatedSpdxElement = "SPDXRef-none"' docs/img.spdx.json >"$T/spdxroot/docs/bad-ref.json"
	t_ok "spdx: pyspdxtools (python3-spdx-tools, trixie-backports) finds every document valid" \
	    sh -c 'for f in "$1"/docs/*.spdx.json; do
		$IN_ROOT "$1" pyspdxtools -i "/docs/${f##*/}" >spdx.out 2>&1 || { cat spdx.out; exit 1; }
	    done' sh "$T/spdxroot"
	t_ok "spdx: and pyspdxtools refuses a purpose 2.3 does not have, and a dangling reference" \
	    sh -c '! $IN_ROOT "$1" pyspdxtools -i /docs/bad-purpose.json >bad1.out 2>&1 &&
		grep -q "Invalid PrimaryPackagePurpose: OS" bad1.out &&
		! $IN_ROOT "$1" pyspdxtools -i /docs/bad-ref.json >bad2.out 2>&1 && grep -q "SPDXRef-none" bad2.out' sh "$T/spdxroot"
else
	t_archive "spdx: pyspdxtools validates every document" "$GET_WHY"
fi
t_done
