# SPDX-License-Identifier: BSD-2-Clause
#
# The t51xx tests (tests/t51*.c: the module through the PKCS#11 API against virtual tokens
# in the rig) and the t61xx ones (tests/t61*.t: OpenSC's tools and the module on the same
# tokens). tests/tests.mk compiles every tests/t5*.c and picks up tests/t6*.t; this adds
# what they share (tests/api/api.h) and the helper programs they run (build/pcsc-probe,
# from tests/vtoken, stands in for another PC/SC application).

API_TESTS := $(basename $(notdir $(wildcard tests/t5[1237]*.c)))

$(API_TESTS:%=$(BUILD)/t/%.t): tests/api/api.h tests/api/bytes.h tests/api/cipher.h tests/api/token.h tests/rfc8032.h generated/sk_names.c generated/sk_names.h

# the cipher and key-management tests (t54xx, t56xx) share the hex, cipher and key helpers
$(patsubst %,$(BUILD)/t/%.t,$(basename $(notdir $(wildcard tests/t5[46]*.c)))): \
	tests/api/api.h tests/api/bytes.h tests/api/cipher.h tests/api/keys.h

# t57xx (digesting keys, recovery, dual functions, operation state) check results with
# OpenSSL in the test process too, as t52xx do
$(patsubst %,$(BUILD)/t/%.t,$(basename $(notdir $(wildcard tests/t57*.c)))): LDFLAGS += -lcrypto

CHECK_DEPS += $(BUILD)/pcsc-probe $(BUILD)/vtoken $(BUILD)/vtoken-ctl $(RIG_HELPERS)
