#pragma once
// A build runner turns one queued build into artifacts. Runners are interchangeable: the
// local process runner (the built-in builder) and the Docker Engine runner (builder images);
// docs/service.md says how to add one.

#include <atomic>
#include <string>
#include <utility>
#include <vector>

namespace tml::jobs {

struct BuildJob {
  int64_t build_id = 0;
  std::string model_path;   ///< the model file (a blob)
  std::string model_name;   ///< the name the user gave it, for the manifest
  std::string board;
  std::string image;        ///< the builder image reference; empty for the built-in builder
  bool only_model_kernels = false;
  std::string work_dir;     ///< a fresh folder for this build
  std::string log_path;     ///< append everything the build prints here
  double time_limit_s = 600;
};

struct BuildResult {
  bool succeeded = false;
  std::string reason;  ///< why it failed (one line)
  std::string image_digest;  ///< the builder image that ran, pinned ("repo@sha256:..." or an image id)
  std::vector<std::pair<std::string, std::string>> artifacts;  ///< (name, path)
};

class BuildRunner {
 public:
  virtual ~BuildRunner() = default;
  virtual const char* name() const = 0;
  /// Runs the build; returns early (failed, "canceled") once `cancel` becomes true.
  virtual BuildResult Run(const BuildJob& job, const std::atomic<bool>& cancel) = 0;
};

}  // namespace tml::jobs
