#include "common/json_parse.h"

#include <string>
#include <utility>
#include <vector>

namespace silta::json_check {

namespace {

using nlohmann::json;

// Builds the document from the parser's events (nlohmann's SAX interface), keeping a stack of
// the open containers: that stack, not the call stack, holds the nesting.
class BoundedBuilder {
 public:
  BoundedBuilder(Issues& issues, const JsonLimits& limits) : issues_(issues), limits_(limits) {}

  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const std::string& /*text*/) { return put(v); }
  bool string(std::string& v) { return put(std::move(v)); }
  bool binary(json::binary_t& /*v*/) { return put(nullptr); }  // never from JSON text
  bool start_object(std::size_t /*elements*/) { return open(json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    if (open_.back()->contains(k)) {
      issues_.add(child_pointer(pointer(), k),
                  Texts{"sama avain on annettu useammin kuin kerran",
                        "samma nyckel anges mer än en gång", "this key is given more than once"});
      return false;
    }
    key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*error*/) {
    auto at = std::to_string(position);
    issues_.add(
        "", Texts{"ei kelvollista JSONia (tavun " + at + " kohdalla)",
                  "inte giltig JSON (vid byte " + at + ")", "not valid JSON (at byte " + at + ")"});
    return false;
  }

  json take() { return std::move(root_); }

 private:
  // The pointer token of the value about to be read in the innermost open container.
  std::string next_token() const {
    const json& c = *open_.back();
    return c.is_array() ? child_pointer("", c.size()) : child_pointer("", key_);
  }

  // Where the value being read goes: the root, the end of the open array, or the open object's
  // member under the last key.
  json* slot() {
    ++values_;
    if (open_.empty()) return &root_;
    json& c = *open_.back();
    if (c.is_array()) {
      c.push_back(nullptr);
      return &c.back();
    }
    return &c[key_];
  }

  template <typename V>
  bool put(V&& v) {
    if (too_many()) return false;
    *slot() = std::forward<V>(v);
    return true;
  }

  // The top-level member that holds the value being read: a full pointer could be as long as
  // the body.
  std::string top_member() const {
    return tokens_.size() > 1 ? tokens_[1] : open_.empty() ? "" : next_token();
  }

  bool too_many() {
    if (values_ < limits_.max_values) return false;
    auto n = std::to_string(limits_.max_values);
    issues_.add(top_member(), Texts{"JSON-dokumentissa on yli " + n + " arvoa",
                                    "JSON-dokumentet har fler än " + n + " värden",
                                    "more than " + n + " values in the document"});
    return true;
  }

  bool open(json empty) {
    if (open_.size() >= limits_.max_depth) {
      auto n = std::to_string(limits_.max_depth);
      issues_.add(top_member(), Texts{"objekteja ja taulukoita on sisäkkäin yli " + n + " tasoa",
                                      "objekt och arrayer är nästlade djupare än " + n + " nivåer",
                                      "nested deeper than " + n + " levels of objects and arrays"});
      return false;
    }
    if (too_many()) return false;
    tokens_.push_back(open_.empty() ? "" : next_token());
    json* at = slot();
    *at = std::move(empty);
    open_.push_back(at);
    return true;
  }

  bool close() {
    open_.pop_back();
    tokens_.pop_back();
    return true;
  }

  // The pointer of the innermost open container.
  std::string pointer() const {
    std::string p;
    for (const auto& t : tokens_) p += t;
    return p;
  }

  Issues& issues_;
  JsonLimits limits_;
  std::size_t values_ = 0;
  json root_;
  std::vector<json*> open_;          // the containers being read, outermost first
  std::vector<std::string> tokens_;  // each one's pointer token in its parent ("" for the root)
  std::string key_;                  // the innermost open object's current key
};

}  // namespace

std::optional<nlohmann::json> parse_json(std::string_view text, Issues& issues,
                                         const JsonLimits& limits) {
  BoundedBuilder builder(issues, limits);
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &builder)) return std::nullopt;
  return builder.take();
}

}  // namespace silta::json_check
