#include "gateway/api/console.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <system_error>

#include "common/codec.h"
#include "common/files.h"
#include "gateway/logging.h"

namespace silta::gateway {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 4u << 20;

// No inline script or style, nothing from another origin, no frames, no forms that submit by
// themselves (a search form must never put an identity code in a URL), and DOM sinks that take
// strings (innerHTML and the like) refused by Trusted Types: the console builds its DOM with
// textContent only.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'";

constexpr std::size_t kMaxFiles = 64;

// What is served, by extension, with its Content-Type; nothing else in the directory is.
const std::map<std::string, std::string> kServedTypes = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
};

Response console_response(const ConsoleFile& file, const Request& request) {
  Response r;
  r.content_type = file.content_type;
  r.headers = {{"Content-Security-Policy", kContentSecurityPolicy},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cross-Origin-Opener-Policy", "same-origin"},
               {"Cross-Origin-Resource-Policy", "same-origin"},
               // Kept by the browser only, and revalidated (a cheap 304) before every use, so an
               // upgraded gateway's console is used at once.
               {"Cache-Control", "private, no-cache"},
               {"ETag", file.etag}};
  auto inm = request[http::field::if_none_match];
  if (!inm.empty() && (inm == "*" || inm.find(file.etag) != std::string_view::npos)) {
    r.status = 304;
    return r;
  }
  r.body = file.body;
  return r;
}

}  // namespace

Result<ConsoleAssets> load_console_assets(const fs::path& dir) {
  ConsoleAssets assets;
  assets.dir = dir;
  std::error_code ec;
  // Symbolic links are not followed: what is served is what lies in the directory.
  fs::recursive_directory_iterator it(dir, ec);
  if (ec) {
    return make_error(ErrorCode::kNotFound,
                      "the console directory " + dir.string() + " cannot be read: " + ec.message());
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink(ec) || !it->is_regular_file(ec) ||
        !kServedTypes.contains(it->path().extension().string())) {
      continue;
    }
    const fs::path path = it->path();
    const std::string name = path.lexically_relative(dir).generic_string();
    if (assets.files.size() == kMaxFiles) {
      return make_error(ErrorCode::kInvalidArgument, "the console directory " + dir.string() +
                                                         " has more than 64 files to serve");
    }
    auto size = it->file_size(ec);
    if (ec) break;
    if (size > kMaxFileBytes) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the console file " + path.string() + " is larger than 4 MiB");
    }
    auto body = read_file(path);
    if (!body) return body.error();
    ConsoleFile f;
    f.route = name == "index.html" ? "/console/" : "/console/" + name;
    f.content_type = kServedTypes.at(path.extension().string());
    f.etag = "\"" + sha256_hex(*body) + "\"";
    f.body = std::move(*body);
    assets.files.push_back(std::move(f));
  }
  if (ec) {
    return make_error(ErrorCode::kNotFound,
                      "the console directory " + dir.string() + " cannot be read: " + ec.message());
  }
  std::sort(assets.files.begin(), assets.files.end(),
            [](const ConsoleFile& a, const ConsoleFile& b) { return a.route < b.route; });
  if (assets.files.empty() || assets.files.front().route != "/console/") {
    return make_error(ErrorCode::kNotFound,
                      "the console directory " + dir.string() + " has no index.html");
  }
  return assets;
}

fs::path default_console_dir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return (exe.parent_path() / ".." / "share" / "silta" / "console").lexically_normal();
}

std::shared_ptr<const ConsoleAssets> load_console(const ConsoleConfig& config) {
  if (!config.enabled) return nullptr;
  const fs::path dir = config.assets_dir.value_or(default_console_dir());
  auto assets = load_console_assets(dir);
  if (!assets) {
    if (config.assets_dir) {
      throw std::runtime_error("console.assets_dir: " + assets.error().message);
    }
    logging::warn("console_unavailable", {{"error", assets.error().message}});
    return nullptr;
  }
  logging::info("console_loaded", {{"dir", dir.string()}, {"files", assets->files.size()}});
  return std::make_shared<const ConsoleAssets>(std::move(*assets));
}

void add_console_routes(Router& router, std::shared_ptr<const ConsoleAssets> assets) {
  if (!assets) return;
  const std::vector<Role> officer = {Role::kPrivacyOfficer};
  router.add(http::verb::get, "/console", officer,
             [](RequestContext&) -> boost::asio::awaitable<Response> {
               Response r;
               r.status = 308;
               r.content_type = "text/plain; charset=utf-8";
               r.headers = {{"Location", "/console/"}};
               co_return r;
             });
  for (const auto& file : assets->files) {
    const ConsoleFile* f = &file;
    router.add(http::verb::get, file.route, officer,
               [assets, f](RequestContext& ctx) -> boost::asio::awaitable<Response> {
                 co_return console_response(*f, ctx.request);
               });
  }
}

}  // namespace silta::gateway
