# SPDX-License-Identifier: BSD-2-Clause
#
# The Lua bridge's compiled tests (tests/t2xxx-*.c, each built as build/t/t2xxx-*.t with
# the bridge's objects linked in, since the module exports only C_*), their script tests
# (tests/t2xxx-*.t), and build/sk-script, the harness that runs one call of a token
# script against an APDU transcript or a PC/SC reader. Fixtures live in tests/lb/.

# the bridge, the log, host crypto (the scripts' crypto library uses it; with the public keys
# it keeps, behind lock.c's read-mostly lock), and the
# generated tables (not the entry points: they need the rest of the runtime)
LB_SRCS   := $(sort $(wildcard runtime/lb*.c)) runtime/log.c runtime/conf.c \
             runtime/crypto_core.c runtime/crypto_ec.c runtime/crypto_sym.c \
             runtime/crypto_kept.c runtime/lock.c runtime/util.c \
             $(filter-out generated/sk_entry.c generated/sk_lists.c,$(GENERATED_SRCS))
LB_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(LB_SRCS))
SK_SCRIPT := $(BUILD)/sk-script
LB_TESTS  := $(basename $(notdir $(wildcard tests/t2*.c)))

TEST_PROGS   += $(LB_TESTS:%=$(BUILD)/t/%.t)
SCRIPT_TESTS += $(wildcard tests/t2*.t)
CHECK_DEPS   += $(SK_SCRIPT)

$(SK_SCRIPT): tests/lb/sk-script.c runtime/lb.h runtime/lb_int.h $(LB_OBJS) $(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LB_OBJS) $(ALL_LDFLAGS) $(PKG_LIBS)

$(LB_TESTS:%=$(BUILD)/t/%.t): $(BUILD)/t/%.t: tests/%.c tests/tap.h tests/lb/lb_test.h tests/lb/lb_debug_log.h \
		runtime/lb.h runtime/lb_int.h $(LB_OBJS) $(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) -DLB_FIXTURES='"$(abspath tests/lb)"' -o $@ $< \
		$(LB_OBJS) $(ALL_LDFLAGS) $(PKG_LIBS)

sk-script: $(SK_SCRIPT)
.PHONY: sk-script
