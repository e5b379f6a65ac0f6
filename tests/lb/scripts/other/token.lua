-- SPDX-License-Identifier: BSD-2-Clause
-- other: a second family of the bridge's tests (its ATR: family.yaml).
return {}
