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
