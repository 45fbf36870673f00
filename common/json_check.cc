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

// Valid UTF-8 without identity codes, cut at a character boundary after Issues::kMaxText bytes.
// Cut first, redact after: a cut can free a code from the character that glued it to the text
// after it, and redacting first would have let it through (found by query_fuzz).
std::string bounded(std::string text) {
  text = valid_utf8(std::move(text));
  if (text.size() > Issues::kMaxText) {
    std::size_t cut = Issues::kMaxText;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "…";
  }
  return redact_identity_codes(std::move(text));
}

}  // namespace

const std::string& Issue::in(Lang lang) const {
  const auto& text = message.in(lang);
  return text.empty() ? message.en : text;
}

void Issues::add(std::string path, Texts message) {
  if (list_.size() > kMaxListed) return;
  if (list_.size() == kMaxListed) {
    auto n = std::to_string(kMaxListed);
    list_.push_back(Issue{
        "",
        {"enemmän ongelmia kuin tässä luetellut " + n, "fler problem än de " + n + " som listas",
         "more problems than the " + n + " listed"}});
    return;
  }
  list_.push_back(Issue{bounded(std::move(path)),
                        {bounded(std::move(message.fi)), bounded(std::move(message.sv)),
                         bounded(std::move(message.en))}});
}

void Issues::add(std::string path, std::string message) {
  add(std::move(path), Texts{"", "", std::move(message)});
}

Texts required(const Texts& what) {
  const Texts& w = what.incomplete() ? Texts{"arvo", "ett värde", "a value"} : what;
  return {"pakollinen: " + w.fi, "obligatoriskt: " + w.sv, "required: " + w.en};
}

Texts quoting(const Texts& what, std::string_view id) {
  auto q = " \"" + std::string(id) + "\"";
  return {what.fi + q, what.sv + q, what.en + q};
}

Texts expected_one_of(std::string_view list) {
  std::string l(list);
  return {"odotettiin yhtä arvoista " + l, "förväntade ett av värdena " + l,
          "expected one of " + l};
}

std::optional<Texts> text_problem(std::string_view text, const TextRule& rule) {
  if (text.size() < rule.min_bytes || text.size() > rule.max_bytes) {
    auto lo = std::to_string(rule.min_bytes);
    auto hi = std::to_string(rule.max_bytes);
    auto size = std::to_string(text.size());
    return Texts{"odotettiin " + lo + "–" + hi + " tavua UTF-8-tekstiä, ei " + size,
                 "förväntade " + lo + "–" + hi + " byte UTF-8-text, inte " + size,
                 "expected " + lo + "-" + hi + " bytes of UTF-8, not " + size};
  }
  for (std::size_t i = 0; i < text.size();) {
    auto [c, length] = decode_utf8(text, i);
    if (length == 0) {
      return Texts{"ei kelvollista UTF-8-tekstiä", "inte giltig UTF-8-text", "not valid UTF-8"};
    }
    i += length;
    if (rule.line_breaks && is_line_break(c)) continue;
    if (is_control(c) || c == 0x2028 || c == 0x2029) {
      auto name = code_point_name(c);
      if (!rule.line_breaks) {
        return Texts{"sisältää ohjausmerkin " + name, "innehåller styrtecknet " + name,
                     "contains the control character " + name};
      }
      return Texts{
          "sisältää ohjausmerkin " + name + " (vain sarkain ja rivinvaihdot ovat sallittuja)",
          "innehåller styrtecknet " + name + " (endast tabbtecken och radbrytningar är tillåtna)",
          "contains the control character " + name + " (only tab and line breaks are allowed)"};
    }
    if (is_bidi_control(c)) {
      auto name = code_point_name(c);
      return Texts{"sisältää tekstin suunnan ohjausmerkin " + name +
                       ", jonka vuoksi teksti voi näkyä toisin kuin se on tallennettu",
                   "innehåller styrtecknet för textriktning " + name +
                       ", som kan få texten att visas annorlunda än den är lagrad",
                   "contains the bidirectional-text control " + name +
                       ", which can make the text read differently than it is stored"};
    }
  }
  if (contains_identity_code(text)) {
    return Texts{
        "sisältää henkilötunnukselta näyttävän merkkijonon, jota ei saa kirjoittaa tähän (se "
        "päätyisi lokirekisteriin tai kuittiin); yksilöi henkilöt pseudonyymillä tai "
        "organisaatiosi omilla tunnisteilla",
        "innehåller något som ser ut som en personbeteckning; sådant får inte skrivas här (det "
        "skulle hamna i loggregistret eller på ett kvitto); identifiera personerna med en "
        "pseudonym eller med din organisations egna identifierare",
        "contains what looks like a personal identity code, which must not be written here (it "
        "would reach the audit log or a receipt); name people by pseudonym or your own ids"};
  }
  return std::nullopt;
}

std::string Issues::format(std::string_view prefix) const {
  std::string out;
  for (const auto& i : list_) {
    out.append(prefix);
    out.append(i.path.empty() ? "/" : i.path);
    out.append(": ");
    out.append(i.message.en);
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
    issues_->add(path_, Texts{"odotettiin JSON-objektia", "förväntade ett JSON-objekt",
                              "expected an object"});
    value_ = nullptr;
  }
}

bool Object::has(std::string_view key) const {
  return value_ != nullptr && value_->find(key) != value_->end();
}

const nlohmann::json* Object::lookup(std::string_view key, Need need, const Texts& expected) {
  seen_.emplace(key);
  if (value_ == nullptr) return nullptr;
  auto it = value_->find(key);
  if (it == value_->end()) {
    if (need == Need::kRequired) issues_->add(path_of(key), required(expected));
    return nullptr;
  }
  return &*it;
}

const nlohmann::json* Object::any(std::string_view key, Need need) { return lookup(key, need, {}); }

std::optional<std::string> Object::string(std::string_view key, Need need) {
  const auto* v = lookup(key, need, {"merkkijono", "en sträng", "a string"});
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    issues_->add(path_of(key), kExpectedString);
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
  const auto* v = lookup(key, need, {"kokonaisluku", "ett heltal", "an integer"});
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() &&
       v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) ||
      v->get<std::int64_t>() < min || v->get<std::int64_t>() > max) {
    auto lo = std::to_string(min);
    auto hi = std::to_string(max);
    issues_->add(path_of(key), Texts{"odotettiin kokonaislukua väliltä " + lo + "–" + hi,
                                     "förväntade ett heltal från " + lo + " till " + hi,
                                     "expected an integer from " + lo + " to " + hi});
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
  const auto* v = lookup(key, need, {"true tai false", "true eller false", "true or false"});
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    issues_->add(path_of(key), kExpectedBoolean);
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
  if (!t) issues_->add(path_of(key), kExpectedTime);
  return t;
}

std::optional<std::vector<std::string>> Object::strings(std::string_view key, Need need) {
  const auto* v = array(key, need);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  bool all = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      issues_->add(child_pointer(path_of(key), i), kExpectedString);
      all = false;
    } else {
      out.push_back((*v)[i].get<std::string>());
    }
  }
  if (!all) return std::nullopt;
  return out;
}

const nlohmann::json* Object::array(std::string_view key, Need need) {
  const auto* v = lookup(key, need, {"JSON-taulukko", "en JSON-array", "an array"});
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    issues_->add(path_of(key), Texts{"odotettiin JSON-taulukkoa", "förväntade en JSON-array",
                                     "expected an array"});
    return nullptr;
  }
  return v;
}

std::optional<Object> Object::object(std::string_view key, Need need) {
  const auto* v = lookup(key, need, {"JSON-objekti", "ett JSON-objekt", "an object"});
  if (v == nullptr) return std::nullopt;
  Object o(*issues_, *v, path_of(key));
  if (!o.valid()) return std::nullopt;
  return o;
}

void Object::no_other_keys() {
  if (value_ == nullptr) return;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (seen_.find(it.key()) == seen_.end()) issues_->add(path_of(it.key()), kUnknownKey);
  }
}

}  // namespace silta::json_check
