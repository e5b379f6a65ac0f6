# SPDX-License-Identifier: BSD-2-Clause
#
# The module: runtime/*.c and runtime/prim/*.c plus the generated entry points, lists and name tables,
# linked into build/scriptoki-pkcs11.so. Only the Cryptoki entry points are exported
# (-fvisibility=hidden, and runtime/exports.map as the version script).

MODULE := $(BUILD)/scriptoki-pkcs11.so

# runtime/prim/: one file per primitive, each one struct prim_ops that the generated
# primitive table (sk_prims.c) points at
PRIM_SRCS    := $(sort $(wildcard runtime/prim/*.c)) $(GENERATED_PRIM_SRCS)
RUNTIME_SRCS := $(sort $(wildcard runtime/*.c))
MODULE_SRCS  := $(RUNTIME_SRCS) $(PRIM_SRCS) $(GENERATED_SRCS)
MODULE_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(MODULE_SRCS))
MODULE_LIBS   = $(PKG_LIBS) -lpthread
# Where the module looks for its Lua scripts when neither SCRIPTOKI_SCRIPTS nor the
# configuration file names a folder: this tree's scripts/ for a build tree.
MODULE_DEFS  := -DSK_SCRIPTS_DIR='"$(abspath scripts)"'

$(BUILD)/obj/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(PKG_CFLAGS) $(MODULE_DEFS) -MMD -MP -c -o $@ $<

$(MODULE): $(MODULE_OBJS) runtime/exports.map
	$(CC) -shared -o $@ $(MODULE_OBJS) $(ALL_LDFLAGS) \
		-Wl,--version-script=runtime/exports.map -Wl,-z,defs -Wl,--as-needed \
		$(MODULE_LIBS)

-include $(MODULE_OBJS:.o=.d)

# --- make install ---------------------------------------------------------------------
# Directories as GNU and Debian name them; PREFIX=/usr puts the configuration in /etc.
#   make install PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu DESTDIR=/tmp/stage
# The installed module and command are built apart (build/install/) with the installed
# scripts folder and configuration file compiled in, so they never read this tree's.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
SYSCONFDIR  ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# the module's folder (INSTALL_LIBDIR is the older name, still honoured)
INSTALL_LIBDIR  ?= $(LIBDIR)/pkcs11
INSTALL_SCRIPTS ?= $(DATADIR)/scriptoki/scripts
INSTALL_CONF    ?= $(SYSCONFDIR)/scriptoki.conf
# where p11-kit looks for module files (only /usr/share/p11-kit/modules on Debian)
P11KIT_MODULEDIR ?= $(DATADIR)/p11-kit/modules
INSTALL_MODULE  := $(BUILD)/install/scriptoki-pkcs11.so
INSTALL_OBJS    := $(patsubst %.c,$(BUILD)/install/obj/%.o,$(MODULE_SRCS))
INSTALL_STAMP   := $(BUILD)/install/dirs
INSTALL_DEFS     = -DSK_SCRIPTS_DIR='"$(INSTALL_SCRIPTS)"' -DSK_CONF_FILE='"$(INSTALL_CONF)"'

# rebuilt whenever the compiled-in folders change
$(INSTALL_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_DEFS)' | cmp -s - $@ || echo '$(INSTALL_DEFS)' > $@

$(BUILD)/install/obj/%.o: %.c $(DEPS_STAMP) $(INSTALL_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(PKG_CFLAGS) $(INSTALL_DEFS) \
		-MMD -MP -c -o $@ $<

$(INSTALL_MODULE): $(INSTALL_OBJS) runtime/exports.map
	$(CC) -shared -o $@ $(INSTALL_OBJS) $(ALL_LDFLAGS) \
		-Wl,--version-script=runtime/exports.map -Wl,-z,defs -Wl,--as-needed \
		$(MODULE_LIBS)

# Every folder install needs. Those that did not exist before are listed in
# DATADIR/scriptoki/installed-dirs, so that uninstall removes exactly what install made.
INSTALL_DIRS = $(INSTALL_LIBDIR) $(INSTALL_SCRIPTS) $(P11KIT_MODULEDIR) $(SYSCONFDIR) \
               $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 $(MANDIR)/man7
# the manual pages (doc/): the command, the configuration file, the module
MAN_PAGES := doc/scriptoki.1 doc/scriptoki.conf.5 doc/scriptoki-pkcs11.7
INSTALL_LIST = $(DATADIR)/scriptoki/installed-dirs

# (cli/cli.mk, included later, builds the command; named here by its path)
install: $(INSTALL_MODULE) $(BUILD)/install/scriptoki
	@old=$$(cat '$(DESTDIR)$(INSTALL_LIST)' 2>/dev/null); \
	 new=$$(for d in $(INSTALL_DIRS); do \
		while [ ! -d '$(DESTDIR)'"$$d" ] && [ "$$d" != / ]; do echo "$$d"; d=$$(dirname "$$d"); done; \
	 done); \
	 install -d $(patsubst %,'$(DESTDIR)%',$(INSTALL_DIRS)) && \
	 printf '%s\n' $$old $$new | sed '/^$$/d' | sort -u > '$(DESTDIR)$(INSTALL_LIST)'
	install -m 0644 $(INSTALL_MODULE) '$(DESTDIR)$(INSTALL_LIBDIR)/scriptoki-pkcs11.so'
	cd scripts && find . -path './*/tests' -prune -o -type d \
		-exec install -d '$(DESTDIR)$(INSTALL_SCRIPTS)/{}' ';'
	cd scripts && find . -path './*/tests' -prune -o -type f \
		\( -name '*.lua' -o -name '*.md' -o -name family.yaml \) \
		-exec install -m 0644 '{}' '$(DESTDIR)$(INSTALL_SCRIPTS)/{}' ';'
	printf '# Scriptoki, a PKCS#11 module for Rutoken tokens (p11-kit module file)\nmodule: %s\n' \
		'$(INSTALL_LIBDIR)/scriptoki-pkcs11.so' > '$(DESTDIR)$(P11KIT_MODULEDIR)/scriptoki.module'
	chmod 0644 '$(DESTDIR)$(P11KIT_MODULEDIR)/scriptoki.module'
	@# an existing configuration file is the administrator's: never overwritten
	[ -e '$(DESTDIR)$(INSTALL_CONF)' ] || \
		sed 's|@SCRIPTS@|$(INSTALL_SCRIPTS)|' doc/scriptoki.conf > '$(DESTDIR)$(INSTALL_CONF)'
	install -m 0755 $(INSTALL_SCRIPTOKI_CMD) '$(DESTDIR)$(BINDIR)/scriptoki'
	for m in $(MAN_PAGES); do \
		install -m 0644 "$$m" '$(DESTDIR)$(MANDIR)'/man$${m##*.}/; done

uninstall:
	rm -f '$(DESTDIR)$(INSTALL_LIBDIR)/scriptoki-pkcs11.so' \
		'$(DESTDIR)$(P11KIT_MODULEDIR)/scriptoki.module'
	@# the configuration file only while it is still the one install wrote
	if [ -f '$(DESTDIR)$(INSTALL_CONF)' ] && sed 's|@SCRIPTS@|$(INSTALL_SCRIPTS)|' \
		doc/scriptoki.conf | cmp -s - '$(DESTDIR)$(INSTALL_CONF)'; then \
		rm -f '$(DESTDIR)$(INSTALL_CONF)'; fi
	rm -f '$(DESTDIR)$(BINDIR)/scriptoki'
	for m in $(notdir $(MAN_PAGES)); do rm -f '$(DESTDIR)$(MANDIR)'/man$${m##*.}/"$$m"; done
	@made=$$(sort -r '$(DESTDIR)$(INSTALL_LIST)' 2>/dev/null); \
	 rm -rf '$(DESTDIR)$(INSTALL_SCRIPTS)' '$(DESTDIR)$(INSTALL_LIST)'; \
	 for d in $$made; do rmdir '$(DESTDIR)'"$$d" 2>/dev/null || true; done

FORCE:
.PHONY: install uninstall FORCE

-include $(INSTALL_OBJS:.o=.d)
