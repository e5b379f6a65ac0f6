-- SPDX-License-Identifier: BSD-2-Clause
-- lib/ is never a family, even with a token.lua and a manifest (family.yaml).
return {}
