// Step 4 (capacity) and step 5 (lock-in), in one pass. docs/MODEL.md §4-5.
#include <algorithm>
#include <array>
#include <cstring>

#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/simd.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

// The kernels on whole rows of S values (S = the provider row length,
// known at compile time), W providers at a time (core/simd.hpp): per-provider
// sums stay in registers. Per provider, sums run over labs in slot order,
// as in the general loops, so the results are the same bits. With partners
// (`Partners`), first[l] has bit p set when lab l is served first by p; a
// sum the general loop does not add to gets +0.0 here, which leaves it
// unchanged (a sum that starts at +0.0 is never -0.0).

// All bits of lane i set when bit i of `bits` is (bits < 2^W), from a
// table: a vector built from scalar stores would stall its load.
// (Always inlined: it returns a vector, and the callers are AVX2 clones,
// whose calling convention for 32-byte vectors differs; see simd.hpp.)
template <std::size_t W>
[[gnu::always_inline]] inline simd::Mask<W> lane_mask(std::uint64_t bits) {
  static constexpr auto kTable = [] {
    std::array<std::array<std::int64_t, W>, std::size_t{1} << W> table{};
    for (std::size_t b = 0; b < table.size(); ++b) {
      for (std::size_t i = 0; i < W; ++i) table[b][i] = (b >> i) & 1 ? -1 : 0;
    }
    return table;
  }();
  simd::Mask<W> m;
  std::memcpy(&m, kTable[bits].data(), sizeof m);
  return m;
}

// R_p = sum_l d_l x_lp (columns p < P are used), split into the labs served
// first by p and the others.
template <std::size_t S, bool Partners>
CW_CLONES void requested_rows(const LabState& L, const std::uint64_t* first, double* req_first,
                              double* req_other) {
  constexpr std::size_t W = simd::kWidth<S>, V = S / W;
  using Vec = simd::Vec<W>;
  std::array<Vec, V> acc_first{}, acc_other{};
  const Vec zero = simd::splat<W>(0.0);
  for (std::size_t l = 0; l < L.n; ++l) {
    const Vec d = simd::splat<W>(L.demand[l]);
    const double* x = L.x.row(l);
    const std::uint64_t bits = Partners ? first[l] : 0;
    for (std::size_t v = 0; v < V; ++v) {
      const Vec r = d * simd::load<W>(x + v * W);
      if (Partners && bits != 0) {
        const simd::Mask<W> m = lane_mask<W>((bits >> (v * W)) & ((1u << W) - 1));
        acc_first[v] += simd::select<W>(m, r, zero);
        acc_other[v] += simd::select<W>(m, zero, r);
      } else {
        acc_other[v] += r;  // (acc_first[v] + 0 would be acc_first[v])
      }
    }
  }
  for (std::size_t v = 0; v < V; ++v) {
    simd::store<W>(req_first + v * W, acc_first[v]);
    simd::store<W>(req_other + v * W, acc_other[v]);
  }
}

// served_lp = d_l x_lp fill_lp (fill_first for the labs served first by p,
// fill_other otherwise), the lock-in update, each lab's spend and, with
// credits, the credits given; fill, price and kappa are zero beyond P. Also
// the lab totals (State::LabTotals) of the first S columns.
template <std::size_t S, bool Partners, bool Credits>
CW_CLONES void serve_rows(LabState& L, const std::uint64_t* first, const double* fill_first,
                          const double* fill_other, const double* price, const double* kappa,
                          double keep, double threshold, double* served_total,
                          double* credits_total, LabTotals& totals) {
  constexpr std::size_t W = simd::kWidth<S>, V = S / W;
  using Vec = simd::Vec<W>;
  std::array<Vec, V> total{}, given{}, prestige_x{}, using_count{}, f1, f0, pr, kp;
  for (std::size_t v = 0; v < V; ++v) {
    f1[v] = simd::load<W>(fill_first + v * W);
    f0[v] = simd::load<W>(fill_other + v * W);
    pr[v] = simd::load<W>(price + v * W);
    kp[v] = simd::load<W>(kappa + v * W);
  }
  const Vec keep_v = simd::splat<W>(keep), threshold_v = simd::splat<W>(threshold);
  const Vec one = simd::splat<W>(1.0), zero = simd::splat<W>(0.0);
  double prestige = 0;
  const double* prestige_of = L.prestige.per_lab_data();
  const double prestige_all = L.prestige.value();
  for (std::size_t l = 0; l < L.n; ++l) {
    const double dl = L.demand[l];
    const Vec d = simd::splat<W>(dl);
    const double* x = L.x.row(l);
    double* k = L.lock.row(l);
    const double vl = prestige_of ? prestige_of[l] : prestige_all;
    const Vec vv = simd::splat<W>(vl);
    prestige += vl;
    const std::uint64_t bits = Partners ? first[l] : 0;
    std::array<double, S> spend_terms;
    for (std::size_t v = 0; v < V; ++v) {
      const Vec xv = simd::load<W>(x + v * W);
      prestige_x[v] += vv * xv;
      using_count[v] += simd::select<W>(xv > threshold_v, one, zero);
      Vec fill = f0[v];
      if (Partners && bits != 0) {
        fill = simd::select<W>(lane_mask<W>((bits >> (v * W)) & ((1u << W) - 1)), f1[v], f0[v]);
      }
      const Vec served = d * xv * fill;
      total[v] += served;
      simd::store<W>(k + v * W, keep_v * simd::load<W>(k + v * W) + kp[v] * served);
      const Vec paid = served * pr[v];
      simd::store<W>(&spend_terms[v * W], paid);
      if constexpr (Credits) given[v] += paid * simd::load<W>(L.credit.row(l) + v * W);
    }
    double spend = 0;
    for (std::size_t p = 0; p < S; ++p) spend += spend_terms[p];
    L.spend[l] = spend;
  }
  for (std::size_t v = 0; v < V; ++v) {
    simd::store<W>(served_total + v * W, total[v]);
    simd::store<W>(credits_total + v * W, given[v]);
    simd::store<W>(&totals.prestige_x[v * W], prestige_x[v]);
    simd::store<W>(&totals.using_count[v * W], using_count[v]);
  }
  totals.prestige = prestige;
}

}  // namespace

CW_CLONES void rule_capacity(const Scenario& s, State& st, StepCounters& c) {
  const std::size_t P = st.P;
  LabState& L = st.labs;
  ProviderState& Pv = st.providers;
  // The capacity that rations this step: less an outage's share while it lasts.
  for (std::size_t p = 0; p < P; ++p) {
    const double lost = st.step < Pv.outage_until[p] ? Pv.outage_fraction[p] : 0.0;
    Pv.capacity_offered[p] = Pv.active[p] ? Pv.capacity[p] * (1.0 - lost) : 0.0;
  }
  // The labs served first by a provider: its partners (labs with an active
  // deal) under partners_first rationing, and under any rationing the labs
  // whose deal gives priority capacity.
  const bool all_partners = s.capacity.rationing == RationingRule::partners_first;
  std::vector<std::pair<std::size_t, std::size_t>>& partner = st.handoff.served_first;
  partner.clear();
  for (const Deal& d : st.deals) {
    if (!all_partners && !d.priority) continue;
    const std::int64_t slot = st.slot_of(d.lab);
    if (slot >= 0) partner.emplace_back(static_cast<std::size_t>(slot), d.provider);
  }
  std::sort(partner.begin(), partner.end());
  const bool partners_first = !partner.empty();
  auto is_partner = [&partner](std::size_t l, std::size_t p) {
    return std::binary_search(partner.begin(), partner.end(), std::make_pair(l, p));
  };
  // The lab loops below visit labs in slot order, so a cursor walks the
  // sorted pairs once: bit p of the mask is is_partner(l, p).
  static_assert(kMaxProviders <= 64);
  auto partner_mask = [&partner](std::size_t l, std::size_t& cursor) {
    std::uint64_t mask = 0;
    while (cursor < partner.size() && partner[cursor].first < l) ++cursor;
    for (; cursor < partner.size() && partner[cursor].first == l; ++cursor) {
      mask |= std::uint64_t{1} << partner[cursor].second;
    }
    return mask;
  };

  // Requested volume per provider: R_p = sum_l d_l x_lp (split by partners).
  std::array<double, kMaxProviders + 8> req_partner{}, req_other{};
  const bool credits = st.handoff.any_credit && !L.credit.data.empty();
  // The row kernels (common row lengths): the labs served first as a bit
  // mask per lab.
  std::vector<std::uint64_t>& first = st.scratch.first_mask;
  first.assign(partners_first ? L.n : 0, 0);
  for (const auto& [l, p] : partner) first[l] |= std::uint64_t{1} << p;
  const bool rows = with_row_length(st.pstride, [&]<std::size_t S>() CW_IN_CLONE {
    if (partners_first) {
      requested_rows<S, true>(L, first.data(), req_partner.data(), req_other.data());
    } else {
      requested_rows<S, false>(L, nullptr, req_partner.data(), req_other.data());
    }
  });
  std::size_t cursor = 0;
  for (std::size_t l = 0; l < L.n && !rows; ++l) {
    const double* x = L.x.row(l);
    const std::uint64_t mask = partners_first ? partner_mask(l, cursor) : 0;
    for (std::size_t p = 0; p < P; ++p) {
      const double r = L.demand[l] * x[p];
      if ((mask >> p) & 1) {
        req_partner[p] += r;
      } else {
        req_other[p] += r;
      }
    }
  }
  // Fill rates. pro_rata: every lab on p gets min(1, C_p / R_p).
  // partners_first: partners get min(1, C_p / R_partner); the others share
  // what is left pro rata.
  std::array<double, kMaxProviders> fill_partner{}, fill_other{};
  for (std::size_t p = 0; p < P; ++p) {
    const double cap = Pv.capacity_offered[p];
    Pv.requested[p] = req_partner[p] + req_other[p];
    if (partners_first) {
      fill_partner[p] = req_partner[p] > cap ? cap / req_partner[p] : 1.0;
      const double left = std::max(0.0, cap - req_partner[p] * fill_partner[p]);
      fill_other[p] = req_other[p] > left ? left / req_other[p] : 1.0;
    } else {
      fill_other[p] = Pv.requested[p] > cap ? cap / Pv.requested[p] : 1.0;
      fill_partner[p] = fill_other[p];
    }
  }
  st.handoff.fill_first = fill_partner;
  st.handoff.fill_other = fill_other;
  // Served volumes, and step 5 (lock-in) in the same pass over the labs:
  // served_lp = d_l x_lp fill, k_lp <- (1 - decay) k_lp + kappa_p served_lp.
  // Served volumes are not kept per lab: what later rules need of them is
  // summed here (the lab's spend, the credits given, each deal's volume).
  std::fill(Pv.served.begin(), Pv.served.end(), 0.0);
  std::fill(Pv.credits_given.begin(), Pv.credits_given.end(), 0.0);
  const double keep = 1.0 - s.lock_in.decay;
  const double* kappa = Pv.lock_in_rate.data();
  std::array<double, kMaxProviders> served{};
  const double threshold = s.metrics.usage_threshold;
  LabTotals& totals = st.handoff.totals;
  totals = LabTotals{};
  totals.step = st.step;
  if (rows) {
    std::array<double, kMaxProviders + 8> price{}, kappa_row{}, total{}, given{};
    for (std::size_t p = 0; p < P; ++p) {
      price[p] = Pv.price[p];
      kappa_row[p] = kappa[p];
    }
    with_row_length(st.pstride, [&]<std::size_t S>() CW_IN_CLONE {
      const auto serve = [&]<bool Partners, bool Credits>() CW_IN_CLONE {
        serve_rows<S, Partners, Credits>(L, first.data(), fill_partner.data(), fill_other.data(),
                                         price.data(), kappa_row.data(), keep, threshold,
                                         total.data(), given.data(), totals);
      };
      if (partners_first) {
        credits ? serve.template operator()<true, true>()
                : serve.template operator()<true, false>();
      } else {
        credits ? serve.template operator()<false, true>()
                : serve.template operator()<false, false>();
      }
    });
    for (std::size_t p = 0; p < P; ++p) {
      Pv.served[p] = total[p];
      if (credits) Pv.credits_given[p] = given[p];
    }
  }
  cursor = 0;
  for (std::size_t l = 0; l < L.n && !rows; ++l) {
    const std::uint64_t mask = partners_first ? partner_mask(l, cursor) : 0;
    const double* x = L.x.row(l);
    double* k = L.lock.row(l);
    const double d = L.demand[l];
    const double v = L.prestige[l];
    totals.prestige += v;
    for (std::size_t p = 0; p < P; ++p) {
      totals.prestige_x[p] += v * x[p];
      totals.using_count[p] += x[p] > threshold ? 1.0 : 0.0;
    }
    double spend = 0;
    for (std::size_t p = 0; p < P; ++p) {
      const double fill = (mask >> p) & 1 ? fill_partner[p] : fill_other[p];
      served[p] = d * x[p] * fill;
    }
    for (std::size_t p = 0; p < P; ++p) {
      Pv.served[p] += served[p];
      k[p] = keep * k[p] + kappa[p] * served[p];
      spend += served[p] * Pv.price[p];
    }
    L.spend[l] = spend;
    if (credits) {
      const double* credit = L.credit.row(l);
      for (std::size_t p = 0; p < P; ++p) {
        Pv.credits_given[p] += served[p] * Pv.price[p] * credit[p];
      }
    }
  }
  for (Deal& deal : st.deals) {
    const std::int64_t slot = st.slot_of(deal.lab);
    if (slot < 0) continue;
    const auto l = static_cast<std::size_t>(slot);
    const std::size_t p = deal.provider;
    const bool served_first = partners_first && (rows ? (first[l] >> p) & 1 : is_partner(l, p));
    const double fill = served_first ? fill_partner[p] : fill_other[p];
    deal.served = L.demand[l] * L.x.at(l, p) * fill;
  }
  for (std::size_t p = 0; p < P; ++p) {
    c.requested += Pv.requested[p];
    c.unserved += Pv.requested[p] - Pv.served[p];
  }
}

}  // namespace cw
