# SPDX-License-Identifier: BSD-2-Clause
#
# The virtual Rutoken ECP (tests/vtoken/README.md): build/vtoken, its control client
# build/vtoken-ctl, the PC/SC probe used by the fault tests, and its tests.
# It needs only OpenSSL (and PC/SC for the probe); it does not use runtime/ or generated/.

VT_SRCS     := tests/vtoken/vt_card.c tests/vtoken/vt_crypto.c tests/vtoken/vt_state.c \
               tests/vtoken/vt_piv.c tests/vtoken/vt_sym.c tests/vtoken/vt_apdu.c \
               tests/vtoken/vt_ed25519.c
VT_OBJS     := $(patsubst %.c,$(BUILD)/obj/%.o,$(VT_SRCS))
VT_CFLAGS    = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) \
               $(SAN_CFLAGS) \
               $(shell pkg-config --cflags libcrypto 2>/dev/null)
VT_LIBS      = $(shell pkg-config --libs libcrypto 2>/dev/null)
PCSC_CFLAGS  = $(shell pkg-config --cflags libpcsclite 2>/dev/null)
PCSC_LIBS    = $(shell pkg-config --libs libpcsclite 2>/dev/null)

$(BUILD)/obj/tests/vtoken/%.o: tests/vtoken/%.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(VT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/vtoken/pcsc-probe.o: tests/vtoken/pcsc-probe.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(VT_CFLAGS) $(PCSC_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/rig/vpcd-vt.o: tests/rig/vpcd.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(VT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/vtoken: $(VT_OBJS) $(BUILD)/obj/tests/vtoken/vtoken.o $(BUILD)/obj/tests/rig/vpcd-vt.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(VT_LIBS)

$(BUILD)/vtoken-ctl: $(BUILD)/obj/tests/vtoken/vtoken-ctl.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/pcsc-probe: $(BUILD)/obj/tests/vtoken/pcsc-probe.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PCSC_LIBS)

# Unit tests of the APDU processor, fed directly (no pcscd). Built with AddressSanitizer
# and UBSan (own objects) whenever the compiler can, so the random-APDU run checks bounds.
VT_ASAN := $(shell echo 'int main(void){return 0;}' | \
	     $(CC) -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null && \
	     echo -fsanitize=address,undefined -fno-omit-frame-pointer)
VT_T_SRCS := $(VT_SRCS) tests/vtoken/t3100-vtoken-apdu.c
VT_T_OBJS := $(patsubst %.c,$(BUILD)/obj/vt-test/%.o,$(VT_T_SRCS))

$(BUILD)/obj/vt-test/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(VT_CFLAGS) $(if $(SANITIZE),,$(VT_ASAN)) -MMD -MP -c -o $@ $<

$(BUILD)/t/t3100-vtoken-apdu.t: $(VT_T_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(if $(SANITIZE),,$(VT_ASAN)) $(VT_LIBS)

# The PIV card's processor, the same way
VT_PIV_T_OBJS := $(patsubst %.c,$(BUILD)/obj/vt-test/%.o,$(VT_SRCS) tests/vtoken/t3112-piv-apdu.c)

$(BUILD)/t/t3112-piv-apdu.t: $(VT_PIV_T_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(if $(SANITIZE),,$(VT_ASAN)) $(VT_LIBS)

# The Ed25519 extension's processor test, the same way
VT_ED_T_OBJS := $(patsubst %.c,$(BUILD)/obj/vt-test/%.o,$(VT_SRCS) \
		  tests/vtoken/t2031-vtoken-ed25519-apdu.c)

$(BUILD)/t/t2031-vtoken-ed25519-apdu.t: $(VT_ED_T_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(if $(SANITIZE),,$(VT_ASAN)) $(VT_LIBS)

VTOKEN_BINS := $(BUILD)/vtoken $(BUILD)/vtoken-ctl $(BUILD)/pcsc-probe
vtoken: $(VTOKEN_BINS)
.PHONY: vtoken

CHECK_DEPS   += $(VTOKEN_BINS)
TEST_PROGS   += $(BUILD)/t/t3100-vtoken-apdu.t $(BUILD)/t/t3112-piv-apdu.t \
                $(BUILD)/t/t2031-vtoken-ed25519-apdu.t
SCRIPT_TESTS += $(sort $(wildcard tests/t31[0-9][0-9]-*.t tests/t32[0-9][0-9]-*.t \
                                  tests/t33[0-9][0-9]-*.t tests/t34[0-9][0-9]-*.t))

-include $(wildcard $(BUILD)/obj/tests/vtoken/*.d $(BUILD)/obj/vt-test/tests/vtoken/*.d)
