// Parsing JSON that comes from outside (request bodies): the nesting depth is bounded while
// parsing, so that no deep document is ever built (copying, printing or destroying one recurses
// once per level and would overflow the stack), and an object with the same key twice is
// refused (RFC 8259 leaves its meaning open; a reader that keeps the last value could be told
// something other than what a checker before it saw).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/json_check.h"

namespace silta::json_check {

struct JsonLimits {
  // The deepest nesting of objects and arrays (the outermost one is level 1).
  std::size_t max_depth = 64;
  // Values of any kind, containers included: bounds the memory a document takes (a value is
  // 16 bytes and a container's allocation more) whatever the body size allows.
  std::size_t max_values = 100'000;
};

// Parses `text` as exactly one JSON document. On a problem adds one issue and returns nothing:
// a syntax error at "" ("not valid JSON (at byte N)", never the text around it, which may hold
// an identity code); nesting too deep or too many values at the pointer of the top-level member
// that holds it; a duplicate key at its own pointer.
std::optional<nlohmann::json> parse_json(std::string_view text, Issues& issues,
                                         const JsonLimits& limits = {});

}  // namespace silta::json_check
