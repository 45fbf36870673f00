// Prometheus metrics: counters, gauges and histograms by family and labels, rendered in the
// text exposition format for the admin listener's /metrics.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silta::gateway {

using Labels = std::vector<std::pair<std::string, std::string>>;

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
  void request(std::string_view route, unsigned status, double seconds);
  void handshake(std::string_view result);  // "ok" or a failure reason

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

  std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void(Metrics&)>> collectors_;
};

}  // namespace silta::gateway
