# make install / uninstall [DESTDIR=] [PREFIX=] [BINDIR=] [MANDIR=]
# [DATADIR=] [KERNELINSTALLDIR=]: the tools and their man pages, the
# formats' pages (bin/*.5: packages.tsv, the tree spec); the rule
# chains, their scripts (libexec/), config.mk and the profiles under
# DATADIR/initkit, with a GNUmakefile there that runs them from any
# directory (mk/GNUmakefile.in); the kernel-install plugin.

INITKIT_SHARE = $(DATADIR)/initkit
# The installed GNUmakefile finds the tools relative to itself.
BINREL = $(shell realpath -m --relative-to=$(INITKIT_SHARE) $(BINDIR))
PROFILE_FILES := $(shell find profiles ! -type d -print)
PROFILE_DIRS := $(shell find profiles -type d -print)
SHARE_MK := mk/common.mk mk/profile.mk mk/qemu.mk mk/sysext.mk
LIBEXEC_FILES := $(wildcard libexec/*)
MAN5 := $(wildcard bin/*.5)

install: install-tools install-chains install-profiles install-plugin

install-tools: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(TOOLS:%=$(B)/bin/%) $(DESTDIR)$(BINDIR)/
	install -m 644 $(TOOLS:%=bin/%.1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/

install-chains:
	install -d $(DESTDIR)$(INITKIT_SHARE)/mk $(DESTDIR)$(INITKIT_SHARE)/libexec
	install -m 644 config.mk $(DESTDIR)$(INITKIT_SHARE)/
	install -m 644 $(SHARE_MK) $(DESTDIR)$(INITKIT_SHARE)/mk/
	install -m 755 $(LIBEXEC_FILES) $(DESTDIR)$(INITKIT_SHARE)/libexec/
	sed -e 's|@DATADIR@|$(INITKIT_SHARE)|g' -e 's|@BINREL@|$(BINREL)|g' \
	    mk/GNUmakefile.in >$(DESTDIR)$(INITKIT_SHARE)/GNUmakefile.tmp
	mv $(DESTDIR)$(INITKIT_SHARE)/GNUmakefile.tmp $(DESTDIR)$(INITKIT_SHARE)/GNUmakefile

# Links stay links, executable files (a generator) stay executable.
install-profiles:
	install -d $(PROFILE_DIRS:%=$(DESTDIR)$(INITKIT_SHARE)/%)
	set -e; for f in $(PROFILE_FILES); do \
	  if [ -L $$f ]; then ln -sfn $$(readlink $$f) $(DESTDIR)$(INITKIT_SHARE)/$$f; \
	  elif [ -x $$f ]; then install -m 755 $$f $(DESTDIR)$(INITKIT_SHARE)/$$f; \
	  else install -m 644 $$f $(DESTDIR)$(INITKIT_SHARE)/$$f; fi; done

install-plugin:
	install -d $(DESTDIR)$(KERNELINSTALLDIR)
	sed -e 's|@DATADIR@|$(INITKIT_SHARE)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	    kernel-install/50-initkit.install \
	    >$(DESTDIR)$(KERNELINSTALLDIR)/50-initkit.install.tmp
	chmod 755 $(DESTDIR)$(KERNELINSTALLDIR)/50-initkit.install.tmp
	mv $(DESTDIR)$(KERNELINSTALLDIR)/50-initkit.install.tmp \
	    $(DESTDIR)$(KERNELINSTALLDIR)/50-initkit.install

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(TOOLS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
	    $(MAN5:bin/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(DESTDIR)$(KERNELINSTALLDIR)/50-initkit.install
	rm -rf $(DESTDIR)$(INITKIT_SHARE)

.PHONY: install install-tools install-chains install-profiles install-plugin uninstall
