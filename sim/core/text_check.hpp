// Text that goes into CSV files and manifests must not be able to break a
// row or a document (docs/RELIABILITY.md): every text value of a described
// struct is checked for valid UTF-8 and for control characters (a line
// break, NUL, ...; a tab is allowed), and names for being usable.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "core/schema.hpp"

namespace cw {

// The byte offset of the first byte that is not part of valid UTF-8 in
// `text`, or std::nullopt when all of it is valid.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

// Why `text` cannot be a text value ("contains a line break", ...), or "".
std::string text_value_problem(std::string_view text);

// Checks every text field, text list item and number-map key that
// `describe_root` lists (paths as in problems, e.g. providers[2].name).
void check_text_fields(const std::function<void(FieldVisitor&)>& describe_root,
                       std::vector<Problem>& out);

// A name that becomes a folder name (results/<name>): not empty, not . or
// .., no '/'. Appends a problem at `path` when it is not.
void check_folder_name(const std::string& name, const std::string& path, std::vector<Problem>& out);

}  // namespace cw
