#include "gateway/api/consent_receipt.h"

#include "common/codec.h"
#include "policy/consent_json.h"

namespace silta::gateway {

nlohmann::json receipt_body(const store::StoredConsent& consent, std::string_view event,
                            std::string_view issuer, SysTime issued_at) {
  auto record = policy::consent_to_json(consent.record);
  return {{"receipt", event},
          {"issuer", issuer},
          {"issued_at", format_rfc3339(issued_at)},
          {"consent", std::move(record)}};
}

std::string sign_receipt(const audit::SigningKey& key, const nlohmann::json& body) {
  std::string text(kReceiptHeader);
  text += '\n';
  text += canonical_json(body);
  text += '\n';
  return key.sign_note(text);
}

Result<nlohmann::json> open_receipt(const audit::VerifierKey& key, std::string_view note) {
  auto text = key.open_note(note);
  if (!text) return text.error();
  std::string_view t = *text;
  std::string header = std::string(kReceiptHeader) + "\n";
  if (t.substr(0, header.size()) != header || t.empty() || t.back() != '\n') {
    return make_error(ErrorCode::kInvalidArgument, "not a Silta consent receipt");
  }
  auto body = nlohmann::json::parse(t.substr(header.size()), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "the receipt's content is not JSON");
  }
  return body;
}

}  // namespace silta::gateway
