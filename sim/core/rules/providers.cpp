// Step 7 (providers). docs/MODEL.md §7.
#include <algorithm>
#include <cmath>

#include "core/rules.hpp"
#include "core/vmath.hpp"

namespace cw {

void rule_providers(const Scenario& s, State& st) {
  const std::size_t P = st.P;
  const LabState& L = st.labs;
  ProviderState& Pv = st.providers;

  double prestige_total = 0;
  if (st.handoff.totals.step == st.step) {  // summed by the capacity rule
    prestige_total = st.handoff.totals.prestige;
    for (std::size_t p = 0; p < P; ++p) {
      Pv.labs_using[p] = st.handoff.totals.using_count[p];
      Pv.narrative_share[p] = st.handoff.totals.prestige_x[p];
    }
  } else {
    std::fill(Pv.labs_using.begin(), Pv.labs_using.end(), 0.0);
    std::fill(Pv.narrative_share.begin(), Pv.narrative_share.end(), 0.0);
    const double threshold = s.metrics.usage_threshold;
    for (std::size_t l = 0; l < L.n; ++l) {
      const double* x = L.x.row(l);
      prestige_total += L.prestige[l];
      for (std::size_t p = 0; p < P; ++p) {
        if (x[p] > threshold) Pv.labs_using[p] += 1;
        Pv.narrative_share[p] += L.prestige[l] * x[p];
      }
    }
  }

  // Credits: the discount given this step (summed by the capacity rule),
  // and the revenue from labs under a deal (revenue won by courting).
  std::fill(Pv.partners.begin(), Pv.partners.end(), 0.0);
  for (const Deal& d : st.deals) {
    if (st.slot_of(d.lab) < 0) continue;
    const double credit = st.step < d.credit_end ? d.credit : 0.0;
    Pv.revenue_won[d.provider] += d.served * Pv.price[d.provider] * (1.0 - credit);
    Pv.partners[d.provider] += 1;
  }

  for (std::size_t p = 0; p < P; ++p) {
    const ProviderParams& pp = s.providers[p];
    if (prestige_total > 0) Pv.narrative_share[p] /= prestige_total;

    // Revenue and profit at this step's price (credits arrive with deals, issue 5).
    Pv.price_charged[p] = Pv.price[p];
    Pv.quality_offered[p] = Pv.quality[p];
    Pv.ai_revenue[p] = Pv.served[p] * Pv.price[p] - Pv.credits_given[p];
    Pv.revenue[p] = Pv.ai_revenue[p] + Pv.background[p];
    // SPEC §2.2 step 7: profit = revenue - unit_cost x served; background
    // revenue is counted at no modelled cost.
    Pv.profit[p] = Pv.revenue[p] - Pv.unit_cost[p] * Pv.served[p];

    // Capacity: what arrives now, then this step's capex into the pipeline
    // (lead time L: available from step t + L + 1; L = 0: from the next step).
    // Capacity that follows demand: a share of this step's unmet requests
    // joins for the next step (a decentralized network's supply).
    if (pp.capacity_follow > 0 && std::isfinite(Pv.capacity[p])) {
      Pv.capacity[p] += pp.capacity_follow * std::max(0.0, Pv.requested[p] - Pv.served[p]);
    }
    if (std::isfinite(Pv.capacity[p])) {
      const double basis = pp.capex_basis == CapexBasis::revenue ? Pv.ai_revenue[p] : Pv.served[p];
      const double added = pp.capex_ratio * basis / pp.capacity_cost;
      auto& pipe = Pv.pipeline[p];
      if (pipe.empty()) {
        Pv.capacity[p] += added;
      } else {
        Pv.capacity[p] += pipe.front();
        std::rotate(pipe.begin(), pipe.begin() + 1, pipe.end());
        pipe.back() = added;
      }
    }

    // Price rule toward a utilisation target (finite capacity only).
    if (s.pricing.rule == PriceRule::utilisation && std::isfinite(Pv.capacity_offered[p]) &&
        Pv.capacity_offered[p] > 0) {
      const double u = Pv.served[p] / Pv.capacity_offered[p];
      Pv.price_level[p] *= vmath::exp(s.pricing.speed * (u - s.pricing.target));
    }

    // Wright's law: V = V0 + cumulative served; price and unit cost scale by
    // (V/V0)^-b_c, the quality gap by (V/V0)^-b_q.
    Pv.cum_volume[p] += Pv.served[p];
    const double ratio = Pv.cum_volume[p] / pp.learning_curve.initial_volume;
    const double cost_factor = std::pow(ratio, -pp.learning_curve.price_exponent);
    Pv.unit_cost[p] = Pv.unit_cost0[p] * cost_factor;
    // No wind-up below the floor: the price-rule level never falls below what
    // puts the price at the floor, so a price held there recovers at once.
    Pv.price_level[p] = std::max(Pv.price_level[p], s.pricing.floor / cost_factor);
    Pv.price[p] = Pv.price0[p] * Pv.price_level[p] * cost_factor;
    Pv.log_price[p] = vmath::log(Pv.price[p]);
    Pv.quality[p] =
        1.0 - (1.0 - Pv.quality0[p]) * std::pow(ratio, -pp.learning_curve.quality_exponent);
  }
}

}  // namespace cw
