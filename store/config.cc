#include "store/config.h"

#include <regex>

namespace silta::store {

namespace fs = std::filesystem;
using json_check::Need;

std::optional<Backend> backend_of(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) {
    if (url.size() == 7) return std::nullopt;
    return Backend::kSqlite;
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return Backend::kPostgres;
  }
  // libpq's key=value form: at least one "keyword=".
  static const std::regex keyword_value(R"(^\s*[a-z_]+\s*=)");
  if (std::regex_search(url, keyword_value)) return Backend::kPostgres;
  return std::nullopt;
}

std::string redacted_url(const std::string& url) {
  // URI: scheme://user:password@host → scheme://user:***@host
  static const std::regex uri_password(R"(^(postgres(ql)?://[^:/@]*):[^@]*@)");
  // key=value: password=secret or password='se cret'
  static const std::regex kv_password(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))");
  static const std::regex query_password(R"(([?&]password=)[^&]*)");
  std::string out = std::regex_replace(url, uri_password, "$1:***@");
  out = std::regex_replace(out, query_password, "$1***");
  if (backend_of(url) == Backend::kPostgres && url.find("://") == std::string::npos) {
    out = std::regex_replace(out, kv_password, "$1***");
  }
  return out;
}

StoreConfig default_store_config(const fs::path& data_dir) {
  StoreConfig c;
  c.url = "sqlite:" + (data_dir / "silta.db").string();
  c.key_file = data_dir / "store.key";
  return c;
}

StoreConfig parse_store_config(json_check::Object& o, const fs::path& base_dir,
                               const fs::path& data_dir) {
  StoreConfig c = default_store_config(data_dir);
  auto resolve = [&](const std::string& p) {
    fs::path path(p);
    return path.is_absolute() ? path : base_dir / path;
  };
  if (auto url = o.string("url")) {
    auto backend = backend_of(*url);
    if (!backend) {
      o.issues().add(o.path_of("url"),
                     "expected \"sqlite:PATH\" or a PostgreSQL connection string "
                     "(\"postgresql://…\" or \"host=… dbname=…\")");
    } else if (*backend == Backend::kSqlite) {
      c.url = "sqlite:" + resolve(url->substr(7)).string();
    } else {
      c.url = *url;
    }
  }
  if (auto key = o.string("key_file")) {
    if (key->empty()) {
      o.issues().add(o.path_of("key_file"), "expected a file name");
    } else {
      c.key_file = resolve(*key);
    }
  }
  c.pool_size = static_cast<unsigned>(o.integer_or("pool_size", c.pool_size, 1, 256));
  c.executor_threads =
      static_cast<unsigned>(o.integer_or("executor_threads", c.executor_threads, 1, 256));
  c.busy_timeout = std::chrono::milliseconds(
      o.integer_or("busy_timeout_ms", c.busy_timeout.count(), 0, 10 * 60 * 1000));
  o.no_other_keys();
  return c;
}

}  // namespace silta::store
