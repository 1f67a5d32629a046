// Cross-field checks of a scenario (check_scenario), one function per
// section, and the checks of `set` events against what the run will do.
// Each field's own bounds are checked where it is read (sim/config, --set);
// these are the checks no single field can make.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/columns.hpp"
#include "core/param_path.hpp"
#include "core/params.hpp"
#include "core/rules.hpp"
#include "core/suggest.hpp"
#include "core/text_check.hpp"

namespace cw {

namespace {

void check_dist(const Dist& d, const std::string& path, std::vector<Problem>& out) {
  auto bad = [&](const char* field, const std::string& msg, double got) {
    out.push_back({path + "." + field, msg, fmt::format("{}", got)});
  };
  // Parameters of other families must keep their defaults: `{dist: normal,
  // low: 1}` is a mistake, not a silent no-op.
  static const Dist defaults;
  struct Field {
    const char* name;
    double Dist::*member;
    unsigned kinds;  // bit k: used by DistKind k
  };
  static constexpr unsigned kFixed = 1u << 0, kUniform = 1u << 1, kNormal = 1u << 2,
                            kLognormal = 1u << 3, kPareto = 1u << 4, kLomax = 1u << 5;
  static constexpr Field kFields[] = {{"value", &Dist::value, kFixed},
                                      {"low", &Dist::low, kUniform},
                                      {"high", &Dist::high, kUniform},
                                      {"mean", &Dist::mean, kNormal},
                                      {"sd", &Dist::sd, kNormal},
                                      {"mu", &Dist::mu, kLognormal},
                                      {"sigma", &Dist::sigma, kLognormal},
                                      {"shape", &Dist::shape, kPareto | kLomax},
                                      {"scale", &Dist::scale, kPareto | kLomax}};
  const unsigned kind_bit = 1u << static_cast<unsigned>(d.kind);
  for (const auto& f : kFields) {
    if (!(f.kinds & kind_bit) && d.*f.member != defaults.*f.member) {
      std::string takes;
      for (const auto& g : kFields) {
        if (g.kinds & kind_bit) takes += (takes.empty() ? "" : ", ") + std::string(g.name);
      }
      bad(f.name,
          fmt::format("is not a parameter of {} (it takes {})",
                      kDistKindNames[static_cast<std::size_t>(d.kind)], takes),
          d.*f.member);
    }
  }
  switch (d.kind) {
    case DistKind::fixed:
    case DistKind::normal:
    case DistKind::lognormal:
    case DistKind::pareto:
    case DistKind::lomax:
      break;
    case DistKind::uniform:
      if (!(d.low <= d.high)) bad("high", fmt::format("must be >= low ({})", d.low), d.high);
      break;
  }
  if (!(d.min <= d.max)) bad("max", fmt::format("must be >= min ({})", d.min), d.max);
}

void check_dist_support(const Dist& d, const std::string& path, Bounds support,
                        std::vector<Problem>& out) {
  // Every possible draw must lie inside the field's support: check the
  // distribution's range after offset and clamping.
  double lo = -kInf, hi = kInf;
  switch (d.kind) {
    case DistKind::fixed:
      lo = hi = d.value;
      break;
    case DistKind::uniform:
      lo = d.low;
      hi = d.high;
      break;
    case DistKind::normal:
      if (d.sd == 0) lo = hi = d.mean;
      break;
    case DistKind::lognormal:
      lo = 0;
      break;
    case DistKind::pareto:
      lo = d.scale;
      break;
    case DistKind::lomax:
      lo = 0;
      break;
  }
  lo = std::max(lo + d.offset, d.min);
  hi = std::min(hi + d.offset, d.max);
  if (!support.contains(lo) || !support.contains(hi)) {
    out.push_back({path,
                   fmt::format("draws {} (support [{}, {}]; use min/max to clamp)",
                               support.describe(), lo, hi),
                   ""});
  }
}

template <class T, class F>
void check_unique(const std::vector<T>& items, F name_of, const std::string& list_path,
                  std::vector<Problem>& out) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string name = name_of(items[i]);
    if (name.empty()) {
      out.push_back({fmt::format("{}[{}].name", list_path, i), "must not be empty", ""});
    } else if (!seen.insert(name).second) {
      out.push_back({fmt::format("{}[{}].name", list_path, i), "duplicate name", name});
    }
  }
}

// The names a check can refer to, with the lists "did you mean" picks from.
struct Names {
  std::set<std::string> providers, tiers, labs;
  std::vector<std::string> provider_list, tier_list, lab_list;

  explicit Names(const Scenario& s) {
    for (const auto& p : s.providers) {
      providers.insert(p.name);
      provider_list.push_back(p.name);
    }
    for (const auto& t : s.labs.tiers) {
      tiers.insert(t.name);
      tier_list.push_back(t.name);
    }
    for (const auto& l : s.labs.named) {
      labs.insert(l.name);
      lab_list.push_back(l.name);
    }
  }
  std::string no_provider(const std::string& name) const {
    return "no provider of that name" + did_you_mean(name, provider_list);
  }
};

void check_providers(const Scenario& s, std::vector<Problem>& out) {
  check_unique(
      s.providers, [](const ProviderParams& p) { return p.name; }, "providers", out);
  if (s.providers.size() > kMaxProviders) {
    out.push_back({"providers", fmt::format("at most {} providers", kMaxProviders),
                   fmt::format("{}", s.providers.size())});
  }
  if (s.labs.initial == InitialAllocation::outside && !s.outside.enabled) {
    out.push_back(
        {"labs.initial", "outside needs outside.enabled: true", "outside", {"outside.enabled"}});
  }
  for (std::size_t i = 0; i < s.providers.size(); ++i) {
    const auto& p = s.providers[i];
    const std::string path = fmt::format("providers[{}]", i);
    if (p.capacity && p.capacity_per_lab) {
      out.push_back(
          {path + ".capacity_per_lab", "give capacity or capacity_per_lab, not both", ""});
    }
    if (p.investment.budget_cap < p.investment.budget && p.investment.budget > 0) {
      out.push_back({path + ".investment.budget_cap",
                     "must be >= budget",
                     fmt::format("{}", p.investment.budget_cap),
                     {path + ".investment.budget"}});
    }
  }
}

// Every lab field's distribution (lab_fields.hpp) fits its family and draws
// inside the field's support; affinities name providers; fractions sum to 1.
void check_tiers(const Scenario& s, const Names& names, std::vector<Problem>& out) {
  check_unique(
      s.labs.tiers, [](const TierParams& t) { return t.name; }, "labs.tiers", out);
  double fraction_sum = 0;
  for (std::size_t i = 0; i < s.labs.tiers.size(); ++i) {
    const auto& t = s.labs.tiers[i];
    fraction_sum += t.fraction;
    const std::string path = fmt::format("labs.tiers[{}]", i);
    for_each_lab_param([&](const auto& f) {
      if constexpr (field_kind<decltype(f)> != LabFieldKind::count) {
        check_dist(t.*f.tier, path + "." + std::string(f.key), out);
      }
    });
    for_each_lab_param([&](const auto& f) {
      if constexpr (field_kind<decltype(f)> != LabFieldKind::count) {
        if (std::isfinite(f.support.lo) || std::isfinite(f.support.hi)) {
          check_dist_support(t.*f.tier, path + "." + std::string(f.key), f.support, out);
        }
      }
    });
    for (const auto& [name, bonus] : t.affinity) {
      if (!names.providers.count(name)) {
        out.push_back({path + ".affinity." + name, names.no_provider(name), name});
      }
    }
  }
  if (!s.labs.tiers.empty() && std::abs(fraction_sum - 1.0) > 1e-9) {
    std::vector<std::string> inputs;
    for (std::size_t i = 0; i < s.labs.tiers.size(); ++i) {
      inputs.push_back(fmt::format("labs.tiers[{}].fraction", i));
    }
    out.push_back(
        {"labs.tiers", "fractions must sum to 1", fmt::format("{}", fraction_sum), inputs});
  }
}

void check_named_labs(const Scenario& s, const Names& names, std::optional<std::int64_t> start,
                      std::vector<Problem>& out) {
  check_unique(
      s.labs.named, [](const NamedLabParams& l) { return l.name; }, "labs.named", out);
  std::int64_t named_at_start = 0;
  for (std::size_t i = 0; i < s.labs.named.size(); ++i) {
    const auto& l = s.labs.named[i];
    const std::string path = fmt::format("labs.named[{}]", i);
    if (!names.tiers.count(l.tier)) {
      out.push_back(
          {path + ".tier", "no tier of that name" + did_you_mean(l.tier, names.tier_list), l.tier});
    }
    if (!l.provider.empty() && !names.providers.count(l.provider)) {
      out.push_back({path + ".provider", names.no_provider(l.provider), l.provider});
    }
    for (const auto& [name, value] : l.affinity) {
      if (!names.providers.count(name)) {
        out.push_back({path + ".affinity." + name, names.no_provider(name), name});
      }
    }
    for_each_lab_param([&](const auto& f) {
      const std::optional<double>& value = l.*f.named;
      if constexpr (field_kind<decltype(f)> == LabFieldKind::count) {
        if (value && *value != std::floor(*value)) {
          out.push_back({path + "." + std::string(f.key), "must be a whole number",
                         fmt::format("{}", *value)});
        }
      }
    });
    bool at_start = true;
    if (!l.arrive.empty()) {
      const auto when = parse_year_month(l.arrive);
      if (!when) {
        out.push_back({path + ".arrive", "must be a date YYYY-MM", l.arrive});
      } else if (start && *when >= *start + s.steps) {
        out.push_back({path + ".arrive",
                       fmt::format("is after the horizon (last step {})",
                                   format_year_month(*start + s.steps - 1)),
                       l.arrive,
                       {"start", "steps"}});
      } else if (start && *when > *start) {
        at_start = false;
      }
    }
    if (at_start && l.present) ++named_at_start;
  }
  if (named_at_start > s.labs.count) {
    out.push_back(
        {"labs.count",
         fmt::format("must be at least the {} named labs present at start", named_at_start),
         fmt::format("{}", s.labs.count),
         {"labs.named", "start"}});
  }
}

void check_population(const Scenario& s, std::vector<Problem>& out) {
  const bool anyone_arrives =
      s.labs.arrivals.process != ArrivalProcess::none && s.labs.arrivals.rate > 0;
  if (s.labs.count == 0 && !anyone_arrives && s.labs.named.empty()) {
    out.push_back({"labs.count",
                   "the market never has a lab: set count > 0 or arrivals",
                   "0",
                   {"labs.arrivals", "labs.named"}});
  }
  if (s.labs.arrivals.process != ArrivalProcess::none && s.labs.arrivals.rate <= 0) {
    out.push_back({"labs.arrivals.rate", "must be > 0 when an arrival process is set", "0"});
  }
}

void check_network_and_output(const Scenario& s, std::vector<Problem>& out) {
  if (s.network.generator == GraphGenerator::watts_strogatz && s.network.k % 2 != 0) {
    out.push_back({"network.k", "must be even", fmt::format("{}", s.network.k)});
  }
  if (s.network.generator == GraphGenerator::edge_list && s.network.file.empty()) {
    out.push_back({"network.file", "is required by generator edge_list", ""});
  }
  for (std::size_t i = 0; i < s.output.graph_steps.size(); ++i) {
    if (s.output.graph_steps[i] >= s.steps) {
      out.push_back({fmt::format("output.graph_steps[{}]", i),
                     fmt::format("must be < steps ({})", s.steps),
                     fmt::format("{}", s.output.graph_steps[i]),
                     {"steps"}});
    }
  }
}

// What each event type needs: a provider, a lab, and may it name `from`.
struct EventNeeds {
  bool provider = false;
  bool lab = false;
  bool from = false;  // optional
};
constexpr EventNeeds needs_of(EventType type) {
  switch (type) {
    case EventType::set:
      return {};
    case EventType::deal:
    case EventType::capacity_contract:
    case EventType::end_exclusivity:
      return {true, true, false};
    case EventType::switch_:
      return {true, true, true};
    case EventType::add_provider:
    case EventType::remove_provider:
    case EventType::reputation_shock:
    case EventType::capacity_outage:
      return {true, false, false};
    case EventType::add_lab:
    case EventType::remove_lab:
      return {false, true, false};
  }
  return {};
}

// When the event fires: a date in the horizon, or a whole step below steps.
void check_event_time(const Scenario& s, const EventParams& e, const std::string& path,
                      std::optional<std::int64_t> start, std::vector<Problem>& out) {
  const bool has_date = !e.date.empty();
  if (has_date == e.step.has_value()) {
    out.push_back({path, "give a date or a step (one of them)", ""});
  } else if (has_date) {
    const auto when = parse_year_month(e.date);
    if (!when) {
      out.push_back({path + ".date", "must be a date YYYY-MM", e.date});
    } else if (start && (*when < *start || *when >= *start + s.steps)) {
      out.push_back({path + ".date",
                     fmt::format("is outside the horizon ({} to {})", s.start,
                                 format_year_month(*start + s.steps - 1)),
                     e.date,
                     {"start", "steps"}});
    }
  } else if (*e.step != std::floor(*e.step) || *e.step >= static_cast<double>(s.steps)) {
    out.push_back({path + ".step",
                   fmt::format("must be a whole step below steps ({})", s.steps),
                   fmt::format("{}", *e.step),
                   {"steps"}});
  }
}

// A set event's own path and value: the path exists, the value fits it, and
// the parameter may change during a run.
void check_set_event(const Scenario& s, const EventParams& e, const std::string& path,
                     std::vector<Problem>& out) {
  if (e.path.empty()) {
    out.push_back({path + ".path", "is required by set", ""});
    return;
  }
  try {
    if (parameter_mid_run(s, e.path) == MidRun::start_only) {
      out.push_back({path + ".path",
                     "is read only when the run starts: a set event cannot change it "
                     "(see the Mid-run column of docs/MODEL.md's parameter table)",
                     e.path});
      return;
    }
    Scenario probe = s;
    set_parameter(probe, e.path, e.value);
  } catch (const PathError& err) {
    out.push_back({path + ".value", err.what(), e.value});
  }
}

void check_events(const Scenario& s, const Names& names, std::optional<std::int64_t> start,
                  std::vector<Problem>& out) {
  check_unique(
      s.events, [](const EventParams& e) { return e.name; }, "events", out);
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const EventParams& e = s.events[i];
    const std::string path = fmt::format("events[{}]", i);
    check_event_time(s, e, path, start, out);
    auto need_provider = [&](const std::string& key, const std::string& value, bool required) {
      if (value.empty()) {
        if (required) out.push_back({path + "." + key, "is required by this event type", ""});
      } else if (!names.providers.count(value)) {
        out.push_back({path + "." + key, names.no_provider(value), value});
      }
    };
    const EventNeeds needs = needs_of(e.type);
    if (needs.provider) need_provider("provider", e.provider, true);
    if (needs.from) need_provider("from", e.from, false);
    if (needs.lab) {
      if (e.lab.empty()) {
        out.push_back({path + ".lab", "is required by this event type", ""});
      } else if (!names.labs.count(e.lab)) {
        out.push_back({path + ".lab",
                       "no named lab of that name" + did_you_mean(e.lab, names.lab_list), e.lab});
      }
    }
    // What only one type checks.
    switch (e.type) {
      case EventType::set:
        check_set_event(s, e, path, out);
        break;
      case EventType::deal:
        if (e.capacity > 0) {
          for (const auto& p : s.providers) {
            if (p.name == e.provider && !p.capacity && !p.capacity_per_lab) {
              out.push_back({path + ".capacity",
                             "the provider's capacity is unlimited (set its capacity or "
                             "capacity_per_lab), so dedicated capacity means nothing",
                             fmt::format("{}", e.capacity)});
            }
          }
        }
        if (e.exclusivity_steps > 0) {
          for (const auto& p : s.providers) {
            if (p.name == e.provider && p.kind == ProviderKind::decentralized) {
              out.push_back({path + ".exclusivity_steps",
                             "a decentralized provider makes no exclusivity deals",
                             fmt::format("{}", e.exclusivity_steps)});
            }
          }
        }
        break;
      case EventType::capacity_contract:
        if (!(e.volume > 0)) out.push_back({path + ".volume", "must be > 0", "0"});
        break;
      case EventType::switch_:
        if (!e.from.empty() && e.from == e.provider) {
          out.push_back({path + ".from", "must differ from provider", e.from});
        }
        break;
      case EventType::add_lab:
        for (const auto& l : s.labs.named) {
          if (l.name == e.lab && l.present) {
            out.push_back({path + ".lab", "add_lab needs a named lab with present: false", e.lab});
          }
        }
        break;
      case EventType::end_exclusivity:
      case EventType::add_provider:
      case EventType::remove_provider:
      case EventType::remove_lab:
      case EventType::reputation_shock:
      case EventType::capacity_outage:
        break;
    }
  }
}

void check_named_arrival(const Scenario& s, std::vector<Problem>& out) {
  for (std::size_t i = 0; i < s.labs.named.size(); ++i) {
    if (!s.labs.named[i].present && !s.labs.named[i].arrive.empty()) {
      out.push_back({fmt::format("labs.named[{}].present", i),
                     "a lab with present: false arrives by an add_lab event, not by arrive",
                     "false"});
    }
  }
}

void check_metrics(const Scenario& s, std::vector<Problem>& out) {
  if (s.metrics.burn_in >= s.steps) {
    out.push_back({"metrics.burn_in",
                   fmt::format("must be < steps ({})", s.steps),
                   fmt::format("{}", s.metrics.burn_in),
                   {"steps"}});
  }
}

// market_power: the best response c / (1 - m) needs c > 0 (with log-price
// utility and c = 0 no finite price maximises profit), and the log-space
// step a speed of at most 1.
void check_pricing(const Scenario& s, std::vector<Problem>& out) {
  if (s.pricing.rule != PriceRule::market_power) return;
  if (s.pricing.speed > 1) {
    out.push_back({"pricing.speed",
                   "must be <= 1 with pricing.rule market_power",
                   fmt::format("{}", s.pricing.speed),
                   {"pricing.rule"}});
  }
  for (std::size_t i = 0; i < s.providers.size(); ++i) {
    if (s.providers[i].unit_cost > 0) continue;
    out.push_back({fmt::format("providers[{}].unit_cost", i),
                   "must be > 0 with pricing.rule market_power (no finite best-response price "
                   "at zero cost)",
                   fmt::format("{}", s.providers[i].unit_cost),
                   {"pricing.rule"}});
  }
}

// The column names runs.csv has before the declared outcomes (keys of
// single runs, sweeps and compare, and the built-in outcomes).
std::vector<std::string> reserved_run_columns(const Scenario& s) {
  std::vector<std::string> names = {"run_id", "point_id", "replicate", "seed",
                                    "status", "message",  "side"};
  Scenario without = s;
  without.outcomes.clear();
  run_columns([&names](const char* name, const auto&) { names.emplace_back(name); }, without,
              RunOutcome{});
  return names;
}

// Declared outcomes (docs/OUTPUTS.md, "Declared outcomes"): a new column
// name, a metric of steps.csv (or of step_providers.csv with a provider), a
// window inside the horizon, and a level exactly when the statistic takes one.
void check_outcomes(const Scenario& s, const Names& names, std::optional<std::int64_t> start,
                    std::vector<Problem>& out) {
  check_unique(
      s.outcomes, [](const OutcomeParams& o) { return o.name; }, "outcomes", out);
  if (s.outcomes.empty()) return;
  const auto reserved = reserved_run_columns(s);
  const auto market = step_metric_names(s, false);
  const auto provider = step_metric_names(s, true);
  for (std::size_t i = 0; i < s.outcomes.size(); ++i) {
    const OutcomeParams& o = s.outcomes[i];
    const std::string path = fmt::format("outcomes[{}]", i);
    const bool identifier =
        !o.name.empty() && std::all_of(o.name.begin(), o.name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_';
        });
    if (!o.name.empty() && !identifier) {
      out.push_back({path + ".name", "must be letters, digits and _ only", o.name});
    } else if (std::find(reserved.begin(), reserved.end(), o.name) != reserved.end()) {
      out.push_back(
          {path + ".name", "is already a column of runs.csv; choose another name", o.name});
    }
    const bool in_market = std::find(market.begin(), market.end(), o.metric) != market.end();
    const bool in_provider =
        std::find(provider.begin(), provider.end(), o.metric) != provider.end();
    if (o.provider.empty()) {
      if (in_provider && !in_market) {
        out.push_back(
            {path + ".provider",
             fmt::format("metric {} is a step_providers.csv column: name the provider", o.metric),
             ""});
      } else if (!in_market) {
        std::vector<std::string> all = market;
        all.insert(all.end(), provider.begin(), provider.end());
        out.push_back({path + ".metric",
                       "is not a numeric column of steps.csv or step_providers.csv" +
                           did_you_mean(o.metric, all),
                       o.metric});
      }
    } else {
      if (!names.providers.count(o.provider)) {
        out.push_back({path + ".provider", names.no_provider(o.provider), o.provider});
      }
      if (!in_provider) {
        out.push_back({path + ".metric",
                       (in_market ? std::string("is a steps.csv column (the whole market): "
                                                "remove provider")
                                  : "is not a numeric column of step_providers.csv" +
                                        did_you_mean(o.metric, provider)),
                       o.metric});
      }
    }
    std::optional<std::int64_t> window[2];
    const std::string* ends[2] = {&o.from, &o.to};
    const char* keys[2] = {"from", "to"};
    for (int e = 0; e < 2; ++e) {
      if (ends[e]->empty()) continue;
      const std::string at = path + "." + keys[e];
      window[e] = outcome_step(s, *ends[e]);
      if (!window[e]) {
        out.push_back({at, "must be a date YYYY-MM or a step number", *ends[e]});
      } else if (start && (*window[e] < 0 || *window[e] >= s.steps)) {
        out.push_back({at,
                       fmt::format("is outside the horizon ({} to {}, steps 0 to {})", s.start,
                                   format_year_month(*start + s.steps - 1), s.steps - 1),
                       *ends[e],
                       {"start", "steps"}});
        window[e].reset();
      }
    }
    if (window[0] && window[1] && *window[0] > *window[1]) {
      out.push_back({path + ".to", fmt::format("must not be before from ({})", o.from), o.to});
    }
    const bool needs_level =
        o.stat == OutcomeStat::first_above || o.stat == OutcomeStat::first_below;
    const std::string stat(kOutcomeStatNames[static_cast<std::size_t>(o.stat)]);
    if (needs_level && !o.level) {
      out.push_back({path + ".level", fmt::format("is required by stat {}", stat), ""});
    } else if (!needs_level && o.level) {
      out.push_back({path + ".level",
                     fmt::format("is only for first_above and first_below, not {}", stat),
                     fmt::format("{}", *o.level)});
    }
  }
}

// Every check of the scenario as it stands (no set event applied).
void check_sections(const Scenario& s, std::vector<Problem>& out) {
  const auto start = parse_year_month(s.start);
  if (!start) out.push_back({"start", "must be a date YYYY-MM", s.start});
  const Names names(s);
  check_providers(s, out);
  check_tiers(s, names, out);
  check_named_labs(s, names, start, out);
  check_population(s, out);
  check_network_and_output(s, out);
  check_events(s, names, start, out);
  check_named_arrival(s, out);
  check_metrics(s, out);
  check_pricing(s, out);
  check_outcomes(s, names, start, out);
  // Text that reaches CSV rows and manifests (core/text_check.hpp). The
  // visitor only reads, but describe() takes a mutable scenario.
  check_folder_name(s.name, "name", out);
  check_text_fields([&s](FieldVisitor& v) { describe(v, const_cast<Scenario&>(s)); }, out);
}

// The set events applied in the order they fire (by step, then file order):
// after each step's events the scenario must still pass every check, so a
// set event cannot break what validation promised (a tier-fraction sum, a
// name a later event refers to, ...). A problem that appears is reported at
// the last set event of that step, naming the problem.
void check_set_events_in_order(const Scenario& s, std::vector<Problem>& out) {
  std::vector<std::pair<std::int64_t, std::size_t>> order;  // (step, event index)
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const EventParams& e = s.events[i];
    if (e.type != EventType::set || e.path.empty()) continue;
    const std::int64_t step = event_step(s, e);
    if (step >= 0 && step < s.steps) order.emplace_back(step, i);
  }
  if (order.empty()) return;
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Problem> before;
  check_sections(s, before);
  auto key = [](const Problem& p) { return p.path + "\n" + p.message + "\n" + p.got; };
  std::set<std::string> known;
  for (const Problem& p : before) known.insert(key(p));
  Scenario probe = s;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const EventParams& e = s.events[order[k].second];
    try {
      if (parameter_mid_run(probe, e.path) == MidRun::start_only) continue;
      set_parameter(probe, e.path, e.value);
    } catch (const PathError&) {
      continue;  // reported by check_set_event
    }
    if (k + 1 < order.size() && order[k + 1].first == order[k].first) continue;
    std::vector<Problem> now;
    check_sections(probe, now);
    for (const Problem& p : now) {
      if (!known.insert(key(p)).second) continue;
      out.push_back(
          {fmt::format("events[{}].value", order[k].second),
           fmt::format("from step {} on (with the set events before it) {}: {}{}", order[k].first,
                       p.path, p.message, p.got.empty() ? "" : " (got " + p.got + ")"),
           e.value});
    }
  }
}

}  // namespace

bool path_within(const std::string& path, const std::string& prefix) {
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

bool check_scenario(const Scenario& s, std::vector<Problem>& out) {
  const std::size_t before = out.size();
  check_sections(s, out);
  check_set_events_in_order(s, out);
  return out.size() == before;
}

}  // namespace cw
