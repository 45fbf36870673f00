// What the fuzz targets of the API's request readers share: the shipped catalog and an engine,
// a registry with one agency of each kind, the body parser the gateway reads requests with, and
// the checks every reading must pass (issues are JSON Pointers and never carry an identity code;
// a request read without issues gives free text the audit log accepts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/event.h"
#include "common/json_check.h"
#include "gateway/api/requests.h"
#include "gateway/registry.h"
#include "policy/catalog.h"
#include "policy/engine.h"

namespace silta::fuzz {

struct RequestWorld {
  std::shared_ptr<const policy::Catalog> catalog;
  std::unique_ptr<policy::Engine> engine;
  gateway::Registry registry;
  gateway::ExchangeConfig exchange;
  SysTime now;

  static const RequestWorld& get();
  // One of the registered agencies, by a byte of the input.
  const gateway::Agency& caller(std::uint8_t pick) const;
};

// The input as the gateway reads a body: the first byte is for the target to use (an agency, a
// flag), the rest is the body. Nothing when the gateway would answer malformed-json.
struct FuzzBody {
  std::uint8_t pick = 0;
  nlohmann::json body;
};
std::optional<FuzzBody> read_body(const std::uint8_t* data, std::size_t size);

// Aborts unless every issue is at a JSON Pointer ("" or "/...") or a query parameter ("?...")
// and neither it nor its message holds anything shaped like an identity code. What a client
// sent is explained in fi, sv and en; a file an operator wrote (`for_client` false) in English.
void check_issues(const json_check::Issues& issues, bool for_client = true);

// Aborts unless the audit log would accept `event` (audit::validate_event).
void check_auditable(const audit::AuditEvent& event);

}  // namespace silta::fuzz
