# make deb: initkit's own Debian packages (debian/), initkit-tools and
# initkit, into $(B)/deb/1/: dpkg-buildpackage -us -uc -b twice, from two
# copies of the tree in other directories, umasks, time zones and -j,
# whose .debs must be the same bytes; then lintian, which must report no
# error and no warning (tests/deb.sh). make deb-test: their autopkgtest
# (debian/tests/) with the null runner, which installs them on this
# machine, then purges them.

DEBDIR = $(B)/deb

deb:
	@tests/deb.sh build $(DEBDIR)

deb-test:
	@tests/deb.sh test $(DEBDIR)

.PHONY: deb deb-test
