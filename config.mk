# initkit build knobs. Override on the command line: make V=1 SANITIZE=1.

# Installation
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share
# systemd's kernel-install reads /usr/lib/kernel/install.d: a distribution
# package installs with PREFIX=/usr.
KERNELINSTALLDIR = $(PREFIX)/lib/kernel/install.d
DESTDIR =

# Compiler and flags; -Wall -Wextra are always added
CC = cc
CFLAGS = -O2 -g
LDFLAGS =

# 1: warnings are errors (CI sets CI=true, which turns this on)
WERROR = $(if $(CI),1,)

# 1: build with -fsanitize=address,undefined into build/san
SANITIZE =

# 1: show full command lines
V =

# Libraries, found with pkg-config
PKGS = libarchive libcrypto libzstd zlib liblzma uuid libsquashfs1 libkmod

# Image defaults for mk/ rule chains
COMPRESS = zstd
# The time every output bears (mtimes clamped to it, the SBOMs' creation
# time). Empty: the time of the newest file the image's packages
# installed, which a rebuild from the same lock finds again.
SOURCE_DATE_EPOCH ?=
