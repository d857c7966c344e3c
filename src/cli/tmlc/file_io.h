#pragma once
// File helpers of the tmlc commands.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/error.h"

namespace tml::cli {

/// Whole file as bytes, or an error naming the path and the OS reason.
compiler::Result<std::vector<uint8_t>> ReadFile(const std::string& path);
compiler::Result<void> WriteFile(const std::string& path, const uint8_t* data, size_t size);

/// A byte buffer whose data() is 8-byte aligned, as Plan::Load and the arena require.
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t size = 0) { Resize(size); }
  void Resize(size_t size) {
    words_.assign((size + 7) / 8, 0);
    size_ = size;
  }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words_.data()); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words_.data()); }
  size_t size() const { return size_; }

 private:
  std::vector<uint64_t> words_;
  size_t size_ = 0;
};

/// Exit codes shared by the tmlc commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitIoError = 1;
inline constexpr int kExitBadModel = 2;

}  // namespace tml::cli

namespace tml {
class Plan;
}

namespace tml::cli {

/// Copies `bytes` into `buffer` and validates them as a plan; errors name `label`.
compiler::Result<void> LoadPlan(const std::string& label, const std::vector<uint8_t>& bytes,
                                AlignedBuffer& buffer, Plan* plan);

}  // namespace tml::cli
