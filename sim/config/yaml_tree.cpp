#include "config/yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>
#include <yaml.h>

#include <algorithm>
#include <utility>

namespace cw {

const YamlNode& YamlNode::undefined() {
  static const YamlNode none;
  return none;
}

const YamlNode& YamlNode::operator[](std::size_t i) const {
  return type_ == Type::sequence && i < items_.size() ? *items_[i] : undefined();
}

const YamlNode& YamlNode::operator[](std::string_view key) const {
  if (type_ != Type::map) return undefined();
  for (const auto& [k, v] : pairs_) {
    if (k.type_ == Type::scalar && k.scalar_ == key) return v;
  }
  return undefined();
}

// Builds a YamlDocument from the parser's events, node for node as yaml-cpp's
// NodeBuilder builds its tree (the same nesting of keys and values, anchors
// numbered from 1, an alias the anchored node itself).
class YamlTreeBuilder final : public YAML::EventHandler {
 public:
  explicit YamlTreeBuilder(YamlDocument& doc) : doc_(doc) { anchors_.push_back(nullptr); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override {
    push(m, anchor).type_ = YamlNode::Type::null;
    pop();
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    push(*anchors_.at(anchor));
    pop();
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode& n = push(m, anchor);
    n.type_ = YamlNode::Type::scalar;
    n.scalar_ = value;
    pop();
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    push(m, anchor).type_ = YamlNode::Type::sequence;
  }
  void OnSequenceEnd() override { pop(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    push(m, anchor).type_ = YamlNode::Type::map;
    ++map_depth_;
  }
  void OnMapEnd() override {
    --map_depth_;
    pop();
  }

 private:
  YamlNode& push(const YAML::Mark& m, YAML::anchor_t anchor) {
    YamlNode& n = doc_.nodes_.emplace_back();
    n.mark_ = {m.line, m.column};
    if (anchor) anchors_.push_back(&n);
    push(n);
    return n;
  }

  void push(YamlNode& n) {
    const bool needs_key =
        !stack_.empty() && stack_.back()->type_ == YamlNode::Type::map && keys_.size() < map_depth_;
    stack_.push_back(&n);
    if (needs_key) keys_.emplace_back(&n, false);
  }

  void pop() {
    YamlNode& n = *stack_.back();
    stack_.pop_back();
    if (stack_.empty()) {
      doc_.root_ = &n;
      return;
    }
    YamlNode& collection = *stack_.back();
    if (collection.type_ == YamlNode::Type::sequence) {
      collection.items_.push_back(&n);
    } else if (collection.type_ == YamlNode::Type::map) {
      auto& [key, has_value] = keys_.back();
      if (has_value) {
        collection.pairs_.push_back({*key, n});
        keys_.pop_back();
      } else {
        has_value = true;
      }
    }
  }

  YamlDocument& doc_;
  std::vector<YamlNode*> stack_;
  std::vector<YamlNode*> anchors_;
  std::vector<std::pair<YamlNode*, bool>> keys_;
  std::size_t map_depth_ = 0;
};

// Builds a YamlDocument from libyaml's events, refusing (false) anything
// outside the subset of read_plain_document. A node goes into its parent
// when it starts (a collection is then filled in place).
class LibyamlBuilder {
 public:
  LibyamlBuilder(YamlDocument& doc, std::string_view text) : doc_(doc), text_(text) {
    doc_.fast_ = true;
  }

  // One event; false when the text leaves the subset.
  bool on(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_STREAM_START_EVENT:
        return true;
      case YAML_STREAM_END_EVENT:
        return documents_ == 1;
      case YAML_DOCUMENT_START_EVENT:
        return ++documents_ == 1 && !e.data.document_start.version_directive &&
               e.data.document_start.tag_directives.start ==
                   e.data.document_start.tag_directives.end;
      case YAML_DOCUMENT_END_EVENT:
        return stack_.empty() && doc_.root_ && doc_.root_->type_ == YamlNode::Type::map;
      case YAML_SCALAR_EVENT:
        return scalar(e);
      case YAML_SEQUENCE_START_EVENT:
        if (e.data.sequence_start.anchor || e.data.sequence_start.tag) return false;
        return open(e, YamlNode::Type::sequence);
      case YAML_MAPPING_START_EVENT:
        if (e.data.mapping_start.anchor || e.data.mapping_start.tag) return false;
        return open(e, YamlNode::Type::map);
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (stack_.empty() || key_.back()) return false;  // a key without its value
        stack_.pop_back();
        key_.pop_back();
        return true;
      default:  // aliases
        return false;
    }
  }

 private:
  bool scalar(const yaml_event_t& e) {
    const auto& d = e.data.scalar;
    if (d.anchor || d.tag || e.start_mark.line != e.end_mark.line) return false;
    const std::string_view value(reinterpret_cast<const char*>(d.value), d.length);
    const auto non_ascii = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
    if (std::any_of(value.begin(), value.end(), non_ascii)) return false;
    YamlNode::Type type = YamlNode::Type::scalar;
    switch (d.style) {
      case YAML_PLAIN_SCALAR_STYLE:
        // As yaml-cpp: an untagged plain null word, or nothing, is null.
        if (value.empty() || value == "~" || value == "null" || value == "Null" ||
            value == "NULL") {
          type = YamlNode::Type::null;
        }
        break;
      case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        break;
      case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        if (raw(e).find('\\') != std::string_view::npos) return false;  // escapes
        break;
      default:  // block scalars
        return false;
    }
    YamlNode* n = add(e, false);
    if (!n) return false;
    n->type_ = type;
    if (type == YamlNode::Type::scalar) n->scalar_ = value;
    return true;
  }

  bool open(const yaml_event_t& e, YamlNode::Type type) {
    YamlNode* n = add(e, true);
    if (!n) return false;
    n->type_ = type;
    stack_.push_back(n);
    key_.push_back(nullptr);
    return true;
  }

  std::string_view raw(const yaml_event_t& e) const {
    if (e.start_mark.index > text_.size() || e.end_mark.index < e.start_mark.index) return {};
    return text_.substr(e.start_mark.index, e.end_mark.index - e.start_mark.index);
  }

  // A new node where the event starts, placed in its parent; null when it
  // cannot go there (a collection as a key, a second root).
  YamlNode* add(const yaml_event_t& e, bool collection) {
    YamlNode* parent = stack_.empty() ? nullptr : stack_.back();
    const bool as_key = parent && parent->type_ == YamlNode::Type::map && !key_.back();
    if (as_key && collection) return nullptr;
    if (!parent && doc_.root_) return nullptr;
    YamlNode& n = doc_.nodes_.emplace_back();
    n.mark_ = {static_cast<int>(e.start_mark.line), static_cast<int>(e.start_mark.column)};
    if (!parent) {
      doc_.root_ = &n;
    } else if (parent->type_ == YamlNode::Type::sequence) {
      parent->items_.push_back(&n);
    } else if (as_key) {
      key_.back() = &n;
    } else {
      parent->pairs_.push_back({*key_.back(), n});
      key_.back() = nullptr;
    }
    return &n;
  }

  YamlDocument& doc_;
  std::string_view text_;
  std::vector<YamlNode*> stack_;  // open collections
  std::vector<YamlNode*> key_;    // per open collection: a mapping's key awaiting its value
  int documents_ = 0;
};

bool read_plain_document(const std::string& text, YamlDocument& doc) {
  if (text.find_first_of("\t\r") != std::string::npos) return false;
  YamlDocument built;
  LibyamlBuilder builder(built, text);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) return false;
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  bool ok = true;
  for (bool end = false; ok && !end;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&parser, &e)) {
      ok = false;
      break;
    }
    end = e.type == YAML_STREAM_END_EVENT;
    ok = builder.on(e);
    yaml_event_delete(&e);
  }
  yaml_parser_delete(&parser);
  if (ok) doc = std::move(built);
  return ok;
}

bool read_next_document(YAML::Parser& parser, YamlDocument& doc) {
  YamlTreeBuilder builder(doc);
  return parser.HandleNextDocument(builder);
}

}  // namespace cw
