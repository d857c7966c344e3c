#include "jobs/docker/docker_client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

namespace tml::jobs {
namespace {

constexpr const char* kApiPrefix = "http://docker/v1.41";

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  std::string* body = nullptr;
  size_t max_body = 0;
  bool too_large = false;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  const std::function<bool()>* stop = nullptr;
};

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (t->on_data != nullptr) return (*t->on_data)(std::string_view(data, n)) ? n : 0;
  if (t->body->size() + n > t->max_body) {
    t->too_large = true;
    return 0;
  }
  t->body->append(data, n);
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return (t->stop != nullptr && *t->stop && (*t->stop)()) ? 1 : 0;
}

}  // namespace

DockerResult<DockerClient> DockerClient::FromHost(const std::string& host) {
  std::string path = host;
  if (path.rfind("unix://", 0) == 0) path = path.substr(7);
  if (path.empty() || path.front() != '/') {
    return DockerFail("Docker host '" + host + "' is not a unix socket (expected unix:///path/to/docker.sock)");
  }
  return DockerClient(path);
}

std::string DockerClient::DefaultHost() {
  const char* env = std::getenv("DOCKER_HOST");
  return env != nullptr && *env != 0 ? env : "unix:///var/run/docker.sock";
}

std::string DockerClient::Escape(std::string_view value) {
  InitCurlOnce();
  char* escaped = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

std::string DockerClient::ErrorOf(const HttpReply& reply) {
  const auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    return json["message"].get<std::string>();
  }
  return "HTTP status " + std::to_string(reply.status);
}

DockerResult<HttpReply> DockerClient::Call(const std::string& method, const std::string& path, std::string_view body,
                                           const std::string& content_type, double timeout_s, size_t max_body) const {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return DockerFail("cannot create a libcurl handle");
  HttpReply reply;
  Transfer transfer{&reply.body, max_body};
  const std::string url = kApiPrefix + path;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000));
  if (method != "GET" && method != "DELETE" && method != "HEAD") {
    headers.reset(curl_slist_append(nullptr, ("Content-Type: " + content_type).c_str()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode code = curl_easy_perform(c);
  if (transfer.too_large) {
    return DockerFail(method + " " + path + ": the response is larger than " + std::to_string(max_body) + " bytes");
  }
  if (code != CURLE_OK) {
    return DockerFail("the Docker daemon at " + describe() + " did not answer " + method + " " + path + ": " +
                      curl_easy_strerror(code));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

DockerResult<long> DockerClient::Stream(const std::string& method, const std::string& path,
                                        const std::function<bool(std::string_view)>& on_data,
                                        const std::function<bool()>& stop) const {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return DockerFail("cannot create a libcurl handle");
  Transfer transfer;
  transfer.on_data = &on_data;
  transfer.stop = &stop;
  const std::string url = kApiPrefix + path;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  // The progress callback runs about once a second even when no data flows: it is how a
  // quiet stream notices `stop`.
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  const CURLcode code = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (code == CURLE_ABORTED_BY_CALLBACK || code == CURLE_WRITE_ERROR) return status;  // we stopped it
  if (code != CURLE_OK) {
    return DockerFail("the Docker daemon at " + describe() + " did not answer " + method + " " + path + ": " +
                      curl_easy_strerror(code));
  }
  return status;
}

}  // namespace tml::jobs
