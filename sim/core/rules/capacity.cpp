// Step 4 (capacity) and step 5 (lock-in), in one pass. docs/MODEL.md §4-5.
#include <algorithm>
#include <array>

#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

// The pro-rata kernels on whole rows of S values (S = the provider row
// length, known at compile time): per-provider sums stay in registers and
// the row loops vectorise. Per provider, sums run over labs in slot order,
// as in the general loops, so the results are the same bits.

// R_p = sum_l d_l x_lp (columns p < P are used).
template <std::size_t S>
CW_CLONES void requested_rows(const LabState& L, double* requested) {
  std::array<double, S> acc{};
  for (std::size_t l = 0; l < L.n; ++l) {
    const double d = L.demand[l];
    const double* x = L.x.row(l);
    for (std::size_t p = 0; p < S; ++p) acc[p] += d * x[p];
  }
  std::copy(acc.begin(), acc.end(), requested);
}

// served_lp = d_l x_lp fill_p, the lock-in update and each lab's spend;
// fill, price and kappa are zero beyond P.
// Also the lab totals (State::LabTotals) of the first S columns.
template <std::size_t S>
CW_CLONES void serve_rows(LabState& L, const double* fill, const double* price, const double* kappa,
                          double keep, double threshold, double* served_total, LabTotals& totals) {
  std::array<double, S> total{}, prestige_x{}, using_count{}, f, pr, kp;
  std::copy(fill, fill + S, f.begin());
  std::copy(price, price + S, pr.begin());
  std::copy(kappa, kappa + S, kp.begin());
  double prestige = 0;
  // Plain pointers: stores to the lock rows cannot then alias what the loop
  // reads, and the per-lab branches are loop-invariant.
  const double* __restrict demand = L.demand.data();
  const double* __restrict prestige_of = L.prestige.per_lab_data();
  const double prestige_all = L.prestige.value();
  const double* __restrict xs = L.x.data.data();
  double* __restrict ks = L.lock.data.data();
  double* __restrict spends = L.spend.data();
  const std::size_t xstride = L.x.stride, kstride = L.lock.stride;
  for (std::size_t l = 0; l < L.n; ++l) {
    const double d = demand[l];
    const double* x = xs + l * xstride;
    double* k = ks + l * kstride;
    const double v = prestige_of ? prestige_of[l] : prestige_all;
    prestige += v;
    for (std::size_t p = 0; p < S; ++p) {
      prestige_x[p] += v * x[p];
      using_count[p] += vmath::detail::select(x[p] > threshold, 1.0, 0.0);
    }
    std::array<double, S> served;
    for (std::size_t p = 0; p < S; ++p) served[p] = d * x[p] * f[p];
    for (std::size_t p = 0; p < S; ++p) {
      total[p] += served[p];
      k[p] = keep * k[p] + kp[p] * served[p];
    }
    double spend = 0;
    for (std::size_t p = 0; p < S; ++p) spend += served[p] * pr[p];
    spends[l] = spend;
  }
  std::copy(total.begin(), total.end(), served_total);
  totals.prestige = prestige;
  std::copy(prestige_x.begin(), prestige_x.end(), totals.prestige_x.begin());
  std::copy(using_count.begin(), using_count.end(), totals.using_count.begin());
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
  // The row kernels: pro rata without credits, common row lengths.
  const bool rows =
      !partners_first && !credits &&
      with_row_length(st.pstride, [&]<std::size_t S>() { requested_rows<S>(L, req_other.data()); });
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
    std::array<double, kMaxProviders + 8> fill{}, price{}, kappa_row{}, total{};
    for (std::size_t p = 0; p < P; ++p) {
      fill[p] = fill_other[p];
      price[p] = Pv.price[p];
      kappa_row[p] = kappa[p];
    }
    with_row_length(st.pstride, [&]<std::size_t S>() {
      serve_rows<S>(L, fill.data(), price.data(), kappa_row.data(), keep, threshold, total.data(),
                    totals);
    });
    for (std::size_t p = 0; p < P; ++p) Pv.served[p] = total[p];
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
    const double fill = partners_first && is_partner(l, p) ? fill_partner[p] : fill_other[p];
    deal.served = L.demand[l] * L.x.at(l, p) * fill;
  }
  for (std::size_t p = 0; p < P; ++p) {
    c.requested += Pv.requested[p];
    c.unserved += Pv.requested[p] - Pv.served[p];
  }
}

}  // namespace cw
