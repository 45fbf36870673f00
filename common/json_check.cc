#include "common/json_check.h"

#include <cstdint>

#include "common/identity_scan.h"

namespace silta::json_check {

namespace {

// The code point at s[i] and its length in bytes (Unicode table 3-7: no overlong forms,
// surrogates or code points above U+10FFFF); length 0 when the bytes there are not UTF-8.
std::pair<char32_t, std::size_t> decode_utf8(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i + k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned b = byte(0);
  if (b < 0x80) return {b, 1};
  if (b >= 0xC2 && b <= 0xDF && cont(1)) return {((b & 0x1F) << 6) | (byte(1) & 0x3F), 2};
  if (b >= 0xE0 && b <= 0xEF) {
    unsigned lo = b == 0xE0 ? 0xA0 : 0x80;
    unsigned hi = b == 0xED ? 0x9F : 0xBF;
    if (cont(1, lo, hi) && cont(2)) {
      return {((b & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F), 3};
    }
  }
  if (b >= 0xF0 && b <= 0xF4) {
    unsigned lo = b == 0xF0 ? 0x90 : 0x80;
    unsigned hi = b == 0xF4 ? 0x8F : 0xBF;
    if (cont(1, lo, hi) && cont(2) && cont(3)) {
      return {((b & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                  (byte(3) & 0x3F),
              4};
    }
  }
  return {0, 0};
}

bool is_line_break(char32_t c) {
  return c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}
bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }
// Unicode's Bidi_Control property: marks, embeddings, overrides and isolates.
bool is_bidi_control(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

std::string code_point_name(char32_t c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "U+";
  int digits = c > 0xFFFF ? 6 : 4;
  for (int d = digits - 1; d >= 0; --d) out += kHex[(c >> (4 * d)) & 0xF];
  return out;
}

// `text` with each byte that does not start a UTF-8 character replaced by U+FFFD: an issue may
// repeat what a client sent (a query parameter's name or value), and an answer is UTF-8.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = decode_utf8(text, i).second;
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

// At most Issues::kMaxText bytes of UTF-8, cut at a character boundary, without identity codes.
std::string bounded(std::string text) {
  text = redact_identity_codes(valid_utf8(std::move(text)));
  if (text.size() <= Issues::kMaxText) return text;
  std::size_t cut = Issues::kMaxText;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  text += "…";
  return text;
}

}  // namespace

void Issues::add(std::string path, std::string message) {
  if (list_.size() > kMaxListed) return;
  if (list_.size() == kMaxListed) {
    list_.push_back(Issue{"", "more problems than the " + std::to_string(kMaxListed) + " listed"});
    return;
  }
  list_.push_back(Issue{bounded(std::move(path)), bounded(std::move(message))});
}

std::optional<std::string> text_problem(std::string_view text, const TextRule& rule) {
  if (text.size() < rule.min_bytes || text.size() > rule.max_bytes) {
    return "expected " + std::to_string(rule.min_bytes) + "-" + std::to_string(rule.max_bytes) +
           " bytes of UTF-8, not " + std::to_string(text.size());
  }
  for (std::size_t i = 0; i < text.size();) {
    auto [c, length] = decode_utf8(text, i);
    if (length == 0) return std::string("not valid UTF-8");
    i += length;
    if (rule.line_breaks && is_line_break(c)) continue;
    if (is_control(c) || c == 0x2028 || c == 0x2029) {
      return "contains the control character " + code_point_name(c) +
             (rule.line_breaks ? " (only tab and line breaks are allowed)" : "");
    }
    if (is_bidi_control(c)) {
      return "contains the bidirectional-text control " + code_point_name(c) +
             ", which can make the text read differently than it is stored";
    }
  }
  if (contains_identity_code(text)) {
    return std::string(
        "contains what looks like a personal identity code, which must not be written here "
        "(it would reach the audit log or a receipt); name people by pseudonym or your own ids");
  }
  return std::nullopt;
}

std::string Issues::format(std::string_view prefix) const {
  std::string out;
  for (const auto& i : list_) {
    out.append(prefix);
    out.append(i.path.empty() ? "/" : i.path);
    out.append(": ");
    out.append(i.message);
    out.push_back('\n');
  }
  return out;
}

std::string child_pointer(std::string_view parent, std::string_view token) {
  std::string out(parent);
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out.append("~0");
    } else if (c == '/') {
      out.append("~1");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string child_pointer(std::string_view parent, std::size_t index) {
  return std::string(parent) + "/" + std::to_string(index);
}

Object::Object(Issues& issues, const nlohmann::json& value, std::string path)
    : issues_(&issues), value_(&value), path_(std::move(path)) {
  if (!value.is_object()) {
    issues_->add(path_, "expected an object");
    value_ = nullptr;
  }
}

bool Object::has(std::string_view key) const {
  return value_ != nullptr && value_->find(key) != value_->end();
}

const nlohmann::json* Object::lookup(std::string_view key, Need need, const char* expected) {
  seen_.emplace(key);
  if (value_ == nullptr) return nullptr;
  auto it = value_->find(key);
  if (it == value_->end()) {
    if (need == Need::kRequired) issues_->add(path_of(key), std::string("required: ") + expected);
    return nullptr;
  }
  return &*it;
}

const nlohmann::json* Object::any(std::string_view key, Need need) {
  return lookup(key, need, "a value");
}

std::optional<std::string> Object::string(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "a string");
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    issues_->add(path_of(key), "expected a string");
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<std::string> Object::text(std::string_view key, Need need, const TextRule& rule) {
  auto v = string(key, need);
  if (!v) return std::nullopt;
  if (auto problem = text_problem(*v, rule)) {
    issues_->add(path_of(key), std::move(*problem));
    return std::nullopt;
  }
  return v;
}

std::string Object::string_or(std::string_view key, std::string fallback) {
  auto v = string(key);
  return v ? *v : std::move(fallback);
}

std::optional<std::int64_t> Object::integer(std::string_view key, Need need, std::int64_t min,
                                            std::int64_t max) {
  const auto* v = lookup(key, need, "an integer");
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() &&
       v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) ||
      v->get<std::int64_t>() < min || v->get<std::int64_t>() > max) {
    issues_->add(path_of(key),
                 "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v->get<std::int64_t>();
}

std::int64_t Object::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                std::int64_t max) {
  auto v = integer(key, Need::kOptional, min, max);
  return v ? *v : fallback;
}

std::optional<bool> Object::boolean(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "true or false");
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    issues_->add(path_of(key), "expected true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

bool Object::boolean_or(std::string_view key, bool fallback) {
  auto v = boolean(key);
  return v ? *v : fallback;
}

std::optional<SysTime> Object::time(std::string_view key, Need need) {
  auto text = string(key, need);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t) issues_->add(path_of(key), "expected an RFC 3339 time, e.g. 2026-11-23T10:00:00Z");
  return t;
}

std::optional<std::vector<std::string>> Object::strings(std::string_view key, Need need) {
  const auto* v = array(key, need);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  bool all = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      issues_->add(child_pointer(path_of(key), i), "expected a string");
      all = false;
    } else {
      out.push_back((*v)[i].get<std::string>());
    }
  }
  if (!all) return std::nullopt;
  return out;
}

const nlohmann::json* Object::array(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "an array");
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    issues_->add(path_of(key), "expected an array");
    return nullptr;
  }
  return v;
}

std::optional<Object> Object::object(std::string_view key, Need need) {
  const auto* v = lookup(key, need, "an object");
  if (v == nullptr) return std::nullopt;
  Object o(*issues_, *v, path_of(key));
  if (!o.valid()) return std::nullopt;
  return o;
}

void Object::no_other_keys() {
  if (value_ == nullptr) return;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (seen_.find(it.key()) == seen_.end()) issues_->add(path_of(it.key()), "unknown key");
  }
}

}  // namespace silta::json_check
