#include "adapters/url.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

namespace silta::adapters {

bool HttpsUrl::host_is_ip() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::string HttpsUrl::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == 443 ? h : h + ":" + std::to_string(port);
}

namespace {

bool valid_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

bool valid_path_char(char c) {
  // Unreserved, sub-delims, ':', '@', '/', and '%' escapes; no spaces or controls.
  return c > 0x20 && c < 0x7f && c != '#' && c != '?' && c != '"' && c != '<' && c != '>' &&
         c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}';
}

}  // namespace

std::optional<HttpsUrl> parse_https_url(std::string_view text, bool allow_query) {
  constexpr std::string_view kScheme = "https://";
  if (text.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view rest = text.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) return std::nullopt;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    if (!allow_query) return std::nullopt;
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;

  HttpsUrl url;
  std::string_view port_text;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address_v6(url.host, ec);
    if (ec) return std::nullopt;
  } else {
    auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (url.host.empty()) return std::nullopt;
    for (char c : url.host) {
      if (!valid_host_char(c)) return std::nullopt;
    }
  }
  if (!port_text.empty() || authority.back() == ':') {
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  for (char c : path) {
    if (!valid_path_char(c)) return std::nullopt;
  }
  for (char c : query) {
    if (!valid_path_char(c) && c != '?') return std::nullopt;
  }
  url.path = std::string(path);
  if (!allow_query) {
    while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  } else if (url.path.empty()) {
    url.path = "/";
  }
  url.query = std::string(query);
  return url;
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace silta::adapters
