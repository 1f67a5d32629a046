// Step 8 (scheduled events). docs/MODEL.md §8.
#include <algorithm>
#include <cmath>

#include "core/param_path.hpp"
#include "core/rules.hpp"
#include "core/vmath.hpp"

namespace cw {

std::int64_t event_step(const Scenario& s, const EventParams& e) {
  if (e.step) return static_cast<std::int64_t>(*e.step);
  const auto when = parse_year_month(e.date);
  const auto start = parse_year_month(s.start);
  return when && start ? *when - *start : -1;
}

namespace {

std::size_t provider_index(const Scenario& s, const std::string& name) {
  for (std::size_t p = 0; p < s.providers.size(); ++p) {
    if (s.providers[p].name == name) return p;
  }
  return s.providers.size();
}

// After a `set` event on provider fields: the provider's current state
// follows the new parameters (only the fields that changed): the mirrored
// ones of kProviderMirrors (state.hpp), and four with a rule of their own.
void sync_providers(const std::vector<ProviderParams>& before, const Scenario& s, State& st) {
  ProviderState& Pv = st.providers;
  for (std::size_t p = 0; p < s.providers.size(); ++p) {
    const ProviderParams& a = before[p];
    const ProviderParams& b = s.providers[p];
    if (a.price != b.price) {
      Pv.price0[p] = b.price;
      Pv.price_level[p] = 1.0;
      Pv.price[p] = b.price;
      Pv.log_price[p] = vmath::log(b.price);
    }
    for (const ProviderMirror& m : kProviderMirrors) {
      if (a.*m.param == b.*m.param) continue;
      (Pv.*m.now)[p] = b.*m.param;
      if (m.at_start) (Pv.*m.at_start)[p] = b.*m.param;
    }
    if (a.capacity != b.capacity && b.capacity) Pv.capacity[p] = *b.capacity;
    if (a.background.revenue != b.background.revenue) Pv.background[p] = b.background.revenue;
    if (a.active != b.active) Pv.active[p] = b.active ? 1 : 0;
  }
}

// After a `set` event on a named lab: a lab already in the market takes the
// new value (fields that changed only).
void sync_named_labs(const std::vector<NamedLabParams>& before, const Scenario& s, State& st) {
  LabState& L = st.labs;
  for (std::size_t i = 0; i < s.labs.named.size() && i < before.size(); ++i) {
    const NamedLabParams& a = before[i];
    const NamedLabParams& b = s.labs.named[i];
    const std::int64_t slot = st.slot_of_named(b.name);
    if (slot < 0) continue;
    const auto l = static_cast<std::size_t>(slot);
    for_each_lab_column(L, [&](const auto& f, auto& column) {
      const std::optional<double>& now = b.*f.named;
      if (now && a.*f.named != now) set_lab_value(column, l, *now);
    });
    if (a.affinity != b.affinity) {
      for (const auto& [name, bonus] : b.affinity) {
        for (std::size_t p = 0; p < s.providers.size(); ++p) {
          if (s.providers[p].name != name) continue;
          L.affinity.materialise(L.n);
          L.affinity.at(l, p) = bonus;
        }
      }
    }
  }
}

// Moves the lab's allocation off provider p (it left the market).
void evict(const Scenario& s, State& st, std::size_t slot, std::size_t p) {
  double* x = st.labs.x.row(slot);
  if (x[p] <= 0) return;
  x[p] = 0;
  double rest = 0;
  for (std::size_t q = 0; q <= st.P; ++q) rest += x[q];
  if (rest > 0) {
    for (std::size_t q = 0; q <= st.P; ++q) x[q] /= rest;
  } else if (s.outside.enabled) {
    x[st.P] = 1.0;
  } else {
    double active = 0;
    for (std::size_t q = 0; q < st.P; ++q) active += st.providers.active[q];
    for (std::size_t q = 0; q < st.P; ++q) x[q] = active > 0 ? st.providers.active[q] / active : 0;
  }
  st.labs.reevaluate[slot] |= kReevaluate;
  if (st.labs.exclusive_until[slot] > st.step) st.labs.exclusive_until[slot] = st.step;
}

}  // namespace

void rule_events(Scenario& s, State& st, StepCounters& c) {
  const std::size_t P = st.P;
  LabState& L = st.labs;
  ProviderState& Pv = st.providers;
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    if (!s.events[i].enabled || event_step(s, s.events[i]) != st.step) continue;
    const EventParams e = s.events[i];  // a copy: a set event may change s
    const std::size_t p = provider_index(s, e.provider);
    const std::int64_t slot = e.lab.empty() ? -1 : st.slot_of_named(e.lab);
    const std::string type(kEventTypeNames[static_cast<std::size_t>(e.type)]);
    double magnitude = 0;
    // Events about a lab that is not (or no longer) in the market are logged
    // as skipped, with magnitude 0.
    const bool needs_lab = e.type == EventType::deal || e.type == EventType::capacity_contract ||
                           e.type == EventType::switch_ || e.type == EventType::end_exclusivity ||
                           e.type == EventType::remove_lab;
    if (needs_lab && slot < 0) {
      st.log.push_back({type + "_skipped", e.name, e.lab, e.provider, "", 0});
      continue;
    }
    const auto l = static_cast<std::size_t>(slot);
    switch (e.type) {
      case EventType::set: {
        const std::vector<ProviderParams> before = s.providers;
        const std::vector<NamedLabParams> named_before = s.labs.named;
        set_parameter(s, e.path, e.value);
        sync_providers(before, s, st);
        sync_named_labs(named_before, s, st);
        st.log.push_back({type, e.name, "", "", e.path, 0});
        continue;
      }
      case EventType::deal:
        // The credits' value, as for courting; the headline amount is logged.
        accept_deal(s, st, p, l, e.credit, e.credit_steps, e.exclusivity_steps, e.priority,
                    e.credit * Pv.price[p] * L.demand[l] * static_cast<double>(e.credit_steps),
                    e.equity, e.name, e.amount, c);
        // Dedicated capacity joins the pipeline beside this step's capex (the
        // provider rule ran earlier in the step): available after the lead time.
        if (e.capacity > 0 && std::isfinite(Pv.capacity[p])) {
          auto& pipe = Pv.pipeline[p];
          (pipe.empty() ? Pv.capacity[p] : pipe.back()) += e.capacity;
        }
        continue;  // accept_deal logs it
      case EventType::capacity_contract:
        // In force in the next `steps` steps (the event fires at the end of this one).
        st.contracts.push_back({L.id[l], p, e.volume, st.step + 1 + e.steps});
        magnitude = e.volume;
        break;
      case EventType::switch_: {
        double* x = L.x.row(l);
        const std::size_t from = e.from.empty() ? P : provider_index(s, e.from);
        double moved = 0;
        if (from < P) {
          moved = std::min(e.share, x[from]);
          x[from] -= moved;
        } else {
          // From every other option, pro rata.
          const double others = 1.0 - x[p];
          moved = e.share * others;
          const double keep = others > 0 ? (others - moved) / others : 0.0;
          for (std::size_t q = 0; q <= P; ++q) {
            if (q != p) x[q] *= keep;
          }
        }
        x[p] += moved;
        magnitude = moved;
        // The main provider follows now, so the choice rule does not count
        // this move again as an organic switch.
        const std::int32_t main_before = L.main_provider[l];
        L.main_provider[l] = main_provider_of(x, P);
        if (main_before >= 0 && L.main_provider[l] >= 0 && main_before != L.main_provider[l]) {
          ++c.switches;
        }
        // The provider left: the one named, else the lab's main provider before.
        const std::int32_t left = from < P ? static_cast<std::int32_t>(from) : main_before;
        if (e.public_ && left >= 0 && static_cast<std::size_t>(left) != p) {
          const double w = s.narrative.storm_amplification * L.prestige[l];
          st.handoff.pending_statements.push_back(
              {l, static_cast<std::size_t>(left), -1.0, w, true});
          st.log.push_back({"storm_off", e.name, e.lab,
                            s.providers[static_cast<std::size_t>(left)].name, e.provider, w});
          ++c.storm_offs;
        }
        st.log.push_back({type, e.name, e.lab, e.provider,
                          left >= 0 ? s.providers[static_cast<std::size_t>(left)].name : "",
                          magnitude});
        continue;
      }
      case EventType::end_exclusivity:
        for (Deal& d : st.deals) {
          if (d.provider == p && d.lab == L.id[l])
            d.exclusive_end = std::min(d.exclusive_end, st.step);
        }
        L.exclusive_until[l] = std::min(L.exclusive_until[l], st.step);
        L.reevaluate[l] |= kReevaluate;  // free again: it reconsiders in the next choice
        break;
      case EventType::add_provider:
        Pv.active[p] = 1;
        break;
      case EventType::remove_provider:
        Pv.active[p] = 0;
        for (std::size_t k = 0; k < L.n; ++k) evict(s, st, k, p);
        for (const Deal& d : st.deals) {
          const std::int64_t ds = st.slot_of(d.lab);
          if (d.provider == p && ds >= 0) {
            if (!L.credit.data.empty()) L.credit.at(static_cast<std::size_t>(ds), p) = 0.0;
          }
        }
        std::erase_if(st.deals, [p](const Deal& d) { return d.provider == p; });
        std::erase_if(st.contracts, [p](const Contract& k) { return k.provider == p; });
        break;
      case EventType::add_lab: {
        if (st.slot_of_named(e.lab) >= 0) break;  // already in the market
        for (std::size_t k = 0; k < s.labs.named.size(); ++k) {
          if (s.labs.named[k].name == e.lab) add_named_lab(s, st, k);
        }
        break;
      }
      case EventType::remove_lab: {
        std::vector<std::uint8_t> keep(L.n, 1);
        keep[l] = 0;
        remove_labs(st, keep);
        break;
      }
      case EventType::reputation_shock:
        Pv.reputation[p] = std::clamp(Pv.reputation[p] + e.delta, -1.0, 1.0);
        magnitude = e.delta;
        break;
      case EventType::capacity_outage:
        Pv.outage_fraction[p] = e.fraction;
        Pv.outage_until[p] = st.step + e.steps;
        magnitude = e.fraction;
        break;
    }
    st.log.push_back({type, e.name, e.lab, e.provider, "", magnitude});
  }
}

}  // namespace cw
