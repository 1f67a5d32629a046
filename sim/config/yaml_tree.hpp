// A parsed YAML document as the readers see it: nodes with their type, text
// and position, read-only. Built in one pass from the events of yaml-cpp's
// parser (yaml_reader.cpp), with the meaning yaml-cpp's own YAML::Node gives
// them (same positions, duplicate keys kept in order, an alias the very node
// of its anchor), so every message keeps its place; built for reading only,
// it costs a fraction of yaml-cpp's node tree, and the parser's pass also
// tells whether a second document follows (no second parse).
//
// The member names are those of the part of YAML::Node the readers used.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Parser;
}

namespace cw {

// 0-based, as yaml-cpp's marks.
struct YamlMark {
  int line = 0;
  int column = 0;
};

class YamlNode {
 public:
  enum class Type : unsigned char { undefined, null, scalar, sequence, map };

  struct Pair {
    const YamlNode& first;   // the key
    const YamlNode& second;  // its value
  };

  YamlNode() = default;
  YamlNode(const YamlNode&) = delete;
  YamlNode& operator=(const YamlNode&) = delete;

  bool IsDefined() const { return type_ != Type::undefined; }
  bool IsNull() const { return type_ == Type::null; }
  bool IsScalar() const { return type_ == Type::scalar; }
  bool IsSequence() const { return type_ == Type::sequence; }
  bool IsMap() const { return type_ == Type::map; }
  // The text of a scalar; empty for every other node.
  const std::string& Scalar() const { return scalar_; }
  YamlMark Mark() const { return mark_; }
  // Items of a sequence, pairs of a mapping; 0 otherwise.
  std::size_t size() const { return type_ == Type::map ? pairs_.size() : items_.size(); }
  // Item i of a sequence; an undefined node when there is none.
  const YamlNode& operator[](std::size_t i) const;
  // The value of the first pair whose key is the scalar `key`; an undefined
  // node when there is none or this is not a mapping.
  const YamlNode& operator[](std::string_view key) const;
  // A mapping's pairs, in file order.
  std::vector<Pair>::const_iterator begin() const { return pairs_.begin(); }
  std::vector<Pair>::const_iterator end() const { return pairs_.end(); }

  static const YamlNode& undefined();

 private:
  friend class YamlTreeBuilder;
  friend class LibyamlBuilder;
  Type type_ = Type::undefined;
  YamlMark mark_;
  std::string scalar_;
  std::vector<const YamlNode*> items_;
  std::vector<Pair> pairs_;
};

// The nodes of one document (stable addresses) and its root.
class YamlDocument {
 public:
  // The root; an undefined node when the text held no document.
  const YamlNode& root() const { return root_ ? *root_ : YamlNode::undefined(); }
  // Whether libyaml built it (read_plain_document): then its positions are
  // libyaml's, and any problem must be reported from yaml-cpp's reading.
  bool fast() const { return fast_; }

 private:
  friend class YamlTreeBuilder;
  friend class LibyamlBuilder;
  std::deque<YamlNode> nodes_;
  const YamlNode* root_ = nullptr;
  bool fast_ = false;
};

// Reads `text` with libyaml (about a seventh of yaml-cpp's instructions)
// into `doc`, only when the text is one document whose root is a mapping
// and that stays within a subset on which both parsers build the same tree
// (structure, scalar text, null or not): no tabs or carriage returns; no
// anchors, aliases, tags or directives; no complex keys; every scalar on
// one line, ASCII, and, when double-quoted, without escapes. Returns false
// otherwise (also on anything libyaml refuses), leaving `doc` unchanged:
// the caller then reads the text with yaml-cpp. Positions come from
// libyaml, so they may differ from yaml-cpp's: a reader that finds a
// problem in a fast() document reads the file again with yaml-cpp
// (yaml_reader.cpp) so that every message stays where it was.
bool read_plain_document(const std::string& text, YamlDocument& doc);

// Reads the next document of `parser` into `doc`; false when there is none
// (doc's root is then undefined). Throws YAML::ParserException on a syntax
// error, as yaml-cpp's YAML::Load does.
bool read_next_document(YAML::Parser& parser, YamlDocument& doc);

}  // namespace cw
