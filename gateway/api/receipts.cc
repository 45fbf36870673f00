#include "gateway/api/receipts.h"

#include "common/codec.h"

namespace silta::gateway {

nlohmann::json audit_receipts(const Services& s, std::initializer_list<std::uint64_t> seqs) {
  nlohmann::json out = nlohmann::json::array();
  for (std::uint64_t seq : seqs) {
    nlohmann::json r = {{"origin", s.audit->origin()}, {"seq", seq}};
    // The record is durable, so its leaf hash is stored (one read, not a proof's path).
    if (auto h = s.audit->record_hash(seq)) r["leaf_hash"] = to_base64(*h);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace silta::gateway
