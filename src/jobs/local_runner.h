#pragma once
// The embedded default runner: `tmlc firmware` in a child process, in the build's own
// folder, with a time limit; killed (with its process group) on cancel or timeout.

#include <string>

#include "jobs/build_runner.h"

namespace tml::jobs {

class LocalRunner : public BuildRunner {
 public:
  explicit LocalRunner(std::string tmlc_path) : tmlc_(std::move(tmlc_path)) {}
  const char* name() const override { return "local"; }
  BuildResult Run(const BuildJob& job, const std::atomic<bool>& cancel) override;

 private:
  std::string tmlc_;
};

}  // namespace tml::jobs
