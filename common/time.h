// Time values at the edges: RFC 3339 UTC timestamps with microseconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace silta {

using SysTime = std::chrono::sys_time<std::chrono::microseconds>;

SysTime now_utc();
// "2026-11-23T10:15:30.123456Z"
std::string format_rfc3339(SysTime t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)"; fractions beyond microseconds are cut.
std::optional<SysTime> parse_rfc3339(std::string_view text);

}  // namespace silta
