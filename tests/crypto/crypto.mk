# SPDX-License-Identifier: BSD-2-Clause
#
# The host-crypto unit tests (tests/t4xxx-*.c): each is built as build/t/t4xxx-*.t with the
# runtime's crypto and mechanism objects linked in directly (the module exports only C_*).
# The GOST tests make keys and signatures with the gost engine in separate openssl
# processes; the module's code never loads that engine.

CRYPTO_SRCS  := $(sort $(wildcard runtime/crypto_*.c)) runtime/mech.c runtime/log.c \
                runtime/lock.c runtime/util.c \
                generated/sk_names.c $(PRIM_SRCS)
CRYPTO_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CRYPTO_SRCS))
CRYPTO_TESTS := $(basename $(notdir $(wildcard tests/t4*.c)))

TEST_PROGS += $(CRYPTO_TESTS:%=$(BUILD)/t/%.t)

$(CRYPTO_TESTS:%=$(BUILD)/t/%.t): $(BUILD)/t/%.t: tests/%.c tests/tap.h \
		tests/crypto/crypto_test.h tests/cavs_ecc_cdh.h runtime/crypto.h runtime/crypto_sym_gost.h runtime/mech.h runtime/prim/prim.h \
		$(CRYPTO_OBJS) \
		$(GENERATED_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(CRYPTO_OBJS) $(ALL_LDFLAGS) $(PKG_LIBS)

# t52xx: the crypto layer through the PKCS#11 API against virtual tokens in the rig. They
# are compiled by tests/tests.mk with every t5xxx; they also check signatures with OpenSSL
# in the test process, hence libcrypto.
CRYPTO_API_TESTS := $(basename $(notdir $(wildcard tests/t52*.c)))

$(CRYPTO_API_TESTS:%=$(BUILD)/t/%.t): LDFLAGS += -lcrypto
$(CRYPTO_API_TESTS:%=$(BUILD)/t/%.t): tests/api/api.h generated/sk_names.c generated/sk_names.h \
	generated/sk_prims.c generated/sk_prims.h
