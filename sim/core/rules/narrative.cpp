// Step 6 (narrative). docs/MODEL.md §6.
#include <emmintrin.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/random.hpp"
#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"

namespace cw {

namespace {

// heard = sum_j W_lj o_j over the lab's neighbours, on whole padded rows of
// S values (zero beyond P), so that the inner loop vectorises; S known at
// compile time for the common row lengths. With unit weights (W_lj =
// 1/degree) the rows are summed and the sum scaled once.
template <std::size_t S>
[[gnu::always_inline]] inline void gather_fixed(const Csr& W, const Rows& opinion, std::size_t l,
                                                double* heard) {
  // S/2 accumulators of two lanes (SSE2, in the x86-64 baseline): GCC does
  // not vectorise this loop by itself. Lane-wise adds and multiplies are the
  // scalar operations, in the same order, so the same bits.
  static_assert(S % 2 == 0);
  constexpr std::size_t V = S / 2;
  __m128d acc[V];
  for (std::size_t v = 0; v < V; ++v) acc[v] = _mm_setzero_pd();
  const auto begin = W.off[l], end = W.off[l + 1];
  const double* base = opinion.data.data();
  const std::size_t stride = opinion.stride;
  if (W.unit()) {
    for (auto k = begin; k < end; ++k) {
      const double* oj =
          base + static_cast<std::size_t>(W.nbr[static_cast<std::size_t>(k)]) * stride;
      for (std::size_t v = 0; v < V; ++v) acc[v] = _mm_add_pd(acc[v], _mm_loadu_pd(oj + 2 * v));
    }
    const __m128d scale = _mm_set1_pd(end > begin ? 1.0 / static_cast<double>(end - begin) : 0.0);
    for (std::size_t v = 0; v < V; ++v) acc[v] = _mm_mul_pd(acc[v], scale);
  } else {
    for (auto k = begin; k < end; ++k) {
      const auto i = static_cast<std::size_t>(k);
      const double* oj = base + static_cast<std::size_t>(W.nbr[i]) * stride;
      const __m128d w = _mm_set1_pd(W.w[i]);
      for (std::size_t v = 0; v < V; ++v) {
        acc[v] = _mm_add_pd(acc[v], _mm_mul_pd(w, _mm_loadu_pd(oj + 2 * v)));
      }
    }
  }
  for (std::size_t v = 0; v < V; ++v) _mm_storeu_pd(heard + 2 * v, acc[v]);
}

// The same for any row length (rows longer than the kernels'), the same
// arithmetic.
void gather(const Csr& W, const Rows& opinion, std::size_t l, double* heard) {
  std::fill(heard, heard + opinion.stride, 0.0);
  const auto begin = W.off[l], end = W.off[l + 1];
  for (auto k = begin; k < end; ++k) {
    const double* oj = opinion.row(static_cast<std::size_t>(W.nbr[static_cast<std::size_t>(k)]));
    const double w = W.unit() ? 1.0 : W.w[static_cast<std::size_t>(k)];
    for (std::size_t p = 0; p < opinion.stride; ++p) heard[p] += W.unit() ? oj[p] : w * oj[p];
  }
  if (W.unit()) {
    const double scale = end > begin ? 1.0 / static_cast<double>(end - begin) : 0.0;
    for (std::size_t p = 0; p < opinion.stride; ++p) heard[p] *= scale;
  }
}

// One lab's opinion update from what it heard, over `len` values of its row:
// o <- (1-lambda) o + lambda (w_exp sat [x > threshold] + (1-w_exp) heard).
// `sat` is zero beyond P, so the padding stays zero. Inlined with a constant
// len into the kernels below.
[[gnu::always_inline]] inline void update_row(const NarrativeParams& n, const double* o,
                                              const double* xl, const double* heard,
                                              const double* sat, std::size_t len, double* out) {
  const double keep = 1.0 - n.lambda, lambda = n.lambda, w_exp = n.w_exp;
  const double w_heard = 1.0 - n.w_exp, threshold = n.experience_threshold;
  for (std::size_t p = 0; p < len; ++p) {
    const double experience = xl[p] > threshold ? sat[p] : 0.0;
    out[p] = keep * o[p] + lambda * (w_exp * experience + w_heard * heard[p]);
  }
}

// The synchronous update of every lab into `next`, on whole rows of S values
// (S = the row length, known at compile time).
template <std::size_t S>
CW_CLONES void update_opinions(const NarrativeParams& n, const Csr& W, const Rows& opinion,
                               const Rows& x, const double* sat, std::size_t labs, Rows& next) {
  for (std::size_t l = 0; l < labs; ++l) {
    std::array<double, S> heard;
    gather_fixed<S>(W, opinion, l, heard.data());
    update_row(n, opinion.row(l), x.row(l), heard.data(), sat, S, next.row(l));
  }
}

// The same for rows longer than the kernels'.
void update_opinions_any(const NarrativeParams& n, const Csr& W, const Rows& opinion, const Rows& x,
                         const double* sat, std::size_t labs, Rows& next) {
  std::array<double, kMaxProviders + 8> heard;
  for (std::size_t l = 0; l < labs; ++l) {
    gather(W, opinion, l, heard.data());
    update_row(n, opinion.row(l), x.row(l), heard.data(), sat, opinion.stride, next.row(l));
  }
}

// Bass diffusion on the influence graph: a lab still wholly on the outside
// option adopts provider p with hazard p_innov / (active providers) +
// q_imit * (share of its neighbours whose main provider is p), decided for
// every lab from the state at the start of the rule, then applied.
void contagion(const Scenario& s, State& st) {
  const std::size_t P = st.P;
  LabState& L = st.labs;
  const NarrativeParams& n = s.narrative;
  const auto seed = static_cast<std::uint64_t>(s.seed);
  const auto t = static_cast<std::uint64_t>(st.step);
  double active = 0;
  for (std::size_t p = 0; p < P; ++p) active += st.providers.active[p];
  if (active == 0) return;
  std::vector<std::pair<std::size_t, std::size_t>> adopt;
  std::array<double, kMaxProviders> h{};
  for (std::size_t l = 0; l < L.n; ++l) {
    if (L.x.at(l, P) < 1.0) continue;  // already adopted (in part)
    const auto begin = st.influence.off[l], end = st.influence.off[l + 1];
    const double deg = static_cast<double>(end - begin);
    double total = 0;
    for (std::size_t p = 0; p < P; ++p) {
      if (!st.providers.active[p]) {
        h[p] = 0;
        continue;
      }
      double on = 0;
      for (auto k = begin; k < end; ++k) {
        if (L.main_provider[static_cast<std::size_t>(st.influence.nbr[k])] ==
            static_cast<std::int32_t>(p)) {
          on += 1;
        }
      }
      h[p] = n.p_innov / active + (deg > 0 ? n.q_imit * on / deg : 0.0);
      total += h[p];
    }
    Draws r(seed, Stream::contagion, t, L.id[l]);
    const double u = r.uniform();
    if (u >= std::min(total, 1.0)) continue;
    // Which provider: by the hazards' shares.
    const double pick = r.uniform() * total;
    double acc = 0;
    std::size_t chosen = P - 1;
    for (std::size_t p = 0; p < P; ++p) {
      acc += h[p];
      if (pick < acc) {
        chosen = p;
        break;
      }
    }
    adopt.emplace_back(l, chosen);
  }
  if (!adopt.empty()) st.handoff.totals.step = -1;  // allocations moved after the capacity rule
  for (const auto& [l, p] : adopt) {
    double* x = L.x.row(l);
    std::fill(x, x + P + 1, 0.0);
    x[p] = 1.0;
    L.main_provider[l] = static_cast<std::int32_t>(p);
    if (st.log_events)
      st.log.push_back({"adoption", "", st.lab_name(l), s.providers[p].name, "", L.demand[l]});
  }
}

}  // namespace

CW_CLONES void rule_narrative(const Scenario& s, State& st, StepCounters& c) {
  if (!s.narrative.enabled) return;
  if (s.narrative.mode == NarrativeMode::contagion) {
    contagion(s, st);
    return;
  }
  const NarrativeParams& n = s.narrative;
  const std::size_t P = st.P;
  LabState& L = st.labs;
  ProviderState& Pv = st.providers;
  const auto seed = static_cast<std::uint64_t>(s.seed);
  const auto t = static_cast<std::uint64_t>(st.step);

  // Experience: sat_lp = 2 q_p fill_lp - 1, with this step's fill of lab l
  // at p (§4): the labs served first by p (partners_first, priority
  // capacity) have their own fill; the others share p's.
  std::array<double, kMaxProviders + 8> sat{}, sat_first{};
  for (std::size_t p = 0; p < P; ++p) {
    sat[p] = 2.0 * Pv.quality[p] * st.handoff.fill_other[p] - 1.0;
    sat_first[p] = 2.0 * Pv.quality[p] * st.handoff.fill_first[p] - 1.0;
  }

  // Opinions, synchronous (every lab reads the opinions of the step's start):
  // o_lp <- (1-lambda) o_lp + lambda (w_exp sat_lp [x_lp > threshold]
  //                                   + (1-w_exp) sum_j W_lj o_jp).
  Rows& next = st.scratch.rows;
  next.stride = st.pstride;
  next.data.resize(L.n * st.pstride);
  if (!with_row_length(st.pstride, [&]<std::size_t S>() {
        update_opinions<S>(n, st.influence, L.opinion, L.x, sat.data(), L.n, next);
      })) {
    update_opinions_any(n, st.influence, L.opinion, L.x, sat.data(), L.n, next);
  }
  // The labs served first by some provider: their rows again, with their
  // own experience of that provider (the same arithmetic, row by row).
  const auto& first = st.handoff.served_first;  // (slot, provider), sorted
  for (std::size_t i = 0; i < first.size();) {
    const std::size_t l = first[i].first;
    std::array<double, kMaxProviders + 8> own = sat, heard{};
    for (; i < first.size() && first[i].first == l; ++i)
      own[first[i].second] = sat_first[first[i].second];
    if (l >= L.n) continue;
    gather(st.influence, L.opinion, l, heard.data());
    update_row(n, L.opinion.row(l), L.x.row(l), heard.data(), own.data(), L.opinion.stride,
               next.row(l));
  }
  std::swap(L.opinion.data, next.data);

  // Walking out (SPEC §2.2 step 6): a lab whose opinion of a provider it
  // depends on (x_lp >= storm_dependence) fell below storm_opinion
  // re-evaluates at the next choice rule, whatever its renewal and
  // exclusivity, all the way (mu = 1); if it then moves theta or more off
  // p, that is a storm-off (below).
  for (std::size_t l = 0; l < L.n; ++l) {
    const double* x = L.x.row(l);
    const double* o = L.opinion.row(l);
    for (std::size_t p = 0; p < P; ++p) {
      if (Pv.active[p] && x[p] >= n.storm_dependence && o[p] < n.storm_opinion) {
        L.reevaluate[l] |= kWalkOut;
        break;
      }
    }
  }

  // Statements: with probability pi_l a lab speaks about the provider of its
  // most extreme opinion, if |o| reaches the threshold.
  st.handoff.statements.swap(st.handoff.pending_statements);
  st.handoff.pending_statements.clear();
  LabDraws speaks(seed, Stream::statements, t);
  const bool silent = L.outspokenness.uniform() && L.n > 0 && !(L.outspokenness[0] > 0);
  for (std::size_t l = 0; l < L.n && !silent; ++l) {
    if (L.outspokenness[l] <= 0) continue;
    if (speaks.uniform(L.id[l]) >= L.outspokenness[l]) continue;
    const double* o = L.opinion.row(l);
    std::size_t best = 0;
    for (std::size_t p = 1; p < P; ++p) {
      if (std::abs(o[p]) > std::abs(o[best])) best = p;
    }
    if (std::abs(o[best]) < n.statement_threshold || !Pv.active[best]) continue;
    const double sign = o[best] > 0 ? 1.0 : -1.0;
    st.handoff.statements.push_back({l, best, sign, L.prestige[l], false});
    if (st.log_events)
      st.log.push_back({sign > 0 ? "endorsement" : "criticism", "", st.lab_name(l),
                        s.providers[best].name, "", L.prestige[l]});
  }
  // Storm-offs: moved theta or more away from p this step with a negative
  // opinion of p: criticism with weight storm_amplification * v_l.
  for (const auto& [l, p] : st.handoff.moved_away) {
    if (l >= L.n || L.opinion.at(l, p) >= 0) continue;
    const double w = n.storm_amplification * L.prestige[l];
    st.handoff.statements.push_back({l, p, -1.0, w, true});
    st.log.push_back({"storm_off", "", st.lab_name(l), s.providers[p].name, "", w});
    ++c.storm_offs;
  }
  c.statements += static_cast<std::int64_t>(st.handoff.statements.size());

  // Reputation: r_p <- (1-rho) r_p + rho clamp(m_p + phi (ns_p - 1/P), -1, 1),
  // m_p = sum w stmt / (v_0 + sum w) over this step's statements about p,
  // ns_p = sum_l v_l x_lp / sum_l v_l.
  std::array<double, kMaxProviders> said{}, weight{}, ns{};
  for (const Statement& m : st.handoff.statements) {
    said[m.provider] += m.weight * m.sign;
    weight[m.provider] += m.weight;
  }
  double prestige = 0;
  if (st.handoff.totals.step == st.step) {  // summed by the capacity rule
    prestige = st.handoff.totals.prestige;
    for (std::size_t p = 0; p < P; ++p) ns[p] = st.handoff.totals.prestige_x[p];
  } else {
    for (std::size_t l = 0; l < L.n; ++l) {
      prestige += L.prestige[l];
      const double* x = L.x.row(l);
      for (std::size_t p = 0; p < P; ++p) ns[p] += L.prestige[l] * x[p];
    }
  }
  double active = 0;
  for (std::size_t p = 0; p < P; ++p) active += Pv.active[p];
  for (std::size_t p = 0; p < P; ++p) {
    if (!Pv.active[p]) continue;
    const double m = weight[p] > 0 ? said[p] / (n.inattention + weight[p]) : 0.0;
    const double share = prestige > 0 ? ns[p] / prestige : 0.0;
    const double target = std::clamp(m + n.phi * (share - 1.0 / active), -1.0, 1.0);
    Pv.reputation[p] = (1.0 - n.rho) * Pv.reputation[p] + n.rho * target;
  }
}

}  // namespace cw
