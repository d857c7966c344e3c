#pragma once
// Getting a builder image onto the daemon and pinning it. A reference that names a registry
// is always pulled (the registry is the source of truth for its tags); one that names none
// must already be on the daemon: we never let the daemon reach out to a default registry.

#include <functional>
#include <map>
#include <string>

#include "jobs/docker/docker_client.h"

namespace tml::jobs {

struct ImageInfo {
  std::string id;       ///< "sha256:..." of the image config: what a container is created from
  std::string digest;   ///< "REPOSITORY@sha256:..." from the registry, or `id` for a local image
  std::string user;     ///< the image's USER ("" means root)
  std::map<std::string, std::string> labels;
};

/// Pulls `reference` when it names a registry, then inspects it. `on_line` receives the
/// pull's progress, one line per step (no byte counters).
DockerResult<ImageInfo> PullAndInspect(const DockerClient& docker, const std::string& reference,
                                       const std::function<void(const std::string&)>& on_line);

}  // namespace tml::jobs
