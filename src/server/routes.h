#pragma once
// One row per REST route: method, path pattern, whether it writes, and its handler.

#include <httplib.h>

#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/metrics.h"
#include "server/server.h"
#include "store/store.h"

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
std::vector<Route> BuilderRoutes();
std::vector<Route> DeviceRoutes();
std::vector<Route> DeviceObserveRoutes();
std::vector<Route> DeploymentRoutes();

/// The builder a build request asks for: `name`, or the board's default builder image, or the
/// built-in builder. Throws the 422/503 that says why none can build for `board`.
struct ResolvedBuilder {
  std::string name;
  std::string image;  ///< empty for the built-in builder
};
ResolvedBuilder ResolveBuilder(RouteContext& c, const std::optional<std::string>& name, const std::string& board);
nlohmann::json BuilderView(const store::BuilderRecord& builder);

/// Sends `body` as JSON with `status`.
void SendJson(httplib::Response& response, int status, const nlohmann::json& body);
/// Integer path parameter `index` of the match, or a 400.
int64_t PathId(const httplib::Request& request, int index);
/// The keyset page of a list request (?limit=1..1000&after=ID).
store::Page PageFromQuery(const httplib::Request& request);
/// "null" if the page was not full, else the last id (the client's next `after`).
nlohmann::json NextAfter(size_t items, const store::Page& page, int64_t last_id);
/// Streams a stored blob with an ETag (its sha256) and HTTP Range support; 304 on If-None-Match.
/// `on_sent` hears how far into the blob each chunk reached (a download's progress).
void SendBlob(RouteContext& c, const std::string& sha256, uint64_t bytes, const std::string& filename,
              const std::string& content_type = "application/octet-stream",
              std::function<void(uint64_t end)> on_sent = {});

}  // namespace tml::server
