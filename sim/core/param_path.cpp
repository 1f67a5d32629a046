#include "core/param_path.hpp"

#include <fmt/format.h>

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

enum class Mode { set, get, list };

class PathVisitor final : public FieldVisitor {
 public:
  PathVisitor(Mode mode, std::vector<Segment> segs, std::string value, std::string full)
      : mode_(mode), segs_(std::move(segs)), value_(std::move(value)), full_(std::move(full)) {}
  // Listing mode.
  explicit PathVisitor(std::vector<ParamInfo>& out) : mode_(Mode::list), list_(&out) {}

  bool found() const { return found_; }
  const std::string& result() const { return result_; }
  bool whole() const { return whole_; }
  const std::vector<std::string>& keys_at_miss() const { return keys_here_; }
  std::size_t depth_reached() const { return pos_; }

  void number(std::string_view key, double& v, Bounds b, FieldDoc doc, bool) override {
    if (mode_ == Mode::list) return add_info(key, "number", b.describe(), format_number(v), doc);
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) return set_result(format_number(v));
    v = read_number(b);
  }
  void maybe_number(std::string_view key, std::optional<double>& v, Bounds b,
                    FieldDoc doc) override {
    if (mode_ == Mode::list) {
      return add_info(key, "number or empty", b.describe(), v ? format_number(*v) : "", doc);
    }
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) return set_result(v ? format_number(*v) : "");
    v = read_number(b);
  }
  void integer(std::string_view key, std::int64_t& v, Bounds b, FieldDoc doc, bool) override {
    if (mode_ == Mode::list) {
      return add_info(key, "integer", b.describe(), std::to_string(v), doc);
    }
    if (!match_leaf(key)) return;
    whole_ = true;
    if (mode_ == Mode::get) return set_result(std::to_string(v));
    const ReadNumber r = read_whole_field(value_, b);
    if (!r.ok()) fail(r.problem);
    v = static_cast<std::int64_t>(r.value);
  }
  void flag(std::string_view key, bool& v, FieldDoc doc) override {
    if (mode_ == Mode::list) return add_info(key, "true/false", "", v ? "true" : "false", doc);
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) return set_result(v ? "true" : "false");
    const std::optional<bool> parsed = parse_flag(value_);
    if (!parsed) fail(std::string(kNotAFlag));
    v = *parsed;
  }
  void text(std::string_view key, std::string& v, FieldDoc doc, bool) override {
    if (mode_ == Mode::list) return add_info(key, "text", "", v, doc);
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) return set_result(v);
    v = value_;
  }
  void choice(std::string_view key, ChoiceRef ref, FieldDoc doc) override {
    std::string names;
    for (std::size_t i = 0; i < ref.names.size(); ++i) {
      if (i) names += '|';
      names += ref.names[i];
    }
    if (mode_ == Mode::list) {
      return add_info(key, "one of " + names, "",
                      std::string(ref.names[static_cast<std::size_t>(ref.get())]), doc);
    }
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) {
      return set_result(std::string(ref.names[static_cast<std::size_t>(ref.get())]));
    }
    for (std::size_t i = 0; i < ref.names.size(); ++i) {
      if (ref.names[i] == value_) return ref.set(static_cast<int>(i));
    }
    std::vector<std::string> all(ref.names.begin(), ref.names.end());
    fail("must be one of " + names + did_you_mean(value_, all));
  }
  void integers(std::string_view key, std::vector<std::int64_t>& v, Bounds b,
                FieldDoc doc) override {
    auto join = [&v] {
      std::string s;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(v[i]);
      }
      return s;
    };
    if (mode_ == Mode::list) return add_info(key, "integers a,b,c", b.describe(), join(), doc);
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) return set_result(join());
    // `a,b,c` (empty: no items). One item is reported as the field itself,
    // several by index, as the YAML reader reports a scalar and a list.
    std::vector<std::string> items;
    for (std::size_t start = 0; !value_.empty();) {
      const auto comma = value_.find(',', start);
      items.push_back(value_.substr(start, comma == std::string::npos ? comma : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    std::vector<std::int64_t> parsed;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const ReadNumber r = read_whole_field(items[i], b);
      if (!r.ok()) {
        const std::string at = items.size() == 1 ? full_ : fmt::format("{}[{}]", full_, i);
        throw PathError(fmt::format("{}: {} (got {})", at, r.problem, items[i]));
      }
      parsed.push_back(static_cast<std::int64_t>(r.value));
    }
    v = parsed;
  }
  void texts(std::string_view key, std::vector<std::string>& v, FieldDoc doc) override {
    std::string joined;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) joined += ',';
      joined += v[i];
    }
    if (mode_ == Mode::list) return add_info(key, "values a,b,c", "", joined, doc);
    if (!match_leaf(key)) return;
    if (mode_ == Mode::get) return set_result(joined);
    v.clear();
    std::size_t start = 0;
    while (true) {
      const auto comma = value_.find(',', start);
      v.push_back(
          value_.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  void number_map(std::string_view key, NumberMap& v, Bounds b, FieldDoc doc) override {
    if (mode_ == Mode::list) {
      for (auto& [name, x] : v) {
        list_->push_back({prefix_ + std::string(key) + "." + name, "number", b.describe(),
                          format_number(x), std::string(doc.unit), std::string(doc.text)});
      }
      if (v.empty()) {
        list_->push_back({prefix_ + std::string(key) + ".NAME", "number", b.describe(), "",
                          std::string(doc.unit), std::string(doc.text)});
      }
      return;
    }
    if (!match_node(key)) return;
    if (pos_ + 2 != segs_.size() || segs_[pos_ + 1].has_selector) {
      fail_path("names a map: add one name, e.g. " + std::string(key) + ".NAME");
    }
    const std::string& name = segs_[pos_ + 1].key;
    found_ = true;
    for (auto& [n, x] : v) {
      if (n != name) continue;
      if (mode_ == Mode::get) return set_result(format_number(x));
      x = read_number(b);
      return;
    }
    if (mode_ == Mode::get) return set_result("");
    v.emplace_back(name, read_number(b));
  }
  void object(std::string_view key, const std::function<void(FieldVisitor&)>& body, FieldDoc,
              bool) override {
    if (mode_ == Mode::list) return descend_list(key, body);
    if (!match_node(key)) return;
    if (pos_ + 1 == segs_.size()) fail_path("names a section, not a parameter");
    descend(body);
  }
  void scalar_object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                     const std::function<void(double)>& from_scalar, const std::function<void()>&,
                     FieldDoc doc) override {
    if (mode_ == Mode::list) {
      add_info(key, "number (fixed) or distribution", "", "", doc);
      return descend_list(key, body);
    }
    if (!match_node(key)) return;
    if (pos_ + 1 == segs_.size()) {
      found_ = true;
      if (mode_ == Mode::get) {
        fail_path("is a distribution: name one of its fields, e.g. " + std::string(key) + ".mean");
      }
      from_scalar(read_number(kAnyNumber));
      return;
    }
    descend(body);
  }
  void list(std::string_view key, ListRef ref, FieldDoc, bool) override {
    if (mode_ == Mode::list) {
      const std::size_t n = ref.size();
      for (std::size_t i = 0; i < n; ++i) {
        std::string name = ref.name(i);
        const std::string sel = name.empty() ? std::to_string(i) : name;
        const std::string saved = prefix_;
        prefix_ += std::string(key) + "[" + sel + "].";
        ref.item(i, *this);
        prefix_ = saved;
      }
      return;
    }
    if (!match_node(key)) return;
    const Segment& seg = segs_[pos_];
    if (!seg.has_selector) fail_path("is a list: select an item, e.g. " + std::string(key) + "[0]");
    const std::size_t n = ref.size();
    std::size_t index = n;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
      names.push_back(ref.name(i));
      if (names.back() == seg.selector) index = i;
    }
    if (index == n) {
      const std::optional<double> x = parse_number(seg.selector);
      if (x && is_whole(*x) && *x >= 0 && *x < static_cast<double>(n)) {
        index = static_cast<std::size_t>(*x);
      }
    }
    if (index == n) {
      fail_path(fmt::format("{} has no item '{}'{}", std::string(key), seg.selector,
                            did_you_mean(seg.selector, names)));
    }
    if (pos_ + 1 == segs_.size()) fail_path("names a list item, not a parameter");
    ++pos_;
    ref.item(index, *this);
    --pos_;
  }

 private:
  void add_info(std::string_view key, std::string type, std::string bounds, std::string value,
                FieldDoc doc) {
    list_->push_back({prefix_ + std::string(key), std::move(type), std::move(bounds),
                      std::move(value), std::string(doc.unit), std::string(doc.text)});
  }
  void descend_list(std::string_view key, const std::function<void(FieldVisitor&)>& body) {
    const std::string saved = prefix_;
    prefix_ += std::string(key) + ".";
    body(*this);
    prefix_ = saved;
  }
  // Whether this key is the current segment (and records keys for suggestions).
  bool match_node(std::string_view key) {
    if (found_ || pos_ >= segs_.size()) return false;
    if (segs_[pos_].key != key) {
      keys_here_.emplace_back(key);
      return false;
    }
    return true;
  }
  bool match_leaf(std::string_view key) {
    if (!match_node(key)) return false;
    if (pos_ + 1 != segs_.size()) fail_path("is a single value and has no fields");
    if (segs_[pos_].has_selector) fail_path("is not a list");
    found_ = true;
    return true;
  }
  void descend(const std::function<void(FieldVisitor&)>& body) {
    ++pos_;
    keys_here_.clear();
    body(*this);
    if (!found_) return;  // the miss is reported by the caller with keys_here_
    --pos_;
  }
  double read_number(Bounds b) {
    const ReadNumber r = read_number_field(value_, b);
    if (!r.ok()) fail(r.problem);
    return r.value;
  }
  void set_result(std::string s) { result_ = std::move(s); }
  [[noreturn]] void fail(const std::string& why) {
    throw PathError(fmt::format("{}: {} (got {})", full_, why, value_));
  }
  [[noreturn]] void fail_path(const std::string& why) {
    throw PathError(fmt::format("{}: {}", full_, why));
  }

  Mode mode_;
  std::vector<Segment> segs_;
  std::string value_, full_;
  std::vector<ParamInfo>* list_ = nullptr;
  std::string prefix_;
  std::size_t pos_ = 0;
  bool found_ = false;
  bool whole_ = false;
  std::string result_;
  std::vector<std::string> keys_here_;
};

struct PathResult {
  std::string value;
  bool whole = false;
};

PathResult run_path(Scenario& s, Mode mode, const std::string& path, const std::string& value) {
  PathVisitor v(mode, parse_path(path), value, path);
  describe(v, s);
  if (!v.found()) {
    // Suggest the nearest existing path.
    std::vector<std::string> all;
    for (const auto& info : list_parameters(s)) all.push_back(info.path);
    throw PathError(fmt::format("unknown parameter path '{}'{}", path, did_you_mean(path, all)));
  }
  return {v.result(), v.whole()};
}

}  // namespace

void set_parameter(Scenario& s, const std::string& path, const std::string& value) {
  run_path(s, Mode::set, path, value);
}

std::string get_parameter(const Scenario& s, const std::string& path) {
  Scenario copy = s;
  return run_path(copy, Mode::get, path, "").value;
}

bool parameter_is_integer(const Scenario& s, const std::string& path) {
  Scenario copy = s;
  return run_path(copy, Mode::get, path, "").whole;
}

std::vector<ParamInfo> list_parameters(const Scenario& s) {
  Scenario copy = s;
  std::vector<ParamInfo> out;
  PathVisitor v(out);
  describe(v, copy);
  return out;
}

}  // namespace cw
