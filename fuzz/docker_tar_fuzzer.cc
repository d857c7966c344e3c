// libFuzzer target: reading a builder's /out archive (as Docker's archive API returns it)
// from arbitrary bytes. Invariants: only plain names come out, within the limits.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/tar_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tml::common::TarLimits limits{8, 1u << 20};
  auto read = tml::common::ReadTarFiles(std::string_view(reinterpret_cast<const char*>(data), size), "out", limits);
  if (!read) return 0;
  size_t total = 0;
  for (const auto& f : read->files) {
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == "..") std::abort();
    total += f.data.size();
  }
  if (read->files.size() > limits.max_files || total > limits.max_total_bytes) std::abort();
  return 0;
}
