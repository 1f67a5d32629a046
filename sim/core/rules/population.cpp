// Step 1 (population) and the initial state. docs/MODEL.md §1.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/graph_generators.hpp"
#include "core/random.hpp"
#include "core/rules.hpp"
#include "core/rules/row_kernels.hpp"
#include "core/vmath.hpp"

namespace cw {

namespace {

void grow_rows(Rows& r, std::size_t n) { r.data.resize(n * r.stride, 0.0); }

// Appends one lab with every field drawn from its tier (stream lab_init,
// entity = lab id), then returns its slot.
std::size_t append_lab(const Scenario& s, State& st, std::size_t tier) {
  LabState& L = st.labs;
  const TierParams& t = s.labs.tiers[tier];
  const std::uint64_t lab_id = st.next_lab_id++;
  Draws r(static_cast<std::uint64_t>(s.seed), Stream::lab_init, 0, lab_id);
  L.id.push_back(lab_id);
  L.tier.push_back(static_cast<std::int32_t>(tier));
  // The lab fields in declaration order (lab_fields.hpp): changing the order
  // changes every result. A drawn value is clamped into the field's support.
  for_each_lab_column(L, [&](const auto& f, auto& column) {
    if constexpr (field_kind<decltype(f)> == LabFieldKind::count) {
      column.push_back(static_cast<std::int32_t>(t.*f.tier));
    } else {
      column.push_back(std::max(f.support.lo, std::min(r.draw(t.*f.tier), f.support.hi)));
    }
  });
  L.fresh.push_back(0);
  L.main_provider.push_back(-1);
  L.exclusive_until.push_back(-1);
  L.reevaluate.push_back(0);
  const std::size_t slot = L.n++;
  st.slot_by_id.resize(lab_id + 1, -1);
  st.slot_by_id[lab_id] = static_cast<std::int32_t>(slot);
  L.spend.push_back(0);
  for (Rows* rows : {&L.affinity, &L.x, &L.lock, &L.opinion, &L.credit}) {
    if (rows->allocated()) grow_rows(*rows, L.n);
  }
  for (const auto& [name, bonus] : t.affinity) {
    for (std::size_t p = 0; p < st.P; ++p) {
      if (s.providers[p].name == name && bonus != 0) {
        L.affinity.materialise(L.n);
        L.affinity.at(slot, p) = bonus;
      }
    }
  }
  return slot;
}

std::size_t tier_index(const Scenario& s, const std::string& name) {
  for (std::size_t i = 0; i < s.labs.tiers.size(); ++i) {
    if (s.labs.tiers[i].name == name) return i;
  }
  throw std::logic_error("unknown tier " + name);  // config validation prevents this
}

std::size_t provider_index(const Scenario& s, const std::string& name) {
  for (std::size_t i = 0; i < s.providers.size(); ++i) {
    if (s.providers[i].name == name) return i;
  }
  throw std::logic_error("unknown provider " + name);
}

// The initial allocation of a lab that just appeared.
void place_lab(const Scenario& s, State& st, std::size_t slot, const std::string& provider) {
  double* x = st.labs.x.row(slot);
  if (!provider.empty()) {
    x[provider_index(s, provider)] = 1.0;
  } else {
    switch (s.labs.initial) {
      case InitialAllocation::uniform: {
        double active = 0;
        for (std::size_t p = 0; p < st.P; ++p) active += st.providers.active[p];
        for (std::size_t p = 0; p < st.P; ++p) x[p] = st.providers.active[p] / active;
        break;
      }
      case InitialAllocation::outside:
        x[st.P] = 1.0;
        break;
      case InitialAllocation::choice:
        st.labs.fresh[slot] = 1;  // chooses in this step's choice rule, with mu = 1
        break;
    }
  }
  st.labs.main_provider[slot] = main_provider_of(x, st.P);
}

std::size_t append_named(const Scenario& s, State& st, std::size_t index) {
  const NamedLabParams& n = s.labs.named[index];
  const std::size_t slot = append_lab(s, st, tier_index(s, n.tier));
  LabState& L = st.labs;
  for_each_lab_column(L, [&](const auto& f, auto& column) {
    if (const std::optional<double>& value = n.*f.named) set_lab_value(column, slot, *value);
  });
  for (const auto& [name, bonus] : n.affinity) {
    if (bonus == 0 && !L.affinity.allocated()) continue;
    L.affinity.materialise(L.n);
    L.affinity.at(slot, provider_index(s, name)) = bonus;
  }
  st.lab_names[L.id[slot]] = n.name;
  return slot;
}

// Picks a tier by the tiers' fractions from one uniform.
std::size_t pick_tier(const Scenario& s, double u) {
  double acc = 0;
  for (std::size_t i = 0; i < s.labs.tiers.size(); ++i) {
    acc += s.labs.tiers[i].fraction;
    if (u < acc) return i;
  }
  return s.labs.tiers.size() - 1;
}

}  // namespace

void remove_labs(State& st, const std::vector<std::uint8_t>& keep) {
  LabState& L = st.labs;
  // The labs that leave, in slot (and id) order.
  std::vector<std::uint64_t> gone;
  for (std::size_t l = 0; l < L.n; ++l) {
    if (keep[l]) continue;
    if (st.log_events) st.log.push_back({"exit", "", st.lab_name(l), "", "", L.demand[l]});
    gone.push_back(L.id[l]);
    st.lab_names.erase(L.id[l]);
    st.slot_by_id[L.id[l]] = -1;
  }
  if (!gone.empty()) {
    std::sort(gone.begin(), gone.end());  // already sorted while ids follow slots
    const auto left = [&gone](std::uint64_t lab) {
      return std::binary_search(gone.begin(), gone.end(), lab);
    };
    std::erase_if(st.deals, [&left](const Deal& d) { return left(d.lab); });
    std::erase_if(st.contracts, [&left](const Contract& k) { return left(k.lab); });
  }
  // The runs of kept labs that move down: (to, from, count). A slot that
  // does not move keeps its slot_by_id.
  struct Run {
    std::size_t to, from, count;
  };
  std::vector<Run> runs;
  std::size_t out = 0;
  for (std::size_t l = 0; l < L.n;) {
    if (!keep[l]) {
      ++l;
      continue;
    }
    const std::size_t from = l;
    while (l < L.n && keep[l]) ++l;
    if (out != from) {
      runs.push_back({out, from, l - from});
      for (std::size_t k = from; k < l; ++k)
        st.slot_by_id[L.id[k]] = static_cast<std::int32_t>(out + (k - from));
    }
    out += l - from;
  }
  // Every column closes up run by run (runs in slot order, each moving down).
  L.for_each_array(
      [&](auto& v) {
        for (const Run& r : runs) move_slots_down(v, r.to, r.from, r.count);
        v.resize(out);
      },
      [&](Rows& rows) {
        if (rows.data.empty()) return;
        for (const Run& r : runs)
          std::copy(rows.row(r.from), rows.row(r.from + r.count), rows.row(r.to));
        rows.data.resize(out * rows.stride);
      });
  L.n = out;
  csr_remove(st.influence, keep);
}

std::size_t add_named_lab(const Scenario& s, State& st, std::size_t index) {
  std::vector<double> cumulative(st.labs.n);
  double acc = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    acc += attach_weight(st.labs.prestige[l], st.influence.degree(l));
    cumulative[l] = acc;
  }
  const std::size_t slot = append_named(s, st, index);
  place_lab(s, st, slot, s.labs.named[index].provider);
  std::vector<CsrEdge> added;
  attach_arrival(s, st, slot, cumulative, added);
  csr_append(st.influence, st.labs.n, added);
  st.log.push_back(
      {"entry", "", st.lab_name(slot), s.labs.named[index].provider, "", st.labs.demand[slot]});
  return slot;
}

State init_state(const Scenario& s) {
  State st;
  st.P = s.providers.size();
  st.stride = (st.P + 1 + 1) / 2 * 2;
  st.pstride = (st.P + 1) / 2 * 2;
  st.start_month = parse_year_month(s.start).value_or(0);
  st.labs.x.stride = st.stride;
  for (Rows* rows : {&st.labs.affinity, &st.labs.lock, &st.labs.opinion, &st.labs.credit}) {
    rows->stride = st.pstride;
  }
  st.labs.affinity.lazy = true;
  st.labs.credit.lazy = true;

  // Providers.
  ProviderState& Pv = st.providers;
  Pv.count = st.P;
  const double initial_labs = static_cast<double>(s.labs.count);
  for (const auto& p : s.providers) {
    for (const ProviderMirror& m : kProviderMirrors) {
      (Pv.*m.now).push_back(p.*m.param);
      if (m.at_start) (Pv.*m.at_start).push_back(p.*m.param);
    }
    Pv.price.push_back(p.price);
    Pv.log_price.push_back(vmath::log(p.price));
    double cap = kInf;
    if (p.capacity) cap = *p.capacity;
    if (p.capacity_per_lab) cap = *p.capacity_per_lab * initial_labs;
    Pv.capacity.push_back(cap);
    Pv.price0.push_back(p.price);
    Pv.price_level.push_back(1.0);
    Pv.cum_volume.push_back(p.learning_curve.initial_volume);
    Pv.background.push_back(p.background.revenue);
    Pv.pipeline.emplace_back(static_cast<std::size_t>(p.capacity_lead_time), 0.0);
    Pv.active.push_back(p.active ? 1 : 0);
    Pv.outage_until.push_back(0);
  }
  for (auto* v : {&Pv.budget, &Pv.credits_given, &Pv.credits_spent, &Pv.revenue_won,
                  &Pv.outage_fraction, &Pv.partners}) {
    v->assign(st.P, 0.0);
  }
  for (auto* v : {&Pv.requested, &Pv.served, &Pv.ai_revenue, &Pv.revenue, &Pv.profit,
                  &Pv.labs_using, &Pv.narrative_share, &Pv.price_charged, &Pv.quality_offered,
                  &Pv.capacity_offered, &Pv.lerner}) {
    v->assign(st.P, 0.0);
  }

  // Room for the initial labs at once: growing the arrays lab by lab would
  // leave them up to twice as large as needed.
  {
    const auto n = static_cast<std::size_t>(s.labs.count);
    st.labs.for_each_array([n](auto& v) { v.reserve(n); },
                           [n](Rows& r) {
                             if (r.allocated()) r.data.reserve(n * r.stride);
                           });
  }

  // Labs: named labs present at start take the first ids, then generated
  // labs by tier (largest-remainder counts; each named lab stands in for one
  // generated lab of its tier).
  const auto start = st.start_month;
  std::vector<std::int64_t> per_tier(s.labs.tiers.size(), 0);
  {
    std::vector<std::pair<double, std::size_t>> remainders;
    std::int64_t assigned = 0;
    for (std::size_t i = 0; i < s.labs.tiers.size(); ++i) {
      const double exact = s.labs.tiers[i].fraction * initial_labs;
      per_tier[i] = static_cast<std::int64_t>(std::floor(exact));
      assigned += per_tier[i];
      remainders.emplace_back(-(exact - std::floor(exact)), i);
    }
    std::sort(remainders.begin(), remainders.end());
    for (std::size_t k = 0; assigned < s.labs.count && k < remainders.size(); ++k, ++assigned) {
      ++per_tier[remainders[k].second];
    }
  }
  std::vector<std::pair<std::size_t, std::string>> named_placement;
  for (std::size_t i = 0; i < s.labs.named.size(); ++i) {
    const auto& n = s.labs.named[i];
    if (!n.present) continue;  // appears with an add_lab event
    std::int64_t when = start;
    if (!n.arrive.empty()) when = parse_year_month(n.arrive).value_or(start);
    if (when > start) {
      st.pending_named.emplace_back(when - start, i);
      continue;
    }
    const std::size_t slot = append_named(s, st, i);
    named_placement.emplace_back(slot, n.provider);
    auto& left = per_tier[static_cast<std::size_t>(st.labs.tier[slot])];
    if (left > 0) {
      --left;
    } else {
      // The tier is used up: take the slot from the largest tier left.
      auto it = std::max_element(per_tier.begin(), per_tier.end());
      if (*it > 0) --*it;
    }
  }
  std::sort(st.pending_named.begin(), st.pending_named.end());
  for (std::size_t t = 0; t < s.labs.tiers.size(); ++t) {
    for (std::int64_t k = 0; k < per_tier[t]; ++k) append_lab(s, st, t);
  }
  for (const auto& [slot, provider] : named_placement) place_lab(s, st, slot, provider);
  for (std::size_t slot = 0; slot < st.labs.n; ++slot) {
    if (!st.lab_names.count(st.labs.id[slot])) place_lab(s, st, slot, "");
  }

  st.influence = generate_influence(s, st);
  return st;
}

CW_CLONES void rule_population(const Scenario& s, State& st, StepCounters& c) {
  LabState& L = st.labs;
  const auto seed = static_cast<std::uint64_t>(s.seed);
  const auto t = static_cast<std::uint64_t>(st.step);

  // Demand growth, from step 1 on (step 0 starts from the initial demand, as
  // background revenue does).
  // In batches: the shocks' Box-Muller pairs and the exponentials are
  // computed over arrays (vectorised), the same bits as one lab at a time.
  if (st.step > 0) {
    LabDraws shocks(seed, Stream::demand, t);
    const bool volatile_ = !(L.volatility.uniform() && L.n > 0 && !(L.volatility[0] > 0));
    constexpr std::size_t B = LabDraws::kBatch;
    std::array<double, B> z{}, e;
    for (std::size_t base = 0; base < L.n; base += B) {
      const std::size_t m = std::min(B, L.n - base);
      if (volatile_) shocks.normals(&L.id[base], m, z.data());
      for (std::size_t i = 0; i < m; ++i) {
        const std::size_t l = base + i;
        e[i] = L.growth[l] + L.volatility[l] * (L.volatility[l] > 0 ? z[i] : 0.0);
      }
      vmath::exp(e.data(), e.data(), m);
      for (std::size_t i = 0; i < m; ++i) L.demand[base + i] *= e[i];
    }
  }
  for (std::size_t p = 0; p < st.P; ++p) {
    if (st.step > 0) st.providers.background[p] *= vmath::exp(s.providers[p].background.growth);
  }

  // Exits: decided for every lab, then applied at once.
  std::vector<std::uint8_t> keep;  // allocated at the first exit
  std::size_t exits = 0;
  LabDraws exit_draws(seed, Stream::exits, t);
  const bool no_exits = L.exit_hazard.uniform() && L.n > 0 && !(L.exit_hazard[0] > 0);
  for (std::size_t l = 0; l < L.n && !no_exits; ++l) {
    if (L.exit_hazard[l] <= 0) continue;
    if (exit_draws.uniform(L.id[l]) < L.exit_hazard[l]) {
      if (keep.empty()) keep.assign(L.n, 1);
      keep[l] = 0;
      ++exits;
    }
  }
  if (exits > 0) {
    remove_labs(st, keep);
    c.exits = static_cast<std::int64_t>(exits);
  }

  // Arrivals of generated labs, then named labs due this step.
  std::int64_t arrivals = 0;
  const ArrivalParams& a = s.labs.arrivals;
  Draws ra(seed, Stream::arrivals, t, 0);
  switch (a.process) {
    case ArrivalProcess::none:
      break;
    case ArrivalProcess::poisson:
      arrivals = ra.poisson(a.rate);
      break;
    case ArrivalProcess::fixed: {
      // floor((t+1) r) - floor(t r): exactly r per step in the long run.
      const double t0 = static_cast<double>(st.step);
      arrivals = static_cast<std::int64_t>(std::floor((t0 + 1) * a.rate) - std::floor(t0 * a.rate));
      break;
    }
  }
  std::vector<std::size_t> new_slots;
  std::vector<std::string> new_provider;
  for (std::int64_t k = 0; k < arrivals; ++k) {
    new_slots.push_back(append_lab(s, st, pick_tier(s, ra.uniform())));
    new_provider.emplace_back();
  }
  while (!st.pending_named.empty() && st.pending_named.front().first <= st.step) {
    const std::size_t idx = st.pending_named.front().second;
    st.pending_named.erase(st.pending_named.begin());
    new_slots.push_back(append_named(s, st, idx));
    new_provider.push_back(s.labs.named[idx].provider);
  }
  if (!new_slots.empty()) {
    // Attachment weights over the labs present before this step's arrivals.
    const std::size_t before = new_slots.front();
    std::vector<double> cumulative(before);
    double acc = 0;
    for (std::size_t l = 0; l < before; ++l) {
      acc += attach_weight(L.prestige[l], st.influence.degree(l));
      cumulative[l] = acc;
    }
    std::vector<CsrEdge> added;
    const auto links = std::clamp<std::int64_t>(s.network.m, 0, static_cast<std::int64_t>(L.n));
    added.reserve(2 * static_cast<std::size_t>(links) * new_slots.size());
    for (std::size_t k = 0; k < new_slots.size(); ++k) {
      place_lab(s, st, new_slots[k], new_provider[k]);
      attach_arrival(s, st, new_slots[k], cumulative, added);
      if (st.log_events)
        st.log.push_back(
            {"entry", "", st.lab_name(new_slots[k]), new_provider[k], "", L.demand[new_slots[k]]});
    }
    c.arrivals = static_cast<std::int64_t>(new_slots.size());
    csr_append(st.influence, L.n, added);
  }
}

}  // namespace cw
