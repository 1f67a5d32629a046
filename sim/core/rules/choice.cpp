// Step 3 (choice). docs/MODEL.md §3.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "core/random.hpp"
#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/simd.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

// A_p = sum_l d_l x_lp and n_p = sum_l x_lp over the first S columns (S
// known at compile time), sums in lab order per provider.
template <std::size_t S>
CW_CLONES void installed_base(const LabState& L, double* volume, double* count) {
  std::array<double, S> v{}, n{};
  for (std::size_t l = 0; l < L.n; ++l) {
    const double d = L.demand[l];
    const double* x = L.x.row(l);
    for (std::size_t p = 0; p < S; ++p) {
      v[p] += d * x[p];
      n[p] += x[p];
    }
  }
  std::copy(v.begin(), v.end(), volume);
  std::copy(n.begin(), n.end(), count);
}

}  // namespace

CW_CLONES void network_effect(const Scenario& s, const State& st, double* G) {
  const std::size_t P = st.P;
  const NetworkEffectParams& ne = s.network_effect;
  std::fill(G, G + P, 0.0);
  if (ne.form == NetworkEffectForm::none) return;
  // Installed base from the allocations at the start of the step:
  // A_p = sum_l d_l x_lp (compute) and n_p = sum_l x_lp (labs, fractional).
  std::array<double, kMaxProviders + 8> volume{}, count{};
  const LabState& L = st.labs;
  const bool kernel = with_row_length(st.pstride, [&]<std::size_t S>() CW_IN_CLONE {
    installed_base<S>(L, volume.data(), count.data());
  });
  for (std::size_t l = 0; l < L.n && !kernel; ++l) {
    const double* x = L.x.row(l);
    for (std::size_t p = 0; p < P; ++p) {
      volume[p] += L.demand[l] * x[p];
      count[p] += x[p];
    }
  }
  double total = 0;
  for (std::size_t p = 0; p < P; ++p) total += volume[p];
  for (std::size_t p = 0; p < P; ++p) {
    switch (ne.form) {
      case NetworkEffectForm::none:
        break;
      case NetworkEffectForm::share_power:
        G[p] = total > 0 ? std::pow(volume[p] / total, ne.eta) : 0.0;
        break;
      case NetworkEffectForm::log_count:
        G[p] = vmath::log(st.providers.pseudo_count[p] + count[p]);
        break;
      case NetworkEffectForm::linear_count:
        G[p] = ne.r * count[p];
        break;
    }
  }
}

void lab_utilities(const Scenario& s, const State& st, std::size_t l, const double* G, double* u) {
  const std::size_t P = st.P;
  const LabState& L = st.labs;
  const ProviderState& Pv = st.providers;
  static constexpr std::array<double, kMaxProviders + 1> kZero{};
  const double* aff = L.affinity.data.empty() ? kZero.data() : L.affinity.row(l);
  const double* x = L.x.row(l);
  const double* k = L.lock.row(l);
  const double* o = L.opinion.row(l);
  const double w_own = L.w_own[l];
  const double d = L.demand[l];
  const double threshold = s.metrics.usage_threshold;
  const double* credit = L.credit.data.empty() ? kZero.data() : L.credit.row(l);
  for (std::size_t p = 0; p < P; ++p) {
    if (!Pv.active[p]) {  // not in the market: never an option
      u[p] = -kInf;
      continue;
    }
    // U = affinity - alpha ln(price (1 - credit)) + beta q + gamma rep + delta G + lock.
    const double rep = (1.0 - w_own) * Pv.reputation[p] + w_own * o[p];
    double lock = 0;
    if (x[p] > threshold) {
      lock = (d > 0 ? s.lock_in.weight * k[p] / d : 0.0) + Pv.egress_fee[p];
    }
    // ln(price (1 - c)) = ln price + ln(1 - c); ln price is kept per provider.
    const double log_price =
        credit[p] > 0 ? Pv.log_price[p] + std::log1p(-credit[p]) : Pv.log_price[p];
    u[p] = aff[p] - L.alpha[l] * log_price + L.beta[l] * Pv.quality[p] + L.gamma[l] * rep +
           s.network_effect.delta * G[p] + lock;
  }
  u[P] = s.outside.utility;
}

namespace {

// The provider terms of the utility for one step, padded to whole rows
// (inactive and padding columns: active 0).
struct UtilityTerms {
  std::array<double, kMaxProviders + 8> log_price{}, quality{}, reputation{}, egress{}, dG{};
  std::array<double, kMaxProviders + 8> active{};  // 1 or 0
};

// lab_utilities() for providers 0..S-1 on whole rows (S = the provider row
// length, known at compile time), with the lab's log prices `log_price`
// (log_prices() below): the same expression in the same order per
// provider, so the same bits, W providers at a time (core/simd.hpp).
// Writes u[0..S); the caller sets u[P].
// (Inlined into its callers, which are compiled for both targets.)
template <std::size_t S>
[[gnu::always_inline]] inline void utilities_row(const Scenario& s, const LabState& L,
                                                 const UtilityTerms& T, const double* log_price,
                                                 std::size_t l, double* u) {
  constexpr std::size_t W = simd::kWidth<S>;
  using V = simd::Vec<W>;
  static constexpr std::array<double, S> kZero{};
  const double* aff = L.affinity.data.empty() ? kZero.data() : L.affinity.row(l);
  const double* x = L.x.row(l);
  const double* k = L.lock.row(l);
  const double* o = L.opinion.row(l);
  const double w_own = L.w_own[l], d = L.demand[l];
  const V own = simd::splat<W>(w_own), public_w = simd::splat<W>(1.0 - w_own);
  const V alpha = simd::splat<W>(L.alpha[l]), beta = simd::splat<W>(L.beta[l]),
          gamma = simd::splat<W>(L.gamma[l]);
  const V weight = simd::splat<W>(s.lock_in.weight), dv = simd::splat<W>(d),
          threshold = simd::splat<W>(s.metrics.usage_threshold);
  const V zero = simd::splat<W>(0.0), minus_inf = simd::splat<W>(-kInf);
  const bool demand_positive = d > 0;
  for (std::size_t p = 0; p < S; p += W) {
    const V rep = public_w * simd::load<W>(&T.reputation[p]) + own * simd::load<W>(o + p);
    const V stock = demand_positive ? weight * simd::load<W>(k + p) / dv : zero;
    const V xp = simd::load<W>(x + p);
    const V lock = simd::select<W>(xp > threshold, stock + simd::load<W>(&T.egress[p]), zero);
    const V v = simd::load<W>(aff + p) - alpha * simd::load<W>(log_price + p) +
                beta * simd::load<W>(&T.quality[p]) + gamma * rep + simd::load<W>(&T.dG[p]) + lock;
    simd::store<W>(u + p, simd::select<W>(simd::load<W>(&T.active[p]) != zero, v, minus_inf));
  }
}

// Lab l's ln(price (1 - credit)) per provider, as lab_utilities() computes
// it, for a row kernel of S values: T.log_price itself for a lab without
// credits, otherwise written to `buffer` (padding columns have no credit).
using LogPriceRow = std::array<double, kMaxRowKernel>;
template <std::size_t S>
[[gnu::always_inline]] inline const double* log_prices(const LabState& L, const UtilityTerms& T,
                                                       std::size_t l, LogPriceRow& buffer) {
  if (L.credit.data.empty()) return T.log_price.data();
  const double* credit = L.credit.row(l);
  bool any = false;
  for (std::size_t p = 0; p < S; ++p) any |= credit[p] > 0;
  if (!any) return T.log_price.data();
  for (std::size_t q = 0; q < S; ++q) {
    buffer[q] = credit[q] > 0 ? T.log_price[q] + std::log1p(-credit[q]) : T.log_price[q];
  }
  return buffer.data();
}

UtilityTerms utility_terms(const Scenario& s, const State& st, const double* G) {
  UtilityTerms terms;
  for (std::size_t p = 0; p < st.P; ++p) {
    terms.log_price[p] = st.providers.log_price[p];
    terms.quality[p] = st.providers.quality[p];
    terms.reputation[p] = st.providers.reputation[p];
    terms.egress[p] = st.providers.egress_fee[p];
    terms.dG[p] = s.network_effect.delta * G[p];
    terms.active[p] = st.providers.active[p];
  }
  return terms;
}

}  // namespace

CW_CLONES void every_lab_utilities(const Scenario& s, const State& st, const double* G, Rows& u) {
  const LabState& L = st.labs;
  const std::size_t P = st.P;
  const UtilityTerms terms = utility_terms(s, st, G);
  // One dispatch on the row length for all labs.
  LogPriceRow buffer;
  const bool kernel =
      u.stride >= st.pstride && with_row_length(st.pstride, [&]<std::size_t S>() CW_IN_CLONE {
        for (std::size_t l = 0; l < L.n; ++l) {
          double* ul = u.row(l);
          utilities_row<S>(s, L, terms, log_prices<S>(L, terms, l, buffer), l, ul);
          ul[P] = s.outside.utility;
        }
      });
  for (std::size_t l = 0; l < L.n && !kernel; ++l) lab_utilities(s, st, l, G, u.row(l));
}

void settle_main_provider(const Scenario& s, State& st, std::size_t l, StepCounters& c) {
  LabState& L = st.labs;
  const std::int32_t main = main_provider_of(L.x.row(l), st.P);
  const std::int32_t before = L.main_provider[l];
  if (main == before) return;
  if (before >= 0 && main >= 0) {
    ++c.switches;
    if (st.log_events)
      st.log.push_back({"switch", "", st.lab_name(l),
                        s.providers[static_cast<std::size_t>(main)].name,
                        s.providers[static_cast<std::size_t>(before)].name, L.demand[l]});
  }
  L.main_provider[l] = main;
}

namespace {

// What every decision of this step reads about the providers, fixed before
// the first lab chooses: the network effect G from the allocations at the
// start of the step, and the utility's provider terms.
struct ChoiceView {
  std::array<double, kMaxProviders> G{};
  UtilityTerms terms;
  bool row_kernel = false;  // common row lengths: the row kernel for labs without credits
  // Whether courting's rows of every lab's utilities (scratch.utilities)
  // were computed from the same G and state, but for the slots in
  // handoff.utilities_stale, whose credit a deal has changed since.
  bool courting_rows = false;
  // The noise and sample streams' round keys, computed once for every lab
  // (a Draws cursor would bump them in every block).
  PhiloxKeys noise{{0, 0}}, sample{{0, 0}};
};

ChoiceView choice_view(const Scenario& s, const State& st) {
  ChoiceView v;
  if (st.handoff.network_step == st.step) {
    v.G = st.handoff.network;  // courting's, and no allocation moved since
    v.courting_rows = st.handoff.utilities_step == st.step;
  } else {
    network_effect(s, st, v.G.data());
  }
  v.terms = utility_terms(s, st, v.G.data());
  v.row_kernel = has_row_kernel(st.pstride);
  const auto seed = static_cast<std::uint64_t>(s.seed);
  v.noise = PhiloxKeys({seed, static_cast<std::uint64_t>(Stream::choice_noise)});
  v.sample = PhiloxKeys({seed, static_cast<std::uint64_t>(Stream::choice_sample)});
  return v;
}

// The labs that re-evaluate in this step, in lab order: a lab walking out
// (kWalkOut, §6) always, even while exclusive (its exclusivity ends now);
// otherwise none while exclusive; fresh labs and labs whose re-evaluation
// is forced (a deal, an eviction) always, the others with probability h_l
// (stream renewal). Clears kReevaluate; kWalkOut is cleared by the choice.
// Always inlined into rule_choice, so that its Philox blocks are compiled
// into the AVX2 clone (BMI2's mulx) rather than once for the baseline.
[[gnu::always_inline]] inline void pick_choosers(const Scenario& s, State& st,
                                                 std::vector<std::uint32_t>& chosen) {
  LabState& L = st.labs;
  LabDraws renewal(static_cast<std::uint64_t>(s.seed), Stream::renewal,
                   static_cast<std::uint64_t>(st.step));
  chosen.clear();
  for (std::size_t l = 0; l < L.n; ++l) {
    const std::uint8_t flags = L.reevaluate[l];
    L.reevaluate[l] = flags & kWalkOut;
    if (flags & kWalkOut) {
      if (L.exclusive_until[l] > st.step) end_exclusivity(st, l);
      chosen.push_back(static_cast<std::uint32_t>(l));
      continue;
    }
    if (L.exclusive_until[l] > st.step) continue;  // exclusivity blocks re-evaluation
    if (!L.fresh[l] && !(flags & kReevaluate)) {
      if (L.renewal[l] <= 0) continue;
      if (L.renewal[l] < 1 && renewal.uniform(L.id[l]) >= L.renewal[l]) continue;
    }
    chosen.push_back(static_cast<std::uint32_t>(l));
  }
}

// The SPEC equation for lab l (docs/MODEL.md §3): its utility for every
// option (u[0..P], the outside option at P), its options (the top k
// providers by utility, ties by index, plus the outside option when
// enabled) and the allocation rule's target x* over them (target[0..stride)).
[[gnu::always_inline]] inline void choice_target(const Scenario& s, const State& st,
                                                 const ChoiceView& view, std::size_t l, double* u,
                                                 double* target) {
  const std::size_t P = st.P;
  const LabState& L = st.labs;
  const ChoiceParams& ch = s.choice;
  const auto t = static_cast<std::uint64_t>(st.step);
  const std::vector<std::uint32_t>& stale = st.handoff.utilities_stale;
  if (view.courting_rows && std::find(stale.begin(), stale.end(), l) == stale.end()) {
    // The row courting computed this step: the same inputs (nothing a lab's
    // utilities read has changed since, but a deal's credit), the same code
    // (every_lab_utilities() takes the same path), so the same bits.
    const double* row = st.scratch.utilities.row(l);
    std::copy(row, row + P + 1, u);
  } else if (view.row_kernel) {
    LogPriceRow buffer;
    with_row_length(st.pstride, [&]<std::size_t S>() CW_IN_CLONE {
      utilities_row<S>(s, L, view.terms, log_prices<S>(L, view.terms, l, buffer), l, u);
    });
    u[P] = s.outside.utility;
  } else {
    lab_utilities(s, st, l, view.G.data(), u);
  }
  if (ch.noise > 0) {
    // P + 1 normals of the lab's noise stream: what Draws::normal() gives
    // one after another (a pair of uniforms each, the cosine branch), from
    // the stream's blocks (t, lab id, 0, 0), (t, lab id, 1, 0), ... as a
    // Draws cursor reads them, their Box-Muller transforms computed together
    // (vectorised, the same bits).
    const std::uint64_t id = L.id[l];
    std::array<double, 2 * (kMaxProviders + 1) + 3> w;
    for (std::uint64_t b = 0; 4 * b < 2 * (P + 1); ++b) {
      const auto block = view.noise.block({t, id, b, 0});
      for (std::size_t j = 0; j < 4; ++j) w[4 * b + j] = word_to_uniform(block[j]);
    }
    std::array<double, kMaxProviders + 1> u1, u2, z_cos, z_sin;
    for (std::size_t p = 0; p <= P; ++p) {
      u1[p] = w[2 * p];
      u2[p] = w[2 * p + 1];
    }
    box_muller(u1.data(), u2.data(), z_cos.data(), z_sin.data(), P + 1);
    for (std::size_t p = 0; p <= P; ++p) u[p] += ch.noise * z_cos[p];
  }
  std::array<std::size_t, kMaxProviders + 8> order;  // entries 0..P written below
  std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(L.max_providers[l]), P);
  // One option drawn from the logit probabilities: always with `sample`;
  // with `logit` for a single-homing lab, over all its options (McFadden's
  // discrete choice). A multi-homing lab under `logit` holds fractional
  // shares over its top k.
  const bool draw_one =
      ch.allocation == AllocationRule::sample || (ch.allocation == AllocationRule::logit && k == 1);
  if (ch.allocation == AllocationRule::logit && k == 1) k = P;
  std::iota(order.begin(), order.begin() + P, std::size_t{0});
  if (k < P) {  // with every provider an option, their order does not matter
    std::stable_sort(order.begin(), order.begin() + P,
                     [u](std::size_t a, std::size_t b) { return u[a] > u[b]; });
  }
  std::size_t n_opt = k;
  if (s.outside.enabled) order[n_opt++] = P;
  std::fill(target, target + st.stride, 0.0);
  switch (ch.allocation) {
    case AllocationRule::argmax: {
      std::size_t best = order[0];
      for (std::size_t i = 1; i < n_opt; ++i) {
        if (u[order[i]] > u[best]) best = order[i];
      }
      target[best] = 1.0;
      break;
    }
    case AllocationRule::logit:
    case AllocationRule::sample: {
      double top = -kInf;
      for (std::size_t i = 0; i < n_opt; ++i) top = std::max(top, u[order[i]]);
      double z = 0;
      if (k == P) {
        // Every provider (and the outside option, at P) is an option, in
        // index order: one vectorised exp over the row.
        for (std::size_t i = 0; i < n_opt; ++i) target[i] = (u[i] - top) / ch.tau;
        vmath::exp(target, target, n_opt);
        for (std::size_t i = 0; i < n_opt; ++i) z += target[i];
        for (std::size_t i = 0; i < n_opt; ++i) target[i] /= z;
      } else {
        for (std::size_t i = 0; i < n_opt; ++i) {
          const double e = vmath::exp((u[order[i]] - top) / ch.tau);
          target[order[i]] = e;
          z += e;
        }
        for (std::size_t i = 0; i < n_opt; ++i) target[order[i]] /= z;
      }
      if (draw_one) {
        // The first uniform of the lab's sample stream (Draws::uniform()).
        const double draw = word_to_uniform(view.sample.block({t, L.id[l], 0, 0})[0]);
        double acc = 0;
        std::size_t pick = order[n_opt - 1];
        for (std::size_t i = 0; i < n_opt; ++i) {
          acc += target[order[i]];
          if (draw < acc) {
            pick = order[i];
            break;
          }
        }
        std::fill(target, target + st.stride, 0.0);
        target[pick] = 1.0;
      }
      break;
    }
  }
}

// Capacity contracts in force (§8): per lab, a floor sum(volume) / d_l on
// each contracted provider (floors scaled down together if they exceed 1);
// providers below their floor are raised to it and the rest of the
// allocation is scaled down to make room. Appends the labs it moved.
void apply_contract_floors(State& st, std::vector<std::uint32_t>& moved) {
  const std::size_t P = st.P;
  LabState& L = st.labs;
  std::vector<std::pair<std::uint64_t, std::size_t>> by_lab;  // (lab id, contract)
  for (std::size_t i = 0; i < st.contracts.size(); ++i) by_lab.emplace_back(st.contracts[i].lab, i);
  std::sort(by_lab.begin(), by_lab.end());
  for (std::size_t i = 0; i < by_lab.size();) {
    const std::uint64_t lab = by_lab[i].first;
    std::array<double, kMaxProviders> floor{};
    for (; i < by_lab.size() && by_lab[i].first == lab; ++i) {
      const Contract& k = st.contracts[by_lab[i].second];
      floor[k.provider] += k.volume;
    }
    const std::int64_t slot = st.slot_of(lab);
    if (slot < 0) continue;
    const auto l = static_cast<std::size_t>(slot);
    if (!(L.demand[l] > 0)) continue;
    double total = 0;
    for (std::size_t p = 0; p < P; ++p) {
      floor[p] = std::min(1.0, floor[p] / L.demand[l]);
      total += floor[p];
    }
    if (total > 1) {
      for (std::size_t p = 0; p < P; ++p) floor[p] /= total;
      total = 1;
    }
    double* x = L.x.row(l);
    // Shares above their floors keep their proportions in what is left.
    double free = 0;
    for (std::size_t p = 0; p <= P; ++p) free += p < P ? std::max(0.0, x[p] - floor[p]) : x[p];
    bool below = false;
    for (std::size_t p = 0; p < P; ++p) below = below || x[p] < floor[p];
    if (!below) continue;
    const double scale = free > 0 ? (1.0 - total) / free : 0.0;
    for (std::size_t p = 0; p <= P; ++p) {
      const double above = p < P ? std::max(0.0, x[p] - floor[p]) : x[p];
      x[p] = (p < P ? floor[p] : 0.0) + above * scale;
    }
    moved.push_back(static_cast<std::uint32_t>(l));
  }
}

}  // namespace

CW_CLONES void rule_choice(const Scenario& s, State& st, StepCounters& c) {
  const std::size_t P = st.P;
  LabState& L = st.labs;
  const ChoiceView view = choice_view(s, st);
  st.handoff.network_step = -1;  // used once
  std::erase_if(st.contracts, [&st](const Contract& k) { return k.end <= st.step; });
  std::vector<std::uint32_t>& chosen = st.scratch.choosers;
  pick_choosers(s, st, chosen);

  // With capacity contracts in force, allocations move again below: main
  // providers and switches are settled at the end, over every lab that may
  // have moved. Otherwise each lab's right after its choice (its row still
  // in cache).
  const bool defer = !st.contracts.empty();
  std::vector<std::uint32_t> settle;  // defer: every lab that may have moved
  const bool narrative = s.narrative.enabled && s.narrative.mode == NarrativeMode::opinion;
  st.handoff.moved_away.clear();
  std::array<double, kMaxProviders + 8> u{}, target{}, before{};
  constexpr std::size_t kAhead = 4;  // prefetch distance, in chosen labs
  for (std::size_t c_i = 0; c_i < chosen.size(); ++c_i) {
    const std::size_t l = chosen[c_i];
    if (c_i + kAhead < chosen.size()) {
      const std::size_t ahead = chosen[c_i + kAhead];
      for (const Rows* rows : {&L.x, &L.lock, &L.opinion}) {
        __builtin_prefetch(rows->row(ahead));
        __builtin_prefetch(rows->row(ahead) + rows->stride - 1);
      }
    }
    choice_target(s, st, view, l, u.data(), target.data());
    // Partial adjustment x <- (1 - mu) x + mu x*; a fresh lab and a lab
    // walking out (§6) move all the way.
    const bool walk_out = (L.reevaluate[l] & kWalkOut) != 0;
    L.reevaluate[l] &= static_cast<std::uint8_t>(~kWalkOut);
    const double mu = L.fresh[l] || walk_out ? 1.0 : s.choice.partial_adjustment;
    double* x = L.x.row(l);
    std::copy(x, x + P + 1, before.begin());
    for (std::size_t p = 0; p <= P; ++p) x[p] = (1.0 - mu) * x[p] + mu * target[p];
    L.fresh[l] = 0;
    if (defer) {
      settle.push_back(static_cast<std::uint32_t>(l));
    } else {
      settle_main_provider(s, st, l, c);
    }
    if (narrative) {
      // Storm-off candidates for §6: theta or more of the demand moved off p.
      for (std::size_t p = 0; p < P; ++p) {
        if (before[p] - x[p] >= s.narrative.storm_threshold) {
          st.handoff.moved_away.emplace_back(l, p);
        }
      }
    }
  }

  apply_contract_floors(st, settle);
  if (defer) {
    std::sort(settle.begin(), settle.end());
    settle.erase(std::unique(settle.begin(), settle.end()), settle.end());
    for (const std::uint32_t l : settle) settle_main_provider(s, st, l, c);
  }
}

}  // namespace cw
