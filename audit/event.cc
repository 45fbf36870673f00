#include "audit/event.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <functional>
#include <map>

#if defined(__SSE2__)  // x86-64 always
#include <immintrin.h>
#endif

#include "audit/utf8.h"
#include "common/codec.h"
#include "common/identity_scan.h"

namespace silta::audit {

namespace {

constexpr std::array<std::string_view, 13> kEventTypeNames = {
    "decision",
    "disclosure",
    "referral-sent",
    "referral-delivered",
    "referral-acknowledged",
    "referral-decided",
    "consent-recorded",
    "consent-revoked",
    "audit-read",
    "break-glass",
    "break-glass-review",
    "auth-failure",
    "log-recovered",
};

constexpr std::array<std::string_view, 4> kDecisionNames = {"", "granted", "partial", "denied"};

constexpr std::size_t kMaxText = 256;
constexpr std::size_t kMaxJustification = 4000;
constexpr std::size_t kMaxListEntries = 64;
constexpr std::size_t kMaxProblem = 1000;

bool is_lower_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Escapes exactly as nlohmann::json::dump(ensure_ascii = false) does, which canonical_json uses:
// '"', '\\' and control characters; everything else (UTF-8 included) is copied in runs.
void put_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void put_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

void put_string_member(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  put_key(out, key);
  put_escaped(out, value);
  out += ',';
}

void put_count_member(std::string& out, std::string_view key, std::uint64_t value) {
  if (value == 0) return;
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  put_key(out, key);
  out.append(digits, end);
  out += ',';
}

void put_list_member(std::string& out, std::string_view key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  put_key(out, key);
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    put_escaped(out, v[i]);
  }
  out += "],";
}

class Problems {
 public:
  void add(std::string_view field, std::string_view what) {
    if (!text_.empty()) text_ += "; ";
    text_ += field;
    text_ += ": ";
    text_ += what;
  }
  Status status() const {
    if (text_.empty()) return {};
    return make_error(ErrorCode::kInvalidArgument, "audit event: " + text_);
  }

 private:
  std::string text_;
};

void check_text(Problems& p, std::string_view field, std::string_view value, std::size_t max,
                bool allow_line_breaks = false) {
  if (value.size() > max) {
    p.add(field, "longer than " + std::to_string(max) + " bytes");
    return;
  }
  if (!valid_utf8(value)) {
    p.add(field, "not valid UTF-8");
    return;
  }
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    bool line_break = ch == '\n' || ch == '\r' || ch == '\t';
    if ((c < 0x20 && !(allow_line_breaks && line_break)) || c == 0x7f) {
      p.add(field, "contains a control character");
      return;
    }
  }
  if (contains_identity_code(value)) {
    p.add(field, "contains what looks like a personal identity code; log only pseudonyms");
  }
}

void check_list(Problems& p, std::string_view field, const std::vector<std::string>& values) {
  if (values.size() > kMaxListEntries) {
    p.add(field, "more than " + std::to_string(kMaxListEntries) + " entries");
    return;
  }
  for (const auto& v : values) {
    if (v.empty()) {
      p.add(field, "contains an empty entry");
      return;
    }
    check_text(p, field, v, kMaxText);
  }
}

std::optional<DecisionSummary> parse_decision(std::string_view name) {
  for (std::size_t i = 1; i < kDecisionNames.size(); ++i) {
    if (kDecisionNames[i] == name) return static_cast<DecisionSummary>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view event_type_name(EventType type) {
  return kEventTypeNames[static_cast<std::size_t>(type)];
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (std::size_t i = 0; i < kEventTypeNames.size(); ++i) {
    if (kEventTypeNames[i] == name) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

std::string_view decision_name(DecisionSummary decision) {
  return kDecisionNames[static_cast<std::size_t>(decision)];
}

bool contains_identity_code(std::string_view s) { return silta::contains_identity_code(s); }

Status validate_event(const AuditEvent& e) {
  Problems p;
  if (static_cast<std::size_t>(e.type) >= kEventTypeNames.size()) p.add("type", "unknown");
  if (e.agency.empty() && e.type != EventType::kAuthFailure && e.type != EventType::kLogRecovered) {
    p.add("agency", "required (may be empty only for an auth-failure or a log-recovered)");
  }
  check_text(p, "agency", e.agency, kMaxText);
  check_text(p, "actor", e.actor, kMaxText);
  bool role_ok = e.actor_role.size() <= 64;
  for (char c : e.actor_role) {
    role_ok = role_ok && ((c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '.');
  }
  if (!role_ok) p.add("actor_role", "expected a catalog role id: at most 64 of a-z, 0-9, _, .");
  if (!e.subject.empty() && !is_lower_hex(e.subject, 64)) {
    p.add("subject", "expected a pseudonym: 64 lower-case hex digits");
  }
  if (!e.subject_key.empty() && !is_lower_hex(e.subject_key, 8)) {
    p.add("subject_key", "expected a pseudonym key id: 8 lower-case hex digits");
  }
  if (e.subject.empty() != e.subject_key.empty()) {
    p.add("subject_key", "subject and subject_key go together");
  }
  check_text(p, "target", e.target, kMaxText);
  check_text(p, "purpose", e.purpose, kMaxText);
  check_list(p, "categories_requested", e.categories_requested);
  check_list(p, "categories_granted", e.categories_granted);
  check_list(p, "categories_denied", e.categories_denied);
  if (static_cast<std::size_t>(e.decision) >= kDecisionNames.size()) p.add("decision", "unknown");
  if (!e.direction.empty() && e.direction != "pull" && e.direction != "push") {
    p.add("direction", "expected pull, push or nothing");
  }
  check_list(p, "citations", e.citations);
  check_list(p, "consents", e.consents);
  check_text(p, "justification", e.justification, kMaxJustification, true);
  check_text(p, "case_reference", e.case_reference, kMaxText);
  check_text(p, "catalog_version", e.catalog_version, kMaxText);
  check_text(p, "catalog_hash", e.catalog_hash, kMaxText);
  if (!e.request_digest.empty() && !is_lower_hex(e.request_digest, 64)) {
    p.add("request_digest", "expected SHA-256: 64 lower-case hex digits");
  }
  if (!e.response_digest.empty() && !is_lower_hex(e.response_digest, 64)) {
    p.add("response_digest", "expected SHA-256: 64 lower-case hex digits");
  }
  check_text(p, "reference", e.reference, kMaxText);
  bool outcome_ok = !e.outcome.empty() && e.outcome.size() <= 64;
  for (char c : e.outcome) {
    outcome_ok = outcome_ok && ((c >= 'a' && c <= 'z') || is_digit(c) || c == '_');
  }
  if (!outcome_ok) p.add("outcome", "required: 1-64 of a-z, 0-9, _");
  const LogRecovery& r = e.recovery;
  if (!r.empty() && e.type != EventType::kLogRecovered) {
    p.add("recovery", "only a log-recovered record says what opening the log recovered");
  }
  check_text(p, "quarantine_file", r.quarantine_file, kMaxText);
  check_text(p, "quarantine_segment", r.quarantine_segment, kMaxText);
  check_text(p, "problem", r.problem, kMaxProblem);
  return p.status();
}

Result<PreparedEvent> PreparedEvent::prepare(const AuditEvent& e) {
  if (auto s = validate_event(e); !s) return s.error();
  PreparedEvent p;
  std::string& a = p.before_seq_;
  a.reserve(384);
  // Members in the byte order of their keys (canonical JSON); empty values are omitted.
  put_string_member(a, "actor", e.actor);
  put_string_member(a, "actor_role", e.actor_role);
  put_string_member(a, "agency", e.agency);
  if (e.break_glass) a += "\"break_glass\":true,";
  put_string_member(a, "case_reference", e.case_reference);
  put_string_member(a, "catalog_hash", e.catalog_hash);
  put_string_member(a, "catalog_version", e.catalog_version);
  put_list_member(a, "categories_denied", e.categories_denied);
  put_list_member(a, "categories_granted", e.categories_granted);
  put_list_member(a, "categories_requested", e.categories_requested);
  put_list_member(a, "citations", e.citations);
  put_list_member(a, "consents", e.consents);
  put_string_member(a, "decision", decision_name(e.decision));
  put_string_member(a, "direction", e.direction);
  if (e.embargo_until) put_string_member(a, "embargo_until", format_rfc3339(*e.embargo_until));
  put_string_member(a, "justification", e.justification);
  put_string_member(a, "outcome", e.outcome);
  const LogRecovery& r = e.recovery;
  put_string_member(a, "problem", r.problem);
  put_string_member(a, "purpose", e.purpose);
  put_count_member(a, "quarantine_bytes", r.quarantine_bytes);
  put_string_member(a, "quarantine_file", r.quarantine_file);
  put_count_member(a, "quarantine_offset", r.quarantine_offset);
  put_string_member(a, "quarantine_segment", r.quarantine_segment);
  put_count_member(a, "quarantined_records", r.quarantined_records);
  if (r.recovered_from) put_string_member(a, "recovered_from", format_rfc3339(*r.recovered_from));
  put_count_member(a, "recovered_records", r.recovered_records);
  if (r.recovered_until) {
    put_string_member(a, "recovered_until", format_rfc3339(*r.recovered_until));
  }
  put_string_member(a, "reference", e.reference);
  put_string_member(a, "request_digest", e.request_digest);
  put_string_member(a, "response_digest", e.response_digest);
  // "seq"
  put_string_member(p.before_time_, "subject", e.subject);
  put_string_member(p.before_time_, "subject_key", e.subject_key);
  put_string_member(p.before_time_, "target", e.target);
  // "time"
  put_count_member(p.after_time_, "torn_bytes", r.torn_bytes);
  p.after_time_ += "\"type\":\"" + std::string(event_type_name(e.type)) + "\",\"v\":1";
  return p;
}

namespace {
// format_rfc3339 with the part up to the seconds cached per thread: the log formats one time
// per record, and most records share their second with the previous one.
const std::string& time_text(SysTime time) {
  thread_local std::chrono::sys_seconds second{std::chrono::seconds::min()};
  thread_local std::string text;
  auto s = std::chrono::floor<std::chrono::seconds>(time);
  if (s != second) {
    second = s;
    text = format_rfc3339(s);  // "YYYY-MM-DDTHH:MM:SS.000000Z"
  }
  auto micros = (time - s).count();  // 0 to 999999: the six digits before the 'Z'
  for (std::size_t i = 0; i < 6; ++i) {
    text[text.size() - 2 - i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  return text;
}
}  // namespace

std::string PreparedEvent::assemble(std::uint64_t seq, SysTime time) const {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
  const std::string& t = time_text(time);
  std::string out;
  out.reserve(before_seq_.size() + before_time_.size() + after_time_.size() + 64);
  out += '{';
  out += before_seq_;
  out += "\"seq\":";
  out.append(digits, end);
  out += ',';
  out += before_time_;
  out += "\"time\":\"";
  out += t;
  out += "\",";
  out += after_time_;
  out += '}';
  return out;
}

Result<std::string> encode_record(const AuditRecord& record) {
  auto prepared = PreparedEvent::prepare(record.event);
  if (!prepared) return prepared.error();
  return prepared->assemble(record.seq, record.time);
}

nlohmann::json to_json(const AuditRecord& r) {
  const AuditEvent& e = r.event;
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
  };
  auto put_list = [&](const char* key, const std::vector<std::string>& value) {
    if (!value.empty()) j[key] = value;
  };
  put("actor", e.actor);
  put("actor_role", e.actor_role);
  put("agency", e.agency);
  if (e.break_glass) j["break_glass"] = true;
  put("case_reference", e.case_reference);
  put("catalog_hash", e.catalog_hash);
  put("catalog_version", e.catalog_version);
  put_list("categories_denied", e.categories_denied);
  put_list("categories_granted", e.categories_granted);
  put_list("categories_requested", e.categories_requested);
  put_list("citations", e.citations);
  put_list("consents", e.consents);
  if (e.decision != DecisionSummary::kNone) j["decision"] = decision_name(e.decision);
  put("direction", e.direction);
  if (e.embargo_until) j["embargo_until"] = format_rfc3339(*e.embargo_until);
  put("justification", e.justification);
  put("outcome", e.outcome);
  const LogRecovery& rec = e.recovery;
  auto put_count = [&](const char* key, std::uint64_t value) {
    if (value != 0) j[key] = value;
  };
  put("problem", rec.problem);
  put("purpose", e.purpose);
  put_count("quarantine_bytes", rec.quarantine_bytes);
  put("quarantine_file", rec.quarantine_file);
  put_count("quarantine_offset", rec.quarantine_offset);
  put("quarantine_segment", rec.quarantine_segment);
  put_count("quarantined_records", rec.quarantined_records);
  if (rec.recovered_from) j["recovered_from"] = format_rfc3339(*rec.recovered_from);
  put_count("recovered_records", rec.recovered_records);
  if (rec.recovered_until) j["recovered_until"] = format_rfc3339(*rec.recovered_until);
  put("reference", e.reference);
  put("request_digest", e.request_digest);
  put("response_digest", e.response_digest);
  j["seq"] = r.seq;
  put("subject", e.subject);
  put("subject_key", e.subject_key);
  put("target", e.target);
  j["time"] = format_rfc3339(r.time);
  put_count("torn_bytes", rec.torn_bytes);
  j["type"] = event_type_name(e.type);
  j["v"] = 1;
  return j;
}

namespace {
// How parse_record reads each known key; anything else is refused.
using FieldReader = std::function<bool(AuditRecord&, const nlohmann::json&)>;
using FieldReaders = std::map<std::string_view, FieldReader>;

// The event's own keys: who, what, on which basis.
void add_event_fields(FieldReaders& m) {
  auto text = [](std::string AuditEvent::*field) {
    return [field](AuditRecord& rec, const nlohmann::json& v) {
      if (!v.is_string()) return false;
      rec.event.*field = v.get<std::string>();
      return true;
    };
  };
  auto list = [](std::vector<std::string> AuditEvent::*field) {
    return [field](AuditRecord& rec, const nlohmann::json& v) {
      if (!v.is_array()) return false;
      for (const auto& x : v) {
        if (!x.is_string()) return false;
        (rec.event.*field).push_back(x.get<std::string>());
      }
      return true;
    };
  };
  m["actor"] = text(&AuditEvent::actor);
  m["actor_role"] = text(&AuditEvent::actor_role);
  m["agency"] = text(&AuditEvent::agency);
  m["break_glass"] = [](AuditRecord& rec, const nlohmann::json& v) {
    if (!v.is_boolean()) return false;
    rec.event.break_glass = v.get<bool>();
    return true;
  };
  m["case_reference"] = text(&AuditEvent::case_reference);
  m["catalog_hash"] = text(&AuditEvent::catalog_hash);
  m["catalog_version"] = text(&AuditEvent::catalog_version);
  m["categories_denied"] = list(&AuditEvent::categories_denied);
  m["categories_granted"] = list(&AuditEvent::categories_granted);
  m["categories_requested"] = list(&AuditEvent::categories_requested);
  m["citations"] = list(&AuditEvent::citations);
  m["consents"] = list(&AuditEvent::consents);
  m["decision"] = [](AuditRecord& rec, const nlohmann::json& v) {
    if (!v.is_string()) return false;
    auto d = parse_decision(v.get<std::string>());
    if (!d) return false;
    rec.event.decision = *d;
    return true;
  };
  m["direction"] = text(&AuditEvent::direction);
  m["embargo_until"] = [](AuditRecord& rec, const nlohmann::json& v) {
    if (!v.is_string()) return false;
    auto t = parse_rfc3339(v.get<std::string>());
    if (!t) return false;
    rec.event.embargo_until = *t;
    return true;
  };
  m["justification"] = text(&AuditEvent::justification);
  m["outcome"] = text(&AuditEvent::outcome);
  m["purpose"] = text(&AuditEvent::purpose);
  m["reference"] = text(&AuditEvent::reference);
  m["request_digest"] = text(&AuditEvent::request_digest);
  m["response_digest"] = text(&AuditEvent::response_digest);
  m["subject"] = text(&AuditEvent::subject);
  m["subject_key"] = text(&AuditEvent::subject_key);
  m["target"] = text(&AuditEvent::target);
}

// The keys of a log-recovered record (LogRecovery).
void add_recovery_fields(FieldReaders& m) {
  auto recovery_text = [](std::string LogRecovery::*field) {
    return [field](AuditRecord& rec, const nlohmann::json& v) {
      if (!v.is_string()) return false;
      rec.event.recovery.*field = v.get<std::string>();
      return true;
    };
  };
  auto recovery_count = [](std::uint64_t LogRecovery::*field) {
    return [field](AuditRecord& rec, const nlohmann::json& v) {
      if (!v.is_number_unsigned()) return false;
      rec.event.recovery.*field = v.get<std::uint64_t>();
      return true;
    };
  };
  auto recovery_time = [](std::optional<SysTime> LogRecovery::*field) {
    return [field](AuditRecord& rec, const nlohmann::json& v) {
      if (!v.is_string()) return false;
      auto t = parse_rfc3339(v.get<std::string>());
      if (!t) return false;
      rec.event.recovery.*field = *t;
      return true;
    };
  };
  m["problem"] = recovery_text(&LogRecovery::problem);
  m["quarantine_bytes"] = recovery_count(&LogRecovery::quarantine_bytes);
  m["quarantine_file"] = recovery_text(&LogRecovery::quarantine_file);
  m["quarantine_offset"] = recovery_count(&LogRecovery::quarantine_offset);
  m["quarantine_segment"] = recovery_text(&LogRecovery::quarantine_segment);
  m["quarantined_records"] = recovery_count(&LogRecovery::quarantined_records);
  m["recovered_from"] = recovery_time(&LogRecovery::recovered_from);
  m["recovered_records"] = recovery_count(&LogRecovery::recovered_records);
  m["recovered_until"] = recovery_time(&LogRecovery::recovered_until);
  m["torn_bytes"] = recovery_count(&LogRecovery::torn_bytes);
}

// The record's envelope: sequence number, time, type, format version.
void add_envelope_fields(FieldReaders& m) {
  m["seq"] = [](AuditRecord& rec, const nlohmann::json& v) {
    if (!v.is_number_unsigned()) return false;
    rec.seq = v.get<std::uint64_t>();
    return true;
  };
  m["time"] = [](AuditRecord& rec, const nlohmann::json& v) {
    if (!v.is_string()) return false;
    auto t = parse_rfc3339(v.get<std::string>());
    if (!t) return false;
    rec.time = *t;
    return true;
  };
  m["type"] = [](AuditRecord& rec, const nlohmann::json& v) {
    if (!v.is_string()) return false;
    auto t = parse_event_type(v.get<std::string>());
    if (!t) return false;
    rec.event.type = *t;
    return true;
  };
  m["v"] = [](AuditRecord&, const nlohmann::json& v) {
    return v.is_number_unsigned() && v.get<std::uint64_t>() == 1;
  };
}

const FieldReaders& record_fields() {
  static const FieldReaders kFields = [] {
    FieldReaders m;
    add_event_fields(m);
    add_recovery_fields(m);
    add_envelope_fields(m);
    return m;
  }();
  return kFields;
}
}  // namespace

Result<AuditRecord> parse_record(std::string_view leaf) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kDataLoss, "audit record: " + why);
  };
  auto j = nlohmann::json::parse(leaf, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  AuditRecord r;
  const FieldReaders& fields = record_fields();
  for (const char* required : {"seq", "time", "type", "v", "outcome"}) {
    if (!j.contains(required)) return bad(std::string("no \"") + required + "\"");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto f = fields.find(it.key());
    if (f == fields.end()) return bad("unknown key \"" + it.key() + "\"");
    if (!f->second(r, it.value())) return bad("bad value for \"" + it.key() + "\"");
  }
  auto again = encode_record(r);
  if (!again) return bad(again.error().message);
  if (*again != leaf) return bad("not in canonical form");
  return r;
}

}  // namespace silta::audit
