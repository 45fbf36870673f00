// The one place where policy::ConsentRecord is mapped to what the store keeps: a JSON document
// in the `record` column (the indexed columns are copied from it). A field added to the record
// is a line in each function here; records stored before it read back with its default.
#pragma once

#include <cstddef>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "policy/consent.h"

namespace silta::store {

// The storage form (times in microseconds, pseudonyms only); not the API's form, which is
// policy::consent_to_json.
nlohmann::json consent_document(const policy::ConsentRecord& c);
Result<policy::ConsentRecord> consent_from_document(const nlohmann::json& j);

// Parsed consent documents by consent id, reused while the stored document is byte for byte the
// one parsed before (a revocation rewrites it, so it is parsed again). Every decision reads the
// subject's consents, and parsing their JSON cost more than the query. Thread-safe; when full
// it starts again empty.
class ConsentDocuments {
 public:
  explicit ConsentDocuments(std::size_t capacity = 4096) : capacity_(capacity) {}
  Result<policy::ConsentRecord> parse(const std::string& id, const std::string& document);

 private:
  struct Parsed {
    std::string document;
    policy::ConsentRecord record;
  };
  const std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Parsed> parsed_;
};

}  // namespace silta::store
