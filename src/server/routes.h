#pragma once
// One row per REST route: method, path pattern, whether it writes, and its handler.

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/metrics.h"
#include "server/server.h"

namespace tml::server {

/// What a handler gets: the request, the response, and the service's parts.
struct RouteContext {
  const httplib::Request& request;
  httplib::Response& response;
  const httplib::ContentReader* body;  ///< set for streaming-body routes
  store::Store& store;
  jobs::BuildQueue& queue;
  const ServerOptions& options;
  Metrics& metrics;
};

enum class Access { kOpen, kRead, kWrite };

struct Route {
  const char* method;
  const char* pattern;  ///< httplib regex
  Access access;
  bool streaming_body;
  std::function<void(RouteContext&)> handler;
};

/// The route tables of each resource (routes_*.cc).
std::vector<Route> MetaRoutes();
std::vector<Route> ModelRoutes();
std::vector<Route> BuildRoutes();

/// Sends `body` as JSON with `status`.
void SendJson(httplib::Response& response, int status, const nlohmann::json& body);
/// Integer path parameter `index` of the match, or a 400.
int64_t PathId(const httplib::Request& request, int index);

}  // namespace tml::server
