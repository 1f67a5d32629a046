#include "config/yaml_reader.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "core/number.hpp"
#include "core/suggest.hpp"
#include "core/text_check.hpp"

namespace cw {

std::string Diagnostic::str() const {
  std::string s = file;
  if (line > 0) s += fmt::format(":{}:{}", line, col);
  s += ": ";
  if (!path.empty()) s += path + ": ";
  s += message;
  if (!got.empty()) s += " (got " + got + ")";
  return s;
}

namespace {

std::string summarise(const std::vector<Diagnostic>& problems) {
  std::string s;
  for (const auto& p : problems) s += p.str() + "\n";
  return s;
}

}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> problems)
    : std::runtime_error(summarise(problems)), problems_(std::move(problems)) {}

namespace {

std::string join_names(std::span<const std::string_view> names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += ", ";
    s += names[i];
  }
  return s;
}

std::string node_text(const YamlNode& n) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  if (n.IsNull()) return "nothing";
  return "?";
}

class YamlReader final : public FieldVisitor {
 public:
  YamlReader(const YamlNode& map, std::string path, const std::string& file,
             std::vector<Diagnostic>& out, MarkMap& marks)
      : map_(map), path_(std::move(path)), file_(file), out_(out), marks_(marks) {}

  // Reports keys of the mapping that no field claimed.
  void finish() {
    if (!map_.IsMap()) return;
    std::set<std::string> seen;
    for (auto it = map_.begin(); it != map_.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        error(it->first, child(key), "duplicate key", "");
        continue;
      }
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        error(it->first, child(key), "unknown key" + did_you_mean(key, known_), "");
      }
    }
  }

  void number(std::string_view key, double& value, Bounds bounds, FieldDoc,
              bool required) override {
    const YamlNode& n = get(key, required);
    if (!n.IsDefined()) return;
    read_number(n, child(key), value, bounds);
  }

  void maybe_number(std::string_view key, std::optional<double>& value, Bounds bounds,
                    FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    double x = 0;
    if (read_number(n, child(key), x, bounds)) value = x;
  }

  void integer(std::string_view key, std::int64_t& value, Bounds bounds, FieldDoc,
               bool required) override {
    const YamlNode& n = get(key, required);
    if (!n.IsDefined()) return;
    read_integer(n, child(key), value, bounds);
  }

  void flag(std::string_view key, bool& value, FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    const std::optional<bool> b = n.IsScalar() ? parse_flag(n.Scalar()) : std::nullopt;
    if (b) {
      value = *b;
    } else {
      error(n, child(key), std::string(kNotAFlag), node_text(n));
    }
  }

  void text(std::string_view key, std::string& value, FieldDoc, bool required) override {
    const YamlNode& n = get(key, required);
    if (!n.IsDefined()) return;
    if (!n.IsScalar()) {
      error(n, child(key), "must be text", node_text(n));
      return;
    }
    value = n.Scalar();
  }

  void choice(std::string_view key, ChoiceRef ref, FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    const std::string t = n.IsScalar() ? n.Scalar() : "";
    for (std::size_t i = 0; i < ref.names.size(); ++i) {
      if (ref.names[i] == t) {
        ref.set(static_cast<int>(i));
        return;
      }
    }
    std::vector<std::string> names(ref.names.begin(), ref.names.end());
    const std::string hint = did_you_mean(t, names);
    error(n, child(key), "must be one of " + join_names(ref.names) + hint, node_text(n));
  }

  void integers(std::string_view key, std::vector<std::int64_t>& values, Bounds bounds,
                FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    values.clear();
    if (n.IsScalar()) {
      std::int64_t x = 0;
      if (read_integer(n, child(key), x, bounds)) values.push_back(x);
      return;
    }
    if (!n.IsSequence()) {
      error(n, child(key), "must be a list of whole numbers", node_text(n));
      return;
    }
    const YamlNode& seq = n;
    for (std::size_t i = 0; i < seq.size(); ++i) {
      std::int64_t x = 0;
      if (read_integer(seq[i], fmt::format("{}[{}]", child(key), i), x, bounds))
        values.push_back(x);
    }
  }

  void texts(std::string_view key, std::vector<std::string>& values, FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    values.clear();
    if (n.IsScalar()) {
      values.push_back(n.Scalar());
      return;
    }
    if (!n.IsSequence()) {
      error(n, child(key), "must be a list of values", node_text(n));
      return;
    }
    const YamlNode& seq = n;
    if (seq.size() == 0) error(n, child(key), "must not be empty", "");
    for (std::size_t i = 0; i < seq.size(); ++i) {
      const std::string path = fmt::format("{}[{}]", child(key), i);
      mark(seq[i], path);
      if (!seq[i].IsScalar()) {
        error(seq[i], path, "must be a single value", node_text(seq[i]));
        continue;
      }
      values.push_back(seq[i].Scalar());
    }
  }

  void number_map(std::string_view key, NumberMap& values, Bounds bounds, FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    if (!n.IsMap()) {
      error(n, child(key), "must be a mapping of name: number", node_text(n));
      return;
    }
    values.clear();
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string path = child(key) + "." + name;
      mark(it->first, path);
      if (!seen.insert(name).second) {
        error(it->first, path, "duplicate key", "");
        continue;
      }
      double x = 0;
      if (read_number(it->second, path, x, bounds)) values.emplace_back(name, x);
    }
  }

  void object(std::string_view key, const std::function<void(FieldVisitor&)>& body, FieldDoc,
              bool required) override {
    const YamlNode& n = get(key, required);
    if (!n.IsDefined()) return;
    read_object(n, child(key), body);
  }

  void scalar_object(std::string_view key, const std::function<void(FieldVisitor&)>& body,
                     const std::function<void(double)>& from_scalar,
                     const std::function<void()>& reset, FieldDoc) override {
    const YamlNode& n = get(key, false);
    if (!n.IsDefined()) return;
    if (n.IsScalar()) {
      double x = 0;
      if (read_number(n, child(key), x, kAnyNumber)) from_scalar(x);
      return;
    }
    if (n.IsMap()) reset();
    read_object(n, child(key), body);
  }

  void list(std::string_view key, ListRef ref, FieldDoc, bool required) override {
    const YamlNode& n = get(key, required);
    if (!n.IsDefined()) return;
    const std::string path = child(key);
    if (!n.IsSequence()) {
      error(n, path, "must be a list", node_text(n));
      return;
    }
    if (n.size() == 0 && !ref.allow_empty) {
      error(n, path, "must not be empty", "");
      return;
    }
    ref.resize(n.size());
    const YamlNode& seq = n;
    for (std::size_t i = 0; i < seq.size(); ++i) {
      read_object(seq[i], fmt::format("{}[{}]", path, i), [&](FieldVisitor& v) { ref.item(i, v); });
    }
  }

 private:
  std::string child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  void mark(const YamlNode& n, const std::string& path) {
    const auto m = n.Mark();
    marks_.emplace(path, std::make_pair(m.line + 1, m.column + 1));
  }

  void error(const YamlNode& n, const std::string& path, std::string message, std::string got) {
    const auto m = n.Mark();
    out_.push_back({file_, m.line + 1, m.column + 1, path, std::move(message), std::move(got)});
  }

  const YamlNode& get(std::string_view key, bool required) {
    known_.emplace_back(key);
    if (!map_.IsMap()) return YamlNode::undefined();
    const YamlNode& map = map_;
    const YamlNode& n = map[key];
    if (!n.IsDefined()) {
      if (required) {
        error(map_, child(key), "missing required key", "");
      }
      return YamlNode::undefined();
    }
    if (n.IsNull()) {
      // `steps:` with nothing after it is a mistake, never a silent default.
      // Placed at the key: an empty value's own mark is where the next token is.
      for (auto it = map.begin(); it != map.end(); ++it) {
        if (it->first.Scalar() == key) {
          error(it->first, child(key), "has no value (remove the key to use the default)", "");
          break;
        }
      }
      return YamlNode::undefined();
    }
    mark(n, child(key));
    return n;
  }

  bool read_number(const YamlNode& n, const std::string& path, double& value, Bounds bounds) {
    return read_scalar(n, path, value, read_number_field, bounds);
  }

  bool read_integer(const YamlNode& n, const std::string& path, std::int64_t& value,
                    Bounds bounds) {
    double x = 0;
    if (!read_scalar(n, path, x, read_whole_field, bounds)) return false;
    value = static_cast<std::int64_t>(x);
    return true;
  }

  // A number through the shared grammar (core/number.hpp), its problem placed at the value.
  bool read_scalar(const YamlNode& n, const std::string& path, double& value,
                   ReadNumber (*read)(std::string_view, const Bounds&), Bounds bounds) {
    if (!n.IsScalar()) {
      error(n, path, "must be a number", node_text(n));
      return false;
    }
    const ReadNumber r = read(n.Scalar(), bounds);
    if (!r.ok()) {
      error(n, path, r.problem, n.Scalar());
      return false;
    }
    value = r.value;
    return true;
  }

  void read_object(const YamlNode& n, const std::string& path,
                   const std::function<void(FieldVisitor&)>& body) {
    mark(n, path);
    if (!n.IsMap()) {
      error(n, path, "must be a mapping", node_text(n));
      return;
    }
    YamlReader inner(n, path, file_, out_, marks_);
    body(inner);
    inner.finish();
  }

  const YamlNode& map_;
  std::string path_;
  const std::string& file_;
  std::vector<Diagnostic>& out_;
  MarkMap& marks_;
  std::vector<std::string> known_;
};

}  // namespace

void read_yaml(const YamlNode& root, const std::string& file,
               const std::function<void(FieldVisitor&)>& describe_root,
               std::vector<Diagnostic>& out, MarkMap& marks) {
  if (!root.IsMap()) {
    const auto m = root.Mark();
    out.push_back({file, m.line + 1, m.column + 1, "", "the document must be a mapping of keys",
                   node_text(root)});
    return;
  }
  YamlReader reader(root, "", file, out, marks);
  describe_root(reader);
  reader.finish();
}

void locate(const std::vector<Problem>& problems, const std::string& file, const MarkMap& marks,
            std::vector<Diagnostic>& out) {
  for (const auto& p : problems) {
    std::string path = p.path;
    int line = 1, col = 1;
    while (true) {
      if (auto it = marks.find(path); it != marks.end()) {
        line = it->second.first;
        col = it->second.second;
        break;
      }
      const auto cut = path.find_last_of(".[");
      if (cut == std::string::npos || cut == 0) break;
      path.resize(cut);
    }
    out.push_back({file, line, col, p.path, p.message, p.got});
  }
}

namespace {

// 1-based line and column of byte `at` of `text`.
std::pair<int, int> position_of(const std::string& text, std::size_t at) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

// Whether every line of `text` is blank or a # comment.
bool only_comments(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find_first_not_of(" \t\r");
    if (at != std::string::npos && line[at] != '#') return false;
  }
  return true;
}

// Where a document's first node is (0-based, as yaml-cpp's marks).
class FirstMark final : public YAML::EventHandler {
 public:
  int line = 0, col = 0;
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    note(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& m) {
    if (seen_) return;
    seen_ = true;
    line = m.line;
    col = m.column;
  }
  bool seen_ = false;
};

}  // namespace

namespace {
thread_local bool t_exact_yaml = false;
}  // namespace

bool exact_yaml_only() { return t_exact_yaml; }
ExactYaml::ExactYaml() : was_(t_exact_yaml) { t_exact_yaml = true; }
ExactYaml::~ExactYaml() { t_exact_yaml = was_; }

bool parse_yaml_text(const std::string& text, const std::string& name, YamlDocument& doc,
                     std::vector<Diagnostic>& out) {
  // Bytes the YAML parser would drop or pass on silently: a NUL ends a
  // value early, invalid UTF-8 reaches the manifest's JSON writer.
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    const auto [line, col] = position_of(text, nul);
    out.push_back({name, line, col, "", "contains a NUL byte (a YAML file is text)", ""});
    return false;
  }
  if (const auto bad = invalid_utf8_at(text)) {
    const auto [line, col] = position_of(text, *bad);
    out.push_back({name, line, col, "", "is not valid UTF-8 text (save it as UTF-8)",
                   fmt::format("byte 0x{:02x}", static_cast<unsigned char>(text[*bad]))});
    return false;
  }
  if (!t_exact_yaml && read_plain_document(text, doc)) return true;
  // One parser reads the document and then looks for a second one.
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  try {
    read_next_document(parser, doc);
  } catch (const YAML::ParserException& e) {
    out.push_back(
        {name, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg, ""});
    return false;
  }
  const YamlNode& root = doc.root();
  if (!root.IsDefined() || root.IsNull()) {
    const bool blank = only_comments(text);
    out.push_back({name, 0, 0, "",
                   blank ? "file is empty"
                         : "no YAML document could be read from it (is it YAML? a key at the "
                           "wrong indentation can end the document early)",
                   ""});
    return false;
  }
  // A second document would be ignored: refused. Documents are counted with
  // the parser (never YAML::LoadAll: yaml-cpp 0.7 can return empty
  // documents forever after some syntax errors; found by fuzz_scenario).
  FirstMark second;
  try {
    if (parser.HandleNextDocument(second)) {
      out.push_back({name, second.line + 1, second.col + 1, "",
                     "holds more than one YAML document (a second one starts here, after "
                     "--- or where the first could not go on); a scenario or sweep file is one "
                     "document",
                     ""});
      return false;
    }
  } catch (const YAML::ParserException& e) {
    out.push_back(
        {name, e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg, ""});
    return false;
  }
  return true;
}

bool parse_yaml_file(const std::filesystem::path& file, std::shared_ptr<const YamlDocument>& doc,
                     std::vector<Diagnostic>& out) {
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    out.push_back({name, 0, 0, "", "no such file", ""});
    return false;
  }
  if (std::filesystem::is_directory(file, ec)) {
    out.push_back({name, 0, 0, "", "is a directory, not a file", ""});
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.push_back({name, 0, 0, "", "cannot be read (permission denied?)", ""});
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    out.push_back({name, 0, 0, "", "cannot be read", ""});
    return false;
  }
  std::string text = buffer.str();
  // The last document this thread parsed, kept: checking a file's kind
  // (is_sweep_file) and then loading it parse the YAML once. Keyed by the
  // file's name and whole text, so an edited file is parsed again; only a
  // text that parsed without problems is kept. The tree is read-only, so
  // sharing it is safe.
  struct LastParsed {
    std::string name, text;
    std::shared_ptr<const YamlDocument> doc;
  };
  thread_local LastParsed last;
  if (last.doc && last.name == name && last.text == text && !(t_exact_yaml && last.doc->fast())) {
    doc = last.doc;
    return true;
  }
  auto parsed = std::make_shared<YamlDocument>();
  if (!parse_yaml_text(text, name, *parsed, out)) return false;
  doc = parsed;
  last = {name, std::move(text), doc};
  return true;
}

namespace {

// Reads network.file: one edge per line, `a,b[,weight]`, naming labs by a
// named lab's name or by initial index (named labs present at start come
// first, in file order, then generated labs). Blank lines and # comments
// are skipped.
void read_edge_list(Scenario& s, std::vector<Diagnostic>& problems) {
  s.network.edges.clear();
  const std::string& file = s.network.file;
  std::ifstream in(file);
  if (!in) {
    problems.push_back({file, 0, 0, "network.file", "cannot be read", ""});
    return;
  }
  std::map<std::string, std::size_t> index_of;
  std::size_t next = 0;
  const auto start = parse_year_month(s.start);
  for (const auto& n : s.labs.named) {
    const auto when = n.arrive.empty() ? start : parse_year_month(n.arrive);
    if (!start || !when || *when <= *start) index_of[n.name] = next++;
  }
  const auto count = static_cast<std::size_t>(s.labs.count);
  auto resolve = [&](const std::string& name, int line, std::size_t& out) {
    if (auto it = index_of.find(name); it != index_of.end()) {
      out = it->second;
      return true;
    }
    const std::optional<double> x = parse_number(name);
    if (x && is_whole(*x) && *x >= 0 && *x < static_cast<double>(count)) {
      out = static_cast<std::size_t>(*x);
      return true;
    }
    problems.push_back({file, line, 1, "network.file",
                        fmt::format("'{}' is neither a lab present at start nor an index below "
                                    "labs.count ({})",
                                    name, count),
                        ""});
    return false;
  };
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (const auto hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::vector<std::string> parts;
    std::stringstream ss(text);
    std::string part;
    while (std::getline(ss, part, ',')) {
      const auto b = part.find_first_not_of(" \t\r");
      const auto e = part.find_last_not_of(" \t\r");
      parts.push_back(b == std::string::npos ? "" : part.substr(b, e - b + 1));
    }
    if (parts.size() < 2 || parts.size() > 3) {
      problems.push_back({file, line, 1, "network.file", "expected a,b or a,b,weight", text});
      continue;
    }
    NetworkParams::Edge e;
    const bool ok_a = resolve(parts[0], line, e.a);
    const bool ok_b = resolve(parts[1], line, e.b);
    if (parts.size() == 3) {
      const std::optional<double> w = parse_number(parts[2]);
      if (!w || *w <= 0) {
        problems.push_back(
            {file, line, 1, "network.file", "weight must be a number > 0", parts[2]});
        continue;
      }
      e.weight = *w;
    }
    if (ok_a && ok_b) s.network.edges.push_back(e);
  }
}

Scenario finish_scenario(const YamlNode& root, const std::string& name,
                         const std::filesystem::path& folder) {
  std::vector<Diagnostic> problems;
  MarkMap marks;
  Scenario s;
  read_yaml(
      root, name, [&s](FieldVisitor& v) { describe(v, s); }, problems, marks);
  // Cross-field checks run even after reading problems, so that one pass
  // reports everything; a check about a path that already has a reading
  // problem, or lies inside one, is left out as an echo of it.
  // A problem of the whole document (not a mapping) leaves nothing to check.
  const bool whole_document_bad = std::any_of(problems.begin(), problems.end(),
                                              [](const Diagnostic& d) { return d.path.empty(); });
  std::vector<Problem> found;
  if (!whole_document_bad) check_scenario(s, found);
  std::erase_if(found, [&problems](const Problem& p) {
    for (const auto& d : problems) {
      if (path_within(p.path, d.path)) return true;
      for (const auto& input : p.inputs) {
        if (path_within(d.path, input) || path_within(input, d.path)) return true;
      }
    }
    return false;
  });
  locate(found, name, marks, problems);
  std::stable_sort(problems.begin(), problems.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  if (!s.network.file.empty() && std::filesystem::path(s.network.file).is_relative()) {
    s.network.file = (folder / s.network.file).lexically_normal().string();
  }
  if (problems.empty() && s.network.generator == GraphGenerator::edge_list) {
    read_edge_list(s, problems);
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return s;
}

}  // namespace

void load_network_file(Scenario& s) {
  s.network.edges.clear();
  if (s.network.generator != GraphGenerator::edge_list) return;
  std::vector<Diagnostic> problems;
  read_edge_list(s, problems);
  if (!problems.empty()) throw ConfigError(std::move(problems));
}

Scenario load_scenario(const std::filesystem::path& file) {
  return reread_on_problems([&file] {
    std::vector<Diagnostic> problems;
    std::shared_ptr<const YamlDocument> doc;
    if (!parse_yaml_file(file, doc, problems)) throw ConfigError(std::move(problems));
    return finish_scenario(doc->root(), file.string(), file.parent_path());
  });
}

Scenario load_scenario_text(const std::string& text, const std::string& file) {
  return reread_on_problems([&text, &file] {
    YamlDocument doc;
    std::vector<Diagnostic> problems;
    if (!parse_yaml_text(text, file, doc, problems)) throw ConfigError(std::move(problems));
    return finish_scenario(doc.root(), file, std::filesystem::current_path());
  });
}

}  // namespace cw
