-- SPDX-License-Identifier: BSD-2-Clause
-- lib/ is never a family, even with a token.lua that matches every card.
return { match = function() return true end }
