#pragma once
// One run of a builder image under the contract (docs/porting-guide.md), through the Docker
// Engine API: create the container (no network, read-only root, memory/CPU/pids limits,
// anonymous volumes at /in and /out), copy the model into /in, start it, stream its output,
// stop it at the time limit or on cancel, copy /out back, and remove it whatever happened.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/tar_files.h"
#include "jobs/docker/docker_client.h"

namespace tml::jobs {

using common::ReadTarFiles;
using common::TarContents;
using common::TarFile;
using common::TarLimits;
using common::WriteTar;

struct ContainerLimits {
  int64_t memory_bytes = 1ll << 30;
  double cpus = 1.0;
  int64_t pids = 256;
  double time_limit_s = 600;
  size_t max_output_bytes = 64u << 20;  ///< the whole of /out
};

struct BuilderRun {
  std::string image;               ///< an image id or a reference present on the daemon
  std::string model_file;          ///< its name under /in, e.g. "kws.tflite"
  std::string model_bytes;
  std::vector<std::string> extra;  ///< arguments after "/in/<model_file>": "--board", "X", ...
  std::map<std::string, std::string> labels;
  ContainerLimits limits;
};

struct BuilderOutcome {
  bool exited = false;  ///< the builder ended on its own (then exit_code is its status)
  int64_t exit_code = -1;
  bool timed_out = false;
  bool canceled = false;
  bool oom_killed = false;
  double seconds = 0;
  std::string last_stderr_line;
  std::string network_mode;  ///< as the daemon reports the container's HostConfig
  TarContents out;           ///< the files the builder wrote to /out (when it exited)
};

/// Runs the builder. `on_output` gets its stdout/stderr as they come (stream 1 or 2);
/// `on_container` gets the container id right after it is created (and "" once it is
/// removed). Fails only when the daemon cannot do its part; a failing builder is an outcome.
DockerResult<BuilderOutcome> RunBuilderContainer(const DockerClient& docker, const BuilderRun& run,
                                                 const std::function<void(int, std::string_view)>& on_output,
                                                 const std::atomic<bool>* cancel = nullptr,
                                                 const std::function<void(const std::string&)>& on_container = {});

/// Removes (with their volumes) the containers carrying label `key=value` whose ids are not
/// in `keep`: what a crash, a restart or a stopped daemon left behind. Returns how many.
DockerResult<int> RemoveLabeledContainers(const DockerClient& docker, const std::string& key, const std::string& value,
                                          const std::vector<std::string>& keep = {});

}  // namespace tml::jobs
