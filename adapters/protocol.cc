#include "adapters/protocol.h"

#include <set>

#include "common/codec.h"
#include "common/json_parse.h"

namespace silta::adapters::protocol {

using json_check::Need;
using json_check::Object;
using nlohmann::json;

bool identity_code_shape_ok(std::string_view code) {
  static constexpr std::string_view kSeparators = "+-YXWVUABCDEF";
  static constexpr std::string_view kCheck = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  if (code.size() != 11) return false;
  for (int i : {0, 1, 2, 3, 4, 5, 7, 8, 9}) {
    if (code[i] < '0' || code[i] > '9') return false;
  }
  return kSeparators.find(code[6]) != std::string_view::npos &&
         kCheck.find(code[10]) != std::string_view::npos;
}

namespace {

std::string upper_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

// In either case: the gateway's own scanner (common/identity_scan.h) reads lower case too.
std::string redact_identity_codes(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_chars) {
    if (i + 11 <= text.size() && identity_code_shape_ok(upper_case(text.substr(i, 11)))) {
      out += "[identity code]";
      i += 11;
    } else {
      out.push_back(text[i++]);
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

nlohmann::json parse_answer(std::string_view body, std::string* why) {
  json_check::Issues issues;
  auto doc = json_check::parse_json(body, issues, {.max_values = kMaxAnswerValues});
  if (doc) return std::move(*doc);
  if (why != nullptr && !issues.empty()) {
    const auto& issue = issues.list().front();
    *why = (issue.path.empty() ? "" : issue.path + ": ") + issue.message.en;
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

std::string string_or(const json& object, std::string_view key, std::string_view fallback) {
  if (!object.is_object()) return std::string(fallback);
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::string(fallback);
  return it->get<std::string>();
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> catalog_headers(const CatalogStamp& stamp) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!stamp.version.empty()) out.emplace_back(kCatalogVersionHeader, stamp.version);
  if (!stamp.sha256.empty()) out.emplace_back(kCatalogSha256Header, stamp.sha256);
  std::string list;
  for (const auto& c : stamp.categories) list += (list.empty() ? "" : ", ") + c;
  if (!list.empty()) out.emplace_back(kCatalogCategoriesHeader, list);
  return out;
}

std::vector<std::string> categories_of_header(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = value.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

namespace {

// A required non-empty string that is an id.
std::string id_field(Object& o, std::string_view key) {
  auto v = o.string(key, Need::kRequired);
  if (!v) return {};
  if (!valid_id(*v)) {
    o.issues().add(o.path_of(key), "expected 1-128 characters of A-Z a-z 0-9 - _ . :");
  }
  return *v;
}

std::string subject_field(Object& o) {
  auto s = o.object("subject", Need::kRequired);
  if (!s) return {};
  auto code = s->string("identity_code", Need::kRequired);
  s->no_other_keys();
  if (!code) return {};
  if (!identity_code_shape_ok(*code)) {
    o.issues().add(s->path_of("identity_code"),
                   "expected a Finnish identity code: DDMMYY, century sign, three digits, check "
                   "character (upper case)");
    return {};
  }
  return *code;
}

std::pair<std::string, std::string> party_field(Object& o, std::string_view key) {
  auto p = o.object(key, Need::kRequired);
  if (!p) return {};
  std::string agency = id_field(*p, "agency");
  std::string kind = p->string("kind", Need::kRequired).value_or("");
  p->no_other_keys();
  return {agency, kind};
}

SysTime time_field(Object& o, std::string_view key) {
  auto s = o.string(key, Need::kRequired);
  if (!s) return {};
  auto t = parse_rfc3339(*s);
  if (!t) {
    o.issues().add(o.path_of(key), "expected an RFC 3339 time, e.g. 2026-11-23T10:15:30Z");
    return {};
  }
  return *t;
}

// Records of one category: an array of JSON objects.
bool records_ok(const json& v, const std::string& path, json_check::Issues& issues) {
  if (!v.is_array()) {
    issues.add(path, "expected an array of records (JSON objects)");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_object()) {
      issues.add(json_check::child_pointer(path, i), "expected a record (JSON object)");
      ok = false;
    }
  }
  return ok;
}

}  // namespace

json to_json(const FetchRequest& r) {
  json j = {{"request_id", r.request_id},
            {"agency", r.holder_agency},
            {"requester", {{"agency", r.requester_agency}, {"kind", r.requester_kind}}},
            {"subject", {{"identity_code", r.subject}}},
            {"purpose", r.purpose},
            {"categories", r.categories},
            {"bases", r.bases}};
  if (r.audit_seq) j["audit_seq"] = *r.audit_seq;
  return j;
}

json to_json(const FetchResult& r) {
  json cats = json::object();
  for (const auto& [k, v] : r.categories) cats[k] = v;
  return {{"subject_known", r.subject_known}, {"categories", cats}};
}

json to_json(const Referral& r) {
  return {{"id", r.id},
          {"kind", r.kind},
          {"agency", r.recipient_agency},
          {"sender", {{"agency", r.sender_agency}, {"kind", r.sender_kind}}},
          {"subject", {{"identity_code", r.subject}}},
          {"basis", r.basis},
          {"urgent", r.urgent},
          {"sent_at", format_rfc3339(r.sent_at)},
          {"content", r.content}};
}

json to_json(const DeliveryReceipt& r) {
  return {{"referral_id", r.referral_id},
          {"reference", r.reference},
          {"received_at", format_rfc3339(r.received_at)},
          {"duplicate", r.duplicate}};
}

json to_json(const HealthReport& r) {
  json agencies = json::array();
  for (const auto& a : r.agencies) {
    agencies.push_back({{"id", a.agency}, {"categories", a.categories}});
  }
  return {{"status", r.ok ? "ok" : "unavailable"}, {"system", r.system}, {"agencies", agencies}};
}

std::optional<FetchRequest> fetch_request_from_json(const json& doc, json_check::Issues& issues) {
  const auto before = issues.list().size();
  Object o(issues, doc, "");
  if (!o.valid()) return std::nullopt;
  FetchRequest r;
  r.request_id = o.string("request_id", Need::kRequired).value_or("");
  r.holder_agency = id_field(o, "agency");
  std::tie(r.requester_agency, r.requester_kind) = party_field(o, "requester");
  r.subject = subject_field(o);
  r.purpose = o.string("purpose", Need::kRequired).value_or("");
  if (auto cats = o.strings("categories", Need::kRequired)) {
    if (cats->empty()) issues.add(o.path_of("categories"), "expected at least one category");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < cats->size(); ++i) {
      if (!seen.insert((*cats)[i]).second) {
        issues.add(json_check::child_pointer(o.path_of("categories"), i), "duplicate category");
      }
    }
    r.categories = std::move(*cats);
  }
  if (auto bases = o.object("bases")) {
    const auto& raw = *o.any("bases");
    for (auto it = raw.begin(); it != raw.end(); ++it) {
      if (!it.value().is_string()) {
        issues.add(bases->path_of(it.key()), "expected a string (a legal basis or consent id)");
      } else {
        r.bases[it.key()] = it.value().get<std::string>();
      }
    }
  }
  if (o.has("audit_seq")) {
    if (auto seq = o.integer("audit_seq", Need::kOptional, 0, INT64_MAX)) {
      r.audit_seq = static_cast<std::uint64_t>(*seq);
    }
  }
  o.no_other_keys();
  if (issues.list().size() != before) return std::nullopt;
  return r;
}

std::optional<FetchResult> fetch_result_from_json(const json& doc, json_check::Issues& issues) {
  const auto before = issues.list().size();
  Object o(issues, doc, "");
  if (!o.valid()) return std::nullopt;
  FetchResult r;
  r.subject_known = o.boolean("subject_known", Need::kRequired).value_or(false);
  if (auto cats = o.object("categories", Need::kRequired)) {
    const auto& raw = *o.any("categories");
    for (auto it = raw.begin(); it != raw.end(); ++it) {
      if (records_ok(it.value(), cats->path_of(it.key()), issues)) {
        r.categories[it.key()] = it.value();
      }
    }
    if (!r.subject_known && !raw.empty()) {
      issues.add(cats->path(), "expected no categories when subject_known is false");
    }
  }
  o.no_other_keys();
  if (issues.list().size() != before) return std::nullopt;
  return r;
}

std::optional<Referral> referral_from_json(const json& doc, json_check::Issues& issues) {
  const auto before = issues.list().size();
  Object o(issues, doc, "");
  if (!o.valid()) return std::nullopt;
  Referral r;
  r.id = id_field(o, "id");
  r.kind = o.string("kind", Need::kRequired).value_or("");
  r.recipient_agency = id_field(o, "agency");
  std::tie(r.sender_agency, r.sender_kind) = party_field(o, "sender");
  r.subject = subject_field(o);
  r.basis = o.string("basis", Need::kRequired).value_or("");
  r.urgent = o.boolean("urgent", Need::kRequired).value_or(false);
  r.sent_at = time_field(o, "sent_at");
  if (auto c = o.object("content", Need::kRequired)) r.content = *o.any("content");
  o.no_other_keys();
  if (issues.list().size() != before) return std::nullopt;
  return r;
}

std::optional<DeliveryReceipt> receipt_from_json(const json& doc, json_check::Issues& issues) {
  const auto before = issues.list().size();
  Object o(issues, doc, "");
  if (!o.valid()) return std::nullopt;
  DeliveryReceipt r;
  r.referral_id = id_field(o, "referral_id");
  r.reference = o.string("reference", Need::kRequired).value_or("");
  if (o.has("reference") && r.reference.empty()) {
    issues.add(o.path_of("reference"), "expected the recipient system's reference");
  }
  r.received_at = time_field(o, "received_at");
  r.duplicate = o.boolean("duplicate", Need::kRequired).value_or(false);
  o.no_other_keys();
  if (issues.list().size() != before) return std::nullopt;
  return r;
}

std::optional<HealthReport> health_from_json(const json& doc, json_check::Issues& issues) {
  const auto before = issues.list().size();
  Object o(issues, doc, "");
  if (!o.valid()) return std::nullopt;
  HealthReport r;
  auto status = o.string("status", Need::kRequired);
  if (status && *status != "ok" && *status != "unavailable") {
    issues.add(o.path_of("status"), "expected \"ok\" or \"unavailable\"");
  }
  r.ok = status == "ok";
  r.system = o.string("system", Need::kRequired).value_or("");
  if (const auto* list = o.array("agencies", Need::kRequired)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      Object a(issues, (*list)[i], json_check::child_pointer(o.path_of("agencies"), i));
      if (!a.valid()) continue;
      HolderInfo h;
      h.agency = id_field(a, "id");
      h.categories = a.strings("categories", Need::kRequired).value_or(std::vector<std::string>{});
      a.no_other_keys();
      r.agencies.push_back(std::move(h));
    }
  }
  o.no_other_keys();
  if (issues.list().size() != before) return std::nullopt;
  return r;
}

std::string referral_digest(const Referral& r) {
  // nlohmann::json keeps object keys sorted, so dump() is the same for the same referral.
  return sha256_hex(to_json(r).dump(-1, ' ', false, json::error_handler_t::replace));
}

json problem(unsigned status, std::string_view type, std::string_view title,
             std::string_view detail, const json_check::Issues* errors) {
  json j = {{"type", std::string(kProblemTypePrefix) + std::string(type)},
            {"title", title},
            {"status", status}};
  if (!detail.empty()) j["detail"] = detail;
  if (errors != nullptr && !errors->empty()) {
    auto& arr = j["errors"] = json::array();
    for (const auto& e : errors->list())
      arr.push_back({{"pointer", e.path}, {"detail", e.message.en}});
  }
  return j;
}

}  // namespace silta::adapters::protocol
