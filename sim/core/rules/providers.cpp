// Step 7 (providers). docs/MODEL.md §7.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

// The weight w_l of lab l's price response under market_power (docs/MODEL.md
// §7): the expected share of the next H steps (t+1..t+H) in which the lab
// has re-evaluated since now, with renewal h from the first step its
// exclusivity allows; at least 1/H. With j steps open to it,
// sum_{i=1..j} (1 - (1-h)^i) = j - (1-h)(1 - (1-h)^j) / h.
double response_weight(const LabState& L, std::size_t l, std::int64_t step, std::int64_t H) {
  const double floor = 1.0 / static_cast<double>(H);
  const std::int64_t first = std::max<std::int64_t>(1, L.exclusive_until[l] - step);
  if (first > H) return floor;
  const auto open = static_cast<double>(H - first + 1);
  const double h = std::clamp(L.renewal[l], 0.0, 1.0);
  double responsive = open;
  if (h <= 0) {
    responsive = 0;
  } else if (h < 1) {
    const double q = 1.0 - h;
    // q^1 = q exactly (pow is exact when the result is representable), so
    // the usual horizon of 1 needs no pow.
    const double q_open = open == 1.0 ? q : std::pow(q, open);
    responsive = open - q * (1.0 - q_open) / h;
  }
  return std::max(responsive / static_cast<double>(H), floor);
}

}  // namespace

CW_CLONES void market_power_markups(const Scenario& s, const State& st, double* markup) {
  const std::size_t P = st.P;
  const LabState& L = st.labs;
  const double tau = s.choice.tau;
  std::array<double, kMaxProviders> G{}, D{}, E{};
  network_effect(s, st, G.data());
  // Every lab's utilities at once (the row kernel), then per lab the logit.
  // (A buffer per thread: runs of a sweep share no state.)
  thread_local Rows rows;
  rows.stride = st.stride;
  rows.data.resize(L.n * st.stride);  // every row is written
  every_lab_utilities(s, st, G.data(), rows);
  std::array<double, kMaxProviders + 1> u{};
  for (std::size_t l = 0; l < L.n; ++l) {
    const double d = L.demand[l];
    if (!(d > 0)) continue;
    const double* ul = rows.row(l);
    // Logit probabilities over every active provider and the outside option
    // (when enabled), without noise.
    double top = s.outside.enabled ? ul[P] : -kInf;
    for (std::size_t p = 0; p < P; ++p) top = std::max(top, ul[p]);
    if (!std::isfinite(top)) continue;
    for (std::size_t p = 0; p <= P; ++p) u[p] = (ul[p] - top) / tau;
    vmath::exp(u.data(), u.data(), P + 1);  // 0 for a provider not in the market
    double z = 0;
    for (std::size_t p = 0; p < P; ++p) z += u[p];
    if (s.outside.enabled) z += u[P];
    const double elastic = response_weight(L, l, st.step, s.pricing.horizon) * d * L.alpha[l] / tau;
    for (std::size_t p = 0; p < P; ++p) {
      const double share = u[p] / z;
      D[p] += d * share;
      E[p] += elastic * share * (1.0 - share);
    }
  }
  const double cap = s.pricing.max_markup;
  for (std::size_t p = 0; p < P; ++p) {
    if (!(D[p] > 0)) {
      markup[p] = std::numeric_limits<double>::quiet_NaN();  // no demand in reach
    } else {
      markup[p] = E[p] > 0 ? std::min(D[p] / E[p], cap) : cap;
    }
  }
}

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

  // Market power: every provider's best-response markup from the same
  // state (this step's prices), before any price moves.
  std::array<double, kMaxProviders> markup{};
  const bool market_power = s.pricing.rule == PriceRule::market_power;
  if (market_power) market_power_markups(s, st, markup.data());

  for (std::size_t p = 0; p < P; ++p) {
    const ProviderParams& pp = s.providers[p];
    if (prestige_total > 0) Pv.narrative_share[p] /= prestige_total;
    Pv.lerner[p] = Pv.active[p] ? (Pv.price[p] - Pv.unit_cost[p]) / Pv.price[p]
                                : std::numeric_limits<double>::quiet_NaN();

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
    // joins for the next step (a decentralized network's supply); the share
    // scales with the price, capacity_follow (price / price0)^e, and is at
    // most all of the unmet requests.
    if (pp.capacity_follow > 0 && std::isfinite(Pv.capacity[p])) {
      const double response = std::min(
          1.0, pp.capacity_follow * std::pow(Pv.price[p] / Pv.price0[p], pp.supply_elasticity));
      Pv.capacity[p] += response * std::max(0.0, Pv.requested[p] - Pv.served[p]);
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

    // Wright's law: V = V0 + cumulative served; unit cost scales by
    // (V/V0)^-b_c, the quality gap by (V/V0)^-b_q.
    Pv.cum_volume[p] += Pv.served[p];
    const double ratio = Pv.cum_volume[p] / pp.learning_curve.initial_volume;
    const double cost_factor = std::pow(ratio, -pp.learning_curve.price_exponent);
    Pv.unit_cost[p] = Pv.unit_cost0[p] * cost_factor;

    if (market_power && Pv.active[p] && std::isfinite(markup[p])) {
      // Toward the best response p* = c / (1 - m) in log space; the cost
      // factor enters through c only.
      const double best = Pv.unit_cost[p] / (1.0 - markup[p]);
      double price = s.pricing.speed >= 1.0
                         ? best
                         : vmath::exp(Pv.log_price[p] +
                                      s.pricing.speed * (vmath::log(best) - Pv.log_price[p]));
      price = std::max(price, s.pricing.floor * Pv.price0[p]);
      if (!s.pricing.below_cost) price = std::max(price, Pv.unit_cost[p]);
      Pv.price[p] = price;
      Pv.price_level[p] = price / (Pv.price0[p] * cost_factor);
    } else {
      // Price rule toward a utilisation target (finite capacity only); the
      // list price follows the cost factor.
      if (s.pricing.rule == PriceRule::utilisation && std::isfinite(Pv.capacity_offered[p]) &&
          Pv.capacity_offered[p] > 0) {
        const double u = Pv.served[p] / Pv.capacity_offered[p];
        Pv.price_level[p] *= vmath::exp(s.pricing.speed * (u - s.pricing.target));
        // Supply that follows demand removes scarcity: no premium beyond the
        // price whose supply response covers all unmet requests,
        // price0 capacity_follow^(-1/e).
        if (pp.capacity_follow > 0) {
          Pv.price_level[p] =
              std::min(Pv.price_level[p],
                       std::pow(pp.capacity_follow, -1.0 / pp.supply_elasticity) / cost_factor);
        }
      }
      // No wind-up below the floor: the level never falls below what puts
      // the price at the floor, so a price held there recovers at once.
      Pv.price_level[p] = std::max(Pv.price_level[p], s.pricing.floor / cost_factor);
      Pv.price[p] = Pv.price0[p] * Pv.price_level[p] * cost_factor;
      if (!s.pricing.below_cost && Pv.price[p] < Pv.unit_cost[p]) {
        Pv.price[p] = Pv.unit_cost[p];
        Pv.price_level[p] = Pv.unit_cost[p] / (Pv.price0[p] * cost_factor);
      }
    }
    Pv.log_price[p] = vmath::log(Pv.price[p]);
    Pv.quality[p] =
        1.0 - (1.0 - Pv.quality0[p]) * std::pow(ratio, -pp.learning_curve.quality_exponent);
  }
}

}  // namespace cw
