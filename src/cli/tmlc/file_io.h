#pragma once
// File and buffer helpers of the tmlc commands.

#include <cstdint>
#include <vector>

#include "compiler/file_io.h"

namespace tml::cli {

using compiler::ReadFile;
using compiler::WriteFile;

/// A byte buffer whose data() is 8-byte aligned, as the interpreter's arena requires.
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
