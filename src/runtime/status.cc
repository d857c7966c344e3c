#include "runtime/status.h"

namespace tml {

const char* StatusMessage(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kBadMagic: return "not a TinyMLaaS plan (bad magic)";
    case Status::kUnsupportedVersion: return "unsupported plan format version";
    case Status::kUnsupportedOpSet: return "plan needs a newer op set than this runtime";
    case Status::kTruncated: return "plan is truncated";
    case Status::kMisaligned: return "plan or arena is not 8-byte aligned";
    case Status::kBadSection: return "a plan section lies outside the plan";
    case Status::kBadTensor: return "inconsistent tensor descriptor";
    case Status::kBadOp: return "op references a missing tensor";
    case Status::kUnknownKernel: return "op uses a kernel this runtime does not have";
    case Status::kBadParams: return "op parameters rejected by its kernel";
    case Status::kArenaTooSmall: return "arena is smaller than the plan needs";
    case Status::kBadIndex: return "input/output index out of range";
  }
  return "unknown status";
}

}  // namespace tml
