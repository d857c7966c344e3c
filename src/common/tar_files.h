#pragma once
// Tar archives written and read with libarchive: what Docker's archive API moves (PUT and
// GET /containers/{id}/archive) and the deployment package (package.h). Reading is
// defensive: the archive comes from a builder image or a download, either may be hostile.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace tml::common {

template <typename T>
using TarResult = tl::expected<T, std::string>;

struct TarFile {
  std::string name;
  std::string data;
  unsigned mode = 0644;
};

/// A ustar archive of `files`, each at the top level, owned by root.
TarResult<std::string> WriteTar(const std::vector<TarFile>& files);

struct TarLimits {
  size_t max_files = 32;
  size_t max_total_bytes = 64u << 20;
};

struct TarContents {
  std::vector<TarFile> files;
  std::vector<std::string> skipped;  ///< entries that are not plain files at the top level

  /// The file named `name`, or null.
  const TarFile* Find(std::string_view name) const {
    for (const TarFile& f : files) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
};

/// The regular files directly inside the folder `top` of the archive (Docker's archive of
/// /out holds "out/" and "out/NAME"; an empty `top` means the archive's top level). Names must be [A-Za-z0-9._-], not "." or "..";
/// symlinks, devices and nested folders are skipped and listed, never followed.
TarResult<TarContents> ReadTarFiles(std::string_view archive, const std::string& top, const TarLimits& limits);

}  // namespace tml::common
