#include "core/params.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "core/param_path.hpp"
#include "core/suggest.hpp"

namespace cw {

std::string Bounds::describe() const {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    return fmt::format("must be in {}{}, {}{}", lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]");
  }
  if (has_lo) return fmt::format("must be {} {}", lo_open ? ">" : ">=", lo);
  if (has_hi) return fmt::format("must be {} {}", hi_open ? "<" : "<=", hi);
  return "must be a finite number";
}

void describe(FieldVisitor& v, Dist& d) {
  v.choice("dist", choice_ref(d.kind, kDistKindNames), {"distribution family"});
  v.number("value", d.value, kAnyNumber, {"fixed: the value"});
  v.number("low", d.low, kAnyNumber, {"uniform: lower end"});
  v.number("high", d.high, kAnyNumber, {"uniform: upper end"});
  v.number("mean", d.mean, kAnyNumber, {"normal: mean"});
  v.number("sd", d.sd, kNonNegative, {"normal: standard deviation"});
  v.number("mu", d.mu, kAnyNumber, {"lognormal: mean of ln X"});
  v.number("sigma", d.sigma, kNonNegative, {"lognormal: sd of ln X"});
  v.number("shape", d.shape, kPositive, {"pareto, lomax: shape (tail index)"});
  v.number("scale", d.scale, kPositive, {"pareto: minimum x_m; lomax: scale lambda"});
  v.number("offset", d.offset, kAnyNumber, {"added to every draw"});
  // min/max are clamps and may be infinite by default; the reader rejects inf input.
  v.number("min", d.min, Bounds{-kInf, kInf}, {"draws below are raised to min"});
  v.number("max", d.max, Bounds{-kInf, kInf}, {"draws above are lowered to max"});
}

namespace {

void dist_field(FieldVisitor& v, std::string_view key, Dist& d, FieldDoc doc) {
  v.scalar_object(
      key, [&d](FieldVisitor& inner) { describe(inner, d); },
      [&d](double x) { d = Dist::fixed_at(x); }, [&d] { d = Dist{}; }, doc);
}

void describe(FieldVisitor& v, LearningCurveParams& c) {
  v.number("quality_exponent", c.quality_exponent, kNonNegative,
           {"b_q: the quality gap 1 - q falls as (V/V0)^-b_q (Wright's law)"});
  v.number("price_exponent", c.price_exponent, kNonNegative,
           {"b_c: price and unit cost fall as (V/V0)^-b_c (Wright's law)"});
  v.number("initial_volume", c.initial_volume, kPositive,
           {"V0: cumulative volume served before step 0", "compute units"});
}

void describe(FieldVisitor& v, BackgroundParams& b) {
  v.number("revenue", b.revenue, kNonNegative,
           {"non-AI cloud revenue per step at step 0", "money per step"});
  v.number("growth", b.growth, kAnyNumber, {"log growth of background revenue per step"});
}

void describe(FieldVisitor& v, InvestmentParams& i) {
  v.choice("policy", choice_ref(i.policy, kInvestmentPolicyNames),
           {"courting policy (SPEC §2.2 step 2)"});
  v.number("budget", i.budget, kNonNegative, {"budget accrued per step", "money per step"});
  v.number("budget_cap", i.budget_cap, kNonNegative, {"cap on the accrued budget", "money"});
  v.number("max_credit", i.max_credit, kUnit, {"c_max: largest price discount offered"});
  v.integer("credit_steps", i.credit_steps, range(1, 1e9), {"T_c: steps a credit lasts"});
  v.integer("exclusivity_steps", i.exclusivity_steps, range(0, 1e9),
            {"T_x: steps of exclusivity; 0 = none"});
  v.number("equity_per_credit", i.equity_per_credit, kNonNegative,
           {"equity taken per unit of credit value"});
  v.number("w_rev", i.w_rev, kNonNegative,
           {"weight of expected revenue d_l price T_c in the value score", "per money"});
  v.number("w_narr", i.w_narr, kNonNegative,
           {"weight of v_l x (share of l's demand on rivals) in the value score"});
  v.number("w_def", i.w_def, kNonNegative,
           {"weight of v_l x_lp [l leans away] in the value score"});
  v.integer("max_offers", i.max_offers, range(0, 1e6), {"offers made per step at most"});
}

void describe(FieldVisitor& v, EventParams& e) {
  v.text("name", e.name, {"unique event name (paths: events[NAME].enabled)"}, true);
  v.choice("type", choice_ref(e.type, kEventTypeNames), {"what happens"});
  v.text("date", e.date, {"YYYY-MM it fires (or give step)"});
  v.maybe_number("step", e.step, range(0, 1e7), {"step it fires (or give date)"});
  v.flag("enabled", e.enabled, {"false: the event does not fire (sweepable)"});
  v.text("path", e.path, {"set: the parameter path"});
  v.text("value", e.value, {"set: the new value"});
  v.text("provider", e.provider, {"the provider (deal, contract, switch: to, shocks)"});
  v.text("lab", e.lab, {"the lab (deal, contract, switch, end_exclusivity, add/remove_lab)"});
  v.text("from", e.from, {"switch: the provider left (empty: all others, pro rata)"});
  v.number("credit", e.credit, range(0, 0.99), {"deal: price discount c"});
  v.integer("credit_steps", e.credit_steps, range(0, 1e7), {"deal: steps the credit lasts"});
  v.integer("exclusivity_steps", e.exclusivity_steps, range(0, 1e7),
            {"deal: steps of exclusivity; 0 = none"});
  v.number("equity", e.equity, kUnit, {"deal: equity share taken (recorded)"});
  v.number("amount", e.amount, kNonNegative, {"deal: headline value (recorded)", "money"});
  v.number("volume", e.volume, kNonNegative,
           {"capacity_contract: volume committed per step", "compute units per step"});
  v.integer("steps", e.steps, range(1, 1e7), {"capacity_contract, capacity_outage: duration"});
  v.number("share", e.share, Bounds{0, 1, true, false}, {"switch: share of demand moved"});
  v.flag("public", e.public_, {"switch: a public storm-off (criticises the provider left)"});
  v.number("delta", e.delta, range(-2, 2), {"reputation_shock: added to r_p (then clamped)"});
  v.number("fraction", e.fraction, kUnit, {"capacity_outage: share of capacity lost"});
}

}  // namespace

void describe(FieldVisitor& v, ProviderParams& p) {
  v.text("name", p.name, {"unique provider name"}, true);
  v.choice("kind", choice_ref(p.kind, kProviderKindNames), {"kind of provider"});
  v.number("price", p.price, kPositive, {"list price", "money per compute unit"}, true);
  v.number("unit_cost", p.unit_cost, kNonNegative, {"cost of serving", "money per compute unit"});
  v.number("quality", p.quality, kUnit, {"performance, reliability, tooling"});
  v.maybe_number("capacity", p.capacity, kNonNegative,
                 {"AI capacity at step 0; unlimited when neither this nor capacity_per_lab",
                  "compute units per step"});
  v.maybe_number("capacity_per_lab", p.capacity_per_lab, kNonNegative,
                 {"AI capacity at step 0 per initial lab", "compute units per step per lab"});
  v.number("capex_ratio", p.capex_ratio, kNonNegative,
           {"share of the capex basis turned into capacity each step"});
  v.choice("capex_basis", choice_ref(p.capex_basis, kCapexBasisNames),
           {"what capex_ratio applies to: AI revenue (money) or served volume"});
  v.number("capacity_cost", p.capacity_cost, kPositive,
           {"basis units buying one unit of per-step capacity"});
  v.integer("capacity_lead_time", p.capacity_lead_time, range(0, 1200),
            {"steps from capex to capacity", "steps"});
  v.number("reputation", p.reputation, kSigned, {"r_p: public reputation at step 0"});
  v.number("egress_fee", p.egress_fee, kNonNegative,
           {"utility a lab forfeits by leaving", "utility"});
  v.number("lock_in_rate", p.lock_in_rate, kNonNegative,
           {"kappa_p: lock-in stock added per unit served"});
  v.number("pseudo_count", p.pseudo_count, kPositive,
           {"a_p: pseudo-count of the log_count network effect", "labs"});
  v.number("capacity_follow", p.capacity_follow, kUnit,
           {"share of this step's unmet requests added to capacity for the next step "
            "(capacity that follows demand, e.g. a decentralized network)"});
  v.flag("active", p.active, {"false: the provider enters only with an add_provider event"});
  v.object("investment", [&p](FieldVisitor& w) { describe(w, p.investment); },
           {"courting budget and deal terms"});
  v.object("learning_curve", [&p](FieldVisitor& w) { describe(w, p.learning_curve); },
           {"Wright's-law learning"});
  v.object("background", [&p](FieldVisitor& w) { describe(w, p.background); },
           {"non-AI cloud business"});
}

void describe(FieldVisitor& v, TierParams& t) {
  v.text("name", t.name, {"unique tier name", "", kStartOnly}, true);
  v.number("fraction", t.fraction, kUnit, {"share of generated labs in this tier"}, true);
  for_each_lab_param([&](const auto& f) {
    if constexpr (field_kind<decltype(f)> == LabFieldKind::count) {
      v.integer(f.key, t.*f.tier, f.support, f.doc);
    } else {
      dist_field(v, f.key, t.*f.tier, f.doc);
    }
  });
  v.number_map("affinity", t.affinity, kAnyNumber,
               {"provider name -> additive utility bonus", "utility"});
}

void describe(FieldVisitor& v, NamedLabParams& l) {
  v.text("name", l.name, {"unique lab name", "", kStartOnly}, true);
  v.text("tier", l.tier, {"tier its unspecified fields are drawn from", "", kStartOnly}, true);
  for_each_lab_param([&](const auto& f) { v.maybe_number(f.key, l.*f.named, f.support, f.doc); });
  v.number_map("affinity", l.affinity, kAnyNumber, {"provider name -> utility bonus", "utility"});
  v.text("provider", l.provider,
         {"provider it is on when it appears (empty: population rule)", "", kStartOnly});
  v.text("arrive", l.arrive,
         {"YYYY-MM it appears; empty or <= start: present at start", "", kStartOnly});
  v.flag("present", l.present,
         {"false: the lab appears only with an add_lab event", "", kStartOnly});
}

void describe(FieldVisitor& v, Scenario& s) {
  v.text("name", s.name, {"scenario name (output folder)"});
  v.text("start", s.start, {"date of step 0, YYYY-MM; one step is one month"});
  v.integer("steps", s.steps, range(1, 1e7), {"number of steps", "months"});
  v.integer("seed", s.seed, range(0, 9.007199254740992e15), {"seed of every random stream"});
  v.text("compute_unit", s.compute_unit, {"what one compute unit means (documentation)"});
  v.list("providers",
         list_ref(
             s.providers, [](FieldVisitor& w, ProviderParams& p) { describe(w, p); },
             [](const ProviderParams& p) { return p.name; }),
         {"cloud providers"}, true);
  v.object("outside",
           [&s](FieldVisitor& w) {
             w.flag("enabled", s.outside.enabled, {"labs may keep compute off the clouds"});
             w.number("utility", s.outside.utility, kAnyNumber, {"utility of the outside option"});
           },
           {"outside option"});
  v.object(
      "labs",
      [&s](FieldVisitor& w) {
        auto& l = s.labs;
        w.integer("count", l.count, range(0, 1e8), {"labs at step 0 (named ones included)"});
        w.choice("initial", choice_ref(l.initial, kInitialAllocationNames),
                 {"allocation at arrival: uniform over providers, outside, or the choice rule"});
        w.list("tiers",
               list_ref(
                   l.tiers, [](FieldVisitor& x, TierParams& t) { describe(x, t); },
                   [](const TierParams& t) { return t.name; }),
               {"tiers of generated labs"}, true);
        w.list("named",
               list_ref(
                   l.named, [](FieldVisitor& x, NamedLabParams& n) { describe(x, n); },
                   [](const NamedLabParams& n) { return n.name; }, true),
               {"individually named labs"});
        w.object("arrivals",
                 [&l](FieldVisitor& x) {
                   x.choice("process", choice_ref(l.arrivals.process, kArrivalProcessNames),
                            {"arrival process of generated labs"});
                   x.number("rate", l.arrivals.rate, kNonNegative,
                            {"arrivals per step", "labs per step"});
                 },
                 {"arrivals"});
      },
      {"lab population"}, true);
  v.object(
      "network",
      [&s](FieldVisitor& w) {
        auto& n = s.network;
        w.choice("generator", choice_ref(n.generator, kGraphGeneratorNames),
                 {"influence graph generator"});
        w.number("p", n.p, kUnit, {"erdos_renyi edge probability"});
        w.integer("k", n.k, range(0, 1e6), {"watts_strogatz ring neighbours (even)"});
        w.number("rewire", n.rewire, kUnit, {"watts_strogatz rewiring probability"});
        w.integer("m", n.m, range(1, 1e6), {"barabasi_albert edges per new lab (arrivals too)"});
        w.text(
            "file", n.file,
            {"edge_list file, relative to the scenario file: lines `a,b[,weight]` naming labs by "
             "name or by initial index"});
        w.flag("directed", n.directed, {"edge_list: a,b means only that a listens to b"});
      },
      {"influence network"});
  v.object("choice",
           [&s](FieldVisitor& w) {
             auto& c = s.choice;
             w.choice("allocation", choice_ref(c.allocation, kAllocationRuleNames),
                      {"allocation rule"});
             w.number("tau", c.tau, kPositive, {"logit temperature"});
             w.number("partial_adjustment", c.partial_adjustment, Bounds{0, 1, true, false},
                      {"mu: x <- (1-mu) x + mu x*"});
             w.number("noise", c.noise, kNonNegative, {"sd of normal utility noise", "utility"});
           },
           {"choice rule (SPEC §2.2 step 3)"});
  v.object("network_effect",
           [&s](FieldVisitor& w) {
             auto& n = s.network_effect;
             w.choice("form", choice_ref(n.form, kNetworkEffectFormNames), {"G"});
             w.number("delta", n.delta, kAnyNumber, {"weight of G in utility"});
             w.number("eta", n.eta, kPositive, {"share_power exponent"});
             w.number("r", n.r, kAnyNumber, {"linear_count slope per lab", "utility per lab"});
           },
           {"network effect"});
  v.object("lock_in",
           [&s](FieldVisitor& w) {
             w.number("weight", s.lock_in.weight, kNonNegative, {"s: utility per unit of k/d"});
             w.number("decay", s.lock_in.decay, kUnit, {"per-step decay of lock-in stocks"});
           },
           {"lock-in (SPEC §2.2 step 5)"});
  v.object("capacity",
           [&s](FieldVisitor& w) {
             w.choice("rationing", choice_ref(s.capacity.rationing, kRationingRuleNames),
                      {"rationing rule"});
           },
           {"capacity rationing (SPEC §2.2 step 4)"});
  v.object("courting",
           [&s](FieldVisitor& w) {
             w.number("margin", s.courting.margin, kNonNegative,
                      {"utility margin over the best rival that an offer must give, and within "
                       "which a lab 'leans away'",
                       "utility"});
           },
           {"courting (SPEC §2.2 step 2); budgets and policies are per provider"});
  v.object(
      "narrative",
      [&s](FieldVisitor& w) {
        auto& n = s.narrative;
        w.flag("enabled", n.enabled, {"run the narrative rule (opinions, statements, reputation)"});
        w.choice("mode", choice_ref(n.mode, kNarrativeModeNames),
                 {"opinion, or contagion (Bass diffusion from the outside option)"});
        w.number("lambda", n.lambda, kUnit, {"opinion update speed"});
        w.number("w_exp", n.w_exp, kUnit, {"weight of own experience vs neighbours' opinions"});
        w.number("experience_threshold", n.experience_threshold, kUnit,
                 {"x_lp above which a lab experiences p"});
        w.number("statement_threshold", n.statement_threshold, kUnit,
                 {"|opinion| a statement needs"});
        w.number("storm_threshold", n.storm_threshold, Bounds{0, 1, true, false},
                 {"theta: share of demand moved away from p in a step that is a storm-off"});
        w.number("storm_amplification", n.storm_amplification, kNonNegative,
                 {"weight multiplier of a storm-off's criticism"});
        w.number("inattention", n.inattention, kNonNegative,
                 {"v_0: the public's inattention weight"});
        w.number("rho", n.rho, kUnit, {"reputation update speed"});
        w.number("phi", n.phi, kAnyNumber, {"weight of the narrative-share term"});
        w.number("p_innov", n.p_innov, kUnit, {"contagion: innovation hazard per step"});
        w.number("q_imit", n.q_imit, kUnit, {"contagion: imitation hazard per step"});
      },
      {"narrative (SPEC §2.2 step 6)"});
  v.object("pricing",
           [&s](FieldVisitor& w) {
             auto& p = s.pricing;
             w.choice("rule", choice_ref(p.rule, kPriceRuleNames), {"price rule"});
             w.number("target", p.target, kUnit, {"utilisation target"});
             w.number("speed", p.speed, kNonNegative, {"price <- price exp(speed (u - target))"});
             w.number("floor", p.floor, kUnit, {"lowest price as a fraction of the initial price"});
           },
           {"price rule"});
  v.list("events",
         list_ref(
             s.events, [](FieldVisitor& w, EventParams& e) { describe(w, e); },
             [](const EventParams& e) { return e.name; }, true),
         {"scheduled events (SPEC §2.2 step 8)"});
  v.object(
      "metrics",
      [&s](FieldVisitor& w) {
        auto& m = s.metrics;
        w.number("tipping_threshold", m.tipping_threshold, Bounds{0, 1, true, false},
                 {"leader share that counts as tipped"});
        w.integer("tipping_window", m.tipping_window, range(1, 1e7),
                  {"W: steps the share must stay above the threshold", "steps"});
        w.integer("burn_in", m.burn_in, range(0, 1e7), {"steps left out of time means", "steps"});
        w.number("usage_threshold", m.usage_threshold, Bounds{0, 1, false, true},
                 {"x_lp above which a lab counts as using p"});
        w.integer("flagships", m.flagships, range(0, 1e6),
                  {"the top labs by prestige whose hosts are 'flagship capture'"});
      },
      {"outcome definitions"});
  v.object("output",
           [&s](FieldVisitor& w) {
             auto& o = s.output;
             w.flag("step_files", o.step_files, {"write the per-step files"});
             w.flag("events", o.events, {"write the events file"});
             w.integers("graph_steps", o.graph_steps, range(0, 1e7),
                        {"steps to export the graph at"});
             w.choice("graph_format", choice_ref(o.graph_format, kGraphFormatNames),
                      {"graph export format"});
           },
           {"output"});
}

std::optional<std::int64_t> parse_year_month(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  std::int64_t y = 0, m = 0;
  for (int i = 0; i < 4; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    y = y * 10 + (text[i] - '0');
  }
  for (int i = 5; i < 7; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    m = m * 10 + (text[i] - '0');
  }
  if (m < 1 || m > 12) return std::nullopt;
  return y * 12 + (m - 1);
}

std::string format_year_month(std::int64_t months) {
  return fmt::format("{:04d}-{:02d}", months / 12, months % 12 + 1);
}

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

}  // namespace

bool path_within(const std::string& path, const std::string& prefix) {
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

bool check_scenario(const Scenario& s, std::vector<Problem>& out) {
  const std::size_t before = out.size();
  const auto start = parse_year_month(s.start);
  if (!start) out.push_back({"start", "must be a date YYYY-MM", s.start});

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
  std::set<std::string> providers;
  std::vector<std::string> provider_names, tier_names;
  for (const auto& p : s.providers) {
    providers.insert(p.name);
    provider_names.push_back(p.name);
  }
  for (const auto& t : s.labs.tiers) tier_names.push_back(t.name);
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

  check_unique(
      s.labs.tiers, [](const TierParams& t) { return t.name; }, "labs.tiers", out);
  std::set<std::string> tiers;
  double fraction_sum = 0;
  for (std::size_t i = 0; i < s.labs.tiers.size(); ++i) {
    const auto& t = s.labs.tiers[i];
    tiers.insert(t.name);
    fraction_sum += t.fraction;
    const std::string path = fmt::format("labs.tiers[{}]", i);
    const std::pair<const char*, const Dist*> dists[] = {{"demand", &t.demand},
                                                         {"growth", &t.growth},
                                                         {"volatility", &t.volatility},
                                                         {"prestige", &t.prestige},
                                                         {"alpha", &t.alpha},
                                                         {"beta", &t.beta},
                                                         {"gamma", &t.gamma},
                                                         {"w_own", &t.w_own},
                                                         {"outspokenness", &t.outspokenness},
                                                         {"renewal", &t.renewal},
                                                         {"exit_hazard", &t.exit_hazard},
                                                         {"deal_threshold", &t.deal_threshold}};
    for (const auto& [key, d] : dists) check_dist(*d, path + "." + key, out);
    check_dist_support(t.demand, path + ".demand", kNonNegative, out);
    check_dist_support(t.volatility, path + ".volatility", kNonNegative, out);
    check_dist_support(t.prestige, path + ".prestige", kNonNegative, out);
    check_dist_support(t.alpha, path + ".alpha", kNonNegative, out);
    check_dist_support(t.w_own, path + ".w_own", kUnit, out);
    check_dist_support(t.outspokenness, path + ".outspokenness", kUnit, out);
    check_dist_support(t.renewal, path + ".renewal", kUnit, out);
    check_dist_support(t.exit_hazard, path + ".exit_hazard", kUnit, out);
    for (std::size_t j = 0; j < t.affinity.size(); ++j) {
      if (!providers.count(t.affinity[j].first)) {
        out.push_back(
            {path + ".affinity." + t.affinity[j].first,
             "no provider of that name" + did_you_mean(t.affinity[j].first, provider_names),
             t.affinity[j].first});
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

  check_unique(
      s.labs.named, [](const NamedLabParams& l) { return l.name; }, "labs.named", out);
  std::int64_t named_at_start = 0;
  for (std::size_t i = 0; i < s.labs.named.size(); ++i) {
    const auto& l = s.labs.named[i];
    const std::string path = fmt::format("labs.named[{}]", i);
    if (!tiers.count(l.tier)) {
      out.push_back(
          {path + ".tier", "no tier of that name" + did_you_mean(l.tier, tier_names), l.tier});
    }
    if (!l.provider.empty() && !providers.count(l.provider)) {
      out.push_back({path + ".provider",
                     "no provider of that name" + did_you_mean(l.provider, provider_names),
                     l.provider});
    }
    for (const auto& [name, value] : l.affinity) {
      if (!providers.count(name)) {
        out.push_back({path + ".affinity." + name,
                       "no provider of that name" + did_you_mean(name, provider_names), name});
      }
    }
    if (l.max_providers && *l.max_providers != std::floor(*l.max_providers)) {
      out.push_back(
          {path + ".max_providers", "must be a whole number", fmt::format("{}", *l.max_providers)});
    }
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
  // Events.
  check_unique(
      s.events, [](const EventParams& e) { return e.name; }, "events", out);
  std::set<std::string> labs;
  std::vector<std::string> lab_names;
  for (const auto& l : s.labs.named) {
    labs.insert(l.name);
    lab_names.push_back(l.name);
  }
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const EventParams& e = s.events[i];
    const std::string path = fmt::format("events[{}]", i);
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
    auto need_provider = [&](const std::string& key, const std::string& value, bool required) {
      if (value.empty()) {
        if (required) out.push_back({path + "." + key, "is required by this event type", ""});
      } else if (!providers.count(value)) {
        out.push_back({path + "." + key,
                       "no provider of that name" + did_you_mean(value, provider_names), value});
      }
    };
    auto need_lab = [&](bool required) {
      if (e.lab.empty()) {
        if (required) out.push_back({path + ".lab", "is required by this event type", ""});
      } else if (!labs.count(e.lab)) {
        out.push_back(
            {path + ".lab", "no named lab of that name" + did_you_mean(e.lab, lab_names), e.lab});
      }
    };
    switch (e.type) {
      case EventType::set: {
        if (e.path.empty()) out.push_back({path + ".path", "is required by set", ""});
        if (e.path.rfind("events", 0) == 0) {
          out.push_back({path + ".path", "an event cannot change events", e.path});
        } else if (!e.path.empty()) {
          Scenario probe = s;
          try {
            set_parameter(probe, e.path, e.value);
          } catch (const PathError& err) {
            out.push_back({path + ".value", err.what(), e.value});
          }
        }
        break;
      }
      case EventType::deal:
        need_provider("provider", e.provider, true);
        need_lab(true);
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
        need_provider("provider", e.provider, true);
        need_lab(true);
        if (!(e.volume > 0)) out.push_back({path + ".volume", "must be > 0", "0"});
        break;
      case EventType::switch_:
        need_provider("provider", e.provider, true);
        need_provider("from", e.from, false);
        need_lab(true);
        if (!e.from.empty() && e.from == e.provider) {
          out.push_back({path + ".from", "must differ from provider", e.from});
        }
        break;
      case EventType::end_exclusivity:
        need_provider("provider", e.provider, true);
        need_lab(true);
        break;
      case EventType::add_provider:
      case EventType::remove_provider:
      case EventType::reputation_shock:
      case EventType::capacity_outage:
        need_provider("provider", e.provider, true);
        break;
      case EventType::add_lab:
      case EventType::remove_lab:
        need_lab(true);
        if (e.type == EventType::add_lab) {
          for (const auto& l : s.labs.named) {
            if (l.name == e.lab && l.present) {
              out.push_back(
                  {path + ".lab", "add_lab needs a named lab with present: false", e.lab});
            }
          }
        }
        break;
    }
  }
  for (std::size_t i = 0; i < s.labs.named.size(); ++i) {
    if (!s.labs.named[i].present && !s.labs.named[i].arrive.empty()) {
      out.push_back({fmt::format("labs.named[{}].present", i),
                     "a lab with present: false arrives by an add_lab event, not by arrive",
                     "false"});
    }
  }
  if (s.metrics.burn_in >= s.steps) {
    out.push_back({"metrics.burn_in",
                   fmt::format("must be < steps ({})", s.steps),
                   fmt::format("{}", s.metrics.burn_in),
                   {"steps"}});
  }
  return out.size() == before;
}

}  // namespace cw
