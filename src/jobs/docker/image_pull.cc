#include "jobs/docker/image_pull.h"

#include <nlohmann/json.hpp>

#include "jobs/docker/image_reference.h"

namespace tml::jobs {
namespace {

DockerResult<void> Pull(const DockerClient& docker, const ImageReference& ref,
                        const std::function<void(const std::string&)>& on_line) {
  const std::string path = "/images/create?fromImage=" + DockerClient::Escape(ref.repository) +
                           "&tag=" + DockerClient::Escape(ref.digest.empty() ? ref.tag : ref.digest);
  std::string pending, error;
  long status = 0;
  // The body is JSON lines; a failure mid-pull is an {"error": ...} line in a 200 response.
  auto on_data = [&](std::string_view data) {
    pending.append(data);
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      const auto line = nlohmann::json::parse(pending.substr(0, nl), nullptr, false);
      if (!line.is_object()) continue;
      if (line.contains("error")) error = line["error"].is_string() ? line["error"].get<std::string>() : line["error"].dump();
      if (!line.contains("status") || !line["status"].is_string()) continue;
      const std::string step = line["status"].get<std::string>();
      // One line per layer when it is done, not its byte counters and intermediate steps.
      if (step == "Downloading" || step == "Extracting" || step == "Waiting" || step == "Pulling fs layer" ||
          step == "Verifying Checksum" || step == "Download complete") {
        continue;
      }
      on_line("pull: " + (line.contains("id") && line["id"].is_string() ? line["id"].get<std::string>() + ": " : "") + step);
    }
    return true;
  };
  auto streamed = docker.Stream("POST", path, on_data);
  if (!streamed) return DockerFail(streamed.error());
  status = *streamed;
  if (status < 200 || status >= 300) {
    const auto body = nlohmann::json::parse(pending, nullptr, false);
    error = body.is_object() && body.contains("message") ? body["message"].get<std::string>()
                                                         : "HTTP status " + std::to_string(status);
  }
  if (!error.empty()) return DockerFail("cannot pull " + ref.repository + ": " + error);
  return {};
}

}  // namespace

DockerResult<ImageInfo> PullAndInspect(const DockerClient& docker, const std::string& reference,
                                       const std::function<void(const std::string&)>& on_line) {
  const ImageReference ref = ParseImageReference(reference);
  if (ref.repository.empty()) return DockerFail("'" + reference + "' is not an image reference");
  if (!ref.registry.empty()) {
    if (auto pulled = Pull(docker, ref, on_line); !pulled) return DockerFail(pulled.error());
  }
  auto reply = docker.Call("GET", "/images/" + reference + "/json");
  if (!reply) return DockerFail(reply.error());
  if (reply->status == 404) {
    return DockerFail("image " + reference + " is not on the Docker daemon" +
                      (ref.registry.empty() ? " and names no registry to pull it from (use REGISTRY/NAME:TAG)" : ""));
  }
  if (!reply->ok()) return DockerFail("cannot inspect image " + reference + ": " + DockerClient::ErrorOf(*reply));
  const auto json = nlohmann::json::parse(reply->body, nullptr, false);
  if (!json.is_object() || !json.contains("Id")) return DockerFail("the daemon's description of " + reference + " is not JSON");
  ImageInfo info;
  info.id = json["Id"].get<std::string>();
  info.digest = info.id;
  if (json.contains("RepoDigests") && json["RepoDigests"].is_array()) {
    for (const auto& d : json["RepoDigests"]) {
      if (!d.is_string()) continue;
      const std::string text = d.get<std::string>();
      if (text.rfind(ref.repository + "@", 0) == 0) info.digest = text;
    }
  }
  const auto& config = json.value("Config", nlohmann::json::object());
  if (config.is_object()) {
    if (config.contains("User") && config["User"].is_string()) info.user = config["User"].get<std::string>();
    if (config.contains("Labels") && config["Labels"].is_object()) {
      for (const auto& [k, v] : config["Labels"].items()) {
        if (v.is_string()) info.labels[k] = v.get<std::string>();
      }
    }
  }
  return info;
}

}  // namespace tml::jobs
