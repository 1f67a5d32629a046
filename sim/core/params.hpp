// Validated scenario parameters: plain data, built once (by sim/config from
// YAML, or by hand in tests) and read by the engine. docs/MODEL.md documents
// every field; its table is generated from the `describe` overloads in
// params.cpp, which are the single source of keys, bounds and defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/lab_fields.hpp"
#include "core/schema.hpp"

namespace cw {

// A distribution for a generated lab field (SPEC §2.1). In YAML a plain number
// means `fixed`; otherwise `{dist: uniform, low: 0.5, high: 2}` and so on.
// Every draw is `offset + X`, then clamped to [min, max].
enum class DistKind { fixed, uniform, normal, lognormal, pareto, lomax };
inline constexpr std::array<std::string_view, 6> kDistKindNames = {"fixed",     "uniform", "normal",
                                                                   "lognormal", "pareto",  "lomax"};

struct Dist {
  DistKind kind = DistKind::fixed;
  double value = 0.0;   // fixed
  double low = 0.0;     // uniform
  double high = 1.0;    // uniform
  double mean = 0.0;    // normal
  double sd = 1.0;      // normal
  double mu = 0.0;      // lognormal: ln X ~ Normal(mu, sigma)
  double sigma = 1.0;   // lognormal
  double shape = 1.0;   // pareto, lomax
  double scale = 1.0;   // pareto (x_m), lomax (lambda)
  double offset = 0.0;  // added to every draw
  double min = -kInf;   // clamp
  double max = kInf;    // clamp

  static Dist fixed_at(double v) {
    Dist d;
    d.value = v;
    return d;
  }
};

enum class ProviderKind { hyperscaler, neocloud, decentralized };
inline constexpr std::array<std::string_view, 3> kProviderKindNames = {"hyperscaler", "neocloud",
                                                                       "decentralized"};

enum class CapexBasis { revenue, served };
inline constexpr std::array<std::string_view, 2> kCapexBasisNames = {"revenue", "served"};

enum class InvestmentPolicy { none, revenue, narrative, defensive };
inline constexpr std::array<std::string_view, 4> kInvestmentPolicyNames = {
    "none", "revenue", "narrative", "defensive"};

struct LearningCurveParams {
  double quality_exponent = 0.0;  // b_q: quality gap (1 - q) falls as (V/V0)^-b_q
  double price_exponent = 0.0;    // b_c: price and unit cost fall as (V/V0)^-b_c
  double initial_volume = 1.0;    // V0: cumulative volume before step 0
};

struct BackgroundParams {
  double revenue = 0.0;  // non-AI revenue per step at step 0 (money)
  double growth = 0.0;   // log growth per step
};

// Budget and deal terms for courting (SPEC §2.2 step 2, issue 5).
struct InvestmentParams {
  InvestmentPolicy policy = InvestmentPolicy::none;
  double budget = 0.0;                 // accrued per step (money)
  double budget_cap = 0.0;             // cap on the accrued budget (money)
  double max_credit = 0.5;             // c_max: largest price discount offered
  std::int64_t credit_steps = 12;      // T_c
  std::int64_t exclusivity_steps = 0;  // T_x; 0 = no exclusivity
  double equity_per_credit = 0.0;      // equity share per unit of credit value
  double w_rev = 1.0;                  // weight of expected revenue in a lab's value score
  double w_narr = 1.0;                 // weight of the narrative term v_l x (share on rivals)
  double w_def = 1.0;                  // weight of the expected loss from a storm-off
  std::int64_t max_offers = 3;         // offers made per step at most
};

struct ProviderParams {
  std::string name;
  ProviderKind kind = ProviderKind::hyperscaler;
  double price = 1.0;                      // money per compute unit
  double unit_cost = 0.0;                  // money per compute unit served
  double quality = 0.5;                    // [0,1]
  std::optional<double> capacity;          // compute units per step
  std::optional<double> capacity_per_lab;  // alternative: per initial lab
  double capex_ratio = 0.0;                // share of the capex basis invested in capacity
  CapexBasis capex_basis = CapexBasis::revenue;
  double capacity_cost = 1.0;           // money (or volume) per unit of capacity
  std::int64_t capacity_lead_time = 0;  // steps from capex to capacity
  double reputation = 0.0;              // r_p in [-1,1] at step 0
  double egress_fee = 0.0;              // utility forfeited by leaving (in utility units)
  double lock_in_rate = 0.1;            // kappa_p
  double pseudo_count = 1.0;            // a_p of the log_count network effect
  double capacity_follow = 0.0;         // share of unmet requests that becomes capacity next step
  double supply_elasticity = 1.0;       // e: followed supply scales by (price / price0)^e
  bool active = true;                   // false: enters only with an add_provider event
  InvestmentParams investment;
  LearningCurveParams learning_curve;
  BackgroundParams background;
};

struct OutsideParams {
  bool enabled = false;
  double utility = 0.0;
};

// A tier's value of a lab field when the scenario leaves it out.
template <LabFieldKind K>
TierValueT<K> tier_default(double value) {
  if constexpr (K == LabFieldKind::count) {
    return static_cast<std::int64_t>(value);
  } else {
    return Dist::fixed_at(value);
  }
}

// A tier of generated labs: its share of them and, per lab field
// (lab_fields.hpp), a distribution (or a whole number for a count).
struct TierParams {
  std::string name;
  double fraction = 1.0;
#define CW_TIER_MEMBER(NAME, KIND, DEFAULT, ...) \
  TierValueT<LabFieldKind::KIND> NAME = tier_default<LabFieldKind::KIND>(DEFAULT);
  CW_LAB_FIELDS(CW_TIER_MEMBER)
#undef CW_TIER_MEMBER
  NumberMap affinity;  // provider name -> utility bonus
};

// A named lab: lab fields left out (nullopt) are drawn from its tier.
struct NamedLabParams {
  std::string name;
  std::string tier;
#define CW_NAMED_MEMBER(NAME, ...) std::optional<double> NAME;
  CW_LAB_FIELDS(CW_NAMED_MEMBER)
#undef CW_NAMED_MEMBER
  NumberMap affinity;
  std::string provider;  // initial provider ("" = the population's initial rule)
  std::string arrive;    // "YYYY-MM": arrives then (empty or <= start: present at start)
  bool present = true;   // false: appears only with an add_lab event
};

// The LabParamField of one line of CW_LAB_FIELDS.
#define CW_LAB_PARAM_FIELD(NAME, KIND, DEFAULT, SUPPORT, DOC, UNIT)                  \
  LabParamField<LabFieldKind::KIND, TierParams, NamedLabParams> {                    \
#NAME, &TierParams::NAME, &NamedLabParams::NAME, SUPPORT, FieldDoc { DOC, UNIT } \
  }

// Calls f(LabParamField) for every lab field, in declaration (and draw) order.
template <class F>
void for_each_lab_param(F&& f) {
#define CW_LAB_PARAM(...) f(CW_LAB_PARAM_FIELD(__VA_ARGS__));
  CW_LAB_FIELDS(CW_LAB_PARAM)
#undef CW_LAB_PARAM
}

enum class InitialAllocation { uniform, outside, choice };
inline constexpr std::array<std::string_view, 3> kInitialAllocationNames = {"uniform", "outside",
                                                                            "choice"};

enum class ArrivalProcess { none, poisson, fixed };
inline constexpr std::array<std::string_view, 3> kArrivalProcessNames = {"none", "poisson",
                                                                         "fixed"};

struct ArrivalParams {
  ArrivalProcess process = ArrivalProcess::none;
  double rate = 0.0;  // poisson: mean arrivals per step; fixed: floor((t+1) rate) - floor(t rate)
};

struct LabsParams {
  std::int64_t count = 0;
  InitialAllocation initial = InitialAllocation::uniform;
  std::vector<TierParams> tiers;
  std::vector<NamedLabParams> named;
  ArrivalParams arrivals;
};

enum class GraphGenerator {
  none,
  complete,
  erdos_renyi,
  watts_strogatz,
  barabasi_albert,
  edge_list
};
inline constexpr std::array<std::string_view, 6> kGraphGeneratorNames = {
    "none", "complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "edge_list"};

struct NetworkParams {
  GraphGenerator generator = GraphGenerator::none;
  double p = 0.1;         // erdos_renyi edge probability
  std::int64_t k = 4;     // watts_strogatz: neighbours in the ring (even)
  double rewire = 0.1;    // watts_strogatz rewiring probability
  std::int64_t m = 3;     // barabasi_albert edges per new lab; also for arrivals
  std::string file;       // edge_list: "lab_a,lab_b[,weight]" per line
  bool directed = false;  // edge_list: a,b means only "a listens to b"
  // Read from `file` by the config layer: initial-lab slots and weights.
  struct Edge {
    std::size_t a = 0, b = 0;
    double weight = 1.0;
  };
  std::vector<Edge> edges;
};

enum class AllocationRule { logit, sample, argmax };
inline constexpr std::array<std::string_view, 3> kAllocationRuleNames = {"logit", "sample",
                                                                         "argmax"};

struct ChoiceParams {
  AllocationRule allocation = AllocationRule::logit;
  double tau = 1.0;                 // logit temperature
  double partial_adjustment = 1.0;  // mu
  double noise = 0.0;               // sd of normal utility noise per (lab, provider, step)
};

enum class NetworkEffectForm { none, share_power, log_count, linear_count };
inline constexpr std::array<std::string_view, 4> kNetworkEffectFormNames = {
    "none", "share_power", "log_count", "linear_count"};

struct NetworkEffectParams {
  NetworkEffectForm form = NetworkEffectForm::none;
  double delta = 1.0;  // weight of G in utility
  double eta = 1.0;    // share_power exponent
  double r = 1.0;      // linear_count slope (may be negative)
};

struct LockInParams {
  double weight = 0.0;  // s: utility per unit of lock-in stock per unit of demand
  double decay = 0.0;   // per step
};

enum class RationingRule { pro_rata, partners_first };
inline constexpr std::array<std::string_view, 2> kRationingRuleNames = {"pro_rata",
                                                                        "partners_first"};

// Courting (SPEC §2.2 step 2): market-wide terms; budgets and policies are
// per provider (ProviderParams::investment).
struct CourtingParams {
  double margin = 0.1;   // utility margin a deal must give p over the best rival
  double warning = 0.2;  // a dependent lab is at risk when o_lp < storm_opinion + warning
};

enum class NarrativeMode { opinion, contagion };
inline constexpr std::array<std::string_view, 2> kNarrativeModeNames = {"opinion", "contagion"};

// Narrative (SPEC §2.2 step 6).
struct NarrativeParams {
  bool enabled = false;
  NarrativeMode mode = NarrativeMode::opinion;
  double lambda = 0.3;                 // opinion update speed
  double w_exp = 0.5;                  // weight of own experience vs neighbours
  double experience_threshold = 0.05;  // x_lp above which a lab experiences p
  double statement_threshold = 0.5;    // |o| a statement needs
  double storm_threshold = 0.5;        // theta: share of demand moved away that is a storm-off
  double storm_amplification = 5.0;    // weight multiplier of a storm-off statement
  double storm_opinion = -0.4;         // o_lp below which a lab dependent on p walks out
  double storm_dependence = 0.5;       // x_lp from which a lab depends on p
  double inattention = 10.0;           // v_0: the public's inattention
  double rho = 0.2;                    // reputation update speed
  double phi = 1.0;                    // weight of the narrative-share term
  double p_innov = 0.01;               // contagion: innovation hazard
  double q_imit = 0.3;                 // contagion: imitation hazard
};

enum class EventType {
  set,
  deal,
  capacity_contract,
  switch_,
  end_exclusivity,
  add_provider,
  remove_provider,
  add_lab,
  remove_lab,
  reputation_shock,
  capacity_outage
};
inline constexpr std::array<std::string_view, 11> kEventTypeNames = {"set",
                                                                     "deal",
                                                                     "capacity_contract",
                                                                     "switch",
                                                                     "end_exclusivity",
                                                                     "add_provider",
                                                                     "remove_provider",
                                                                     "add_lab",
                                                                     "remove_lab",
                                                                     "reputation_shock",
                                                                     "capacity_outage"};

// A scheduled event (SPEC §2.2 step 8). Fields used depend on the type.
struct EventParams {
  std::string name;
  EventType type = EventType::set;
  std::string date;            // "YYYY-MM", or
  std::optional<double> step;  // a step number
  bool enabled = true;
  std::string path, value;             // set
  std::string provider, lab, from;     // deal, contract, switch, shocks...
  double credit = 0.0;                 // deal: price discount
  std::int64_t credit_steps = 12;      // deal
  std::int64_t exclusivity_steps = 0;  // deal
  double equity = 0.0;                 // deal: equity share taken (recorded)
  bool priority = false;               // deal: the lab is served first (priority capacity)
  double capacity = 0.0;               // deal: dedicated capacity built (compute units per step)
  double amount = 0.0;                 // deal: headline value (money; recorded)
  double volume = 0.0;                 // capacity_contract: compute units per step
  std::int64_t steps = 12;             // capacity_contract, capacity_outage: duration
  double share = 1.0;                  // switch: share of demand moved
  bool public_ = false;                // switch: a public storm-off
  double delta = 0.0;                  // reputation_shock
  double fraction = 0.5;               // capacity_outage: share of capacity lost
};

struct CapacityParams {
  RationingRule rationing = RationingRule::pro_rata;
};

enum class PriceRule { none, utilisation, market_power };
inline constexpr std::array<std::string_view, 3> kPriceRuleNames = {"none", "utilisation",
                                                                    "market_power"};

struct PricingParams {
  PriceRule rule = PriceRule::none;
  double target = 0.8;        // utilisation target
  double speed = 0.05;        // utilisation: price <- price exp(speed (u - target));
                              // market_power: ln p <- ln p + speed (ln p* - ln p), speed <= 1
  double floor = 0.0;         // prices never fall below floor * initial price
  bool below_cost = false;    // false: prices never fall below unit cost either
  std::int64_t horizon = 12;  // market_power: H, steps over which labs' responses count
  double max_markup = 0.75;   // market_power: cap on the Lerner index (price <= c / (1 - cap))
};

struct MetricsParams {
  double tipping_threshold = 0.5;
  std::int64_t tipping_window = 12;
  std::int64_t burn_in = 0;
  double usage_threshold = 0.01;  // x_lp above which a lab counts as "on" p
  std::int64_t flagships = 5;     // the top labs by prestige whose host is "flagship capture"
};

enum class GraphFormat { graphml, dot, both };
inline constexpr std::array<std::string_view, 3> kGraphFormatNames = {"graphml", "dot", "both"};

struct OutputParams {
  bool step_files = true;                 // per-step and per-step-provider files
  bool events = true;                     // the events file
  bool lab_steps = false;                 // step_labs.csv: named labs per step
  std::vector<std::int64_t> graph_steps;  // steps at which the market graph is exported
  GraphFormat graph_format = GraphFormat::graphml;
};

// A declared outcome (docs/OUTPUTS.md, "Declared outcomes"): one more
// column of runs.csv, a statistic of one per-step column (steps.csv, or
// step_providers.csv for `provider`) over the steps from `from` to `to`.
enum class OutcomeStat { mean, last, first, max, min, sum, first_above, first_below };
inline constexpr std::array<std::string_view, 8> kOutcomeStatNames = {
    "mean", "last", "first", "max", "min", "sum", "first_above", "first_below"};

struct OutcomeParams {
  std::string name;      // the runs.csv column
  std::string metric;    // a numeric column of steps.csv or step_providers.csv
  std::string provider;  // for a step_providers.csv column
  std::string from, to;  // YYYY-MM or a step number; empty: the first / last step
  OutcomeStat stat = OutcomeStat::mean;
  std::optional<double> level;  // first_above, first_below
};

struct Scenario {
  std::string name = "scenario";
  std::string start = "2017-01";
  std::int64_t steps = 120;
  std::int64_t seed = 1;
  std::string compute_unit = "1 compute unit = 1 M USD of compute at list price per month";
  std::vector<ProviderParams> providers;
  OutsideParams outside;
  LabsParams labs;
  NetworkParams network;
  ChoiceParams choice;
  NetworkEffectParams network_effect;
  LockInParams lock_in;
  CapacityParams capacity;
  CourtingParams courting;
  NarrativeParams narrative;
  PricingParams pricing;
  std::vector<EventParams> events;
  MetricsParams metrics;
  std::vector<OutcomeParams> outcomes;
  OutputParams output;
};

// The schema of every parameter (see schema.hpp).
void describe(FieldVisitor& v, Dist& d);
void describe(FieldVisitor& v, ProviderParams& p);
void describe(FieldVisitor& v, TierParams& t);
void describe(FieldVisitor& v, NamedLabParams& l);
void describe(FieldVisitor& v, OutcomeParams& o);
void describe(FieldVisitor& v, Scenario& s);

// A problem found in parameters, located by its parameter path (SPEC §2.3,
// positions as in the file: `providers[2].price`).
struct Problem {
  std::string path;
  std::string message;
  std::string got;  // the offending value as text, or empty
  // Other paths the check read: a problem whose inputs could not be read is
  // an echo of that reading problem and is left out (the path always counts).
  std::vector<std::string> inputs = {};
};

// Whether `path` is `prefix` or lies under it (whole segments only:
// `labs.name` is not a prefix of `labs.named[0]`).
bool path_within(const std::string& path, const std::string& prefix);

// Cross-field checks that no single field can make (sim/core/check.cpp):
// names unique and known, tier fractions summing to 1, distributions fitting
// their family and their field's support, dates inside the horizon, events
// with what their type needs, and `set` events that may change their
// parameter during a run and leave the scenario valid when applied in firing
// order. Appends to `out`; returns true when none was found.
bool check_scenario(const Scenario& s, std::vector<Problem>& out);

// "2017-01" -> months since year 0; nullopt when malformed.
std::optional<std::int64_t> parse_year_month(std::string_view text);
std::string format_year_month(std::int64_t months);

}  // namespace cw
