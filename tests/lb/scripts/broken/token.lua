-- SPDX-License-Identifier: BSD-2-Clause
-- broken: a syntax error (its manifest is broken too, and skipped first).
return { token_info = function() return {} end
