#include "gateway/http/request_parser.h"

#include <algorithm>
#include <string>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

namespace silta::gateway {

namespace beast = boost::beast;

std::size_t read_buffer_limit(const ParserLimits& limits) {
  // The header limit is checked by the parser once this many bytes are buffered, so the buffer
  // must hold at least that much; chunk lines and trailers get the same room.
  return std::max<std::size_t>(limits.header_bytes, 1024);
}

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {
  header_limit(static_cast<std::uint32_t>(std::min(limits.header_bytes, kMaxHeaderBytes)));
  body_limit(limits.body_bytes);
}

void RequestParser::refuse(Problem p, boost::system::error_code& ec, http::error code) {
  refusal_ = std::move(p);
  ec = code;
}

void RequestParser::on_field_impl(http::field name, beast::string_view name_string,
                                  beast::string_view value, boost::system::error_code& ec) {
  if (header_done_) {
    refuse(problem(400, "bad-framing", ProblemText::kTrailers), ec, http::error::bad_field);
    return;
  }
  if (++fields_ > limits_.header_fields) {
    refuse(problem(431, "header-too-large",
                   problem_text(ProblemText::kTooManyHeaderFields,
                                {std::to_string(limits_.header_fields)})),
           ec, http::error::bad_field);
    return;
  }
  // Beast's limit (see kMaxHeaderBytes); unreachable with a header limit within it, kept so that
  // no configuration can make the insert below throw.
  if (name_string.size() + 2 > kMaxHeaderBytes || value.size() + 2 > kMaxHeaderBytes) {
    refuse(problem(431, "header-too-large",
                   problem_text(ProblemText::kHeaderFieldTooLarge,
                                {std::to_string(kMaxHeaderBytes - 2)})),
           ec, http::error::bad_field);
    return;
  }
  get().insert(name, name_string, value);
}

// Chunk extensions carry nothing we use, and parsers disagree about them (a smuggling vector):
// the first one is refused.
void RequestParser::on_chunk_header_impl(std::uint64_t, beast::string_view extensions,
                                         boost::system::error_code& ec) {
  if (extensions.empty()) return;
  refuse(problem(400, "bad-framing", ProblemText::kChunkExtensions), ec,
         http::error::bad_chunk_extension);
}

void RequestParser::on_header_impl(boost::system::error_code& ec) {
  header_done_ = true;
  ec = {};
}

std::optional<Problem> RequestParser::problem_for(const boost::system::error_code& ec) const {
  if (refusal_) return refusal_;
  if (ec == http::error::header_limit ||
      (ec == http::error::buffer_overflow && !is_header_done())) {
    return problem(
        431, "header-too-large",
        problem_text(ProblemText::kHeaderTooLarge, {std::to_string(limits_.header_bytes)}));
  }
  if (ec == http::error::body_limit) {
    return problem(413, "body-too-large",
                   problem_text(ProblemText::kBodyTooLarge, {std::to_string(limits_.body_bytes)}));
  }
  if (ec == http::error::buffer_overflow) {
    return problem(
        400, "bad-framing",
        problem_text(ProblemText::kChunkLineTooLong, {std::to_string(read_buffer_limit(limits_))}));
  }
  namespace asio = boost::asio;
  const bool quiet = ec == http::error::end_of_stream || ec == beast::error::timeout ||
                     ec == asio::error::operation_aborted ||
                     ec == asio::ssl::error::stream_truncated || ec == asio::error::eof ||
                     ec == asio::error::connection_reset;
  if (quiet) return std::nullopt;
  // Beast's own message is English and says little to a caller: the table's text instead.
  return problem(400, "malformed-request", ProblemText::kMalformedRequest);
}

}  // namespace silta::gateway
