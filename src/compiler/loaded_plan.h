#pragma once
// A plan copied into 8-byte-aligned storage (Plan::Load reads in place and needs the
// alignment) and validated: how host code holds a plan it got as bytes.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compiler/error.h"
#include "runtime/plan.h"

namespace tml::compiler {

class LoadedPlan {
 public:
  /// Validates a copy of `bytes`; errors name `label`, the failing op, and for a version
  /// mismatch both versions.
  static Result<LoadedPlan> From(std::span<const uint8_t> bytes, const std::string& label = "plan");

  LoadedPlan(LoadedPlan&&) = default;  // the storage moves with its heap buffer: plan_ stays valid
  LoadedPlan& operator=(LoadedPlan&&) = default;
  LoadedPlan(const LoadedPlan&) = delete;
  LoadedPlan& operator=(const LoadedPlan&) = delete;

  const Plan& plan() const { return plan_; }

 private:
  LoadedPlan() = default;
  std::vector<uint64_t> words_;
  Plan plan_;
};

}  // namespace tml::compiler
