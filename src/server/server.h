#pragma once
// The HTTP API of `tinymlaas serve` (cpp-httplib, see docs/service.md): a table of routes,
// bearer-token auth, problem+json errors.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tml::store {
class Store;
}
namespace tml::jobs {
class BuildQueue;
}
namespace tml::lwm2m {
class Lwm2mServer;
}

namespace tml::common {
struct SigningKey;
}

namespace tml::server {

class Metrics;
class DeploymentRunner;

struct ServerOptions {
  Metrics* metrics = nullptr;                   ///< where requests are counted (required)
  std::string kit_dir;                          ///< firmware kit (boards)
  uint64_t max_model_bytes = 50ull << 20;       ///< uploads above are refused while streaming
  int threads = 64;                             ///< a keep-alive connection holds one thread
  std::string web_dir;                          ///< web/ (Swagger UI assets under node_modules)
  lwm2m::Lwm2mServer* lwm2m = nullptr;          ///< the LwM2M server whose registrations `devices` shows
  DeploymentRunner* deployments = nullptr;      ///< moves deployments along (needs `lwm2m`)
  const common::SigningKey* signing_key = nullptr;  ///< signs deployment packages
};

/// Every (method, path pattern) the API serves, for checking against api/openapi.yaml.
std::vector<std::pair<std::string, std::string>> RouteList();

class Server {
 public:
  Server(store::Store& store, jobs::BuildQueue& queue, ServerOptions options);
  ~Server();
  /// Binds; returns false (with the reason in `error`) if the address is taken.
  bool Bind(const std::string& host, int port, std::string* error);
  /// Serves until Stop().
  void Run();
  void Stop();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tml::server
