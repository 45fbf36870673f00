// https:// URLs of agency systems: the base URL in the adapter config, and absolute links an
// agency system hands back (FHIR paging), which must stay on the same origin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silta::adapters {

struct HttpsUrl {
  std::string host;  // a DNS name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 443;
  std::string path;   // starts with '/' (the base path has no trailing '/'; "" = root)
  std::string query;  // without '?'; only in links, never in a base URL

  bool host_is_ip() const;
  // "host:port" as sent in the Host header (IPv6 in brackets).
  std::string authority() const;
  // path + "?" + query, the request target.
  std::string target() const { return query.empty() ? path : path + "?" + query; }
};

// Parses "https://host[:port][/path][?query]". Fragments, user info and other schemes are
// refused. `allow_query` is false for base URLs.
std::optional<HttpsUrl> parse_https_url(std::string_view text, bool allow_query);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view value);

}  // namespace silta::adapters
