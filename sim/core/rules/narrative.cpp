// Step 6 (narrative). docs/MODEL.md §6.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/random.hpp"
#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/simd.hpp"

namespace cw {

namespace {

// Lanes of doubles for the row kernels below (core/simd.hpp): four when the
// row length allows, which the AVX2 clone does in one instruction and the
// x86-64 baseline in two SSE2 ones. Lane-wise adds, multiplies and
// comparisons are the scalar operations, in the same order, so the same bits
// as the general loops (GCC does not vectorise these short loops by itself).
template <std::size_t S>
struct Lanes {
  static constexpr std::size_t width = simd::kWidth<S>;
  using V = simd::Vec<width>;
  static constexpr std::size_t count = S / width;
  [[gnu::always_inline]] static void load(V& v, const double* p) { v = simd::load<width>(p); }
  [[gnu::always_inline]] static void store(double* p, const V& v) { simd::store<width>(p, v); }
};

// heard = sum_j W_lj o_j over the lab's neighbours, into `acc` (lanes), on
// whole padded rows of S values (zero beyond P), so that the inner loop
// vectorises; S known at compile time for the common row lengths. With unit
// weights (W_lj = 1/degree) the rows are summed and the sum scaled once.
// From the CSR's arrays (`w` null for unit weights) and the opinions'
// (`base`, `stride`), which the caller keeps in registers.
template <std::size_t S>
[[gnu::always_inline]] inline void gather_fixed(const std::int64_t* off, const std::int32_t* nbr,
                                                const double* w, const double* base,
                                                std::size_t stride, std::size_t l,
                                                typename Lanes<S>::V* acc) {
  static_assert(S % 2 == 0);
  using L = Lanes<S>;
  for (std::size_t v = 0; v < L::count; ++v) acc[v] = typename L::V{};
  const auto begin = off[l], end = off[l + 1];
  if (!w) {
    for (auto k = begin; k < end; ++k) {
      const double* oj = base + static_cast<std::size_t>(nbr[static_cast<std::size_t>(k)]) * stride;
      for (std::size_t v = 0; v < L::count; ++v) {
        typename L::V ov;
        L::load(ov, oj + L::width * v);
        acc[v] += ov;
      }
    }
    const double scale = end > begin ? 1.0 / static_cast<double>(end - begin) : 0.0;
    for (std::size_t v = 0; v < L::count; ++v) acc[v] *= scale;
  } else {
    for (auto k = begin; k < end; ++k) {
      const auto i = static_cast<std::size_t>(k);
      const double* oj = base + static_cast<std::size_t>(nbr[i]) * stride;
      const double wi = w[i];
      for (std::size_t v = 0; v < L::count; ++v) {
        typename L::V ov;
        L::load(ov, oj + L::width * v);
        acc[v] += wi * ov;
      }
    }
  }
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
// `sat` is zero beyond P, so the padding stays zero. The general path's;
// update_opinions<S> does the same on lanes.
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

// Walking out (SPEC §2.2 step 6): whether the lab depends on a provider in
// the market (x_lp >= storm_dependence) whose opinion `o` (the updated row)
// fell below storm_opinion. `live` is 1 for the providers in the market and
// 0 elsewhere (inactive providers, the outside option, the padding), over
// `len` values.
[[gnu::always_inline]] inline bool walks_out(const NarrativeParams& n, const double* xl,
                                             const double* o, const double* live, std::size_t len) {
  bool out = false;
  for (std::size_t p = 0; p < len; ++p) {
    out |= (live[p] != 0) & (xl[p] >= n.storm_dependence) & (o[p] < n.storm_opinion);
  }
  return out;
}

// The labs served first by some provider (`first`: (slot, provider) pairs,
// sorted) have their own experience of that provider: `own` is `sat` with
// sat_first at those providers. Returns the experience row of lab l, moving
// the cursor `i` past lab l's pairs.
[[gnu::always_inline]] inline const double* experience_of(
    std::size_t l, const std::pair<std::size_t, std::size_t>* first, std::size_t firsts,
    std::size_t& i, const double* sat, const double* sat_first, std::size_t len, double* own) {
  if (i >= firsts || first[i].first != l) return sat;
  std::copy(sat, sat + len, own);
  for (; i < firsts && first[i].first == l; ++i) own[first[i].second] = sat_first[first[i].second];
  return own;
}

// What the opinion update reads besides the rows: the experience rows, the
// labs served first, the providers in the market.
struct Experience {
  const double* sat;        // sat_p for the labs p shares its capacity among
  const double* sat_first;  // sat_p for the labs p serves first
  const std::vector<std::pair<std::size_t, std::size_t>>* first;  // (slot, provider), sorted
  const double* live;  // 1 for the providers in the market, else 0
};

// The synchronous update of every lab into `next`, on whole rows of S values
// (S = the row length, known at compile time), each lab with its own
// experience row (served first or not); the labs that walk out get
// kWalkOut.
template <std::size_t S>
CW_CLONES void update_opinions(const NarrativeParams& n, const Csr& W, const Rows& opinion,
                               const Rows& x, const Experience& e, std::size_t labs, Rows& next,
                               std::vector<std::uint8_t>& reevaluate) {
  // update_row() and walks_out() on lanes: the same operations lane by lane.
  using Ln = Lanes<S>;
  using V = typename Ln::V;
  const double keep = 1.0 - n.lambda, lambda = n.lambda, w_exp = n.w_exp;
  const double w_heard = 1.0 - n.w_exp, threshold = n.experience_threshold;
  const double dependence = n.storm_dependence, storm_opinion = n.storm_opinion;
  // The arrays in locals: the flag store below (a byte, which may alias
  // anything) would otherwise make every lab reload them.
  const std::int64_t* off = W.off.data();
  const std::int32_t* nbr = W.nbr.data();
  const double* w = W.unit() ? nullptr : W.w.data();
  const double* obase = opinion.data.data();
  const double* xbase = x.data.data();
  double* nbase = next.data.data();
  const std::size_t ostride = opinion.stride, xstride = x.stride, nstride = next.stride;
  std::uint8_t* flags = reevaluate.data();
  const auto* first = e.first->data();
  const std::size_t firsts = e.first->size();
  const double *sat_all = e.sat, *sat_first = e.sat_first, *live_p = e.live;
  std::size_t i = 0;  // cursor over the labs served first
  for (std::size_t l = 0; l < labs; ++l) {
    V heard[Ln::count];
    gather_fixed<S>(off, nbr, w, obase, ostride, l, heard);
    std::array<double, S> own;
    const double* sat = experience_of(l, first, firsts, i, sat_all, sat_first, S, own.data());
    const double* o = obase + l * ostride;
    const double* xl = xbase + l * xstride;
    double* out = nbase + l * nstride;
    bool walk = false;
    for (std::size_t v = 0; v < Ln::count; ++v) {
      const std::size_t at = Ln::width * v;
      V xv, sv, ov, live;
      Ln::load(xv, xl + at);
      Ln::load(sv, sat + at);
      Ln::load(ov, o + at);
      Ln::load(live, live_p + at);
      const V experience = xv > threshold ? sv : V{};
      const V updated = keep * ov + lambda * (w_exp * experience + w_heard * heard[v]);
      Ln::store(out + at, updated);
      const auto walks = (live != 0) & (xv >= dependence) & (updated < storm_opinion);
      for (std::size_t k = 0; k < Ln::width; ++k) walk |= walks[k] != 0;
    }
    if (walk) flags[l] |= kWalkOut;
  }
}

// The same for rows longer than the kernels'.
void update_opinions_any(const NarrativeParams& n, const Csr& W, const Rows& opinion, const Rows& x,
                         const Experience& e, std::size_t labs, Rows& next,
                         std::vector<std::uint8_t>& reevaluate) {
  std::array<double, kMaxProviders + 8> heard, own;
  std::size_t i = 0;
  for (std::size_t l = 0; l < labs; ++l) {
    gather(W, opinion, l, heard.data());
    const double* sat = experience_of(l, e.first->data(), e.first->size(), i, e.sat, e.sat_first,
                                      opinion.stride, own.data());
    update_row(n, opinion.row(l), x.row(l), heard.data(), sat, opinion.stride, next.row(l));
    if (walks_out(n, x.row(l), next.row(l), e.live, opinion.stride)) reevaluate[l] |= kWalkOut;
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
  //                                   + (1-w_exp) sum_j W_lj o_jp),
  // where the labs served first by some provider have their own experience
  // of that provider. Walking out (SPEC §2.2 step 6), in the same pass: a lab
  // whose new opinion of a provider it depends on (x_lp >= storm_dependence)
  // fell below storm_opinion re-evaluates at the next choice rule, whatever
  // its renewal and exclusivity, all the way (mu = 1); if it then moves theta
  // or more off p, that is a storm-off (below).
  std::array<double, kMaxProviders + 8> live{};
  for (std::size_t p = 0; p < P; ++p) live[p] = Pv.active[p] ? 1.0 : 0.0;
  const Experience e{sat.data(), sat_first.data(), &st.handoff.served_first, live.data()};
  Rows& next = st.scratch.rows;
  next.stride = st.pstride;
  next.data.resize(L.n * st.pstride);
  if (!with_row_length(st.pstride, [&]<std::size_t S>() CW_IN_CLONE {
        update_opinions<S>(n, st.influence, L.opinion, L.x, e, L.n, next, L.reevaluate);
      })) {
    update_opinions_any(n, st.influence, L.opinion, L.x, e, L.n, next, L.reevaluate);
  }
  std::swap(L.opinion.data, next.data);

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
