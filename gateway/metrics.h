// Prometheus metrics: counters, gauges and histograms by family and labels, rendered in the
// text exposition format for the admin listener's /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silta::gateway {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Request counters by status and the latency histogram of one route, updated without locks on
// the request path. Created once per route (Metrics::route) and never destroyed before Metrics.
class RouteStats {
 public:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void record(unsigned status, double seconds);

 private:
  friend class Metrics;
  std::array<std::atomic<std::uint64_t>, 600> by_status_{};
  std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets_{};  // not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

class Metrics {
 public:
  Metrics();

  // Declares a family once (type is "counter", "gauge" or "histogram").
  void describe(std::string family, std::string type, std::string help,
                std::vector<double> buckets = {});

  void add(std::string_view family, const Labels& labels, double value = 1);
  void set(std::string_view family, const Labels& labels, double value);
  void observe(std::string_view family, const Labels& labels, double value);

  // Called on every render, before rendering, to refresh gauges computed elsewhere.
  void add_collector(std::function<void(Metrics&)> collector);

  std::string render();

  // The gateway's own families, declared in the constructor.
  RouteStats& route(const std::string& label);  // silta_http_requests_total, ..._duration_seconds
  void handshake(std::string_view result);      // "ok" or a failure reason

 private:
  struct Histogram {
    std::vector<std::uint64_t> counts;  // one per bucket, cumulative at render
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, double> values;         // rendered labels → value
    std::map<std::string, Histogram> histograms;  // rendered labels → histogram
  };

  void observe_locked(Family& f, const std::string& labels, double value);
  void collect_routes();

  std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void(Metrics&)>> collectors_;
  std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> routes_;
};

}  // namespace silta::gateway
