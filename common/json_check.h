// Reading JSON documents (config, catalog, API requests) while collecting *every* problem with
// its JSON Pointer path and what was expected, instead of stopping at the first one.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/lang.h"
#include "common/time.h"

namespace silta::json_check {

struct Issue {
  std::string path;  // JSON Pointer (RFC 6901) into the document, "" = the whole document
  // What was expected, e.g. "expected an integer from 1 to 65535", in Finnish, Swedish and
  // English; only English for what an operator wrote (configuration, catalog, registry files).
  Texts message;

  // The message in `lang`, or in English when it has none in `lang`.
  const std::string& in(Lang lang) const;
};

// Every problem found, each at its path. What is added may repeat what a client sent (a key, an
// unknown id): add() replaces anything shaped like an identity code (common/identity_scan.h)
// and shortens a path or message to about kMaxText bytes, and the list keeps at most kMaxListed
// issues (then one more saying so), so that a problem report stays small and never carries a
// henkilötunnus.
class Issues {
 public:
  static constexpr std::size_t kMaxListed = 1000;
  static constexpr std::size_t kMaxText = 512;

  // A problem with what a client sent: the message is read by people in fi, sv and en.
  void add(std::string path, Texts message);
  // A problem with a file an operator wrote, read in English in `silta ... check`.
  void add(std::string path, std::string message);
  bool empty() const { return list_.empty(); }
  const std::vector<Issue>& list() const { return list_; }
  // One line per issue: "<prefix><path>: <message in English>"; prefix is e.g. a file name and
  // ": ".
  std::string format(std::string_view prefix = "") const;

 private:
  std::vector<Issue> list_;
};

// Messages that more than one reader of client input gives.
inline const Texts kExpectedString{"odotettiin merkkijonoa", "förväntade en sträng",
                                   "expected a string"};
inline const Texts kExpectedBoolean{"odotettiin arvoa true tai false",
                                    "förväntade true eller false", "expected true or false"};
inline const Texts kExpectedTime{"odotettiin RFC 3339 -aikaa, esim. 2026-11-23T10:00:00Z",
                                 "förväntade en tid enligt RFC 3339, t.ex. 2026-11-23T10:00:00Z",
                                 "expected an RFC 3339 time, e.g. 2026-11-23T10:00:00Z"};
inline const Texts kExpectedDate{"odotettiin päivämäärää muodossa VVVV-KK-PP",
                                 "förväntade ett datum på formen ÅÅÅÅ-MM-DD",
                                 "expected a date YYYY-MM-DD"};
inline const Texts kUnknownKey{"tuntematon avain", "okänd nyckel", "unknown key"};
inline const Texts kListedTwice{"mainittu kahdesti", "angiven två gånger", "listed twice"};

// "required: <what>", e.g. required({"merkkijono", "en sträng", "a string"}); "required: a
// value" when `what` is empty.
Texts required(const Texts& what);

// `what` followed by the quoted id, e.g. quoting({…, "unknown purpose"}, "x"): unknown purpose "x".
Texts quoting(const Texts& what, std::string_view id);

// "expected one of <list>", e.g. expected_one_of("json, html").
Texts expected_one_of(std::string_view list);

// JSON Pointer of `token` below `parent` (escapes '~' and '/').
std::string child_pointer(std::string_view parent, std::string_view token);
std::string child_pointer(std::string_view parent, std::size_t index);

enum class Need { kOptional, kRequired };

// What a free-text field may hold when the text can reach the audit log, a receipt or an answer
// (docs/formats/audit-log.md applies the same rules to a record): at most max_bytes of valid
// UTF-8 (at least min_bytes); no control character (C0, DEL, C1), no line or paragraph
// separator and no bidirectional-text control (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069), except that line_breaks allows \t, \n, \r, U+2028 and U+2029; nothing shaped
// like an identity code.
struct TextRule {
  std::size_t min_bytes = 0;
  std::size_t max_bytes = 200;
  bool line_breaks = false;
};
// What is wrong with `text` under `rule`, in words that never repeat the text; or nothing.
std::optional<Texts> text_problem(std::string_view text, const TextRule& rule);

// A view of one JSON object that records which keys were read, so that unknown keys (usually
// typos) can be reported by no_other_keys().
class Object {
 public:
  Object(Issues& issues, const nlohmann::json& value, std::string path);

  bool valid() const { return value_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_pointer(path_, key); }
  Issues& issues() { return *issues_; }

  bool has(std::string_view key) const;
  const nlohmann::json* any(std::string_view key, Need need = Need::kOptional);
  std::optional<std::string> string(std::string_view key, Need need = Need::kOptional);
  // A string that follows `rule`; one that does not is reported and not returned.
  std::optional<std::string> text(std::string_view key, Need need, const TextRule& rule);
  std::string string_or(std::string_view key, std::string fallback);
  std::optional<std::int64_t> integer(std::string_view key, Need need, std::int64_t min,
                                      std::int64_t max);
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                          std::int64_t max);
  std::optional<bool> boolean(std::string_view key, Need need = Need::kOptional);
  bool boolean_or(std::string_view key, bool fallback);
  // An RFC 3339 time (common/time.h).
  std::optional<SysTime> time(std::string_view key, Need need = Need::kOptional);
  // An array of strings; each element that is not a string is reported.
  std::optional<std::vector<std::string>> strings(std::string_view key,
                                                  Need need = Need::kOptional);
  const nlohmann::json* array(std::string_view key, Need need = Need::kOptional);
  std::optional<Object> object(std::string_view key, Need need = Need::kOptional);

  // Reports every key of the object that none of the accessors above asked for.
  void no_other_keys();

 private:
  const nlohmann::json* lookup(std::string_view key, Need need, const Texts& expected);

  Issues* issues_;
  const nlohmann::json* value_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace silta::json_check
