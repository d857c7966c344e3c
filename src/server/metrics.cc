#include "server/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace tml::server {

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("tinymlaas_http_requests_total")
                                                          .Help("HTTP requests by route, method and status")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& builds = prometheus::BuildHistogram()
                                                          .Name("tinymlaas_build_duration_seconds")
                                                          .Help("Build durations by outcome")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& queue = prometheus::BuildGauge()
                                                     .Name("tinymlaas_build_queue_depth")
                                                     .Help("Builds waiting for a worker")
                                                     .Register(*registry);
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::CountRequest(const std::string& route, const std::string& method, int status) {
  impl_->requests.Add({{"route", route}, {"method", method}, {"status", std::to_string(status)}}).Increment();
}

void Metrics::ObserveBuild(const std::string& status, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {1, 2, 5, 10, 20, 60, 120, 300, 600};
  impl_->builds.Add({{"status", status}}, kBuckets).Observe(seconds);
}

void Metrics::SetQueueDepth(double depth) { impl_->queue.Add({}).Set(depth); }

std::string Metrics::Render() { return prometheus::TextSerializer().Serialize(impl_->registry->Collect()); }

}  // namespace tml::server
