// Small scenarios built in code, for rule tests on hand-made states.
#pragma once

#include <string>

#include "core/params.hpp"

namespace cw::test {

// P providers named P0..P{P-1} (price 1, quality 0.5, unlimited capacity, no
// lock-in), one tier "t" of `labs` labs (demand 1, alpha 1, beta 1, gamma 0,
// renewal 1, single-homing), logit tau 1, no network effect, 10 steps.
inline Scenario tiny(std::size_t P, std::int64_t labs) {
  Scenario s;
  s.name = "tiny";
  s.steps = 10;
  s.seed = 1;
  for (std::size_t p = 0; p < P; ++p) {
    ProviderParams pp;
    pp.name = "P" + std::to_string(p);
    pp.lock_in_rate = 0;
    s.providers.push_back(pp);
  }
  TierParams t;
  t.name = "t";
  t.fraction = 1;
  s.labs.tiers.push_back(t);
  s.labs.count = labs;
  return s;
}

}  // namespace cw::test
