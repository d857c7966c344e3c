#pragma once
// Runs builds in partner builder images on a Docker Engine (its HTTP API on a unix socket):
// pull the image when its reference names a registry, pin it by digest, run it under the
// builder contract with limits, stream its output into the build log, collect /out.
// Containers carry the label io.tinymlaas.runner=<instance>; whatever a crash, a restart or
// a stopped daemon left behind is removed when the runner starts and before every build.

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "jobs/build_runner.h"
#include "jobs/docker/builder_container.h"
#include "jobs/docker/docker_client.h"

namespace tml::jobs {

struct DockerRunnerOptions {
  std::string host;      ///< DOCKER_HOST form: unix:///path
  std::string instance;  ///< owner label value, unique per server data folder
  ContainerLimits limits;
};

class DockerRunner : public BuildRunner {
 public:
  /// Checks that the daemon answers and removes this instance's leftover containers.
  static DockerResult<std::unique_ptr<DockerRunner>> Connect(const DockerRunnerOptions& options);
  const char* name() const override { return "docker"; }
  BuildResult Run(const BuildJob& job, const std::atomic<bool>& cancel) override;

 private:
  DockerRunner(DockerClient docker, DockerRunnerOptions options) : docker_(std::move(docker)), options_(std::move(options)) {}
  void RemoveLeftovers();

  DockerClient docker_;
  DockerRunnerOptions options_;
  std::mutex mutex_;
  std::set<std::string> active_;  ///< containers of builds running now
};

}  // namespace tml::jobs
