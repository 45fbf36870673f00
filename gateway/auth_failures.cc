#include "gateway/auth_failures.h"

namespace silta::gateway {

namespace {

// Certificate text comes from the client: keep printable ASCII, bounded, without quotes.
std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' ? c : '?');
  }
  return out;
}

}  // namespace

void AuthFailureSummary::add(const AuthFailure& f, SysTime now) {
  std::lock_guard lock(mu_);
  if (total_++ == 0) since_ = now;
  Key key{f.reason, printable(f.issuer, 160), f.address,
          f.spki_pin.empty() ? f.agency : f.spki_pin};
  auto it = groups_.find(key);
  Group* g = nullptr;
  if (it != groups_.end()) {
    g = &it->second;
  } else if (groups_.size() < kMaxGroups) {
    g = &groups_.emplace(std::move(key), Group{0, now, now}).first->second;
  } else {
    g = &other_;
    if (g->count == 0) g->first = now;
  }
  ++g->count;
  g->last = now;
}

std::optional<audit::AuditEvent> AuthFailureSummary::take() {
  std::map<Key, Group> groups;
  Group other;
  std::uint64_t total;
  SysTime since;
  {
    std::lock_guard lock(mu_);
    if (total_ == 0) return std::nullopt;
    groups.swap(groups_);
    other = other_;
    other_ = Group{};
    total = total_;
    total_ = 0;
    since = since_;
  }
  std::string text =
      std::to_string(total) + " refused connections since " + format_rfc3339(since) + "\n";
  for (const auto& [key, g] : groups) {
    const auto& [reason, issuer, address, who] = key;
    std::string line = "reason=" + reason + " peer=" + address;
    if (!issuer.empty()) line += " issuer=\"" + issuer + "\"";
    if (!who.empty()) line += " key=" + who;
    line += " count=" + std::to_string(g.count) + " first=" + format_rfc3339(g.first) +
            " last=" + format_rfc3339(g.last) + "\n";
    // Client-chosen text must not make the log refuse the record: a line that looks like it
    // holds an identity code keeps its counts only.
    if (audit::contains_identity_code(line)) {
      line = "reason=" + reason + " peer=" + address + " count=" + std::to_string(g.count) + "\n";
    }
    if (text.size() + line.size() > kMaxText - 120) {
      if (other.count == 0) other.first = g.first;
      other.count += g.count;
      other.first = std::min(other.first, g.first);
      other.last = std::max(other.last, g.last);
      continue;
    }
    text += line;
  }
  if (other.count > 0) {
    text += "other count=" + std::to_string(other.count) + " first=" + format_rfc3339(other.first) +
            " last=" + format_rfc3339(other.last) + "\n";
  }
  audit::AuditEvent e;
  e.type = audit::EventType::kAuthFailure;
  e.outcome = "refused_connections";
  e.justification = std::move(text);
  return e;
}

}  // namespace silta::gateway
