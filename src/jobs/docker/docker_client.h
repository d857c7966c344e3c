#pragma once
// A client of the Docker Engine HTTP API over its unix socket (libcurl), pinned to API
// v1.41 (dockerd 20.10; newer daemons still serve it). Socket-level and HTTP errors come
// back as one readable line; the daemon's JSON error message is used when it sends one.

#include <functional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace tml::jobs {

template <typename T>
using DockerResult = tl::expected<T, std::string>;

inline tl::unexpected<std::string> DockerFail(std::string message) { return tl::unexpected<std::string>(std::move(message)); }

struct HttpReply {
  long status = 0;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

class DockerClient {
 public:
  /// `host` as DOCKER_HOST spells it: "unix:///run/docker.sock" (or a bare socket path).
  static DockerResult<DockerClient> FromHost(const std::string& host);
  /// DOCKER_HOST when set, else the daemon's default socket.
  static std::string DefaultHost();

  /// One request; the whole response body is kept up to `max_body` bytes (larger fails).
  DockerResult<HttpReply> Call(const std::string& method, const std::string& path, std::string_view body = {},
                               const std::string& content_type = "application/json", double timeout_s = 120,
                               size_t max_body = 64u << 20) const;
  /// One request whose body is handed to `on_data` as it arrives. The transfer ends when the
  /// daemon closes it, when `on_data` returns false, or when `stop()` becomes true.
  DockerResult<long> Stream(const std::string& method, const std::string& path,
                            const std::function<bool(std::string_view)>& on_data,
                            const std::function<bool()>& stop = {}) const;

  /// "unix:///path", for messages.
  std::string describe() const { return "unix://" + socket_; }
  /// Percent-encodes a query value.
  static std::string Escape(std::string_view value);
  /// The message of a failed reply: the daemon's {"message": ...} or the status line.
  static std::string ErrorOf(const HttpReply& reply);

 private:
  explicit DockerClient(std::string socket) : socket_(std::move(socket)) {}
  std::string socket_;
};

}  // namespace tml::jobs
