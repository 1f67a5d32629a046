// The state of one run: plain data, structure of arrays.
//
// Labs are stored by slot (0..n-1, in order of arrival; exits close up the
// order). Each lab's per-provider values are one contiguous row: the
// allocation x has P + 1 columns (providers 0..P-1, the outside option at P),
// the other rows P; both padded with zeros to an even length, so whole-row
// loops vectorise in pairs. Providers are indexed 0..P-1 in the order of the
// scenario file. Memory per lab matters at a million labs
// (docs/PERFORMANCE.md): rows that are zero in most scenarios (affinity,
// credit) are allocated only when a value is first set.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/graph.hpp"
#include "core/params.hpp"

namespace cw {

using AlignedVector = std::vector<double, Eigen::aligned_allocator<double>>;

// n rows of `stride` doubles. A `lazy` table has no data until a value is
// first set (materialise); until then every value is 0.
struct Rows {
  std::size_t stride = 8;
  AlignedVector data;
  bool lazy = false;

  bool allocated() const { return !data.empty() || !lazy; }
  // Allocates a lazy table for n rows, all zero (no-op once allocated).
  void materialise(std::size_t n) {
    if (data.empty()) data.assign(n * stride, 0.0);
  }

  double* row(std::size_t i) { return data.data() + i * stride; }
  const double* row(std::size_t i) const { return data.data() + i * stride; }
  double& at(std::size_t i, std::size_t p) { return data[i * stride + p]; }
  double at(std::size_t i, std::size_t p) const { return data[i * stride + p]; }
};

// A per-lab parameter that is often the same for every lab (a tier's fixed
// value): one value until a lab differs, then one value per lab. Reading
// costs a predictable branch; a million labs save 8 MB per uniform field.
template <class T>
class Column {
 public:
  T operator[](std::size_t l) const { return per_lab_ ? v_[l] : value_; }
  std::size_t size() const { return n_; }
  bool uniform() const { return !per_lab_; }
  // For kernels: the per-lab values, or nullptr while uniform (then value()).
  const T* per_lab_data() const { return per_lab_ ? v_.data() : nullptr; }
  T value() const { return value_; }

  void push_back(T value) {
    if (!per_lab_ && (n_ == 0 || value == value_)) {
      value_ = value;
      ++n_;
      return;
    }
    materialise();
    v_.push_back(value);
    ++n_;
  }
  void set(std::size_t l, T value) {
    if (!per_lab_ && value == value_) return;
    materialise();
    v_[l] = value;
  }
  // Labs [from, from + count)'s values to labs [to, to + count), to <= from
  // (closing up after exits).
  void move_down(std::size_t to, std::size_t from, std::size_t count) {
    if (per_lab_) std::copy(v_.begin() + from, v_.begin() + from + count, v_.begin() + to);
  }
  void resize(std::size_t n) {
    if (per_lab_) v_.resize(n, value_);
    n_ = n;
  }
  void reserve(std::size_t n) {
    if (per_lab_) v_.reserve(n);
  }

 private:
  void materialise() {
    if (per_lab_) return;
    v_.assign(n_, value_);
    per_lab_ = true;
  }
  std::vector<T> v_;
  T value_{};
  std::size_t n_ = 0;
  bool per_lab_ = false;
};

template <class T>
void move_slots_down(std::vector<T>& v, std::size_t to, std::size_t from, std::size_t count) {
  std::copy(v.begin() + from, v.begin() + from + count, v.begin() + to);
}
template <class T>
void move_slots_down(Column<T>& v, std::size_t to, std::size_t from, std::size_t count) {
  v.move_down(to, from, count);
}

// What a lab field's KIND (lab_fields.hpp) means for its LabState column.
template <LabFieldKind K>
struct LabColumn {
  using type = Column<double>;
};
template <>
struct LabColumn<LabFieldKind::varying> {
  using type = std::vector<double>;
};
template <>
struct LabColumn<LabFieldKind::count> {
  using type = Column<std::int32_t>;
};
template <LabFieldKind K>
using LabColumnT = typename LabColumn<K>::type;

// Sets lab `l`'s value of a field column from a parameter value.
inline void set_lab_value(std::vector<double>& v, std::size_t l, double x) { v[l] = x; }
inline void set_lab_value(Column<double>& v, std::size_t l, double x) { v.set(l, x); }
inline void set_lab_value(Column<std::int32_t>& v, std::size_t l, double x) {
  v.set(l, static_cast<std::int32_t>(x));
}

// kReevaluate: a forced re-evaluation in the next choice rule (a deal, an
// eviction). kWalkOut: the lab is dissatisfied with a provider it depends on
// (§6): it re-evaluates in the next choice rule whatever its renewal and
// exclusivity, and moves all the way to its choice (mu = 1).
inline constexpr std::uint8_t kReevaluate = 1, kWalkOut = 2;

struct LabState {
  std::size_t n = 0;
  std::vector<std::uint64_t> id;
  Column<std::int32_t> tier;
  // One column per lab field (lab_fields.hpp): L.demand, L.alpha, ...
#define CW_LAB_COLUMN(NAME, KIND, ...) LabColumnT<LabFieldKind::KIND> NAME;
  CW_LAB_FIELDS(CW_LAB_COLUMN)
#undef CW_LAB_COLUMN
  // The state of each lab that the rules keep (not parameters).
  std::vector<std::uint8_t> fresh;            // arrived and not yet chosen: choose with mu = 1
  std::vector<std::int32_t> main_provider;    // largest allocation (-1: none/outside)
  std::vector<std::int64_t> exclusive_until;  // no re-evaluation before this step
  std::vector<std::uint8_t> reevaluate;       // kReevaluate, kWalkOut flags
  std::vector<double> spend;  // this step's spend, sum_p served_lp price_p (lock-in ratio)
  Rows affinity, x, lock, opinion, credit;  // affinity and credit are lazy

  // Applies f to every per-lab scalar array (std::vector<T> or Column<T>)
  // and g to every Rows: exits close up and arrivals grow all of them.
  template <class F, class G>
  void for_each_array(F&& f, G&& g) {
    for_each_array_of(*this, f, g);
  }
  template <class F, class G>
  void for_each_array(F&& f, G&& g) const {
    for_each_array_of(*this, f, g);
  }

 private:
  template <class Self, class F, class G>
  static void for_each_array_of(Self& L, F& f, G& g) {
    f(L.id);
    f(L.tier);
#define CW_LAB_APPLY(NAME, ...) f(L.NAME);
    CW_LAB_FIELDS(CW_LAB_APPLY)
#undef CW_LAB_APPLY
    f(L.fresh);
    f(L.main_provider);
    f(L.exclusive_until);
    f(L.reevaluate);
    f(L.spend);
    g(L.affinity);
    g(L.x);
    g(L.lock);
    g(L.opinion);
    g(L.credit);
  }
};

// Calls f(param_field, column) for every lab field (lab_fields.hpp), in
// declaration (and draw) order: param_field is its LabParamField (keys,
// member pointers into TierParams and NamedLabParams, support), column its
// LabState column.
template <class Labs, class F>  // Labs: LabState or const LabState
void for_each_lab_column(Labs& L, F&& f) {
#define CW_LAB_BOTH(NAME, ...) f(CW_LAB_PARAM_FIELD(NAME, __VA_ARGS__), L.NAME);
  CW_LAB_FIELDS(CW_LAB_BOTH)
#undef CW_LAB_BOTH
}

struct ProviderState {
  std::size_t count = 0;
  std::vector<double> price, unit_cost, quality, capacity, reputation, egress_fee, lock_in_rate,
      pseudo_count;
  std::vector<double> log_price;  // ln(price), kept with price (the choice rule's hot term)
  std::vector<double> price0, unit_cost0, quality0;  // at step 0 (learning curve, floor)
  std::vector<double> price_level;                   // multiplier from the price rule
  std::vector<double> cum_volume;                    // V: cumulative served volume incl. V0
  std::vector<double> background;                    // background revenue this step
  std::vector<std::vector<double>> pipeline;         // capacity arriving in 1..L steps
  // Results of the current step.
  std::vector<double> requested, served, ai_revenue, revenue, profit, labs_using, narrative_share;
  // Price charged and quality offered this step (before this step's price
  // rule and learning update them for the next step).
  std::vector<double> price_charged, quality_offered, capacity_offered;
  std::vector<std::uint8_t> active;        // in the market (add/remove_provider)
  std::vector<double> budget;              // courting budget available
  std::vector<double> credits_given;       // discount given this step (money)
  std::vector<double> credits_spent;       // value of accepted deals, cumulative (money)
  std::vector<double> revenue_won;         // revenue from labs under a deal, cumulative
  std::vector<double> outage_fraction;     // capacity lost to an outage
  std::vector<std::int64_t> outage_until;  // outage ends before this step
  std::vector<double> partners;            // labs with an active deal
  // Lerner index (price - unit cost) / price at this step's price and cost
  // (NaN while not in the market).
  std::vector<double> lerner;
};

// The provider parameters the rules keep a current value of, in one table:
// ProviderState's column `now` starts at the parameter, a mid-run `set`
// event copies the new value into it (and into `at_start`, the value the
// learning curve scales, where there is one), and the rules move it from
// there (reputation by the narrative, unit cost and quality by the learning
// curve). Every other provider parameter is either read from the scenario
// at every use, or read only when the run starts (FieldDoc: start_only). Four
// have their own rule for a mid-run change, in sync_providers (events.cpp):
// price (resets the price-rule level), capacity, background.revenue, active.
struct ProviderMirror {
  std::string_view key;  // the parameter's key: providers[NAME].key
  double ProviderParams::*param;
  std::vector<double> ProviderState::*now;
  std::vector<double> ProviderState::*at_start = nullptr;
};
inline constexpr ProviderMirror kProviderMirrors[] = {
    {"unit_cost", &ProviderParams::unit_cost, &ProviderState::unit_cost,
     &ProviderState::unit_cost0},
    {"quality", &ProviderParams::quality, &ProviderState::quality, &ProviderState::quality0},
    {"reputation", &ProviderParams::reputation, &ProviderState::reputation},
    {"egress_fee", &ProviderParams::egress_fee, &ProviderState::egress_fee},
    {"lock_in_rate", &ProviderParams::lock_in_rate, &ProviderState::lock_in_rate},
    {"pseudo_count", &ProviderParams::pseudo_count, &ProviderState::pseudo_count},
};

// An investment deal (SPEC §2.2 step 2 or a deal event): a provider -> lab
// investment edge while active.
struct Deal {
  std::size_t provider = 0;
  std::uint64_t lab = 0;  // lab id
  double credit = 0;      // price discount c
  std::int64_t start = 0;
  std::int64_t credit_end = 0;     // credit applies in steps [start, credit_end)
  std::int64_t exclusive_end = 0;  // exclusivity in steps [start, exclusive_end)
  double value = 0;                // credits' value charged to the budget (money)
  double equity = 0;
  bool priority = false;  // priority capacity: served first while the deal is active
  double served = 0;      // served to the lab by the provider this step (capacity rule)
};

// A capacity contract: the lab keeps at least volume/d_l of its demand on p.
struct Contract {
  std::uint64_t lab = 0;
  std::size_t provider = 0;
  double volume = 0;
  std::int64_t end = 0;  // in force in steps before end
};

// A statement about a provider this step (SPEC §2.2 step 6).
struct Statement {
  std::size_t lab = 0;  // slot
  std::size_t provider = 0;
  double sign = 0;    // +1 endorse, -1 criticise
  double weight = 0;  // v_l, amplified for a storm-off
  bool storm = false;
};

// One line of the events file.
struct EventRecord {
  std::string type, name, lab, provider, other;
  double magnitude = 0;
};

// Sums over labs of the allocations after the choice rule, taken by the
// capacity rule in its pass over the labs for the narrative and provider
// rules; valid in step `step` only, and invalidated when allocations move
// after the capacity rule (contagion adoptions).
struct LabTotals {
  std::int64_t step = -1;
  double prestige = 0;                              // sum_l v_l
  std::array<double, kMaxProviders> prestige_x{};   // sum_l v_l x_lp
  std::array<double, kMaxProviders> using_count{};  // labs with x_lp above the usage threshold
};

// What one rule hands to a later rule of the same step (or the next step),
// in one place. Each field says who writes it and who reads it; a rule
// reads nothing else another rule left behind, except the agents' state.
struct Handoff {
  // courting (§2) -> choice (§3), capacity (§4): whether any lab's credit
  // row may be non-zero this step (the credit paths are skipped otherwise).
  bool any_credit = false;
  // courting (§2) -> choice (§3): the network effect G of this step's
  // allocations, valid while network_step is this step (courting sets it;
  // a deal that moves an allocation, or any later rule's use, resets it).
  std::array<double, kMaxProviders> network{};
  std::int64_t network_step = -1;
  // courting (§2) -> choice (§3): every lab's utilities in
  // scratch.utilities, computed with that G, valid while utilities_step and
  // network_step are this step, except for the slots in utilities_stale
  // (labs whose credit row a deal has changed since; accept_deal adds them).
  std::int64_t utilities_step = -1;
  std::vector<std::uint32_t> utilities_stale;
  // choice (§3) -> narrative (§6): this step's (slot, provider) pairs where
  // the lab moved at least theta of its demand off the provider in its
  // partial adjustment: the storm-off candidates.
  std::vector<std::pair<std::size_t, std::size_t>> moved_away;
  // capacity (§4) -> narrative (§6), providers (§7): sums over labs of this
  // step's allocations; narrative invalidates them (step = -1) when a
  // contagion adoption moves allocations.
  LabTotals totals;
  // capacity (§4) -> narrative (§6): this step's fill rates per provider,
  // for the labs served first (`first`: partners under partners_first
  // rationing, or under a deal with priority capacity) and for the others,
  // and the (slot, provider) pairs served first, sorted.
  std::array<double, kMaxProviders> fill_first{}, fill_other{};
  std::vector<std::pair<std::size_t, std::size_t>> served_first;
  // narrative (§6): this step's statements (the pending ones first), kept
  // until the next narrative rule for inspection (tests).
  std::vector<Statement> statements;
  // events (§8) -> the next step's narrative (§6): statements made by
  // scheduled events (a public switch).
  std::vector<Statement> pending_statements;
};

// A lab a courting provider considers an offer to (rule_courting): its
// score ranks it; the credit and the offer's value are computed only when
// the provider's choice reaches it.
struct CourtingCandidate {
  std::uint32_t slot = 0;
  bool defensive = false;  // to an at-risk lab on the provider: priority capacity
  double boost = 0;        // the utility the credit must buy (<= 0: none)
  double score = 0;
  double loss = 0;  // defensive: what the provider stands to lose (the offer's cap)
  double credit = 0, value = 0;
};

// Buffers a rule reuses from step to step so as not to allocate: no rule
// reads what another left in them.
struct Scratch {
  Rows rows;                              // per-lab rows (the narrative's next opinions)
  std::vector<std::uint32_t> choosers;    // the choice rule's re-evaluating labs
  std::vector<std::uint64_t> first_mask;  // per lab, a set of providers (capacity, courting)
  std::vector<std::uint32_t> courted;     // courting: the labs that can take an offer
  Rows utilities;                         // courting: every lab's utilities
  // courting: per courting provider (in provider order), its candidates;
  // and the offers made this step.
  std::vector<std::vector<CourtingCandidate>> candidates;
  std::vector<std::pair<std::uint32_t, CourtingCandidate>> offers;
};

struct State {
  std::int64_t step = 0;         // the step being run, or the next one
  std::int64_t start_month = 0;  // months since year 0 of step 0
  std::size_t P = 0;             // providers
  std::size_t stride = 8;        // length of an allocation row: P + 1 rounded up to even
  std::size_t pstride = 6;       // length of the other rows: P rounded up to even
  std::uint64_t next_lab_id = 0;
  // slot_by_id[id]: the slot of the lab with that id, -1 once it left (ids
  // are handed out in order, so this is a dense index; kept by the
  // population rule as labs arrive and leave).
  std::vector<std::int32_t> slot_by_id;
  LabState labs;
  ProviderState providers;
  Csr influence;  // the influence graph (usage: x; investment: deals)
  std::unordered_map<std::uint64_t, std::string> lab_names;  // named labs only
  // Named labs that arrive later: (step, index into Scenario::labs.named).
  std::vector<std::pair<std::int64_t, std::size_t>> pending_named;
  std::vector<Deal> deals;          // active deals
  std::vector<Contract> contracts;  // active capacity contracts
  std::vector<EventRecord> log;     // this step's events (cleared each step)
  // Whether the per-lab records (switch, entry, exit, adoption, endorsement,
  // criticism) go to the log: only when an events file is written, since a
  // large market makes thousands each step. Counters are kept regardless.
  bool log_events = true;
  Handoff handoff;  // between the rules of a step
  Scratch scratch;  // reused buffers

  std::string lab_name(std::size_t slot) const;
  // Slot of the lab with this id, or -1 (labs are kept in id order).
  std::int64_t slot_of(std::uint64_t lab_id) const {
    return lab_id < slot_by_id.size() ? slot_by_id[lab_id] : -1;
  }
  // Slot of the named lab `name`, or -1 when it is not in the market.
  std::int64_t slot_of_named(const std::string& name) const;
};

// The provider with the largest allocation in row x, or -1 when the outside
// option (or nothing) is larger: a lab's "main provider", whose change is a
// switch.
std::int32_t main_provider_of(const double* x, std::size_t P);

// Providers whose allocation in row x is above `threshold`, as bits (bit p):
// the lab's usage edges. Derived from x wherever it is needed.
std::uint64_t usage_mask(const double* x, std::size_t P, double threshold);

// The market graph of this state as a Boost graph (export and tests): every
// lab and provider; per lab its usage edges (providers with x above
// usage_threshold, by index), then its influence edges (CSR order, own
// weights); per provider its investment edges (active deals, in order,
// weighted by the deal's value).
MarketGraph market_graph(const State& st, double usage_threshold);

}  // namespace cw
