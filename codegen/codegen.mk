# SPDX-License-Identifier: BSD-2-Clause
#
# codegen: spec/*.yaml -> generated/ (committed). See codegen/README.md.
#
#   make generate          rewrite generated/ from the spec (only files that change)
#   make check-generated   fail, with a diff and the fix command, when generated/ is stale
#   make codegen-golden    refresh the golden outputs of the tiny test spec
#   make check-manifests   check scripts/*/family.yaml with PyYAML (codegen/manifests.py)
#
# generated/ is never rebuilt implicitly: a stale file must fail `make check`, not be
# silently replaced (that would also hide a stale commit from the check).

CODEGEN        := $(PYTHON) codegen/generate.py

GENERATED_HDRS := generated/cryptoki.h generated/sk_dispatch.h generated/sk_names.h \
                  generated/sk_prims.h \
                  generated/sk_probe.inc generated/sk_attrs.h generated/sk_sweep.inc \
                  generated/sk_contract.h
GENERATED_SRCS := generated/sk_entry.c generated/sk_lists.c generated/sk_names.c \
                  generated/sk_attrs.c generated/sk_contract.c
# the primitive table points at runtime/prim/*.c: linked only with those (runtime.mk)
GENERATED_PRIM_SRCS := generated/sk_prims.c

generate:
	$(CODEGEN) --spec spec --out generated
	$(PYTHON) codegen/contract.py --spec spec --readme scripts/README.md
.PHONY: generate

check-generated:
	@$(CODEGEN) --spec spec --out generated --check
	@$(PYTHON) codegen/contract.py --spec spec --readme scripts/README.md --check
.PHONY: check-generated

# the token-family manifests, read with PyYAML and their schema (the module has its own
# parser and reads them at run time; tests/t0008 compares the two)
check-manifests:
	@$(PYTHON) codegen/manifests.py scripts
.PHONY: check-manifests

codegen-golden:
	$(CODEGEN) --partial --spec tests/codegen/tiny --out tests/codegen/golden
.PHONY: codegen-golden

SCRIPT_TESTS += $(wildcard tests/t0*.t)
