# SPDX-License-Identifier: BSD-2-Clause
#
# build/t/pcsc-attr-shim.so: an LD_PRELOAD stand-in for a reader driver that tells its
# vendor and version (t5111); build/t/pcsc-count-shim.so, one that counts (below).

PCSC_ATTR_SHIM := $(BUILD)/t/pcsc-attr-shim.so

$(PCSC_ATTR_SHIM): tests/shim/pcsc-attr-shim.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RIG_PCSC_CFLAGS) -fPIC -shared -o $@ $< $(ALL_LDFLAGS) -ldl

CHECK_DEPS += $(PCSC_ATTR_SHIM)
$(BUILD)/t/t5111-slot-info.t: $(PCSC_ATTR_SHIM)

# build/t/pcsc-count-shim.so: counts the module's SCard* calls (t5115-t5117, t5124).
PCSC_COUNT_SHIM := $(BUILD)/t/pcsc-count-shim.so

$(PCSC_COUNT_SHIM): tests/shim/pcsc-count-shim.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RIG_PCSC_CFLAGS) -fPIC -shared -o $@ $< $(ALL_LDFLAGS) -ldl -lpthread

CHECK_DEPS += $(PCSC_COUNT_SHIM)
$(BUILD)/t/t5115-pcsc-round-trips.t $(BUILD)/t/t5116-pcsc-monitor-threads.t \
$(BUILD)/t/t5117-pcsc-transactions.t $(BUILD)/t/t5124-cached-beside-card-io.t: $(PCSC_COUNT_SHIM)
