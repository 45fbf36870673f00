// The request parser of both listeners: Beast's HTTP/1.1 parser with every size that comes from
// the network bounded before memory is spent on it. Beast bounds the header and the body; this
// adds the count of header fields, refuses trailer fields and chunk extensions at the first one,
// and keeps each field under the size at which Beast's field container throws (a throw inside
// Beast's read operation would escape the session). Chunk lines and a trailer section must fit
// in the connection's read buffer (`read_buffer_limit`), so they cannot grow memory either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "gateway/config.h"
#include "gateway/http/problem.h"
#include "gateway/http/request.h"

namespace silta::gateway {

struct ParserLimits {
  std::size_t header_bytes = 8 * 1024;  // request line + header fields
  std::size_t header_fields = 100;      // header fields
  std::uint64_t body_bytes = 1024 * 1024;
};

// The most a connection's read buffer may hold: a whole header, or one chunk line, or a trailer
// section, must fit; more is refused (http::error::buffer_overflow) instead of allocated.
std::size_t read_buffer_limit(const ParserLimits& limits);

class RequestParser : public http::request_parser<http::string_body> {
 public:
  explicit RequestParser(const ParserLimits& limits);

  // Why the parser stopped with an error, when it was one of its own limits or rules (the error
  // code is then http::error::bad_field or bad_chunk_extension); nullopt for Beast's own errors.
  const std::optional<Problem>& refusal() const { return refusal_; }

  // The problem for an error from reading with this parser, or nullopt for an error that ends
  // the connection quietly (the peer closed, a timeout, a cancel).
  std::optional<Problem> problem_for(const boost::system::error_code& ec) const;

 private:
  void on_field_impl(http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::system::error_code& ec) override;
  void refuse(Problem p, boost::system::error_code& ec, http::error code);

  ParserLimits limits_;
  std::size_t fields_ = 0;
  bool header_done_ = false;
  std::optional<Problem> refusal_;
};

}  // namespace silta::gateway
