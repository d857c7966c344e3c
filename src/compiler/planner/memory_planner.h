#pragma once
// Memory planning: every intermediate tensor gets an offset in one arena so that tensors
// alive at the same time never overlap. Planners are interchangeable behind one interface;
// the linear planner (no reuse) is the trivially correct oracle for the others.

#include <cstdint>
#include <string>
#include <vector>

namespace tml::compiler {

/// A buffer to place: its size and the op range [first_op, last_op] during which it is live.
struct BufferRequest {
  uint32_t bytes = 0;
  int32_t first_op = 0;
  int32_t last_op = 0;
};

struct MemoryPlan {
  std::vector<uint32_t> offsets;  ///< one per request
  uint32_t arena_bytes = 0;
};

class MemoryPlanner {
 public:
  virtual ~MemoryPlanner() = default;
  virtual MemoryPlan Plan(const std::vector<BufferRequest>& requests) const = 0;
  virtual const char* name() const = 0;
};

/// Places buffers one after another: no reuse, arena = sum of sizes.
class LinearMemoryPlanner : public MemoryPlanner {
 public:
  MemoryPlan Plan(const std::vector<BufferRequest>& requests) const override;
  const char* name() const override { return "linear"; }
};

/// Largest buffers first, each at the lowest offset free during its whole lifetime.
class GreedyMemoryPlanner : public MemoryPlanner {
 public:
  MemoryPlan Plan(const std::vector<BufferRequest>& requests) const override;
  const char* name() const override { return "greedy"; }
};

/// Empty if the plan is valid; otherwise a description of the first conflict.
std::string ValidateMemoryPlan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan);

/// Offsets are multiples of this.
inline constexpr uint32_t kArenaAlignment = 8;

}  // namespace tml::compiler
