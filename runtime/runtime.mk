# SPDX-License-Identifier: BSD-2-Clause
#
# The module: runtime/*.c plus the generated entry points, lists and name tables,
# linked into build/scriptoki-pkcs11.so. Only the Cryptoki entry points are exported
# (-fvisibility=hidden, and runtime/exports.map as the version script).

MODULE := $(BUILD)/scriptoki-pkcs11.so

RUNTIME_SRCS := $(sort $(wildcard runtime/*.c))
MODULE_SRCS  := $(RUNTIME_SRCS) $(GENERATED_SRCS)
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
# The installed module is built apart (build/install/) with the installed scripts folder
# compiled in, so it never reads this tree's scripts. PREFIX and DESTDIR as usual. The
# scripts folder is installed without the families' tests/ (their transcripts).
PREFIX          ?= /usr/local
INSTALL_LIBDIR  ?= $(PREFIX)/lib/pkcs11
INSTALL_SCRIPTS ?= $(PREFIX)/share/scriptoki/scripts
INSTALL_MODULE  := $(BUILD)/install/scriptoki-pkcs11.so
INSTALL_OBJS    := $(patsubst %.c,$(BUILD)/install/obj/%.o,$(MODULE_SRCS))
INSTALL_STAMP   := $(BUILD)/install/scripts-dir

# rebuilt whenever the scripts folder changes
$(INSTALL_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_SCRIPTS)' | cmp -s - $@ || echo '$(INSTALL_SCRIPTS)' > $@

$(BUILD)/install/obj/%.o: %.c $(DEPS_STAMP) $(INSTALL_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden $(PKG_CFLAGS) \
		-DSK_SCRIPTS_DIR='"$(INSTALL_SCRIPTS)"' -MMD -MP -c -o $@ $<

$(INSTALL_MODULE): $(INSTALL_OBJS) runtime/exports.map
	$(CC) -shared -o $@ $(INSTALL_OBJS) $(ALL_LDFLAGS) \
		-Wl,--version-script=runtime/exports.map -Wl,-z,defs -Wl,--as-needed \
		$(MODULE_LIBS)

install: $(INSTALL_MODULE)
	install -d '$(DESTDIR)$(INSTALL_LIBDIR)' '$(DESTDIR)$(INSTALL_SCRIPTS)'
	install -m 0644 $(INSTALL_MODULE) '$(DESTDIR)$(INSTALL_LIBDIR)/scriptoki-pkcs11.so'
	cd scripts && find . -path './*/tests' -prune -o -type d \
		-exec install -d '$(DESTDIR)$(INSTALL_SCRIPTS)/{}' ';'
	cd scripts && find . -path './*/tests' -prune -o -type f \
		\( -name '*.lua' -o -name '*.md' -o -name family.yaml \) \
		-exec install -m 0644 '{}' '$(DESTDIR)$(INSTALL_SCRIPTS)/{}' ';'

uninstall:
	rm -f '$(DESTDIR)$(INSTALL_LIBDIR)/scriptoki-pkcs11.so'
	rm -rf '$(DESTDIR)$(INSTALL_SCRIPTS)'

FORCE:
.PHONY: install uninstall FORCE

-include $(INSTALL_OBJS:.o=.d)
