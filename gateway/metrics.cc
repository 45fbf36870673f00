#include "gateway/metrics.h"

#include <algorithm>
#include <cstdio>

namespace silta::gateway {

namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back(',');
    out += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  }
  out.push_back('}');
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Adds le="x" to an already rendered label set.
std::string with_le(const std::string& labels, const std::string& le) {
  if (labels.empty()) return "{le=\"" + le + "\"}";
  return labels.substr(0, labels.size() - 1) + ",le=\"" + le + "\"}";
}

}  // namespace

Metrics::Metrics() {
  describe("silta_http_requests_total", "counter", "HTTP requests by route and status.");
  describe("silta_http_request_duration_seconds", "histogram",
           "Time from a complete request to the response being written, by route.",
           {RouteStats::kBuckets.begin(), RouteStats::kBuckets.end()});
  describe("silta_active_connections", "gauge", "Open connections on the agency listener.");
  describe("silta_tls_handshakes_total", "counter",
           "TLS handshakes on the agency listener by result (ok or the failure reason).");
  set("silta_active_connections", {}, 0);
}

void Metrics::describe(std::string family, std::string type, std::string help,
                       std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  auto& f = families_[family];
  f.type = std::move(type);
  f.help = std::move(help);
  f.buckets = std::move(buckets);
}

void Metrics::add(std::string_view family, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(family);
  if (it == families_.end()) return;
  it->second.values[render_labels(labels)] += value;
}

void Metrics::set(std::string_view family, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto it = families_.find(family);
  if (it == families_.end()) return;
  it->second.values[render_labels(labels)] = value;
}

void Metrics::observe(std::string_view family, const Labels& labels, double value) {
  auto rendered = render_labels(labels);
  std::lock_guard lock(mu_);
  auto it = families_.find(family);
  if (it == families_.end()) return;
  observe_locked(it->second, rendered, value);
}

void Metrics::observe_locked(Family& f, const std::string& labels, double value) {
  auto& h = f.histograms[labels];
  if (h.counts.empty()) h.counts.resize(f.buckets.size());
  auto b = std::lower_bound(f.buckets.begin(), f.buckets.end(), value);
  if (b != f.buckets.end()) ++h.counts[static_cast<std::size_t>(b - f.buckets.begin())];
  h.sum += value;
  ++h.count;
}

void Metrics::add_collector(std::function<void(Metrics&)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() {
  std::vector<std::function<void(Metrics&)>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c(*this);

  std::lock_guard lock(mu_);
  collect_routes();
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, v] : f.values) out += name + labels + " " + number(v) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += h.counts[i];
        out += name + "_bucket" + with_le(labels, number(f.buckets[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + with_le(labels, "+Inf") + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + labels + " " + number(h.sum) + "\n";
      out += name + "_count" + labels + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

void RouteStats::record(unsigned status, double seconds) {
  by_status_[status < by_status_.size() ? status : 0].fetch_add(1, std::memory_order_relaxed);
  auto b = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds);
  if (b != kBuckets.end()) {
    buckets_[static_cast<std::size_t>(b - kBuckets.begin())].fetch_add(1,
                                                                       std::memory_order_relaxed);
  }
  sum_ns_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

RouteStats& Metrics::route(const std::string& label) {
  std::lock_guard lock(mu_);
  auto& stats = routes_[label];
  if (!stats) stats = std::make_unique<RouteStats>();
  return *stats;
}

// Copies the lock-free route stats into the families, under mu_.
void Metrics::collect_routes() {
  auto& requests = families_.find("silta_http_requests_total")->second;
  auto& durations = families_.find("silta_http_request_duration_seconds")->second;
  for (const auto& [route, stats] : routes_) {
    for (std::size_t status = 0; status < stats->by_status_.size(); ++status) {
      auto n = stats->by_status_[status].load(std::memory_order_relaxed);
      if (n == 0) continue;
      requests.values[render_labels({{"route", route}, {"status", std::to_string(status)}})] =
          static_cast<double>(n);
    }
    auto count = stats->count_.load(std::memory_order_relaxed);
    if (count == 0) continue;
    auto& h = durations.histograms[render_labels({{"route", route}})];
    h.counts.resize(RouteStats::kBuckets.size());
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
      h.counts[i] = stats->buckets_[i].load(std::memory_order_relaxed);
    }
    h.sum = static_cast<double>(stats->sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    h.count = count;
  }
}

void Metrics::handshake(std::string_view result) {
  add("silta_tls_handshakes_total", {{"result", std::string(result)}});
}

}  // namespace silta::gateway
