-- SPDX-License-Identifier: BSD-2-Clause
-- broken: a syntax error; find_family logs it and goes on to the next family.
return { match = function(atr) return true end
