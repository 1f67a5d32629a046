// Parameter paths in four pieces:
//   parse_path   text -> segments (`providers[AWS].price` -> providers[AWS], price);
//   PathWalker   follows the segments through the schema to the one leaf they
//                name and hands it, as a typed Leaf, to an action;
//   SetLeaf, GetLeaf  the actions of set_parameter and get_parameter;
//   ParamLister  walks the whole schema for list_parameters (no path).
#include "core/param_path.hpp"

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <variant>

#include "core/number.hpp"
#include "core/suggest.hpp"

namespace cw {

namespace {

struct Segment {
  std::string key;
  std::string selector;  // inside [...], or empty
  bool has_selector = false;
};

std::vector<Segment> parse_path(const std::string& path) {
  std::vector<Segment> segs;
  std::size_t i = 0;
  auto fail = [&path](const std::string& why) {
    throw PathError(fmt::format("parameter path '{}': {}", path, why));
  };
  while (i < path.size()) {
    Segment seg;
    while (i < path.size() && path[i] != '.' && path[i] != '[') seg.key += path[i++];
    if (seg.key.empty()) fail("empty key");
    if (i < path.size() && path[i] == '[') {
      const auto close = path.find(']', i);
      if (close == std::string::npos) fail("'[' without ']'");
      seg.selector = path.substr(i + 1, close - i - 1);
      seg.has_selector = true;
      if (seg.selector.empty()) fail("empty [] selector");
      i = close + 1;
    }
    segs.push_back(seg);
    if (i < path.size()) {
      if (path[i] != '.') fail("expected '.' after ']'");
      ++i;
      if (i == path.size()) fail("ends with '.'");
    }
  }
  if (segs.empty()) fail("empty path");
  return segs;
}

std::string format_number(double x) { return fmt::format("{}", x); }

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += sep;
    s += items[i];
  }
  return s;
}

std::string join_integers(const std::vector<std::int64_t>& v) {
  std::vector<std::string> items;
  for (auto x : v) items.push_back(std::to_string(x));
  return join(items, ",");
}

std::string choice_names(const ChoiceRef& ref) {
  return join(std::vector<std::string>(ref.names.begin(), ref.names.end()), "|");
}

// ---------------------------------------------------------------------------
// The parameter a path names, as the walker hands it over: a reference into
// the scenario, valid while the action runs.

// One entry of a name -> number map (present or not).
struct MapEntry {
  NumberMap* map;
  std::string name;
};
// A distribution named as a whole (`...alpha`): it can only be set, to a fixed number.
struct WholeDistribution {
  std::string key;
  const std::function<void(double)>* set_fixed;
};

struct Leaf {
  using Target = std::variant<double*, std::optional<double>*, std::int64_t*, bool*, std::string*,
                              ChoiceRef, std::vector<std::int64_t>*, std::vector<std::string>*,
                              MapEntry, WholeDistribution>;
  Target target;
  Bounds bounds;
  // start_only when the field or a section around it is (schema.hpp).
  MidRun mid_run = MidRun::allowed;
};

// ---------------------------------------------------------------------------
// The walker: follows a parsed path through the schema to its one leaf and
// runs an action on it. It reports a path that goes wrong on the way (a
// section or list item named as a parameter, a missing [] selector, an
// unknown list item) and leaves a path that matches nothing to the caller.

class PathWalker final : public FieldVisitor {
 public:
  using Action = std::function<void(const Leaf&)>;

  PathWalker(const std::string& path, Action action)
      : segs_(parse_path(path)), path_(path), action_(std::move(action)) {}

  bool found() const { return found_; }

  void number(std::string_view key, double& v, Bounds b, FieldDoc doc, bool) override {
    if (match_leaf(key)) act({&v, b}, doc);
  }
  void maybe_number(std::string_view key, std::optional<double>& v, Bounds b,
                    FieldDoc doc) override {
    if (match_leaf(key)) act({&v, b}, doc);
  }
  void integer(std::string_view key, std::int64_t& v, Bounds b, FieldDoc doc, bool) override {
    if (match_leaf(key)) act({&v, b}, doc);
  }
  void flag(std::string_view key, bool& v, FieldDoc doc) override {
    if (match_leaf(key)) act({&v, kAnyNumber}, doc);
  }
  void text(std::string_view key, std::string& v, FieldDoc doc, bool) override {
    if (match_leaf(key)) act({&v, kAnyNumber}, doc);
  }
  void choice(std::string_view key, ChoiceRef ref, FieldDoc doc) override {
    if (match_leaf(key)) act({std::move(ref), kAnyNumber}, doc);
  }
  void integers(std::string_view key, std::vector<std::int64_t>& v, Bounds b,
                FieldDoc doc) override {
    if (match_leaf(key)) act({&v, b}, doc);
  }
  void texts(std::string_view key, std::vector<std::string>& v, FieldDoc doc) override {
    if (match_leaf(key)) act({&v, kAnyNumber}, doc);
  }
  void number_map(std::string_view key, NumberMap& v, Bounds b, FieldDoc doc) override {
    if (!match_node(key)) return;
    if (pos_ + 2 != segs_.size() || segs_[pos_ + 1].has_selector) {
      fail("names a map: add one name, e.g. " + std::string(key) + ".NAME");
    }
    act({MapEntry{&v, segs_[pos_ + 1].key}, b}, doc);
  }
  void object(std::string_view key, const std::function<void(FieldVisitor&)>& body, FieldDoc doc,
              bool) override {
    if (!match_node(key)) return;
    if (pos_ + 1 == segs_.size()) fail("names a section, not a parameter");
    descend(body, doc);
  }
  void scalar_object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                     const std::function<void(double)>& from_scalar, const std::function<void()>&,
                     FieldDoc doc) override {
    if (!match_node(key)) return;
    if (pos_ + 1 == segs_.size())
      return act({WholeDistribution{std::string(key), &from_scalar}, kAnyNumber}, doc);
    descend(body, doc);
  }
  void list(std::string_view key, ListRef ref, FieldDoc doc, bool) override {
    if (!match_node(key)) return;
    const Segment& seg = segs_[pos_];
    if (!seg.has_selector) fail("is a list: select an item, e.g. " + std::string(key) + "[0]");
    const std::size_t index = select(key, ref, seg.selector);
    if (pos_ + 1 == segs_.size()) fail("names a list item, not a parameter");
    descend([&](FieldVisitor& v) { ref.item(index, v); }, doc);
  }

 private:
  // Whether `key` is the current segment (and the path is not yet found).
  bool match_node(std::string_view key) const {
    return !found_ && pos_ < segs_.size() && segs_[pos_].key == key;
  }
  // Whether `key`, a single value, is the end of the path.
  bool match_leaf(std::string_view key) {
    if (!match_node(key)) return false;
    if (pos_ + 1 != segs_.size()) fail("is a single value and has no fields");
    if (segs_[pos_].has_selector) fail("is not a list");
    return true;
  }
  void act(Leaf leaf, const FieldDoc& doc) {
    found_ = true;
    if (start_only_ || doc.mid_run == MidRun::start_only) leaf.mid_run = MidRun::start_only;
    action_(leaf);
  }
  // Walks into a section or list item for the next segment. A miss inside
  // comes back to the same depth, so that a later key of this level is never
  // matched against a segment meant for the section.
  // A section marked start_only makes everything inside it start_only.
  void descend(const std::function<void(FieldVisitor&)>& body, const FieldDoc& doc) {
    const bool saved = start_only_;
    start_only_ = start_only_ || doc.mid_run == MidRun::start_only;
    ++pos_;
    body(*this);
    --pos_;
    start_only_ = saved;
  }
  // A list item by name, or else by index.
  std::size_t select(std::string_view key, const ListRef& ref, const std::string& selector) {
    const std::size_t n = ref.size();
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
      names.push_back(ref.name(i));
      if (names.back() == selector) return i;
    }
    const std::optional<double> x = parse_number(selector);
    if (x && is_whole(*x) && *x >= 0 && *x < static_cast<double>(n)) {
      return static_cast<std::size_t>(*x);
    }
    // The suggestion is the whole path with the nearest item name in place.
    const std::string near = nearest(selector, names);
    fail(fmt::format("{} has no item '{}'{}", std::string(key), selector,
                     near.empty() ? std::string()
                                  : fmt::format(" (did you mean '{}'?)", path_with(pos_, near))));
  }
  // The path with segment `at`'s selector replaced by `selector`.
  std::string path_with(std::size_t at, const std::string& selector) const {
    std::string out;
    for (std::size_t i = 0; i < segs_.size(); ++i) {
      if (i) out += '.';
      out += segs_[i].key;
      if (segs_[i].has_selector) out += "[" + (i == at ? selector : segs_[i].selector) + "]";
    }
    return out;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw PathError(fmt::format("{}: {}", path_, why));
  }

  std::vector<Segment> segs_;
  std::string path_;
  Action action_;
  std::size_t pos_ = 0;
  bool found_ = false;
  bool start_only_ = false;  // inside a start_only section
};

// Runs `action` on the leaf `path` names in `s`; an unknown path gets the
// nearest existing one as a suggestion.
void walk(Scenario& s, const std::string& path, const PathWalker::Action& action) {
  PathWalker walker(path, action);
  describe(walker, s);
  if (walker.found()) return;
  std::vector<std::string> all;
  for (const auto& info : list_parameters(s)) all.push_back(info.path);
  throw PathError(fmt::format("unknown parameter path '{}'{}", path, did_you_mean(path, all)));
}

// ---------------------------------------------------------------------------
// Setting a leaf from text: numbers and flags through core/number.hpp.

class SetLeaf {
 public:
  SetLeaf(const std::string& path, const std::string& value, Bounds bounds)
      : path_(path), value_(value), bounds_(bounds) {}

  void operator()(double* v) const { *v = number(); }
  void operator()(std::optional<double>* v) const { *v = number(); }
  void operator()(std::int64_t* v) const {
    const ReadNumber r = read_whole_field(value_, bounds_);
    if (!r.ok()) fail(r.problem);
    *v = static_cast<std::int64_t>(r.value);
  }
  void operator()(bool* v) const {
    const std::optional<bool> parsed = parse_flag(value_);
    if (!parsed) fail(std::string(kNotAFlag));
    *v = *parsed;
  }
  void operator()(std::string* v) const { *v = value_; }
  void operator()(const ChoiceRef& ref) const {
    for (std::size_t i = 0; i < ref.names.size(); ++i) {
      if (ref.names[i] == value_) return ref.set(static_cast<int>(i));
    }
    std::vector<std::string> all(ref.names.begin(), ref.names.end());
    fail("must be one of " + choice_names(ref) + did_you_mean(value_, all));
  }
  // `a,b,c` (empty: no items). One item is reported as the field itself,
  // several by index, as the YAML reader reports a scalar and a list.
  void operator()(std::vector<std::int64_t>* v) const {
    const std::vector<std::string> items = split();
    std::vector<std::int64_t> parsed;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const ReadNumber r = read_whole_field(items[i], bounds_);
      if (!r.ok()) {
        const std::string at = items.size() == 1 ? path_ : fmt::format("{}[{}]", path_, i);
        throw PathError(fmt::format("{}: {} (got {})", at, r.problem, items[i]));
      }
      parsed.push_back(static_cast<std::int64_t>(r.value));
    }
    *v = parsed;
  }
  void operator()(std::vector<std::string>* v) const {
    *v = value_.empty() ? std::vector<std::string>{""} : split();
  }
  // Sets the entry, or adds it.
  void operator()(const MapEntry& e) const {
    const double x = number();
    for (auto& [name, value] : *e.map) {
      if (name == e.name) {
        value = x;
        return;
      }
    }
    e.map->emplace_back(e.name, x);
  }
  void operator()(const WholeDistribution& d) const {
    const ReadNumber r = read_number_field(value_, kAnyNumber);
    if (!r.ok()) fail(r.problem);
    (*d.set_fixed)(r.value);
  }

 private:
  double number() const {
    const ReadNumber r = read_number_field(value_, bounds_);
    if (!r.ok()) fail(r.problem);
    return r.value;
  }
  std::vector<std::string> split() const {
    std::vector<std::string> items;
    for (std::size_t start = 0; !value_.empty();) {
      const auto comma = value_.find(',', start);
      items.push_back(value_.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return items;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw PathError(fmt::format("{}: {} (got {})", path_, why, value_));
  }

  const std::string& path_;
  const std::string& value_;
  Bounds bounds_;
};

// ---------------------------------------------------------------------------
// Reading a leaf as text (what SetLeaf accepts).

class GetLeaf {
 public:
  explicit GetLeaf(const std::string& path) : path_(path) {}

  std::string operator()(const double* v) const { return format_number(*v); }
  std::string operator()(const std::optional<double>* v) const {
    return *v ? format_number(**v) : "";
  }
  std::string operator()(const std::int64_t* v) const { return std::to_string(*v); }
  std::string operator()(const bool* v) const { return *v ? "true" : "false"; }
  std::string operator()(const std::string* v) const { return *v; }
  std::string operator()(const ChoiceRef& ref) const {
    return std::string(ref.names[static_cast<std::size_t>(ref.get())]);
  }
  std::string operator()(const std::vector<std::int64_t>* v) const { return join_integers(*v); }
  std::string operator()(const std::vector<std::string>* v) const { return join(*v, ","); }
  // An entry that is not there reads as empty.
  std::string operator()(const MapEntry& e) const {
    for (const auto& [name, value] : *e.map) {
      if (name == e.name) return format_number(value);
    }
    return "";
  }
  std::string operator()(const WholeDistribution& d) const {
    throw PathError(
        fmt::format("{}: is a distribution: name one of its fields, e.g. {}.mean", path_, d.key));
  }

 private:
  const std::string& path_;
};

// ---------------------------------------------------------------------------
// Listing every leaf (no path): one ParamInfo each, list items by name or index.

class ParamLister final : public FieldVisitor {
 public:
  explicit ParamLister(std::vector<ParamInfo>& out) : out_(out) {}

  void number(std::string_view key, double& v, Bounds b, FieldDoc doc, bool required) override {
    add(key, "number", format_number(v), doc, b, required);
  }
  void maybe_number(std::string_view key, std::optional<double>& v, Bounds b,
                    FieldDoc doc) override {
    add(key, "number or empty", v ? format_number(*v) : "", doc, b);
  }
  void integer(std::string_view key, std::int64_t& v, Bounds b, FieldDoc doc,
               bool required) override {
    add(key, "integer", std::to_string(v), doc, b, required);
  }
  void flag(std::string_view key, bool& v, FieldDoc doc) override {
    add(key, "true/false", v ? "true" : "false", doc);
  }
  void text(std::string_view key, std::string& v, FieldDoc doc, bool required) override {
    add(key, "text", v, doc, std::nullopt, required);
  }
  void choice(std::string_view key, ChoiceRef ref, FieldDoc doc) override {
    add(key, "one of " + choice_names(ref),
        std::string(ref.names[static_cast<std::size_t>(ref.get())]), doc);
    out_.back().choices.assign(ref.names.begin(), ref.names.end());
  }
  void integers(std::string_view key, std::vector<std::int64_t>& v, Bounds b,
                FieldDoc doc) override {
    add(key, "integers a,b,c", join_integers(v), doc, b);
  }
  void texts(std::string_view key, std::vector<std::string>& v, FieldDoc doc) override {
    add(key, "values a,b,c", join(v, ","), doc);
  }
  // One line per entry, or one NAME line when the map is empty.
  void number_map(std::string_view key, NumberMap& v, Bounds b, FieldDoc doc) override {
    for (auto& [name, x] : v)
      add(std::string(key) + "." + name, "number", format_number(x), doc, b);
    if (v.empty()) add(std::string(key) + ".NAME", "number", "", doc, b);
  }
  void object(std::string_view key, const std::function<void(FieldVisitor&)>& body, FieldDoc doc,
              bool) override {
    within(std::string(key) + ".", body, doc);
  }
  void scalar_object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                     const std::function<void(double)>&, const std::function<void()>&,
                     FieldDoc doc) override {
    add(key, "number (fixed) or distribution", "", doc);
    within(std::string(key) + ".", body, doc);
  }
  void list(std::string_view key, ListRef ref, FieldDoc doc, bool) override {
    for (std::size_t i = 0; i < ref.size(); ++i) {
      const std::string name = ref.name(i);
      within(
          fmt::format("{}[{}].", key, name.empty() ? std::to_string(i) : name),
          [&](FieldVisitor& v) { ref.item(i, v); }, doc);
    }
  }

 private:
  void add(std::string_view key, std::string type, std::string value, FieldDoc doc,
           std::optional<Bounds> range = std::nullopt, bool required = false) {
    ParamInfo info;
    info.path = prefix_ + std::string(key);
    info.type = std::move(type);
    info.bounds = range ? range->describe() : "";
    info.value = std::move(value);
    info.unit = doc.unit;
    info.doc = doc.text;
    info.range = range;
    info.required = required;
    info.start_only = start_only_ || doc.mid_run == MidRun::start_only;
    out_.push_back(std::move(info));
  }
  void within(const std::string& prefix, const std::function<void(FieldVisitor&)>& body,
              const FieldDoc& doc) {
    const std::string saved = prefix_;
    const bool saved_start_only = start_only_;
    prefix_ += prefix;
    start_only_ = start_only_ || doc.mid_run == MidRun::start_only;
    body(*this);
    prefix_ = saved;
    start_only_ = saved_start_only;
  }

  std::vector<ParamInfo>& out_;
  std::string prefix_;
  bool start_only_ = false;  // inside a start_only section
};

}  // namespace

void set_parameter(Scenario& s, const std::string& path, const std::string& value) {
  walk(s, path,
       [&](const Leaf& leaf) { std::visit(SetLeaf(path, value, leaf.bounds), leaf.target); });
}

std::string get_parameter(const Scenario& s, const std::string& path) {
  Scenario copy = s;
  std::string result;
  walk(copy, path, [&](const Leaf& leaf) { result = std::visit(GetLeaf(path), leaf.target); });
  return result;
}

MidRun parameter_mid_run(const Scenario& s, const std::string& path) {
  Scenario copy = s;
  MidRun mid_run = MidRun::allowed;
  walk(copy, path, [&](const Leaf& leaf) { mid_run = leaf.mid_run; });
  return mid_run;
}

bool parameter_is_integer(const Scenario& s, const std::string& path) {
  Scenario copy = s;
  bool whole = false;
  walk(copy, path, [&](const Leaf& leaf) {
    std::visit(GetLeaf(path), leaf.target);  // a distribution as a whole is no single value
    whole = std::holds_alternative<std::int64_t*>(leaf.target);
  });
  return whole;
}

std::vector<ParamInfo> list_parameters(const Scenario& s) {
  Scenario copy = s;
  std::vector<ParamInfo> out;
  ParamLister lister(out);
  describe(lister, copy);
  return out;
}

}  // namespace cw
