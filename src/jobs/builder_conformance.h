#pragma once
// The conformance suite of the builder contract (docs/porting-guide.md): what a partner runs
// against an image before handing it over (`tinymlaas builders check IMAGE`). Each check
// runs the image the way the service does (no network, read-only root, limits) and says
// pass or fail with the evidence.

#include <functional>
#include <string>
#include <vector>

#include "jobs/docker/builder_container.h"
#include "jobs/docker/docker_client.h"

namespace tml::jobs {

struct ConformanceOptions {
  std::string image;
  std::string model_path;  ///< a model the image must build (a good model)
  std::string board;       ///< a board the image serves
  ContainerLimits limits;
};

struct CheckResult {
  std::string name;
  bool passed = false;
  std::string detail;
};

/// Runs every check; `on_check` sees each result as it is decided (for a live table).
std::vector<CheckResult> RunConformance(const DockerClient& docker, const ConformanceOptions& options,
                                        const std::function<void(const CheckResult&)>& on_check = {});

/// The manifest fields the contract requires, checked against the build's inputs and
/// outputs; returns what is missing or wrong (empty when all hold).
std::vector<std::string> ManifestProblems(const std::string& manifest_json, const std::string& board,
                                          const std::string& model_sha256, const std::string& firmware_bin);

}  // namespace tml::jobs
