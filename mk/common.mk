# What the build and the rule chains (profile.mk, sysext.mk) share; an
# installed initkit (mk/GNUmakefile.in) reads this too. TOOLBIN is where
# the chains run the tools from, INITKIT_MAKEFILE the top makefile that
# sub-makes read (the installed one from any directory).

.DELETE_ON_ERROR:
.SUFFIXES:

TOOLBIN ?= $(CURDIR)/$(B)/bin
INITKIT_DATA ?= $(CURDIR)
# The chains' scripts (libexec/), beside the rule chains when installed.
LIBEXEC ?= $(INITKIT_DATA)/libexec
SUBMAKE = $(MAKE) --no-print-directory -f $(INITKIT_MAKEFILE)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

# The time of the newest entry of a tree spec, 0 for none: a shell
# command, the default SOURCE_DATE_EPOCH of what is built from the spec.
# A Debian package's files bear the date of its changelog entry, so of a
# package root this is the date of its newest package.
newest = { sed -n 's/.* time=\([0-9][0-9]*\).*/\1/p' $(1); echo 0; } | sort -n | tail -n 1

FORCE:
.PHONY: FORCE
