#include "compiler/loaded_plan.h"

#include <cstring>

namespace tml::compiler {

Result<LoadedPlan> LoadedPlan::From(std::span<const uint8_t> bytes, const std::string& label) {
  LoadedPlan loaded;
  loaded.words_.resize(bytes.size() / 8 + 1);
  std::memcpy(loaded.words_.data(), bytes.data(), bytes.size());
  const Status status = Plan::Load(reinterpret_cast<const uint8_t*>(loaded.words_.data()),
                                   static_cast<uint32_t>(bytes.size()), &loaded.plan_);
  if (status == Status::kOk) return loaded;
  std::string message = label + ": " + StatusMessage(status);
  if (loaded.plan_.failed_op() >= 0) message += " (plan op " + std::to_string(loaded.plan_.failed_op()) + ")";
  if (status == Status::kUnsupportedVersion && bytes.size() >= 6) {
    message += ": file has version " + std::to_string(bytes[4] | (bytes[5] << 8)) + ", this tmlc reads version " +
               std::to_string(kPlanFormatVersion);
  }
  return Fail(message);
}

}  // namespace tml::compiler
