#include "adapters/conformance.h"

#include <openssl/rand.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/verb.hpp>
#include <set>

#include "adapters/categories.h"
#include "adapters/https_client.h"
#include "adapters/protocol.h"
#include "adapters/url.h"
#include "common/codec.h"

namespace silta::adapters {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

bool ConformanceReport::passed() const {
  return std::none_of(checks.begin(), checks.end(),
                      [](const CheckResult& c) { return c.outcome == CheckOutcome::kFail; });
}

const CheckResult* ConformanceReport::find(std::string_view id) const {
  for (const auto& c : checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

std::string ConformanceReport::format() const {
  std::string out = "silta adapter check " + url;
  if (!agency.empty()) out += " (agency " + agency + ")";
  out += "\n";
  int pass = 0, fail = 0, skip = 0;
  for (const auto& c : checks) {
    const char* word = c.outcome == CheckOutcome::kPass   ? "PASS"
                       : c.outcome == CheckOutcome::kFail ? "FAIL"
                                                          : "SKIP";
    (c.outcome == CheckOutcome::kPass ? pass : c.outcome == CheckOutcome::kFail ? fail : skip)++;
    std::string id = c.id;
    id.resize(std::max<std::size_t>(id.size(), 32), ' ');
    out += "  " + std::string(word) + "  " + id + " " + c.title + "\n";
    if (!c.reason.empty()) out += "        " + c.reason + "\n";
  }
  out += std::to_string(pass) + " passed, " + std::to_string(fail) + " failed, " +
         std::to_string(skip) + " skipped\n";
  return out;
}

namespace {

bool media_type_is(std::string_view content_type, std::string_view want) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type.size() == want.size() &&
         std::equal(type.begin(), type.end(), want.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

std::string random_id() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  return to_hex(bytes);
}

// Adapter-provided text, safe to print.
std::string quote(std::string_view text) { return protocol::redact_identity_codes(text, 200); }

std::string keys_of(const FetchResult& r) {
  std::string out;
  for (const auto& [k, v] : r.categories) out += (out.empty() ? "" : ", ") + k;
  return "[" + quote(out) + "]";
}

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

// The helpers below build values outside the coroutines: GCC 12 miscompiles (and warns
// about) initializer lists inside a coroutine body.

// One category, then two others when there are enough.
std::vector<std::vector<std::string>> category_subsets(const std::vector<std::string>& all) {
  std::vector<std::vector<std::string>> subsets = {{all.front()}};
  if (all.size() > 2) subsets.push_back({all[1], all.back()});
  return subsets;
}

// A child welfare report as the gateway delivers one: `content` holds the kind's `fields` and the
// attached records (`data`, per category), marked as a test in its text.
Referral test_referral(const std::string& agency, const std::string& subject) {
  Referral r;
  r.id = "conformance-" + random_id();
  r.kind = "lsl25_report";
  r.recipient_agency = agency;
  r.sender_agency = "silta-conformance-kit";
  r.sender_kind = "police";
  r.subject = subject;
  r.basis = "fi.lsl.25.1";
  r.sent_at = now_utc();
  r.content = {{"fields",
                {{"concern", "TEST: Silta conformance kit, not a real report."},
                 {"reporter_name", "Silta conformance kit"},
                 {"reporter_role", "test"},
                 {"reporter_contact", "-"},
                 {"urgent", false}}},
               {"data", nlohmann::json::object()}};
  return r;
}

const std::vector<std::pair<const char*, const char*>>& all_checks();
const char* title_of(std::string_view id);

class ConformanceKit {
 public:
  ConformanceKit(const ConformanceOptions& o, ConformanceReport& report) : o_(o), report_(report) {}

  asio::awaitable<void> run();

 private:
  void add(const std::string& id, CheckOutcome outcome, std::string reason) {
    report_.checks.push_back(CheckResult{id, title_of(id), outcome, std::move(reason)});
  }
  void pass(const std::string& id, std::string reason = "") {
    add(id, CheckOutcome::kPass, std::move(reason));
  }
  void fail(const std::string& id, std::string reason) {
    add(id, CheckOutcome::kFail, std::move(reason));
  }
  void setup_failed(std::string reason) {
    report_.checks.push_back(CheckResult{"setup", "the URL and the TLS files can be used",
                                         CheckOutcome::kFail, std::move(reason)});
  }
  // Skips every check from `first` on (in the table's order).
  void skip_from(std::string_view first, const std::string& reason) {
    bool on = false;
    for (const auto& [id, title] : all_checks()) {
      on = on || id == first;
      if (on) add(id, CheckOutcome::kSkip, reason);
    }
  }

  // One call as the gateway makes it: X-Request-Id (`request_id`, or a fresh one) and the
  // catalog headers.
  asio::awaitable<Result<HttpReply>> send(HttpsClient& client, http::verb method,
                                          std::string target, std::string body = "",
                                          std::string request_id = "") {
    HttpCall call;
    call.method = method;
    call.target = std::move(target);
    call.body = std::move(body);
    call.content_type = "application/json";
    call.request_id = request_id.empty() ? "conformance-" + random_id() : std::move(request_id);
    call.headers = protocol::catalog_headers(o_.catalog);
    co_return co_await client.send(call, Clock::now() + o_.timeout);
  }

  FetchRequest fetch_request(const std::string& subject, std::vector<std::string> categories) {
    FetchRequest r;
    r.request_id = "conformance-" + random_id();
    r.holder_agency = agency_;
    r.requester_agency = "silta-conformance-kit";
    r.requester_kind = "child_welfare";
    r.subject = subject;
    r.purpose = "cw_assessment";
    for (const auto& c : categories) r.bases[c] = "conformance-check";
    r.categories = std::move(categories);
    return r;
  }

  // Every fetch has its own request id, in the body and in X-Request-Id, as the gateway's do.
  asio::awaitable<Result<HttpReply>> fetch(const FetchRequest& r) {
    co_return co_await send(*client_, http::verb::post, std::string(protocol::kFetchPath),
                            protocol::to_json(r).dump(), r.request_id);
  }

  // Checks that a reply is a problem+json with `status`; returns a reason when it is not.
  static std::optional<std::string> not_problem(const Result<HttpReply>& r, unsigned status,
                                                std::string_view type_suffix = "") {
    if (!r) return r.error().message;
    if (r->status != status) {
      return "expected HTTP " + std::to_string(status) + ", got " + std::to_string(r->status);
    }
    if (!media_type_is(r->content_type, protocol::kProblemContentType)) {
      return "expected Content-Type application/problem+json, got \"" + quote(r->content_type) +
             "\"";
    }
    auto doc = protocol::parse_answer(r->body);
    if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string() ||
        !doc.contains("title") || !doc.contains("status") || doc["status"] != status) {
      return std::string("expected an RFC 9457 problem with type, title and status");
    }
    if (!type_suffix.empty()) {
      auto want = std::string(protocol::kProblemTypePrefix) + std::string(type_suffix);
      if (doc["type"] != want) {
        return "expected problem type " + want + ", got " + quote(doc["type"].get<std::string>());
      }
    }
    return std::nullopt;
  }

  // Passes check `id` when `r` is a problem+json with `status` (and type), fails it otherwise.
  void expect_problem(const char* id, const Result<HttpReply>& r, unsigned status,
                      std::string_view type_suffix = "") {
    if (auto why = not_problem(r, status, type_suffix)) {
      fail(id, *why);
    } else {
      pass(id);
    }
  }

  // Parses a 200 fetch answer; sets `reason` when it is not one.
  static std::optional<FetchResult> fetch_ok(const Result<HttpReply>& r, std::string& reason) {
    if (!r) {
      reason = r.error().message;
      return std::nullopt;
    }
    if (r->status != 200) {
      reason = "expected HTTP 200, got " + std::to_string(r->status) + ": " + quote(r->body);
      return std::nullopt;
    }
    if (!media_type_is(r->content_type, "application/json")) {
      reason = "expected Content-Type application/json, got \"" + quote(r->content_type) + "\"";
      return std::nullopt;
    }
    auto doc = protocol::parse_answer(r->body);
    if (doc.is_discarded()) {
      reason = "the body is not valid JSON";
      return std::nullopt;
    }
    json_check::Issues issues;
    auto result = protocol::fetch_result_from_json(doc, issues);
    if (!result) reason = "not a fetch answer: " + quote(issues.format());
    return result;
  }

  // The steps of run(), in order. Each adds its checks to the report.
  bool set_up();
  asio::awaitable<std::optional<HttpReply>> check_tls_host_name();
  asio::awaitable<void> check_client_certificate_required();
  asio::awaitable<void> check_other_client_refused();
  void check_version_discovery(const HttpReply& versions);
  asio::awaitable<void> check_version_unsupported();
  asio::awaitable<void> check_health_shape();
  void choose_holder(const HealthReport& health);
  asio::awaitable<void> check_fetch_shape();
  asio::awaitable<void> check_fetch_only_requested();
  asio::awaitable<void> check_fetch_unknown_subject();
  asio::awaitable<void> check_fetch_unknown_category();
  asio::awaitable<void> check_malformed_json();
  asio::awaitable<void> check_invalid_request();
  asio::awaitable<void> referral_checks();
  asio::awaitable<void> load_check();
  // A fetch whose answer must be a 200 fetch result; fails check `id` when it is not.
  asio::awaitable<std::optional<FetchResult>> fetch_result(const char* id,
                                                           const std::string& subject,
                                                           std::vector<std::string> categories);
  // The verdict on a refused or answered call of a client the adapter must not serve.
  void judge_refusal(const char* id, const Result<HttpReply>& r, const std::string& who);

  const ConformanceOptions& o_;
  ConformanceReport& report_;
  std::optional<HttpsUrl> url_;
  std::shared_ptr<asio::ssl::context> tls_, tls_nocert_;
  HttpsClient::Options client_options_;
  std::unique_ptr<HttpsClient> client_;
  std::string agency_;
  std::vector<std::string> categories_;
};

const std::vector<std::pair<const char*, const char*>>& all_checks() {
  // id, and what the check asks of the adapter (docs/adapter-protocol.md, "Conformance")
  static const std::vector<std::pair<const char*, const char*>> checks = {
      {"tls.host_name", "the server certificate chains to the CA and names the URL's host"},
      {"tls.client_certificate_required", "a client without a certificate is refused"},
      {"tls.other_client_refused", "another federation member's certificate is refused"},
      {"version.discovery", "GET /silta-adapter/versions lists v1"},
      {"version.unsupported", "an unknown protocol version is 404 problem+json"},
      {"health.shape", "GET /silta-adapter/v1/health is a health document naming the agency"},
      {"fetch.shape", "a fetch of every category answers each one as an array of records"},
      {"fetch.only_requested", "only the requested categories come back"},
      {"fetch.unknown_subject", "an unknown subject is subject_known false, no data"},
      {"fetch.unknown_category", "an unknown category is 400 problem+json unknown-category"},
      {"errors.malformed_json", "a body that is not JSON is 400 problem+json"},
      {"errors.invalid_request", "a request without a subject is 400 problem+json naming /subject"},
      {"deliver.idempotent", "the same referral twice: 201, then 200 with the same receipt"},
      {"deliver.conflict", "the same referral id with other content is 409 problem+json"},
      {"latency.small_load", "answers fetches under a small concurrent load in time"},
  };
  return checks;
}

const char* title_of(std::string_view id) {
  for (const auto& [check, title] : all_checks()) {
    if (check == id) return title;
  }
  return "";
}

asio::awaitable<void> ConformanceKit::run() {
  report_.url = o_.url;
  if (!set_up()) co_return;
  // TLS: the certificate must name the host; nothing else is worth asking otherwise.
  auto versions = co_await check_tls_host_name();
  if (!versions) {
    skip_from("tls.client_certificate_required", "no verified TLS connection (see tls.host_name)");
    co_return;
  }
  co_await check_client_certificate_required();
  co_await check_other_client_refused();
  check_version_discovery(*versions);
  co_await check_version_unsupported();
  co_await check_health_shape();
  if (agency_.empty()) {
    skip_from("fetch.shape", "no agency and categories to ask for (see health.shape)");
    co_return;
  }
  co_await check_fetch_shape();
  co_await check_fetch_only_requested();
  co_await check_fetch_unknown_subject();
  co_await check_fetch_unknown_category();
  co_await check_malformed_json();
  co_await check_invalid_request();
  if (!o_.deliver || o_.agencies_without_referrals.count(agency_)) {
    const std::string why = !o_.deliver ? "skipped on request (--no-deliver)"
                                        : "the registry says " + agency_ + " receives no referrals";
    add("deliver.idempotent", CheckOutcome::kSkip, why);
    add("deliver.conflict", CheckOutcome::kSkip, why);
  } else {
    co_await referral_checks();
  }
  co_await load_check();
}

bool ConformanceKit::set_up() {
  url_ = parse_https_url(o_.url, false);
  if (!url_) {
    setup_failed("expected an https:// URL without query, e.g. https://127.0.0.1:8444");
    return false;
  }
  auto tls = make_client_tls_context(o_.ca, o_.certificate, o_.private_key);
  auto tls_nocert = make_client_tls_context(o_.ca, "", "");
  if (!tls || !tls_nocert) {
    setup_failed(!tls ? tls.error().message : tls_nocert.error().message);
    return false;
  }
  tls_ = *tls;
  tls_nocert_ = *tls_nocert;
  client_options_.connect_timeout = o_.timeout;
  client_options_.max_idle_connections = static_cast<std::size_t>(std::max(1, o_.load_concurrency));
  return true;
}

asio::awaitable<std::optional<HttpReply>> ConformanceKit::check_tls_host_name() {
  auto executor = co_await asio::this_coro::executor;
  client_ = std::make_unique<HttpsClient>(executor, tls_, *url_, client_options_);
  auto versions = co_await send(*client_, http::verb::get, std::string(protocol::kVersionsPath));
  if (!versions) {
    fail("tls.host_name", versions.error().message);
    co_return std::nullopt;
  }
  pass("tls.host_name", "verified for " + url_->host);
  co_return std::move(*versions);
}

void ConformanceKit::judge_refusal(const char* id, const Result<HttpReply>& r,
                                   const std::string& who) {
  if (!r) {
    pass(id, "refused: " + r.error().message);
  } else if (r->status == 401 || r->status == 403) {
    pass(id, "answered HTTP " + std::to_string(r->status));
  } else {
    fail(id, "answered HTTP " + std::to_string(r->status) + " to " + who);
  }
}

asio::awaitable<void> ConformanceKit::check_client_certificate_required() {
  HttpsClient::Options no_host = client_options_;
  no_host.verify_host_name = false;  // isolate this check from the host name one
  auto executor = co_await asio::this_coro::executor;
  HttpsClient anonymous(executor, tls_nocert_, *url_, no_host);
  auto r = co_await send(anonymous, http::verb::get, std::string(protocol::kHealthPath));
  judge_refusal("tls.client_certificate_required", r, "a client without a certificate");
}

asio::awaitable<void> ConformanceKit::check_other_client_refused() {
  const char* id = "tls.other_client_refused";
  if (o_.other_certificate.empty()) {
    add(id, CheckOutcome::kSkip,
        "pass --other-cert and --other-key: a federation client certificate that is not the "
        "gateway's (e.g. an agency's)");
    co_return;
  }
  auto tls = make_client_tls_context(o_.ca, o_.other_certificate, o_.other_private_key);
  if (!tls) {
    fail(id, "cannot use the other client certificate: " + tls.error().message);
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  HttpsClient other(executor, *tls, *url_, client_options_);
  // A read that any caller the adapter accepts would get.
  auto r = co_await send(other, http::verb::get, std::string(protocol::kHealthPath));
  judge_refusal(id, r,
                "a federation client that is not the gateway (it must accept the "
                "gateway's key pin only)");
}

void ConformanceKit::check_version_discovery(const HttpReply& versions) {
  const char* id = "version.discovery";
  auto doc = protocol::parse_answer(versions.body);
  if (versions.status != 200) {
    fail(id, "expected HTTP 200, got " + std::to_string(versions.status));
  } else if (!media_type_is(versions.content_type, "application/json")) {
    fail(id, "expected Content-Type application/json");
  } else if (!doc.is_object() || !doc.contains("versions") || !doc["versions"].is_array() ||
             std::find(doc["versions"].begin(), doc["versions"].end(), "v1") ==
                 doc["versions"].end()) {
    fail(id, "expected {\"versions\": [\"v1\", ...]}");
  } else {
    pass(id, "versions " + quote(doc["versions"].dump()));
  }
}

asio::awaitable<void> ConformanceKit::check_version_unsupported() {
  auto r = co_await send(*client_, http::verb::get, "/silta-adapter/v999/health");
  expect_problem("version.unsupported", r, 404);
}

asio::awaitable<void> ConformanceKit::check_health_shape() {
  const char* id = "health.shape";
  auto r = co_await send(*client_, http::verb::get, std::string(protocol::kHealthPath));
  json_check::Issues issues;
  std::optional<HealthReport> h;
  if (r && r->status == 200) {
    auto doc = protocol::parse_answer(r->body);
    h = protocol::health_from_json(doc, issues);
  }
  if (!r) {
    fail(id, r.error().message);
  } else if (r->status != 200) {
    fail(id, "expected HTTP 200, got " + std::to_string(r->status));
  } else if (!h) {
    fail(id, "not a health document: " + quote(issues.format()));
  } else if (!h->ok) {
    fail(id, "the adapter says its system is unavailable");
  } else {
    choose_holder(*h);
  }
}

// The register to check (--agency, or the first listed) and its catalog categories.
void ConformanceKit::choose_holder(const HealthReport& health) {
  const char* id = "health.shape";
  const HolderInfo* holder = nullptr;
  for (const auto& a : health.agencies) {
    if (o_.agency.empty() ? holder == nullptr : a.agency == o_.agency) holder = &a;
  }
  if (holder == nullptr) {
    fail(id, o_.agency.empty() ? "no agency listed" : "agency " + o_.agency + " is not listed");
    return;
  }
  const auto& known = o_.catalog.categories;
  std::vector<std::string> unknown;
  for (const auto& c : holder->categories) {
    if (std::find(known.begin(), known.end(), c) != known.end()) {
      categories_.push_back(c);
    } else {
      unknown.push_back(quote(c));
    }
  }
  if (!unknown.empty()) {
    fail(id, "categories that are not catalog ids: " + list(unknown));
  } else if (categories_.empty()) {
    fail(id, "agency " + quote(holder->agency) + " lists no categories");
  } else {
    agency_ = holder->agency;
    report_.agency = agency_;
    pass(id, quote(agency_) + " serves " + list(categories_));
  }
}

asio::awaitable<std::optional<FetchResult>> ConformanceKit::fetch_result(
    const char* id, const std::string& subject, std::vector<std::string> categories) {
  auto r = co_await fetch(fetch_request(subject, std::move(categories)));
  std::string reason;
  auto result = fetch_ok(r, reason);
  if (!result) fail(id, reason);
  co_return result;
}

asio::awaitable<void> ConformanceKit::check_fetch_shape() {
  const char* id = "fetch.shape";
  auto result = co_await fetch_result(id, o_.subject, categories_);
  if (!result) co_return;
  if (!result->subject_known) {
    fail(id,
         "the test subject is not known to the adapter: pass --subject with a test person "
         "your system knows");
    co_return;
  }
  std::vector<std::string> missing;
  std::size_t records = 0;
  for (const auto& c : categories_) {
    if (!result->categories.count(c)) {
      missing.push_back(c);
    } else {
      records += result->categories[c].size();
    }
  }
  if (!missing.empty()) {
    fail(id, "requested categories missing from the answer: " + list(missing));
  } else {
    pass(id, std::to_string(records) + " records in " + std::to_string(categories_.size()) +
                 " categories");
  }
}

asio::awaitable<void> ConformanceKit::check_fetch_only_requested() {
  const char* id = "fetch.only_requested";
  auto subsets = category_subsets(categories_);
  for (const auto& subset : subsets) {
    auto result = co_await fetch_result(id, o_.subject, subset);
    if (!result) co_return;
    std::set<std::string> got, want(subset.begin(), subset.end());
    for (const auto& [k, v] : result->categories) got.insert(k);
    if (result->subject_known && got != want) {
      fail(id, "asked for " + list(subset) + ", got " + keys_of(*result));
      co_return;
    }
  }
  pass(id);
}

asio::awaitable<void> ConformanceKit::check_fetch_unknown_subject() {
  const char* id = "fetch.unknown_subject";
  auto result = co_await fetch_result(id, o_.unknown_subject, categories_);
  if (!result) co_return;
  if (result->subject_known || !result->categories.empty()) {
    fail(id, "expected {\"subject_known\": false, \"categories\": {}}, got data in " +
                 keys_of(*result));
  } else {
    pass(id);
  }
}

asio::awaitable<void> ConformanceKit::check_fetch_unknown_category() {
  auto r =
      co_await fetch(fetch_request(o_.subject, std::vector<std::string>(1, "no_such_category")));
  expect_problem("fetch.unknown_category", r, 400, protocol::kUnknownCategory);
}

asio::awaitable<void> ConformanceKit::check_malformed_json() {
  auto r = co_await send(*client_, http::verb::post, std::string(protocol::kFetchPath),
                         "{\"request_id\": \"x\", ");
  expect_problem("errors.malformed_json", r, 400);
}

asio::awaitable<void> ConformanceKit::check_invalid_request() {
  const char* id = "errors.invalid_request";
  auto request = fetch_request(o_.subject, categories_);
  json body = protocol::to_json(request);
  body.erase("subject");
  auto r = co_await send(*client_, http::verb::post, std::string(protocol::kFetchPath), body.dump(),
                         request.request_id);
  if (auto why = not_problem(r, 400)) {
    fail(id, *why);
    co_return;
  }
  auto doc = protocol::parse_answer(r->body);
  bool named = false;
  if (doc.contains("errors") && doc["errors"].is_array()) {
    for (const auto& e : doc["errors"]) {
      if (protocol::string_or(e, "pointer", "") == "/subject") named = true;
    }
  }
  if (named) {
    pass(id);
  } else {
    fail(id, "expected an errors entry with \"pointer\": \"/subject\"");
  }
}

asio::awaitable<void> ConformanceKit::referral_checks() {
  Referral referral = test_referral(agency_, o_.subject);
  const std::string target = std::string(protocol::kReferralsPath) + referral.id;

  auto receipt_of = [](const Result<HttpReply>& r, unsigned status,
                       std::string& reason) -> std::optional<DeliveryReceipt> {
    if (!r) {
      reason = r.error().message;
      return std::nullopt;
    }
    if (r->status != status) {
      reason = "expected HTTP " + std::to_string(status) + ", got " + std::to_string(r->status) +
               ": " + quote(r->body);
      return std::nullopt;
    }
    json_check::Issues issues;
    auto doc = protocol::parse_answer(r->body);
    auto receipt = protocol::receipt_from_json(doc, issues);
    if (!receipt) reason = "not a delivery receipt: " + quote(issues.format());
    return receipt;
  };

  const char* id = "deliver.idempotent";
  std::string reason;
  auto first = co_await send(*client_, http::verb::put, target, protocol::to_json(referral).dump());
  auto r1 = receipt_of(first, 201, reason);
  std::optional<DeliveryReceipt> r2;
  if (r1) {
    auto second =
        co_await send(*client_, http::verb::put, target, protocol::to_json(referral).dump());
    r2 = receipt_of(second, 200, reason);
  }
  if (!r1 || !r2) {
    fail(id, reason);
  } else if (r1->referral_id != referral.id || r2->referral_id != referral.id) {
    fail(id, "a receipt names another referral id");
  } else if (r1->duplicate || !r2->duplicate) {
    fail(id, "expected duplicate false on the first receipt and true on the second");
  } else if (r1->reference != r2->reference || r1->received_at != r2->received_at) {
    fail(id, "the second receipt differs from the first (reference or received_at)");
  } else {
    pass(id, "reference " + quote(r1->reference));
  }

  Referral other = referral;
  other.content["fields"]["concern"] = "TEST: different content under the same referral id.";
  auto conflict = co_await send(*client_, http::verb::put, target, protocol::to_json(other).dump());
  expect_problem("deliver.conflict", conflict, 409, protocol::kReferralConflict);
}

asio::awaitable<void> ConformanceKit::load_check() {
  const char* id = "latency.small_load";
  const int total = std::max(1, o_.load_requests);
  const int workers = std::clamp(o_.load_concurrency, 1, total);
  std::vector<double> latencies_ms;
  std::string first_error;
  int next = 0, done = 0;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer all_done(executor, asio::steady_timer::time_point::max());
  // One I/O thread: the workers share these counters without locks.
  auto worker = [&]() -> asio::awaitable<void> {
    while (next < total) {
      ++next;
      auto request = fetch_request(o_.subject, categories_);  // each with its own request id
      const auto start = Clock::now();
      auto r = co_await fetch(request);
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (first_error.empty()) {
        if (!r) {
          first_error = r.error().message;
        } else if (r->status != 200) {
          first_error = "HTTP " + std::to_string(r->status);
        }
      }
    }
    if (++done == workers) all_done.cancel();
  };
  const auto start = Clock::now();
  for (int i = 0; i < workers; ++i) asio::co_spawn(executor, worker(), asio::detached);
  co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1) + 0.5);
    return latencies_ms[i];
  };
  char figures[160];
  std::snprintf(figures, sizeof figures,
                "%d fetches, %d concurrent: p50 %.1f ms, p95 %.1f ms, max %.1f ms, %.0f/s", total,
                workers, pct(0.5), pct(0.95), latencies_ms.back(),
                static_cast<double>(total) / seconds);
  if (!first_error.empty()) {
    fail(id, std::string(figures) + "; a fetch failed: " + quote(first_error));
  } else if (pct(0.95) > static_cast<double>(o_.max_p95.count())) {
    fail(id, std::string(figures) + "; p95 is over " + std::to_string(o_.max_p95.count()) + " ms");
  } else {
    pass(id, figures);
  }
}

}  // namespace

protocol::CatalogStamp default_catalog_stamp() {
  protocol::CatalogStamp stamp;
  for (auto c : catalog_categories()) stamp.categories.emplace_back(c);
  return stamp;
}

ConformanceReport run_conformance(const ConformanceOptions& options) {
  ConformanceReport report;
  asio::io_context ioc;
  ConformanceKit kit(options, report);
  auto done = asio::co_spawn(ioc, kit.run(), asio::use_future);
  ioc.run();
  try {
    done.get();
  } catch (const std::exception& e) {
    report.checks.push_back(
        CheckResult{"internal", "the kit ran to the end", CheckOutcome::kFail, e.what()});
  }
  return report;
}

}  // namespace silta::adapters
