// The privacy officer's web console (console/ in the repository): static files served at
// /console/ to callers holding the privacy_officer role. The console itself uses only the
// documented /v1 API; this serves its files and nothing else (docs/privacy-officer-guide.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "gateway/config.h"
#include "gateway/http/router.h"

namespace silta::gateway {

struct ConsoleFile {
  std::string route;         // "/console/", "/console/app.js", ...
  std::string content_type;  // with charset for text
  std::string body;
  std::string etag;  // a strong validator: the SHA-256 of the body, quoted
};

// The console's files, read once at start: each is a route of its own, so no path from a request
// ever reaches the file system.
struct ConsoleAssets {
  std::filesystem::path dir;
  std::vector<ConsoleFile> files;  // sorted by route
};

// Reads the console from `dir` (console/src as is: no build step): every regular file under it
// whose name ends in .html, .js, .css or .svg, at most 64 files of at most 4 MiB each;
// index.html must be among them and is served as /console/ (not as /console/index.html).
// Other files (a README, an editor's backup) are left out. The error names the directory or
// the file at fault.
Result<ConsoleAssets> load_console_assets(const std::filesystem::path& dir);

// <the silta executable's directory>/../share/silta/console: bin/silta and share/silta/console
// in an installation, gateway/silta and share/silta/console in the build tree.
std::filesystem::path default_console_dir();

// The console the config asks for: null when console.enabled is false, or when the default
// directory has no console (logged as a warning: the API works without it). Throws
// std::runtime_error (at start-up) when an explicitly configured console.assets_dir cannot be
// read.
std::shared_ptr<const ConsoleAssets> load_console(const ConsoleConfig& config);

// GET /console/ and each file of the manifest, for the privacy_officer role, with a strict
// Content-Security-Policy and no caching without revalidation (ETag). /console redirects to
// /console/. Nothing is added when `assets` is null.
void add_console_routes(Router& router, std::shared_ptr<const ConsoleAssets> assets);

}  // namespace silta::gateway
