// The parameter schema: one description of every parameter, walked by visitors.
//
// Each parameter struct has a `describe(FieldVisitor&, T&)` overload that lists
// its fields with their YAML key, bounds and documentation. The same listing
// serves the YAML reader (sim/config), parameter paths (`--set`, `set` events,
// sweeps), the resolved-config dump in manifest.json and the parameter table
// of docs/MODEL.md, so a parameter exists in one place only.
//
// Visitors never see YAML: the config part implements a visitor over yaml-cpp.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cw {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
// Providers per scenario (usage sets are 64-bit masks).
inline constexpr std::size_t kMaxProviders = 63;

// Closed or open interval a number must lie in; every number must also be finite.
struct Bounds {
  double lo = -kInf;
  double hi = kInf;
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double x) const {
    if (lo_open ? !(x > lo) : !(x >= lo)) return false;
    if (hi_open ? !(x < hi) : !(x <= hi)) return false;
    return true;
  }
  // "must be > 0", "must be in [0, 1]"; empty when unbounded.
  std::string describe() const;
};

inline constexpr Bounds kAnyNumber{};
inline constexpr Bounds kPositive{0.0, kInf, true, false};
inline constexpr Bounds kNonNegative{0.0, kInf, false, false};
inline constexpr Bounds kUnit{0.0, 1.0, false, false};
inline constexpr Bounds kSigned{-1.0, 1.0, false, false};
inline constexpr Bounds range(double lo, double hi) { return Bounds{lo, hi, false, false}; }

// Whether a `set` event may change a parameter during a run. A parameter
// read only when the run starts (the horizon, a provider's name, the initial
// network...) is `start_only`: a `set` event on it is a config error. An
// object marked start_only makes every parameter inside it start_only.
enum class MidRun { allowed, start_only };
inline constexpr MidRun kStartOnly = MidRun::start_only;

// Documentation attached to a field (shown in docs/MODEL.md and `cloudwars
// params`), and whether it may change during a run.
struct FieldDoc {
  std::string_view text;
  std::string_view unit = "";
  MidRun mid_run = MidRun::allowed;
};

// Type-erased access to a std::vector<T> of described items.
struct ListRef {
  std::function<std::size_t()> size;
  std::function<void(std::size_t)> resize;
  std::function<void(std::size_t, class FieldVisitor&)> item;
  // Name of item i (for paths like providers[AWS]); empty when items have no name.
  std::function<std::string(std::size_t)> name;
  bool allow_empty = false;
};

// Type-erased access to an enumeration stored as an enum class.
struct ChoiceRef {
  std::span<const std::string_view> names;
  std::function<int()> get;
  std::function<void(int)> set;
};

// Named numbers keyed by another item's name (e.g. affinity per provider).
using NumberMap = std::vector<std::pair<std::string, double>>;

class FieldVisitor {
 public:
  virtual ~FieldVisitor() = default;
  virtual void number(std::string_view key, double& value, Bounds bounds, FieldDoc doc,
                      bool required = false) = 0;
  // A number that may be left out (std::nullopt: "not given").
  virtual void maybe_number(std::string_view key, std::optional<double>& value, Bounds bounds,
                            FieldDoc doc) = 0;
  virtual void integer(std::string_view key, std::int64_t& value, Bounds bounds, FieldDoc doc,
                       bool required = false) = 0;
  virtual void flag(std::string_view key, bool& value, FieldDoc doc) = 0;
  virtual void text(std::string_view key, std::string& value, FieldDoc doc,
                    bool required = false) = 0;
  virtual void choice(std::string_view key, ChoiceRef ref, FieldDoc doc) = 0;
  virtual void integers(std::string_view key, std::vector<std::int64_t>& values, Bounds bounds,
                        FieldDoc doc) = 0;
  virtual void number_map(std::string_view key, NumberMap& values, Bounds bounds, FieldDoc doc) = 0;
  // A list of scalars kept as their text (sweep values: numbers, names, flags).
  virtual void texts(std::string_view key, std::vector<std::string>& values, FieldDoc doc) = 0;
  virtual void object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                      FieldDoc doc, bool required = false) = 0;
  // An object that a YAML scalar may stand for (a distribution: `2.0` means fixed 2.0).
  // `from_scalar` turns the scalar into the object's fields; `reset` restores
  // the object's neutral defaults before a mapping is read into it (so that a
  // field's default, such as `fixed 1.0`, does not leak into `{dist: ...}`).
  virtual void scalar_object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                             const std::function<void(double)>& from_scalar,
                             const std::function<void()>& reset, FieldDoc doc) = 0;
  virtual void list(std::string_view key, ListRef ref, FieldDoc doc, bool required = false) = 0;
};

// Helpers that build the type-erased references.
template <class E, std::size_t N>
ChoiceRef choice_ref(E& e, const std::array<std::string_view, N>& names) {
  return ChoiceRef{std::span<const std::string_view>(names.data(), N),
                   [&e] { return static_cast<int>(e); }, [&e](int v) { e = static_cast<E>(v); }};
}

template <class T, class Describe, class Name>
ListRef list_ref(std::vector<T>& items, Describe describe_item, Name name_of,
                 bool allow_empty = false) {
  return ListRef{
      [&items] { return items.size(); }, [&items](std::size_t n) { items.resize(n); },
      [&items, describe_item](std::size_t i, FieldVisitor& v) { describe_item(v, items[i]); },
      [&items, name_of](std::size_t i) { return std::string(name_of(items[i])); }, allow_empty};
}

template <class T, class Describe>
ListRef unnamed_list_ref(std::vector<T>& items, Describe describe_item, bool allow_empty = false) {
  return list_ref(
      items, describe_item, [](const T&) { return std::string(); }, allow_empty);
}

}  // namespace cw
