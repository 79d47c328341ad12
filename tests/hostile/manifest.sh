#!/bin/sh
# Hostile packages.tsv for manifest (issue 19): fields a forged control
# file could bring, refused before any document or terminal sees them.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"

sha=$(printf x | sha256sum | cut -c1-64)
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }

# case NAME REGEX FORMAT ROW...: one package line after a good one.
tsv_case() {
	_n=$1 _re=$2 _f=$3
	shift 3
	h_sandbox
	{ row base-files 13.8 amd64 base-files 1 "$sha"; row "$@"; } >in.tsv
	h_case "manifest: $_n (-F $_f)" 1 "^manifest: in\\.tsv:2: $_re$" "$S/out" -- \
	    manifest -F "$_f" -o out in.tsv
}

tsv_case "a version with an escape sequence" 'version 1\.0\\033\[2K: invalid' text \
    bash "$(printf '1.0\033[2K')" amd64 bash 1 "$sha"
tsv_case "an SPDX checksum that is not a SHA-256" 'SHA-256 not-a-sha: invalid' spdx \
    bash 5.2.37-2 amd64 bash 1 not-a-sha
tsv_case "invalid UTF-8 in the source package" 'source package name bash\\342\\202: invalid' cyclonedx \
    bash 5.2.37-2 amd64 "$(printf 'bash\342\202')" 1 "$sha"
tsv_case "invalid UTF-8 in the source package" 'source package name bash\\342\\202: invalid' json \
    bash 5.2.37-2 amd64 "$(printf 'bash\342\202')" 1 "$sha"
tsv_case "a package name with a newline's escape and a quote" 'package name ba"sh\\033E: invalid' json \
    "$(printf 'ba"sh\033E')" 5.2.37-2 amd64 bash 1 "$sha"
for f in spdx cyclonedx; do
	h_sandbox
	{ row bash 5.2.15-2 amd64 bash 1 "$sha"; row bash 5.2.37-2 amd64 bash 1 "$sha"; } >in.tsv
	h_case "manifest: one package twice, two versions (-F $f)" 1 \
	    '^manifest: in\.tsv:2: package bash:amd64 listed again \(line 1\)$' "$S/out" -- \
	    manifest -F $f -o out in.tsv
done

# -d: a version with an escape sequence is not an upgrade.
h_sandbox
row bash 1.0 amd64 bash 1 "$sha" >old.tsv
row bash "$(printf '1.0\033[2K')" amd64 bash 1 "$sha" >new.tsv
h_case "manifest: -d, a version with an escape sequence" 1 \
    '^manifest: new\.tsv:1: version 1\.0\\033\[2K: invalid$' - -- manifest -d old.tsv new.tsv
t_done
