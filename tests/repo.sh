# tests/repo.sh: a local signed apt repository built by the test itself,
# for tests that must not touch the network. Sourced after lib.sh.
#
#   repo_init DIR          empty repository and a throwaway signing key
#   mkpkg NAME VERSION [FIELD: VALUE]...   a tiny package via dpkg-deb
#                          (files: $PKGFILES, "path content" lines, and
#                          $PKGCOPY, "path file-to-copy" lines; its
#                          architecture $PKGARCH, default all; into
#                          $REPO/$PKGPOOL, default pool)
#   mkdeb NAME VERSION [--data-ext EXT] < entries   a crafted package
#   repo_index [unsigned]  Packages, Release, InRelease for "bookworm main",
#                          binary-amd64 and binary-arm64 (each: its own
#                          architecture's packages and those of all);
#                          SUITE= another suite, of the packages in POOL=
#                          (default pool), NOTAUTO=1 marks it NotAutomatic
#                          and ButAutomaticUpgrades, as backports are;
#                          VALID_UNTIL= (an RFC 2822 date) its Valid-Until;
#                          REPO_COMPONENTS= its components (default main), each
#                          but main of the packages in POOL-COMPONENT
#                          (pool-non-free-firmware)
#
# $REPO is the repository, $KEY (beside it) the public keyring for -K.

repo_init() {
	REPO=$1
	mkdir -p "$REPO/pool" "$REPO/dists/bookworm/main/binary-amd64" \
	    "$REPO/dists/bookworm/main/binary-arm64" "$REPO/.build"
	GNUPGHOME=$REPO/.gnupg
	export GNUPGHOME
	mkdir -p -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key \
	    'initkit test <test@invalid>' ed25519 sign never 2>/dev/null
	KEY=$REPO.key.gpg
	export KEY
	gpg --batch --quiet --export >"$KEY"
}

_control() { # name version fields...
	_n=$1 _v=$2
	shift 2
	printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: test <test@invalid>\nDescription: test package %s\n' "$_n" "$_v" "${PKGARCH:-all}" "$_n"
	for _f; do printf '%s\n' "$_f"; done
}

mkpkg() {
	_d=$REPO/.build/$1_$2
	rm -rf "$_d"
	mkdir -p "$_d/DEBIAN" "$_d/usr/share/$1"
	_control "$@" >"$_d/DEBIAN/control"
	printf '%s %s\n' "$1" "$2" >"$_d/usr/share/$1/version"
	printf '%s\n' "${PKGFILES:-}" | while read -r _p _c; do
		[ -n "$_p" ] || continue
		mkdir -p "$_d/$(dirname "$_p")"
		printf '%s\n' "$_c" >"$_d/$_p"
	done
	printf '%s\n' "${PKGCOPY:-}" | while read -r _p _s; do
		[ -n "$_p" ] || continue
		mkdir -p "$_d/$(dirname "$_p")"
		cp "$_s" "$_d/$_p"
	done
	mkdir -p "$REPO/${PKGPOOL:-pool}"
	dpkg-deb -Zxz --root-owner-group --build "$_d" "$REPO/${PKGPOOL:-pool}/$1_$2_${PKGARCH:-all}.deb" >/dev/null
}

mkdeb() {
	_n=$1 _v=$2
	shift 2
	PKGARCH=all _control "$_n" "$_v" >"$REPO/.build/control"
	python3 "$top/tests/mkdeb.py" "$REPO/pool/${_n}_${_v}_all.deb" \
	    "$REPO/.build/control" "$@"
}

repo_index() {
	(
		_s=${SUITE:-bookworm} _p=${POOL:-pool}
		cd "$REPO" || exit 1
		# --arch picks pool files by name: *_ARCH.deb and *_all.deb.
		for _c in ${REPO_COMPONENTS:-main}; do
			_cp=$_p
			[ "$_c" = main ] || _cp=$_p-$_c
			mkdir -p "$_cp"
			for _a in amd64 arm64; do
				mkdir -p dists/$_s/$_c/binary-$_a
				apt-ftparchive --arch $_a packages "$_cp" \
				    >dists/$_s/$_c/binary-$_a/Packages 2>/dev/null
			done
		done
		rm -f dists/$_s/Release dists/$_s/InRelease
		apt-ftparchive -o APT::FTPArchive::Release::Suite=$_s \
		    -o APT::FTPArchive::Release::Codename=$_s \
		    -o APT::FTPArchive::Release::Architectures='amd64 arm64' \
		    -o APT::FTPArchive::Release::Components="${REPO_COMPONENTS:-main}" \
		    ${NOTAUTO:+-o APT::FTPArchive::Release::NotAutomatic=yes} \
		    ${NOTAUTO:+-o APT::FTPArchive::Release::ButAutomaticUpgrades=yes} \
		    release dists/$_s >.build/Release
		if [ -n "${VALID_UNTIL:-}" ]; then
			sed "/^Date: /a Valid-Until: $VALID_UNTIL" .build/Release >.build/Release.v &&
			    mv .build/Release.v .build/Release
		fi
		mv .build/Release dists/$_s/Release
		[ "${1:-}" = unsigned ] ||
		    gpg --batch --quiet --yes --clearsign \
			-o dists/$_s/InRelease dists/$_s/Release
	)
}
