# What the build and the rule chains (profile.mk, sysext.mk) share; an
# installed initkit (mk/GNUmakefile.in) reads this too. TOOLBIN is where
# the chains run the tools from, INITKIT_MAKEFILE the top makefile that
# sub-makes read (the installed one from any directory).

.DELETE_ON_ERROR:
.SUFFIXES:

TOOLBIN ?= $(CURDIR)/$(B)/bin
INITKIT_DATA ?= $(CURDIR)
SUBMAKE = $(MAKE) --no-print-directory -f $(INITKIT_MAKEFILE)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

FORCE:
.PHONY: FORCE
