#pragma once
// Tar archives as Docker's archive API moves them (PUT and GET /containers/{id}/archive),
// written and read with libarchive. Reading is defensive: the archive comes from a builder
// image, which may be hostile.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/docker/docker_client.h"

namespace tml::jobs {

struct TarFile {
  std::string name;
  std::string data;
  unsigned mode = 0644;
};

/// A ustar archive of `files`, each at the top level, owned by root.
DockerResult<std::string> WriteTar(const std::vector<TarFile>& files);

struct TarLimits {
  size_t max_files = 32;
  size_t max_total_bytes = 64u << 20;
};

struct TarContents {
  std::vector<TarFile> files;
  std::vector<std::string> skipped;  ///< entries that are not plain files at the top level
};

/// The regular files directly inside the folder `top` of the archive (Docker's archive of
/// /out holds "out/" and "out/NAME"). Names must be [A-Za-z0-9._-], not "." or "..";
/// symlinks, devices and nested folders are skipped and listed, never followed.
DockerResult<TarContents> ReadTarFiles(std::string_view archive, const std::string& top, const TarLimits& limits);

}  // namespace tml::jobs
