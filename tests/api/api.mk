# SPDX-License-Identifier: BSD-2-Clause
#
# The t51xx tests (tests/t51*.c: the module through the PKCS#11 API against virtual tokens
# in the rig) and the t61xx ones (tests/t61*.t: OpenSC's tools and the module on the same
# tokens). tests/tests.mk compiles every tests/t5*.c and picks up tests/t6*.t; this adds
# what they share (tests/api/api.h) and the helper programs they run.
#
#   build/api-card-reset   another PC/SC application that resets a card (t5105)

API_TESTS := $(basename $(notdir $(wildcard tests/t5[123]*.c)))
API_PCSC_CFLAGS = $(shell pkg-config --cflags libpcsclite 2>/dev/null)
API_PCSC_LIBS   = $(shell pkg-config --libs libpcsclite 2>/dev/null)

$(API_TESTS:%=$(BUILD)/t/%.t): tests/api/api.h generated/sk_names.c generated/sk_names.h

$(BUILD)/api-card-reset: tests/api/card-reset.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(API_PCSC_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(API_PCSC_LIBS)

CHECK_DEPS += $(BUILD)/api-card-reset $(BUILD)/vtoken $(BUILD)/vtoken-ctl $(RIG_HELPERS)
