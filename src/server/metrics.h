#pragma once
// The service's Prometheus metrics (prometheus-cpp): HTTP requests by route, method and
// status, build durations by outcome, and the build queue's depth.

#include <memory>
#include <string>

namespace tml::server {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  void CountRequest(const std::string& route, const std::string& method, int status);
  void ObserveBuild(const std::string& status, double seconds);
  void SetQueueDepth(double depth);
  /// The text exposition format, for GET /metrics.
  std::string Render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tml::server
