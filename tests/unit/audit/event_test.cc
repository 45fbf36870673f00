// Records: canonical JSON that matches common/codec.h canonical_json exactly, round trips, field
// rules, the identity-code guard, and the fast structural scan.
#include <array>
#include <catch2/catch.hpp>
#include <random>

#include "audit/event.h"
#include "audit/fhir.h"
#include "audit/record_scan.h"
#include "common/codec.h"
#include "tests/unit/audit/audit_test_util.h"

using namespace silta;
using namespace silta::audit;
using nlohmann::json;

namespace {

SysTime t0() { return *parse_rfc3339("2026-11-23T10:15:30.123456Z"); }

std::string random_text(std::mt19937_64& rng, bool allow_controls) {
  // ASCII, quotes and backslashes, Finnish letters, a 4-byte character, and controls.
  static const std::vector<std::string> pieces = {"a", "Z", "9", " ", "\"", "\\", "/",
                                                  "ä", "Ö", "å", "€", "😀",  "-",  "_",
                                                  ".", "{", "}", ",", ":"};
  // Only the justification may hold control characters, and only these.
  static const std::vector<std::string> controls = {"\n", "\t", "\r"};
  std::string s;
  std::size_t n = 1 + rng() % 20;
  for (std::size_t i = 0; i < n; ++i) {
    if (allow_controls && rng() % 5 == 0) {
      s += controls[rng() % controls.size()];
    } else {
      s += pieces[rng() % pieces.size()];
    }
  }
  return s;
}

AuditRecord random_record(std::mt19937_64& rng) {
  AuditRecord r;
  r.seq = rng() % 2 ? rng() : rng() % 1000;
  r.time = t0() + std::chrono::microseconds(rng() % 1'000'000'000);
  AuditEvent& e = r.event;
  e.type = static_cast<EventType>(rng() % 13);
  e.agency = rng() % 4 ? random_text(rng, false) : "";
  if (e.agency.empty() && e.type != EventType::kLogRecovered) e.type = EventType::kAuthFailure;
  e.actor = rng() % 2 ? random_text(rng, false) : "";
  if (rng() % 2) {
    e.subject = sha256_hex(std::to_string(rng()));
    e.subject_key = sha256_hex(std::to_string(rng())).substr(0, 8);
  }
  e.target = rng() % 2 ? random_text(rng, false) : "";
  e.purpose = rng() % 2 ? random_text(rng, false) : "";
  auto list = [&] {
    std::vector<std::string> v(rng() % 4);
    for (auto& x : v) x = random_text(rng, false);
    return v;
  };
  e.categories_requested = list();
  e.categories_granted = list();
  e.categories_denied = list();
  e.decision = static_cast<DecisionSummary>(rng() % 4);
  e.direction = std::array<const char*, 3>{"", "pull", "push"}[rng() % 3];
  e.citations = list();
  e.consents = list();
  e.break_glass = rng() % 2;
  e.justification = rng() % 2 ? random_text(rng, true) : "";
  e.catalog_version = rng() % 2 ? random_text(rng, false) : "";
  e.catalog_hash = rng() % 2 ? random_text(rng, false) : "";
  e.case_reference = rng() % 2 ? random_text(rng, false) : "";
  e.request_digest = rng() % 2 ? sha256_hex(std::to_string(rng())) : "";
  e.response_digest = rng() % 2 ? sha256_hex(std::to_string(rng())) : "";
  e.reference = rng() % 2 ? random_text(rng, false) : "";
  if (rng() % 2) e.embargo_until = t0() + std::chrono::hours(rng() % 10000);
  e.outcome = rng() % 2 ? "ok" : "adapter_unavailable";
  if (e.type == EventType::kLogRecovered) {
    LogRecovery& x = e.recovery;
    auto count = [&] { return rng() % 3 ? rng() % 5000 : std::uint64_t{0}; };
    x.recovered_records = count();
    if (rng() % 2) {
      x.recovered_from = t0() + std::chrono::microseconds(rng() % 1'000'000);
      x.recovered_until = *x.recovered_from + std::chrono::microseconds(rng() % 1'000'000);
    }
    x.torn_bytes = count();
    if (rng() % 2) {
      x.quarantine_file = random_text(rng, false);
      x.quarantine_segment = random_text(rng, false);
      x.quarantine_offset = count();
      x.quarantine_bytes = count();
      x.quarantined_records = count();
      x.problem = random_text(rng, false);
    }
  }
  return r;
}

}  // namespace

TEST_CASE("the record encoding is exactly canonical_json of the record", "[event]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 3000; ++i) {
    AuditRecord r = random_record(rng);
    auto leaf = encode_record(r);
    INFO((leaf ? *leaf : leaf.error().message));
    REQUIRE(leaf);
    CHECK(*leaf == canonical_json(to_json(r)));
    CHECK(leaf->find('\n') == std::string::npos);
    auto back = parse_record(*leaf);
    REQUIRE(back);
    CHECK(*back == r);
    auto header = scan_record_header(*leaf);
    REQUIRE(header);
    CHECK(header->seq == r.seq);
    CHECK(header->time == format_rfc3339(r.time));
  }
}

TEST_CASE("record times are written exactly as format_rfc3339 writes them", "[event]") {
  // Consecutive records mostly share a second; the encoder caches the part up to the second.
  SysTime base = *parse_rfc3339("2026-12-31T23:59:59Z");
  for (long long micros :
       {0LL, 999999LL, 1LL, 500000LL, 1000000LL, 1000001LL, 86400000000LL, -1LL, 123456LL}) {
    AuditRecord r{1, base + std::chrono::microseconds(micros), test_util::small_event()};
    std::string leaf = *encode_record(r);  // the header points into it
    auto header = scan_record_header(leaf);
    REQUIRE(header);
    CHECK(header->time == format_rfc3339(r.time));
  }
}

TEST_CASE("a record looks the way docs/formats/audit-log.md shows it", "[event]") {
  AuditRecord r{7, t0(), test_util::small_event(3)};
  CHECK(*encode_record(r) ==
        "{\"actor\":\"sosiaalityontekija-3\",\"agency\":\"soite-lastensuojelu\","
        "\"categories_granted\":[\"school_attendance\"],\"citations\":[\"fi.atl.64.1\"],"
        "\"outcome\":\"ok\",\"purpose\":\"cw_assessment\",\"reference\":\"x-3\",\"seq\":7,"
        "\"subject\":\"" +
            sha256_hex("subject 3") +
            "\",\"subject_key\":\"0a1b2c3d\","
            "\"target\":\"kokkola-perusopetus\",\"time\":\"2026-11-23T10:15:30.123456Z\","
            "\"type\":\"disclosure\",\"v\":1}");
}

TEST_CASE("a log-recovered record says what was recovered, in sorted keys", "[event]") {
  AuditEvent e;
  e.type = EventType::kLogRecovered;
  e.outcome = "quarantined";
  e.recovery.recovered_records = 0;
  e.recovery.torn_bytes = 12;
  e.recovery.quarantine_file = "quarantine-00000000000000000007-20261123T101530123456Z.bin";
  e.recovery.quarantine_segment = "00000000000000000000.seg";
  e.recovery.quarantine_offset = 1234;
  e.recovery.quarantine_bytes = 99;
  e.recovery.quarantined_records = 2;
  e.recovery.problem = "segment 00000000000000000000.seg, offset 1234, record 7: no \"type\"";
  AuditRecord r{7, t0(), e};
  CHECK(*encode_record(r) ==
        "{\"outcome\":\"quarantined\",\"problem\":\"segment 00000000000000000000.seg, offset "
        "1234, record 7: no \\\"type\\\"\",\"quarantine_bytes\":99,\"quarantine_file\":"
        "\"quarantine-00000000000000000007-20261123T101530123456Z.bin\",\"quarantine_offset\":"
        "1234,\"quarantine_segment\":\"00000000000000000000.seg\",\"quarantined_records\":2,"
        "\"seq\":7,\"time\":\"2026-11-23T10:15:30.123456Z\",\"torn_bytes\":12,\"type\":"
        "\"log-recovered\",\"v\":1}");
  // Only a log-recovered record carries these fields, and its problem holds no identity code.
  AuditEvent other = test_util::small_event();
  other.recovery.torn_bytes = 1;
  CHECK_FALSE(validate_event(other));
  e.recovery.problem = "record 3 quotes 150317A901J";
  CHECK_FALSE(validate_event(e));
}

TEST_CASE("every event type and decision has a name that parses back", "[event]") {
  for (int i = 0; i < 13; ++i) {
    auto t = static_cast<EventType>(i);
    CHECK(parse_event_type(event_type_name(t)) == t);
  }
  CHECK(event_type_name(EventType::kReferralSent) == "referral-sent");
  CHECK(event_type_name(EventType::kAuthFailure) == "auth-failure");
  CHECK(event_type_name(EventType::kLogRecovered) == "log-recovered");
  CHECK_FALSE(parse_event_type("exfiltration"));
  CHECK(decision_name(DecisionSummary::kPartial) == "partial");
}

TEST_CASE("validation lists every problem of an event", "[event]") {
  AuditEvent e;
  e.subject = "not-hex";
  e.request_digest = "abc";
  e.actor = std::string(300, 'a');
  e.categories_granted = {""};
  e.target = "bad\x01";
  e.purpose = "\xff\xfe";
  e.direction = "sideways";
  auto s = validate_event(e);
  REQUIRE_FALSE(s);
  const std::string& m = s.error().message;
  CHECK(s.error().code == ErrorCode::kInvalidArgument);
  for (const char* field : {"agency", "actor", "subject", "subject_key", "request_digest",
                            "categories_granted", "target", "purpose", "outcome", "direction"}) {
    INFO(field);
    CHECK(m.find(std::string(field) + ":") != std::string::npos);
  }
  CHECK(validate_event(test_util::sample_event()));
  AuditEvent auth;
  auth.type = EventType::kAuthFailure;
  auth.outcome = "unknown_client_certificate";
  CHECK(validate_event(auth));  // an unknown client has no agency
}

TEST_CASE("an identity code in any field is refused", "[event]") {
  // Temporary-range test codes (docs/law.md §7.2), also in lower case and inside text.
  for (const char* code :
       {"150317A901J", "010180+950R", "311299Y944N", "010594Y9021", "020504B904H", "150317a901j"}) {
    INFO(code);
    CHECK(contains_identity_code(code));
    CHECK(contains_identity_code(std::string("lapsi ") + code + ", koulu"));
    AuditEvent e = test_util::sample_event();
    e.justification = std::string("koskee lasta ") + code;
    auto s = validate_event(e);
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("identity code") != std::string::npos);
    // The error never repeats the code.
    CHECK(s.error().message.find(code) == std::string::npos);
    e = test_util::sample_event();
    e.reference = code;
    CHECK_FALSE(validate_event(e));
  }
  // Glued to a word, as people write it ("hetu110213A913H"): refused too, in every field.
  for (const char* glued :
       {"hetu150317A901J", "HETU:150317A901Jx", "henkilötunnus150317A901J", "150317A901J0"}) {
    INFO(glued);
    CHECK(contains_identity_code(glued));
    AuditEvent e = test_util::sample_event();
    e.actor = glued;
    CHECK_FALSE(validate_event(e));
  }
  // Wrong check character, impossible date, part of a longer number, or lower case glued to a
  // word (how hexadecimal ids look): not an identity code.
  CHECK_FALSE(contains_identity_code("150317A901K"));
  CHECK_FALSE(contains_identity_code("350317A901J"));
  CHECK_FALSE(contains_identity_code("x150317a901j"));
  CHECK_FALSE(contains_identity_code("010594Y90210"));
  CHECK_FALSE(contains_identity_code("9150317A901J"));
  // SHA-256 digests never trip it.
  for (int i = 0; i < 2000; ++i) CHECK_FALSE(contains_identity_code(sha256_hex(std::to_string(i))));
}

TEST_CASE("parse_record refuses anything but the canonical encoding", "[event]") {
  AuditRecord r{5, t0(), test_util::sample_event(1)};
  std::string leaf = *encode_record(r);
  auto reject = [](const std::string& s) {
    INFO(s);
    auto p = parse_record(s);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == ErrorCode::kDataLoss);
  };
  reject(leaf + " ");
  reject(" " + leaf);
  reject(json::parse(leaf).dump(2));  // whitespace
  json j = json::parse(leaf);
  j["extra"] = 1;
  reject(j.dump());
  j = json::parse(leaf);
  j["seq"] = -1;
  reject(j.dump());
  j = json::parse(leaf);
  j["v"] = 2;
  reject(j.dump());
  j = json::parse(leaf);
  j["type"] = "unknown";
  reject(j.dump());
  j = json::parse(leaf);
  j["actor"] = "";  // empty values are omitted, never written
  reject(j.dump());
  j = json::parse(leaf);
  j.erase("outcome");
  reject(j.dump());
  std::string unsorted = leaf;
  unsorted.replace(unsorted.find("\"actor\""), 7, "\"zactor\"");
  reject(unsorted);
  reject("[]");
  reject("");
}

TEST_CASE("the structural scan refuses what is not one canonical object", "[event]") {
  std::string leaf = *encode_record({9, t0(), test_util::sample_event(2)});
  CHECK(scan_record_header(leaf));
  for (std::string bad :
       {leaf + " ", "{" + leaf.substr(1, leaf.size() - 2) + ",}", leaf.substr(0, leaf.size() - 1),
        std::string("{\"seq\":1}"), std::string("{\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"seq\":01,\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"seq\":1,\"time\":\"2026-11-23T10:15:30Z\"}"),
        std::string("{\"seq\":1,\"seq\":2,\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"time\":\"2026-11-23T10:15:30.123456Z\",\"seq\":1}"),
        std::string("{\"a\":\"\xff\",\"seq\":1,\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"a\":\"\\/\",\"seq\":1,\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"a\":{},\"seq\":1,\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"a\":1.5,\"seq\":1,\"time\":\"2026-11-23T10:15:30.123456Z\"}"),
        std::string("{\"seq\":99999999999999999999,\"time\":\"2026-11-23T10:15:30.123456Z\"}")}) {
    INFO(bad);
    CHECK_FALSE(scan_record_header(bad));
  }
}

TEST_CASE("FHIR AuditEvent export carries who, what, when, why and the basis", "[event]") {
  AuditRecord r{42, t0(), test_util::sample_event(4)};
  json ev = to_fhir_audit_event(r, "silta.test/audit");
  CHECK(ev["resourceType"] == "AuditEvent");
  CHECK(ev["id"] == "silta-" + sha256_hex("silta.test/audit").substr(0, 16) + "-42");
  CHECK(ev["recorded"] == "2026-11-23T10:15:30.123456Z");
  CHECK(ev["type"]["code"] == "110106");
  CHECK(ev["subtype"][0]["code"] == "disclosure");
  CHECK(ev["action"] == "R");
  CHECK(ev["outcome"] == "0");
  CHECK(ev["purposeOfEvent"][0]["coding"][0]["code"] == "cw_assessment");
  CHECK(ev["purposeOfEvent"][0]["coding"][1]["system"] ==
        "http://terminology.hl7.org/CodeSystem/v3-ActReason");
  CHECK(ev["purposeOfEvent"][0]["coding"][1]["code"] == "COC");
  CHECK(ev["agent"][0]["requestor"] == true);
  CHECK(ev["agent"][0]["who"]["identifier"]["value"] == "soite-lastensuojelu");
  CHECK(ev["agent"][0]["altId"] == r.event.actor);
  CHECK(ev["agent"][1]["who"]["identifier"]["value"] == "kokkola-perusopetus");
  CHECK(ev["source"]["observer"]["display"] == "silta.test/audit");
  CHECK(ev["entity"][0]["what"]["identifier"]["value"] == r.event.subject);
  CHECK(ev["entity"][0]["what"]["identifier"]["system"] == "urn:silta:pseudonym:0a1b2c3d");
  bool has_citation = false;
  for (const auto& d : ev["entity"][1]["detail"]) {
    if (d["type"] == "citations") has_citation = d["valueString"] == "fi.atl.64.1";
  }
  CHECK(has_citation);
}

TEST_CASE("the vector scan and the byte-by-byte scan agree on every leaf", "[event]") {
  // scan_record_header takes a vector path for leaves without escapes, control characters or
  // non-ASCII bytes; it must accept exactly what the byte-by-byte scan accepts, with the same
  // header, and leave every refusal (and its message) to it.
  std::mt19937_64 rng(11);
  auto same = [](std::string_view leaf) {
    auto fast = scan_record_header(leaf);
    auto reference = scan_record_header_reference(leaf);
    INFO(leaf);
    REQUIRE(static_cast<bool>(fast) == static_cast<bool>(reference));
    if (fast) {
      CHECK(fast->seq == reference->seq);
      CHECK(fast->time == reference->time);
    } else {
      CHECK(fast.error().message == reference.error().message);
    }
    return static_cast<bool>(fast);
  };
  std::vector<std::string> leaves;
  for (std::uint64_t n = 0; n < 50; ++n) {
    leaves.push_back(*encode_record({n * 7919, t0(), test_util::small_event(n)}));
    leaves.push_back(*encode_record({n, t0(), test_util::sample_event(n)}));
  }
  for (int i = 0; i < 200; ++i) {
    AuditRecord r = random_record(rng);
    if (validate_event(r.event)) leaves.push_back(*encode_record(r));
  }
  // Long keys and long leaves go to the byte-by-byte scan whole.
  leaves.push_back("{\"" + std::string(70, 'k') + "\":1,\"seq\":1,\"time\":\"" +
                   "2026-11-23T10:15:30.123456Z\"}");
  leaves.push_back("{\"a\":\"" + std::string(5000, 'x') +
                   "\",\"seq\":1,\"time\":\"2026-11-23T10:15:30.123456Z\"}");
  static const std::string kBytes = "\"\\{}[],:0123456789tfalsruexyz_- .AZ\x01\x7f\xc3\xa4";
  int accepted = 0, refused = 0;
  for (const auto& leaf : leaves) {
    REQUIRE(same(leaf));
    for (int k = 0; k < 200; ++k) {
      std::string m = leaf;
      std::size_t at = rng() % m.size();
      switch (rng() % 4) {
        case 0:  // a byte replaced
          m[at] = kBytes[rng() % kBytes.size()];
          break;
        case 1:  // a byte inserted
          m.insert(at, 1, kBytes[rng() % kBytes.size()]);
          break;
        case 2:  // a byte removed
          m.erase(at, 1);
          break;
        default:  // cut short, or two pieces swapped
          if (rng() % 2) {
            m.resize(at);
          } else {
            std::size_t b = rng() % m.size(), len = 1 + rng() % 8;
            if (at + len <= m.size() && b + len <= m.size()) {
              std::string piece = m.substr(at, len);
              m.replace(at, len, m.substr(b, len));
              m.replace(b, len, piece);
            }
          }
      }
      (same(m) ? accepted : refused)++;
    }
  }
  // Both outcomes occur in numbers (a reordered key, a digit changed, a space, ...).
  CHECK(accepted > 1000);
  CHECK(refused > 10000);
}

TEST_CASE(
    "FHIR: successes are 0, refusals 4, failures 8 and 12, break-glass is BTG, ids per origin",
    "[event][fhir]") {
  auto outcome_of = [](EventType type, const std::string& outcome) {
    AuditRecord r{1, t0(), test_util::small_event()};
    r.event.type = type;
    r.event.outcome = outcome;
    return to_fhir_audit_event(r, "o")["outcome"].get<std::string>();
  };
  for (const char* ok : {"ok", "decided", "accepted", "delivered", "recovered"}) {
    INFO(ok);
    CHECK(outcome_of(EventType::kDecision, ok) == "0");
  }
  CHECK(outcome_of(EventType::kReferralDecided, "assessment_completed") == "0");
  CHECK(outcome_of(EventType::kBreakGlassReview, "unjustified") == "0");
  CHECK(outcome_of(EventType::kDecision, "denied") == "4");
  CHECK(outcome_of(EventType::kAuthFailure, "certificate_revoked") == "4");
  CHECK(outcome_of(EventType::kDisclosure, "adapter_timeout") == "8");
  CHECK(outcome_of(EventType::kReferralDelivered, "dead_letter") == "12");
  CHECK(outcome_of(EventType::kLogRecovered, "quarantined") == "12");

  AuditRecord r{3, t0(), test_util::small_event()};
  r.event.type = EventType::kBreakGlass;
  r.event.purpose = "threat_prevention";
  r.event.break_glass = true;
  json ev = to_fhir_audit_event(r, "silta.example/gw-1");
  REQUIRE(ev["purposeOfEvent"].size() == 2);
  CHECK(ev["purposeOfEvent"][0]["coding"][1]["code"] == "THREAT");
  CHECK(ev["purposeOfEvent"][1]["coding"][0] ==
        json({{"system", "http://terminology.hl7.org/CodeSystem/v3-ActReason"},
              {"code", "BTG"},
              {"display", "break the glass"}}));
  // A purpose without a standard code keeps its own only.
  r.event.purpose = "teaching_arrangement";
  CHECK(to_fhir_audit_event(r, "o")["purposeOfEvent"][0]["coding"].size() == 1);
  // The same number in two logs: two resources.
  CHECK(fhir_audit_event_id("silta.example/gw-1", 3) !=
        fhir_audit_event_id("silta.example/gw-2", 3));
  CHECK(fhir_audit_event_id("silta.example/gw-1", 3).size() <= 64);
}
