#include "store/store.h"

#include <array>
#include <utility>

#include "store/sql_store.h"

namespace silta::store {

namespace {

constexpr std::array<std::pair<ReferralState, const char*>, 5> kStates = {{
    {ReferralState::kReceived, "received"},
    {ReferralState::kDelivered, "delivered"},
    {ReferralState::kAcknowledged, "acknowledged"},
    {ReferralState::kDecided, "decided"},
    {ReferralState::kDead, "dead"},
}};

}  // namespace

const char* referral_state_name(ReferralState state) {
  for (const auto& [s, n] : kStates) {
    if (s == state) return n;
  }
  return "";
}

std::optional<ReferralState> parse_referral_state(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (name == n) return s;
  }
  return std::nullopt;
}

const char* consent_status_name(ConsentStatus status) {
  switch (status) {
    case ConsentStatus::kActive:
      return "active";
    case ConsentStatus::kRevoked:
      return "revoked";
    case ConsentStatus::kExpired:
      return "expired";
  }
  return "";
}

const char* review_verdict_name(ReviewVerdict verdict) {
  return verdict == ReviewVerdict::kJustified ? "justified" : "unjustified";
}

std::optional<ReviewVerdict> parse_review_verdict(std::string_view name) {
  if (name == "justified") return ReviewVerdict::kJustified;
  if (name == "unjustified") return ReviewVerdict::kUnjustified;
  return std::nullopt;
}

Result<std::unique_ptr<Store>> open_store(const StoreConfig& config) {
  auto backend = backend_of(config.url);
  if (!backend) {
    return make_error(ErrorCode::kInvalidArgument,
                      "store url: expected \"sqlite:PATH\" or a PostgreSQL connection string");
  }
  std::optional<FieldCipher> cipher;
  if (!config.key_file.empty()) {
    // SQLite is the zero set-up default: its key is made on first start. Instances sharing a
    // PostgreSQL database must share one key, so it is never made implicitly there.
    auto c = FieldCipher::load(config.key_file, *backend == Backend::kSqlite);
    if (!c) {
      if (c.error().code == ErrorCode::kNotFound && *backend == Backend::kPostgres) {
        return make_error(ErrorCode::kNotFound,
                          c.error().message +
                              "; make the store key once with `silta db keygen --key-file " +
                              config.key_file.string() + "` and give every instance a copy");
      }
      return c.error();
    }
    cipher = std::move(*c);
  }
  unsigned pool_size = std::max(1u, config.pool_size);
  if (*backend == Backend::kSqlite) {
    std::string path = config.url.substr(7);
    auto busy = config.busy_timeout;
    auto writer = sql::Pool::open([=] { return sql::connect_sqlite(path, true, busy); }, 1);
    if (!writer) return writer.error();
    auto readers =
        sql::Pool::open([=] { return sql::connect_sqlite(path, false, busy); }, pool_size, true);
    if (!readers) return readers.error();
    return std::unique_ptr<Store>(std::make_unique<SqlStore>(
        sql::Dialect::kSqlite, std::move(*writer), std::move(*readers), std::move(cipher)));
  }
  std::string conninfo = config.url;
  auto pool = sql::Pool::open([=] { return sql::connect_postgres(conninfo); }, pool_size);
  if (!pool) return pool.error();
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(
      sql::Dialect::kPostgres, std::move(*pool), nullptr, std::move(cipher)));
}

}  // namespace silta::store
