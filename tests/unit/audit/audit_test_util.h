// Shared helpers for the audit tests: realistic events, keys and a log directory.
#pragma once

#include <filesystem>
#include <random>
#include <string>

#include "audit/checkpoint.h"
#include "audit/event.h"
#include "common/codec.h"

namespace silta::audit::test_util {

// A disclosure like the gateway writes (child welfare asks a school for attendance); `n` varies
// the content. About 600 bytes encoded.
inline AuditEvent sample_event(std::uint64_t n = 0) {
  AuditEvent e;
  e.type = n % 3 == 0 ? EventType::kDecision : EventType::kDisclosure;
  e.agency = "soite-lastensuojelu";
  e.actor = "sosiaalityontekija-" + std::to_string(n % 17);
  e.subject = sha256_hex("subject " + std::to_string(n % 101));
  e.subject_key = "0a1b2c3d";
  e.target = "kokkola-perusopetus";
  e.purpose = "cw_assessment";
  e.categories_requested = {"school_attendance", "grades"};
  e.categories_granted = {"school_attendance"};
  e.categories_denied = {"grades"};
  e.decision = DecisionSummary::kPartial;
  e.citations = {"fi.atl.64.1"};
  e.catalog_version = "2026.1";
  e.catalog_hash = sha256_hex("catalog");
  e.request_digest = sha256_hex("request " + std::to_string(n));
  if (e.type == EventType::kDisclosure) e.response_digest = sha256_hex("response");
  e.reference = "x-" + std::to_string(n);
  e.outcome = "ok";
  return e;
}

// A small event of about 300 bytes encoded (the benchmark's size).
inline AuditEvent small_event(std::uint64_t n = 0) {
  AuditEvent e;
  e.type = EventType::kDisclosure;
  e.agency = "soite-lastensuojelu";
  e.actor = "sosiaalityontekija-" + std::to_string(n % 17);
  e.subject = sha256_hex("subject " + std::to_string(n % 101));
  e.subject_key = "0a1b2c3d";
  e.target = "kokkola-perusopetus";
  e.purpose = "cw_assessment";
  e.categories_granted = {"school_attendance"};
  e.citations = {"fi.atl.64.1"};
  e.reference = "x-" + std::to_string(n);
  e.outcome = "ok";
  return e;
}

inline SigningKey test_key(const std::string& name = "silta.test/audit") {
  return SigningKey::generate(name);
}

}  // namespace silta::audit::test_util
