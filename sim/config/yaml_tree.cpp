#include "config/yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

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

bool read_next_document(YAML::Parser& parser, YamlDocument& doc) {
  YamlTreeBuilder builder(doc);
  return parser.HandleNextDocument(builder);
}

}  // namespace cw
