#pragma once
// Status codes of the runtime. The runtime is freestanding: no exceptions, so every
// fallible call returns one of these.

#include <stdint.h>

namespace tml {

/// Outcome of a runtime call. kOk is zero so that `if (status != Status::kOk)` reads naturally.
enum class Status : uint8_t {
  kOk = 0,
  kBadMagic,            ///< the bytes do not start with the plan magic
  kUnsupportedVersion,  ///< plan format version is not the one this runtime reads
  kUnsupportedOpSet,    ///< plan needs a newer op set than this runtime has
  kTruncated,           ///< plan is shorter than its header says
  kMisaligned,          ///< plan or arena pointer is not 8-byte aligned
  kBadSection,          ///< a section offset/size points outside the plan
  kBadTensor,           ///< a tensor descriptor is inconsistent (rank, size, storage)
  kBadOp,               ///< an op references a tensor that does not exist
  kUnknownKernel,       ///< an op names a kernel id this runtime does not have
  kBadParams,           ///< an op's parameters fail its kernel's Prepare check
  kArenaTooSmall,       ///< the caller's arena is smaller than the plan needs
  kBadIndex,            ///< input/output index out of range
};

/// A short, static, human-readable description of a status.
const char* StatusMessage(Status status);

}  // namespace tml
