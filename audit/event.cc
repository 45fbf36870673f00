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

namespace silta::audit {

namespace {

constexpr std::array<std::string_view, 12> kEventTypeNames = {
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
};

constexpr std::array<std::string_view, 4> kDecisionNames = {"", "granted", "partial", "denied"};

constexpr std::size_t kMaxText = 256;
constexpr std::size_t kMaxJustification = 4000;
constexpr std::size_t kMaxListEntries = 64;

bool is_lower_hex(std::string_view s, std::size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

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

bool contains_identity_code(std::string_view s) {
  static constexpr std::string_view kCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  static constexpr std::string_view kCentury = "+-ABCDEFUVWXY";
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
  for (std::size_t i = 0; i + 11 <= s.size(); ++i) {
    if (i > 0 && is_alnum(s[i - 1])) continue;
    if (i + 11 < s.size() && is_alnum(s[i + 11])) continue;
    bool digits = true;
    for (std::size_t k : {0, 1, 2, 3, 4, 5, 7, 8, 9}) digits = digits && is_digit(s[i + k]);
    if (!digits || kCentury.find(upper(s[i + 6])) == std::string_view::npos) continue;
    int day = (s[i] - '0') * 10 + (s[i + 1] - '0');
    int month = (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
    if (day < 1 || day > 31 || month < 1 || month > 12) continue;
    std::uint64_t n = 0;
    for (std::size_t k : {0, 1, 2, 3, 4, 5, 7, 8, 9}) n = n * 10 + (s[i + k] - '0');
    if (upper(s[i + 10]) == kCheck[n % 31]) return true;
  }
  return false;
}

Status validate_event(const AuditEvent& e) {
  Problems p;
  if (static_cast<std::size_t>(e.type) >= kEventTypeNames.size()) p.add("type", "unknown");
  if (e.agency.empty() && e.type != EventType::kAuthFailure) {
    p.add("agency", "required (may be empty only for an auth-failure)");
  }
  check_text(p, "agency", e.agency, kMaxText);
  check_text(p, "actor", e.actor, kMaxText);
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
  return p.status();
}

Result<PreparedEvent> PreparedEvent::prepare(const AuditEvent& e) {
  if (auto s = validate_event(e); !s) return s.error();
  PreparedEvent p;
  std::string& a = p.before_seq_;
  a.reserve(384);
  // Members in the byte order of their keys (canonical JSON); empty values are omitted.
  put_string_member(a, "actor", e.actor);
  put_string_member(a, "agency", e.agency);
  if (e.break_glass) a += "\"break_glass\":true,";
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
  put_string_member(a, "purpose", e.purpose);
  put_string_member(a, "reference", e.reference);
  put_string_member(a, "request_digest", e.request_digest);
  put_string_member(a, "response_digest", e.response_digest);
  // "seq"
  put_string_member(p.before_time_, "subject", e.subject);
  put_string_member(p.before_time_, "subject_key", e.subject_key);
  put_string_member(p.before_time_, "target", e.target);
  // "time"
  p.after_time_ = "\"type\":\"" + std::string(event_type_name(e.type)) + "\",\"v\":1";
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
  put("agency", e.agency);
  if (e.break_glass) j["break_glass"] = true;
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
  put("purpose", e.purpose);
  put("reference", e.reference);
  put("request_digest", e.request_digest);
  put("response_digest", e.response_digest);
  j["seq"] = r.seq;
  put("subject", e.subject);
  put("subject_key", e.subject_key);
  put("target", e.target);
  j["time"] = format_rfc3339(r.time);
  j["type"] = event_type_name(e.type);
  j["v"] = 1;
  return j;
}

Result<AuditRecord> parse_record(std::string_view leaf) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kDataLoss, "audit record: " + why);
  };
  auto j = nlohmann::json::parse(leaf, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  AuditRecord r;
  // Each known key and how to read it; anything else is refused.
  static const std::map<std::string_view, std::function<bool(AuditRecord&, const nlohmann::json&)>>
      kFields = [] {
        std::map<std::string_view, std::function<bool(AuditRecord&, const nlohmann::json&)>> m;
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
        m["agency"] = text(&AuditEvent::agency);
        m["break_glass"] = [](AuditRecord& rec, const nlohmann::json& v) {
          if (!v.is_boolean()) return false;
          rec.event.break_glass = v.get<bool>();
          return true;
        };
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
        m["seq"] = [](AuditRecord& rec, const nlohmann::json& v) {
          if (!v.is_number_unsigned()) return false;
          rec.seq = v.get<std::uint64_t>();
          return true;
        };
        m["subject"] = text(&AuditEvent::subject);
        m["subject_key"] = text(&AuditEvent::subject_key);
        m["target"] = text(&AuditEvent::target);
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
        return m;
      }();
  for (const char* required : {"seq", "time", "type", "v", "outcome"}) {
    if (!j.contains(required)) return bad(std::string("no \"") + required + "\"");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto f = kFields.find(it.key());
    if (f == kFields.end()) return bad("unknown key \"" + it.key() + "\"");
    if (!f->second(r, it.value())) return bad("bad value for \"" + it.key() + "\"");
  }
  auto again = encode_record(r);
  if (!again) return bad(again.error().message);
  if (*again != leaf) return bad("not in canonical form");
  return r;
}

// --- fast structural scan -------------------------------------------------------------------

namespace {

// Keys are short: a byte loop beats a call to memcmp here (this runs for every key of every
// record when a log is opened or verified).
bool less(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

bool time_shape(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (t.size() != kShape.size()) return false;
#if defined(__SSE2__)
  // Bytes 0-15 and 11-26 at once: a digit where the shape has 'd', else the shape's byte.
  auto part = [&](std::size_t at) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data() + at));
    __m128i shape = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kShape.data() + at));
    __m128i want_digit = _mm_cmpeq_epi8(shape, _mm_set1_epi8('d'));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i ok = _mm_or_si128(_mm_and_si128(want_digit, digit),
                              _mm_andnot_si128(want_digit, _mm_cmpeq_epi8(v, shape)));
    return _mm_movemask_epi8(ok) == 0xffff;
  };
  return part(0) && part(kShape.size() - 16);
#else
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? !is_digit(t[i]) : t[i] != kShape[i]) return false;
  }
  return true;
#endif
}

// A JSON number as canonical_json writes an unsigned integer, at `pos`.
bool scan_unsigned(std::string_view s, std::size_t& pos, std::uint64_t& out) {
  std::size_t start = pos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  std::size_t n = pos - start;
  if (n == 0 || (n > 1 && s[start] == '0')) return false;
  if (n < 20) {  // below 10^19: no overflow
    std::uint64_t v = 0;
    for (std::size_t i = start; i < pos; ++i) v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
    out = v;
    return true;
  }
  auto [p, ec] = std::from_chars(s.data() + start, s.data() + pos, out);
  return ec == std::errc() && p == s.data() + pos;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  Result<RecordHeader> run() {
    RecordHeader h;
    bool have_seq = false, have_time = false;
    if (!eat('{')) return fail("expected '{'");
    std::string_view prev;
    bool first = true;
    for (;;) {
      std::string_view key;
      if (!key_token(key)) return fail("expected a key of a-z and _");
      if (!first && !less(prev, key)) return fail("keys not in strictly ascending order");
      first = false;
      prev = key;
      if (!eat(':')) return fail("expected ':'");
      if (key.size() == 3 && key[0] == 's' && key[1] == 'e' && key[2] == 'q') {
        if (!unsigned_integer(h.seq)) return fail("\"seq\" is not an unsigned integer");
        have_seq = true;
      } else if (key.size() == 4 && key[0] == 't' && key[1] == 'i' && key[2] == 'm' &&
                 key[3] == 'e') {
        std::size_t start = pos_ + 1;
        if (!string_token()) return fail("bad string");
        h.time = s_.substr(start, pos_ - 1 - start);
        if (!time_shape(h.time)) return fail("\"time\" is not YYYY-MM-DDTHH:MM:SS.ffffffZ");
        have_time = true;
      } else if (!value()) {
        return fail("bad value");
      }
      if (eat(',')) continue;
      if (eat('}')) break;
      return fail("expected ',' or '}'");
    }
    if (pos_ != s_.size()) return fail("bytes after the object");
    if (!have_seq || !have_time) return fail("no \"seq\" or no \"time\"");
    return h;
  }

 private:
  // Bytes copied as they are inside a canonical JSON string: printable ASCII but '"' and '\\'.
  static constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();

  // Skips bytes copied as they are, eight at a time while none of them is special (SWAR: a
  // control character, '"', '\\' or a non-ASCII byte), then one at a time.
  void skip_plain() {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    while (pos_ + 8 <= s_.size()) {
      std::uint64_t v;
      std::memcpy(&v, s_.data() + pos_, 8);
      std::uint64_t special = ((v - kOnes * 0x20) & ~v & kHigh)  // a byte below 0x20
                              | has_zero(v ^ (kOnes * '"')) | has_zero(v ^ (kOnes * '\\')) |
                              (v & kHigh);
      if (special) break;
      pos_ += 8;
    }
    while (pos_ < s_.size() && kPlain[static_cast<unsigned char>(s_[pos_])]) ++pos_;
  }

  Error fail(const char* what) const {
    return make_error(ErrorCode::kDataLoss, std::string("record is not canonical JSON at byte ") +
                                                std::to_string(pos_) + ": " + what);
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool key_token(std::string_view& key) {
    if (!eat('"')) return false;
    std::size_t start = pos_;
    while (pos_ < s_.size() && ((s_[pos_] >= 'a' && s_[pos_] <= 'z') || s_[pos_] == '_')) ++pos_;
    key = s_.substr(start, pos_ - start);
    return !key.empty() && eat('"');
  }
  // A string as canonical_json writes it: escapes only where nlohmann writes them.
  bool string_token() {
    if (!eat('"')) return false;
    while (pos_ < s_.size()) {
      skip_plain();
      if (pos_ == s_.size()) return false;
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) return false;
        char e = s_[pos_ + 1];
        if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
          pos_ += 2;
        } else if (e == 'u') {
          // Only control characters other than the short forms are written as \u00XX.
          if (pos_ + 6 > s_.size() || s_.substr(pos_ + 2, 2) != "00") return false;
          auto hi = s_[pos_ + 4], lo = s_[pos_ + 5];
          if (!(hi == '0' || hi == '1') || !is_lower_hex(std::string_view(&lo, 1), 1)) {
            return false;
          }
          pos_ += 6;
        } else {
          return false;
        }
      } else if (c < 0x80) {
        ++pos_;
      } else {
        std::size_t n = utf8_sequence_length(s_, pos_);
        if (n == 0) return false;
        pos_ += n;
      }
    }
    return false;
  }
  bool unsigned_integer(std::uint64_t& out) { return scan_unsigned(s_, pos_, out); }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool value() {
    if (pos_ >= s_.size()) return false;
    char c = s_[pos_];
    if (c == '"') return string_token();
    if (is_digit(c)) {
      std::uint64_t ignored;
      return unsigned_integer(ignored);
    }
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == '[') {
      ++pos_;
      if (eat(']')) return true;
      for (;;) {
        if (!string_token()) return false;
        if (eat(',')) continue;
        return eat(']');
      }
    }
    return false;
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

// The walk's steps, inlined: as calls, the position they share would live in memory.
#define SILTA_INLINE __attribute__((always_inline))

#if defined(__x86_64__)
// PlainScanner::classify with AVX-512 (64 bytes and a mask register per step, and a masked load
// for the last, partial, step), where the CPU has it.
bool have_avx512bw() {
  static const bool has = __builtin_cpu_supports("avx512bw");
  return has;
}

__attribute__((target("avx512bw"))) bool classify_avx512(std::string_view s, std::uint64_t* quotes,
                                                         std::uint64_t* key_chars) {
  const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'),
                space = _mm512_set1_epi8(0x20), a = _mm512_set1_epi8('a'),
                z = _mm512_set1_epi8('z'), underscore = _mm512_set1_epi8('_');
  __mmask64 special = 0;
  for (std::size_t i = 0; i < s.size(); i += 64) {
    std::size_t left = s.size() - i;
    __mmask64 valid = left >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << left) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(valid, s.data() + i);
    // Signed bytes: below 0x20 is a control character or (negative) a byte from 0x80 up.
    special |= (_mm512_cmplt_epi8_mask(v, space) | _mm512_cmpeq_epi8_mask(v, backslash)) & valid;
    quotes[i / 64] = _mm512_cmpeq_epi8_mask(v, quote);
    key_chars[i / 64] = (_mm512_cmpge_epu8_mask(v, a) & _mm512_cmple_epu8_mask(v, z)) |
                        _mm512_cmpeq_epi8_mask(v, underscore);
  }
  return special == 0;
}
#endif

// The common case at a fraction of Scanner's cost: a leaf without any control character, '\\' or
// non-ASCII byte, so that every string is the plain bytes up to the next '"' (nothing escaped,
// nothing to decode). One vector pass over the leaf marks its quotes and its key characters
// (a-z, _); the walk then goes from quote to quote instead of byte by byte. For such a leaf it
// accepts exactly what Scanner accepts; it never rejects: any other leaf, and any problem, goes to
// Scanner, which then also says what is wrong.
class PlainScanner {
 public:
  static std::optional<RecordHeader> scan(std::string_view s) {
    if (s.size() > kMaxBytes) return std::nullopt;
    PlainScanner p(s);
    if (!p.classify()) return std::nullopt;
    return p.walk();
  }

 private:
  static constexpr std::size_t kMaxBytes = 4096;  // records are ~300 bytes; longer ones: Scanner
  static constexpr std::size_t kWords = kMaxBytes / 64;

  explicit PlainScanner(std::string_view s) : s_(s), words_((s.size() + 63) / 64) {}

  // Fills the bit masks (bit i % 64 of word i / 64 for byte i); false when a byte is a control
  // character, '\\' or not ASCII.
  bool classify() {
#if defined(__x86_64__)
    if (have_avx512bw()) {
      quotes_[words_] = key_chars_[words_] = 0;
      return classify_avx512(s_, quotes_.data(), key_chars_.data());
    }
#endif
    const char* p = s_.data();
    std::size_t n = s_.size(), i = 0;
    std::uint64_t q = 0, k = 0;  // the word being filled
    auto scalar = [&](std::size_t end) {
      for (; i < end; ++i) {
        auto c = static_cast<unsigned char>(p[i]);
        if (c < 0x20 || c == '\\' || c >= 0x80) return false;
        std::uint64_t bit = std::uint64_t{1} << (i % 64);
        if (c == '"') q |= bit;
        if ((c >= 'a' && c <= 'z') || c == '_') k |= bit;
      }
      return true;
    };
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20), before_a = _mm_set1_epi8('a' - 1),
                  after_z = _mm_set1_epi8('z' + 1), underscore = _mm_set1_epi8('_');
    __m128i special = _mm_setzero_si128();
    auto block = [&](std::size_t at) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      // Signed bytes: below 0x20 is a control character or (negative) a byte from 0x80 up.
      special = _mm_or_si128(special,
                             _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, backslash)));
      __m128i key =
          _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z)),
                       _mm_cmpeq_epi8(v, underscore));
      int shift = static_cast<int>(at % 64);
      q |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)))}
           << shift;
      k |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(key))} << shift;
    };
    for (; i + 64 <= n; i += 64) {
      q = k = 0;
      block(i);
      block(i + 16);
      block(i + 32);
      block(i + 48);
      quotes_[i / 64] = q;
      key_chars_[i / 64] = k;
    }
    q = k = 0;
    for (; i + 16 <= n; i += 16) block(i);
    if (_mm_movemask_epi8(special) != 0) return false;
#else
    for (; i + 64 <= n; i += 64) {
      q = k = 0;
      if (!scalar(i + 64)) return false;
      quotes_[i / 64] = q;
      key_chars_[i / 64] = k;
    }
    q = k = 0;
#endif
    if (!scalar(n)) return false;
    if (n % 64 != 0) {
      quotes_[n / 64] = q;
      key_chars_[n / 64] = k;
    }
    quotes_[words_] = key_chars_[words_] = 0;
    return true;
  }

  std::optional<RecordHeader> walk() const {
    const char* p = s_.data();
    const std::size_t n = s_.size();
    std::size_t pos = 0;
    // The quotes are taken in order: each is the start or the end of a string token.
    std::size_t word = 0;
    std::uint64_t bits = quotes_[0];
    auto next_quote = [&]() SILTA_INLINE -> std::size_t {
      while (bits == 0) {
        if (++word >= words_) return n;
        bits = quotes_[word];
      }
      std::size_t at = word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      return at;
    };
    auto eat = [&](char c) SILTA_INLINE {
      if (pos < n && p[pos] == c) {
        ++pos;
        return true;
      }
      return false;
    };
    // '"', plain bytes, '"': sets `text` to the bytes between the quotes.
    auto string_token = [&](std::string_view& text) SILTA_INLINE {
      if (pos >= n || p[pos] != '"') return false;
      std::size_t open = next_quote();  // pos: every quote before it has been taken
      std::size_t close = next_quote();
      if (open != pos || close >= n) return false;
      text = std::string_view(p + pos + 1, close - pos - 1);
      pos = close + 1;
      return true;
    };
    // 1 to 64 bytes, each a-z or _ (a longer key: Scanner).
    auto key_token = [&](std::string_view& key) SILTA_INLINE {
      if (!string_token(key) || key.empty() || key.size() > 64) return false;
      auto at = static_cast<std::size_t>(key.data() - p);
      std::size_t w = at / 64, shift = at % 64;
      // The 64 bits from `at` on (the second shift in two steps: by 64 - 0 would be undefined).
      std::uint64_t m = (key_chars_[w] >> shift) | ((key_chars_[w + 1] << 1) << (63 - shift));
      std::uint64_t want =
          key.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << key.size()) - 1;
      return (m & want) == want;
    };
    auto literal = [&](std::string_view word) SILTA_INLINE {
      if (n - pos < word.size() || std::memcmp(p + pos, word.data(), word.size()) != 0) {
        return false;
      }
      pos += word.size();
      return true;
    };
    auto value = [&]() SILTA_INLINE {
      if (pos >= n) return false;
      char c = p[pos];
      std::string_view text;
      if (c == '"') return string_token(text);
      if (is_digit(c)) {
        std::uint64_t ignored;
        return scan_unsigned(s_, pos, ignored);
      }
      if (c == 't') return literal("true");
      if (c == 'f') return literal("false");
      if (c == '[') {
        ++pos;
        if (eat(']')) return true;
        for (;;) {
          if (!string_token(text)) return false;
          if (eat(',')) continue;
          return eat(']');
        }
      }
      return false;
    };

    RecordHeader h;
    bool have_seq = false, have_time = false;
    if (!eat('{')) return std::nullopt;
    std::string_view prev;
    for (bool first = true;; first = false) {
      std::string_view key;
      if (!key_token(key)) return std::nullopt;
      if (!first && !less(prev, key)) return std::nullopt;
      prev = key;
      if (!eat(':')) return std::nullopt;
      if (key.size() == 3 && key[0] == 's' && key[1] == 'e' && key[2] == 'q') {
        if (!scan_unsigned(s_, pos, h.seq)) return std::nullopt;
        have_seq = true;
      } else if (key.size() == 4 && key[0] == 't' && key[1] == 'i' && key[2] == 'm' &&
                 key[3] == 'e') {
        if (!string_token(h.time) || !time_shape(h.time)) return std::nullopt;
        have_time = true;
      } else if (!value()) {
        return std::nullopt;
      }
      if (eat(',')) continue;
      if (eat('}')) break;
      return std::nullopt;
    }
    if (pos != n || !have_seq || !have_time) return std::nullopt;
    return h;
  }

  std::string_view s_;
  std::size_t words_;
  // One word more than needed, zero, so that a key's bits can be read across a word boundary.
  std::array<std::uint64_t, kWords + 1> quotes_, key_chars_;
};

#undef SILTA_INLINE

}  // namespace

Result<RecordHeader> scan_record_header(std::string_view leaf) {
  if (auto h = PlainScanner::scan(leaf)) return *h;
  return Scanner(leaf).run();
}

Result<RecordHeader> scan_record_header_reference(std::string_view leaf) {
  return Scanner(leaf).run();
}

}  // namespace silta::audit
