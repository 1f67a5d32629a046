// The per-lab parameters, declared once (SPEC §2.1; docs/ARCHITECTURE.md,
// "How to add a lab field").
//
// One line per field:  X(NAME, KIND, DEFAULT, SUPPORT, DOC, UNIT)
//   KIND     drawn    a tier gives a distribution, a named lab a number; each
//                     lab keeps its value (LabState: Column<double>, stored
//                     once while every lab has the same value);
//            varying  as drawn, but the rules change each lab's value during
//                     a run (LabState: std::vector<double>);
//            count    a tier gives a whole number (no draw), a named lab too
//                     (LabState: Column<std::int32_t>).
//   DEFAULT  the tier's value when the scenario leaves the field out.
//   SUPPORT  the values a lab may hold: a tier's distribution must draw inside
//            it (validation), a draw is clamped into it, a named lab's value
//            must lie in it.
//   DOC, UNIT  documentation: docs/MODEL.md's parameter table, `cloudwars params`.
//
// Everything else follows from this list: the members of TierParams and
// NamedLabParams and their YAML keys and parameter paths
// (`labs.tiers[T].NAME`, `labs.named[L].NAME`), the checks of tier
// distributions, the LabState column and its compaction when labs exit, the
// values of generated labs (drawn from stream lab_init in this order) and of
// named labs, and `set` events on a named lab during a run (the lab in the
// market takes the new value at once).
//
// Draws follow the order of this list, so a new drawn field goes at the END:
// one inserted in the middle would change the draws of every field after it,
// and with them every result.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "core/schema.hpp"

// clang-format off
#define CW_LAB_FIELDS(X)                                                                           \
  X(demand, varying, 1.0, kNonNegative,                                                            \
    "d_l: compute demand at arrival", "compute units per step")                                    \
  X(growth, drawn, 0.0, kAnyNumber,                                                                \
    "g: log demand growth per step", "")                                                           \
  X(volatility, drawn, 0.0, kNonNegative,                                                          \
    "sigma: sd of log demand growth per step", "")                                                 \
  X(prestige, drawn, 1.0, kNonNegative,                                                            \
    "v_l: visibility, weight of the lab's voice", "")                                              \
  X(alpha, drawn, 1.0, kNonNegative,                                                               \
    "alpha_l: price sensitivity", "")                                                              \
  X(beta, drawn, 1.0, kAnyNumber,                                                                  \
    "beta_l: quality weight", "")                                                                  \
  X(gamma, drawn, 0.0, kAnyNumber,                                                                 \
    "gamma_l: reputation weight", "")                                                              \
  X(w_own, drawn, 0.0, kUnit,                                                                      \
    "w_own: own opinion vs public reputation, in [0,1]", "")                                       \
  X(outspokenness, drawn, 0.0, kUnit,                                                              \
    "pi_l: probability of a statement per step, in [0,1]", "")                                     \
  X(renewal, drawn, 1.0, kUnit,                                                                    \
    "h: probability of re-evaluating per step, in [0,1]", "")                                      \
  X(exit_hazard, drawn, 0.0, kUnit,                                                                \
    "probability of exit per step, in [0,1]", "")                                                  \
  X(deal_threshold, drawn, 0.0, kAnyNumber,                                                        \
    "utility gain a deal must bring to be accepted", "utility")                                    \
  X(max_providers, count, 1.0, range(1, 64),                                                       \
    "k: most providers a lab uses at once (1 = single-homing)", "")
// clang-format on

namespace cw {

enum class LabFieldKind { drawn, varying, count };

// What a field's KIND means for a tier's parameter.
struct Dist;

template <LabFieldKind K>
struct TierValue {
  using type = Dist;
};
template <>
struct TierValue<LabFieldKind::count> {
  using type = std::int64_t;
};
template <LabFieldKind K>
using TierValueT = typename TierValue<K>::type;

// One field's declaration, as the parameter side sees it. `Tier` and `Named`
// are TierParams and NamedLabParams (templates only so that this header
// comes before them).
template <LabFieldKind K, class Tier, class Named>
struct LabParamField {
  static constexpr LabFieldKind kind = K;
  std::string_view key;
  TierValueT<K> Tier::*tier;
  std::optional<double> Named::*named;
  Bounds support;
  FieldDoc doc;
};

// The KIND of a LabParamField type: `if constexpr (field_kind<decltype(f)> == ...)`.
template <class Field>
inline constexpr LabFieldKind field_kind = std::remove_cvref_t<Field>::kind;

}  // namespace cw
