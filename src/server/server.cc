#include "server/server.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <limits>

#include "server/api_error.h"
#include "server/routes.h"
#include "store/store.h"

namespace tml::server {

ApiError FromStore(const store::StoreError& error) {
  switch (error.code) {
    case store::StoreErrorCode::kNotFound: return ApiError(404, "Not Found", error.message);
    case store::StoreErrorCode::kConflict: return ApiError(409, "Conflict", error.message);
    case store::StoreErrorCode::kInvalid: return ApiError(422, "Unprocessable Content", error.message);
    case store::StoreErrorCode::kTooLarge: return ApiError(413, "Content Too Large", error.message);
    case store::StoreErrorCode::kIo: break;
  }
  return ApiError(500, "Internal Server Error", error.message);
}

void SendJson(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

int64_t PathId(const httplib::Request& request, int index) {
  try {
    return std::stoll(request.matches[index].str());
  } catch (const std::exception&) {
    throw ApiError(400, "Bad Request", "'" + request.matches[index].str() + "' is not an id");
  }
}

store::Page PageFromQuery(const httplib::Request& request) {
  store::Page page;
  if (request.has_param("limit")) {
    page.limit = std::clamp<int64_t>(std::atoll(request.get_param_value("limit").c_str()), 1, 1000);
  }
  if (request.has_param("after")) page.after_id = std::atoll(request.get_param_value("after").c_str());
  return page;
}

nlohmann::json NextAfter(size_t items, const store::Page& page, int64_t last_id) {
  return items == static_cast<size_t>(page.limit) ? nlohmann::json(last_id) : nlohmann::json();
}

void SendBlob(RouteContext& c, const std::string& sha256, uint64_t bytes, const std::string& filename,
              const std::string& content_type, std::function<void(uint64_t end)> on_sent) {
  const std::string etag = "\"" + sha256 + "\"";
  c.response.set_header("ETag", etag);
  c.response.set_header("Accept-Ranges", "bytes");
  c.response.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  if (c.request.get_header_value("If-None-Match") == etag) {
    c.response.status = 304;
    return;
  }
  const std::string path = c.store.blobs().PathOf(sha256);
  c.response.set_content_provider(
      static_cast<size_t>(bytes), content_type,
      [path, on_sent = std::move(on_sent)](size_t offset, size_t length, httplib::DataSink& sink) {
        std::ifstream in(path, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        std::vector<char> buffer(std::min<size_t>(length, 1 << 16));
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto n = static_cast<size_t>(in.gcount());
        if (n == 0 || !sink.write(buffer.data(), n)) return false;
        if (on_sent) on_sent(offset + n);
        return true;
      });
}

namespace {

void SendProblem(httplib::Response& response, int status, const std::string& title, const std::string& detail) {
  response.status = status;
  response.set_content(nlohmann::json{{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}}.dump(),
                       "application/problem+json");
  if (status == 401) response.set_header("WWW-Authenticate", "Bearer");
}

/// Checks the bearer token against the route's access level; throws ApiError.
void Authorize(const httplib::Request& request, Access access, store::Store& store) {
  if (access == Access::kOpen) return;
  const std::string header = request.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.empty()) throw ApiError(401, "Unauthorized", "this request needs 'Authorization: Bearer <token>'");
  if (header.compare(0, prefix.size(), prefix) != 0) {
    throw ApiError(401, "Unauthorized", "the Authorization header must be 'Bearer <token>'");
  }
  const auto token = store.Authenticate(header.substr(prefix.size()));
  if (!token) throw ApiError(401, "Unauthorized", "the token is not valid");
  if (access == Access::kWrite && token->read_only) {
    throw ApiError(403, "Forbidden", "token '" + token->name + "' is read-only");
  }
}

}  // namespace

struct Server::Impl {
  store::Store& store;
  jobs::BuildQueue& queue;
  ServerOptions options;
  httplib::Server http;
  int port = 0;

  Impl(store::Store& s, jobs::BuildQueue& q, ServerOptions o) : store(s), queue(q), options(std::move(o)) {}

  void Register(const Route& route) {
    auto run = [this, route](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* body) {
      try {
        try {
          Authorize(req, route.access, store);
        } catch (const ApiError&) {
          // Read (and drop) a refused upload's body, up to the upload limit, so the client
          // gets the answer instead of a connection closed mid-request.
          if (body != nullptr) {
            uint64_t drained = 0;
            (*body)([&](const char*, size_t size) { return (drained += size) <= options.max_model_bytes; });
          }
          throw;
        }
        RouteContext context{req, res, body, store, queue, options, *options.metrics};
        route.handler(context);
      } catch (const ApiError& e) {
        SendProblem(res, e.status(), e.title(), e.what());
      } catch (const std::exception& e) {
        SendProblem(res, 500, "Internal Server Error", e.what());
      }
      options.metrics->CountRequest(route.pattern, route.method, res.status);
    };
    const std::string method = route.method;
    if (route.streaming_body) {
      http.Post(route.pattern, [run](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
        run(req, res, &reader);
      });
      return;
    }
    auto handler = [run](const httplib::Request& req, httplib::Response& res) { run(req, res, nullptr); };
    if (method == "GET") http.Get(route.pattern, handler);
    else if (method == "POST") http.Post(route.pattern, handler);
    else if (method == "DELETE") http.Delete(route.pattern, handler);
    else if (method == "PUT") http.Put(route.pattern, handler);
  }
};

std::vector<std::pair<std::string, std::string>> RouteList() {
  std::vector<std::pair<std::string, std::string>> routes;
  for (auto* table : {&MetaRoutes, &ModelRoutes, &BuilderRoutes, &BuildRoutes, &DeviceRoutes, &DeviceObserveRoutes, &DeploymentRoutes}) {
    for (const Route& route : (*table)()) routes.emplace_back(route.method, route.pattern);
  }
  return routes;
}

Server::Server(store::Store& store, jobs::BuildQueue& queue, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, queue, std::move(options))) {
  // cpp-httplib serves a keep-alive connection on one thread: the pool bounds the concurrent
  // connections, and connections are recycled after 100 requests to stay fair.
  impl_->http.new_task_queue = [threads = impl_->options.threads] { return new httplib::ThreadPool(threads); };
  impl_->http.set_keep_alive_max_count(100);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
  // delayed ACKs add 40 ms to every response.
  impl_->http.set_tcp_nodelay(true);
  // Uploads are limited by streaming into the blob store, not by buffering.
  impl_->http.set_payload_max_length(std::numeric_limits<size_t>::max());
  for (auto* table : {&MetaRoutes, &ModelRoutes, &BuilderRoutes, &BuildRoutes, &DeviceRoutes, &DeviceObserveRoutes, &DeploymentRoutes}) {
    for (const Route& route : (*table)()) impl_->Register(route);
  }
  if (impl_->options.web_dir.empty()) impl_->options.web_dir = TML_DEFAULT_WEB_DIR;
  impl_->http.set_mount_point("/docs/assets", impl_->options.web_dir + "/node_modules/swagger-ui-dist");
  impl_->http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) SendProblem(res, 404, "Not Found", "no route for " + req.method + " " + req.path);
  });
}

Server::~Server() = default;

bool Server::Bind(const std::string& host, int port, std::string* error) {
  if (port == 0) {
    impl_->port = impl_->http.bind_to_any_port(host.c_str());
  } else {
    impl_->port = impl_->http.bind_to_port(host.c_str(), port) ? port : -1;
  }
  if (impl_->port <= 0) {
    *error = "cannot listen on " + host + ":" + std::to_string(port);
    return false;
  }
  return true;
}

void Server::Run() { impl_->http.listen_after_bind(); }
void Server::Stop() { impl_->http.stop(); }
int Server::port() const { return impl_->port; }

}  // namespace tml::server
