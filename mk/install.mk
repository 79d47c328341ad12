# make install DESTDIR= PREFIX=: the tools and their man pages.

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(TOOLS:%=$(B)/bin/%) $(DESTDIR)$(BINDIR)/
	install -m 644 $(TOOLS:%=bin/%.1) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(TOOLS:%=$(DESTDIR)$(MANDIR)/man1/%.1)

.PHONY: install uninstall
