# SPDX-License-Identifier: BSD-2-Clause
#
# scriptoki, the diagnostic command (cli/scriptoki.c, scriptoki(1)). It links the module's
# own runtime objects, so it reads the configuration, loads the scripts and matches cards
# exactly as the module does: build/scriptoki with this tree's folders compiled in,
# build/install/scriptoki with the installed ones (make install).

SCRIPTOKI_CMD         := $(BUILD)/scriptoki
INSTALL_SCRIPTOKI_CMD := $(BUILD)/install/scriptoki

$(BUILD)/cli/%.o: cli/%.c $(DEPS_STAMP) $(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(SCRIPTOKI_CMD): $(BUILD)/cli/scriptoki.o $(MODULE_OBJS)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -Wl,--as-needed $(MODULE_LIBS)

$(INSTALL_SCRIPTOKI_CMD): $(BUILD)/cli/scriptoki.o $(INSTALL_OBJS)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -Wl,--as-needed $(MODULE_LIBS)

all: $(SCRIPTOKI_CMD)
CHECK_DEPS += $(SCRIPTOKI_CMD)

-include $(BUILD)/cli/*.d
