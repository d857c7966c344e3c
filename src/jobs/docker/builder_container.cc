#include "jobs/docker/builder_container.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "jobs/docker/log_demuxer.h"

namespace tml::jobs {
namespace {

using Clock = std::chrono::steady_clock;

nlohmann::json CreateBody(const BuilderRun& run) {
  nlohmann::json cmd = nlohmann::json::array({"/in/" + run.model_file});
  for (const std::string& a : run.extra) cmd.push_back(a);
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : run.labels) labels[k] = v;
  const ContainerLimits& l = run.limits;
  return {
      {"Image", run.image},
      {"Cmd", cmd},
      {"Labels", labels},
      {"NetworkDisabled", true},
      {"AttachStdout", false},
      {"AttachStderr", false},
      {"Tty", false},
      // Anonymous volumes: the archive API may write into them although the root is read-only,
      // and they go away with the container (DELETE ?v=1).
      {"Volumes", {{"/in", nlohmann::json::object()}, {"/out", nlohmann::json::object()}}},
      {"HostConfig",
       {{"NetworkMode", "none"},
        {"Memory", l.memory_bytes},
        {"MemorySwap", l.memory_bytes},
        {"NanoCpus", static_cast<int64_t>(l.cpus * 1e9)},
        {"PidsLimit", l.pids},
        {"ReadonlyRootfs", true},
        {"CapDrop", {"ALL"}},
        {"SecurityOpt", {"no-new-privileges"}},
        {"Tmpfs", {{"/tmp", "rw,nosuid,nodev,size=512m"}}},
        {"LogConfig", {{"Type", "json-file"}, {"Config", {{"max-size", "8m"}}}}}}},
  };
}

/// Collects stderr's last complete non-empty line for the failure reason.
class LastLine {
 public:
  void Add(std::string_view data) {
    std::lock_guard lock(mutex_);
    partial_.append(data);
    for (size_t nl; (nl = partial_.find('\n')) != std::string::npos; partial_.erase(0, nl + 1)) {
      if (nl > 0) last_ = partial_.substr(0, std::min<size_t>(nl, 400));
    }
    if (partial_.size() > 4096) partial_.erase(0, partial_.size() - 400);
  }
  std::string Get() {
    std::lock_guard lock(mutex_);
    return partial_.empty() ? last_ : partial_.substr(0, 400);
  }

 private:
  std::mutex mutex_;
  std::string partial_, last_;
};

struct ContainerState {
  bool running = false;
  int64_t exit_code = -1;
  bool oom_killed = false;
  std::string network_mode;
};

DockerResult<ContainerState> Inspect(const DockerClient& docker, const std::string& id) {
  auto reply = docker.Call("GET", "/containers/" + id + "/json", {}, "", 10);
  if (!reply) return DockerFail(reply.error());
  if (!reply->ok()) return DockerFail("cannot inspect container " + id + ": " + DockerClient::ErrorOf(*reply));
  const auto json = nlohmann::json::parse(reply->body, nullptr, false);
  if (!json.is_object() || !json.contains("State")) return DockerFail("the daemon's container description is not JSON");
  ContainerState s;
  const auto& state = json["State"];
  s.running = state.value("Running", false) || state.value("Restarting", false);
  s.exit_code = state.value("ExitCode", int64_t{-1});
  s.oom_killed = state.value("OOMKilled", false);
  if (json.contains("HostConfig")) s.network_mode = json["HostConfig"].value("NetworkMode", std::string());
  return s;
}

DockerResult<void> Expect(const DockerResult<HttpReply>& reply, const std::string& what) {
  if (!reply) return DockerFail(reply.error());
  if (!reply->ok()) return DockerFail("cannot " + what + ": " + DockerClient::ErrorOf(*reply));
  return {};
}

}  // namespace

DockerResult<BuilderOutcome> RunBuilderContainer(const DockerClient& docker, const BuilderRun& run,
                                                 const std::function<void(int, std::string_view)>& on_output,
                                                 const std::atomic<bool>* cancel,
                                                 const std::function<void(const std::string&)>& on_container) {
  auto created = docker.Call("POST", "/containers/create", CreateBody(run).dump());
  if (auto ok = Expect(created, "create a container of " + run.image); !ok) return DockerFail(ok.error());
  const auto created_json = nlohmann::json::parse(created->body, nullptr, false);
  if (!created_json.is_object() || !created_json.contains("Id")) return DockerFail("the daemon's create reply has no Id");
  const std::string id = created_json["Id"].get<std::string>();
  if (on_container) on_container(id);

  // Whatever happens below, the container and its volumes go.
  struct Remover {
    const DockerClient& docker;
    const std::string& id;
    const std::function<void(const std::string&)>& on_container;
    ~Remover() {
      (void)docker.Call("DELETE", "/containers/" + id + "?force=1&v=1", {}, "", 30);
      if (on_container) on_container("");
    }
  } remover{docker, id, on_container};

  auto tar = WriteTar({{run.model_file, run.model_bytes, 0444}});
  if (!tar) return DockerFail(tar.error());
  if (auto ok = Expect(docker.Call("PUT", "/containers/" + id + "/archive?path=/in", *tar, "application/x-tar"),
                       "copy the model into the container");
      !ok) {
    return DockerFail(ok.error());
  }
  const auto started = Clock::now();
  if (auto ok = Expect(docker.Call("POST", "/containers/" + id + "/start"), "start the builder"); !ok) {
    return DockerFail(ok.error());
  }

  LastLine last;
  std::atomic<bool> stop_logs = false;
  std::atomic<bool> logs_done = false;
  std::thread logs([&] {
    LogDemuxer demux([&](int stream, std::string_view payload) {
      if (stream == 2) last.Add(payload);
      on_output(stream, payload);
    });
    auto r = docker.Stream("GET", "/containers/" + id + "/logs?follow=1&stdout=1&stderr=1",
                           [&](std::string_view data) { return demux.Feed(data); }, [&] { return stop_logs.load(); });
    if (!r) on_output(2, "builder log stream: " + r.error() + "\n");
    logs_done = true;
  });
  auto join_logs = [&](double grace_s) {
    // The follow stream ends by itself once the container stops; the grace covers a daemon
    // that keeps it open.
    const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_s * 1000));
    while (Clock::now() < until && !logs_done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop_logs = true;
    logs.join();
  };

  BuilderOutcome outcome;
  const auto deadline = started + std::chrono::milliseconds(static_cast<int64_t>(run.limits.time_limit_s * 1000));
  ContainerState state;
  for (;;) {
    auto s = Inspect(docker, id);
    if (!s) {
      stop_logs = true;
      logs.join();
      return DockerFail(s.error());
    }
    state = *s;
    if (!state.running) break;
    const bool canceled = cancel != nullptr && cancel->load();
    if (canceled || Clock::now() > deadline) {
      outcome.canceled = canceled;
      outcome.timed_out = !canceled;
      (void)docker.Call("POST", "/containers/" + id + "/kill", {}, "", 10);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  outcome.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  join_logs(outcome.timed_out || outcome.canceled ? 0.5 : 5.0);
  outcome.last_stderr_line = last.Get();
  outcome.network_mode = state.network_mode;
  outcome.oom_killed = state.oom_killed;
  if (outcome.timed_out || outcome.canceled) return outcome;
  outcome.exited = true;
  outcome.exit_code = state.exit_code;

  auto archive = docker.Call("GET", "/containers/" + id + "/archive?path=/out", {}, "", 120,
                             run.limits.max_output_bytes + (1u << 20));
  if (!archive) return DockerFail("cannot copy /out out of the builder: " + archive.error());
  if (!archive->ok()) return DockerFail("cannot copy /out out of the builder: " + DockerClient::ErrorOf(*archive));
  auto files = ReadTarFiles(archive->body, "out", {32, run.limits.max_output_bytes});
  if (!files) return DockerFail("the builder's /out: " + files.error());
  outcome.out = std::move(*files);
  return outcome;
}

DockerResult<int> RemoveLabeledContainers(const DockerClient& docker, const std::string& key, const std::string& value,
                                          const std::vector<std::string>& keep) {
  const nlohmann::json filters = {{"label", {key + "=" + value}}};
  auto reply = docker.Call("GET", "/containers/json?all=1&filters=" + DockerClient::Escape(filters.dump()), {}, "", 30);
  if (!reply) return DockerFail(reply.error());
  if (!reply->ok()) return DockerFail("cannot list containers: " + DockerClient::ErrorOf(*reply));
  const auto list = nlohmann::json::parse(reply->body, nullptr, false);
  int removed = 0;
  if (!list.is_array()) return removed;
  for (const auto& c : list) {
    const std::string id = c.value("Id", std::string());
    if (id.empty() || std::find(keep.begin(), keep.end(), id) != keep.end()) continue;
    auto gone = docker.Call("DELETE", "/containers/" + id + "?force=1&v=1", {}, "", 30);
    if (gone && (gone->ok() || gone->status == 404)) ++removed;
  }
  return removed;
}

}  // namespace tml::jobs
