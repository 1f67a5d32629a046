// Step 2 (courting). docs/MODEL.md §2.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/vmath.hpp"

namespace cw {

void accept_deal(const Scenario& s, State& st, std::size_t p, std::size_t slot, double credit,
                 std::int64_t credit_steps, std::int64_t exclusivity_steps, bool priority,
                 double value, double equity, const std::string& name, double headline,
                 StepCounters& c) {
  LabState& L = st.labs;
  ProviderState& Pv = st.providers;
  const std::uint64_t lab = L.id[slot];
  // A new deal between the same pair replaces the old one, credit included.
  std::erase_if(st.deals, [&](const Deal& d) { return d.provider == p && d.lab == lab; });
  if (!L.credit.data.empty()) L.credit.at(slot, p) = 0.0;
  st.handoff.utilities_stale.push_back(static_cast<std::uint32_t>(slot));  // its credits change
  Deal d;
  d.provider = p;
  d.lab = lab;
  d.credit = credit;
  d.start = st.step;
  d.credit_end = st.step + credit_steps;
  const bool exclusive =
      exclusivity_steps > 0 && s.providers[p].kind != ProviderKind::decentralized;
  d.exclusive_end = exclusive ? st.step + exclusivity_steps : st.step;
  d.value = value;
  d.equity = equity;
  d.priority = priority;
  st.deals.push_back(d);
  Pv.credits_spent[p] += value;
  if (credit > 0 && credit_steps > 0) {
    L.credit.materialise(L.n);
    L.credit.at(slot, p) = credit;
    st.handoff.any_credit = true;
  }
  if (exclusive) {
    // Exclusive: all of the lab's compute moves to p, and it does not
    // re-evaluate until the exclusivity ends.
    double* x = L.x.row(slot);
    std::fill(x, x + st.P + 1, 0.0);
    x[p] = 1.0;
    st.handoff.network_step = -1;  // the network effect moved
    L.exclusive_until[slot] = d.exclusive_end;
  } else {
    L.reevaluate[slot] |= kReevaluate;  // weighs the credit in this step's choice
  }
  ++c.deals;
  st.log.push_back({"deal", name, st.lab_name(slot), s.providers[p].name, "", headline});
  // A lab moved to p by an exclusive deal has switched, now.
  if (exclusive) settle_main_provider(s, st, slot, c);
}

void end_exclusivity(State& st, std::size_t l) {
  LabState& L = st.labs;
  for (Deal& d : st.deals) {
    if (d.lab == L.id[l]) d.exclusive_end = std::min(d.exclusive_end, st.step);
  }
  L.exclusive_until[l] = std::min(L.exclusive_until[l], st.step);
}

namespace {

// The smallest credit c (a price discount) after which p is the lab's top
// choice by at least max(margin, threshold) over its best rival, and the
// lab gains at least its threshold over its best option now:
//   U_p - alpha ln(1 - c) >= rival + max(margin, threshold)
//   U_p - alpha ln(1 - c) >= max(U_p, rival) + threshold.
// With boost = max(rival + max(margin, threshold) - U_p,
// max(U_p, rival) + threshold - U_p): c = 1 - exp(-boost / alpha), and 0
// when boost <= 0 (p already is; nothing to buy); above c_max: no offer.
// rule_courting computes it only for the labs a provider's choice reaches.

// Deals whose credit and exclusivity have both ended are removed; expired
// credits are cleared from the lab's row.
void expire_deals(State& st) {
  LabState& L = st.labs;
  st.handoff.any_credit = false;
  std::erase_if(st.deals, [&](const Deal& d) {
    const std::int64_t slot = st.slot_of(d.lab);
    if (slot < 0) return true;
    const auto l = static_cast<std::size_t>(slot);
    if (st.step >= d.credit_end && !L.credit.data.empty()) L.credit.at(l, d.provider) = 0.0;
    if (st.step < d.credit_end && d.credit > 0) st.handoff.any_credit = true;
    return st.step >= d.credit_end && st.step >= d.exclusive_end;
  });
}

}  // namespace

// Compiled twice (CW_CLONES): its AVX2 clone takes about 5% fewer
// instructions (three-operand forms, fewer register copies), the same bits.
CW_CLONES void rule_courting(const Scenario& s, State& st, StepCounters& c) {
  expire_deals(st);
  st.handoff.utilities_stale.clear();  // (the last step's, events' deals included)
  const std::size_t P = st.P;
  LabState& L = st.labs;
  ProviderState& Pv = st.providers;
  bool any = false;
  for (std::size_t p = 0; p < P; ++p) {
    const InvestmentParams& inv = s.providers[p].investment;
    if (inv.policy == InvestmentPolicy::none) continue;
    Pv.budget[p] = std::min(Pv.budget[p] + inv.budget, inv.budget_cap);
    any = any || (Pv.active[p] && Pv.budget[p] > 0 && inv.max_offers > 0);
  }
  if (!any || L.n == 0) return;

  // Decide from a read-only view: every lab's utilities without new credits.
  std::array<double, kMaxProviders> G{};
  network_effect(s, st, G.data());
  st.handoff.network = G;  // for the choice rule, unless an allocation moves
  st.handoff.network_step = st.step;
  Rows& u = st.scratch.utilities;
  u.stride = st.stride;
  u.data.resize(L.n * st.stride);  // every row is written below
  every_lab_utilities(s, st, G.data(), u);
  st.handoff.utilities_step = st.step;  // for the choice rule, but for the labs of new deals
  const double margin = s.courting.margin;

  // The labs that can take an offer at all (none while exclusive, without
  // price sensitivity or demand), and per lab the providers it already has
  // a deal with (no new offer from them): bit p of partners[l].
  std::vector<std::uint32_t>& open = st.scratch.courted;
  open.clear();
  for (std::size_t l = 0; l < L.n; ++l) {
    if (L.exclusive_until[l] > st.step || L.alpha[l] <= 0 || L.demand[l] <= 0) continue;
    open.push_back(static_cast<std::uint32_t>(l));
  }
  std::vector<std::uint64_t>& partners = st.scratch.first_mask;
  partners.assign(L.n, 0);
  for (const Deal& d : st.deals) {
    const std::int64_t slot = st.slot_of(d.lab);
    if (slot >= 0) partners[static_cast<std::size_t>(slot)] |= std::uint64_t{1} << d.provider;
  }

  const NarrativeParams& n = s.narrative;
  const bool opinions = n.enabled && n.mode == NarrativeMode::opinion;

  // The providers that court this step, in provider order, with what their
  // decisions read.
  struct Courter {
    std::size_t p = 0;
    bool courts = false, defends = false;
    double w_rev = 0, w_narr = 0, w_def = 0, T = 0, max_credit = 0, no_offer_above = 0;
  };
  std::array<Courter, kMaxProviders> courters;
  std::size_t K = 0;
  for (std::size_t p = 0; p < P; ++p) {
    const InvestmentParams& inv = s.providers[p].investment;
    if (inv.policy == InvestmentPolicy::none || !Pv.active[p] || Pv.budget[p] <= 0) continue;
    Courter& k = courters[K++];
    k.p = p;
    // revenue: courts; defensive: defends; narrative: both (SPEC §2.2 step 2).
    k.courts = inv.policy != InvestmentPolicy::defensive;
    k.defends = inv.policy != InvestmentPolicy::revenue && opinions;
    k.w_rev = inv.w_rev;
    k.w_narr = inv.policy == InvestmentPolicy::narrative ? inv.w_narr : 0.0;
    k.w_def = inv.w_def;
    k.T = static_cast<double>(inv.credit_steps);
    k.max_credit = inv.max_credit;
    // A boost above alpha (-ln(1 - max_credit)) needs a credit above
    // max_credit: no offer, without computing it (the check in the loop
    // over the labs below). The margin of 1e-9 in the exponent keeps the
    // labs near the limit on the exact computation: it is worth at least
    // 1e-11 in the credit while 1 - max_credit >= 0.01, far above the
    // rounding of the credit and of the check's product; larger max_credit
    // always take the exact path.
    k.no_offer_above = inv.max_credit <= 0.99 ? -std::log(1.0 - inv.max_credit) + 1e-9 : kInf;
  }
  std::vector<std::vector<CourtingCandidate>>& candidates = st.scratch.candidates;
  if (candidates.size() < K) candidates.resize(K);
  for (std::size_t i = 0; i < K; ++i) candidates[i].clear();

  // Each open lab once, with every courting provider's decision about it
  // (each provider's candidates stay in lab order). What does not need the
  // credit is decided here; the credit, 1 - exp(-boost / alpha), and what
  // depends on it wait until the provider's choice reaches the lab (below).
  for (const std::uint32_t l : open) {
    const double* ul = u.row(l);
    // The lab's best provider (the first of the largest utility) and the
    // best of the others: the rival of p is then one look-up, the same
    // value as the largest utility over the providers other than p.
    // (Provider 0 starts as the best, so the loop needs no test for its
    // first iteration; GCC still compiles the selects as a branch.)
    double best = ul[0], second = -kInf;
    std::size_t top = 0;
    for (std::size_t q = 1; q < P; ++q) {
      const double v = ul[q];
      const bool leads = v > best;
      second = leads ? std::max(second, best) : std::max(second, v);
      top = leads ? q : top;
      best = leads ? v : best;
    }
    const double outside = s.outside.enabled ? ul[P] : -kInf;  // counts when enabled
    const double alpha = L.alpha[l], threshold = L.deal_threshold[l];
    const std::uint64_t dealt = partners[l];
    const double demand = L.demand[l];
    const double* x = L.x.row(l);
    const double v = L.prestige[l];
    for (std::size_t i = 0; i < K; ++i) {
      const Courter& k = courters[i];
      const std::size_t p = k.p;
      if ((dealt >> p) & 1) continue;  // already under a deal with p
      const double rival = std::max(outside, top == p ? second : best);
      // The boost of the smallest credit (above).
      const double boost = std::max(rival + std::max(margin, threshold) - ul[p],
                                    std::max(ul[p], rival) + threshold - ul[p]);
      // Above max_credit: no offer (alpha > 0 for an open lab).
      if (boost > alpha * k.no_offer_above) continue;
      // Defence: a lab depending on p whose opinion of p is near the storm
      // threshold is at risk of walking out in public (§6). What p stands
      // to lose: the lab's revenue over T_c, plus the AI revenue that the
      // reputation drop of its public criticism, rho amp v / (v_0 + amp v),
      // puts at risk over T_c. p offers priority capacity and the smallest
      // sufficient credit if their value is below that loss.
      const bool at_risk = k.defends && x[p] >= n.storm_dependence &&
                           L.opinion.at(l, p) < n.storm_opinion + s.courting.warning;
      if (at_risk) {
        const double criticism = n.storm_amplification * v;
        const double drop = n.rho * criticism / (n.inattention + criticism);
        const double loss = k.T * (demand * x[p] * Pv.price[p] + drop * Pv.ai_revenue[p]);
        if (!(loss > 0)) continue;
        candidates[i].push_back({l, true, boost, k.w_def * loss, loss, 0.0, 0.0});
        continue;
      }
      // Courting: a lab p is not the top choice of (by the margin) is
      // bought (boost > 0; a boost too small to move the credit off 0 is
      // dropped when the credit is computed).
      if (!k.courts || !(boost > 0)) continue;
      const double score =
          k.w_rev * demand * Pv.price[p] * k.T + k.w_narr * v * (1.0 - x[p] - x[P]);
      if (!(score > 0)) continue;
      candidates[i].push_back({l, false, boost, score, 0.0, 0.0, 0.0});
    }
  }

  auto& offers = st.scratch.offers;
  offers.clear();
  for (std::size_t i = 0; i < K; ++i) {
    const Courter& k = courters[i];
    const std::size_t p = k.p;
    const InvestmentParams& inv = s.providers[p].investment;
    std::vector<CourtingCandidate>& cand = candidates[i];
    // The smallest credit (0 when p already is the lab's top choice by
    // enough) and the offer's value; false if there is no offer: a credit
    // above max_credit, none at all to court with (a boost too small to
    // move the credit off 0), or a defence worth more than its loss.
    const auto offer_at = [&](CourtingCandidate& o) {
      o.credit = o.boost > 0 ? 1.0 - vmath::exp(-o.boost / L.alpha[o.slot]) : 0.0;
      if (o.credit > k.max_credit) return false;
      o.value = o.credit * Pv.price[p] * L.demand[o.slot] * k.T;
      return o.defensive ? !(o.value > o.loss) : o.credit > 0;
    };
    // The best-scoring labs, ties by slot, each taken if there is an offer
    // and its value fits what is left of the budget, up to max_offers. A
    // candidate that does not fit never fits later (the reserve only grows).
    // The candidates come off a heap in that order, so only the labs the
    // choice reaches have their credit computed (a lab is a candidate of p
    // once, so score and slot order them fully).
    const auto worse = [](const CourtingCandidate& a, const CourtingCandidate& b) {
      return a.score < b.score || (a.score == b.score && a.slot > b.slot);
    };
    std::make_heap(cand.begin(), cand.end(), worse);
    double reserved = 0;
    std::int64_t made = 0;
    for (auto end = cand.end(); made < inv.max_offers && end != cand.begin(); --end) {
      std::pop_heap(cand.begin(), end, worse);
      CourtingCandidate& o = *(end - 1);
      if (!offer_at(o) || reserved + o.value > Pv.budget[p]) continue;
      reserved += o.value;
      offers.emplace_back(static_cast<std::uint32_t>(p), o);
      ++made;
    }
  }

  // Each lab takes the offer with the largest utility gain over its current
  // best option, if the gain reaches its threshold.
  std::stable_sort(offers.begin(), offers.end(),
                   [](const auto& a, const auto& b) { return a.second.slot < b.second.slot; });
  for (std::size_t i = 0; i < offers.size();) {
    const std::size_t l = offers[i].second.slot;
    const double* ul = u.row(l);
    double best_now = s.outside.enabled ? ul[P] : -kInf;
    for (std::size_t q = 0; q < P; ++q) best_now = std::max(best_now, ul[q]);
    std::size_t best = offers.size();
    double best_gain = -kInf;
    for (; i < offers.size() && offers[i].second.slot == l; ++i) {
      const auto& [q, o] = offers[i];
      const double gain = ul[q] - L.alpha[l] * vmath::log(1.0 - o.credit) - best_now;
      if (gain > best_gain) {
        best_gain = gain;
        best = i;
      }
    }
    if (best < offers.size() && best_gain >= L.deal_threshold[l]) {
      const std::size_t p = offers[best].first;
      const CourtingCandidate o = offers[best].second;
      const InvestmentParams& inv = s.providers[p].investment;
      Pv.budget[p] -= o.value;
      accept_deal(s, st, p, l, o.credit, inv.credit_steps, inv.exclusivity_steps, o.defensive,
                  o.value, inv.equity_per_credit * o.value, o.defensive ? "defensive" : "", o.value,
                  c);
    }
  }
}

}  // namespace cw
