#include "core/params.hpp"

#include <fmt/format.h>

#include <cmath>

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
           {"V0: cumulative volume served before step 0", "compute units", kStartOnly});
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
           {"weight of the expected loss if an at-risk lab storms off from p (its revenue "
            "over T_c plus the revenue a public criticism's reputation cost puts at risk)"});
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
  v.flag("priority", e.priority,
         {"deal: priority capacity: the lab is served first by the provider while the deal "
          "lasts"});
  v.number("capacity", e.capacity, kNonNegative,
           {"deal: dedicated capacity the provider builds for the deal (joins its capacity after "
            "its capacity_lead_time, as capex does, and stays)",
            "compute units per step"});
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
  v.text("name", p.name, {"unique provider name", "", kStartOnly}, true);
  v.choice("kind", choice_ref(p.kind, kProviderKindNames), {"kind of provider", "", kStartOnly});
  v.number("price", p.price, kPositive, {"list price", "money per compute unit"}, true);
  v.number("unit_cost", p.unit_cost, kNonNegative, {"cost of serving", "money per compute unit"});
  v.number("quality", p.quality, kUnit, {"performance, reliability, tooling"});
  v.maybe_number("capacity", p.capacity, kNonNegative,
                 {"AI capacity at step 0; unlimited when neither this nor capacity_per_lab",
                  "compute units per step"});
  v.maybe_number(
      "capacity_per_lab", p.capacity_per_lab, kNonNegative,
      {"AI capacity at step 0 per initial lab", "compute units per step per lab", kStartOnly});
  v.number("capex_ratio", p.capex_ratio, kNonNegative,
           {"share of the capex basis turned into capacity each step"});
  v.choice("capex_basis", choice_ref(p.capex_basis, kCapexBasisNames),
           {"what capex_ratio applies to: AI revenue (money) or served volume"});
  v.number("capacity_cost", p.capacity_cost, kPositive,
           {"basis units buying one unit of per-step capacity"});
  v.integer("capacity_lead_time", p.capacity_lead_time, range(0, 1200),
            {"steps from capex to capacity", "steps", kStartOnly});
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
  v.number("supply_elasticity", p.supply_elasticity, kPositive,
           {"e: capacity_follow's supply scales by (price / initial price)^e, at most all of "
            "the unmet requests; the utilisation rule keeps such a provider's price <= "
            "price0 capacity_follow^(-1/e)"});
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

void describe(FieldVisitor& v, OutcomeParams& o) {
  v.text("name", o.name, {"unique column name in runs.csv (letters, digits, _)", "", kStartOnly},
         true);
  v.text("metric", o.metric,
         {"a numeric column of steps.csv, or of step_providers.csv with provider", "", kStartOnly},
         true);
  v.text(
      "provider", o.provider,
      {"the provider of a step_providers.csv metric (empty for a steps.csv one)", "", kStartOnly});
  v.text("from", o.from,
         {"first step counted: YYYY-MM or a step number; empty: step 0", "", kStartOnly});
  v.text("to", o.to,
         {"last step counted: YYYY-MM or a step number; empty: the last step", "", kStartOnly});
  v.choice("stat", choice_ref(o.stat, kOutcomeStatNames),
           {"mean, last, first, max, min, sum over the steps (empty cells left out); "
            "first_above / first_below: the first step with the metric >= / <= level, empty "
            "if none",
            "", kStartOnly});
  v.maybe_number("level", o.level, kAnyNumber,
                 {"first_above, first_below: the threshold", "", kStartOnly});
}

void describe(FieldVisitor& v, Scenario& s) {
  v.text("name", s.name, {"scenario name (output folder)", "", kStartOnly});
  v.text("start", s.start, {"date of step 0, YYYY-MM; one step is one month", "", kStartOnly});
  v.integer("steps", s.steps, range(1, 1e7), {"number of steps", "months", kStartOnly});
  v.integer("seed", s.seed, range(0, 9.007199254740992e15),
            {"seed of every random stream", "", kStartOnly});
  v.text("compute_unit", s.compute_unit,
         {"what one compute unit means (documentation)", "", kStartOnly});
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
        w.integer("count", l.count, range(0, 1e8),
                  {"labs at step 0 (named ones included)", "", kStartOnly});
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
                 {"influence graph generator", "", kStartOnly});
        w.number("p", n.p, kUnit, {"erdos_renyi edge probability", "", kStartOnly});
        w.integer("k", n.k, range(0, 1e6),
                  {"watts_strogatz ring neighbours (even)", "", kStartOnly});
        w.number("rewire", n.rewire, kUnit,
                 {"watts_strogatz rewiring probability", "", kStartOnly});
        w.integer("m", n.m, range(1, 1e6), {"barabasi_albert edges per new lab (arrivals too)"});
        w.text(
            "file", n.file,
            {"edge_list file, relative to the scenario file: lines `a,b[,weight]` naming labs by "
             "name or by initial index",
             "", kStartOnly});
        w.flag("directed", n.directed,
               {"edge_list: a,b means only that a listens to b", "", kStartOnly});
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
             w.number(
                 "margin", s.courting.margin, kNonNegative,
                 {"utility margin over the best rival that a courting offer must give", "utility"});
             w.number("warning", s.courting.warning, kNonNegative,
                      {"a lab depending on p is at risk, and may get p's defensive offer, when "
                       "its opinion of p is below narrative.storm_opinion + warning"});
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
        w.number("storm_opinion", n.storm_opinion, range(-1, 0),
                 {"a lab whose opinion of a provider it depends on falls below this walks "
                  "out: it re-evaluates at the next choice, whatever its renewal and "
                  "exclusivity, moving all the way (mu = 1)"});
        w.number("storm_dependence", n.storm_dependence, Bounds{0, 1, true, false},
                 {"x_lp from which a lab depends on p (storm-offs, defensive offers)"});
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
             w.number("speed", p.speed, kNonNegative,
                      {"utilisation: price <- price exp(speed (u - target)); market_power: "
                       "ln p <- ln p + speed (ln p* - ln p), at most 1"});
             w.number("floor", p.floor, kUnit, {"lowest price as a fraction of the initial price"});
             w.flag("below_cost", p.below_cost,
                    {"true: prices may fall below unit cost (down to the floor); false: the "
                     "floor is max(floor price0, unit cost)"});
             w.integer("horizon", p.horizon, range(1, 1e6),
                       {"market_power: H, steps over which a lab's later re-evaluation counts; "
                        "every lab's elasticity weight is at least 1/H",
                        "steps"});
             w.number("max_markup", p.max_markup, Bounds{0, 1, true, true},
                      {"market_power: cap on the Lerner index (price - cost) / price, so price "
                       "<= unit cost / (1 - max_markup)"});
           },
           {"price rule"});
  v.list("events",
         list_ref(
             s.events, [](FieldVisitor& w, EventParams& e) { describe(w, e); },
             [](const EventParams& e) { return e.name; }, true),
         {"scheduled events (SPEC §2.2 step 8)", "", kStartOnly});
  v.object("metrics",
           [&s](FieldVisitor& w) {
             auto& m = s.metrics;
             w.number("tipping_threshold", m.tipping_threshold, Bounds{0, 1, true, false},
                      {"leader share that counts as tipped", "", kStartOnly});
             w.integer("tipping_window", m.tipping_window, range(1, 1e7),
                       {"W: steps the share must stay above the threshold", "steps", kStartOnly});
             w.integer("burn_in", m.burn_in, range(0, 1e7),
                       {"steps left out of time means", "steps", kStartOnly});
             w.number("usage_threshold", m.usage_threshold, Bounds{0, 1, false, true},
                      {"x_lp above which a lab counts as using p"});
             w.integer("flagships", m.flagships, range(0, 1e6),
                       {"the top labs by prestige whose hosts are 'flagship capture'"});
           },
           {"outcome definitions"});
  v.list("outcomes",
         list_ref(
             s.outcomes, [](FieldVisitor& w, OutcomeParams& o) { describe(w, o); },
             [](const OutcomeParams& o) { return o.name; }, true),
         {"declared outcomes: extra runs.csv columns (docs/OUTPUTS.md)", "", kStartOnly});
  v.object("output",
           [&s](FieldVisitor& w) {
             auto& o = s.output;
             w.flag("step_files", o.step_files, {"write the per-step files"});
             w.flag("events", o.events, {"write the events file"});
             w.flag("lab_steps", o.lab_steps,
                    {"write step_labs.csv: each named lab's allocation and opinions per step"});
             w.integers("graph_steps", o.graph_steps, range(0, 1e7),
                        {"steps to export the graph at"});
             w.choice("graph_format", choice_ref(o.graph_format, kGraphFormatNames),
                      {"graph export format"});
           },
           {"output", "", kStartOnly});
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

}  // namespace cw
